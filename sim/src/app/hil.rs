//! Hardware-in-the-loop training (`sim --train bc|sr|r --steps N`, and the checked steps of
//! `sim train`): the simulated accelerator top is one device on the host's stream pair
//! ([`StreamDevice`]: the rust-hdl top, the engine and update unit behind the top's
//! transaction-level definition, the golden top, Verilator), and every conv forward pass goes to it
//! as a conv transaction (op 1) and every weight update as an update transaction (op 2: the command
//! words and the layer's `(w, u)` beats, answered by `w_out`, `q_out`, the packed signs and a status
//! word, `qtrain::exact::accel::UpdateFrame`). The host code is `qtrain::train::integer`'s: each job's
//! answer (every conv output value, every stored weight, sign word and saturation count) is compared
//! with the golden integer path's inside the step, and the first difference stops the run and is named
//! (step, layer, weight). At the end the top's counters are read and checked against the host's tally
//! of both kinds of transaction.

use std::path::PathBuf;
use std::time::Instant;

use qtrain::exact::accel::{update_transaction, UpdateFrame};
use qtrain::exact::geometry::ConvLayer;
use qtrain::exact::requant::Requant;
use qtrain::exact::update::{UpdateCommand, UpdateMode};
use qtrain::hw::{HwConfig, UpdateParams};
use qtrain::train::integer::layout::hwc_batch_to_nchw;
use qtrain::train::integer::{
    Accelerator, ConvRun, IntegerConfig, IntegerTrainer, StepRecord, UpdateRun,
};
use qtrain::QtrainError;
use serde::Serialize;

use crate::devices::stream::StreamDevice;
use crate::error::SimError;
use crate::host::driver::{
    check_counters, conv_transfer, planar_to_hwc, synthetic_images, HostTally,
};
use crate::host::plan::{width_ch, NetPlan};
use crate::report::TopCounters;

/// Deliberately corrupt one weight on its way back from the update unit (a flipped bit on the bus):
/// what the comparison must catch. Used by the tests and the hidden `--corrupt-update` flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Corruption {
    /// Step (1-based).
    pub step: u64,
    /// Conv layer (0-based).
    pub layer: usize,
    /// Position in the layer's (padded) update stream whose `w_out` field in the update response
    /// gets its LSB flipped.
    pub index: usize,
}

/// The simulated accelerator as the integer training path's [`Accelerator`]: one device, both jobs
/// as its transactions.
pub struct HwAccelerator {
    device: Box<dyn StreamDevice>,
    params: UpdateParams,
    corrupt: Option<Corruption>,
    tally: HostTally,
}

impl HwAccelerator {
    /// The accelerator behind `device`, whose update unit is `hw.update`.
    pub fn new(
        device: Box<dyn StreamDevice>,
        hw: &HwConfig,
        corrupt: Option<Corruption>,
    ) -> Result<Self, SimError> {
        hw.update.validate()?;
        Ok(Self {
            device,
            params: hw.update.clone(),
            corrupt,
            tally: HostTally::default(),
        })
    }

    /// The device's backend name.
    pub fn backend(&self) -> &'static str {
        self.device.backend()
    }

    /// Read the top's counters and check them against every transaction the host sent.
    pub fn read_counters(&mut self) -> Result<TopCounters, SimError> {
        check_counters(self.device.as_mut(), &self.tally)
    }
}

impl Accelerator for HwAccelerator {
    type Error = SimError;

    fn conv(
        &mut self,
        _step: u64,
        layer: usize,
        l: &ConvLayer,
        weights: &[u64],
        rq: &Requant,
        acts: &[Vec<u32>],
    ) -> Result<ConvRun, SimError> {
        let (outputs, t, words_in) = conv_transfer(
            self.device.as_mut(),
            &format!("conv{}", layer + 1),
            l,
            rq,
            weights,
            acts,
        )?;
        self.tally.conv(words_in, t.output.len());
        Ok(ConvRun {
            outputs,
            cycles: t.cycles,
        })
    }

    fn update(
        &mut self,
        step: u64,
        layer: usize,
        cmd: &UpdateCommand,
        w: &[i64],
        u: &[i64],
    ) -> Result<UpdateRun, SimError> {
        let p = &self.params;
        let input = update_transaction(p, cmd.encode(p)?, w, u)?;
        let frame = UpdateFrame::new(p, cmd, w.len() / p.lanes);
        let n_out = frame.len();
        let mut t = self.device.transfer(&input, n_out)?;
        self.tally.update(input.len(), t.output.len());
        if t.output.len() != n_out || t.lasts != [n_out - 1] {
            return Err(SimError::Protocol(format!(
                "conv{} update: expected {n_out} response words with `last` on the final one, got {} words, `last` at {:?}",
                layer + 1,
                t.output.len(),
                t.lasts
            )));
        }
        if let Some(c) = self.corrupt {
            if (c.step, c.layer) == (step, layer) && c.index < w.len() {
                let (k, bit) = frame.w_out_field(c.index);
                t.output[k] ^= 1 << bit;
            }
        }
        let reply = frame.parse(p, &t.output)?;
        if reply.status.cmd_error || reply.status.truncated {
            return Err(SimError::Protocol(format!(
                "conv{} update: the top's status word {:#018x} reports a command error or a truncated beat",
                layer + 1,
                t.output[n_out - 1]
            )));
        }
        Ok(UpdateRun {
            w: reply.w,
            packed: reply.packed,
            saturations: reply.status.saturations,
            cycles: t.cycles,
        })
    }
}

/// A hardware-in-the-loop training run.
#[derive(Clone, Debug)]
pub struct HilConfig {
    /// Network (vgg-bc).
    pub net: String,
    /// Width multiplier.
    pub width: f64,
    /// Activation bits between conv layers.
    pub act_bits: u32,
    /// R, SR or BC.
    pub mode: UpdateMode,
    /// Training steps.
    pub steps: u64,
    /// Images per step.
    pub batch: usize,
    /// Seed of the weights, the LFSR lanes, the synthetic batch and the traffic.
    pub seed: u64,
    /// ADAM's learning rate.
    pub lr: f32,
    /// Hardware configuration (the device's: its update unit frames the update transactions).
    pub hw: HwConfig,
    /// CIFAR directory: step s trains on training images `(s−1)·B ..`; synthetic batch otherwise.
    pub data: Option<PathBuf>,
    /// Fault injection (tests).
    pub corrupt: Option<Corruption>,
}

/// One step of the table.
#[derive(Clone, Debug, Serialize)]
pub struct HilStep {
    /// Step (1-based).
    pub step: u64,
    /// Batch loss on the hardware path (before the update).
    pub loss: f64,
    /// Batch loss on the golden path: the same number as `loss`, because the hardware path's jobs are
    /// checked one by one against the golden ones inside the step (kept for the JSON's readers).
    pub golden_loss: f64,
    /// Misclassified images of the batch (hardware path).
    pub errors: usize,
    /// Forward weights whose sign flipped.
    pub flipped: u64,
    /// Stored weights (R/SR: weights, BC: buffer) that changed.
    pub changed: u64,
    /// ADAM steps saturated when quantised to u_format.
    pub u_saturations: u64,
    /// Update unit's clip count (w − u outside the grid's range).
    pub clip_saturations: u64,
    /// Conv engine cycles of the forward pass.
    pub conv_cycles: u64,
    /// Cycles of the update transactions (header in to status word out).
    pub update_cycles: u64,
    /// Conv output values compared.
    pub outputs_compared: u64,
    /// Stored weights + sign words compared.
    pub weights_compared: u64,
    /// Everything equal to the golden path.
    pub matched: bool,
    /// The first difference.
    pub mismatch: Option<String>,
    /// Wall seconds of the hardware path's step.
    pub wall_seconds: f64,
}

/// The whole run.
#[derive(Clone, Debug, Serialize)]
pub struct HilReport {
    /// Network.
    pub net: String,
    /// Width multiplier.
    pub width: f64,
    /// "r", "sr" or "bc".
    pub method: String,
    /// The device's backend name ("rtl-engine", "rtl", "model", …).
    pub backend: String,
    /// Images per step.
    pub batch: usize,
    /// Seed.
    pub seed: u64,
    /// Learning rate.
    pub lr: f32,
    /// Binary conv weights in the net.
    pub conv_weights: usize,
    /// Per-step figures (up to and including a mismatching step).
    pub steps: Vec<HilStep>,
    /// Every step matched the golden path.
    pub all_match: bool,
    /// "step S, LAYER: …" of the first difference.
    pub first_mismatch: Option<String>,
    /// The top's counters read after the last step, checked against the host's tally of conv and
    /// update transactions.
    pub counters: Option<TopCounters>,
    /// Wall-clock seconds of the whole run.
    pub wall_seconds: f64,
}

/// Method name in reports and on the command line.
pub fn method_name(m: UpdateMode) -> &'static str {
    match m {
        UpdateMode::R => "r",
        UpdateMode::Sr => "sr",
        UpdateMode::Bc => "bc",
    }
}

/// Where the training batches come from.
enum Batches {
    Synthetic(Vec<Vec<u32>>, Vec<u16>),
    Cifar(qtrain::data::Dataset),
}

impl Batches {
    fn get(&self, step: u64, batch: usize) -> (Vec<Vec<u32>>, Vec<u16>) {
        match self {
            Batches::Synthetic(i, l) => (i.clone(), l.clone()),
            Batches::Cifar(d) => {
                let n = d.len();
                let idx: Vec<usize> = (0..batch)
                    .map(|i| ((step as usize - 1) * batch + i) % n)
                    .collect();
                (
                    idx.iter().map(|&i| planar_to_hwc(d.image(i))).collect(),
                    idx.iter().map(|&i| d.labels[i]).collect(),
                )
            }
        }
    }
}

/// Run `cfg.steps` steps of the integer training path with every accelerator job also sent to
/// `device` (fresh: its counters are checked against this run's transactions) and compared with the
/// golden job; stops at the first mismatch (the report says where). `progress` is called after each
/// step.
pub fn run(
    cfg: &HilConfig,
    device: Box<dyn StreamDevice>,
    mut progress: impl FnMut(&HilStep),
) -> Result<HilReport, SimError> {
    let t0 = Instant::now();
    if cfg.batch == 0 || cfg.steps == 0 {
        return Err(SimError::Protocol(
            "--batch and --steps must be at least 1".into(),
        ));
    }
    if cfg.net != "vgg-bc" {
        return Err(SimError::Protocol(format!(
            "--train runs vgg-bc only, not '{}': the ResNets' host-side shortcuts and residual adds \
             have no backward pass in the integer training path yet",
            cfg.net
        )));
    }
    let plan = NetPlan::new(&cfg.net, cfg.width, cfg.act_bits)
        .map_err(|e| SimError::Protocol(e.to_string()))?;
    for pc in &plan.convs {
        pc.layer.validate(&cfg.hw.conv)?;
    }
    let (batches, classes) = match &cfg.data {
        Some(dir) => {
            let train = qtrain::data::load_cifar(dir)?.train;
            let k = train.num_classes;
            (Batches::Cifar(train), k)
        }
        None => (
            Batches::Synthetic(
                synthetic_images(cfg.batch, cfg.seed)
                    .iter()
                    .map(|i| planar_to_hwc(i))
                    .collect(),
                (0..cfg.batch).map(|i| (i % 10) as u16).collect(),
            ),
            10,
        ),
    };
    let icfg = IntegerConfig {
        convs: plan.convs.iter().map(|p| p.layer.clone()).collect(),
        mode: cfg.mode,
        update: cfg.hw.update.clone(),
        fc_hidden: width_ch(qtrain::models::vgg_bc::HIDDEN, cfg.width),
        classes,
        lr: cfg.lr,
        latent_init: 1.0,
        bc_latent: Default::default(),
        seed: cfg.seed,
    };
    let l0 = &icfg.convs[0];
    let hw0 = l0.h * l0.w;
    let nchw = |imgs: &[Vec<u32>]| hwc_batch_to_nchw(imgs, l0.c_in, hw0);
    let (calib, _) = batches.get(1, cfg.batch);
    let mut trainer = IntegerTrainer::new(icfg.clone(), &nchw(&calib))?;
    let mut hacc = HwAccelerator::new(device, &cfg.hw, cfg.corrupt)?;
    let mut report = HilReport {
        net: cfg.net.clone(),
        width: cfg.width,
        method: method_name(cfg.mode).into(),
        backend: hacc.backend().into(),
        batch: cfg.batch,
        seed: cfg.seed,
        lr: cfg.lr,
        conv_weights: trainer.convs().iter().map(|c| c.w.len()).sum(),
        steps: Vec::new(),
        all_match: true,
        first_mismatch: None,
        counters: None,
        wall_seconds: 0.0,
    };
    for s in 1..=cfg.steps {
        let (images, labels) = batches.get(s, cfg.batch);
        let ts = Instant::now();
        let r = trainer.step_at(Some(&mut hacc), &nchw(&images), &labels, cfg.lr);
        let wall = ts.elapsed().as_secs_f64();
        let (hr, mismatch) = match r {
            Ok(hr) => (hr, None),
            Err(SimError::Golden(QtrainError::Mismatch(m))) => (
                StepRecord {
                    step: s,
                    loss: f64::NAN,
                    ..StepRecord::default()
                },
                Some(m),
            ),
            Err(e) => return Err(e),
        };
        let st = HilStep {
            step: s,
            loss: hr.loss,
            golden_loss: hr.loss,
            errors: hr.errors,
            flipped: hr.flipped,
            changed: hr.changed,
            u_saturations: hr.u_saturations,
            clip_saturations: hr.clip_saturations,
            conv_cycles: hr.conv_cycles,
            update_cycles: hr.update_cycles,
            outputs_compared: hr.outputs_compared,
            weights_compared: hr.weights_compared,
            matched: mismatch.is_none(),
            mismatch: mismatch.clone(),
            wall_seconds: wall,
        };
        progress(&st);
        report.steps.push(st);
        if let Some(m) = mismatch {
            report.all_match = false;
            report.first_mismatch = Some(m);
            break;
        }
    }
    report.counters = Some(hacc.read_counters()?);
    report.wall_seconds = t0.elapsed().as_secs_f64();
    Ok(report)
}

impl HilReport {
    /// The per-step table and totals, for people.
    pub fn table(&self) -> String {
        let mut s = format!(
            "hardware-in-the-loop training: {} width {} method {} backend {} batch {} seed {} lr {} ({} binary conv weights)\n",
            self.net, self.width, self.method, self.backend, self.batch, self.seed, self.lr, self.conv_weights
        );
        s += &format!(
            "{:>5} {:>10} {:>8} {:>8} {:>8} {:>8} {:>12} {:>12} {:>6}\n",
            "step", "loss", "flipped", "changed", "u_sat", "clip", "conv_cyc", "upd_cyc", "match"
        );
        for st in &self.steps {
            s += &format!(
                "{:>5} {:>10.5} {:>8} {:>8} {:>8} {:>8} {:>12} {:>12} {:>6}\n",
                st.step,
                st.loss,
                st.flipped,
                st.changed,
                st.u_saturations,
                st.clip_saturations,
                st.conv_cycles,
                st.update_cycles,
                if st.matched { "yes" } else { "NO" }
            );
        }
        let (cc, uc): (u64, u64) = self.steps.iter().fold((0, 0), |(a, b), st| {
            (a + st.conv_cycles, b + st.update_cycles)
        });
        if let Some(c) = &self.counters {
            s += &format!(
                "{}: {} transactions, {} errors; conv {} words in / {} out, update {} words in / {} out \
                 (host sent {} conv + {} update payload words, received {} + {})\n",
                if self.backend == "rtl-engine" {
                    "shim counters (engine and update unit behind the top's definition)"
                } else {
                    "top counters"
                },
                c.transactions,
                c.errors,
                c.conv_words_in,
                c.conv_words_out,
                c.update_words_in,
                c.update_words_out,
                c.host_conv_payload_words,
                c.host_update_payload_words,
                c.host_words_received,
                c.host_update_words_received
            );
        }
        s += &format!(
            "{} steps, conv {cc} cycles, update {uc} cycles, {:.1} s wall; {}\n",
            self.steps.len(),
            self.wall_seconds,
            match &self.first_mismatch {
                None => "every step bit-identical to the golden integer training path".to_string(),
                Some(m) => format!("MISMATCH at {m}"),
            }
        );
        s
    }
}
