//! The applications behind `sim`'s subcommands, each taking a validated configuration (built
//! by `crate::cli`, which depends on this module and not the other way round): [`session`] (`sim run`: a network through the accelerator, any kind),
//! [`hil`] (`sim run --train`: a few hardware-in-the-loop steps checked against the golden path),
//! [`train`] (`sim train`: epochs), [`export`] (`sim export`) and [`bench`] (`sim bench`).

pub mod bench;
pub mod export;
pub mod hil;
pub mod progress;
pub mod session;
pub mod train;
