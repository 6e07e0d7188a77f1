//! The XNOR-popcount conv engine, one block a file; [`engine`] wires them and documents the
//! command word and stream formats.

pub mod engine;
pub mod filter_constant;
pub mod line_buffer;
pub mod loader;
pub mod max_pool;
pub mod output;
pub mod pe_array;
pub mod requant;
pub mod runner;
pub mod sequencer;
pub mod shape;
pub mod weight_buffer;
pub mod window;
pub mod window_buffer;

pub use engine::{ConvEngine, DefaultConvEngine};
