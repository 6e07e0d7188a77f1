//! One lane's arithmetic: the step aligned to the weight's fraction bits, clipped to the grid's
//! range and rounded on the grid (R, SR, BC; see the parent module's steps 1–4).

use super::command::{GridRaw, UpdateMode};
use crate::fixed::Saturation;
use crate::hw::UpdateParams;
use crate::quant::{qd_index, qs_index};

/// What one lane produces for one weight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LaneOut {
    /// The value written back: `w'` (R, SR) or `w_r'` (BC), raw in `w_format`.
    pub w: i64,
    /// The weight for the next forward pass (`= w` in R and SR), raw in `w_format`.
    pub q: i64,
}

/// Step `u` (raw, `u_format`) aligned to `w_format`'s fraction bits.
pub fn align_step(p: &UpdateParams, u: i64) -> i64 {
    u << (p.w_format.frac_bits - p.u_format.frac_bits)
}

/// One lane's update (steps 1–4 of the module doc). `draw` is only read in SR mode.
pub fn lane_update(
    p: &UpdateParams,
    mode: UpdateMode,
    g: &GridRaw,
    w: i64,
    u: i64,
    draw: u64,
    sat: &mut Saturation,
) -> LaneOut {
    let v = w - align_step(p, u);
    let vc = v.clamp(g.lo, g.hi);
    if vc != v {
        sat.add(1);
    }
    let t = vc + g.off;
    let k = match mode {
        UpdateMode::R | UpdateMode::Bc => qd_index(t, g.d),
        UpdateMode::Sr => qs_index(t, g.d, draw, p.sr_bits),
    };
    let q = (k << g.d) - g.off;
    LaneOut {
        w: if mode == UpdateMode::Bc { vc } else { q },
        q,
    }
}
