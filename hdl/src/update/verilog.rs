//! Verilog export of the update unit: rust-hdl's `generate_verilog`, with the top module (always `top`
//! in rust-hdl) and its per-instance submodules (`top$…`) renamed to `qtrain_update_unit…`, so the file
//! can sit next to the conv engine's in one project.

use qtrain::hw::UpdateParams;
use qtrain::QtrainError;
use rust_hdl::prelude::*;

use super::unit::UpdateUnit;

/// Name of the exported top module.
pub const UPDATE_TOP: &str = "qtrain_update_unit";

/// The unit for `p` as Verilog text (top module [`UPDATE_TOP`]).
pub fn update_unit_verilog<const L: usize, const WB: usize, const UB: usize>(
    p: &UpdateParams,
) -> Result<String, QtrainError> {
    let mut uut = UpdateUnit::<L, WB, UB>::new(p)?;
    uut.connect_all();
    let v = generate_verilog(&uut);
    Ok(v.replace("module top(", &format!("module {UPDATE_TOP}("))
        .replace("module top (", &format!("module {UPDATE_TOP} ("))
        .replace("top$", &format!("{UPDATE_TOP}$")))
}
