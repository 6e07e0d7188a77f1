//! # qtrain — golden model
//!
//! The software half of the toolchain and the oracle for the hardware: the paper's quantizers and
//! training methods in float, and an integer model (`exact`) of exactly what the accelerator computes.
//! This crate never depends on rust-hdl; the hardware crate (`qtrain-hdl`) depends on it.
//!
//! Where things live (see ARCHITECTURE.md):
//! * numbers: [`fixed`] (fixed point, saturation), [`quant`] (Qd, Qs), [`lfsr`] (the random bits)
//! * hardware parameters: [`hw`]
//! * data: [`data`] (CIFAR-10/100 readers, batcher, augmentation, normalisation)
//! * training: [`layers`], [`models`], [`optim`], [`train`]
//! * the hardware's arithmetic: [`exact`]
//! * the paper's theory as experiments: [`theory`]
//! * outputs that never destroy what exists (temporary name, then rename): [`output`]
//! * bounds on every value from a flag or a file, checked before anything is allocated: [`validate`]

#![warn(missing_docs)]

pub mod data;
pub mod error;
pub mod exact;
pub mod fixed;
pub mod hw;
pub mod layers;
pub mod lfsr;
pub mod models;
pub mod optim;
pub mod output;
pub mod plot;
pub mod quant;
pub mod splitmix;
pub mod theory;
pub mod train;
pub mod validate;

pub use error::{QtrainError, Result};
