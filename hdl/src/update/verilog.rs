//! Verilog export of the update unit: rust-hdl's `generate_verilog`, with the top module (always `top`
//! in rust-hdl) and its per-instance submodules (`top$…`) renamed to `qtrain_update_unit…`, so the file
//! can sit next to the conv engine's in one project.

use qtrain::fixed::FixedFormat;
use qtrain::hw::UpdateParams;
use qtrain::QtrainError;
use rust_hdl::prelude::*;

use super::lane::UpdateLane;
use super::unit::UpdateUnit;

/// Name of the exported top module.
pub const UPDATE_TOP: &str = "qtrain_update_unit";

/// The unit for `p` as Verilog text (top module [`UPDATE_TOP`]).
pub fn update_unit_verilog<const L: usize, const WB: usize, const UB: usize>(
    p: &UpdateParams,
) -> Result<String, QtrainError> {
    let mut uut = UpdateUnit::<L, WB, UB>::new(p)?;
    uut.connect_all();
    Ok(rename(generate_verilog(&uut), UPDATE_TOP))
}

/// Name of the exported single-lane module (the per-width area study).
pub const LANE_TOP: &str = "qtrain_update_lane";

/// `(w_format, u_format)` of the latent-buffer study (`results/onchip-training.md`): the lane
/// instances [`update_lane_verilog`] exports, whose silicon cost `bitstreams/update-lane-area`
/// measures. rust-hdl widths are const generics, so each width pair is one monomorphised instance.
pub const LANE_STUDY: [(FixedFormat, FixedFormat); 6] = [
    (FixedFormat::signed(8, 6), FixedFormat::signed(8, 6)),
    (FixedFormat::signed(10, 8), FixedFormat::signed(8, 8)),
    (FixedFormat::signed(12, 10), FixedFormat::signed(8, 10)),
    (FixedFormat::signed(16, 14), FixedFormat::signed(6, 8)),
    (FixedFormat::signed(16, 14), FixedFormat::signed(8, 10)),
    (FixedFormat::signed(16, 14), FixedFormat::signed(10, 12)),
];

/// One update lane for `p` (formats and `sr_bits`) as Verilog text (top module [`LANE_TOP`]); its
/// configuration ports are free inputs, as they are when the unit drives them from its command.
/// Errors when `p` is invalid or its widths are not those of a [`LANE_STUDY`] entry.
pub fn update_lane_verilog(p: &UpdateParams) -> Result<String, QtrainError> {
    fn one<const WB: usize, const UB: usize>(p: &UpdateParams) -> String {
        let mut uut = UpdateLane::<WB, UB>::new(p);
        uut.connect_all();
        rename(generate_verilog(&uut), LANE_TOP)
    }
    p.validate()?;
    Ok(match (p.w_format.total_bits, p.u_format.total_bits) {
        (8, 8) => one::<8, 8>(p),
        (10, 8) => one::<10, 8>(p),
        (12, 8) => one::<12, 8>(p),
        (16, 6) => one::<16, 6>(p),
        (16, 8) => one::<16, 8>(p),
        (16, 10) => one::<16, 10>(p),
        (w, u) => {
            return Err(QtrainError::Config {
                field: "update.w_format.total_bits / update.u_format.total_bits".into(),
                msg: format!(
                    "no lane instance for {w}-bit weights and {u}-bit steps; instances (w, u bits): {:?}",
                    LANE_STUDY.map(|(w, u)| (w.total_bits, u.total_bits))
                ),
            })
        }
    })
}

/// rust-hdl names the top module `top` and its submodules `top$…`: give them `name`.
fn rename(v: String, name: &str) -> String {
    v.replace("module top(", &format!("module {name}("))
        .replace("module top (", &format!("module {name} ("))
        .replace("top$", &format!("{name}$"))
}
