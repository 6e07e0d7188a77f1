//! The cycle-accurate backend: the rust-hdl accelerator top `qtrain_accel` (conv engine + update
//! unit behind one stream pair, `qtrain_hdl::accel`) driven clock by clock by the top's fast
//! direct-`simulate()` runner, under seeded random input gaps and output back-pressure, with a
//! watchdog that names the stalled stream and the top's state instead of hanging. The host sends it
//! the top's transactions (`qtrain::exact::accel`: header word + payload).
//!
//! rust-hdl fixes P, S and the update unit's shape as const generics, so the configurations a binary
//! can simulate are the ones instantiated here, listed once in [`crate::devices::shapes`]: conv `P=16, S=64`
//! (the default) or `P=4, S=64` (small, for fast checks), each with the 16-lane, 16-bit w / 8-bit u
//! update unit.
//!
//! [`RtlTarget::Engine`] is a faster stand-in: the bare rust-hdl conv engine and update unit, each
//! simulated on its own, behind the top's transaction-level definition
//! (`qtrain::exact::accel::TopModel`: headers, error words, draining, the update gearbox, response
//! framing and counters, the same code the model backend runs). Conv payloads go to the engine
//! (conv busy = its measured cycles), update payloads through the gearbox to the unit's own runner
//! (`qtrain_hdl::update::runner`, one beat a cycle; update busy = at least what the top's stream
//! needs). The top costs far more per simulated cycle (it evaluates both blocks and the router every
//! settle pass), so the shim is there for long runs; its backend name is "rtl-engine" so reports say
//! which was simulated. The update unit is built only for the instantiated shape
//! ([`crate::devices::shapes::UPDATE_SHAPE`]); with another one the shim refuses update transactions.

use std::io::Write;

use qtrain::exact::accel::{TopBlocks, TopModel};
use qtrain::exact::geometry::ConvLayer;
use qtrain::exact::update::{BeatOut, LaneOut};
use qtrain::hw::HwConfig;
use qtrain_hdl::accel::runner::{run_watched, RunResult, Stimulus};
use qtrain_hdl::accel::AccelTop;
use qtrain_hdl::conv::ConvEngine;
use qtrain_hdl::update::runner::{Traffic as UnitTraffic, UpdateRunner};

use crate::devices::model::TopDevice;
use crate::devices::shapes::{
    rtl_conv_shapes, Use, UPDATE_LANES, UPDATE_SHAPE, UPDATE_U_BITS, UPDATE_W_BITS,
};
use crate::devices::stream::{StreamDevice, Traffic, Transfer};
use crate::error::SimError;

/// The watchdog's report as the host's error.
fn stalled(
    s: qtrain_hdl::conv::runner::Stall,
    expected_in: usize,
    expected_out: usize,
) -> SimError {
    SimError::Stalled {
        cycle: s.cycle,
        idle: s.idle,
        stream: s.stream,
        waiting: s.waiting,
        words_in: s.words_in,
        expected_in,
        words_out: s.words_out,
        expected_out,
    }
}

/// Anything the runner can drive (one impl per instantiated top configuration).
trait Top {
    fn run(
        &mut self,
        input: &[u64],
        n_out: usize,
        stim: Stimulus,
        idle_limit: u64,
        vcd: Option<&mut dyn Write>,
    ) -> Result<RunResult, SimError>;
}

impl<
        const P: usize,
        const SW: usize,
        const PSW: usize,
        const L: usize,
        const WB: usize,
        const UB: usize,
    > Top for AccelTop<P, SW, PSW, L, WB, UB>
{
    fn run(
        &mut self,
        input: &[u64],
        n_out: usize,
        stim: Stimulus,
        idle_limit: u64,
        vcd: Option<&mut dyn Write>,
    ) -> Result<RunResult, SimError> {
        run_watched(self, &[input.to_vec()], n_out, stim, idle_limit, vcd)
            .map_err(|s| stalled(s, input.len(), n_out))
    }
}

impl<const P: usize, const SW: usize, const PSW: usize> Top for ConvEngine<P, SW, PSW> {
    fn run(
        &mut self,
        input: &[u64],
        n_out: usize,
        stim: Stimulus,
        idle_limit: u64,
        vcd: Option<&mut dyn Write>,
    ) -> Result<RunResult, SimError> {
        qtrain_hdl::conv::runner::run_watched(self, input, n_out, stim, idle_limit, vcd)
            .map_err(|s| stalled(s, input.len(), n_out))
    }
}

/// Which rust-hdl block the rtl backend simulates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RtlTarget {
    /// The accelerator top `qtrain_accel` (the hardware the host talks to).
    Top,
    /// The bare conv engine and update unit behind the top's transaction-level definition
    /// (`qtrain::exact::accel::TopModel`: headers, gearbox, framing and counters on the host side).
    Engine,
}

/// One simulated rust-hdl block (the top, or the bare engine) and the host's traffic on its streams.
struct Sim {
    top: Box<dyn Top>,
    traffic: Traffic,
    idle_limit: u64,
    transfers: u64,
    vcd: Option<Box<dyn Write>>,
}

impl Sim {
    /// Drive `input` through the simulated block and collect `n_out` words.
    fn run_on(&mut self, input: &[u64], n_out: usize) -> Result<Transfer, SimError> {
        let stim = Stimulus {
            in_gap: self.traffic.input_gap,
            out_stall: self.traffic.output_stall,
            seed: self.traffic.seed.wrapping_add(self.transfers),
        };
        self.transfers += 1;
        let mut vcd = self.vcd.take();
        let r = self.top.run(
            input,
            n_out,
            stim,
            self.idle_limit,
            vcd.as_mut().map(|w| &mut **w as &mut dyn Write),
        )?;
        if let Some(mut w) = vcd {
            w.flush()
                .map_err(|e| SimError::Protocol(format!("cannot write the VCD: {e}")))?;
        }
        let lasts = r
            .last
            .iter()
            .enumerate()
            .filter_map(|(i, &l)| l.then_some(i))
            .collect();
        // Cycles from the first input word (the top: the header) moving to the last output word moving.
        let first_in = r.in_cycle.first().copied().unwrap_or(0);
        let last_out = r.out_cycle.last().copied().unwrap_or(r.cycles);
        Ok(Transfer {
            output: r.out,
            lasts,
            cycles: last_out + 1 - first_in,
        })
    }
}

/// The instantiated update unit's runner ([`UPDATE_SHAPE`]).
type Unit = UpdateRunner<16, 16, 8>;

/// [`RtlTarget::Engine`]'s blocks: the bare engine and the update unit, each under the host's traffic.
struct EngineShim {
    engine: Sim,
    /// `None` when the configuration's update unit is not the instantiated shape.
    unit: Option<Box<Unit>>,
    /// The configuration's (lanes, w bits, u bits), for the refusal.
    update_shape: (usize, u32, u32),
}

impl EngineShim {
    fn unit(&mut self) -> Result<&mut Unit, SimError> {
        let (l, w, u) = self.update_shape;
        let (il, iw, iu) = UPDATE_SHAPE;
        self.unit.as_deref_mut().ok_or_else(|| {
            SimError::Protocol(format!(
                "the rtl backend's update unit is built for {il} lanes, {iw}-bit w and {iu}-bit u,                  not {l} lanes, {w} and {u}: update transactions need --backend model for this                  configuration"
            ))
        })
    }
}

impl TopBlocks for EngineShim {
    type Error = SimError;

    fn conv(&mut self, payload: &[u64]) -> Result<(Vec<u64>, u64), SimError> {
        let l = ConvLayer::from_command_word(payload[0])?;
        let n_out = l.out_words() * l.images;
        let t = self.engine.run_on(payload, n_out)?;
        let want: Vec<usize> = (1..=l.images).map(|k| k * l.out_words() - 1).collect();
        if t.lasts != want {
            return Err(SimError::Protocol(format!(
                "the engine put `last` at {:?}, not on each image's final word {want:?}",
                t.lasts
            )));
        }
        Ok((t.output, t.cycles))
    }

    fn update_command(&mut self, words: [u64; 2]) -> Result<u64, SimError> {
        Ok(self.unit()?.command(words)?)
    }

    fn update_beats(&mut self, w: &[i64], u: &[i64]) -> Result<(Vec<BeatOut>, u64), SimError> {
        let tr = self.engine.traffic;
        let seed = tr.seed.wrapping_add(self.engine.transfers);
        self.engine.transfers += 1;
        let r = self.unit()?;
        let c0 = r.cycles();
        let mut traffic = UnitTraffic::random(tr.input_gap, tr.output_stall, seed);
        let (beats, _) = r.stream(w, u, &mut traffic)?;
        let beats = beats
            .into_iter()
            .map(|b| BeatOut {
                lanes: b
                    .w
                    .iter()
                    .zip(&b.q)
                    .map(|(&w, &q)| LaneOut { w, q })
                    .collect(),
                pack: b.pack,
            })
            .collect();
        Ok((beats, r.cycles() - c0))
    }

    fn update_status(&self) -> (u64, bool) {
        match &self.unit {
            Some(r) => (r.sat_count(), r.uut().cmd_error.val()),
            None => (0, false),
        }
    }
}

enum Inner {
    Top(Sim),
    Engine(TopDevice<EngineShim>),
}

/// The rust-hdl accelerator top (or the engine and update unit behind the top's transaction-level
/// definition) behind the host's stream interface.
pub struct RtlDevice {
    inner: Inner,
}

impl RtlDevice {
    /// Build the top for `hw`; errors when its conv P×S or update unit shape is not instantiated in
    /// this binary.
    pub fn new(
        hw: &HwConfig,
        target: RtlTarget,
        traffic: Traffic,
        idle_limit: u64,
    ) -> Result<Self, SimError> {
        crate::devices::shapes::check(
            hw,
            &qtrain::validate::Origin::Flag,
            match target {
                RtlTarget::Engine => Use::RtlEngine,
                RtlTarget::Top => Use::RtlTop,
            },
        )?;
        let u = &hw.update;
        let shape = (u.lanes, u.w_format.total_bits, u.u_format.total_bits);
        // One arm per rtl shape of `crate::devices::shapes` (CONV_SHAPES with `rtl`, UPDATE_SHAPE).
        let internal = |what: &str| {
            let (p, s, (l, w, b)) = (hw.conv.pe, hw.conv.simd, shape);
            SimError::Protocol(format!(
                "internal: crate::devices::shapes lists ({p}, {s}) with {l} lanes, {w}/{b} bits for the \
                 rtl backend, but devices/rtl.rs does not instantiate its {what}"
            ))
        };
        let top: Box<dyn Top> = match target {
            RtlTarget::Engine => rtl_conv_shapes!(hw.conv.pe, hw.conv.simd, |P| {
                Box::new(ConvEngine::<P, 1, P>::new(&hw.conv)?)
            }, else return Err(internal("engine"))),
            RtlTarget::Top if shape == UPDATE_SHAPE => {
                rtl_conv_shapes!(hw.conv.pe, hw.conv.simd, |P| {
                Box::new(AccelTop::<P, 1, P, UPDATE_LANES, UPDATE_W_BITS, UPDATE_U_BITS>::new(hw)?)
            }, else return Err(internal("top")))
            }
            RtlTarget::Top => return Err(internal("update unit")),
        };
        let sim = Sim {
            top,
            traffic,
            idle_limit,
            transfers: 0,
            vcd: None,
        };
        let inner = match target {
            RtlTarget::Top => Inner::Top(sim),
            RtlTarget::Engine => {
                let unit = if shape == UPDATE_SHAPE {
                    let mut r = Unit::new(u)?;
                    r.hang_limit = idle_limit.max(1);
                    Some(Box::new(r))
                } else {
                    None
                };
                let shim = EngineShim {
                    engine: sim,
                    unit,
                    update_shape: shape,
                };
                Inner::Engine(TopDevice::wrap(TopModel::new(shim, u), "rtl-engine", true))
            }
        };
        Ok(Self { inner })
    }

    /// Write a VCD of the simulated block (the top, or the bare engine) during the next transaction
    /// it runs (the first layer of the first batch) to `w`.
    pub fn trace_next(&mut self, w: Box<dyn Write>) {
        match &mut self.inner {
            Inner::Top(s) => s.vcd = Some(w),
            Inner::Engine(d) => d.blocks_mut().engine.vcd = Some(w),
        }
    }
}

impl StreamDevice for RtlDevice {
    fn backend(&self) -> &'static str {
        match &self.inner {
            Inner::Top(_) => "rtl",
            Inner::Engine(d) => d.backend(),
        }
    }
    fn cycle_accurate(&self) -> bool {
        true
    }
    fn transfer(&mut self, input: &[u64], n_out: usize) -> Result<Transfer, SimError> {
        match &mut self.inner {
            Inner::Top(s) => s.run_on(input, n_out),
            Inner::Engine(d) => d.transfer(input, n_out),
        }
    }
}
