//! The integer training step ([`IntegerTrainer::step`]): forward on the engine's arithmetic, backward
//! and ADAM on the host, the weight update on the update unit's arithmetic — optionally checked, job
//! by job, against a (simulated) accelerator.
//!
//! 1. **Forward** ([`HostConv`]): every conv layer's exact accumulators, requantise + ReLU with the
//!    `(M, B, sh)` folded from the learned BN this step, optional 2×2 max-pool. The last conv layer's
//!    codes times the output scale (BN units, clip 3) feed the host's head, TRAIN_SPEC's: Linear (no
//!    bias) → BatchNorm1d → ReLU, twice, then Linear with bias; mean softmax cross-entropy.
//! 2. **Backward on the host, in f32**, straight-through as [`HostConv`] says; the gradient w.r.t. the
//!    ±1 forward weight is the gradient of the stored weight (R/SR: the weight, BC: the buffer `w_r`).
//! 3. **ADAM** gives each conv weight a step `u`, quantised to the update unit's `u_format` (nearest,
//!    ties away from zero, saturated and counted); γ, β and the head take their ADAM step in float.
//! 4. **Update** ([`UpdateUnitModel`]): per conv layer one 2-word command (mode R/SR/BC, binary grid,
//!    sign packing with the filter length `9·C_in`, saturation counter cleared; the run's very first
//!    command also reseeds lane `l` to `lane_state(`[`lane_seed`]`(seed), l)`, after which the LFSRs
//!    run on across layers and steps), then the layer's `(w, u)` stream filter by filter, each filter
//!    padded to whole beats (padding lanes `w = +1, u = 0`, dropped). Back come the new stored weights
//!    and the packed signs that are the next forward pass's weights.
//!
//! With a checked accelerator ([`Accelerator`]: a simulated top, or the per-bit golden model) every
//! conv job and every update job is also sent to it and its answer compared value for value with the
//! golden one; the first difference is a [`QtrainError::Mismatch`] naming step, layer and value.
//! Without one, the golden path above is the transaction-level model: nothing is computed twice.
//!
//! Everything is deterministic from `IntegerConfig::seed`: the ±1 initial signs and the head's
//! initialisation come from a ChaCha8 stream of the seed, SR's draws from the lanes' LFSRs.

use ndarray::{ArrayD, IxDyn};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::accelerator::{Accelerator, GoldenAccelerator};
use super::conv_bn::{out_scale, HostConv};
use super::layout::nchw_image_to_hwc;
use crate::error::{QtrainError, Result};
use crate::exact::geometry::{ConvLayer, K};
use crate::exact::pack::{pack_weights, words_per_filter};
use crate::exact::update::{
    pad_filters, unpad_filters, UpdateCommand, UpdateGrid, UpdateMode, UpdateUnitModel,
};
use crate::fixed::Saturation;
use crate::hw::UpdateParams;
use crate::layers::{softmax_cross_entropy, BatchNorm, Layer, Linear, Relu};
use crate::optim::{Adam, BcLatent};

/// What to train.
#[derive(Clone, Debug)]
pub struct IntegerConfig {
    /// The conv layers in order (3×3, stride 1, binary weights; each one's output is the next one's
    /// input; `images` and `sh` are set per step).
    pub convs: Vec<ConvLayer>,
    /// R, SR or BC.
    pub mode: UpdateMode,
    /// The update unit (lanes, `w_format`, `u_format`, SR bits, LFSR).
    pub update: UpdateParams,
    /// Hidden width of the two hidden linear layers.
    pub fc_hidden: usize,
    /// Classes.
    pub classes: usize,
    /// ADAM's learning rate of [`IntegerTrainer::step`] (a run's schedule passes its own to
    /// [`IntegerTrainer::step_at`]).
    pub lr: f32,
    /// BC only: the buffer starts at `±latent_init` (the sign a fair coin), in `w_format`.
    pub latent_init: f64,
    /// BC only: the original code's uniform start and Glorot step scale (`optim::BcLatent`).
    pub bc_latent: BcLatent,
    /// Seed of everything.
    pub seed: u64,
}

/// One conv layer's trained state.
pub struct ConvState {
    /// The host's view: exact forward, learned BN, backward.
    pub host: HostConv,
    /// Stored weights, raw `w_format`, filter by filter in pack order (`(ky·3+kx)·C_in + c`):
    /// R/SR the binary weights (±1), BC the buffer `w_r`.
    pub w: Vec<i64>,
    /// The forward weights, packed for the conv engine (what the update unit's packer returned).
    pub packed: Vec<u64>,
    /// ADAM moments of the conv weights.
    pub adam: Adam,
}

impl ConvState {
    /// The layer's shape (`sh` of the last fold).
    pub fn layer(&self) -> &ConvLayer {
        &self.host.layer
    }
}

/// Figures of one training step.
#[derive(Clone, Debug, Default)]
pub struct StepRecord {
    /// Step number (1-based).
    pub step: u64,
    /// Mean cross-entropy of the batch (before the update).
    pub loss: f64,
    /// Misclassified images of the batch.
    pub errors: usize,
    /// Forward weights whose sign changed in this step's update, all layers.
    pub flipped: u64,
    /// Stored weights (R/SR: the weights, BC: the buffer `w_r`) whose value changed, all layers.
    pub changed: u64,
    /// ADAM steps `u` that saturated when quantised to `u_format`.
    pub u_saturations: u64,
    /// The update unit's saturation count (`w − u` clipped to the grid's range), all layers.
    pub clip_saturations: u64,
    /// Cycles of the checked accelerator's forward conv jobs (0 without one, or without a clock).
    pub conv_cycles: u64,
    /// Cycles of the checked accelerator's update jobs.
    pub update_cycles: u64,
    /// Conv output values compared with a checked accelerator.
    pub outputs_compared: u64,
    /// Stored weights + sign words compared with a checked accelerator.
    pub weights_compared: u64,
}

/// The seed the update unit's lanes are seeded from (once, by the run's first update command):
/// SplitMix64 of the run's seed, so lane seeds differ from the weight-initialisation stream.
pub fn lane_seed(seed: u64) -> u64 {
    crate::splitmix::SplitMix64::new(seed).next_u64()
}

/// Quantise ADAM's steps to `p.u_format` (nearest, ties away from zero, saturated; NaN is an error),
/// counting saturations in `sat`.
pub fn quantise_steps(p: &UpdateParams, u: &[f32], sat: &mut Saturation) -> Result<Vec<i64>> {
    u.iter().map(|&x| p.u_format.from_f32(x, sat)).collect()
}

/// The training state of the integer path.
pub struct IntegerTrainer {
    cfg: IntegerConfig,
    convs: Vec<ConvState>,
    head: Vec<Box<dyn Layer<f32>>>,
    head_adam: Vec<Adam>,
    unit: UpdateUnitModel,
    t: u64,
}

fn first_diff<T: PartialEq + Copy>(a: &[T], b: &[T]) -> Option<(usize, T, T)> {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .map(|i| (i, a[i], b[i]))
}

impl IntegerTrainer {
    /// Seeded initial state; every layer's BN statistics are calibrated on `calib` (a batch of
    /// first-layer inputs, `(N, C, H, W)` codes: raw pixels for CIFAR).
    pub fn new(cfg: IntegerConfig, calib: &[f32]) -> Result<Self> {
        cfg.update.validate()?;
        if cfg.convs.is_empty() || cfg.classes < 2 || cfg.fc_hidden == 0 {
            return Err(QtrainError::Shape(
                "integer training needs conv layers, ≥ 2 classes and a hidden width".into(),
            ));
        }
        if !(cfg.lr.is_finite() && cfg.lr > 0.0) {
            return Err(QtrainError::Numeric(format!(
                "learning rate {} must be a positive number",
                cfg.lr
            )));
        }
        let wf = cfg.update.w_format;
        let one = wf
            .one_raw()
            .ok_or_else(|| QtrainError::Numeric(format!("{wf} cannot hold 1.0")))?;
        let mut sat = Saturation::new();
        let latent = match cfg.mode {
            UpdateMode::Bc => wf.from_f64(cfg.latent_init, &mut sat)?,
            _ => one,
        };
        if latent <= 0 || sat.count > 0 {
            return Err(QtrainError::Config {
                field: "latent-init".into(),
                msg: format!(
                    "{} is not a positive value of the buffer format {wf}",
                    cfg.latent_init
                ),
            });
        }
        for (i, l) in cfg.convs.iter().enumerate().skip(1) {
            let prev = &cfg.convs[i - 1];
            if l.c_in != prev.c_out || l.h != prev.out_h() || l.w != prev.out_w() {
                return Err(QtrainError::Shape(format!(
                    "conv layer {} does not take layer {}'s output",
                    i + 1,
                    i
                )));
            }
        }
        let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
        let mut lat_rng =
            crate::train::input::stream(cfg.seed, 0, crate::train::input::Purpose::Latent);
        let uniform = cfg.mode == UpdateMode::Bc && cfg.bc_latent.uniform;
        let mut convs = Vec::with_capacity(cfg.convs.len());
        for l in &cfg.convs {
            let n = l.c_out * l.window_bits();
            let signs: Vec<i8> = (0..n)
                .map(|_| if rng.gen::<bool>() { 1 } else { -1 })
                .collect();
            let mut w: Vec<i64> = signs.iter().map(|&s| s as i64 * latent).collect();
            if uniform {
                for v in w.iter_mut() {
                    let m = cfg
                        .bc_latent
                        .magnitude(cfg.latent_init, lat_rng.gen::<f64>());
                    let raw = wf.from_f64(m, &mut sat)?.max(1);
                    *v = if *v >= 0 { raw } else { -raw };
                }
            }
            convs.push(ConvState {
                host: HostConv::new(l, &signs)?,
                w,
                packed: pack_weights(&signs, l.c_out, K, l.c_in)?,
                adam: Adam::new(n),
            });
        }
        let last = &cfg.convs[cfg.convs.len() - 1];
        let fin = last.out_h() * last.out_w() * last.c_out;
        let mut head: Vec<Box<dyn Layer<f32>>> = Vec::new();
        let mut head_adam = Vec::new();
        let mut f = fin;
        for j in 0..3 {
            let (fo, bias) = if j < 2 {
                (cfg.fc_hidden, false)
            } else {
                (cfg.classes, true)
            };
            let mut lin = Linear::<f32>::new(f, fo, bias);
            let bound = 1.0 / (f as f32).sqrt();
            lin.weight.mapv_inplace(|_| rng.gen_range(-bound..bound));
            head_adam.push(Adam::new(f * fo));
            if let Some((b, _)) = lin.bias.as_mut() {
                b.mapv_inplace(|_| rng.gen_range(-bound..bound));
                head_adam.push(Adam::new(fo));
            }
            head.push(Box::new(lin));
            if j < 2 {
                head.push(Box::new(BatchNorm::<f32>::new(fo)));
                head_adam.push(Adam::new(fo));
                head_adam.push(Adam::new(fo));
                head.push(Box::new(Relu::<f32>::new()));
            }
            f = fo;
        }
        let mut t = Self {
            unit: UpdateUnitModel::new(&cfg.update)?,
            cfg,
            convs,
            head,
            head_adam,
            t: 0,
        };
        t.calibrate(calib)?;
        Ok(t)
    }

    /// The first layer's input of `n` images from `x` (`(N, C, H, W)` codes).
    fn input(&self, x: &[f32]) -> Result<(ArrayD<f32>, usize)> {
        let l = &self.cfg.convs[0];
        let img = l.c_in * l.h * l.w;
        if x.is_empty() || x.len() % img != 0 {
            return Err(QtrainError::Shape(format!(
                "{} input values are not whole {}×{}×{} images",
                x.len(),
                l.c_in,
                l.h,
                l.w
            )));
        }
        let n = x.len() / img;
        let a = ArrayD::from_shape_vec(IxDyn(&[n, l.c_in, l.h, l.w]), x.to_vec())
            .map_err(|e| QtrainError::Shape(e.to_string()))?;
        Ok((a, n))
    }

    fn calibrate(&mut self, calib: &[f32]) -> Result<()> {
        let (mut x, n) = self.input(calib)?;
        for cs in &mut self.convs {
            let z = cs.host.accumulators(x, false);
            cs.host.calibrate(&z, n);
            let rq = cs.host.bn.fold(cs.host.layer.a_out)?;
            let out = cs.host.finish(z, n, &rq, false);
            let l = &cs.host.layer;
            x = ArrayD::from_shape_vec(IxDyn(&[n, l.c_out, l.out_h(), l.out_w()]), out)
                .map_err(|e| QtrainError::Shape(e.to_string()))?;
        }
        Ok(())
    }

    /// The conv layers' state.
    pub fn convs(&self) -> &[ConvState] {
        &self.convs
    }

    /// The configuration.
    pub fn config(&self) -> &IntegerConfig {
        &self.cfg
    }

    /// Steps taken.
    pub fn steps_taken(&self) -> u64 {
        self.t
    }

    /// The update unit's lane LFSR states (part of a checkpoint).
    pub fn lane_states(&self) -> Vec<u64> {
        self.unit.lane_states()
    }

    /// Every tensor of the state, named, in checkpoint order. Stored weights are raw `w_format`
    /// integers (≤ 24 bits, exact in f32); the packed signs are derived from them on restore.
    pub fn tensors(&mut self) -> Vec<(String, Vec<f32>)> {
        let mut out = Vec::new();
        for (i, cs) in self.convs.iter().enumerate() {
            let p = format!("conv{}.", i + 1);
            let bn = &cs.host.bn;
            out.push((format!("{p}w"), cs.w.iter().map(|&v| v as f32).collect()));
            for (n, v) in [
                ("adam.m", &cs.adam.m),
                ("adam.v", &cs.adam.v),
                ("bn.gamma", &bn.gamma),
                ("bn.beta", &bn.beta),
                ("bn.mean", &bn.mean),
                ("bn.var", &bn.var),
                ("bn.adam_gamma.m", &bn.adam_gamma.m),
                ("bn.adam_gamma.v", &bn.adam_gamma.v),
                ("bn.adam_beta.m", &bn.adam_beta.m),
                ("bn.adam_beta.v", &bn.adam_beta.v),
            ] {
                out.push((format!("{p}{n}"), v.clone()));
            }
        }
        for (j, layer) in self.head.iter_mut().enumerate() {
            let mut ps = Vec::new();
            layer.params(&format!("head{j}."), &mut ps);
            for prm in ps {
                out.push((prm.name, prm.value.iter().copied().collect()));
            }
            let mut bs = Vec::new();
            layer.buffers(&format!("head{j}."), &mut bs);
            for b in bs {
                out.push((b.name, b.value.iter().copied().collect()));
            }
        }
        for (k, a) in self.head_adam.iter().enumerate() {
            out.push((format!("head_adam{k}.m"), a.m.clone()));
            out.push((format!("head_adam{k}.v"), a.v.clone()));
        }
        out
    }

    /// Restore the state [`IntegerTrainer::tensors`] named (every name taken from `map`, sizes
    /// checked), `t` steps taken and the update unit's lane states. Errors name the tensor.
    pub fn restore(
        &mut self,
        map: &mut std::collections::HashMap<String, Vec<f32>>,
        t: u64,
        lanes: &[u64],
    ) -> Result<()> {
        let mut take = |name: String, dst: &mut [f32]| -> Result<()> {
            let v = map
                .remove(&name)
                .ok_or_else(|| QtrainError::Shape(format!("checkpoint lacks tensor {name}")))?;
            if v.len() != dst.len() {
                return Err(QtrainError::Shape(format!(
                    "tensor {name} has {} values, the network needs {}",
                    v.len(),
                    dst.len()
                )));
            }
            dst.copy_from_slice(&v);
            Ok(())
        };
        let wf = self.cfg.update.w_format;
        for (i, cs) in self.convs.iter_mut().enumerate() {
            let p = format!("conv{}.", i + 1);
            let mut w = vec![0f32; cs.w.len()];
            take(format!("{p}w"), &mut w)?;
            if let Some(bad) = w
                .iter()
                .find(|&&v| v.fract() != 0.0 || !wf.contains(v as i64))
            {
                return Err(QtrainError::Shape(format!(
                    "tensor {p}w holds {bad}, not a raw value of {wf}"
                )));
            }
            cs.w = w.iter().map(|&v| v as i64).collect();
            let bn = &mut cs.host.bn;
            for (n, v) in [
                ("adam.m", &mut cs.adam.m),
                ("adam.v", &mut cs.adam.v),
                ("bn.gamma", &mut bn.gamma),
                ("bn.beta", &mut bn.beta),
                ("bn.mean", &mut bn.mean),
                ("bn.var", &mut bn.var),
                ("bn.adam_gamma.m", &mut bn.adam_gamma.m),
                ("bn.adam_gamma.v", &mut bn.adam_gamma.v),
                ("bn.adam_beta.m", &mut bn.adam_beta.m),
                ("bn.adam_beta.v", &mut bn.adam_beta.v),
            ] {
                take(format!("{p}{n}"), v)?;
            }
            let l = cs.host.layer.clone();
            let signs: Vec<i8> = cs.w.iter().map(|&v| if v >= 0 { 1 } else { -1 }).collect();
            cs.packed = pack_weights(&signs, l.c_out, K, l.c_in)?;
            cs.host.set_signs(&signs)?;
        }
        for (j, layer) in self.head.iter_mut().enumerate() {
            let mut ps = Vec::new();
            layer.params(&format!("head{j}."), &mut ps);
            for prm in ps {
                take(prm.name, prm.value.as_slice_mut().expect("contiguous"))?;
            }
            let mut bs = Vec::new();
            layer.buffers(&format!("head{j}."), &mut bs);
            for b in bs {
                take(b.name, b.value.as_slice_mut().expect("contiguous"))?;
            }
        }
        for (k, a) in self.head_adam.iter_mut().enumerate() {
            take(format!("head_adam{k}.m"), &mut a.m)?;
            take(format!("head_adam{k}.v"), &mut a.v)?;
        }
        if let Some(extra) = map.keys().min() {
            return Err(QtrainError::Shape(format!(
                "checkpoint holds tensor {extra}, which this network does not have"
            )));
        }
        self.unit.set_lane_states(lanes)?;
        self.t = t;
        Ok(())
    }

    /// Forward through the conv layers (train mode: caches, running statistics), the batch's
    /// head input, and the check of every layer against `dev`.
    fn forward_convs<A: Accelerator>(
        &mut self,
        mut dev: Option<&mut A>,
        x: &[f32],
        train: bool,
        rec: &mut StepRecord,
    ) -> std::result::Result<(Vec<f32>, usize), A::Error> {
        let (mut x, n) = self.input(x)?;
        let step = self.t + 1;
        for (li, cs) in self.convs.iter_mut().enumerate() {
            let rq = cs.host.bn.fold(cs.host.layer.a_out)?;
            cs.host.layer.sh = rq.sh;
            cs.host.layer.images = n;
            let input = dev.is_some().then(|| x.clone());
            let z = cs.host.accumulators(x, train);
            let out = cs.host.finish(z, n, &rq, train);
            let l = cs.host.layer.clone();
            if let (Some(d), Some(input)) = (dev.as_deref_mut(), input) {
                let xin = input.as_slice().expect("contiguous");
                let (ii, oi) = (l.c_in * l.h * l.w, l.c_out * l.out_h() * l.out_w());
                let acts: Vec<Vec<u32>> = (0..n)
                    .map(|i| nchw_image_to_hwc(&xin[i * ii..(i + 1) * ii], l.c_in, l.h * l.w))
                    .collect();
                let r = d.conv(step, li, &l, &cs.packed, &rq, &acts)?;
                if r.outputs.len() != n {
                    return Err(QtrainError::Mismatch(format!(
                        "step {step}, conv{}: the accelerator returned {} images, expected {n}",
                        li + 1,
                        r.outputs.len()
                    ))
                    .into());
                }
                for (img, hw) in r.outputs.iter().enumerate() {
                    let want = nchw_image_to_hwc(
                        &out[img * oi..(img + 1) * oi],
                        l.c_out,
                        l.out_h() * l.out_w(),
                    );
                    rec.outputs_compared += want.len() as u64;
                    if hw.len() != want.len() {
                        return Err(QtrainError::Mismatch(format!(
                            "step {step}, conv{} image {img}: {} output values, expected {}",
                            li + 1,
                            hw.len(),
                            want.len()
                        ))
                        .into());
                    }
                    if let Some((i, a, b)) = first_diff(hw, &want) {
                        let (px, c) = (i / l.c_out, i % l.c_out);
                        return Err(QtrainError::Mismatch(format!(
                            "step {step}, conv{} forward output, image {img}, y {}, x {}, channel {c}: hardware {a}, golden {b}",
                            li + 1,
                            px / l.out_w(),
                            px % l.out_w()
                        ))
                        .into());
                    }
                }
                rec.conv_cycles += r.cycles;
            }
            x = ArrayD::from_shape_vec(IxDyn(&[n, l.c_out, l.out_h(), l.out_w()]), out)
                .map_err(|e| QtrainError::Shape(e.to_string()))?;
        }
        let s = out_scale(self.convs[self.convs.len() - 1].host.layer.a_out) as f32;
        let flat: Vec<f32> = x.iter().map(|&v| v * s).collect();
        Ok((flat, n))
    }

    fn head_forward(&mut self, flat: Vec<f32>, n: usize, train: bool) -> Result<ArrayD<f32>> {
        let fin = flat.len() / n;
        let mut h = ArrayD::from_shape_vec(IxDyn(&[n, fin]), flat)
            .map_err(|e| QtrainError::Shape(e.to_string()))?;
        for layer in self.head.iter_mut() {
            h = layer.forward(h, train);
        }
        Ok(h)
    }

    /// Misclassified images of a batch `x` (`(N, C, H, W)` codes) with `labels`, through the
    /// conv layers as the engine computes them (BN folded from the running statistics) and the head
    /// in evaluation mode.
    pub fn evaluate(&mut self, x: &[f32], labels: &[u16]) -> Result<usize> {
        let mut rec = StepRecord::default();
        let (flat, n) = self.forward_convs(None::<&mut GoldenAccelerator>, x, false, &mut rec)?;
        if labels.len() != n {
            return Err(QtrainError::Shape(format!(
                "{n} images, {} labels",
                labels.len()
            )));
        }
        let logits = self.head_forward(flat, n, false)?;
        Ok(softmax_cross_entropy(&logits, labels).2)
    }

    /// One training step at the configuration's learning rate, nothing checked.
    pub fn step(&mut self, x: &[f32], labels: &[u16]) -> Result<StepRecord> {
        let lr = self.cfg.lr;
        self.step_at(None::<&mut GoldenAccelerator>, x, labels, lr)
    }

    /// One training step on `x` (`(N, C, H, W)` first-layer codes) with `labels` at learning rate
    /// `lr`; every accelerator job also sent to `dev` and compared when given.
    pub fn step_at<A: Accelerator>(
        &mut self,
        mut dev: Option<&mut A>,
        x: &[f32],
        labels: &[u16],
        lr: f32,
    ) -> std::result::Result<StepRecord, A::Error> {
        let step = self.t + 1;
        let mut rec = StepRecord {
            step,
            ..StepRecord::default()
        };
        let (flat, nb) = self.forward_convs(dev.as_deref_mut(), x, true, &mut rec)?;
        if labels.len() != nb || labels.iter().any(|&y| y as usize >= self.cfg.classes) {
            return Err(QtrainError::Shape(format!(
                "step {step}: {nb} images, {} labels (each < {})",
                labels.len(),
                self.cfg.classes
            ))
            .into());
        }
        let logits = self.head_forward(flat, nb, true)?;
        let (loss, dlogits, errors) = softmax_cross_entropy(&logits, labels);
        if !loss.is_finite() {
            return Err(QtrainError::Numeric(format!("step {step}: loss is {loss}")).into());
        }
        rec.loss = loss;
        rec.errors = errors;
        let mut d = dlogits;
        for layer in self.head.iter_mut().rev() {
            d = layer.backward(d);
        }
        let s = out_scale(self.convs[self.convs.len() - 1].host.layer.a_out) as f32;
        let mut g: Vec<f32> = d.iter().map(|&v| v * s).collect();
        for li in (0..self.convs.len()).rev() {
            if let Some(dx) = self.convs[li].host.backward(&g, li > 0)? {
                g = crate::layers::standard(dx).into_raw_vec_and_offset().0;
            }
        }
        self.t = step;
        self.update(dev, &mut rec, lr)?;
        self.head_step(lr);
        Ok(rec)
    }

    fn head_step(&mut self, lr: f32) {
        let step = self.t;
        let mut k = 0;
        let mut u = Vec::new();
        for layer in self.head.iter_mut() {
            let mut ps = Vec::new();
            layer.params("", &mut ps);
            for prm in ps {
                let g = prm.grad.as_standard_layout().into_owned();
                let g = g.as_slice().expect("standard layout");
                u.resize(g.len(), 0.0);
                self.head_adam[k].step(g, step, lr, &mut u);
                prm.value.iter_mut().zip(&u).for_each(|(w, du)| *w -= du);
                k += 1;
            }
        }
    }

    /// ADAM on the host, the weight update on the update unit (and on `dev`, compared).
    fn update<A: Accelerator>(
        &mut self,
        mut dev: Option<&mut A>,
        rec: &mut StepRecord,
        lr: f32,
    ) -> std::result::Result<(), A::Error> {
        let step = self.t;
        let p = self.cfg.update.clone();
        let one = p.w_format.one_raw().expect("checked in new");
        let mut u_sat = Saturation::new();
        let mut u = Vec::new();
        for li in 0..self.convs.len() {
            let cs = &mut self.convs[li];
            cs.host.bn.step(step, lr);
            let l = cs.host.layer.clone();
            let n = l.window_bits();
            let grad = cs.host.weight_grad();
            u.resize(grad.len(), 0.0);
            cs.adam.step(grad, step, lr, &mut u);
            if self.cfg.mode == UpdateMode::Bc && self.cfg.bc_latent.glorot_lr {
                let scale = self.cfg.bc_latent.lr_scale(l.c_in, l.c_out, K);
                u.iter_mut().for_each(|v| *v *= scale);
            }
            let uq = quantise_steps(&p, &u, &mut u_sat)?;
            let wp = pad_filters(&cs.w, n, p.lanes, one)?;
            let up = pad_filters(&uq, n, p.lanes, 0)?;
            let cmd = UpdateCommand {
                mode: self.cfg.mode,
                grid: UpdateGrid::Binary,
                pack: true,
                filter_bits: n as u32,
                reseed: (step == 1 && li == 0).then(|| lane_seed(self.cfg.seed)),
                clear_saturation: true,
            };
            self.unit
                .command(&UpdateCommand::decode(cmd.encode(&p)?, &p)?)?;
            let beats = self.unit.run(&wp, &up)?;
            let new_w = unpad_filters(
                &beats
                    .iter()
                    .flat_map(|b| b.lanes.iter().map(|o| o.w))
                    .collect::<Vec<_>>(),
                n,
                p.lanes,
            )?;
            let packed: Vec<u64> = beats.iter().filter_map(|b| b.pack).collect();
            let sats = self.unit.saturation().count;
            if packed.len() != l.c_out * words_per_filter(K, l.c_in) {
                return Err(QtrainError::Shape(format!(
                    "step {step}, conv{}: the update unit packed {} sign words, expected {}",
                    li + 1,
                    packed.len(),
                    l.c_out * words_per_filter(K, l.c_in)
                ))
                .into());
            }
            if let Some(d) = dev.as_deref_mut() {
                let r = d.update(step, li, &cmd, &wp, &up)?;
                check_update(&self.cfg, step, li, &l, &r, (&new_w, &packed, sats), rec)?;
                rec.update_cycles += r.cycles;
            }
            rec.changed += cs.w.iter().zip(&new_w).filter(|(a, b)| a != b).count() as u64;
            rec.flipped += cs
                .packed
                .iter()
                .zip(&packed)
                .map(|(a, b)| (a ^ b).count_ones() as u64)
                .sum::<u64>();
            rec.clip_saturations += sats;
            cs.w = new_w;
            cs.packed = packed;
            let signs = crate::exact::pack::unpack_weights(&cs.packed, l.c_out, K, l.c_in)?;
            cs.host.set_signs(&signs)?;
        }
        rec.u_saturations = u_sat.count;
        Ok(())
    }
}

/// Compare a checked accelerator's update answer with the golden one.
fn check_update(
    cfg: &IntegerConfig,
    step: u64,
    li: usize,
    l: &ConvLayer,
    r: &super::accelerator::UpdateRun,
    golden: (&[i64], &[u64], u64),
    rec: &mut StepRecord,
) -> Result<()> {
    let (gw, gp, gs) = golden;
    let p = &cfg.update;
    let n = l.window_bits();
    let hw = unpad_filters(&r.w, n, p.lanes).map_err(|e| {
        QtrainError::Mismatch(format!(
            "step {step}, conv{}: the accelerator's update answer: {e}",
            li + 1
        ))
    })?;
    rec.weights_compared += (gw.len() + gp.len()) as u64;
    let what = if cfg.mode == UpdateMode::Bc {
        "buffer w_r"
    } else {
        "weight"
    };
    if hw.len() != gw.len() {
        return Err(QtrainError::Mismatch(format!(
            "step {step}, conv{}: {} updated weights, expected {}",
            li + 1,
            hw.len(),
            gw.len()
        )));
    }
    if let Some((i, a, b)) = first_diff(&hw, gw) {
        let (f, pos) = (i / n, i % n);
        let (tap, c) = (pos / l.c_in, pos % l.c_in);
        return Err(QtrainError::Mismatch(format!(
            "step {step}, conv{} {what} #{i} (filter {f}, ky {}, kx {}, channel {c}): hardware {a} ({}), golden {b} ({})",
            li + 1,
            tap / K,
            tap % K,
            p.w_format.to_f64(a),
            p.w_format.to_f64(b)
        )));
    }
    if r.packed.len() != gp.len() {
        return Err(QtrainError::Mismatch(format!(
            "step {step}, conv{}: {} packed sign words, expected {}",
            li + 1,
            r.packed.len(),
            gp.len()
        )));
    }
    if let Some((i, a, b)) = first_diff(&r.packed, gp) {
        return Err(QtrainError::Mismatch(format!(
            "step {step}, conv{} packed sign word {i}: hardware {a:#018x}, golden {b:#018x}",
            li + 1
        )));
    }
    if r.saturations != gs {
        return Err(QtrainError::Mismatch(format!(
            "step {step}, conv{} saturation count: hardware {}, golden {gs}",
            li + 1,
            r.saturations
        )));
    }
    Ok(())
}
