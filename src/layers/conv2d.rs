//! 2-D convolution without bias (TRAIN_SPEC: every conv is followed by BatchNorm), square kernel, any
//! stride and zero padding: the 3×3/s1/p1 layers and the 1×1/s2 ResNet shortcuts.
//!
//! Computed as im2col + one real GEMM per chunk of [`chunk_images`] images ([`super::matmul`], single-threaded),
//! chunks in parallel with rayon; the per-chunk temporaries live in per-thread scratch buffers. The weight gradient is summed chunk by chunk in chunk order, so the
//! result does not depend on the number of threads (resume equality needs bit-identical runs).

use ndarray::{ArrayD, Ix4, IxDyn};
use rayon::prelude::*;

use super::matmul::{give_buffer, matmul, prefix, take_buffer, MatRef};
use super::{Layer, Param, ParamKind, Real};

/// Most images per GEMM.
pub const CHUNK: usize = 8;

/// Output pixels per GEMM that the chunking aims at: one image at 16×16 and above (those take the
/// banded path), 4 images at 8×8, so that a chunk's columns stay in the core's L2 cache (measured
/// on VGG-BC width 0.25: 256 was faster than 1024 and 2048, on par with 64).
pub const CHUNK_PIXELS: usize = 256;

/// Images per GEMM for `ho × wo` outputs: `CHUNK_PIXELS / (ho·wo)` within `1..=CHUNK`. It depends
/// only on the geometry (never on the thread count), so results are reproducible.
pub fn chunk_images(ho: usize, wo: usize) -> usize {
    (CHUNK_PIXELS / (ho * wo).max(1)).clamp(1, CHUNK)
}

/// A convolution layer; `weight` has shape `(cout, cin, k, k)` and is what the forward pass uses
/// (for quantized methods the optimizer writes the quantized weights here).
pub struct Conv2d<T> {
    /// Input channels.
    pub cin: usize,
    /// Output channels.
    pub cout: usize,
    /// Kernel size k (k×k).
    pub k: usize,
    /// Stride.
    pub stride: usize,
    /// Zero padding on every side.
    pub pad: usize,
    /// Kernel `(cout, cin, k, k)`.
    pub weight: ArrayD<T>,
    /// Its gradient.
    pub grad: ArrayD<T>,
    x: Option<ArrayD<T>>,
}

#[derive(Clone, Copy)]
struct Geom {
    c: usize,
    h: usize,
    w: usize,
    k: usize,
    s: usize,
    p: usize,
    ho: usize,
    wo: usize,
}

impl Geom {
    fn kk(&self) -> usize {
        self.c * self.k * self.k
    }
    fn hw(&self) -> usize {
        self.ho * self.wo
    }
    /// Whether chunks of `nb` images take the [`band`] path: one image per chunk, a "same" stride-1
    /// convolution with a kernel wider than 1.
    fn band_ok(&self, nb: usize) -> bool {
        nb == 1 && self.s == 1 && self.k > 1 && self.ho == self.h && self.wo == self.w
    }
}

/// Write one image's patches into `cols` (row-major, `kk` rows of length `ld`) at column offset `off`.
fn im2col<T: Real>(x: &[T], g: Geom, cols: &mut [T], ld: usize, off: usize) {
    if g.s == 1 && g.ho == g.h && g.wo == g.w {
        im2col_same(x, g, cols, ld, off);
    } else {
        im2col_general(x, g, cols, ld, off);
    }
}

/// [`im2col`] for any geometry, row by row.
fn im2col_general<T: Real>(x: &[T], g: Geom, cols: &mut [T], ld: usize, off: usize) {
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
fn im2col_same<T: Real>(x: &[T], g: Geom, cols: &mut [T], ld: usize, off: usize) {
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
fn zero_outside_columns<T: Real>(dst: &mut [T], w: usize, dj: isize, rows: std::ops::Range<usize>) {
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
fn band<T: Real>(x: &[T], g: Geom, dst: &mut [T]) {
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

/// `out (m × hw) = Σ_ki wp[:, ki-th block] · (band view ki)`, the convolution of one image from its
/// [`band`]; `wp` is the kernel as `(m, k, c, k)` (tap row first), row-major.
fn band_product<T: Real>(wp: &[T], m: usize, g: Geom, band: &[T], out: &mut [T]) {
    let kc = g.k * g.c;
    let big_p = (g.h + 2 * g.p) * g.w;
    let hw = g.h * g.w;
    for ki in 0..g.k {
        let lhs = MatRef {
            data: &wp[ki * kc..],
            rows: m,
            cols: kc,
            rs: g.k * kc,
            cs: 1,
        };
        let rhs = MatRef {
            data: &band[ki * g.w..],
            rows: kc,
            cols: hw,
            rs: big_p,
            cs: 1,
        };
        matmul(lhs, rhs, out, hw, ki > 0);
    }
}

/// A kernel `(m, c, k, k)` reordered to `(m, k, c, k)` for [`band_product`].
fn tap_rows_first<T: Real>(w: &[T], m: usize, c: usize, k: usize) -> Vec<T> {
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
fn col2im<T: Real>(cols: &[T], g: Geom, ld: usize, off: usize, dx: &mut [T]) {
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

impl<T: Real> Conv2d<T> {
    /// A convolution with zero weights (the model initialises them).
    pub fn new(cin: usize, cout: usize, k: usize, stride: usize, pad: usize) -> Self {
        let shape = IxDyn(&[cout, cin, k, k]);
        Self {
            cin,
            cout,
            k,
            stride,
            pad,
            weight: ArrayD::zeros(shape.clone()),
            grad: ArrayD::zeros(shape),
            x: None,
        }
    }

    fn geom(&self, h: usize, w: usize) -> Geom {
        Geom {
            c: self.cin,
            h,
            w,
            k: self.k,
            s: self.stride,
            p: self.pad,
            ho: (h + 2 * self.pad - self.k) / self.stride + 1,
            wo: (w + 2 * self.pad - self.k) / self.stride + 1,
        }
    }

    /// The weight gradient and, with `need_dx`, dL/dx (else an empty array).
    fn backward_impl(&mut self, dy: ArrayD<T>, need_dx: bool) -> ArrayD<T> {
        let x = self
            .x
            .take()
            .expect("conv backward without a training forward");
        let (n, c, h, w) = x.view().into_dimensionality::<Ix4>().expect("4-D").dim();
        let g = self.geom(h, w);
        let (kk, hw, cout) = (g.kk(), g.hw(), self.cout);
        let dy = super::standard(dy);
        let dys = dy.as_slice().expect("contiguous");
        let wt = self.weight.as_standard_layout();
        let w2 = MatRef::row_major(wt.as_slice().expect("contiguous"), cout, kk, kk);
        // every element is written below, except on the col2im path (zeroed there)
        let mut dx: Vec<T> = if need_dx {
            take_buffer(n * c * h * w)
        } else {
            Vec::new()
        };
        let img = c * h * w;
        // stride 1 with pad ≤ k − 1: dx is the correlation of dy (padded by k − 1 − pad) with the
        // kernel flipped in space and transposed in channels, weight (cin, cout·k·k)
        let flipped = (g.s == 1 && g.p < g.k).then(|| {
            let k = g.k;
            let ws = wt.as_slice().expect("contiguous");
            let mut wf = vec![T::zero(); c * cout * k * k];
            for co in 0..cout {
                for ci in 0..c {
                    for ki in 0..k {
                        for kj in 0..k {
                            wf[((ci * cout + co) * k + (k - 1 - ki)) * k + (k - 1 - kj)] =
                                ws[((co * c + ci) * k + ki) * k + kj];
                        }
                    }
                }
            }
            let gt = Geom {
                c: cout,
                h: g.ho,
                w: g.wo,
                k,
                s: 1,
                p: k - 1 - g.p,
                ho: h,
                wo: w,
            };
            (wf, gt)
        });
        let nb = chunk_images(g.ho, g.wo);
        let banded = g.band_ok(nb);
        let band_dx = match &flipped {
            Some((wf, gt)) if banded && need_dx => Some((tap_rows_first(wf, c, cout, g.k), *gt)),
            _ => None,
        };
        // one dx piece per chunk (empty pieces when dx is not needed)
        let dx_pieces: Vec<&mut [T]> = if need_dx {
            dx.chunks_mut(nb * img).collect()
        } else {
            (0..n.div_ceil(nb)).map(|_| <&mut [T]>::default()).collect()
        };
        let partial: Vec<Vec<T>> = dx_pieces
            .into_par_iter()
            .zip(x.as_slice().expect("contiguous").par_chunks(nb * img))
            .zip(dys.par_chunks(nb * cout * hw))
            .map(|((dxc, xc), dyc)| {
                let b = xc.len() / img;
                let ld = b * hw;
                T::with_scratch(|[cols, d, dcols, out]| {
                    if banded {
                        // one image: dwᵀ in (k, c, k) × cout row order from the band of x, and dx
                        // from the band of dy with the flipped kernel
                        let big_p = (g.h + 2 * g.p) * g.w;
                        let bx = prefix(cols, c * g.k * big_p);
                        band(xc, g, bx);
                        let dt = prefix(d, hw * cout);
                        for co in 0..cout {
                            for (p, &v) in dyc[co * hw..(co + 1) * hw].iter().enumerate() {
                                dt[p * cout + co] = v;
                            }
                        }
                        let dt = MatRef::row_major(&*dt, hw, cout, cout);
                        let kc = g.k * c;
                        let mut dwt = vec![T::zero(); kk * cout];
                        for ki in 0..g.k {
                            let v = MatRef {
                                data: &bx[ki * g.w..],
                                rows: kc,
                                cols: hw,
                                rs: big_p,
                                cs: 1,
                            };
                            matmul(v, dt, &mut dwt[ki * kc * cout..], cout, false);
                        }
                        if let Some((wfp, gd)) = &band_dx {
                            let bd = prefix(dcols, cout * g.k * big_p);
                            band(dyc, *gd, bd);
                            band_product(wfp, c, *gd, bd, dxc);
                        }
                        return dwt;
                    }
                    let cols = prefix(cols, kk * ld);
                    for bi in 0..b {
                        im2col(&xc[bi * img..(bi + 1) * img], g, cols, ld, bi * hw);
                    }
                    let cols = MatRef::row_major(&*cols, kk, ld, ld);
                    // dy of the chunk pixel-major, dt[(bi·hw + p)·cout + co]: the weight gradient
                    // is then a product with no operand to transpose (see `matmul`'s note)
                    let dt = prefix(d, ld * cout);
                    for bi in 0..b {
                        for co in 0..cout {
                            let src = &dyc[(bi * cout + co) * hw..(bi * cout + co + 1) * hw];
                            for (p, &v) in src.iter().enumerate() {
                                dt[(bi * hw + p) * cout + co] = v;
                            }
                        }
                    }
                    let dt = MatRef::row_major(&*dt, ld, cout, cout);
                    // dwᵀ (kk × cout) = cols · dt
                    let mut dwt = vec![T::zero(); kk * cout];
                    matmul(cols, dt, &mut dwt, cout, false);
                    match &flipped {
                        _ if !need_dx => {}
                        Some((wf, gt)) => {
                            // dx = dy correlated with the flipped kernel: one more im2col + GEMM,
                            // written straight into dx (no scatter-add)
                            let ldx = b * h * w;
                            let kt = gt.kk();
                            let dcols = prefix(dcols, kt * ldx);
                            for bi in 0..b {
                                let dyi = &dyc[bi * cout * hw..(bi + 1) * cout * hw];
                                im2col(dyi, *gt, dcols, ldx, bi * h * w);
                            }
                            let dcols = MatRef::row_major(&*dcols, kt, ldx, ldx);
                            let wf = MatRef::row_major(&wf[..], c, kt, kt);
                            if b == 1 {
                                matmul(wf, dcols, dxc, h * w, false);
                            } else {
                                let out = prefix(out, c * ldx);
                                matmul(wf, dcols, out, ldx, false);
                                for bi in 0..b {
                                    for ci in 0..c {
                                        dxc[(bi * c + ci) * h * w..(bi * c + ci + 1) * h * w]
                                            .copy_from_slice(
                                                &out[ci * ldx + bi * h * w
                                                    ..ci * ldx + (bi + 1) * h * w],
                                            );
                                    }
                                }
                            }
                        }
                        None => {
                            let dcols = prefix(dcols, kk * ld);
                            matmul(w2.t(), dt.t(), dcols, ld, false);
                            dxc.fill(T::zero());
                            for bi in 0..b {
                                col2im(dcols, g, ld, bi * hw, &mut dxc[bi * img..(bi + 1) * img]);
                            }
                        }
                    }
                    dwt
                })
            })
            .collect();
        // chunk by chunk in chunk order for every element (pieces of elements in parallel: the
        // order per element stays the chunk order), then back to (cout, kk)
        let mut gsum = vec![T::zero(); kk * cout];
        const PIECE: usize = 4096;
        gsum.par_chunks_mut(PIECE).enumerate().for_each(|(i, gs)| {
            for p in &partial {
                for (s, &v) in gs.iter_mut().zip(&p[i * PIECE..]) {
                    *s += v;
                }
            }
        });
        let mut grad = vec![T::zero(); cout * kk];
        let k = g.k;
        for ci in 0..c {
            for ki in 0..k {
                for kj in 0..k {
                    let r = (ci * k + ki) * k + kj;
                    // the banded partials hold rows in (ki, ci, kj) order
                    let rs = if banded { (ki * c + ci) * k + kj } else { r };
                    for co in 0..cout {
                        grad[co * kk + r] = gsum[rs * cout + co];
                    }
                }
            }
        }
        self.grad = ArrayD::from_shape_vec(IxDyn(&[cout, c, g.k, g.k]), grad).expect("shape");
        drop(wt);
        give_buffer(x);
        give_buffer(dy);
        if !need_dx {
            return ArrayD::zeros(IxDyn(&[0]));
        }
        ArrayD::from_shape_vec(IxDyn(&[n, c, h, w]), dx).expect("shape")
    }
}

impl<T: Real> Layer<T> for Conv2d<T> {
    fn forward(&mut self, x: ArrayD<T>, train: bool) -> ArrayD<T> {
        let x = super::standard(x);
        let (n, c, h, w) = x
            .view()
            .into_dimensionality::<Ix4>()
            .expect("conv input must be 4-D")
            .dim();
        assert_eq!(c, self.cin, "conv input channels");
        let g = self.geom(h, w);
        let (kk, hw, cout) = (g.kk(), g.hw(), self.cout);
        let img = c * h * w;
        let wt = self.weight.as_standard_layout();
        let w2 = MatRef::row_major(wt.as_slice().expect("contiguous"), cout, kk, kk);
        let mut y: Vec<T> = take_buffer(n * cout * hw); // every element is written below
        let xs = x.as_slice().expect("contiguous");
        let nb = chunk_images(g.ho, g.wo);
        let wp = g
            .band_ok(nb)
            .then(|| tap_rows_first(wt.as_slice().expect("contiguous"), cout, c, g.k));
        y.par_chunks_mut(nb * cout * hw)
            .zip(xs.par_chunks(nb * img))
            .for_each(|(yc, xc)| {
                let b = xc.len() / img;
                let ld = b * hw;
                T::with_scratch(|[cols, out, _, _]| {
                    if let Some(wp) = &wp {
                        let bd = prefix(cols, g.c * g.k * (g.h + 2 * g.p) * g.w);
                        band(xc, g, bd);
                        band_product(wp, cout, g, bd, yc);
                        return;
                    }
                    let cols = prefix(cols, kk * ld);
                    for bi in 0..b {
                        im2col(&xc[bi * img..(bi + 1) * img], g, cols, ld, bi * hw);
                    }
                    let cols = MatRef::row_major(&*cols, kk, ld, ld);
                    if b == 1 {
                        matmul(w2, cols, yc, hw, false);
                        return;
                    }
                    let out = prefix(out, cout * ld);
                    matmul(w2, cols, out, ld, false);
                    for bi in 0..b {
                        for co in 0..cout {
                            yc[(bi * cout + co) * hw..(bi * cout + co + 1) * hw]
                                .copy_from_slice(&out[co * ld + bi * hw..co * ld + (bi + 1) * hw]);
                        }
                    }
                });
            });
        drop(wt);
        if train {
            self.x = Some(x);
        } else {
            give_buffer(x);
        }
        ArrayD::from_shape_vec(IxDyn(&[n, cout, g.ho, g.wo]), y).expect("shape")
    }

    fn backward(&mut self, dy: ArrayD<T>) -> ArrayD<T> {
        self.backward_impl(dy, true)
    }

    fn backward_params(&mut self, dy: ArrayD<T>) {
        self.backward_impl(dy, false);
    }

    fn params<'a>(&'a mut self, prefix: &str, out: &mut Vec<Param<'a, T>>) {
        out.push(Param {
            name: format!("{prefix}weight"),
            kind: ParamKind::ConvWeight,
            value: &mut self.weight,
            grad: &mut self.grad,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn im2col_same_matches_the_general_path() {
        for (c, h, w, k, p) in [
            (3, 5, 7, 3, 1),
            (2, 4, 4, 1, 0),
            (2, 6, 5, 5, 2),
            (1, 1, 1, 3, 1),
            (2, 2, 3, 5, 2),
        ] {
            let g = Geom {
                c,
                h,
                w,
                k,
                s: 1,
                p,
                ho: h,
                wo: w,
            };
            let x: Vec<f64> = (0..c * h * w).map(|i| i as f64 + 1.0).collect();
            let (ld, off) = (h * w + 3, 2);
            let mut a = vec![-7.0; g.kk() * ld];
            let mut b = a.clone();
            im2col_same(&x, g, &mut a, ld, off);
            im2col_general(&x, g, &mut b, ld, off);
            assert_eq!(a, b, "c {c} h {h} w {w} k {k} p {p}");
        }
    }

    #[test]
    fn pooled_buffers_never_leak_into_results() {
        use super::super::matmul::give_buffer;
        use crate::layers::gradcheck::random;
        // 8·8·32·32 elements: large enough to be pooled
        let x = random(&[8, 8, 32, 32], 1);
        let dy = random(&[8, 8, 32, 32], 2);
        let run = |poison: bool| {
            let mut c = Conv2d::<f64>::new(8, 8, 3, 1, 1);
            c.weight = random(&[8, 8, 3, 3], 3);
            if poison {
                for _ in 0..4 {
                    give_buffer(ArrayD::from_elem(IxDyn(&[8, 8, 32, 32]), f64::NAN));
                }
            }
            let y = c.forward(x.clone(), true);
            let dx = c.backward(dy.clone());
            (y, dx, c.grad.clone())
        };
        let (a, b) = (run(false), run(true));
        let same = |p: &ArrayD<f64>, q: &ArrayD<f64>| {
            p.iter().zip(q).all(|(u, v)| u.to_bits() == v.to_bits())
        };
        assert!(same(&a.0, &b.0) && same(&a.1, &b.1) && same(&a.2, &b.2));
        assert!(a.0.iter().chain(&a.1).chain(&a.2).all(|v| v.is_finite()));
    }

    /// Direct convolution, for checking every path's forward values.
    fn naive(x: &ArrayD<f64>, wt: &ArrayD<f64>, s: usize, p: usize) -> ArrayD<f64> {
        let (n, c, h, w) = (x.shape()[0], x.shape()[1], x.shape()[2], x.shape()[3]);
        let (co, k) = (wt.shape()[0], wt.shape()[2]);
        let (ho, wo) = ((h + 2 * p - k) / s + 1, (w + 2 * p - k) / s + 1);
        ArrayD::from_shape_fn(IxDyn(&[n, co, ho, wo]), |ix| {
            let mut acc = 0.0;
            for ci in 0..c {
                for ki in 0..k {
                    for kj in 0..k {
                        let ii = (ix[2] * s + ki) as isize - p as isize;
                        let jj = (ix[3] * s + kj) as isize - p as isize;
                        if ii >= 0 && jj >= 0 && (ii as usize) < h && (jj as usize) < w {
                            acc +=
                                wt[[ix[1], ci, ki, kj]] * x[[ix[0], ci, ii as usize, jj as usize]];
                        }
                    }
                }
            }
            acc
        })
    }

    #[test]
    fn forward_matches_the_direct_convolution_on_every_path() {
        use crate::layers::gradcheck::random;
        // (n, cin, cout, h, w, k, stride, pad): banded (one image per chunk), im2col chunks, strided
        for (i, &(n, ci, co, h, w, k, s, p)) in [
            (2, 3, 4, 24, 24, 3, 1, 1),
            (2, 2, 3, 23, 24, 5, 1, 2),
            (11, 3, 5, 6, 7, 3, 1, 1),
            (3, 4, 2, 7, 6, 1, 2, 0),
            (2, 2, 3, 24, 24, 3, 2, 1),
        ]
        .iter()
        .enumerate()
        {
            let mut c = Conv2d::<f64>::new(ci, co, k, s, p);
            c.weight = random(&[co, ci, k, k], 70 + i as u64);
            let x = random(&[n, ci, h, w], 80 + i as u64);
            let want = naive(&x, &c.weight, s, p);
            let got = c.forward(x, false);
            assert_eq!(got.shape(), want.shape());
            let err = got
                .iter()
                .zip(&want)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            assert!(err < 1e-12, "case {i}: max error {err}");
        }
    }
}
