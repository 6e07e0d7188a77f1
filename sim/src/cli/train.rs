//! `sim train`: its flags and their validation into a [`TrainConfig`].

use std::path::PathBuf;

use qtrain::fixed::FixedFormat;
use qtrain::hw::HwConfig;
use qtrain::train::integer::run::{OnchipConfig, OnchipOptions};
use qtrain::validate::Origin;

use crate::app::train::TrainConfig;
use crate::devices::rtl::RtlTarget;
use crate::devices::select::{Backend, DeviceConfig};
use crate::devices::shapes::{self, Use};
use crate::error::{usage, SimError};

/// The device the checked steps run on.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckBackend {
    /// The bare rust-hdl conv engine and update unit behind the top's transaction-level definition.
    Rtl,
    /// The exported Verilog top compiled by Verilator.
    Verilator,
    /// The golden top (transaction level; checks the host's framing only).
    Model,
}

/// `sim train` flags.
#[derive(clap::Args, Debug)]
pub struct TrainArgs {
    /// Update rule of the conv weights: r, sr or bc (binary grid, on the update unit).
    #[arg(long)]
    pub method: String,
    /// CIFAR directory (holding cifar-10-batches-bin/ or the .bin files).
    #[arg(long)]
    pub data: PathBuf,
    /// Output directory (metrics.csv, summary.json, checkpoint.bin).
    #[arg(long)]
    pub out: PathBuf,
    /// vgg-bc width multiplier.
    #[arg(long, default_value_t = 0.125)]
    pub width: f64,
    /// Activation bits between conv layers.
    #[arg(long, default_value_t = 4)]
    pub act_bits: u32,
    /// Total epochs E (TRAIN_SPEC's lr schedule scales with it).
    #[arg(long, default_value_t = 5)]
    pub epochs: usize,
    /// Mini-batch size.
    #[arg(long, default_value_t = 128)]
    pub batch: usize,
    /// Base learning rate (ADAM).
    #[arg(long, default_value_t = 0.01)]
    pub lr: f64,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Use only the first N training images.
    #[arg(long)]
    pub train_limit: Option<usize>,
    /// BC: the buffer's initial magnitude (±latent_init, sign a fair coin).
    #[arg(long, default_value_t = 1.0)]
    pub latent_init: f64,
    /// BC: start the buffer uniform in ±latent_init (the original BinaryConnect code).
    #[arg(long)]
    pub bc_uniform_init: bool,
    /// BC: scale each conv layer's latent step by 1/H_Glorot = 1/sqrt(1.5/(9·C_in + 9·C_out)) before
    /// it is quantised to u_format (the original BinaryConnect code).
    #[arg(long)]
    pub bc_glorot_lr: bool,
    /// Bits of the stored weights / BC buffer `w_r` (the update unit's `w_format`, signed; with
    /// --w-frac). Default: the hardware configuration's.
    #[arg(long, requires = "w_frac")]
    pub w_bits: Option<u32>,
    /// Fraction bits of `w_format`.
    #[arg(long, requires = "w_bits")]
    pub w_frac: Option<u32>,
    /// Bits of the step `u` (the update unit's `u_format`, signed; with --u-frac).
    #[arg(long, requires = "u_frac")]
    pub u_bits: Option<u32>,
    /// Fraction bits of `u_format`.
    #[arg(long, requires = "u_bits")]
    pub u_frac: Option<u32>,
    /// Hardware configuration (TOML); the built-in default otherwise.
    #[arg(long)]
    pub hw: Option<PathBuf>,
    /// Steps (from the run's first) whose conv and update jobs also go to --backend, every value
    /// compared with the golden path; 0: none.
    #[arg(long, default_value_t = 1)]
    pub check_steps: u64,
    /// Cycle-accurate device of the checked steps.
    #[arg(long, value_enum, default_value_t = CheckBackend::Rtl)]
    pub backend: CheckBackend,
    /// Continue from OUT/checkpoint.bin (a complete run is left as it is).
    #[arg(long, conflicts_with = "overwrite")]
    pub resume: bool,
    /// Replace a run already in OUT.
    #[arg(long)]
    pub overwrite: bool,
    /// Hide the progress bar and the per-epoch lines.
    #[arg(long)]
    pub quiet: bool,
    /// Stop after this many finished epochs (as if killed; for tests of --resume).
    #[arg(long, hide = true)]
    pub stop_after_epochs: Option<usize>,
}

impl TrainArgs {
    /// The run's configuration from the flags, checked (errors name the flag or the TOML field).
    pub fn validate(&self) -> Result<TrainConfig, SimError> {
        let a = self;
        let hw = match &a.hw {
            Some(p) => HwConfig::load(p)?,
            None => HwConfig::default(),
        };
        let mut update = hw.update.clone();
        if let (Some(b), Some(f)) = (a.w_bits, a.w_frac) {
            update.w_format = FixedFormat::signed(b, f);
        }
        if let (Some(b), Some(f)) = (a.u_bits, a.u_frac) {
            update.u_format = FixedFormat::signed(b, f);
        }
        let cfg = OnchipConfig {
            width: a.width,
            act_bits: a.act_bits,
            method: a.method.to_ascii_lowercase(),
            update,
            epochs: a.epochs,
            batch: a.batch,
            lr: a.lr,
            seed: a.seed,
            train_limit: a.train_limit,
            latent_init: a.latent_init,
            bc_latent: qtrain::optim::BcLatent {
                uniform: a.bc_uniform_init,
                glorot_lr: a.bc_glorot_lr,
            },
            data: a.data.display().to_string(),
        };
        cfg.validate(&Origin::Flag, "")?;
        let mut hw = hw;
        hw.update = cfg.update.clone();
        for (i, l) in qtrain::models::vgg_bc::engine_convs(cfg.width, cfg.act_bits)
            .iter()
            .enumerate()
        {
            if let Err(e) = l.validate(&hw.conv) {
                usage!("conv{} does not fit the engine configuration: {e}", i + 1);
            }
        }
        let check = match (a.check_steps, a.backend) {
            (0, _) => None,
            (n, CheckBackend::Rtl) => {
                // training sends update transactions: the rtl update unit's shape must match too
                if let Err(e) = shapes::check(&hw, &Origin::Flag, Use::RtlTop) {
                    usage!("--check-steps on --backend rtl: {e}");
                }
                Some((DeviceConfig::full_speed(Backend::Rtl(RtlTarget::Engine)), n))
            }
            (n, CheckBackend::Verilator) => Some((DeviceConfig::full_speed(Backend::Verilator), n)),
            (n, CheckBackend::Model) => Some((DeviceConfig::full_speed(Backend::Model), n)),
        };
        Ok(TrainConfig {
            run: cfg,
            hw,
            data: a.data.clone(),
            out: a.out.clone(),
            options: OnchipOptions {
                resume: a.resume,
                overwrite: a.overwrite,
                stop_after_epochs: a.stop_after_epochs,
                quiet: a.quiet,
            },
            check,
        })
    }
}
