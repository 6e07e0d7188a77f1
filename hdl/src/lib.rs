//! # qtrain-hdl — the accelerator in rust-hdl
//!
//! One hardware block a file, each with a test bench under `hdl/tests/` that checks it bit for bit
//! against its software twin in `qtrain::exact`.
pub mod update;
