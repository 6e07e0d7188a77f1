//! The weight-update unit (issue 5): `w ← Q(w − u)` with R, SR and BC in fixed point, per-lane LFSRs,
//! a sign packer for BC, and a fast cycle-accurate runner. Golden model: [`qtrain::exact::update`].
//!
//! Blocks: [`lane::UpdateLane`] (datapath, 3 stages), [`lfsr::LaneLfsr`], [`packer::SignPacker`],
//! [`seeder::Seeder`] (hardware `lane_state`), [`unit::UpdateUnit`] (top, command word, streams).
//! [`runner::UpdateRunner`] drives it with rust-hdl's direct `simulate()` loop; [`verilog`] exports
//! `qtrain_update_unit`. Benches: `cargo test --release -p qtrain-hdl --test hdl update::`; speed:
//! `cargo run --release -p qtrain-hdl --bin bench_update`.

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
