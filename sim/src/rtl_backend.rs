//! The cycle-accurate backend: the rust-hdl conv engine driven clock by clock by the engine's fast
//! direct-`simulate()` runner, under seeded random input gaps and output back-pressure, with a
//! watchdog that names the stalled stream instead of hanging.
//!
//! rust-hdl fixes P and S as const generics, so the configurations a binary can simulate are the
//! ones instantiated here: `P=16, S=64` (the default) and `P=4, S=64` (small, for fast checks).

use std::io::Write;

use qtrain::hw::ConvParams;
use qtrain_hdl::conv::runner::{run_watched, RunResult, Stimulus};
use qtrain_hdl::conv::ConvEngine;

use crate::error::SimError;
use crate::stream::{StreamDevice, Traffic, Transfer};

/// Anything the runner can drive (one impl per instantiated engine configuration).
trait Engine {
    fn run(
        &mut self,
        input: &[u64],
        n_out: usize,
        stim: Stimulus,
        idle_limit: u64,
        vcd: Option<&mut dyn Write>,
    ) -> Result<RunResult, SimError>;
}

impl<const P: usize, const SW: usize, const PSW: usize> Engine for ConvEngine<P, SW, PSW> {
    fn run(
        &mut self,
        input: &[u64],
        n_out: usize,
        stim: Stimulus,
        idle_limit: u64,
        vcd: Option<&mut dyn Write>,
    ) -> Result<RunResult, SimError> {
        run_watched(self, input, n_out, stim, idle_limit, vcd).map_err(|s| SimError::Stalled {
            cycle: s.cycle,
            idle: s.idle,
            stream: s.stream,
            waiting: s.waiting,
            words_in: s.words_in,
            expected_in: input.len(),
            words_out: s.words_out,
            expected_out: n_out,
        })
    }
}

/// The rust-hdl conv engine behind the host's stream interface.
pub struct RtlDevice {
    engine: Box<dyn Engine>,
    traffic: Traffic,
    idle_limit: u64,
    transfers: u64,
    vcd: Option<Box<dyn Write>>,
}

impl RtlDevice {
    /// Build the engine for `conv`; errors when that P×S is not instantiated in this binary.
    pub fn new(conv: &ConvParams, traffic: Traffic, idle_limit: u64) -> Result<Self, SimError> {
        let engine: Box<dyn Engine> = match (conv.pe, conv.simd) {
            (16, 64) => Box::new(ConvEngine::<16, 1, 16>::new(conv)?),
            (4, 64) => Box::new(ConvEngine::<4, 1, 4>::new(conv)?),
            (p, s) => {
                return Err(SimError::Protocol(format!(
                "the rtl backend is built for (pe, simd) = (16, 64) or (4, 64), not ({p}, {s}); \
                     use --backend model for other configurations"
            )))
            }
        };
        Ok(Self {
            engine,
            traffic,
            idle_limit,
            transfers: 0,
            vcd: None,
        })
    }

    /// Write a VCD of the next transaction (the first layer of the first batch) to `w`.
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
        let r = self.engine.run(
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
        // Cycles from the first input word moving to the last output word moving.
        let first_in = r.in_cycle.first().copied().unwrap_or(0);
        let last_out = r.out_cycle.last().copied().unwrap_or(r.cycles);
        Ok(Transfer {
            output: r.out,
            lasts,
            cycles: last_out + 1 - first_in,
        })
    }
}
