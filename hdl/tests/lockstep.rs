//! Per-block lockstep benches: every block whose Verilog is hand-written (`Verilog::Custom`) runs
//! its rust-hdl model and its Verilator-compiled Verilog alone, on the same seeded legal stimulus,
//! for ≥ 10^5 cycles, every output port compared on every cycle. The generic harness is
//! `lockstep/harness.rs`; each block's configuration and stimulus (its contract) sit in
//! `lockstep/blocks.rs`. Needs Verilator: without it a bench prints SKIP, unless
//! `QTRAIN_REQUIRE_TOOLS` is set (CI).

#[macro_use]
#[path = "lockstep/harness.rs"]
mod harness;
#[path = "lockstep/blocks.rs"]
mod blocks;
