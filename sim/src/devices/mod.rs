//! The devices behind the host's stream pair: one trait ([`stream::StreamDevice`]), three
//! implementations ([`model`]: transaction level, [`rtl`]: rust-hdl cycle by cycle, [`verilator`]:
//! the exported Verilog), the shapes compiled into this binary ([`shapes`]) and the choice the flags
//! make ([`select`]).

pub mod model;
pub mod rtl;
pub mod select;
pub mod shapes;
pub mod stream;
pub mod verilator;
