//! Everything that defines a training run, saved in every checkpoint and in summary.json.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::models::NetSpec;
use crate::optim::{BcLatent, Method};
use crate::quant::Grid;
use crate::train::schedule::LrSchedule;
use crate::train::warm_start::WarmStart;
use crate::validate::{self, Origin};

/// A run's configuration (what `qtrain train` flags turn into).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Network (name, width, classes).
    pub net: NetSpec,
    /// Training method.
    pub method: Method,
    /// Weight grid of R/SR/BC (binary by default).
    pub grid: Grid,
    /// BC forward with Qs instead of Qd.
    pub bc_stochastic: bool,
    /// Total epochs E (the schedule depends on it).
    pub epochs: usize,
    /// Mini-batch size.
    pub batch: usize,
    /// Base learning rate.
    pub lr: f64,
    /// Seed of every random choice.
    pub seed: u64,
    /// Use only the first N training images.
    pub train_limit: Option<usize>,
    /// Scale of the initial conv weights / BC buffer.
    pub latent_init: f32,
    /// BC's latent buffer as the original code ran it (uniform start, Glorot step scale); both off
    /// by default (absent in files written before the option).
    #[serde(default, skip_serializing_if = "BcLatent::is_literal")]
    pub bc_latent: BcLatent,
    /// The lr schedule (the paper's unless a probe asks for a constant lr; absent in older files).
    #[serde(default, skip_serializing_if = "LrSchedule::is_paper")]
    pub schedule: LrSchedule,
    /// Start from another run's checkpoint instead of the seeded initialisation (a continuation
    /// probe; `train::warm_start`); none for a fresh start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<WarmStart>,
    /// After each epoch also score the training set (no augmentation, eval-mode BN) for the loss the
    /// weights have reached, not the mean over the epoch's moving weights (off by default: it costs a
    /// forward pass over the training set).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub eval_train: bool,
    /// The data directory (informational; resume does not require the same path).
    pub data: String,
}

/// Largest base learning rate and `latent_init` accepted (anything above diverges at once).
pub const MAX_LR: f64 = 1e3;

/// Check a run's epochs and mini-batch size (`f` names a field as `TrainConfig::validate` does):
/// the one bound of both for the float and the integer path's configurations.
pub fn validate_epochs_batch(
    origin: &Origin,
    f: &dyn Fn(&str, &str) -> String,
    epochs: usize,
    batch: usize,
) -> Result<()> {
    validate::count(
        origin,
        &f("epochs", "--epochs"),
        epochs,
        1..=validate::MAX_EPOCHS,
    )?;
    validate::count(
        origin,
        &f("batch", "--batch"),
        batch,
        super::run::MIN_BATCH..=validate::MAX_BATCH,
    )?;
    Ok(())
}

impl TrainConfig {
    /// Check every field against [`crate::validate`]'s bounds, wherever the config came from: the
    /// flags (`Origin::Flag`, fields named as flags) or a checkpoint header (`prefix` `config.`).
    pub fn validate(&self, origin: &Origin, prefix: &str) -> Result<()> {
        let f = |path: &str, flag: &str| origin.field(&format!("{prefix}{path}"), flag);
        self.net.validate(origin, &format!("{prefix}net."))?;
        validate_epochs_batch(origin, &f, self.epochs, self.batch)?;
        validate::positive(origin, &f("lr", "--lr"), self.lr, 0.0, MAX_LR)?;
        validate::positive(
            origin,
            &f("latent_init", "--latent-init"),
            self.latent_init as f64,
            0.0,
            MAX_LR,
        )?;
        if let Some(n) = self.train_limit {
            validate::count(
                origin,
                &f("train_limit", "--train-limit"),
                n,
                super::run::MIN_BATCH..=usize::MAX,
            )?;
        }
        if let Grid::Uniform { delta, lo, hi } = self.grid {
            Grid::uniform(delta, lo, hi).map_err(|e| {
                origin.invalid(
                    f("grid", "--grid-step"),
                    format!("{{delta {delta}, lo {lo}, hi {hi}}}"),
                    e.to_string(),
                )
            })?;
        }
        Ok(())
    }
}

/// One line of metrics.csv.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    /// 1-based epoch.
    pub epoch: usize,
    /// Learning rate used.
    pub lr: f64,
    /// Mean training loss over the epoch's batches.
    pub train_loss: f64,
    /// Training error % (on augmented images, train-mode BN, during the epoch).
    pub train_error: f64,
    /// Test error % (eval-mode BN, quantized weights).
    pub test_error: f64,
    /// With `eval_train`: loss and error % on the training set after the epoch (no augmentation,
    /// eval-mode BN, the forward weights), the loss the weights have reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train_eval: Option<(f64, f64)>,
    /// Wall-clock seconds of the epoch (training + evaluation).
    pub seconds: f64,
    /// Training images per second.
    pub images_per_second: f64,
}

/// summary.json.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Summary {
    /// The run's configuration.
    pub config: TrainConfig,
    /// Epochs finished.
    pub epochs_done: usize,
    /// Whether all epochs are done.
    pub complete: bool,
    /// Test error % after the last finished epoch.
    pub final_test_error: f64,
    /// Lowest test error % seen.
    pub best_test_error: f64,
    /// Epoch (1-based) of the best test error.
    pub best_epoch: usize,
    /// Training images per epoch.
    pub train_images: usize,
    /// Test images.
    pub test_images: usize,
    /// Total seconds over all epochs (including those before a resume).
    pub seconds: f64,
}
