//! 2-D convolution without bias (TRAIN_SPEC: every conv is followed by BatchNorm), square kernel, any
//! stride and zero padding: the 3×3/s1/p1 layers and the 1×1/s2 ResNet shortcuts.
//!
//! Computed as im2col + one real GEMM per chunk of [`CHUNK`] images (ndarray `dot`, matrixmultiply),
//! chunks in parallel with rayon. The weight gradient is summed chunk by chunk in chunk order, so the
//! result does not depend on the number of threads (resume equality needs bit-identical runs).

use ndarray::{ArrayD, ArrayView2, Ix4, IxDyn};
use rayon::prelude::*;

use super::{Layer, Param, ParamKind, Real};

/// Images per GEMM. Fixed (not derived from the thread count) so that results are reproducible.
pub const CHUNK: usize = 8;

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

    fn chunk_cols(x: &[T], g: Geom, b: usize) -> Vec<T> {
        let ld = b * g.hw();
        let mut cols = vec![T::zero(); g.kk() * ld];
        let img = g.c * g.h * g.w;
        for bi in 0..b {
            im2col(&x[bi * img..(bi + 1) * img], g, &mut cols, ld, bi * g.hw());
        }
        cols
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
        let wt = self.weight.as_standard_layout();
        let w2 =
            ArrayView2::from_shape((cout, kk), wt.as_slice().expect("contiguous")).expect("shape");
        let mut y = vec![T::zero(); n * cout * hw];
        let xs = x.as_slice().expect("contiguous");
        y.par_chunks_mut(CHUNK * cout * hw)
            .zip(xs.par_chunks(CHUNK * c * h * w))
            .for_each(|(yc, xc)| {
                let b = xc.len() / (c * h * w);
                let cols = Self::chunk_cols(xc, g, b);
                let cols = ArrayView2::from_shape((kk, b * hw), &cols).expect("shape");
                let out = w2.dot(&cols);
                for bi in 0..b {
                    for co in 0..cout {
                        let dst = &mut yc[(bi * cout + co) * hw..(bi * cout + co + 1) * hw];
                        let src = out.row(co);
                        let src = &src.as_slice().expect("row")[bi * hw..(bi + 1) * hw];
                        dst.copy_from_slice(src);
                    }
                }
            });
        if train {
            self.x = Some(x);
        }
        ArrayD::from_shape_vec(IxDyn(&[n, cout, g.ho, g.wo]), y).expect("shape")
    }

    fn backward(&mut self, dy: ArrayD<T>) -> ArrayD<T> {
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
        let w2 =
            ArrayView2::from_shape((cout, kk), wt.as_slice().expect("contiguous")).expect("shape");
        let mut dx = vec![T::zero(); n * c * h * w];
        let img = c * h * w;
        let partial: Vec<ndarray::Array2<T>> = dx
            .par_chunks_mut(CHUNK * img)
            .zip(x.as_slice().expect("contiguous").par_chunks(CHUNK * img))
            .zip(dys.par_chunks(CHUNK * cout * hw))
            .map(|((dxc, xc), dyc)| {
                let b = xc.len() / img;
                let cols = Self::chunk_cols(xc, g, b);
                let cols = ArrayView2::from_shape((kk, b * hw), &cols).expect("shape");
                let mut d = vec![T::zero(); cout * b * hw];
                for bi in 0..b {
                    for co in 0..cout {
                        let src = &dyc[(bi * cout + co) * hw..(bi * cout + co + 1) * hw];
                        d[co * b * hw + bi * hw..co * b * hw + (bi + 1) * hw].copy_from_slice(src);
                    }
                }
                let d = ArrayView2::from_shape((cout, b * hw), &d).expect("shape");
                let dw = d.dot(&cols.t());
                let dcols = w2.t().dot(&d);
                let dcols = dcols.as_standard_layout();
                let dcs = dcols.as_slice().expect("contiguous");
                for bi in 0..b {
                    col2im(dcs, g, b * hw, bi * hw, &mut dxc[bi * img..(bi + 1) * img]);
                }
                dw
            })
            .collect();
        let mut gsum = ndarray::Array2::<T>::zeros((cout, kk));
        for p in &partial {
            gsum += p;
        }
        self.grad = gsum
            .into_shape_with_order(IxDyn(&[cout, c, g.k, g.k]))
            .expect("shape");
        ArrayD::from_shape_vec(IxDyn(&[n, c, h, w]), dx).expect("shape")
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
