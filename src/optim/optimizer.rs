//! The optimizer state of a whole network and one training step (TRAIN_SPEC):
//! * every parameter gets the base step `u` (ADAM moments or SGD);
//! * unquantized parameters (linear, bias, BN) always do `w ← w − u`;
//! * quantized weights (conv kernels, the binary MLP's hidden linears) follow the method: full precision `w ← w − u`; R `w_b ← Qd(w_b − u)`;
//!   SR `w_b ← Qs(w_b − u)`; BC `w_r ← clip(w_r − u)` then the forward weight `← Qd(w_r)` (or `Qs`).
//!
//! For BC the gradient the network computed is w.r.t. the quantized forward weight and is applied to
//! `w_r` unchanged (straight-through). SR's random draws come from one ChaCha8 stream that the training
//! loop reseeds from (seed, epoch), consumed in parameter order, element order — reproducible.

use ndarray::ArrayD;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{Adam, Base, BcLatent, Method, Quant};
use crate::layers::Param;
use crate::quant::Grid;

/// Optimizer + method state for a list of parameters (in the network's fixed order).
pub struct Optimizer {
    /// The method.
    pub method: Method,
    /// The weight grid of R/SR/BC.
    pub grid: Grid,
    /// BC forward weights with `Qs` instead of `Qd` (off by default, as in the paper).
    pub bc_stochastic: bool,
    /// Steps taken (ADAM's bias-correction counter).
    pub t: u64,
    /// ADAM moments per parameter (empty for SGD).
    pub adam: Vec<Adam>,
    /// BC's full-precision buffers `w_r`, one per conv weight (`None` for other parameters).
    pub latent: Vec<Option<Vec<f32>>>,
    /// Per parameter: the scale of BC's latent step (1 unless [`BcLatent::glorot_lr`]).
    pub lr_scale: Vec<f32>,
    rng: ChaCha8Rng,
    u: Vec<f32>,
}

impl Optimizer {
    /// Set up the state and put the conv weights at their starting point. The network arrives with
    /// seeded ±1 signs `s` in its conv weights; then: full precision `w = s·latent_init`; BC
    /// `w_r = s·latent_init`, forward `Qd(w_r)`; R/SR `w_b = Qd(s·latent_init)` (= s on the binary grid).
    pub fn new(method: Method, grid: Grid, latent_init: f32, params: Vec<Param<'_, f32>>) -> Self {
        let mut adam = Vec::new();
        let mut latent = Vec::new();
        let mut lr_scale = Vec::new();
        for p in params {
            lr_scale.push(1.0);
            if method.base == Base::Adam {
                adam.push(Adam::new(p.value.len()));
            }
            if !p.kind.is_quantized() {
                latent.push(None);
                continue;
            }
            p.value.mapv_inplace(|s| s * latent_init);
            match method.quant {
                Quant::Full => latent.push(None),
                Quant::R | Quant::Sr => {
                    p.value.mapv_inplace(|w| grid.qd(w));
                    latent.push(None);
                }
                Quant::Bc => {
                    let wr: Vec<f32> = p.value.iter().copied().collect();
                    p.value.mapv_inplace(|w| grid.qd(w));
                    latent.push(Some(wr));
                }
            }
        }
        Self {
            method,
            grid,
            bc_stochastic: false,
            t: 0,
            adam,
            latent,
            lr_scale,
            rng: ChaCha8Rng::seed_from_u64(0),
            u: Vec::new(),
        }
    }

    /// Apply BC's latent options (`bc_latent`) to a fresh optimizer: with `uniform`, every buffer
    /// value keeps its sign and takes a magnitude `latent_init·(1 − r)` (r uniform from `rng`, in
    /// parameter order, element order); with `glorot_lr`, each conv weight's latent step scale is
    /// `1/H_Glorot` of its shape `(C_out, C_in, k, k)`. No-op for methods other than BC.
    pub fn apply_bc_latent(
        &mut self,
        bc: BcLatent,
        latent_init: f32,
        params: Vec<Param<'_, f32>>,
        rng: &mut ChaCha8Rng,
    ) {
        if self.method.quant != Quant::Bc {
            return;
        }
        for (i, p) in params.into_iter().enumerate() {
            let Some(wr) = self.latent[i].as_mut() else {
                continue;
            };
            if bc.uniform {
                for r in wr.iter_mut() {
                    let m = bc.magnitude(latent_init as f64, rng.gen::<f64>()) as f32;
                    *r = if *r >= 0.0 { m } else { -m };
                }
            }
            let sh = p.value.shape();
            match sh.len() {
                4 => self.lr_scale[i] = bc.lr_scale(sh[1], sh[0], sh[2]),
                // a quantized linear (out, in): the fans of a 1×1 "kernel"
                2 => self.lr_scale[i] = bc.lr_scale(sh[1], sh[0], 1),
                _ => {}
            }
        }
    }

    /// Replace the random stream used by SR (and BC with `Qs`).
    pub fn reseed(&mut self, rng: ChaCha8Rng) {
        self.rng = rng;
    }

    /// One step with learning rate `lr` on `params` (same order as at construction), using their
    /// gradients.
    pub fn step(&mut self, params: Vec<Param<'_, f32>>, lr: f32) {
        self.t += 1;
        for (i, p) in params.into_iter().enumerate() {
            let n = p.value.len();
            self.u.resize(n, 0.0);
            let g = p.grad.as_standard_layout();
            let g = g.as_slice().expect("contiguous");
            match self.method.base {
                Base::Sgd => super::sgd_step(g, lr, &mut self.u),
                Base::Adam => self.adam[i].step(g, self.t, lr, &mut self.u),
            }
            let w = p.value.as_slice_mut().expect("parameters are contiguous");
            let u = &self.u;
            let quant = if p.kind.is_quantized() {
                self.method.quant
            } else {
                Quant::Full
            };
            match quant {
                Quant::Full => w.iter_mut().zip(u).for_each(|(w, u)| *w -= u),
                Quant::R => w
                    .iter_mut()
                    .zip(u)
                    .for_each(|(w, u)| *w = self.grid.qd(*w - u)),
                Quant::Sr => {
                    for (w, u) in w.iter_mut().zip(u) {
                        *w = self.grid.qs_with(*w - u, self.rng.gen::<f32>());
                    }
                }
                Quant::Bc => {
                    let wr = self.latent[i]
                        .as_mut()
                        .expect("BC keeps a buffer per conv weight");
                    let scale = self.lr_scale[i];
                    for ((w, r), u) in w.iter_mut().zip(wr.iter_mut()).zip(u) {
                        *r = self.grid.clip(*r - scale * u);
                        *w = if self.bc_stochastic {
                            self.grid.qs_with(*r, self.rng.gen::<f32>())
                        } else {
                            self.grid.qd(*r)
                        };
                    }
                }
            }
        }
    }

    /// The state tensors to checkpoint: `(name, data)` — the step count is separate ([`Self::t`]).
    pub fn state(&self) -> Vec<(String, &[f32])> {
        let mut out: Vec<(String, &[f32])> = Vec::new();
        for (i, a) in self.adam.iter().enumerate() {
            out.push((format!("adam.m.{i}"), &a.m));
            out.push((format!("adam.v.{i}"), &a.v));
        }
        for (i, l) in self.latent.iter().enumerate() {
            if let Some(l) = l {
                out.push((format!("latent.{i}"), l));
            }
        }
        out
    }

    /// Mutable access to the same tensors as [`Self::state`], same names and order (for loading).
    pub fn state_mut(&mut self) -> Vec<(String, &mut Vec<f32>)> {
        let mut out: Vec<(String, &mut Vec<f32>)> = Vec::new();
        for (i, a) in self.adam.iter_mut().enumerate() {
            out.push((format!("adam.m.{i}"), &mut a.m));
            out.push((format!("adam.v.{i}"), &mut a.v));
        }
        for (i, l) in self.latent.iter_mut().enumerate() {
            if let Some(l) = l {
                out.push((format!("latent.{i}"), l));
            }
        }
        out
    }

    /// BC's full-precision buffer of parameter `i` as an array shaped like `like`, if it has one.
    pub fn latent_array(&self, i: usize, like: &ArrayD<f32>) -> Option<ArrayD<f32>> {
        self.latent.get(i)?.as_ref().map(|l| {
            ArrayD::from_shape_vec(like.raw_dim(), l.clone()).expect("latent matches its parameter")
        })
    }
}
