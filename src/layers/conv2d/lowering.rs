//! The convolution's lowering to matrix products: a layer's geometry ([`Geom`]), im2col (general and
//! the contiguous "same" stride-1 path), the banded path of 3×3 "same" convolutions, and col2im.

use crate::layers::matmul::{matmul, MatRef};
use crate::layers::Real;

#[derive(Clone, Copy)]
pub(super) struct Geom {
    pub(super) c: usize,
    pub(super) h: usize,
    pub(super) w: usize,
    pub(super) k: usize,
    pub(super) s: usize,
    pub(super) p: usize,
    pub(super) ho: usize,
    pub(super) wo: usize,
}

impl Geom {
    pub(super) fn kk(&self) -> usize {
        self.c * self.k * self.k
    }
    pub(super) fn hw(&self) -> usize {
        self.ho * self.wo
    }
    /// Whether chunks of `nb` images take the [`band`] path: one image per chunk, a "same" stride-1
    /// convolution with a kernel wider than 1.
    pub(super) fn band_ok(&self, nb: usize) -> bool {
        nb == 1 && self.s == 1 && self.k > 1 && self.ho == self.h && self.wo == self.w
    }
}

/// Write one image's patches into `cols` (row-major, `kk` rows of length `ld`) at column offset `off`.
pub(super) fn im2col<T: Real>(x: &[T], g: Geom, cols: &mut [T], ld: usize, off: usize) {
    if g.s == 1 && g.ho == g.h && g.wo == g.w {
        im2col_same(x, g, cols, ld, off);
    } else {
        im2col_general(x, g, cols, ld, off);
    }
}

/// [`im2col`] for any geometry, row by row.
pub(super) fn im2col_general<T: Real>(x: &[T], g: Geom, cols: &mut [T], ld: usize, off: usize) {
    for c in 0..g.c {
        for ki in 0..g.k {
            for kj in 0..g.k {
                let row = (c * g.k + ki) * g.k + kj;
                let dst = &mut cols[row * ld + off..row * ld + off + g.hw()];
                for oi in 0..g.ho {
                    let ii = (oi * g.s + ki) as isize - g.p as isize;
                    let d = &mut dst[oi * g.wo..(oi + 1) * g.wo];
                    if ii < 0 || ii >= g.h as isize {
                        d.fill(T::zero());
                        continue;
                    }
                    let src = &x[(c * g.h + ii as usize) * g.w..(c * g.h + ii as usize + 1) * g.w];
                    if g.s == 1 {
                        // contiguous run: output columns [lo, hi) read source columns lo + kj − p …
                        let lo = g.p.saturating_sub(kj).min(g.wo);
                        let hi = (g.w + g.p).saturating_sub(kj).min(g.wo).max(lo);
                        d[..lo].fill(T::zero());
                        d[hi..].fill(T::zero());
                        d[lo..hi].copy_from_slice(&src[lo + kj - g.p..hi + kj - g.p]);
                        continue;
                    }
                    for (oj, dv) in d.iter_mut().enumerate() {
                        let jj = (oj * g.s + kj) as isize - g.p as isize;
                        *dv = if jj < 0 || jj >= g.w as isize {
                            T::zero()
                        } else {
                            src[jj as usize]
                        };
                    }
                }
            }
        }
    }
}

/// [`im2col`] for a stride-1 convolution whose output is as large as its input (`2·pad = k − 1`):
/// output pixel `(i, j)` of kernel tap `(ki, kj)` reads input pixel `(i + ki − pad, j + kj − pad)`, a
/// constant offset in the flattened plane, so each tap is one contiguous copy, then zeros where the
/// row or the column falls outside the image.
pub(super) fn im2col_same<T: Real>(x: &[T], g: Geom, cols: &mut [T], ld: usize, off: usize) {
    let (h, w, hw) = (g.h, g.w, g.h * g.w);
    for c in 0..g.c {
        let plane = &x[c * hw..(c + 1) * hw];
        for ki in 0..g.k {
            let di = ki as isize - g.p as isize;
            // output rows whose input row is inside: [lo, hi)
            let lo = (-di).clamp(0, h as isize) as usize;
            let hi = (h as isize - di).clamp(lo as isize, h as isize) as usize;
            for kj in 0..g.k {
                let dj = kj as isize - g.p as isize;
                let row = (c * g.k + ki) * g.k + kj;
                let dst = &mut cols[row * ld + off..row * ld + off + hw];
                dst[..lo * w].fill(T::zero());
                dst[hi * w..].fill(T::zero());
                if lo == hi {
                    continue;
                }
                // dst[t] = plane[t + di·w + dj] for t in [lo·w, hi·w), clipped to the plane
                let shift = di * w as isize + dj;
                let t0 = ((lo * w) as isize).max(-shift) as usize;
                let t1 = ((hi * w) as isize).min(hw as isize - shift) as usize;
                if t0 < t1 {
                    let s0 = (t0 as isize + shift) as usize;
                    dst[t0..t1].copy_from_slice(&plane[s0..s0 + (t1 - t0)]);
                }
                // columns whose input column is outside (this also covers what clipping skipped)
                zero_outside_columns(dst, w, dj, lo..hi);
            }
        }
    }
}

/// Zero, in rows `rows` of the `w`-wide plane `dst`, the columns `j` whose input column `j + dj`
/// lies outside `[0, w)`: the horizontal padding of [`im2col_same`] and [`band`].
pub(super) fn zero_outside_columns<T: Real>(
    dst: &mut [T],
    w: usize,
    dj: isize,
    rows: std::ops::Range<usize>,
) {
    let c_lo = (-dj).clamp(0, w as isize) as usize;
    let c_hi = ((w as isize - dj).clamp(0, w as isize) as usize).max(c_lo);
    for j in (0..c_lo).chain(c_hi..w) {
        for i in rows.clone() {
            dst[i * w + j] = T::zero();
        }
    }
}

/// For a "same" stride-1 convolution (`2·pad = k − 1`): each channel's `k` horizontally shifted
/// copies, with `pad` zero rows above and below, `band[(c·k + kj)·P + (i + pad)·w + j] = x[c, i, j + kj
/// − pad]` (zero outside the image), `P = (h + 2·pad)·w`. Tap row `ki` of the im2col matrix is then the
/// view of `band` that starts `ki·w` further on (row stride `P`), so a 3×3 convolution needs a third
/// of im2col's copying, at the price of `k` products of depth `k·c` instead of one of depth `k²·c`.
pub(super) fn band<T: Real>(x: &[T], g: Geom, dst: &mut [T]) {
    let (h, w, hw) = (g.h, g.w, g.h * g.w);
    let big_p = (h + 2 * g.p) * w;
    for c in 0..g.c {
        let plane = &x[c * hw..(c + 1) * hw];
        for kj in 0..g.k {
            let dj = kj as isize - g.p as isize;
            let row = &mut dst[(c * g.k + kj) * big_p..(c * g.k + kj + 1) * big_p];
            row[..g.p * w].fill(T::zero());
            row[(g.p + h) * w..].fill(T::zero());
            let mid = &mut row[g.p * w..(g.p + h) * w];
            // mid[t] = plane[t + dj], clipped to the plane, then the columns that fall outside
            let t0 = (-dj).max(0) as usize;
            let t1 = (hw as isize - dj.max(0)) as usize;
            if t0 < t1 {
                let s0 = (t0 as isize + dj) as usize;
                mid[t0..t1].copy_from_slice(&plane[s0..s0 + (t1 - t0)]);
            }
            zero_outside_columns(mid, w, dj, 0..h);
        }
    }
}

/// Tap row `ki` of the im2col matrix as a view of a [`band`]: `k·c` rows of `h·w` columns, row
/// stride `(h + 2·pad)·w`.
pub(super) fn band_view<T>(band: &[T], g: Geom, ki: usize) -> MatRef<'_, T> {
    MatRef {
        data: &band[ki * g.w..],
        rows: g.k * g.c,
        cols: g.h * g.w,
        rs: (g.h + 2 * g.p) * g.w,
        cs: 1,
    }
}

/// `out (m × hw) = Σ_ki wp[:, ki-th block] · (band view ki)`, the convolution of one image from its
/// [`band`]; `wp` is the kernel as `(m, k, c, k)` (tap row first), row-major.
pub(super) fn band_product<T: Real>(wp: &[T], m: usize, g: Geom, band: &[T], out: &mut [T]) {
    let kc = g.k * g.c;
    let hw = g.h * g.w;
    for ki in 0..g.k {
        let lhs = MatRef {
            data: &wp[ki * kc..],
            rows: m,
            cols: kc,
            rs: g.k * kc,
            cs: 1,
        };
        let rhs = band_view(band, g, ki);
        matmul(lhs, rhs, out, hw, ki > 0);
    }
}

/// A kernel `(m, c, k, k)` reordered to `(m, k, c, k)` for [`band_product`].
pub(super) fn tap_rows_first<T: Real>(w: &[T], m: usize, c: usize, k: usize) -> Vec<T> {
    let mut out = vec![T::zero(); w.len()];
    for a in 0..m {
        for ci in 0..c {
            for ki in 0..k {
                for kj in 0..k {
                    out[((a * k + ki) * c + ci) * k + kj] = w[((a * c + ci) * k + ki) * k + kj];
                }
            }
        }
    }
    out
}

/// Scatter-add one image's patch gradients from `cols` back onto `dx` (the adjoint of [`im2col`]).
pub(super) fn col2im<T: Real>(cols: &[T], g: Geom, ld: usize, off: usize, dx: &mut [T]) {
    for c in 0..g.c {
        for ki in 0..g.k {
            for kj in 0..g.k {
                let row = (c * g.k + ki) * g.k + kj;
                let src = &cols[row * ld + off..row * ld + off + g.hw()];
                for oi in 0..g.ho {
                    let ii = (oi * g.s + ki) as isize - g.p as isize;
                    if ii < 0 || ii >= g.h as isize {
                        continue;
                    }
                    let base = (c * g.h + ii as usize) * g.w;
                    if g.s == 1 {
                        let lo = g.p.saturating_sub(kj).min(g.wo);
                        let hi = (g.w + g.p).saturating_sub(kj).min(g.wo).max(lo);
                        let d = &mut dx[base + lo + kj - g.p..base + hi + kj - g.p];
                        for (dv, &sv) in d.iter_mut().zip(&src[oi * g.wo + lo..oi * g.wo + hi]) {
                            *dv += sv;
                        }
                        continue;
                    }
                    for oj in 0..g.wo {
                        let jj = (oj * g.s + kj) as isize - g.p as isize;
                        if jj >= 0 && jj < g.w as isize {
                            dx[base + jj as usize] += src[oi * g.wo + oj];
                        }
                    }
                }
            }
        }
    }
}
