//! The cycle-accurate backend: the rust-hdl accelerator top `qtrain_accel` (conv engine + update
//! unit behind one stream pair, `qtrain_hdl::accel`) driven clock by clock by the top's fast
//! direct-`simulate()` runner, under seeded random input gaps and output back-pressure, with a
//! watchdog that names the stalled stream and the top's state instead of hanging. The host sends it
//! the top's transactions (`qtrain::exact::accel`: header word + payload).
//!
//! rust-hdl fixes P, S and the update unit's shape as const generics, so the configurations a binary
//! can simulate are the ones instantiated here (as `sim export` does): conv `P=16, S=64` (the
//! default) or `P=4, S=64` (small, for fast checks), each with the 16-lane, 16-bit w / 8-bit u
//! update unit.

use std::io::Write;

use qtrain::hw::HwConfig;
use qtrain_hdl::accel::runner::{run_watched, RunResult, Stimulus};
use qtrain_hdl::accel::AccelTop;

use crate::error::SimError;
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

/// The rust-hdl accelerator top behind the host's stream interface.
pub struct RtlDevice {
    top: Box<dyn Top>,
    traffic: Traffic,
    idle_limit: u64,
    transfers: u64,
    vcd: Option<Box<dyn Write>>,
}

impl RtlDevice {
    /// Build the top for `hw`; errors when its conv P×S or update unit shape is not instantiated in
    /// this binary.
    pub fn new(hw: &HwConfig, traffic: Traffic, idle_limit: u64) -> Result<Self, SimError> {
        let u = &hw.update;
        let top: Box<dyn Top> = match (
            hw.conv.pe,
            hw.conv.simd,
            u.lanes,
            u.w_format.total_bits,
            u.u_format.total_bits,
        ) {
            (16, 64, 16, 16, 8) => Box::new(AccelTop::<16, 1, 16, 16, 16, 8>::new(hw)?),
            (4, 64, 16, 16, 8) => Box::new(AccelTop::<4, 1, 4, 16, 16, 8>::new(hw)?),
            (p, s, l, w, b) => {
                return Err(SimError::Protocol(format!(
                    "the rtl backend is built for (pe, simd) = (16, 64) or (4, 64) with a 16-lane 16/8-bit \
                     update unit, not ({p}, {s}) with {l} lanes, {w}/{b} bits; \
                     use --backend model for other configurations"
                )))
            }
        };
        Ok(Self {
            top,
            traffic,
            idle_limit,
            transfers: 0,
            vcd: None,
        })
    }

    /// Write a VCD of the top during the next transaction (the first layer of the first batch) to `w`.
    pub fn trace_next(&mut self, w: Box<dyn Write>) {
        self.vcd = Some(w);
    }
}

impl StreamDevice for RtlDevice {
    fn backend(&self) -> &'static str {
        "rtl"
    }
    fn cycle_accurate(&self) -> bool {
        true
    }
    fn transfer(&mut self, input: &[u64], n_out: usize) -> Result<Transfer, SimError> {
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
        // Cycles from the first input word (the header) moving to the last output word moving.
        let first_in = r.in_cycle.first().copied().unwrap_or(0);
        let last_out = r.out_cycle.last().copied().unwrap_or(r.cycles);
        Ok(Transfer {
            output: r.out,
            lasts,
            cycles: last_out + 1 - first_in,
        })
    }
}
