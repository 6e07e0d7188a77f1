//! Verilog export of a top block under its own module name: rust-hdl names every top `top`, the
//! exported files (and `sim/tests/expect/*.v`) use the block's name.

use rust_hdl::prelude::*;

use crate::error::HdlError;

/// Connect and check `uut` (`connect_all`, `check_all`), generate its Verilog and rename the top module
/// `top` to `name` (submodules `top$…` to `name$…`). A failed check names the open signal.
pub fn named_verilog<T: Block>(uut: &mut T, name: &str) -> Result<String, HdlError> {
    uut.connect_all();
    check_all(uut).map_err(|e| HdlError::Check(format!("{e:?}")))?;
    let v = generate_verilog(uut);
    Ok(v.replace("module top(", &format!("module {name}("))
        .replace("module top (", &format!("module {name} ("))
        .replace("top$", &format!("{name}$")))
}
