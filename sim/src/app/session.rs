//! `sim run`: a network's engine layers streamed through the accelerator batch by batch, every
//! output checked against the golden model, whatever the network kind (the plan says which layers
//! run where); with a trained model and real data, top-1 of the hardware path and of the float model.

use std::path::PathBuf;
use std::time::Instant;

use qtrain::hw::HwConfig;
use qtrain::output::{OutFile, Target};
use qtrain::validate::Origin;

use crate::devices::select::DeviceConfig;
use crate::error::{usage, SimError};
use crate::host::driver::{planar_to_hwc, read_counters, run_batch, synthetic_images, ParamSource};
use crate::host::plan::Plan;
use crate::host::resnet::run_resnet_batch;
use crate::host::trained::TrainedModel;
use crate::report::{merge_extras, merge_layer_reports, ResNetExtras, RunReport};

/// A validated inference session.
#[derive(Debug)]
pub struct SessionConfig {
    /// `--net` as the user wrote it (reports echo it).
    pub net: String,
    /// The network's plan (parsed from `--net` once).
    pub plan: Plan,
    /// `--width`.
    pub width: f64,
    /// Images to stream.
    pub images: usize,
    /// Images per batch.
    pub batch: usize,
    /// Seed of the synthetic weights and images.
    pub seed: u64,
    /// `--data`: real test images.
    pub data: Option<PathBuf>,
    /// `--weights`: a trained vgg-bc model.
    pub weights: Option<PathBuf>,
    /// `--vcd`.
    pub vcd: Option<Target>,
}

/// Planar CIFAR images and, from `--data`, their labels.
pub type Images = (Vec<Vec<u8>>, Option<Vec<u16>>);

/// Top-1 tallies of a trained model's two paths.
#[derive(Default)]
struct Accuracy {
    hw: usize,
    float: usize,
    agree: usize,
}

impl SessionConfig {
    /// Layer-batches the session streams (the progress bar's length).
    pub fn layer_batches(&self) -> u64 {
        (self.plan.convs().len() * self.images.div_ceil(self.batch)) as u64
    }
}

/// Run the session on the device `dev` builds; `progress` gets each layer's name as it starts.
/// Returns the report and the waveform file (to commit once the report is out, also on a mismatch).
pub fn run(
    cfg: &SessionConfig,
    hw: &HwConfig,
    dev: &DeviceConfig,
    mut progress: impl FnMut(&str),
) -> Result<(RunReport, Option<OutFile>), SimError> {
    // the model's manifest, and that it fits the data, before anything is loaded
    let manifest = match (&cfg.weights, &cfg.plan) {
        (Some(dir), Plan::Vgg(plan)) => {
            let m = TrainedModel::manifest(dir, plan, cfg.width)?;
            if let Some(data) = &cfg.data {
                let (kind, _) = qtrain::data::find_cifar(data)?;
                if kind.num_classes() != m.net.classes {
                    usage!(
                        "--weights {} has {} classes (net.classes in its manifest.json), but --data {} \
                         holds {} with {} classes: the accuracy would be meaningless",
                        dir.display(),
                        m.net.classes,
                        data.display(),
                        kind.name(),
                        kind.num_classes()
                    );
                }
            }
            Some(m)
        }
        _ => None,
    };
    let (raw, labels) = load_images(cfg)?;
    let mut model = match (&cfg.weights, &manifest, &cfg.plan) {
        (Some(dir), Some(m), Plan::Vgg(plan)) => Some(TrainedModel::load(
            dir,
            m,
            plan,
            &raw[..raw.len().min(256)],
        )?),
        _ => None,
    };
    let (mut device, vcd) = dev.open(hw, cfg.vcd.as_ref())?;
    let images: Vec<Vec<u32>> = raw.iter().map(|i| planar_to_hwc(i)).collect();
    let t0 = Instant::now();
    let mut layers = Vec::new();
    let mut extras = ResNetExtras::default();
    let mut params = match &model {
        Some(m) => ParamSource::Given(m.params.clone()),
        None => ParamSource::Synthetic { seed: cfg.seed },
    };
    let mut acc = Accuracy::default();
    let (pe, simd) = (hw.conv.pe, hw.conv.simd);
    for (bi, batch) in images.chunks(cfg.batch).enumerate() {
        let reps = match &cfg.plan {
            Plan::Vgg(plan) => {
                let (reps, last_acts) = run_batch(
                    plan,
                    device.as_mut(),
                    &mut params,
                    batch,
                    pe,
                    simd,
                    &mut progress,
                )?;
                if let (Some(m), Some(labels)) = (model.as_mut(), &labels) {
                    let lo = bi * cfg.batch;
                    let want = &labels[lo..lo + batch.len()];
                    let hw = m.host_predict(plan, &last_acts);
                    let fl = m.float_predict(&raw[lo..lo + batch.len()]);
                    let hits = |p: &[usize]| {
                        p.iter()
                            .zip(want)
                            .filter(|(p, y)| **p == **y as usize)
                            .count()
                    };
                    acc.hw += hits(&hw);
                    acc.float += hits(&fl);
                    acc.agree += hw.iter().zip(&fl).filter(|(a, b)| a == b).count();
                }
                reps
            }
            Plan::ResNet(plan) => {
                let b = run_resnet_batch(
                    plan,
                    device.as_mut(),
                    cfg.seed,
                    batch,
                    pe,
                    simd,
                    &mut progress,
                )?;
                merge_extras(&mut extras, b.extras);
                b.layers
            }
        };
        merge_layer_reports(&mut layers, reps);
    }
    let counters = read_counters(device.as_mut(), &layers)?;
    let mut report = RunReport::new(
        cfg.net.clone(),
        cfg.width,
        device.backend(),
        device.cycle_accurate(),
        pe,
        simd,
        hw.clock_mhz,
        cfg.images,
        layers,
        t0.elapsed().as_secs_f64(),
    );
    report.counters = Some(counters);
    if let Plan::ResNet(_) = cfg.plan {
        report.resnet = Some(extras);
    }
    if model.is_some() && labels.is_some() {
        let n = cfg.images as f64;
        report.hw_accuracy = Some(acc.hw as f64 / n);
        report.float_accuracy = Some(acc.float as f64 / n);
        report.prediction_agreement = Some(acc.agree as f64 / n);
    }
    Ok((report, vcd))
}

/// The first `cfg.images` test images of `--data` with their labels, or synthetic ones.
pub fn load_images(cfg: &SessionConfig) -> Result<Images, SimError> {
    let n = cfg.images;
    Ok(match &cfg.data {
        Some(dir) => {
            let test = qtrain::data::load_cifar(dir)?.test;
            if test.len() < n {
                return Err(Origin::Flag
                    .invalid(
                        "--images",
                        n,
                        format!(
                            "at most {}: the test split of --data {} has {} images",
                            test.len(),
                            dir.display(),
                            test.len()
                        ),
                    )
                    .into());
            }
            (
                (0..n).map(|i| test.image(i).to_vec()).collect(),
                Some(test.labels[..n].to_vec()),
            )
        }
        None => (synthetic_images(n, cfg.seed), None),
    })
}
