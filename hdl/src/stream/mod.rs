//! Valid/ready streams (AXI4-Stream style: data, valid, ready, last; a word moves when valid and
//! ready are both high) and the wide bus type the conv engine's datapath uses.

pub mod harness;
pub mod ports;
pub mod skid_buffer;
pub mod wide;
pub mod words;

pub use skid_buffer::SkidBuffer;
pub use wide::Wide;
