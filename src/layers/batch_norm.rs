//! Batch normalisation over the channel axis of `(N, C)` (BatchNorm1d) or `(N, C, H, W)` (BatchNorm2d)
//! inputs, PyTorch conventions (TRAIN_SPEC): eps 1e-5, running stats `0.9·running + 0.1·batch`, the
//! unbiased batch variance for the running variance and the biased one for normalising; γ = 1, β = 0.

use ndarray::{ArrayD, IxDyn};
use rayon::prelude::*;

use super::matmul::{give_buffer, take_buffer};
use super::{Buffer, Layer, Param, ParamKind, Real};

/// Numerical floor added to the variance.
pub const EPS: f64 = 1e-5;
/// Weight of the new batch in the running statistics.
pub const MOMENTUM: f64 = 0.1;

/// A BatchNorm layer with learnable γ, β and running mean/variance for evaluation.
pub struct BatchNorm<T> {
    /// Channels.
    pub c: usize,
    /// Scale γ.
    pub gamma: ArrayD<T>,
    /// Shift β.
    pub beta: ArrayD<T>,
    /// Gradient of γ.
    pub dgamma: ArrayD<T>,
    /// Gradient of β.
    pub dbeta: ArrayD<T>,
    /// Running mean (evaluation mode).
    pub running_mean: ArrayD<T>,
    /// Running (unbiased) variance (evaluation mode).
    pub running_var: ArrayD<T>,
    cache: Option<(ArrayD<T>, Vec<T>, Vec<T>)>, // (input x, mean, 1/σ per channel); x̂ is recomputed
}

fn ncl(shape: &[usize]) -> (usize, usize, usize) {
    let n = shape[0];
    let c = shape[1];
    let l = shape[2..].iter().product();
    (n, c, l)
}

impl<T: Real> BatchNorm<T> {
    /// A fresh layer (γ = 1, β = 0, running mean 0, running variance 1).
    pub fn new(c: usize) -> Self {
        let v = |x: f64| ArrayD::from_elem(IxDyn(&[c]), T::c(x));
        Self {
            c,
            gamma: v(1.0),
            beta: v(0.0),
            dgamma: v(0.0),
            dbeta: v(0.0),
            running_mean: v(0.0),
            running_var: v(1.0),
            cache: None,
        }
    }
}

/// Σ f(v) over `row` in f64, in 8 interleaved partial sums added in a fixed order (so it vectorises;
/// the order depends only on the length).
fn sum8<T: Real>(row: &[T], f: impl Fn(f64) -> f64) -> f64 {
    let mut acc = [0.0f64; 8];
    let mut it = row.chunks_exact(8);
    for c in &mut it {
        for (a, &v) in acc.iter_mut().zip(c) {
            *a += f(v.f64());
        }
    }
    for (a, &v) in acc.iter_mut().zip(it.remainder()) {
        *a += f(v.f64());
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]))
}

/// Σ d and Σ d·x̂ over two equal rows in f64, interleaved as [`sum8`], with x̂ = (x − μ)·(1/σ) from
/// the row `x` of the input.
fn sum8_pair<T: Real>(d: &[T], x: &[T], mu: T, is: T) -> (f64, f64) {
    let hat = |v: T| ((v - mu) * is).f64();
    let (mut a1, mut a2) = ([0.0f64; 8], [0.0f64; 8]);
    let (mut dc, mut hc) = (d.chunks_exact(8), x.chunks_exact(8));
    for (dd, hh) in (&mut dc).zip(&mut hc) {
        for j in 0..8 {
            a1[j] += dd[j].f64();
            a2[j] += dd[j].f64() * hat(hh[j]);
        }
    }
    for (j, (dv, &hv)) in dc.remainder().iter().zip(hc.remainder()).enumerate() {
        a1[j] += dv.f64();
        a2[j] += dv.f64() * hat(hv);
    }
    let fold = |a: [f64; 8]| ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
    (fold(a1), fold(a2))
}

impl<T: Real> Layer<T> for BatchNorm<T> {
    fn forward(&mut self, x: ArrayD<T>, train: bool) -> ArrayD<T> {
        let shape = x.shape().to_vec();
        let (n, c, l) = ncl(&shape);
        assert_eq!(c, self.c, "BN channels");
        let mut x = super::standard(x);
        let xs = x.as_slice_mut().expect("contiguous");
        let m = (n * l) as f64;
        let (mean, invstd): (Vec<T>, Vec<T>) = if train {
            // per-channel statistics in f64, two passes, fixed summation order
            let stats: Vec<(f64, f64)> = (0..c)
                .into_par_iter()
                .map(|ch| {
                    let row = |i: usize| &xs[(i * c + ch) * l..(i * c + ch + 1) * l];
                    let s: f64 = (0..n).map(|i| sum8(row(i), |v| v)).sum();
                    let mu = s / m;
                    let q: f64 = (0..n).map(|i| sum8(row(i), |v| (v - mu) * (v - mu))).sum();
                    (mu, q / m)
                })
                .collect();
            for (ch, &(mu, var)) in stats.iter().enumerate() {
                let unbiased = if m > 1.0 { var * m / (m - 1.0) } else { var };
                let mom = T::c(MOMENTUM);
                self.running_mean[ch] = (T::one() - mom) * self.running_mean[ch] + mom * T::c(mu);
                self.running_var[ch] =
                    (T::one() - mom) * self.running_var[ch] + mom * T::c(unbiased);
            }
            stats
                .iter()
                .map(|&(mu, var)| (T::c(mu), T::c(1.0 / (var + EPS).sqrt())))
                .unzip()
        } else {
            (0..c)
                .map(|ch| {
                    let var = self.running_var[ch].f64();
                    (self.running_mean[ch], T::c(1.0 / (var + EPS).sqrt()))
                })
                .unzip()
        };
        let (g, b) = (&self.gamma, &self.beta);
        let img = (c * l).max(1);
        if train {
            // y into a fresh (pooled) buffer; x stays as the cache, x̂ = (x − μ)/σ is recomputed in
            // the backward pass with the same expression (one stream less to memory than storing x̂)
            let mut y: Vec<T> = take_buffer(xs.len()); // every element is written below
            y.par_chunks_mut(img)
                .zip(xs.par_chunks(img))
                .for_each(|(yi, xi)| {
                    for ch in 0..c {
                        let (mu, is, gc, bc) = (mean[ch], invstd[ch], g[ch], b[ch]);
                        let r = ch * l..(ch + 1) * l;
                        for (o, &v) in yi[r.clone()].iter_mut().zip(&xi[r]) {
                            let h = (v - mu) * is;
                            *o = gc * h + bc;
                        }
                    }
                });
            self.cache = Some((x, mean, invstd));
            return ArrayD::from_shape_vec(IxDyn(&shape), y).expect("shape");
        }
        xs.par_chunks_mut(img).for_each(|xi| {
            for ch in 0..c {
                let (mu, is, gc, bc) = (mean[ch], invstd[ch], g[ch], b[ch]);
                for v in &mut xi[ch * l..(ch + 1) * l] {
                    *v = gc * ((*v - mu) * is) + bc;
                }
            }
        });
        x
    }

    fn backward(&mut self, dy: ArrayD<T>) -> ArrayD<T> {
        let (x, mean, invstd) = self
            .cache
            .take()
            .expect("BN backward without a training forward");
        let xh = x.as_slice().expect("contiguous");
        let shape = dy.shape().to_vec();
        let (n, c, l) = ncl(&shape);
        let mut dy = super::standard(dy);
        let ds = dy.as_slice_mut().expect("contiguous");
        assert_eq!(ds.len(), xh.len(), "BN gradient shape");
        let m = (n * l) as f64;
        // per channel: Σdy and Σdy·x̂ in f64, fixed order
        let sums: Vec<(f64, f64)> = (0..c)
            .into_par_iter()
            .map(|ch| {
                let (mut s1, mut s2) = (0.0, 0.0);
                for i in 0..n {
                    let r = (i * c + ch) * l..(i * c + ch + 1) * l;
                    let (a, b) = sum8_pair(&ds[r.clone()], &xh[r], mean[ch], invstd[ch]);
                    s1 += a;
                    s2 += b;
                }
                (s1, s2)
            })
            .collect();
        for (ch, &(s1, s2)) in sums.iter().enumerate() {
            self.dbeta[ch] = T::c(s1);
            self.dgamma[ch] = T::c(s2);
        }
        let g = &self.gamma;
        let coef: Vec<(T, T, T, T, T)> = sums
            .iter()
            .enumerate()
            .map(|(ch, &(s1, s2))| {
                (
                    g[ch] * invstd[ch],
                    T::c(s1 / m),
                    T::c(s2 / m),
                    mean[ch],
                    invstd[ch],
                )
            })
            .collect();
        let img = (c * l).max(1);
        ds.par_chunks_mut(img)
            .zip(xh.par_chunks(img))
            .for_each(|(di, hi)| {
                for (ch, &(k, a, b, mu, is)) in coef.iter().enumerate() {
                    let r = ch * l..(ch + 1) * l;
                    for (d, &xv) in di[r.clone()].iter_mut().zip(&hi[r]) {
                        let hv = (xv - mu) * is;
                        *d = k * (*d - a - hv * b);
                    }
                }
            });
        give_buffer(x);
        dy
    }

    fn params<'a>(&'a mut self, prefix: &str, out: &mut Vec<Param<'a, T>>) {
        out.push(Param {
            name: format!("{prefix}gamma"),
            kind: ParamKind::BnGamma,
            value: &mut self.gamma,
            grad: &mut self.dgamma,
        });
        out.push(Param {
            name: format!("{prefix}beta"),
            kind: ParamKind::BnBeta,
            value: &mut self.beta,
            grad: &mut self.dbeta,
        });
    }

    fn buffers<'a>(&'a mut self, prefix: &str, out: &mut Vec<Buffer<'a, T>>) {
        out.push(Buffer {
            name: format!("{prefix}running_mean"),
            value: &mut self.running_mean,
        });
        out.push(Buffer {
            name: format!("{prefix}running_var"),
            value: &mut self.running_var,
        });
    }
}
