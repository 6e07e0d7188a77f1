//! # qtrain-sim — host driver and simulator of the qtrain accelerator
//!
//! Four roles, one folder each, imports pointing one way (`app → host → devices`, everything
//! → `report`):
//! - [`devices`]: what sits behind the host's stream pair ([`devices::stream::StreamDevice`]): the
//!   transaction-level golden model, the cycle-accurate rust-hdl simulation, the exported Verilog
//!   under Verilator, and which hardware shapes this binary can build.
//! - [`host`]: the host software a board's CPU runs: the conv-transaction driver, the network plans
//!   (what runs on the engine, what on the host), the ResNets' host steps, trained models.
//! - [`app`]: the applications behind `sim`'s subcommands: an inference session over any network
//!   ([`app::session`]), hardware-in-the-loop training ([`app::hil`], [`app::train`]), the Verilog
//!   export and the simulator benchmark.
//! - [`report`]: what a run measured, as a table and as JSON.
//!
//! [`cli`] turns `sim`'s flags into the validated configurations the applications take; the binary
//! only wires them together.

#![warn(missing_docs)]

pub mod app;
pub mod cli;
pub mod devices;
pub mod error;
pub mod host;
pub mod report;
