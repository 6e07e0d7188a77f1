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

/// Output pixels per GEMM that the chunking aims at: about one image at 32×32, so that a chunk's
/// im2col columns stay in the core's L2 cache.
pub const CHUNK_PIXELS: usize = 1024;

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
                let c_lo = (-dj).clamp(0, w as isize) as usize;
                let c_hi = ((w as isize - dj).clamp(0, w as isize) as usize).max(c_lo);
                for j in (0..c_lo).chain(c_hi..w) {
                    for i in lo..hi {
                        dst[i * w + j] = T::zero();
                    }
                }
            }
        }
    }
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
        // chunk by chunk in chunk order, then back to (cout, kk)
        let mut gsum = vec![T::zero(); kk * cout];
        for p in &partial {
            for (s, &v) in gsum.iter_mut().zip(p) {
                *s += v;
            }
        }
        let mut grad = vec![T::zero(); cout * kk];
        for r in 0..kk {
            for co in 0..cout {
                grad[co * kk + r] = gsum[r * cout + co];
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
        y.par_chunks_mut(nb * cout * hw)
            .zip(xs.par_chunks(nb * img))
            .for_each(|(yc, xc)| {
                let b = xc.len() / img;
                let ld = b * hw;
                T::with_scratch(|[cols, out, _, _]| {
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
}
