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

mod lowering;
use lowering::{band, band_product, band_view, col2im, im2col, tap_rows_first, Geom};

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
                            let v = band_view(bx, g, ki);
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
mod tests;
