//! Batch normalisation over the channel axis of `(N, C)` (BatchNorm1d) or `(N, C, H, W)` (BatchNorm2d)
//! inputs, PyTorch conventions (TRAIN_SPEC): eps 1e-5, running stats `0.9·running + 0.1·batch`, the
//! unbiased batch variance for the running variance and the biased one for normalising; γ = 1, β = 0.

use ndarray::{ArrayD, IxDyn};
use rayon::prelude::*;

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
    cache: Option<(ArrayD<T>, Vec<T>)>, // (x̂, 1/σ per channel)
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

impl<T: Real> Layer<T> for BatchNorm<T> {
    fn forward(&mut self, x: ArrayD<T>, train: bool) -> ArrayD<T> {
        let shape = x.shape().to_vec();
        let (n, c, l) = ncl(&shape);
        assert_eq!(c, self.c, "BN channels");
        let mut x = super::standard(x);
        let xs = x.as_slice_mut().expect("contiguous");
        let m = (n * l) as f64;
        let (mean, invstd): (Vec<T>, Vec<T>) = if train {
            // per-channel statistics in f64, fixed summation order
            let stats: Vec<(f64, f64)> = (0..c)
                .into_par_iter()
                .map(|ch| {
                    let mut s = 0.0;
                    for i in 0..n {
                        s += xs[(i * c + ch) * l..(i * c + ch + 1) * l]
                            .iter()
                            .map(|v| v.f64())
                            .sum::<f64>();
                    }
                    let mu = s / m;
                    let mut q = 0.0;
                    for i in 0..n {
                        q += xs[(i * c + ch) * l..(i * c + ch + 1) * l]
                            .iter()
                            .map(|v| (v.f64() - mu) * (v.f64() - mu))
                            .sum::<f64>();
                    }
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
        let mut xhat = if train {
            Some(vec![T::zero(); xs.len()])
        } else {
            None
        };
        let (g, b) = (&self.gamma, &self.beta);
        let normalise = |i: usize, ch: usize, row: &mut [T], xh: Option<&mut [T]>| {
            let _ = i;
            match xh {
                Some(xh) => {
                    for (v, h) in row.iter_mut().zip(xh.iter_mut()) {
                        *h = (*v - mean[ch]) * invstd[ch];
                        *v = g[ch] * *h + b[ch];
                    }
                }
                None => {
                    for v in row.iter_mut() {
                        *v = g[ch] * ((*v - mean[ch]) * invstd[ch]) + b[ch];
                    }
                }
            }
        };
        match xhat.as_mut() {
            Some(xh) => xs
                .par_chunks_mut(l)
                .zip(xh.par_chunks_mut(l))
                .enumerate()
                .for_each(|(r, (row, h))| normalise(r / c, r % c, row, Some(h))),
            None => xs
                .par_chunks_mut(l)
                .enumerate()
                .for_each(|(r, row)| normalise(r / c, r % c, row, None)),
        }
        if let Some(xh) = xhat {
            self.cache = Some((
                ArrayD::from_shape_vec(IxDyn(&shape), xh).expect("shape"),
                invstd,
            ));
        }
        x
    }

    fn backward(&mut self, dy: ArrayD<T>) -> ArrayD<T> {
        let (xhat, invstd) = self
            .cache
            .take()
            .expect("BN backward without a training forward");
        let shape = dy.shape().to_vec();
        let (n, c, l) = ncl(&shape);
        let mut dy = super::standard(dy);
        let xh = xhat.as_slice().expect("contiguous");
        let ds = dy.as_slice_mut().expect("contiguous");
        let m = (n * l) as f64;
        // per channel: Σdy and Σdy·x̂ in f64, fixed order
        let sums: Vec<(f64, f64)> = (0..c)
            .into_par_iter()
            .map(|ch| {
                let (mut s1, mut s2) = (0.0, 0.0);
                for i in 0..n {
                    let r = (i * c + ch) * l..(i * c + ch + 1) * l;
                    for (d, h) in ds[r.clone()].iter().zip(&xh[r]) {
                        s1 += d.f64();
                        s2 += d.f64() * h.f64();
                    }
                }
                (s1, s2)
            })
            .collect();
        for (ch, &(s1, s2)) in sums.iter().enumerate() {
            self.dbeta[ch] = T::c(s1);
            self.dgamma[ch] = T::c(s2);
        }
        let g = &self.gamma;
        ds.par_chunks_mut(l)
            .zip(xh.par_chunks(l))
            .enumerate()
            .for_each(|(r, (row, h))| {
                let ch = r % c;
                let (s1, s2) = sums[ch];
                let k = g[ch] * invstd[ch];
                let a = T::c(s1 / m);
                let b = T::c(s2 / m);
                for (d, &hv) in row.iter_mut().zip(h) {
                    *d = k * (*d - a - hv * b);
                }
            });
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
