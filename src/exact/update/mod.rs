//! The weight-update unit's arithmetic, in integers, beat by beat: the oracle of `qtrain-hdl`'s update
//! unit (`hdl/src/update/`). DESIGN.md, "The update unit's arithmetic", is the specification; this file
//! fixes every rounding and clipping detail of it.
//!
//! One **lane** updates one weight `w` (raw, in `w_format`) with one step `u` (raw, in `u_format`):
//! 1. `ua = u · 2^(w.frac − u.frac)` (the step aligned to w's fraction bits; exact),
//!    `v = w − ua` (exact).
//! 2. **Clip** `v` to the grid's range `[lo, hi]`: `vc = clamp(v, lo, hi)`. A lane whose `v` lay
//!    outside counts one saturation. (Clipping before or after rounding gives the same weight because
//!    `lo` and `hi` are grid points; clipping first makes the count deterministic.)
//! 3. **Round** on the grid of step `2^d` raw units, offset by `off`: `t = vc + off`, then
//!    * R and BC: `k = qd_index(t, d)` (nearest, ties away from zero),
//!    * SR: `k = qs_index(t, d, draw, r)` (floor, plus one when the lane's `r`-bit LFSR draw is below
//!      the dropped fraction),
//!
//!    and `q = k · 2^d − off`.
//! 4. Output `w_out = q` (R, SR) or `w_out = vc` (BC: the high-precision buffer `w_r'`), and `q`, the
//!    weight the next forward pass uses (`Q(w_r')` with deterministic rounding in BC).
//!
//! Grids ([`UpdateGrid`]): **binary** {−1,+1}: `off = 1.0`, `d = w.frac + 1` (Δ = 2), `[lo, hi] = [−1, 1]`;
//! this is DESIGN.md's "quantize v = (w+1)/2 on the unit grid, map back". **Fixed { bits: k, frac: F }**:
//! `off = 0`, `d = w.frac − F` (Δ = 2^−F), `[lo, hi] = [−2^(k−1), 2^(k−1) − 1] · Δ`.
//!
//! The **unit** ([`UpdateUnitModel`]) processes beats of `lanes` weights: lane `l` takes element `l` of
//! each beat. In SR mode every beat consumes one `r`-bit draw per lane from lane `l`'s LFSR
//! ([`crate::lfsr`]; R and BC consume none). A command ([`UpdateCommand`], two 64-bit words) sets the mode,
//! the grid, optionally reseeds every lane from `lane_state(seed, l)`, clears the saturation counter, and
//! enables the **sign packer**: with packing on, the input stream is the layer filter by filter, each
//! filter padded to a multiple of `lanes` weights, and the unit emits the signs of `q` (1 = +1) as the
//! 64-bit words [`crate::exact::pack`] defines (bits past the filter length are zero), so an updated
//! binary layer goes straight back into the conv engine.

mod command;
mod filters;
mod lane;
mod unit;

pub use command::*;
pub use filters::*;
pub use lane::*;
pub use unit::*;

#[cfg(test)]
mod tests;
