//! `sim train`: a training run on the accelerator a user leaves running for hours — epochs over
//! CIFAR through the integer training path (`qtrain::train::integer::run`: the engine's arithmetic
//! for every conv forward and weight update, the host's backward pass, ADAM and learned BN), the
//! test set evaluated through the engine's arithmetic after every epoch, checkpoints and `--resume`,
//! and the first `--check-steps` steps sent to a cycle-accurate backend as the top's conv (op 1)
//! and update (op 2) transactions, every value compared with the golden path's.
//!
//! Flags become a validated [`TrainConfig`] once (by `crate::cli::train`); the run itself is qtrain's.

use std::path::PathBuf;

use qtrain::hw::HwConfig;
use qtrain::train::integer::run::{self as onchip, Check, OnchipConfig, OnchipOptions};

use crate::app::hil::HwAccelerator;
use crate::devices::select::DeviceConfig;
use crate::error::SimError;

/// A validated `sim train`.
#[derive(Debug)]
pub struct TrainConfig {
    /// The training run (qtrain's on-chip trainer).
    pub run: OnchipConfig,
    /// The hardware it trains on (`update` set from the run's formats).
    pub hw: HwConfig,
    /// CIFAR directory.
    pub data: PathBuf,
    /// Output directory.
    pub out: PathBuf,
    /// Resume / overwrite / stop-after / quiet.
    pub options: OnchipOptions,
    /// The device of the checked steps and how many (none when `--check-steps 0`).
    pub check: Option<(DeviceConfig, u64)>,
}

/// `sim train`: the run, then a line that says how it ended.
pub fn run(cfg: TrainConfig) -> Result<(), SimError> {
    let data = qtrain::data::load_cifar(&cfg.data)?;
    let mut acc = match &cfg.check {
        Some((dev, _)) => Some(HwAccelerator::new(
            dev.open(&cfg.hw, None)?.0,
            &cfg.hw,
            None,
        )?),
        None => None,
    };
    let check = acc
        .as_mut()
        .zip(cfg.check.as_ref())
        .map(|(device, (_, steps))| Check {
            device,
            steps: *steps,
        });
    let s = onchip::run(cfg.run, &data, &cfg.out, &cfg.options, check)?;
    if let Some(acc) = acc.as_mut() {
        if s.checked_steps > 0 {
            let c = acc.read_counters()?;
            eprintln!(
                "{} checked steps on {}: every conv output, stored weight, sign word and saturation \
                 count equal to the golden path; top counters {} transactions, {} errors",
                s.checked_steps,
                acc.backend(),
                c.transactions,
                c.errors
            );
        }
    }
    println!(
        "vgg-bc {} on the accelerator: {} of {} epochs, final test error {:.2}%, best {:.2}%, {:.2}% \
         of {} conv weights off their initial sign; {}",
        s.config.method,
        s.epochs_done,
        s.config.epochs,
        s.final_test_error,
        s.best_test_error,
        100.0 * s.flipped_from_init,
        s.conv_weights,
        cfg.out.join("summary.json").display()
    );
    Ok(())
}
