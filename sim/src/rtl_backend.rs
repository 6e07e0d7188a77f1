//! The cycle-accurate backend: the rust-hdl accelerator top `qtrain_accel` (conv engine + update
//! unit behind one stream pair, `qtrain_hdl::accel`) driven clock by clock by the top's fast
//! direct-`simulate()` runner, under seeded random input gaps and output back-pressure, with a
//! watchdog that names the stalled stream and the top's state instead of hanging. The host sends it
//! the top's transactions (`qtrain::exact::accel`: header word + payload).
//!
//! rust-hdl fixes P, S and the update unit's shape as const generics, so the configurations a binary
//! can simulate are the ones instantiated here, listed once in [`crate::shapes`]: conv `P=16, S=64`
//! (the default) or `P=4, S=64` (small, for fast checks), each with the 16-lane, 16-bit w / 8-bit u
//! update unit.
//!
//! [`RtlTarget::Engine`] is a faster stand-in: the bare conv engine behind a host-side shim that
//! checks each conv header and strips it, and answers the counters read from the shim's own tally
//! (conv busy = the measured transfer cycles). The top costs far more per simulated cycle (it also
//! evaluates the update unit and the router every settle pass), so the shim is there for long runs;
//! its backend name is "rtl-engine" so reports say which was simulated.

use std::io::Write;

use qtrain::exact::accel::{parse_header, Op, COUNTER_WORDS};
use qtrain::exact::geometry::ConvLayer;
use qtrain::hw::HwConfig;
use qtrain_hdl::accel::runner::{run_watched, RunResult, Stimulus};
use qtrain_hdl::accel::AccelTop;
use qtrain_hdl::conv::ConvEngine;

use crate::error::SimError;
use crate::shapes::Use;
use crate::stream::{StreamDevice, Traffic, Transfer};

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
        run_watched(self, &[input.to_vec()], n_out, stim, idle_limit, vcd).map_err(|s| {
            SimError::Stalled {
                cycle: s.cycle,
                idle: s.idle,
                stream: s.stream,
                waiting: s.waiting,
                words_in: s.words_in,
                expected_in: input.len(),
                words_out: s.words_out,
                expected_out: n_out,
            }
        })
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
        qtrain_hdl::conv::runner::run_watched(self, input, n_out, stim, idle_limit, vcd).map_err(
            |s| SimError::Stalled {
                cycle: s.cycle,
                idle: s.idle,
                stream: s.stream,
                waiting: s.waiting,
                words_in: s.words_in,
                expected_in: input.len(),
                words_out: s.words_out,
                expected_out: n_out,
            },
        )
    }
}

/// Which rust-hdl block the rtl backend simulates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RtlTarget {
    /// The accelerator top `qtrain_accel` (the hardware the host talks to).
    Top,
    /// The bare conv engine behind a host-side shim (headers stripped, counters tallied by the shim).
    Engine,
}

/// The rust-hdl accelerator top (or the engine behind its shim) behind the host's stream interface.
pub struct RtlDevice {
    top: Box<dyn Top>,
    target: RtlTarget,
    /// The shim's counter words ([`RtlTarget::Engine`] only).
    shim: [u64; COUNTER_WORDS],
    traffic: Traffic,
    idle_limit: u64,
    transfers: u64,
    vcd: Option<Box<dyn Write>>,
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
        crate::shapes::check(
            hw,
            &qtrain::validate::Origin::Flag,
            match target {
                RtlTarget::Engine => Use::RtlEngine,
                RtlTarget::Top => Use::RtlTop,
            },
        )?;
        let u = &hw.update;
        // One arm per rtl shape of `crate::shapes` (CONV_SHAPES with `rtl`, UPDATE_SHAPE).
        let top: Box<dyn Top> = match (
            target,
            hw.conv.pe,
            hw.conv.simd,
            u.lanes,
            u.w_format.total_bits,
            u.u_format.total_bits,
        ) {
            (RtlTarget::Engine, 16, 64, ..) => Box::new(ConvEngine::<16, 1, 16>::new(&hw.conv)?),
            (RtlTarget::Engine, 4, 64, ..) => Box::new(ConvEngine::<4, 1, 4>::new(&hw.conv)?),
            (RtlTarget::Top, 16, 64, 16, 16, 8) => {
                Box::new(AccelTop::<16, 1, 16, 16, 16, 8>::new(hw)?)
            }
            (RtlTarget::Top, 4, 64, 16, 16, 8) => Box::new(AccelTop::<4, 1, 4, 16, 16, 8>::new(hw)?),
            (_, p, s, l, w, b) => {
                return Err(SimError::Protocol(format!(
                    "internal: crate::shapes lists ({p}, {s}) with {l} lanes, {w}/{b} bits for the rtl \
                     backend, but rtl_backend.rs does not instantiate it"
                )))
            }
        };
        Ok(Self {
            top,
            target,
            shim: [0; COUNTER_WORDS],
            traffic,
            idle_limit,
            transfers: 0,
            vcd: None,
        })
    }

    /// [`RtlTarget::Engine`]: check and strip the header, run the payload on the engine, reframe the
    /// response as the top frames it; answer a counters read from the shim's tally.
    fn shim_transfer(&mut self, input: &[u64], n_out: usize) -> Result<Transfer, SimError> {
        use qtrain::exact::accel::counter::*;
        let head = *input
            .first()
            .ok_or_else(|| SimError::Protocol("empty transaction".into()))?;
        let (op, len) =
            parse_header(head).map_err(|e| SimError::Protocol(format!("bad header: {e}")))?;
        if len as usize != input.len() - 1 {
            return Err(SimError::Protocol(format!(
                "header {head:#018x} announces {len} payload words, the transaction has {}",
                input.len() - 1
            )));
        }
        self.shim[TRANSACTIONS] += 1;
        match op {
            Op::Counters if len == 0 => {
                return Ok(Transfer {
                    output: self.shim.to_vec(),
                    lasts: vec![COUNTER_WORDS - 1],
                    cycles: 0,
                })
            }
            Op::Conv if len > 0 => {}
            _ => {
                return Err(SimError::Protocol(format!(
                    "the engine-only rtl target takes conv and counters transactions, not header {head:#018x}"
                )))
            }
        }
        let payload = &input[1..];
        let l = ConvLayer::from_command_word(payload[0])?;
        let t = self.run_on(payload, n_out)?;
        let want: Vec<usize> = (1..=l.images).map(|k| k * l.out_words() - 1).collect();
        if t.lasts != want {
            return Err(SimError::Protocol(format!(
                "the engine put `last` at {:?}, not on each image's final word {want:?}",
                t.lasts
            )));
        }
        self.shim[CONV_BUSY] += t.cycles;
        self.shim[CONV_IN] += payload.len() as u64;
        self.shim[CONV_OUT] += t.output.len() as u64;
        Ok(Transfer {
            lasts: vec![n_out - 1],
            ..t
        })
    }

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

    /// Write a VCD of the simulated block during the next transaction (the first layer of the first
    /// batch) to `w`.
    pub fn trace_next(&mut self, w: Box<dyn Write>) {
        self.vcd = Some(w);
    }
}

impl StreamDevice for RtlDevice {
    fn backend(&self) -> &'static str {
        match self.target {
            RtlTarget::Top => "rtl",
            RtlTarget::Engine => "rtl-engine",
        }
    }
    fn cycle_accurate(&self) -> bool {
        true
    }
    fn transfer(&mut self, input: &[u64], n_out: usize) -> Result<Transfer, SimError> {
        match self.target {
            RtlTarget::Top => self.run_on(input, n_out),
            RtlTarget::Engine => self.shim_transfer(input, n_out),
        }
    }
}
