//! A training run on the accelerator's arithmetic (`sim train`): epochs over the training set with
//! the float path's seeded shuffle and augmentation (`train::input`), TRAIN_SPEC's lr schedule, the
//! test set evaluated through the engine's arithmetic after every epoch, `metrics.csv` +
//! `summary.json`, an atomic checkpoint after every epoch and `--resume`, a progress bar with ETA.
//! The first `check_steps` steps can send every conv and update job to a (simulated) accelerator as
//! well and stop at the first difference ([`super::IntegerTrainer::step_at`]).
//!
//! Input codes are raw pixels (8-bit first layer; the engine folds no mean: BN's shift absorbs it),
//! augmented with zero pixels as the float path's raw-image padding.

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{Accelerator, IntegerTrainer};
use crate::data::{Augment, CifarSplits, Dataset, IMAGE_BYTES};
use crate::error::{QtrainError, Result};
use crate::output::write_file as write_atomic;
use crate::train::checkpoint;
use crate::train::input;
use crate::train::run::{RunFiles, EVAL_BATCH, MIN_BATCH};
use crate::train::schedule::lr_at;
use crate::validate::Origin;

pub use super::onchip_config::{parse_method, OnchipConfig, ACT_BITS};

/// One line of metrics.csv.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OnchipEpoch {
    /// 1-based epoch.
    pub epoch: usize,
    /// Learning rate used.
    pub lr: f64,
    /// Mean training loss over the epoch's batches.
    pub train_loss: f64,
    /// Training error % (augmented images, during the epoch).
    pub train_error: f64,
    /// Test error % of the hardware path (the engine's arithmetic, BN folded).
    pub test_error: f64,
    /// Sign flips of the forward weights in the epoch's updates.
    pub flips: u64,
    /// Fraction of conv weights whose sign differs from the initial one after the epoch.
    pub flipped_from_init: f64,
    /// ADAM steps saturated when quantised to `u_format`.
    pub u_saturations: u64,
    /// Update-unit clip counts (`w − u` outside the grid's range).
    pub clip_saturations: u64,
    /// Steps of the epoch checked against a simulated accelerator.
    pub checked_steps: u64,
    /// Wall-clock seconds of the epoch (training + evaluation).
    pub seconds: f64,
    /// Training images per second.
    pub images_per_second: f64,
}

/// summary.json.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OnchipSummary {
    /// The run's configuration.
    pub config: OnchipConfig,
    /// Epochs finished.
    pub epochs_done: usize,
    /// Whether all epochs are done.
    pub complete: bool,
    /// Test error % after the last finished epoch.
    pub final_test_error: f64,
    /// Lowest test error % seen.
    pub best_test_error: f64,
    /// Training images per epoch.
    pub train_images: usize,
    /// Binary conv weights.
    pub conv_weights: usize,
    /// Fraction of conv weights whose sign differs from the initial one at the end.
    pub flipped_from_init: f64,
    /// Steps checked against a simulated accelerator (all segments of the run).
    pub checked_steps: u64,
    /// Total seconds over all epochs (including those before a resume).
    pub seconds: f64,
}

/// The checkpoint's header.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Header {
    format: String,
    config: OnchipConfig,
    epochs_done: usize,
    step: u64,
    lane_states: Vec<u64>,
    initial_signs_digest: u64,
    history: Vec<OnchipEpoch>,
    tensors: Vec<(String, usize)>,
}

const FORMAT: &str = "qtrain integer training checkpoint 1";

/// Knobs that change how a run is executed but not its result.
#[derive(Clone, Debug, Default)]
pub struct OnchipOptions {
    /// Continue from `out/checkpoint.bin`.
    pub resume: bool,
    /// Replace a run already in `out` instead of refusing.
    pub overwrite: bool,
    /// Stop (as if killed) after this many finished epochs in total — for tests of resume.
    pub stop_after_epochs: Option<usize>,
    /// No progress bar or per-epoch lines.
    pub quiet: bool,
}

/// A simulated accelerator checked against the first `steps` steps of the run.
pub struct Check<'a, D> {
    /// The device.
    pub device: &'a mut D,
    /// Steps (counted from the run's first) whose jobs also go to the device.
    pub steps: u64,
}

/// `(N, 3, 32, 32)` raw-pixel codes of images `idx` of `ds`, augmented with `augs[i]` for image `i`.
pub fn codes_batch(ds: &Dataset, idx: &[usize], augs: Option<&[Augment]>) -> Vec<f32> {
    let mut x = vec![0f32; idx.len() * IMAGE_BYTES];
    x.par_chunks_mut(IMAGE_BYTES)
        .enumerate()
        .for_each(|(k, dst)| {
            let i = idx[k];
            let mut buf = [0u8; IMAGE_BYTES];
            let src = match augs {
                Some(a) => {
                    a[i].apply(ds.image(i), &mut buf);
                    &buf[..]
                }
                None => ds.image(i),
            };
            dst.iter_mut().zip(src).for_each(|(d, &s)| *d = s as f32);
        });
    x
}

fn flipped_fraction(t: &IntegerTrainer, init: &[Vec<u64>]) -> f64 {
    let (mut flips, mut n) = (0u64, 0usize);
    for (c, p0) in t.convs().iter().zip(init) {
        flips += c
            .packed
            .iter()
            .zip(p0)
            .map(|(a, b)| (a ^ b).count_ones() as u64)
            .sum::<u64>();
        n += c.w.len();
    }
    flips as f64 / n.max(1) as f64
}

/// metrics.csv text.
pub fn metrics_csv(history: &[OnchipEpoch]) -> String {
    let mut s = String::from(
        "epoch,lr,train_loss,train_error,test_error,flips,flipped_from_init,u_saturations,\
         clip_saturations,checked_steps,seconds,images_per_second\n",
    );
    for m in history {
        s.push_str(&format!(
            "{},{},{:.6},{:.4},{:.4},{},{:.6},{},{},{},{:.3},{:.1}\n",
            m.epoch,
            m.lr,
            m.train_loss,
            m.train_error,
            m.test_error,
            m.flips,
            m.flipped_from_init,
            m.u_saturations,
            m.clip_saturations,
            m.checked_steps,
            m.seconds,
            m.images_per_second
        ));
    }
    s
}

/// Test error % of the trainer on `test` (the engine's arithmetic, the head in evaluation mode).
pub fn evaluate(t: &mut IntegerTrainer, test: &Dataset) -> Result<f64> {
    let idx: Vec<usize> = (0..test.len()).collect();
    let mut wrong = 0;
    for chunk in idx.chunks(EVAL_BATCH) {
        let x = codes_batch(test, chunk, None);
        let labels: Vec<u16> = chunk.iter().map(|&i| test.labels[i]).collect();
        wrong += t.evaluate(&x, &labels)?;
    }
    Ok(100.0 * wrong as f64 / test.len().max(1) as f64)
}

/// Run (or resume) a run into `out`, the first `check.steps` steps also on `check.device`.
pub fn run<D: Accelerator>(
    config: OnchipConfig,
    data: &CifarSplits,
    out: &Path,
    opts: &OnchipOptions,
    mut check: Option<Check<'_, D>>,
) -> std::result::Result<OnchipSummary, D::Error> {
    config.validate(&Origin::Flag, "")?;
    if opts.resume && opts.overwrite {
        return Err(QtrainError::Config {
            field: "resume".into(),
            msg: "--resume and --overwrite exclude each other".into(),
        }
        .into());
    }
    let files = RunFiles::new(out);
    let mut train = data.train.clone();
    if let Some(n) = config.train_limit {
        train.truncate(n);
    }
    if train.len() < config.batch.max(MIN_BATCH) {
        return Err(Origin::Flag
            .invalid(
                "--batch",
                config.batch,
                format!(
                    "at most the {} training images{} (an epoch is whole batches)",
                    train.len(),
                    if config.train_limit.is_some() {
                        " that --train-limit leaves"
                    } else {
                        " of --data"
                    }
                ),
            )
            .into());
    }
    if std::fs::symlink_metadata(out).is_ok_and(|m| !m.is_dir()) {
        return Err(QtrainError::bad_data(
            out,
            "exists and is not a directory; choose another --out",
        )
        .into());
    }
    let resuming = opts.resume && std::fs::symlink_metadata(&files.checkpoint).is_ok();
    if opts.resume && !resuming && !files.present().is_empty() {
        return Err(QtrainError::bad_data(
            out,
            "holds metrics of a run but no checkpoint.bin to resume from; pass --overwrite to start \
             that run again from epoch 1",
        )
        .into());
    }
    let icfg = config.integer(train.num_classes);
    // calibration batch: the first batch of epoch 1, augmented
    let order0 = input::epoch_order(train.len(), config.seed, 0);
    let augs0 = input::epoch_augments(train.len(), config.seed, 0);
    let calib = codes_batch(&train, &order0[..config.batch], Some(&augs0));
    let mut t = IntegerTrainer::new(icfg, &calib)?;
    // the seeded initial signs (a resumed run's are checked against the checkpoint's digest)
    let init: Vec<Vec<u64>> = t.convs().iter().map(|c| c.packed.clone()).collect();
    let mut history: Vec<OnchipEpoch> = Vec::new();
    let mut done = 0;
    if resuming {
        let path = &files.checkpoint;
        let (h, tensors) = checkpoint::load_with(path, |h: &Header| {
            let origin = Origin::file(path);
            if h.format != FORMAT {
                return Err(origin.invalid("format", &h.format, format!("\"{FORMAT}\"")));
            }
            h.config.validate(&origin, "config.")?;
            if h.epochs_done > h.config.epochs || h.history.len() != h.epochs_done {
                return Err(origin.invalid(
                    "epochs_done",
                    h.epochs_done,
                    format!(
                        "at most config.epochs = {} and one history entry per epoch ({} entries)",
                        h.config.epochs,
                        h.history.len()
                    ),
                ));
            }
            Ok(h.tensors.clone())
        })?;
        let mut mine = config.clone();
        mine.data = h.config.data.clone();
        if mine != h.config {
            return Err(QtrainError::bad_data(
                path,
                format!(
                    "the checkpoint belongs to another run ({}); resume with the flags it was made \
                     with, or use another --out",
                    serde_json::to_string(&h.config).unwrap_or_default()
                ),
            )
            .into());
        }
        let digest = init
            .iter()
            .flatten()
            .flat_map(|w| w.to_le_bytes())
            .collect::<Vec<u8>>();
        if checkpoint::fnv1a64(&digest) != h.initial_signs_digest {
            return Err(QtrainError::bad_data(
                path,
                "initial_signs_digest differs from this run's initial weights (another data set or \
                 another version of qtrain made it)",
            )
            .into());
        }
        let mut map: HashMap<String, Vec<f32>> = tensors.into_iter().collect();
        t.restore(&mut map, h.step, &h.lane_states)
            .map_err(|e| QtrainError::bad_data(path, e.to_string()))?;
        history = h.history;
        done = h.epochs_done;
        if check.as_ref().is_some_and(|c| c.steps > t.steps_taken()) && !opts.quiet {
            eprintln!(
                "resuming at step {}: the accelerator check covers only the run's first segment \
                 (a device cannot be restored to the saved lane states); steps from here are not \
                 checked",
                t.steps_taken()
            );
        }
        check = None;
    } else {
        files.claim_fresh(out, opts.overwrite)?;
        std::fs::create_dir_all(out).map_err(|e| QtrainError::io(out, e))?;
    }
    let epochs = config.epochs;
    let nb = train.len() / config.batch;
    let pb = crate::train::progress::batches(opts.quiet, (epochs * nb) as u64, (done * nb) as u64);
    let stop = opts.stop_after_epochs.unwrap_or(usize::MAX);
    let summary = |history: &[OnchipEpoch], t: &IntegerTrainer| OnchipSummary {
        config: config.clone(),
        epochs_done: history.len(),
        complete: history.len() >= epochs,
        final_test_error: history.last().map_or(f64::NAN, |m| m.test_error),
        best_test_error: history
            .iter()
            .map(|m| m.test_error)
            .fold(f64::INFINITY, f64::min),
        train_images: nb * config.batch,
        conv_weights: t.convs().iter().map(|c| c.w.len()).sum(),
        flipped_from_init: flipped_fraction(t, &init),
        checked_steps: history.iter().map(|m| m.checked_steps).sum(),
        seconds: history.iter().map(|m| m.seconds).sum(),
    };
    while done < epochs && done < stop {
        let e = done;
        let lr = lr_at(config.lr, e, epochs);
        pb.set_message(format!("vgg-bc {} epoch {}/{epochs}", config.method, e + 1));
        let t0 = Instant::now();
        let order = input::epoch_order(train.len(), config.seed, e);
        let augs = input::epoch_augments(train.len(), config.seed, e);
        let mut m = OnchipEpoch {
            epoch: e + 1,
            lr,
            train_loss: 0.0,
            train_error: 0.0,
            test_error: 0.0,
            flips: 0,
            flipped_from_init: 0.0,
            u_saturations: 0,
            clip_saturations: 0,
            checked_steps: 0,
            seconds: 0.0,
            images_per_second: 0.0,
        };
        let (mut wrong, mut seen) = (0usize, 0usize);
        for idx in order.chunks(config.batch).take(nb) {
            let x = codes_batch(&train, idx, Some(&augs));
            let labels: Vec<u16> = idx.iter().map(|&i| train.labels[i]).collect();
            let checked = check.as_ref().is_some_and(|c| t.steps_taken() < c.steps);
            let r = if checked {
                let c = check.as_mut().expect("checked");
                t.step_at(Some(&mut *c.device), &x, &labels, lr as f32)?
            } else {
                t.step_at(None::<&mut D>, &x, &labels, lr as f32)?
            };
            m.checked_steps += u64::from(checked);
            m.train_loss += r.loss;
            m.flips += r.flipped;
            m.u_saturations += r.u_saturations;
            m.clip_saturations += r.clip_saturations;
            wrong += r.errors;
            seen += idx.len();
            pb.inc(1);
        }
        let train_secs = t0.elapsed().as_secs_f64();
        m.train_loss /= nb as f64;
        m.train_error = 100.0 * wrong as f64 / seen.max(1) as f64;
        m.test_error = evaluate(&mut t, &data.test)?;
        m.flipped_from_init = flipped_fraction(&t, &init);
        m.seconds = t0.elapsed().as_secs_f64();
        m.images_per_second = seen as f64 / train_secs.max(1e-9);
        if !opts.quiet {
            pb.println(format!(
                "epoch {}/{epochs} lr {lr} loss {:.4} train error {:.2}% test error {:.2}% \
                 flips {} ({:.2}% of conv weights off their initial sign) {:.1} s ({:.0} images/s)",
                e + 1,
                m.train_loss,
                m.train_error,
                m.test_error,
                m.flips,
                100.0 * m.flipped_from_init,
                m.seconds,
                m.images_per_second
            ));
        }
        history.push(m);
        done += 1;
        save(&files.checkpoint, &config, &mut t, &init, done, &history)?;
        write_atomic(&files.metrics, metrics_csv(&history).as_bytes())?;
        let js = serde_json::to_string_pretty(&summary(&history, &t))
            .map_err(|e| QtrainError::bad_data(&files.summary, e.to_string()))?;
        write_atomic(&files.summary, js.as_bytes())?;
    }
    pb.finish_and_clear();
    Ok(summary(&history, &t))
}

fn save(
    path: &Path,
    config: &OnchipConfig,
    t: &mut IntegerTrainer,
    init: &[Vec<u64>],
    epochs_done: usize,
    history: &[OnchipEpoch],
) -> Result<()> {
    let tensors = t.tensors();
    let digest = init
        .iter()
        .flatten()
        .flat_map(|w| w.to_le_bytes())
        .collect::<Vec<u8>>();
    let header = Header {
        format: FORMAT.into(),
        config: config.clone(),
        epochs_done,
        step: t.steps_taken(),
        lane_states: t.lane_states(),
        initial_signs_digest: checkpoint::fnv1a64(&digest),
        history: history.to_vec(),
        tensors: tensors.iter().map(|(n, v)| (n.clone(), v.len())).collect(),
    };
    let data: Vec<&[f32]> = tensors.iter().map(|(_, v)| v.as_slice()).collect();
    checkpoint::save_with(path, &header, &data)
}
