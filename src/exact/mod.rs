//! The integer model of exactly what the accelerator computes — the oracle of every hardware test.
//! No floats in the arithmetic; layouts and formats come from [`crate::hw`], [`crate::fixed`] and
//! [`crate::lfsr`].

pub mod accel;
pub mod bitplanes;
pub mod command_word;
pub mod geometry;
pub mod pack;
pub mod pool;
pub mod requant;
pub mod update;
pub mod xnor_conv;
