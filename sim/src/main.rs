//! `sim`: run a network's conv layers through the accelerator, cycle by cycle, check every layer
//! against the golden model bit for bit, and report cycles, utilisation and accuracy.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use qtrain::exact::update::UpdateMode;
use qtrain::hw::HwConfig;
use qtrain::models::NetSpec;
use qtrain::output::{self as outputs, OutFile};
use qtrain::validate::{self, Origin};
use qtrain_sim::driver::{planar_to_hwc, read_counters, run_batch, synthetic_images, ParamSource};
use qtrain_sim::hil::{Corruption, HilConfig};
use qtrain_sim::model_backend::ModelDevice;
use qtrain_sim::plan::{NetPlan, ResNetPlan};
use qtrain_sim::report::RunReport;
use qtrain_sim::resnet::{merge_extras, merge_layer_reports, run_resnet_batch, ResNetExtras};
use qtrain_sim::rtl_backend::{RtlDevice, RtlTarget};
use qtrain_sim::shapes::{self, Use};
use qtrain_sim::stream::{StreamDevice, Traffic};
use qtrain_sim::trained::TrainedModel;
use qtrain_sim::verilator_backend::VerilatorDevice;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Backend {
    /// Cycle-accurate rust-hdl simulation of the accelerator.
    Rtl,
    /// Transaction-level model: the integer golden model behind the same stream interface.
    Model,
    /// The exported Verilog top `qtrain_accel` compiled by Verilator (cycle-accurate; compiled
    /// once per hardware configuration and cached under target/verilator).
    Verilator,
}

/// What `--backend rtl` simulates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Target {
    /// The accelerator top `qtrain_accel` (conv engine + update unit behind one stream pair).
    Top,
    /// The bare conv engine and update unit behind the top's transaction-level definition
    /// (`qtrain::exact::accel::TopModel`; faster per simulated cycle; backend "rtl-engine").
    Engine,
}

/// A training method of `--train` (the paper's three).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum TrainMethod {
    /// BinaryConnect: fixed-point buffer w_r, forward with sign(w_r).
    Bc,
    /// Stochastic rounding with the update unit's LFSRs.
    Sr,
    /// Deterministic rounding.
    R,
}

/// Simulate the qtrain accelerator on a network and check it against the golden model.
#[derive(Parser, Debug)]
#[command(name = "sim", version, about, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    cmd: Option<SimCmd>,
    #[command(flatten)]
    run: Args,
}

#[derive(Subcommand, Debug)]
enum SimCmd {
    /// Write the accelerator's Verilog, its parameters and golden vectors + an Icarus test bench.
    Export {
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// Hardware configuration (TOML); the built-in default otherwise.
        #[arg(long)]
        hw: Option<PathBuf>,
        /// Replace an existing non-empty output directory (only once the new export is complete).
        #[arg(long)]
        overwrite: bool,
        /// Make the accelerator-top vectors' first conv this full-size VGG-BC layer (conv1..conv6)
        /// instead of the small vector layer.
        #[arg(long)]
        layer: Option<String>,
    },
    /// Simulated cycles/s of the rust-hdl engine, the rust-hdl top and the Verilator-compiled
    /// exported top, side by side on the first conv layers of full-size VGG-BC (every value checked).
    Bench {
        /// Conv layers of VGG-BC to run (1..=6, from conv1).
        #[arg(long, default_value_t = 1)]
        layers: usize,
        /// Hardware configuration (TOML); the built-in default otherwise.
        #[arg(long)]
        hw: Option<PathBuf>,
        /// Write the figures as JSON.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Train vgg-bc on CIFAR through the accelerator's arithmetic for whole epochs (test error
    /// through the engine every epoch, checkpoints, --resume; the first --check-steps steps also on
    /// a cycle-accurate backend).
    Train(qtrain_sim::train_cmd::TrainArgs),
}

/// Flags of a simulation run (the default command).
#[derive(clap::Args, Debug)]
struct Args {
    /// Network: vgg-bc, resnet-N (N = 6k+2, e.g. resnet-20) or wrn-N-k (e.g. wrn-16-2); the ResNets'
    /// stride-2 convs, shortcuts and residual adds run on the host (see plan.rs).
    #[arg(long, default_value = "vgg-bc")]
    net: String,
    /// Width multiplier of the network's channel counts.
    #[arg(long, default_value_t = 1.0)]
    width: f64,
    /// Activation bits between conv layers (the first layer takes 8-bit pixels).
    #[arg(long, default_value_t = 4)]
    act_bits: u32,
    /// Real CIFAR-10/100 directory: stream the first --images test images instead of synthetic ones.
    #[arg(long)]
    data: Option<PathBuf>,
    /// A trained model (`qtrain export` directory): its binary conv weights and BN run on the engine,
    /// its linear layers on the host; with --data, top-1 accuracy of both paths is reported.
    #[arg(long)]
    weights: Option<PathBuf>,
    /// Images to stream (synthetic unless --data is given) [default: 1].
    #[arg(long)]
    images: Option<usize>,
    /// Images per batch: weights are streamed once per layer per batch.
    #[arg(long, default_value_t = 1)]
    batch: usize,
    /// Hardware configuration (TOML: P, S, A, clock, buffer sizes); the built-in default otherwise.
    #[arg(long)]
    hw: Option<PathBuf>,
    /// Which device runs the layers.
    #[arg(long, value_enum, default_value_t = Backend::Rtl)]
    backend: Backend,
    /// What the rtl backend simulates: the bare conv engine and update unit behind the top's
    /// transaction-level definition (headers, gearbox, framing, counters; default: ~35× faster per
    /// cycle, checked word for word against the top in CI), or the whole accelerator top
    /// `qtrain_accel`.
    /// [default: engine]
    #[arg(long, value_enum)]
    rtl_target: Option<Target>,
    /// Seed of the synthetic weights, images and traffic.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Probability per cycle that the host leaves a gap in the input stream (seeded).
    #[arg(long, default_value_t = 0.0)]
    input_gap: f64,
    /// Probability per cycle that the host holds back the output stream (seeded back-pressure).
    #[arg(long, default_value_t = 0.0)]
    output_stall: f64,
    /// Stop with a diagnosis when no stream word moves for this many cycles.
    #[arg(long, default_value_t = 200_000)]
    watchdog: u64,
    /// Write a VCD waveform of the accelerator top during the first layer of the first batch.
    #[arg(long)]
    vcd: Option<PathBuf>,
    /// Write every figure of the report as JSON.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Hardware-in-the-loop training with this method: conv forward passes and weight updates as
    /// the top's transactions (op 1, op 2) on the backend's device, backward + ADAM on the host;
    /// every step checked bit for bit against the golden integer training path (with --data: CIFAR
    /// training images, else the synthetic batch).
    #[arg(long, value_enum)]
    train: Option<TrainMethod>,
    /// Training steps of --train [default: 1].
    #[arg(long)]
    steps: Option<u64>,
    /// ADAM learning rate of --train [default: 0.01].
    #[arg(long)]
    lr: Option<f64>,
    /// Test hook: flip the LSB of weight INDEX returned by the update unit in STEP for LAYER
    /// (0-based), as STEP:LAYER:INDEX, to show the comparison catches it.
    #[arg(long, hide = true)]
    corrupt_update: Option<String>,
}

fn main() {
    // Errors are for users: the message chain, no backtrace, exit status 1.
    let cli = Cli::parse();
    let result = match cli.cmd {
        Some(SimCmd::Export {
            out,
            hw,
            overwrite,
            layer,
        }) => export(&out, hw.as_deref(), overwrite, layer.as_deref()),
        Some(SimCmd::Bench { layers, hw, json }) => bench(layers, hw.as_deref(), json.as_deref()),
        Some(SimCmd::Train(a)) => qtrain_sim::train_cmd::run(&a),
        None => run(cli.run),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

/// The hardware configuration and where it came from (errors about it name the file).
struct Hw {
    cfg: HwConfig,
    origin: Origin,
}

impl Hw {
    fn load(path: Option<&Path>) -> Result<Self> {
        Ok(match path {
            Some(p) => Hw {
                cfg: HwConfig::load(p)?,
                origin: Origin::file(p),
            },
            None => Hw {
                cfg: HwConfig::default(),
                origin: Origin::Flag,
            },
        })
    }

    /// "FILE" / "the built-in configuration".
    fn name(&self) -> String {
        match &self.origin {
            Origin::File(p) => p.display().to_string(),
            Origin::Flag => "the built-in configuration".into(),
        }
    }

    /// "conv.max_act_bits of FILE".
    fn field(&self, f: &str) -> String {
        format!("{f} of {}", self.name())
    }
}

fn export(out: &Path, hw: Option<&Path>, overwrite: bool, layer: Option<&str>) -> Result<()> {
    let hw = Hw::load(hw)?;
    shapes::check(&hw.cfg, &hw.origin, Use::Export)?;
    // The nearest existing ancestor of --out must be a directory (the export creates the rest).
    if let Some(a) = out
        .ancestors()
        .skip(1)
        .find(|a| !a.as_os_str().is_empty() && std::fs::symlink_metadata(a).is_ok())
    {
        if !a.is_dir() {
            return Err(Origin::Flag
                .invalid(
                    "--out",
                    out.display(),
                    format!("a directory path; {} is not a directory", a.display()),
                )
                .into());
        }
    }
    let e = qtrain_sim::export::export(out, &hw.cfg, overwrite, layer)?;
    for f in &e.files {
        println!("wrote {}", f.display());
    }
    println!(
        "conv vectors: {} input words, {} expected output words (replay: cd {} && iverilog -g2005 -o tb tb_conv.v {}.v && vvp -n tb)",
        e.conv_in_words,
        e.conv_out_words,
        out.display(),
        qtrain_hdl::conv::engine::VERILOG_TOP
    );
    println!(
        "accelerator-top vectors: {} input words, {} expected output words (replay: cd {} && iverilog -g2005 -o tb tb_accel.v {}.v && vvp -n tb)",
        e.accel_in_words,
        e.accel_out_words,
        out.display(),
        qtrain_hdl::accel::ACCEL_TOP
    );
    Ok(())
}

/// `sim bench`: the cycle-accurate backends' simulated cycles/s side by side (`qtrain_sim::bench`).
fn bench(layers: usize, hw: Option<&Path>, json: Option<&Path>) -> Result<()> {
    let hw = Hw::load(hw)?;
    validate::count(&Origin::Flag, "--layers", layers, 1..=6)?;
    shapes::check(&hw.cfg, &hw.origin, Use::RtlTop)?;
    shapes::check(&hw.cfg, &hw.origin, Use::Verilator)?;
    let json = json.map(|p| outputs::target("--json", p)).transpose()?;
    let b = qtrain_sim::bench::run(&hw.cfg, layers)?;
    print!("{}", b.table());
    if let Some(j) = &json {
        outputs::write(j, serde_json::to_string_pretty(&b)?.as_bytes())?;
    }
    Ok(())
}

/// The run's flags, checked once, before anything is loaded, simulated or written, whatever the
/// backend (errors name the flag, the value and the allowed range).
struct Checked {
    /// Images of a run (not --train).
    images: usize,
    /// What the rtl backend simulates.
    target: Target,
    vcd: Option<outputs::Target>,
    json: Option<outputs::Target>,
    /// --train only.
    steps: u64,
    lr: f64,
    corrupt: Option<Corruption>,
}

fn check_flags(a: &Args, hw: &Hw) -> Result<Checked> {
    let f = &Origin::Flag;
    let resnet = ResNetPlan::is_resnet_name(&a.net);
    if !resnet && a.net != "vgg-bc" {
        bail!(
            "unknown or unsupported net '{}': known are vgg-bc, resnet-N (N = 6k+2, e.g. resnet-20) \
             and wrn-N-k (e.g. wrn-16-2)",
            a.net
        );
    }
    // --width within the network bounds (and the ResNet depth / widening factor in --net).
    NetSpec::new(&a.net.to_ascii_lowercase(), a.width, 10)?;
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
    if a.backend == Backend::Model {
        if let Some(t) = a.rtl_target {
            bail!(
                "--rtl-target {} applies to --backend rtl, not --backend model",
                target_name(t)
            );
        }
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
            bail!("--vcd needs --backend rtl or verilator (the model backend has no waveform)");
        }
    }
    if a.backend == Backend::Verilator {
        if let Some(t) = a.rtl_target {
            bail!(
                "--rtl-target {} applies to --backend rtl, not --backend verilator (it always \
                 simulates the exported top qtrain_accel)",
                target_name(t)
            );
        }
    }
    let target = a.rtl_target.unwrap_or(Target::Engine);
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
            bail!("--vcd and --json name the same file {}", v.path.display());
        }
    }
    let mut c = Checked {
        images: 1,
        target,
        vcd,
        json,
        steps: 1,
        lr: 0.01,
        corrupt: None,
    };
    let Some(_) = a.train else {
        for (flag, given) in [
            ("--steps", a.steps.is_some()),
            ("--lr", a.lr.is_some()),
            ("--corrupt-update", a.corrupt_update.is_some()),
        ] {
            if given {
                bail!("{flag} applies to --train only");
            }
        }
        c.images = validate::count(
            f,
            "--images",
            a.images.unwrap_or(1),
            1..=validate::MAX_SIM_IMAGES,
        )?;
        let u = match (a.backend, target) {
            (Backend::Model, _) => Use::Model,
            (Backend::Rtl, Target::Engine) => Use::RtlEngine,
            (Backend::Rtl, Target::Top) => Use::RtlTop,
            (Backend::Verilator, _) => Use::Verilator,
        };
        shapes::check(&hw.cfg, &hw.origin, u)?;
        return Ok(c);
    };
    if a.net != "vgg-bc" {
        return Err(f
            .invalid(
                "--net",
                &a.net,
                "vgg-bc with --train (the ResNets' host-side shortcuts and residual adds have no \
                 backward pass in the integer training path yet)",
            )
            .into());
    }
    if a.weights.is_some() || a.vcd.is_some() {
        bail!(
            "--train starts from seeded ±1 weights and writes no waveform: drop --weights / --vcd"
        );
    }
    if a.images.is_some() {
        bail!("--images does not apply to --train: each step trains on --batch images");
    }
    c.steps = a.steps.unwrap_or(1);
    if !(1..=validate::MAX_STEPS).contains(&c.steps) {
        return Err(f
            .invalid(
                "--steps",
                c.steps,
                format!("an integer in 1..={}", validate::MAX_STEPS),
            )
            .into());
    }
    c.lr = a.lr.unwrap_or(0.01);
    validate::positive(f, "--lr", c.lr, 0.0, qtrain::train::config::MAX_LR)?;
    shapes::check(
        &hw.cfg,
        &hw.origin,
        match a.backend {
            Backend::Model => Use::Model,
            Backend::Rtl => Use::RtlTop,
            Backend::Verilator => Use::Verilator,
        },
    )?;
    if let Some(s) = &a.corrupt_update {
        let plan = NetPlan::new(&a.net, a.width, a.act_bits)?;
        c.corrupt = Some(parse_corruption(s, c.steps, &plan, hw.cfg.update.lanes)?);
    }
    Ok(c)
}

fn target_name(t: Target) -> &'static str {
    match t {
        Target::Top => "top",
        Target::Engine => "engine",
    }
}

/// `--corrupt-update STEP:LAYER:INDEX` within the run: step 1..=steps, a conv layer of the plan, an
/// index inside that layer's padded update stream (anything else would corrupt nothing).
fn parse_corruption(s: &str, steps: u64, plan: &NetPlan, lanes: usize) -> Result<Corruption> {
    let f = &Origin::Flag;
    let v: Vec<&str> = s.split(':').collect();
    let [st, l, i] = v[..] else {
        return Err(f
            .invalid("--corrupt-update", s, "STEP:LAYER:INDEX (three integers)")
            .into());
    };
    let num = |part: &str, what: &str| -> Result<usize> {
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

fn run(args: Args) -> Result<()> {
    let hw = Hw::load(args.hw.as_deref())?;
    let c = check_flags(&args, &hw)?;
    if let Some(m) = args.train {
        let plan = NetPlan::new(&args.net, args.width, args.act_bits)?;
        for pc in &plan.convs {
            pc.layer.validate(&hw.cfg.conv).with_context(|| {
                format!(
                    "{} does not fit the engine configuration ({})",
                    pc.name,
                    hw.name()
                )
            })?;
        }
        return train(&args, &c, hw.cfg, m);
    }
    let hw_name = hw.name();
    let hw = hw.cfg;
    if ResNetPlan::is_resnet_name(&args.net) {
        return run_resnet(&args, &c, &hw, &hw_name);
    }
    let plan = NetPlan::new(&args.net, args.width, args.act_bits)?;
    for pc in &plan.convs {
        pc.layer.validate(&hw.conv).with_context(|| {
            format!(
                "{} does not fit the engine configuration ({hw_name})",
                pc.name
            )
        })?;
    }
    // The model's manifest, and that it fits the data, before anything is loaded.
    let manifest = match &args.weights {
        Some(dir) => {
            let m = TrainedModel::manifest(dir, &plan, args.width)?;
            if let Some(data) = &args.data {
                let (kind, _) = qtrain::data::find_cifar(data)?;
                if kind.num_classes() != m.net.classes {
                    bail!(
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
        None => None,
    };
    let (raw, labels) = load_images(&args, c.images)?;
    let mut model = match (&args.weights, &manifest) {
        (Some(dir), Some(m)) => Some(TrainedModel::load(
            dir,
            m,
            &plan,
            &raw[..raw.len().min(256)],
        )?),
        _ => None,
    };
    let (mut device, vcd) = make_device(&args, &c, &hw)?;
    let images: Vec<Vec<u32>> = raw.iter().map(|i| planar_to_hwc(i)).collect();
    let pb = ProgressBar::new((plan.convs.len() * c.images.div_ceil(args.batch)) as u64);
    pb.set_style(ProgressStyle::with_template(
        "{bar:30} {pos}/{len} layer-batches {msg} [{elapsed} < {eta}]",
    )?);
    let t0 = Instant::now();
    let mut layers: Vec<qtrain_sim::driver::LayerReport> = Vec::new();
    let mut params = match &model {
        Some(m) => ParamSource::Given(m.params.clone()),
        None => ParamSource::Synthetic { seed: args.seed },
    };
    let (mut hw_correct, mut float_correct, mut agree) = (0usize, 0usize, 0usize);
    for (bi, batch) in images.chunks(args.batch).enumerate() {
        let (reps, last_acts) = run_batch(
            &plan,
            device.as_mut(),
            &mut params,
            batch,
            hw.conv.pe,
            hw.conv.simd,
            |name| {
                pb.set_message(name.to_string());
                pb.inc(1);
            },
        )?;
        if let (Some(m), Some(labels)) = (model.as_mut(), &labels) {
            let lo = bi * args.batch;
            let want = &labels[lo..lo + batch.len()];
            let hw = m.host_predict(&plan, &last_acts);
            let fl = m.float_predict(&raw[lo..lo + batch.len()]);
            hw_correct += hw
                .iter()
                .zip(want)
                .filter(|(p, y)| **p == **y as usize)
                .count();
            float_correct += fl
                .iter()
                .zip(want)
                .filter(|(p, y)| **p == **y as usize)
                .count();
            agree += hw.iter().zip(&fl).filter(|(a, b)| a == b).count();
        }
        merge_layer_reports(&mut layers, reps);
    }
    pb.finish_and_clear();
    let counters = read_counters(device.as_mut(), &layers)?;
    let mut report = RunReport::new(
        args.net.clone(),
        args.width,
        device.backend(),
        device.cycle_accurate(),
        hw.conv.pe,
        hw.conv.simd,
        hw.clock_mhz,
        c.images,
        layers,
        t0.elapsed().as_secs_f64(),
    );
    report.counters = Some(counters);
    if model.is_some() && labels.is_some() {
        report.hw_accuracy = Some(hw_correct as f64 / c.images as f64);
        report.float_accuracy = Some(float_correct as f64 / c.images as f64);
        report.prediction_agreement = Some(agree as f64 / c.images as f64);
    }
    finish(&report, &c, vcd)
}

/// Print the table, commit the waveform and the JSON (also when the hardware differs: they are
/// what the difference is debugged with), then fail on a difference.
fn finish(report: &RunReport, c: &Checked, vcd: Option<OutFile>) -> Result<()> {
    print!("{}", report.table());
    if let Some(v) = vcd {
        v.commit()?;
    }
    if let Some(j) = &c.json {
        outputs::write(j, serde_json::to_string_pretty(report)?.as_bytes())?;
    }
    if !report.all_match {
        for l in report.layers.iter().filter(|l| l.mismatches > 0) {
            eprintln!(
                "{}: {} mismatches, first at {}",
                l.name,
                l.mismatches,
                l.first_mismatch.as_deref().unwrap_or("?")
            );
        }
        bail!("the hardware differs from the golden model");
    }
    Ok(())
}

/// The device behind the host's streams, as the flags choose it, and the waveform being written.
fn make_device(
    args: &Args,
    c: &Checked,
    hw: &HwConfig,
) -> Result<(Box<dyn StreamDevice>, Option<OutFile>)> {
    Ok(match args.backend {
        Backend::Model => (Box::new(ModelDevice::new(hw)?), None),
        Backend::Rtl => {
            let traffic = Traffic {
                input_gap: args.input_gap,
                output_stall: args.output_stall,
                seed: args.seed,
            };
            let target = match c.target {
                Target::Top => RtlTarget::Top,
                Target::Engine => RtlTarget::Engine,
            };
            let mut d = RtlDevice::new(hw, target, traffic, args.watchdog)?;
            let vcd = match &c.vcd {
                Some(t) => {
                    let (out, f) = OutFile::create(t)?;
                    d.trace_next(Box::new(std::io::BufWriter::new(f)));
                    Some(out)
                }
                None => None,
            };
            (Box::new(d), vcd)
        }
        Backend::Verilator => {
            let traffic = Traffic {
                input_gap: args.input_gap,
                output_stall: args.output_stall,
                seed: args.seed,
            };
            let (vcd, w): (_, Option<Box<dyn std::io::Write>>) = match &c.vcd {
                Some(t) => {
                    let (out, f) = OutFile::create(t)?;
                    (Some(out), Some(Box::new(std::io::BufWriter::new(f))))
                }
                None => (None, None),
            };
            let d = VerilatorDevice::new(hw, traffic, args.watchdog, w)?;
            (Box::new(d), vcd)
        }
    })
}

/// Images (planar CIFAR bytes) and labels: the first `n` test images of --data, or synthetic.
#[allow(clippy::type_complexity)]
fn load_images(args: &Args, n: usize) -> Result<(Vec<Vec<u8>>, Option<Vec<u16>>)> {
    Ok(match &args.data {
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
        None => (synthetic_images(n, args.seed), None),
    })
}

/// `--net resnet-N` / `wrn-N-k`: the engine runs every 3×3 conv, the host the rest (plan.rs).
fn run_resnet(args: &Args, c: &Checked, hw: &HwConfig, hw_name: &str) -> Result<()> {
    if args.weights.is_some() {
        bail!("--weights supports vgg-bc only (resnet-N and wrn-N-k run on synthetic parameters)");
    }
    let plan = ResNetPlan::new(&args.net, args.width, args.act_bits)?;
    for pc in plan.convs() {
        pc.layer.validate(&hw.conv).with_context(|| {
            format!(
                "{} does not fit the engine configuration ({hw_name})",
                pc.name
            )
        })?;
    }
    let (raw, _labels) = load_images(args, c.images)?;
    let (mut device, vcd) = make_device(args, c, hw)?;
    let images: Vec<Vec<u32>> = raw.iter().map(|i| planar_to_hwc(i)).collect();
    let pb = ProgressBar::new((plan.convs().len() * c.images.div_ceil(args.batch)) as u64);
    pb.set_style(ProgressStyle::with_template(
        "{bar:30} {pos}/{len} layer-batches {msg} [{elapsed} < {eta}]",
    )?);
    let t0 = Instant::now();
    let mut layers = Vec::new();
    let mut extras = ResNetExtras::default();
    for batch in images.chunks(args.batch) {
        let b = run_resnet_batch(
            &plan,
            device.as_mut(),
            args.seed,
            batch,
            hw.conv.pe,
            hw.conv.simd,
            |name| {
                pb.set_message(name.to_string());
                pb.inc(1);
            },
        )?;
        merge_layer_reports(&mut layers, b.layers);
        merge_extras(&mut extras, b.extras);
    }
    pb.finish_and_clear();
    let counters = read_counters(device.as_mut(), &layers)?;
    let mut report = RunReport::new(
        args.net.clone(),
        args.width,
        device.backend(),
        device.cycle_accurate(),
        hw.conv.pe,
        hw.conv.simd,
        hw.clock_mhz,
        c.images,
        layers,
        t0.elapsed().as_secs_f64(),
    );
    report.counters = Some(counters);
    report.resnet = Some(extras);
    finish(&report, c, vcd)
}

fn train(args: &Args, c: &Checked, hw: HwConfig, m: TrainMethod) -> Result<()> {
    if let Some(data) = &args.data {
        // fail on a missing or mixed directory before any hardware is built
        qtrain::data::find_cifar(data)?;
    }
    let cfg = HilConfig {
        net: args.net.clone(),
        width: args.width,
        act_bits: args.act_bits,
        mode: match m {
            TrainMethod::Bc => UpdateMode::Bc,
            TrainMethod::Sr => UpdateMode::Sr,
            TrainMethod::R => UpdateMode::R,
        },
        steps: c.steps,
        batch: args.batch,
        seed: args.seed,
        lr: c.lr as f32,
        hw,
        data: args.data.clone(),
        corrupt: c.corrupt,
    };
    // the same device as a run's: conv and update transactions on its one stream pair
    let (device, _) = make_device(args, c, &cfg.hw)?;
    let pb = ProgressBar::new(cfg.steps);
    pb.set_style(ProgressStyle::with_template(
        "{bar:30} {pos}/{len} steps {msg} [{elapsed} < {eta}]",
    )?);
    let report = qtrain_sim::hil::run(&cfg, device, |st| {
        pb.set_message(format!("loss {:.4}", st.loss));
        pb.inc(1);
    })?;
    pb.finish_and_clear();
    print!("{}", report.table());
    if let Some(j) = &c.json {
        outputs::write(j, serde_json::to_string_pretty(&report)?.as_bytes())?;
    }
    if let Some(m) = &report.first_mismatch {
        bail!("the hardware path differs from the golden integer training path at {m}");
    }
    Ok(())
}
