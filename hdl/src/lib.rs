//! # qtrain-hdl — the accelerator in rust-hdl
//!
//! One hardware block a file, each with a test bench under `hdl/tests/` that checks it bit for bit
//! against its software twin in `qtrain::exact`.
//!
//! * [`stream`]: valid/ready stream skid buffer, the `Wide` bus type and the runners' harness.
//! * [`error`]: the library's typed error [`HdlError`].
//! * [`export`]: Verilog export of a top under its module name.
//! * [`conv`]: the XNOR-popcount conv engine ([`conv::ConvEngine`]).
//! * [`conv::runner`]: the fast direct-`simulate()` runner that drives an engine from plain Rust.
//! * [`update`]: the R / SR / BC weight-update unit with per-lane LFSRs.
//! * [`testbench`]: the generator of the Icarus test benches.
//! * [`vcd`]: the test benches' VCD reader; [`tools`]: their rule for a missing external tool.
//! * [`accel`]: the accelerator top (`qtrain_accel`): both blocks behind one stream pair.

#![warn(missing_docs)]

pub mod accel;
pub mod conv;
pub mod error;
pub mod export;
pub mod stream;
pub mod testbench;
pub mod tools;
pub mod update;
pub mod vcd;

pub use error::HdlError;
