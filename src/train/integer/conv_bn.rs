//! One conv layer of the integer training path as the host sees it: the engine's arithmetic
//! (XNOR-popcount accumulators `z`, requantise + ReLU with `(M, B, sh)`, 2×2 max-pool) computed
//! exactly at GEMM speed, and the **batch norm the host learns** and folds into `(M, B, sh)`.
//!
//! **Exact at GEMM speed.** The host keeps a float [`Conv2d`] whose weights are the ±1 forward
//! weights; fed the integer activation codes it returns the engine's accumulators exactly, because
//! every partial sum is an integer below 2^24 in magnitude (`9·C_in·(2^A − 1)` at most: 6,885 for the
//! 8-bit first layer, 69,120 for C_in = 512 at A = 4), so f32 adds them without rounding in any order.
//! A test pins it against the per-bit model `exact::xnor_conv`.
//!
//! **BN learned, folded every step.** The engine has no statistics unit: its forward normalises with
//! the statistics the host tracks, as a board's CPU would. Before each step the host folds
//! γ, β and the running mean and variance of `z` into the requantisation
//! ([`Requant::from_bn`]: one output unit = 3/(2^A − 1) BN units, i.e. the activation is a ReLU clipped
//! at 3 and quantised to A bits). Refolding every step costs nothing extra on the stream: a conv
//! transaction carries its layer's `(M, B)` words (C_out of them) every time anyway. The host has the
//! batch's `z` (it needs them for the backward pass), so after the forward it updates the running
//! statistics (momentum 0.1, unbiased variance, as TRAIN_SPEC's BN) and, in the backward, takes the
//! gradient as batch renormalisation does (Ioffe 2017, with r and d unclipped): the forward value is
//! the running-statistics normalisation `x̂ = (z − μ)/σ`, the gradient flows through the batch's
//! statistics as in batch norm, `∂L/∂z = (1/σ)(g − mean(g) − x̂_B·mean(g·x̂_B))` with `g = γ·∂L/∂y` and
//! `x̂_B` the batch-normalised `z`. The running statistics start as the first batch's (calibration).
//!
//! **Straight-through estimators.** Through the activation quantisation: `∂a/∂y = 1/s_out` where the
//! unclamped requantised value `(z·M + B) >> sh` lies in `[0, 2^A − 1]`, else 0 (clipped ReLU);
//! through the max-pool: to the first maximal position of the 2×2 block (row-major).

use ndarray::{ArrayD, IxDyn};
use rayon::prelude::*;

use super::layout::conv_to_pack;
use crate::error::{QtrainError, Result};
use crate::exact::geometry::{ConvLayer, K};
use crate::exact::requant::{BnFloat, Requant};
use crate::layers::{batch_norm, Conv2d, Layer};
use crate::optim::Adam;

/// Real value (in BN units) of one output code ([`crate::quant::act_step`]).
pub fn out_scale(a_out: u32) -> f64 {
    crate::quant::act_step(a_out)
}

/// The least variance the fold divides by: the accumulators are integers, and a channel whose
/// variance is under one unit² is constant — dividing by its `√ε` would make its multiplier the
/// largest of the layer and force a small shared `sh`, coarsening every other channel's `M`.
pub const MIN_VAR: f64 = 1.0;

/// The batch norm of one conv layer, learned on the host (γ, β by ADAM; statistics of `z` tracked).
#[derive(Clone, Debug)]
pub struct LearnedBn {
    /// Scale γ per channel.
    pub gamma: Vec<f32>,
    /// Shift β per channel.
    pub beta: Vec<f32>,
    /// Running mean of the accumulators `z` (integer units).
    pub mean: Vec<f32>,
    /// Running (unbiased) variance of `z`.
    pub var: Vec<f32>,
    /// ADAM moments of γ.
    pub adam_gamma: Adam,
    /// ADAM moments of β.
    pub adam_beta: Adam,
    dgamma: Vec<f32>,
    dbeta: Vec<f32>,
}

impl LearnedBn {
    fn new(c: usize) -> Self {
        Self {
            gamma: vec![1.0; c],
            beta: vec![0.0; c],
            mean: vec![0.0; c],
            var: vec![1.0; c],
            adam_gamma: Adam::new(c),
            adam_beta: Adam::new(c),
            dgamma: vec![0.0; c],
            dbeta: vec![0.0; c],
        }
    }

    /// γ, β and the statistics folded into the engine's requantisation for `a_out` output bits.
    pub fn fold(&self, a_out: u32) -> Result<Requant> {
        let f = |v: &[f32]| v.iter().map(|&x| x as f64).collect::<Vec<_>>();
        Requant::from_bn(
            &BnFloat {
                gamma: f(&self.gamma),
                beta: f(&self.beta),
                mean: f(&self.mean),
                var: self.var.iter().map(|&v| (v as f64).max(MIN_VAR)).collect(),
                eps: batch_norm::EPS,
                z_scale: 1.0,
                out_scale: out_scale(a_out),
            },
            a_out,
        )
    }

    /// ADAM step of γ and β with the last backward pass's gradients.
    pub fn step(&mut self, t: u64, lr: f32) {
        let mut u = vec![0f32; self.gamma.len()];
        self.adam_gamma.step(&self.dgamma, t, lr, &mut u);
        self.gamma.iter_mut().zip(&u).for_each(|(w, d)| *w -= d);
        self.adam_beta.step(&self.dbeta, t, lr, &mut u);
        self.beta.iter_mut().zip(&u).for_each(|(w, d)| *w -= d);
    }
}

/// What a training forward keeps for the backward pass.
struct Cache {
    /// Accumulators, `(N, C_out, H, W)`.
    z: Vec<f32>,
    /// The unclamped requantised value lay in `[0, 2^A − 1]` (pre-pool positions).
    pass: Vec<bool>,
    /// Per pooled output: which of the 2×2 block's positions (row-major) was the first maximum.
    argmax: Vec<u8>,
    /// Per channel: the forward's normalisation (running statistics), `(μ, 1/σ)`.
    run: Vec<(f64, f64)>,
    /// Per channel: the batch's `(μ_B, 1/σ_B)`.
    batch: Vec<(f64, f64)>,
    images: usize,
}

/// One conv layer on the host: exact accumulators, the learned BN folded into the requantisation.
pub struct HostConv {
    /// Shape (`sh` is that of the last fold; `images` of the last batch).
    pub layer: ConvLayer,
    /// The learned batch norm.
    pub bn: LearnedBn,
    conv: Conv2d<f32>,
    perm: Vec<usize>,
    cache: Option<Cache>,
    grad: Vec<f32>,
}

impl HostConv {
    /// Layer `l` with forward weights `signs` (±1, pack order).
    pub fn new(l: &ConvLayer, signs: &[i8]) -> Result<Self> {
        let mut s = Self {
            layer: l.clone(),
            bn: LearnedBn::new(l.c_out),
            conv: Conv2d::new(l.c_in, l.c_out, K, 1, 1),
            perm: conv_to_pack(l),
            cache: None,
            grad: vec![0.0; l.c_out * l.window_bits()],
        };
        s.set_signs(signs)?;
        Ok(s)
    }

    /// Set the forward weights (±1, pack order).
    pub fn set_signs(&mut self, signs: &[i8]) -> Result<()> {
        if signs.len() != self.perm.len() {
            return Err(QtrainError::Shape(format!(
                "{} signs for a layer of {} weights",
                signs.len(),
                self.perm.len()
            )));
        }
        let w = self.conv.weight.as_slice_mut().expect("contiguous");
        for (ci, &pi) in self.perm.iter().enumerate() {
            w[ci] = signs[pi] as f32;
        }
        Ok(())
    }

    /// dL/d(forward weight) of the last backward pass, pack order.
    pub fn weight_grad(&self) -> &[f32] {
        &self.grad
    }

    /// The accumulators of a batch `x` (`(N, C_in, H, W)` codes), exactly the engine's.
    pub fn accumulators(&mut self, x: ArrayD<f32>, train: bool) -> Vec<f32> {
        let z = self.conv.forward(x, train);
        crate::layers::standard(z).into_raw_vec_and_offset().0
    }

    /// Set the running statistics to those of `z` (a batch's accumulators): the calibration.
    pub fn calibrate(&mut self, z: &[f32], images: usize) {
        for (c, (m, is)) in self.batch_stats(z, images).into_iter().enumerate() {
            self.bn.mean[c] = m as f32;
            self.bn.var[c] = (1.0 / (is * is) - batch_norm::EPS) as f32;
        }
    }

    fn batch_stats(&self, z: &[f32], images: usize) -> Vec<(f64, f64)> {
        let (c, hw) = (self.layer.c_out, self.layer.h * self.layer.w);
        let m = (images * hw) as f64;
        (0..c)
            .into_par_iter()
            .map(|ch| {
                let rows = || (0..images).map(|i| &z[(i * c + ch) * hw..(i * c + ch + 1) * hw]);
                let s: f64 = rows()
                    .map(|r| r.iter().map(|&v| v as f64).sum::<f64>())
                    .sum();
                let mu = s / m;
                let q: f64 = rows()
                    .map(|r| r.iter().map(|&v| (v as f64 - mu).powi(2)).sum::<f64>())
                    .sum();
                (mu, 1.0 / (q / m + batch_norm::EPS).sqrt())
            })
            .collect()
    }

    /// The layer on accumulators `z` of `images` images with requantisation `rq`: the output codes
    /// `(N, C_out, H', W')` as the engine computes them; with `train`, what the backward pass needs is
    /// kept and the running statistics are updated with the batch's.
    pub fn finish(&mut self, z: Vec<f32>, images: usize, rq: &Requant, train: bool) -> Vec<f32> {
        let l = &self.layer;
        let (c, hw) = (l.c_out, l.h * l.w);
        let amax = (1i64 << l.a_out) - 1;
        let img = c * hw;
        let mut codes = vec![0f32; z.len()];
        let mut pass = if train {
            vec![false; z.len()]
        } else {
            Vec::new()
        };
        let apply = |zi: &[f32], ci: &mut [f32], pi: Option<&mut [bool]>| {
            let mut pi = pi;
            for ch in 0..c {
                let (m, b) = (rq.m[ch] as i64, rq.b[ch] as i64);
                for p in ch * hw..(ch + 1) * hw {
                    let pre = (zi[p] as i64 * m + b) >> rq.sh;
                    ci[p] = pre.clamp(0, amax) as f32;
                    if let Some(pi) = pi.as_deref_mut() {
                        pi[p] = (0..=amax).contains(&pre);
                    }
                }
            }
        };
        if train {
            codes
                .par_chunks_mut(img)
                .zip(pass.par_chunks_mut(img))
                .zip(z.par_chunks(img))
                .for_each(|((ci, pi), zi)| apply(zi, ci, Some(pi)));
        } else {
            codes
                .par_chunks_mut(img)
                .zip(z.par_chunks(img))
                .for_each(|(ci, zi)| apply(zi, ci, None));
        }
        let (out, argmax) = if l.pool {
            pool(&codes, images, c, l.h, l.w, train)
        } else {
            (codes, Vec::new())
        };
        if train {
            let batch = self.batch_stats(&z, images);
            let run: Vec<(f64, f64)> = (0..c)
                .map(|ch| {
                    let v = self.bn.var[ch] as f64;
                    (self.bn.mean[ch] as f64, 1.0 / (v + batch_norm::EPS).sqrt())
                })
                .collect();
            let m = (images * hw) as f64;
            let mom = batch_norm::MOMENTUM;
            for (ch, &(mu, is)) in batch.iter().enumerate() {
                let var = 1.0 / (is * is) - batch_norm::EPS;
                let unbiased = if m > 1.0 { var * m / (m - 1.0) } else { var };
                self.bn.mean[ch] = ((1.0 - mom) * self.bn.mean[ch] as f64 + mom * mu) as f32;
                self.bn.var[ch] = ((1.0 - mom) * self.bn.var[ch] as f64 + mom * unbiased) as f32;
            }
            self.cache = Some(Cache {
                z,
                pass,
                argmax,
                run,
                batch,
                images,
            });
        }
        out
    }

    /// Backward pass from dL/d(output codes) `g` (`(N, C_out, H', W')`): sets the weight and BN
    /// gradients, returns dL/d(input codes) when `need_dx`.
    pub fn backward(&mut self, g: &[f32], need_dx: bool) -> Result<Option<ArrayD<f32>>> {
        let cache = self
            .cache
            .take()
            .ok_or_else(|| QtrainError::Shape("conv backward without a training forward".into()))?;
        let l = &self.layer;
        let (c, hw, n) = (l.c_out, l.h * l.w, cache.images);
        let img = c * hw;
        // dL/dy (BN output, real units) at the pre-pool positions
        let inv_s = (1.0 / out_scale(l.a_out)) as f32;
        let mut dy = vec![0f32; n * img];
        if l.pool {
            let (ho, wo) = (l.h / 2, l.w / 2);
            dy.par_chunks_mut(img).enumerate().for_each(|(i, d)| {
                for ch in 0..c {
                    for yo in 0..ho {
                        for xo in 0..wo {
                            let q = (i * c + ch) * ho * wo + yo * wo + xo;
                            let k = cache.argmax[q] as usize;
                            let p = ch * hw + (2 * yo + k / 2) * l.w + 2 * xo + k % 2;
                            if cache.pass[i * img + p] {
                                d[p] = g[q] * inv_s;
                            }
                        }
                    }
                }
            });
        } else {
            dy.par_iter_mut().enumerate().for_each(|(p, d)| {
                if cache.pass[p] {
                    *d = g[p] * inv_s;
                }
            });
        }
        // BN (batch renormalisation's gradient; see the module doc)
        let z = &cache.z;
        let sums: Vec<[f64; 3]> = (0..c)
            .into_par_iter()
            .map(|ch| {
                let (mr, ir) = cache.run[ch];
                let (mb, ib) = cache.batch[ch];
                let mut s = [0f64; 3]; // Σdy, Σdy·x̂, Σdy·x̂_B
                for i in 0..n {
                    let r = (i * c + ch) * hw..(i * c + ch + 1) * hw;
                    for (&d, &zv) in dy[r.clone()].iter().zip(&z[r]) {
                        let (d, zv) = (d as f64, zv as f64);
                        s[0] += d;
                        s[1] += d * (zv - mr) * ir;
                        s[2] += d * (zv - mb) * ib;
                    }
                }
                s
            })
            .collect();
        let m = (n * hw) as f64;
        for (ch, s) in sums.iter().enumerate() {
            self.bn.dbeta[ch] = s[0] as f32;
            self.bn.dgamma[ch] = s[1] as f32;
        }
        // dz = (γ/σ)·(dy − Σdy/m − x̂_B·Σ(dy·x̂_B)/m), per channel (a, mean dy, mean dy·x̂_B, μ_B, 1/σ_B)
        let coef: Vec<[f32; 5]> = (0..c)
            .map(|ch| {
                let (_, ir) = cache.run[ch];
                let (mb, ib) = cache.batch[ch];
                [
                    (ir * self.bn.gamma[ch] as f64) as f32,
                    (sums[ch][0] / m) as f32,
                    (sums[ch][2] / m) as f32,
                    mb as f32,
                    ib as f32,
                ]
            })
            .collect();
        let mut dz = dy;
        dz.par_chunks_mut(img).enumerate().for_each(|(i, d)| {
            for ch in 0..c {
                let [a, mdy, mdx, mb, ib] = coef[ch];
                let zr = &z[(i * c + ch) * hw..(i * c + ch + 1) * hw];
                for (dv, &zv) in d[ch * hw..(ch + 1) * hw].iter_mut().zip(zr) {
                    *dv = a * (*dv - mdy - (zv - mb) * ib * mdx);
                }
            }
        });
        let dz = ArrayD::from_shape_vec(IxDyn(&[n, c, l.h, l.w]), dz)
            .map_err(|e| QtrainError::Shape(format!("conv backward: {e}")))?;
        let dx = if need_dx {
            Some(self.conv.backward(dz))
        } else {
            self.conv.backward_params(dz);
            None
        };
        let gw = self.conv.grad.as_slice().expect("contiguous");
        for (ci, &pi) in self.perm.iter().enumerate() {
            self.grad[pi] = gw[ci];
        }
        Ok(dx)
    }
}

/// 2×2 max-pool of `(N, C, H, W)` codes; with `train` the first maximal position of each block.
fn pool(codes: &[f32], n: usize, c: usize, h: usize, w: usize, train: bool) -> (Vec<f32>, Vec<u8>) {
    let (ho, wo) = (h / 2, w / 2);
    let mut out = vec![0f32; n * c * ho * wo];
    let mut arg = if train {
        vec![0u8; out.len()]
    } else {
        Vec::new()
    };
    let plane = ho * wo;
    let body = |q0: usize, o: &mut [f32], a: Option<&mut [u8]>| {
        let mut a = a;
        for (j, ov) in o.iter_mut().enumerate() {
            let q = q0 + j;
            let (nc, r) = (q / plane, q % plane);
            let (yo, xo) = (r / wo, r % wo);
            let base = nc * h * w + 2 * yo * w + 2 * xo;
            let v = [
                codes[base],
                codes[base + 1],
                codes[base + w],
                codes[base + w + 1],
            ];
            let mut k = 0;
            for (i, &x) in v.iter().enumerate().skip(1) {
                if x > v[k] {
                    k = i;
                }
            }
            *ov = v[k];
            if let Some(a) = a.as_deref_mut() {
                a[j] = k as u8;
            }
        }
    };
    let chunk = plane.max(1);
    if train {
        out.par_chunks_mut(chunk)
            .zip(arg.par_chunks_mut(chunk))
            .enumerate()
            .for_each(|(i, (o, a))| body(i * chunk, o, Some(a)));
    } else {
        out.par_chunks_mut(chunk)
            .enumerate()
            .for_each(|(i, o)| body(i * chunk, o, None));
    }
    (out, arg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::pack::pack_weights;
    use crate::exact::xnor_conv;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn layer(a_in: u32, pool: bool) -> ConvLayer {
        ConvLayer {
            c_in: 70,
            c_out: 5,
            h: 6,
            w: 4,
            a_in,
            a_out: 2,
            pool,
            sh: 0,
            images: 2,
        }
    }

    #[test]
    fn host_forward_is_the_engines_per_bit_model() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        for (a_in, pool) in [(8, false), (4, true), (1, true)] {
            let l = layer(a_in, pool);
            let signs: Vec<i8> = (0..l.c_out * l.window_bits())
                .map(|_| if rng.gen::<bool>() { 1 } else { -1 })
                .collect();
            let packed = pack_weights(&signs, l.c_out, K, l.c_in).unwrap();
            let imgs: Vec<Vec<u32>> = (0..2)
                .map(|_| {
                    (0..l.h * l.w * l.c_in)
                        .map(|_| rng.gen_range(0..1u32 << a_in))
                        .collect()
                })
                .collect();
            let mut hc = HostConv::new(&l, &signs).unwrap();
            let x = super::super::layout::hwc_batch_to_nchw(&imgs, l.c_in, l.h * l.w);
            let x = ArrayD::from_shape_vec(IxDyn(&[2, l.c_in, l.h, l.w]), x).unwrap();
            let z = hc.accumulators(x, true);
            hc.calibrate(&z, 2);
            let rq = hc.bn.fold(l.a_out).unwrap();
            let mut ll = l.clone();
            ll.sh = rq.sh;
            let out = hc.finish(z, 2, &rq, true);
            let per = out.len() / 2;
            for (i, img) in imgs.iter().enumerate() {
                let want = xnor_conv::conv_layer(&ll, &packed, &rq, img).unwrap();
                let got = super::super::layout::nchw_image_to_hwc(
                    &out[i * per..(i + 1) * per],
                    l.c_out,
                    ll.out_h() * ll.out_w(),
                );
                assert_eq!(got, want, "a_in {a_in} pool {pool} image {i}");
            }
        }
    }
}
