//! The training loop of `qtrain train`: epochs of shuffled, augmented mini-batches, the method's step,
//! evaluation on the full test set, metrics.csv + summary.json + an atomic checkpoint after every
//! epoch, `--resume`, and a stop with a clear message on a NaN/∞ loss (the last checkpoint is kept).

use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::ProgressBar;

use super::checkpoint::{self, Header};
use super::config::{EpochMetrics, Summary, TrainConfig};
use super::input::{self, Purpose};
use crate::data::{CifarSplits, Dataset};
use crate::error::{QtrainError, Result};
use crate::layers::softmax_cross_entropy;
use crate::models::Net;
use crate::optim::Optimizer;

/// Knobs that change how a run is executed but not its result.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Continue from `out/checkpoint.bin` (a directory holding metrics but no checkpoint is refused).
    pub resume: bool,
    /// Replace a run already in `out` (its checkpoint, metrics and summary) instead of refusing.
    pub overwrite: bool,
    /// Stop (as if killed) after this many finished epochs in total — for tests of resume.
    pub stop_after_epochs: Option<usize>,
    /// Make the loss NaN at (1-based epoch, 1-based batch) — for tests of the NaN stop.
    pub inject_nan: Option<(usize, usize)>,
    /// No progress bar or per-epoch lines.
    pub quiet: bool,
}

/// A network with its optimizer and history: the whole state of a run.
pub struct Trainer {
    /// Configuration.
    pub config: TrainConfig,
    /// The network (f32).
    pub net: Net<f32>,
    /// Optimizer and method state.
    pub opt: Optimizer,
    /// Finished epochs' metrics.
    pub history: Vec<EpochMetrics>,
}

/// Images a batch must have for BatchNorm's statistics: a last batch with fewer is skipped.
pub const MIN_BATCH: usize = 2;
/// Test images per evaluation forward.
pub const EVAL_BATCH: usize = 500;

impl Trainer {
    /// A fresh run: seeded network and method initialisation.
    pub fn new(config: TrainConfig) -> Self {
        let mut net = Net::<f32>::new(config.net, config.seed);
        let mut opt = Optimizer::new(config.method, config.grid, config.latent_init, net.params());
        opt.bc_stochastic = config.bc_stochastic;
        let mut rng = input::stream(config.seed, 0, Purpose::Latent);
        opt.apply_bc_latent(config.bc_latent, config.latent_init, net.params(), &mut rng);
        Self {
            config,
            net,
            opt,
            history: Vec::new(),
        }
    }

    /// Every tensor of the state, named, in checkpoint order (copies: taken once per epoch).
    fn tensors(&mut self) -> Vec<(String, Vec<f32>)> {
        let mut out = Vec::new();
        for p in self.net.params() {
            out.push((
                format!("param.{}", p.name),
                p.value.iter().copied().collect(),
            ));
        }
        for b in self.net.buffers() {
            out.push((
                format!("buffer.{}", b.name),
                b.value.iter().copied().collect(),
            ));
        }
        for (n, s) in self.opt.state() {
            out.push((format!("opt.{n}"), s.to_vec()));
        }
        out
    }

    /// Write `path` atomically with `epochs_done` epochs finished.
    pub fn save(&mut self, path: &Path, epochs_done: usize) -> Result<()> {
        let config = self.config.clone();
        let history = self.history.clone();
        let step = self.opt.t;
        let tensors = self.tensors();
        let header = Header {
            config,
            epochs_done,
            step,
            history,
            tensors: tensors.iter().map(|(n, s)| (n.clone(), s.len())).collect(),
        };
        let data: Vec<&[f32]> = tensors.iter().map(|(_, s)| s.as_slice()).collect();
        checkpoint::save(path, &header, &data)
    }

    /// Restore from a checkpoint file; returns the number of finished epochs.
    pub fn load(path: &Path) -> Result<(Self, usize)> {
        let (h, tensors) = checkpoint::load(path)?;
        let mut t = Trainer::new(h.config.clone());
        t.history = h.history.clone();
        t.opt.t = h.step;
        let mut map: std::collections::HashMap<String, Vec<f32>> = tensors.into_iter().collect();
        let mut take = |name: String, dst: &mut [f32]| -> Result<()> {
            let v = map.remove(&name).ok_or_else(|| {
                QtrainError::bad_data(path, format!("checkpoint lacks tensor {name}"))
            })?;
            if v.len() != dst.len() {
                return Err(QtrainError::bad_data(
                    path,
                    format!(
                        "tensor {name} has {} values, the network needs {}",
                        v.len(),
                        dst.len()
                    ),
                ));
            }
            dst.copy_from_slice(&v);
            Ok(())
        };
        for p in t.net.params() {
            take(
                format!("param.{}", p.name),
                p.value.as_slice_mut().expect("contiguous"),
            )?;
        }
        for b in t.net.buffers() {
            take(
                format!("buffer.{}", b.name),
                b.value.as_slice_mut().expect("contiguous"),
            )?;
        }
        for (n, v) in t.opt.state_mut() {
            take(format!("opt.{n}"), v)?;
        }
        if let Some(extra) = map.keys().min() {
            return Err(QtrainError::bad_data(
                path,
                format!(
                    "checkpoint holds tensor {extra}, which a {} trained with {} does not have",
                    t.config.net.kind.name(),
                    t.config.method.name()
                ),
            ));
        }
        Ok((t, h.epochs_done))
    }

    /// Test error % on `split` (eval-mode BN, the forward weights the method trains).
    pub fn evaluate(&mut self, split: &Dataset) -> f64 {
        self.evaluate_loss(split).1
    }

    /// Mean loss and error % on `split` (no augmentation, eval-mode BN, the forward weights).
    pub fn evaluate_loss(&mut self, split: &Dataset) -> (f64, f64) {
        let idx: Vec<usize> = (0..split.len()).collect();
        let (mut wrong, mut loss) = (0, 0.0);
        for chunk in idx.chunks(EVAL_BATCH) {
            let x = input::batch(split, chunk, None);
            let logits = self.net.forward(x, false);
            let labels: Vec<u16> = chunk.iter().map(|&i| split.labels[i]).collect();
            let (l, _, w) = softmax_cross_entropy(&logits, &labels);
            wrong += w;
            loss += l * chunk.len() as f64;
        }
        let n = split.len().max(1) as f64;
        (loss / n, 100.0 * wrong as f64 / n)
    }

    /// Train epoch `e` (0-based). Returns (mean loss, train error %, images) or the NaN error.
    pub fn train_epoch(
        &mut self,
        data: &Dataset,
        e: usize,
        inject_nan: Option<(usize, usize)>,
        pb: &ProgressBar,
    ) -> Result<(f64, f64, usize)> {
        let c = &self.config;
        let lr = c.schedule.lr(c.lr, e, c.epochs) as f32;
        let order = input::epoch_order(data.len(), c.seed, e);
        let augs = input::epoch_augments(data.len(), c.seed, e);
        self.opt.reseed(input::stream(c.seed, e, Purpose::Rounding));
        let batch = c.batch;
        let nb = order.len().div_ceil(batch);
        let (mut loss_sum, mut wrong, mut seen, mut batches) = (0.0, 0usize, 0usize, 0usize);
        for (b, idx) in order.chunks(batch).enumerate() {
            if idx.len() < MIN_BATCH {
                continue;
            }
            let x = input::batch(data, idx, Some(&augs));
            let labels: Vec<u16> = idx.iter().map(|&i| data.labels[i]).collect();
            if inject_nan == Some((e + 1, b + 1)) {
                if let Some(p) = self.net.params().into_iter().last() {
                    p.value.as_slice_mut().expect("contiguous")[0] = f32::NAN;
                }
            }
            let logits = self.net.forward(x, true);
            let (loss, dlogits, w) = softmax_cross_entropy(&logits, &labels);
            if !loss.is_finite() {
                return Err(QtrainError::Numeric(format!(
                    "training loss is {loss} at epoch {}, batch {} of {nb}",
                    e + 1,
                    b + 1
                )));
            }
            self.net.backward_params(dlogits);
            self.opt.step(self.net.params(), lr);
            loss_sum += loss;
            wrong += w;
            seen += idx.len();
            batches += 1;
            pb.inc(1);
        }
        Ok((
            loss_sum / batches.max(1) as f64,
            100.0 * wrong as f64 / seen.max(1) as f64,
            seen,
        ))
    }
}

/// Paths of a run's files.
pub struct RunFiles {
    /// out/checkpoint.bin
    pub checkpoint: PathBuf,
    /// out/metrics.csv
    pub metrics: PathBuf,
    /// out/summary.json
    pub summary: PathBuf,
}

impl RunFiles {
    /// The files under `out`.
    pub fn new(out: &Path) -> Self {
        Self {
            checkpoint: out.join("checkpoint.bin"),
            metrics: out.join("metrics.csv"),
            summary: out.join("summary.json"),
        }
    }

    /// The run's files that exist (anything at the path counts, a broken symlink included).
    pub fn present(&self) -> Vec<&Path> {
        [&self.checkpoint, &self.metrics, &self.summary]
            .into_iter()
            .map(PathBuf::as_path)
            .filter(|p| std::fs::symlink_metadata(p).is_ok())
            .collect()
    }

    /// Remove the run's files (for `--overwrite`).
    pub fn remove(&self) -> Result<()> {
        for p in self.present() {
            std::fs::remove_file(p).map_err(|e| QtrainError::io(p, e))?;
        }
        Ok(())
    }

    /// Refuse to start a fresh run over another run's files unless `overwrite` (then remove them).
    pub fn claim_fresh(&self, out: &Path, overwrite: bool) -> Result<()> {
        let present = self.present();
        if present.is_empty() {
            return Ok(());
        }
        if !overwrite {
            let names: Vec<String> = present
                .iter()
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().to_string()))
                .collect();
            return Err(QtrainError::bad_data(
                out,
                format!(
                    "already holds a run ({}); pass --resume to continue it or --overwrite to \
                     replace it",
                    names.join(", ")
                ),
            ));
        }
        self.remove()
    }
}

use crate::output::write_file as write_atomic;

/// metrics.csv text for a history. With `eval_train` rows, two more columns: `eval_train_loss`,
/// `eval_train_error` (the training set scored after the epoch).
pub fn metrics_csv(history: &[EpochMetrics]) -> String {
    let extra = history.iter().any(|m| m.train_eval.is_some());
    let mut s =
        String::from("epoch,lr,train_loss,train_error,test_error,seconds,images_per_second");
    s.push_str(if extra {
        ",eval_train_loss,eval_train_error\n"
    } else {
        "\n"
    });
    for m in history {
        s.push_str(&format!(
            "{},{},{:.6},{:.4},{:.4},{:.3},{:.1}",
            m.epoch,
            m.lr,
            m.train_loss,
            m.train_error,
            m.test_error,
            m.seconds,
            m.images_per_second
        ));
        match (extra, m.train_eval) {
            (false, _) => s.push('\n'),
            (true, Some((l, e))) => s.push_str(&format!(",{l:.6},{e:.4}\n")),
            (true, None) => s.push_str(",,\n"),
        }
    }
    s
}

fn summary_of(t: &Trainer, data: &CifarSplits, train_images: usize) -> Summary {
    let h = &t.history;
    let (best_epoch, best) = h
        .iter()
        .map(|m| (m.epoch, m.test_error))
        .fold((0, f64::INFINITY), |a, b| if b.1 < a.1 { b } else { a });
    Summary {
        config: t.config.clone(),
        epochs_done: h.len(),
        complete: h.len() >= t.config.epochs,
        final_test_error: h.last().map_or(f64::NAN, |m| m.test_error),
        best_test_error: best,
        best_epoch,
        train_images,
        test_images: data.test.len(),
        seconds: h.iter().map(|m| m.seconds).sum(),
    }
}

/// The fields in which the flags' config `a` differs from the checkpoint's `b` (the data path is
/// informational and not compared), as "field: checkpoint X, flags Y".
fn differs(a: &TrainConfig, b: &TrainConfig) -> Option<String> {
    let mut a = a.clone();
    a.data = b.data.clone();
    if a == *b {
        return None;
    }
    let (ja, jb) = (
        serde_json::to_value(&a).unwrap_or_default(),
        serde_json::to_value(b).unwrap_or_default(),
    );
    let mut fields = Vec::new();
    if let (Some(ma), Some(mb)) = (ja.as_object(), jb.as_object()) {
        for (k, va) in ma {
            let vb = mb.get(k).cloned().unwrap_or_default();
            if *va != vb {
                fields.push(format!("{k}: checkpoint {vb}, flags {va}"));
            }
        }
    }
    Some(format!(
        "the checkpoint belongs to another run ({}); resume with the flags it was made with, or \
         use another --out",
        fields.join("; ")
    ))
}

/// Run (or resume) a training run into `out`. Returns the summary written to summary.json.
pub fn run(
    config: TrainConfig,
    data: &CifarSplits,
    out: &Path,
    opts: &RunOptions,
) -> Result<Summary> {
    config.validate(&crate::validate::Origin::Flag, "")?;
    if opts.resume && opts.overwrite {
        return Err(QtrainError::Config {
            field: "resume".into(),
            msg: "--resume and --overwrite exclude each other".into(),
        });
    }
    let files = RunFiles::new(out);
    let mut train = data.train.clone();
    if let Some(n) = config.train_limit {
        train.truncate(n);
    }
    if train.len() < MIN_BATCH {
        return Err(QtrainError::Config {
            field: "train-limit".into(),
            msg: format!(
                "need at least {MIN_BATCH} training images, have {}",
                train.len()
            ),
        });
    }
    if std::fs::symlink_metadata(out).is_ok_and(|m| !m.is_dir()) {
        return Err(QtrainError::bad_data(
            out,
            "exists and is not a directory; choose another --out",
        ));
    }
    let resuming = opts.resume && std::fs::symlink_metadata(&files.checkpoint).is_ok();
    if opts.resume && !resuming && !files.present().is_empty() {
        return Err(QtrainError::bad_data(
            out,
            "holds metrics of a run but no checkpoint.bin to resume from; pass --overwrite to \
             start that run again from epoch 1",
        ));
    }
    let (mut t, mut done) = if resuming {
        let (t, done) = Trainer::load(&files.checkpoint)?;
        if let Some(msg) = differs(&config, &t.config) {
            return Err(QtrainError::bad_data(&files.checkpoint, msg));
        }
        (t, done)
    } else {
        files.claim_fresh(out, opts.overwrite)?;
        std::fs::create_dir_all(out).map_err(|e| QtrainError::io(out, e))?;
        if opts.resume && !opts.quiet {
            eprintln!("no checkpoint in {}: starting from epoch 1", out.display());
        }
        let mut t = Trainer::new(config);
        if let Some(ws) = t.config.from.clone() {
            ws.apply(&mut t)?;
        }
        (t, 0)
    };
    if resuming && done == t.config.epochs {
        eprintln!(
            "nothing to do: {} is complete ({done} of {} epochs); its files are left as they are",
            out.display(),
            t.config.epochs
        );
        return Ok(summary_of(&t, data, train.len()));
    }
    let epochs = t.config.epochs;
    let nb = train.len() / t.config.batch + usize::from(train.len() % t.config.batch >= MIN_BATCH);
    let pb = crate::train::progress::batches(opts.quiet, (epochs * nb) as u64, (done * nb) as u64);
    let stop = opts.stop_after_epochs.unwrap_or(usize::MAX);
    while done < epochs && done < stop {
        let e = done;
        let lr = t.config.schedule.lr(t.config.lr, e, epochs);
        pb.set_message(format!(
            "{} {} epoch {}/{epochs}",
            t.config.net.kind.name(),
            t.config.method.name(),
            e + 1
        ));
        let t0 = Instant::now();
        let (loss, train_err, seen) = match t.train_epoch(&train, e, opts.inject_nan, &pb) {
            Ok(r) => r,
            Err(err) => {
                pb.abandon();
                let kept = if files.checkpoint.is_file() {
                    format!(
                        "the last good checkpoint ({done} epochs) is kept at {}",
                        files.checkpoint.display()
                    )
                } else {
                    "no checkpoint had been written yet".into()
                };
                let what = match err {
                    QtrainError::Numeric(m) => m,
                    other => return Err(other),
                };
                return Err(QtrainError::Numeric(format!("{what}; stopped, {kept}")));
            }
        };
        let train_secs = t0.elapsed().as_secs_f64();
        let test_error = t.evaluate(&data.test);
        let train_eval = t.config.eval_train.then(|| t.evaluate_loss(&train));
        let secs = t0.elapsed().as_secs_f64();
        let m = EpochMetrics {
            epoch: e + 1,
            lr,
            train_loss: loss,
            train_error: train_err,
            test_error,
            train_eval,
            seconds: secs,
            images_per_second: seen as f64 / train_secs.max(1e-9),
        };
        if !opts.quiet {
            pb.println(format!(
                "epoch {}/{epochs} lr {lr} loss {loss:.4} train error {train_err:.2}% test error {test_error:.2}% \
                 {secs:.1} s ({:.0} images/s)",
                e + 1,
                m.images_per_second
            ));
        }
        t.history.push(m);
        done += 1;
        t.save(&files.checkpoint, done)?;
        write_atomic(&files.metrics, metrics_csv(&t.history).as_bytes())?;
        let s = summary_of(&t, data, train.len());
        let js = serde_json::to_string_pretty(&s)
            .map_err(|e| QtrainError::bad_data(&files.summary, e.to_string()))?;
        write_atomic(&files.summary, js.as_bytes())?;
    }
    pb.finish_and_clear();
    let s = summary_of(&t, data, train.len());
    let js = serde_json::to_string_pretty(&s)
        .map_err(|e| QtrainError::bad_data(&files.summary, e.to_string()))?;
    write_atomic(&files.metrics, metrics_csv(&t.history).as_bytes())?;
    write_atomic(&files.summary, js.as_bytes())?;
    Ok(s)
}
