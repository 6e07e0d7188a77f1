//! `sim`: run a network's conv layers through the accelerator, cycle by cycle, check every layer
//! against the golden model bit for bit, and report cycles, utilisation and accuracy.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use qtrain::exact::update::UpdateMode;
use qtrain::hw::HwConfig;
use qtrain_sim::driver::{planar_to_hwc, read_counters, run_batch, synthetic_images, ParamSource};
use qtrain_sim::hil::{Corruption, HilConfig};
use qtrain_sim::model_backend::ModelDevice;
use qtrain_sim::plan::{NetPlan, ResNetPlan};
use qtrain_sim::report::RunReport;
use qtrain_sim::resnet::{merge_extras, merge_layer_reports, run_resnet_batch, ResNetExtras};
use qtrain_sim::rtl_backend::{RtlDevice, RtlTarget};
use qtrain_sim::stream::{StreamDevice, Traffic};
use qtrain_sim::trained::TrainedModel;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Backend {
    /// Cycle-accurate rust-hdl simulation of the accelerator.
    Rtl,
    /// Transaction-level model: the integer golden model behind the same stream interface.
    Model,
}

/// What `--backend rtl` simulates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Target {
    /// The accelerator top `qtrain_accel` (conv engine + update unit behind one stream pair).
    Top,
    /// The bare conv engine behind a host-side shim that strips the headers and tallies the
    /// counters (faster per simulated cycle; the report's backend reads "rtl-engine").
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
    },
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
    /// Images to stream (synthetic unless --data is given).
    #[arg(long, default_value_t = 1)]
    images: usize,
    /// Images per batch: weights are streamed once per layer per batch.
    #[arg(long, default_value_t = 1)]
    batch: usize,
    /// Hardware configuration (TOML: P, S, A, clock, buffer sizes); the built-in default otherwise.
    #[arg(long)]
    hw: Option<PathBuf>,
    /// Which device runs the layers.
    #[arg(long, value_enum, default_value_t = Backend::Rtl)]
    backend: Backend,
    /// What the rtl backend simulates: the conv engine alone behind a host-side shim that strips the
    /// top's headers and tallies its counters (default: ~35× faster per cycle, checked word for word
    /// against the top in CI), or the whole accelerator top `qtrain_accel`.
    #[arg(long, value_enum, default_value_t = Target::Engine)]
    rtl_target: Target,
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
    /// Hardware-in-the-loop training with this method: conv forward on the engine, update on the
    /// update unit, backward + ADAM on the host; every step checked bit for bit against the golden
    /// integer training path (with --data: CIFAR training images, else the synthetic batch).
    #[arg(long, value_enum)]
    train: Option<TrainMethod>,
    /// Training steps of --train.
    #[arg(long, default_value_t = 1)]
    steps: u64,
    /// ADAM learning rate of --train.
    #[arg(long, default_value_t = 0.01)]
    lr: f32,
    /// Test hook: flip the LSB of weight INDEX returned by the update unit in STEP for LAYER
    /// (0-based), as STEP:LAYER:INDEX, to show the comparison catches it.
    #[arg(long, hide = true)]
    corrupt_update: Option<String>,
}

fn main() {
    // Errors are for users: the message chain, no backtrace, exit status 1.
    let cli = Cli::parse();
    let result = match cli.cmd {
        Some(SimCmd::Export { out, hw }) => export(&out, hw.as_deref()),
        None => run(cli.run),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn export(out: &std::path::Path, hw: Option<&std::path::Path>) -> Result<()> {
    let hw = match hw {
        Some(p) => HwConfig::load(p)?,
        None => HwConfig::default(),
    };
    let e = qtrain_sim::export::export(out, &hw)?;
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

fn run(args: Args) -> Result<()> {
    let hw = match &args.hw {
        Some(p) => HwConfig::load(p)?,
        None => HwConfig::default(),
    };
    if let Some(m) = args.train {
        return train(&args, hw, m);
    }
    if !(1..=hw.conv.max_act_bits).contains(&args.act_bits) {
        bail!(
            "--act-bits {} is outside 1..={} (conv.max_act_bits)",
            args.act_bits,
            hw.conv.max_act_bits
        );
    }
    if args.images == 0 || args.batch == 0 {
        bail!("--images and --batch must be at least 1");
    }
    if ResNetPlan::is_resnet_name(&args.net) {
        return run_resnet(&args, &hw);
    }
    let plan = NetPlan::new(&args.net, args.width, args.act_bits)?;
    for pc in &plan.convs {
        pc.layer
            .validate(&hw.conv)
            .with_context(|| format!("{} does not fit the engine configuration", pc.name))?;
    }
    let mut device = make_device(&args, &hw)?;
    let (raw, labels) = load_images(&args)?;
    let mut model = match &args.weights {
        Some(dir) => Some(TrainedModel::load(
            dir,
            &plan,
            args.width,
            &raw[..raw.len().min(256)],
        )?),
        None => None,
    };
    let images: Vec<Vec<u32>> = raw.iter().map(|i| planar_to_hwc(i)).collect();
    let pb = ProgressBar::new((plan.convs.len() * args.images.div_ceil(args.batch)) as u64);
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
        args.images,
        layers,
        t0.elapsed().as_secs_f64(),
    );
    report.counters = Some(counters);
    if model.is_some() && labels.is_some() {
        report.hw_accuracy = Some(hw_correct as f64 / args.images as f64);
        report.float_accuracy = Some(float_correct as f64 / args.images as f64);
        report.prediction_agreement = Some(agree as f64 / args.images as f64);
    }
    print!("{}", report.table());
    if let Some(p) = &args.json {
        std::fs::write(p, serde_json::to_string_pretty(&report)?)
            .with_context(|| format!("cannot write {}", p.display()))?;
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

/// The device behind the host's streams, as the flags choose it.
fn make_device(args: &Args, hw: &HwConfig) -> Result<Box<dyn StreamDevice>> {
    if args.vcd.is_some() && args.backend == Backend::Model {
        bail!("--vcd needs --backend rtl (the model backend has no waveform)");
    }
    Ok(match args.backend {
        Backend::Model => Box::new(ModelDevice::new(hw.conv.clone())),
        Backend::Rtl => {
            for (name, p) in [
                ("--input-gap", args.input_gap),
                ("--output-stall", args.output_stall),
            ] {
                if !(0.0..1.0).contains(&p) {
                    bail!("{name} {p} must be a probability in [0, 1)");
                }
            }
            let traffic = Traffic {
                input_gap: args.input_gap,
                output_stall: args.output_stall,
                seed: args.seed,
            };
            let target = match args.rtl_target {
                Target::Top => RtlTarget::Top,
                Target::Engine => RtlTarget::Engine,
            };
            let mut d = RtlDevice::new(hw, target, traffic, args.watchdog.max(1))?;
            if let Some(p) = &args.vcd {
                let f = std::fs::File::create(p)
                    .with_context(|| format!("cannot create {}", p.display()))?;
                d.trace_next(Box::new(std::io::BufWriter::new(f)));
            }
            Box::new(d)
        }
    })
}

/// Images (planar CIFAR bytes) and labels: the first --images test images of --data, or synthetic.
#[allow(clippy::type_complexity)]
fn load_images(args: &Args) -> Result<(Vec<Vec<u8>>, Option<Vec<u16>>)> {
    Ok(match &args.data {
        Some(dir) => {
            let test = qtrain::data::load_cifar(dir)?.test;
            if test.len() < args.images {
                bail!(
                    "{}: the test split has {} images, --images asks for {}",
                    dir.display(),
                    test.len(),
                    args.images
                );
            }
            (
                (0..args.images).map(|i| test.image(i).to_vec()).collect(),
                Some(test.labels[..args.images].to_vec()),
            )
        }
        None => (synthetic_images(args.images, args.seed), None),
    })
}

/// `--net resnet-N` / `wrn-N-k`: the engine runs every 3×3 conv, the host the rest (plan.rs).
fn run_resnet(args: &Args, hw: &HwConfig) -> Result<()> {
    if args.weights.is_some() {
        bail!("--weights supports vgg-bc only (resnet-N and wrn-N-k run on synthetic parameters)");
    }
    let plan = ResNetPlan::new(&args.net, args.width, args.act_bits)?;
    for pc in plan.convs() {
        pc.layer
            .validate(&hw.conv)
            .with_context(|| format!("{} does not fit the engine configuration", pc.name))?;
    }
    let mut device = make_device(args, hw)?;
    let (raw, _labels) = load_images(args)?;
    let images: Vec<Vec<u32>> = raw.iter().map(|i| planar_to_hwc(i)).collect();
    let pb = ProgressBar::new((plan.convs().len() * args.images.div_ceil(args.batch)) as u64);
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
        args.images,
        layers,
        t0.elapsed().as_secs_f64(),
    );
    report.counters = Some(counters);
    report.resnet = Some(extras);
    print!("{}", report.table());
    if let Some(p) = &args.json {
        std::fs::write(p, serde_json::to_string_pretty(&report)?)
            .with_context(|| format!("cannot write {}", p.display()))?;
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

fn parse_corruption(s: &str) -> Result<Corruption> {
    let v: Vec<&str> = s.split(':').collect();
    let [st, l, i] = v[..] else {
        bail!("--corrupt-update wants STEP:LAYER:INDEX, got {s}");
    };
    Ok(Corruption {
        step: st.parse().context("--corrupt-update STEP")?,
        layer: l.parse().context("--corrupt-update LAYER")?,
        index: i.parse().context("--corrupt-update INDEX")?,
    })
}

fn train(args: &Args, hw: HwConfig, m: TrainMethod) -> Result<()> {
    if args.weights.is_some() || args.vcd.is_some() {
        bail!(
            "--train starts from seeded ±1 weights and writes no waveform: drop --weights / --vcd"
        );
    }
    for (name, p) in [
        ("--input-gap", args.input_gap),
        ("--output-stall", args.output_stall),
    ] {
        if !(0.0..1.0).contains(&p) {
            bail!("{name} {p} must be a probability in [0, 1)");
        }
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
        steps: args.steps,
        batch: args.batch,
        seed: args.seed,
        lr: args.lr,
        rtl: args.backend == Backend::Rtl,
        hw,
        data: args.data.clone(),
        traffic: Traffic {
            input_gap: args.input_gap,
            output_stall: args.output_stall,
            seed: args.seed,
        },
        watchdog: args.watchdog,
        corrupt: args
            .corrupt_update
            .as_deref()
            .map(parse_corruption)
            .transpose()?,
    };
    let pb = ProgressBar::new(cfg.steps);
    pb.set_style(ProgressStyle::with_template(
        "{bar:30} {pos}/{len} steps {msg} [{elapsed} < {eta}]",
    )?);
    let report = qtrain_sim::hil::run(&cfg, |st| {
        pb.set_message(format!("loss {:.4}", st.loss));
        pb.inc(1);
    })?;
    pb.finish_and_clear();
    print!("{}", report.table());
    if let Some(p) = &args.json {
        std::fs::write(p, serde_json::to_string_pretty(&report)?)
            .with_context(|| format!("cannot write {}", p.display()))?;
    }
    if let Some(m) = &report.first_mismatch {
        bail!("the hardware path differs from the golden integer training path at {m}");
    }
    Ok(())
}
