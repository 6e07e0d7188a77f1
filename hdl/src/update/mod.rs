//! The weight-update unit (issue 5): `w ← Q(w − u)` with R, SR and BC in fixed point, per-lane LFSRs,
//! a sign packer for BC, and a fast cycle-accurate runner. Golden model: [`qtrain::exact::update`].

pub mod lane;
pub mod lfsr;
pub mod packer;
pub mod runner;
pub mod seeder;
pub mod unit;
pub mod verilog;

pub use runner::UpdateRunner;
pub use unit::UpdateUnit;

/// The default configuration's instance: 16 lanes, 16-bit weights, 8-bit steps.
pub type DefaultUpdateUnit = UpdateUnit<16, 16, 8>;
