//! `sim run` (the default command): its flags and their validation into a [`RunConfig`].

use std::path::PathBuf;

use clap::ValueEnum;
use qtrain::exact::update::UpdateMode;
use qtrain::models::NetSpec;
use qtrain::output::{self as outputs, Target};
use qtrain::validate::{self, Origin};

use crate::app::hil::{Corruption, HilConfig};
use crate::app::session::SessionConfig;
use crate::cli::{method_parser, HwSource};
use crate::devices::rtl::RtlTarget;
use crate::devices::select::{Backend, DeviceConfig, DEFAULT_WATCHDOG};
use crate::devices::shapes;
use crate::devices::stream::Traffic;
use crate::error::{usage, SimError};
use crate::host::plan::{NetPlan, Plan};

/// `--backend`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BackendArg {
    /// Cycle-accurate rust-hdl simulation of the accelerator.
    Rtl,
    /// Transaction-level model: the integer golden model behind the same stream interface.
    Model,
    /// The exported Verilog top `qtrain_accel` compiled by Verilator (cycle-accurate; compiled
    /// once per hardware configuration and cached under target/verilator).
    Verilator,
}

/// `--rtl-target`: what `--backend rtl` simulates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TargetArg {
    /// The accelerator top `qtrain_accel` (conv engine + update unit behind one stream pair).
    Top,
    /// The bare conv engine and update unit behind the top's transaction-level definition
    /// (`qtrain::exact::accel::TopModel`; faster per simulated cycle; backend "rtl-engine").
    Engine,
}

impl TargetArg {
    fn name(self) -> &'static str {
        match self {
            TargetArg::Top => "top",
            TargetArg::Engine => "engine",
        }
    }
}

/// Flags of a simulation run.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// Network: vgg-bc, resnet-N (N = 6k+2, e.g. resnet-20) or wrn-N-k (e.g. wrn-16-2); the ResNets'
    /// stride-2 convs, shortcuts and residual adds run on the host (see host/plan.rs).
    #[arg(long, default_value = "vgg-bc")]
    pub net: String,
    /// Width multiplier of the network's channel counts.
    #[arg(long, default_value_t = 1.0)]
    pub width: f64,
    /// Activation bits between conv layers (the first layer takes 8-bit pixels).
    #[arg(long, default_value_t = 4)]
    pub act_bits: u32,
    /// Real CIFAR-10/100 directory: stream the first --images test images instead of synthetic ones.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// A trained model (`qtrain export` directory): its binary conv weights and BN run on the engine,
    /// its linear layers on the host; with --data, top-1 accuracy of both paths is reported.
    #[arg(long)]
    pub weights: Option<PathBuf>,
    /// Images to stream (synthetic unless --data is given) [default: 1].
    #[arg(long)]
    pub images: Option<usize>,
    /// Images per batch: weights are streamed once per layer per batch.
    #[arg(long, default_value_t = 1)]
    pub batch: usize,
    /// Hardware configuration (TOML: P, S, A, clock, buffer sizes); the built-in default otherwise.
    #[arg(long)]
    pub hw: Option<PathBuf>,
    /// Which device runs the layers.
    #[arg(long, value_enum, default_value_t = BackendArg::Rtl)]
    pub backend: BackendArg,
    /// What the rtl backend simulates: the bare conv engine and update unit behind the top's
    /// transaction-level definition (headers, gearbox, framing, counters; default: ~35× faster per
    /// cycle, checked word for word against the top in CI), or the whole accelerator top
    /// `qtrain_accel`.
    /// [default: engine]
    #[arg(long, value_enum)]
    pub rtl_target: Option<TargetArg>,
    /// Seed of the synthetic weights, images and traffic.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Probability per cycle that the host leaves a gap in the input stream (seeded).
    #[arg(long, default_value_t = 0.0)]
    pub input_gap: f64,
    /// Probability per cycle that the host holds back the output stream (seeded back-pressure).
    #[arg(long, default_value_t = 0.0)]
    pub output_stall: f64,
    /// Stop with a diagnosis when no stream word moves for this many cycles.
    #[arg(long, default_value_t = DEFAULT_WATCHDOG)]
    pub watchdog: u64,
    /// Write a VCD waveform of the accelerator top during the first layer of the first batch.
    #[arg(long)]
    pub vcd: Option<PathBuf>,
    /// Write every figure of the report as JSON.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Hardware-in-the-loop training with this method (bc, sr or r): conv forward passes and weight
    /// updates as the top's transactions (op 1, op 2) on the backend's device, backward + ADAM on
    /// the host; every step checked bit for bit against the golden integer training path (with
    /// --data: CIFAR training images, else the synthetic batch).
    #[arg(long, value_parser = method_parser())]
    pub train: Option<UpdateMode>,
    /// Training steps of --train [default: 1].
    #[arg(long)]
    pub steps: Option<u64>,
    /// ADAM learning rate of --train [default: 0.01].
    #[arg(long)]
    pub lr: Option<f64>,
    /// Test hook: flip the LSB of weight INDEX returned by the update unit in STEP for LAYER
    /// (0-based), as STEP:LAYER:INDEX, to show the comparison catches it.
    #[arg(long, hide = true)]
    pub corrupt_update: Option<String>,
}

/// A validated `sim run`: what runs, on which device, and where its results go.
#[derive(Debug)]
pub struct RunConfig {
    /// The hardware configuration and its origin.
    pub hw: HwSource,
    /// The device and its traffic.
    pub device: DeviceConfig,
    /// `--json`.
    pub json: Option<Target>,
    /// Inference or training.
    pub mode: RunMode,
}

/// What a run does.
#[derive(Debug)]
pub enum RunMode {
    /// Stream images through the network (`crate::app::session`).
    Session(SessionConfig),
    /// Hardware-in-the-loop training steps (`crate::app::hil`).
    Train(HilConfig),
}

impl RunArgs {
    /// Check every flag once, before anything is loaded, simulated or written, whatever the backend
    /// (errors name the flag, the value and the allowed range).
    pub fn validate(self) -> Result<RunConfig, SimError> {
        let a = self;
        let f = &Origin::Flag;
        let hw = HwSource::load(a.hw.as_deref())?;
        // --net parsed once (family, ResNet depth, widening factor), --width within its bounds
        NetSpec::new(&a.net, a.width, 10)?;
        let max_a = hw.cfg.conv.max_act_bits;
        if !(1..=max_a).contains(&a.act_bits) {
            return Err(f
                .invalid(
                    "--act-bits",
                    a.act_bits,
                    format!(
                        "an integer in 1..={max_a} ({})",
                        hw.field("conv.max_act_bits")
                    ),
                )
                .into());
        }
        validate::count(f, "--batch", a.batch, 1..=validate::MAX_BATCH)?;
        validate::probability(f, "--input-gap", a.input_gap)?;
        validate::probability(f, "--output-stall", a.output_stall)?;
        if !(1..=validate::MAX_WATCHDOG_CYCLES).contains(&a.watchdog) {
            return Err(f
                .invalid(
                    "--watchdog",
                    a.watchdog,
                    format!("idle cycles in 1..={}", validate::MAX_WATCHDOG_CYCLES),
                )
                .into());
        }
        let backend = a.backend()?;
        if !backend.clocked() {
            for (flag, v) in [
                ("--input-gap", a.input_gap),
                ("--output-stall", a.output_stall),
            ] {
                if v != 0.0 {
                    return Err(f
                        .invalid(
                            flag,
                            v,
                            "0 with --backend model (it has no clock: input gaps and back-pressure \
                             need --backend rtl or verilator)",
                        )
                        .into());
                }
            }
            if a.vcd.is_some() {
                usage!(
                    "--vcd needs --backend rtl or verilator (the model backend has no waveform)"
                );
            }
        }
        let vcd = a
            .vcd
            .as_deref()
            .map(|p| outputs::target("--vcd", p))
            .transpose()?;
        let json = a
            .json
            .as_deref()
            .map(|p| outputs::target("--json", p))
            .transpose()?;
        if let (Some(v), Some(j)) = (&vcd, &json) {
            if v == j || a.vcd == a.json {
                usage!("--vcd and --json name the same file {}", v.path.display());
            }
        }
        let device = DeviceConfig {
            backend,
            traffic: Traffic {
                input_gap: a.input_gap,
                output_stall: a.output_stall,
                seed: a.seed,
            },
            watchdog: a.watchdog,
        };
        let mode = match a.train {
            None => RunMode::Session(a.session(&hw, backend, vcd)?),
            Some(m) => RunMode::Train(a.hil(&hw, backend, m)?),
        };
        Ok(RunConfig {
            hw,
            device,
            json,
            mode,
        })
    }

    /// `--backend` with `--rtl-target` (which applies to rtl only).
    fn backend(&self) -> Result<Backend, SimError> {
        Ok(match (self.backend, self.rtl_target) {
            (BackendArg::Rtl, t) => Backend::Rtl(match t.unwrap_or(TargetArg::Engine) {
                TargetArg::Top => RtlTarget::Top,
                TargetArg::Engine => RtlTarget::Engine,
            }),
            (BackendArg::Model, None) => Backend::Model,
            (BackendArg::Verilator, None) => Backend::Verilator,
            (BackendArg::Model, Some(t)) => usage!(
                "--rtl-target {} applies to --backend rtl, not --backend model",
                t.name()
            ),
            (BackendArg::Verilator, Some(t)) => usage!(
                "--rtl-target {} applies to --backend rtl, not --backend verilator (it always \
                 simulates the exported top qtrain_accel)",
                t.name()
            ),
        })
    }

    /// The inference session's part of the flags.
    fn session(
        &self,
        hw: &HwSource,
        backend: Backend,
        vcd: Option<Target>,
    ) -> Result<SessionConfig, SimError> {
        let f = &Origin::Flag;
        for (flag, given) in [
            ("--steps", self.steps.is_some()),
            ("--lr", self.lr.is_some()),
            ("--corrupt-update", self.corrupt_update.is_some()),
        ] {
            if given {
                usage!("{flag} applies to --train only");
            }
        }
        let images = validate::count(
            f,
            "--images",
            self.images.unwrap_or(1),
            1..=validate::MAX_SIM_IMAGES,
        )?;
        shapes::check(&hw.cfg, &hw.origin, backend.shape_use(false))?;
        let plan = Plan::new(&self.net, self.width, self.act_bits)?;
        if matches!(plan, Plan::ResNet(_)) && self.weights.is_some() {
            usage!(
                "--weights supports vgg-bc only (resnet-N and wrn-N-k run on synthetic parameters)"
            );
        }
        fits(&plan, hw)?;
        Ok(SessionConfig {
            net: self.net.clone(),
            plan,
            width: self.width,
            images,
            batch: self.batch,
            seed: self.seed,
            data: self.data.clone(),
            weights: self.weights.clone(),
            vcd,
        })
    }

    /// The training steps' part of the flags.
    fn hil(
        &self,
        hw: &HwSource,
        backend: Backend,
        mode: UpdateMode,
    ) -> Result<HilConfig, SimError> {
        let f = &Origin::Flag;
        let plan = Plan::new(&self.net, self.width, self.act_bits)?;
        if !matches!(plan, Plan::Vgg(_)) {
            return Err(f
                .invalid(
                    "--net",
                    &self.net,
                    "vgg-bc with --train (the ResNets' host-side shortcuts and residual adds have \
                     no backward pass in the integer training path yet)",
                )
                .into());
        }
        if self.weights.is_some() || self.vcd.is_some() {
            usage!(
                "--train starts from seeded ±1 weights and writes no waveform: drop --weights / --vcd"
            );
        }
        if self.images.is_some() {
            usage!("--images does not apply to --train: each step trains on --batch images");
        }
        let steps = self.steps.unwrap_or(1);
        if !(1..=validate::MAX_STEPS).contains(&steps) {
            return Err(f
                .invalid(
                    "--steps",
                    steps,
                    format!("an integer in 1..={}", validate::MAX_STEPS),
                )
                .into());
        }
        let lr = self.lr.unwrap_or(0.01);
        validate::positive(f, "--lr", lr, 0.0, qtrain::train::config::MAX_LR)?;
        shapes::check(&hw.cfg, &hw.origin, backend.shape_use(true))?;
        let corrupt = match (&self.corrupt_update, &plan) {
            (Some(s), Plan::Vgg(p)) => Some(parse_corruption(s, steps, p, hw.cfg.update.lanes)?),
            _ => None,
        };
        fits(&plan, hw)?;
        if let Some(data) = &self.data {
            // fail on a missing or mixed directory before any hardware is built
            qtrain::data::find_cifar(data)?;
        }
        Ok(HilConfig {
            net: self.net.clone(),
            width: self.width,
            act_bits: self.act_bits,
            mode,
            steps,
            batch: self.batch,
            seed: self.seed,
            lr: lr as f32,
            hw: hw.cfg.clone(),
            data: self.data.clone(),
            corrupt,
        })
    }
}

/// Every engine layer of the plan fits the engine configuration.
fn fits(plan: &Plan, hw: &HwSource) -> Result<(), SimError> {
    for pc in plan.convs() {
        if let Err(e) = pc.layer.validate(&hw.cfg.conv) {
            usage!(
                "{} does not fit the engine configuration ({}): {e}",
                pc.name,
                hw.name()
            );
        }
    }
    Ok(())
}

/// `--corrupt-update STEP:LAYER:INDEX` within the run: step 1..=steps, a conv layer of the plan, an
/// index inside that layer's padded update stream (anything else would corrupt nothing).
fn parse_corruption(
    s: &str,
    steps: u64,
    plan: &NetPlan,
    lanes: usize,
) -> Result<Corruption, SimError> {
    let f = &Origin::Flag;
    let v: Vec<&str> = s.split(':').collect();
    let [st, l, i] = v[..] else {
        return Err(f
            .invalid("--corrupt-update", s, "STEP:LAYER:INDEX (three integers)")
            .into());
    };
    let num = |part: &str, what: &str| -> Result<usize, SimError> {
        part.parse::<usize>().map_err(|_| {
            f.invalid(
                "--corrupt-update",
                s,
                format!("STEP:LAYER:INDEX with an integer {what}, not {part:?}"),
            )
            .into()
        })
    };
    let (step, layer, index) = (num(st, "STEP")?, num(l, "LAYER")?, num(i, "INDEX")?);
    if !(1..=steps).contains(&(step as u64)) {
        return Err(f
            .invalid(
                "--corrupt-update",
                s,
                format!("STEP in 1..={steps} (the run's --steps)"),
            )
            .into());
    }
    let n = plan.convs.len();
    let Some(pc) = plan.convs.get(layer) else {
        return Err(f
            .invalid(
                "--corrupt-update",
                s,
                format!("LAYER in 0..={} (the net's conv layers, 0-based)", n - 1),
            )
            .into());
    };
    let l = &pc.layer;
    let len = l.c_out * l.window_bits().div_ceil(lanes) * lanes;
    if index >= len {
        return Err(f
            .invalid(
                "--corrupt-update",
                s,
                format!(
                    "INDEX in 0..={} (conv{}'s update stream: {} filters of {} weights padded to {lanes} lanes)",
                    len - 1,
                    layer + 1,
                    l.c_out,
                    l.window_bits()
                ),
            )
            .into());
    }
    Ok(Corruption {
        step: step as u64,
        layer,
        index,
    })
}
