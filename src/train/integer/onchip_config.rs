//! What defines an on-chip training run (`sim train`): [`OnchipConfig`], saved in every checkpoint
//! and in summary.json, its validation (flags or checkpoint fields), and the trainer's configuration
//! it gives.

use serde::{Deserialize, Serialize};

use super::IntegerConfig;
use crate::error::Result;
use crate::exact::update::UpdateMode;
use crate::hw::UpdateParams;
use crate::optim::BcLatent;
use crate::train::run::MIN_BATCH;
use crate::validate::{self, Origin};

/// Everything that defines a run (saved in every checkpoint and in summary.json).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OnchipConfig {
    /// vgg-bc width multiplier.
    pub width: f64,
    /// Activation bits between conv layers (A).
    pub act_bits: u32,
    /// "r", "sr" or "bc".
    pub method: String,
    /// The update unit (lanes, `w_format` of the stored weights / BC buffer, `u_format` of the step).
    pub update: UpdateParams,
    /// Total epochs E (the schedule depends on it).
    pub epochs: usize,
    /// Mini-batch size.
    pub batch: usize,
    /// Base learning rate (ADAM; TRAIN_SPEC's schedule ÷10 at round(82·E/160) and round(122·E/160)).
    pub lr: f64,
    /// Seed of every random choice.
    pub seed: u64,
    /// Use only the first N training images.
    pub train_limit: Option<usize>,
    /// BC: the buffer's initial magnitude (`±latent_init`, sign a fair coin).
    pub latent_init: f64,
    /// BC: the original code's uniform start and Glorot step scale (both off by default).
    #[serde(default, skip_serializing_if = "BcLatent::is_literal")]
    pub bc_latent: BcLatent,
    /// The data directory (informational; resume does not require the same path).
    pub data: String,
}

/// Parse a method name of the command line / a checkpoint.
pub fn parse_method(s: &str) -> Option<UpdateMode> {
    match s {
        "r" => Some(UpdateMode::R),
        "sr" => Some(UpdateMode::Sr),
        "bc" => Some(UpdateMode::Bc),
        _ => None,
    }
}

/// Bits of the activations the engine accepts between layers.
pub const ACT_BITS: std::ops::RangeInclusive<usize> = 1..=8;

impl OnchipConfig {
    /// Check every field (named as a flag for `Origin::Flag`, as `config.FIELD` in a checkpoint).
    pub fn validate(&self, origin: &Origin, prefix: &str) -> Result<()> {
        let f = |path: &str, flag: &str| origin.field(&format!("{prefix}{path}"), flag);
        if parse_method(&self.method).is_none() {
            return Err(origin.invalid(f("method", "--method"), &self.method, "r, sr or bc"));
        }
        self.update.validate_at(origin)?;
        validate::positive(origin, &f("width", "--width"), self.width, 0.0, 4.0)?;
        validate::count(
            origin,
            &f("act_bits", "--act-bits"),
            self.act_bits as usize,
            ACT_BITS,
        )?;
        crate::train::config::validate_epochs_batch(origin, &f, self.epochs, self.batch)?;
        validate::positive(origin, &f("lr", "--lr"), self.lr, 0.0, 1.0)?;
        validate::positive(
            origin,
            &f("latent_init", "--latent-init"),
            self.latent_init,
            0.0,
            self.update
                .w_format
                .to_f64((1i64 << (self.update.w_format.total_bits - 1)) - 1),
        )?;
        if let Some(n) = self.train_limit {
            validate::count(
                origin,
                &f("train_limit", "--train-limit"),
                n,
                MIN_BATCH..=usize::MAX,
            )?;
        }
        Ok(())
    }

    /// The trainer's configuration for `classes` classes.
    pub fn integer(&self, classes: usize) -> IntegerConfig {
        IntegerConfig {
            convs: crate::models::vgg_bc::engine_convs(self.width, self.act_bits),
            mode: parse_method(&self.method).unwrap_or(UpdateMode::Sr),
            update: self.update.clone(),
            fc_hidden: crate::models::width_channels(crate::models::vgg_bc::HIDDEN, self.width),
            classes,
            lr: self.lr as f32,
            latent_init: self.latent_init,
            bc_latent: self.bc_latent,
            seed: self.seed,
        }
    }
}
