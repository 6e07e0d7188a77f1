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
//!    command also reseeds lane `l` to `lane_state(`[`super::lane_seed`]`(seed), l)`, after which the LFSRs
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
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::accelerator::{Accelerator, GoldenAccelerator};
use super::config::IntegerConfig;
use super::conv_bn::out_scale;
#[cfg(doc)]
use super::conv_bn::HostConv;
use super::conv_state::ConvState;
use super::head::Head;
use super::record::StepRecord;
use crate::error::{QtrainError, Result};
use crate::exact::update::UpdateUnitModel;
use crate::layers::softmax_cross_entropy;

/// The training state of the integer path.
pub struct IntegerTrainer {
    pub(super) cfg: IntegerConfig,
    pub(super) convs: Vec<ConvState>,
    pub(super) head: Head,
    pub(super) unit: UpdateUnitModel,
    pub(super) t: u64,
}

impl IntegerTrainer {
    /// Seeded initial state; every layer's BN statistics are calibrated on `calib` (a batch of
    /// first-layer inputs, `(N, C, H, W)` codes: raw pixels for CIFAR).
    pub fn new(cfg: IntegerConfig, calib: &[f32]) -> Result<Self> {
        let latent = cfg.validate()?;
        let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
        let mut lat_rng =
            crate::train::input::stream(cfg.seed, 0, crate::train::input::Purpose::Latent);
        let convs = cfg
            .convs
            .iter()
            .map(|l| ConvState::init(l, &cfg, latent, &mut rng, &mut lat_rng))
            .collect::<Result<Vec<_>>>()?;
        let last = &cfg.convs[cfg.convs.len() - 1];
        let fin = last.out_h() * last.out_w() * last.c_out;
        let head = Head::new(fin, cfg.fc_hidden, cfg.classes, &mut rng);
        let mut t = Self {
            unit: UpdateUnitModel::new(&cfg.update)?,
            cfg,
            convs,
            head,
            t: 0,
        };
        t.calibrate(calib)?;
        Ok(t)
    }

    /// Every layer's running BN statistics set to those of its accumulators on `calib`.
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
        let logits = self.head.forward(flat, n, false)?;
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
        let logits = self.head.forward(flat, nb, true)?;
        let (loss, dlogits, errors) = softmax_cross_entropy(&logits, labels);
        if !loss.is_finite() {
            return Err(QtrainError::Numeric(format!("step {step}: loss is {loss}")).into());
        }
        rec.loss = loss;
        rec.errors = errors;
        self.backward(dlogits)?;
        self.t = step;
        self.update(dev, &mut rec, lr)?;
        self.head.step(step, lr);
        Ok(rec)
    }

    /// The backward pass from dL/d(logits): the head's, then every conv layer's (straight-through,
    /// [`HostConv::backward`]), from the last to the first; the gradients stay in the layers.
    fn backward(&mut self, dlogits: ArrayD<f32>) -> Result<()> {
        let d = self.head.backward(dlogits);
        let s = out_scale(self.convs[self.convs.len() - 1].host.layer.a_out) as f32;
        let mut g: Vec<f32> = d.iter().map(|&v| v * s).collect();
        for li in (0..self.convs.len()).rev() {
            if let Some(dx) = self.convs[li].host.backward(&g, li > 0)? {
                g = crate::layers::standard(dx).into_raw_vec_and_offset().0;
            }
        }
        Ok(())
    }
}
