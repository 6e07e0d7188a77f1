//! The hdl crate's test binary: every bench of `qtrain-hdl` in one build (`cargo test -p qtrain-hdl
//! --test hdl`, filter by module: `conv::`, `update::`, `accel::`, `lockstep::`). Benches that need
//! an external tool (Verilator, Icarus Verilog) go through [`qtrain_hdl::tools::require`]: they skip
//! with a message where it is missing, unless `QTRAIN_REQUIRE_TOOLS` is set (CI), where they fail.

mod accel;
mod conv;
mod lockstep;
mod update;
