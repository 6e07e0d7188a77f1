//! What an integer training run trains ([`IntegerConfig`]) and the checks a trainer makes of it
//! before it draws a single weight.

use crate::error::{QtrainError, Result};
use crate::exact::geometry::ConvLayer;
use crate::exact::update::UpdateMode;
use crate::fixed::Saturation;
use crate::hw::UpdateParams;
use crate::optim::BcLatent;

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
    /// ADAM's learning rate of [`super::IntegerTrainer::step`] (a run's schedule passes its own to
    /// [`super::IntegerTrainer::step_at`]).
    pub lr: f32,
    /// BC only: the buffer starts at `±latent_init` (the sign a fair coin), in `w_format`.
    pub latent_init: f64,
    /// BC only: the original code's uniform start and Glorot step scale (`optim::BcLatent`).
    pub bc_latent: BcLatent,
    /// Seed of everything.
    pub seed: u64,
}

impl IntegerConfig {
    /// Check the configuration; the raw `w_format` magnitude every stored weight starts at
    /// (R/SR: 1.0, BC: `latent_init`).
    pub fn validate(&self) -> Result<i64> {
        self.update.validate()?;
        if self.convs.is_empty() || self.classes < 2 || self.fc_hidden == 0 {
            return Err(QtrainError::Shape(
                "integer training needs conv layers, ≥ 2 classes and a hidden width".into(),
            ));
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return Err(QtrainError::Numeric(format!(
                "learning rate {} must be a positive number",
                self.lr
            )));
        }
        let wf = self.update.w_format;
        let one = wf
            .one_raw()
            .ok_or_else(|| QtrainError::Numeric(format!("{wf} cannot hold 1.0")))?;
        let mut sat = Saturation::new();
        let latent = match self.mode {
            UpdateMode::Bc => wf.from_f64(self.latent_init, &mut sat)?,
            _ => one,
        };
        if latent <= 0 || sat.count > 0 {
            return Err(QtrainError::Config {
                field: "latent-init".into(),
                msg: format!(
                    "{} is not a positive value of the buffer format {wf}",
                    self.latent_init
                ),
            });
        }
        for (i, l) in self.convs.iter().enumerate().skip(1) {
            let prev = &self.convs[i - 1];
            if l.c_in != prev.c_out || l.h != prev.out_h() || l.w != prev.out_w() {
                return Err(QtrainError::Shape(format!(
                    "conv layer {} does not take layer {}'s output",
                    i + 1,
                    i
                )));
            }
        }
        Ok(latent)
    }
}
