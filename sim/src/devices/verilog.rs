//! The Verilog of a configuration: the exported top, conv engine and update unit, instantiated for
//! exactly the shapes [`crate::devices::shapes`] lists. What `sim export` writes and what the
//! Verilator backend compiles.

use qtrain::hw::HwConfig;
use qtrain_hdl::accel::AccelTop;
use qtrain_hdl::conv::ConvEngine;
use qtrain_hdl::update::verilog::update_unit_verilog;

use crate::devices::shapes::{
    export_conv_shapes, Use, UPDATE_LANES, UPDATE_SHAPE, UPDATE_U_BITS, UPDATE_W_BITS,
};
use crate::error::{usage, SimError};

/// The Verilog of `hw`'s accelerator top, conv engine and update unit, in that order; errors name
/// the fields when `hw` is not one of the shapes this binary instantiates ([`crate::devices::shapes`]).
pub fn verilog(hw: &HwConfig) -> Result<[String; 3], SimError> {
    crate::devices::shapes::check(hw, &qtrain::validate::Origin::Flag, Use::Export)?;
    let u = &hw.update;
    // One arm per exported shape of `crate::devices::shapes` (CONV_SHAPES, UPDATE_SHAPE).
    let shape = (u.lanes, u.w_format.total_bits, u.u_format.total_bits);
    if shape != UPDATE_SHAPE {
        usage!("internal: the export instantiates the update unit {UPDATE_SHAPE:?}, not {shape:?}");
    }
    let (accel_v, conv_v) = export_conv_shapes!(hw.conv.pe, hw.conv.simd, |P| (
        AccelTop::<P, 1, P, UPDATE_LANES, UPDATE_W_BITS, UPDATE_U_BITS>::new(hw)?.verilog(),
        ConvEngine::<P, 1, P>::new(&hw.conv)?.verilog(),
    ), else usage!(
        "internal: crate::devices::shapes lists conv ({}, {}) for export, but devices/verilog.rs does not \
         instantiate it",
        hw.conv.pe,
        hw.conv.simd
    ));
    let accel_v = accel_v.map_err(|e| SimError::Tool(format!("accelerator top Verilog: {e}")))?;
    let conv_v = conv_v.map_err(|e| SimError::Tool(format!("conv engine Verilog: {e}")))?;
    let update_v = update_unit_verilog::<UPDATE_LANES, UPDATE_W_BITS, UPDATE_U_BITS>(u)?;
    Ok([accel_v, conv_v, update_v])
}
