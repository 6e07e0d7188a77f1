//! The host's view of the accelerator: a device that takes 64-bit words on one valid/ready stream and
//! gives words back on another, speaking the accelerator top's transaction format
//! (`qtrain::exact::accel`: a header word, then its payload; one response ending in `last`). Two
//! implementations share this trait — the cycle-accurate rust-hdl simulation of the top and a
//! transaction-level model that calls the golden model — so the host driver is the same code
//! whichever runs underneath (as it would be against a real board's DMA).

use crate::error::SimError;

/// Seeded random traffic on the two streams, to exercise back-pressure the way a busy DMA would.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Traffic {
    /// Probability that the host leaves `valid` low in a cycle although it has a word.
    pub input_gap: f64,
    /// Probability that the host holds `ready` low on the output in a cycle.
    pub output_stall: f64,
    /// Seed of the traffic pattern.
    pub seed: u64,
}

impl Traffic {
    /// Full speed: no gaps, no back-pressure.
    pub const FULL_SPEED: Traffic = Traffic {
        input_gap: 0.0,
        output_stall: 0.0,
        seed: 0,
    };
}

/// What one transaction gave back.
#[derive(Clone, Debug, PartialEq)]
pub struct Transfer {
    /// Output words in arrival order.
    pub output: Vec<u64>,
    /// Index of every output word that carried `last`.
    pub lasts: Vec<usize>,
    /// Clock cycles from the first input word (the header) to the last output word (the model
    /// backend reports the ideal-cycle formula instead, and says so in
    /// [`StreamDevice::cycle_accurate`]).
    pub cycles: u64,
}

/// A device on the host's streams.
pub trait StreamDevice {
    /// Short backend name for reports ("rtl", "model").
    fn backend(&self) -> &'static str;
    /// True when `cycles` are measured clock cycles rather than a formula.
    fn cycle_accurate(&self) -> bool;
    /// Send one transaction `input` (header + payload; the final word carries `last`) and collect
    /// its `n_out` response words.
    fn transfer(&mut self, input: &[u64], n_out: usize) -> Result<Transfer, SimError>;
}
