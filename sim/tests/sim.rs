//! The `sim` crate's tests, one binary: each module is one concern, all of them run the release
//! binary cargo built for this test run (`CARGO_BIN_EXE_sim`).
//!
//! - [`run`]: `sim run` end to end (the README's main job, both backends, back-pressure, the
//!   watchdog, waveforms, the export pins).
//! - [`hil`]: hardware-in-the-loop training (`sim run --train`, `sim train`).
//! - [`hostile`]: the hostile-input corpus.
//! - [`verilator`]: `--backend verilator` and `sim bench`.

mod common;
mod hil;
mod hostile;
mod run;
mod verilator;
