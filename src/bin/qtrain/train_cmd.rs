//! `qtrain train`, `qtrain table1`, `qtrain bench`, `qtrain export`, `qtrain import`: flags → a
//! validated [`TrainConfig`] → the library.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use qtrain::models::NetSpec;
use qtrain::optim::Method;
use qtrain::quant::Grid;
use qtrain::train::{self, RunOptions, TrainConfig};

/// Subcommands of this group.
#[derive(Subcommand)]
pub enum TrainCommands {
    /// Train one network with one method on CIFAR (resumable, with metrics.csv and summary.json).
    Train(Box<TrainArgs>),
    /// Run ADAM, R-ADAM, BC-ADAM, SR-ADAM on each net and write table1.{md,csv} + a plot.
    Table1(Box<Table1Args>),
    /// Training images/s of a net (default vgg-bc --width 0.25) with adam and bc-adam.
    Bench(BenchArgs),
    /// Export a trained run's model (binary conv weights, BN, FC) for the simulator.
    Export(ExportArgs),
    /// Import weights from a directory of .npy files into a new checkpoint (to train on or export).
    Import(ImportArgs),
}

/// The network and method flags shared by train and table1.
#[derive(Args, Clone)]
pub struct CommonArgs {
    /// Width multiplier for all layers.
    #[arg(long, default_value_t = 1.0)]
    width: f64,
    /// Total epochs E (the lr schedule scales with it).
    #[arg(long, default_value_t = 160)]
    epochs: usize,
    /// CIFAR directory (holding cifar-10-batches-bin/ or the .bin files).
    #[arg(long)]
    data: PathBuf,
    /// Output directory.
    #[arg(long)]
    out: PathBuf,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Mini-batch size.
    #[arg(long, default_value_t = 128)]
    batch: usize,
    /// Base learning rate.
    #[arg(long, default_value_t = 0.01)]
    lr: f64,
    /// Use only the first N training images.
    #[arg(long)]
    train_limit: Option<usize>,
    /// Initial scale of conv weights / BC's buffer (±latent_init).
    #[arg(long, default_value_t = 1.0)]
    latent_init: f32,
    /// k-bit weight grid instead of binary: bits (needs --grid-step).
    #[arg(long)]
    grid_bits: Option<u32>,
    /// Step Δ of the k-bit grid.
    #[arg(long)]
    grid_step: Option<f32>,
    /// BC forward weights with Qs instead of Qd.
    #[arg(long)]
    bc_stochastic: bool,
    /// Continue from OUT/checkpoint.bin if present.
    #[arg(long)]
    resume: bool,
    /// Hide the progress bar.
    #[arg(long)]
    quiet: bool,
}

/// `qtrain train` flags.
#[derive(Args)]
pub struct TrainArgs {
    /// vgg-bc, resnet-N (N = 6k+2) or wrn-N-k.
    #[arg(long)]
    net: String,
    /// adam|sgd|r-adam|r-sgd|sr-adam|sr-sgd|bc-adam|bc-sgd.
    #[arg(long)]
    method: String,
    #[command(flatten)]
    common: CommonArgs,
    /// Testing aid: stop after this many finished epochs, as if killed.
    #[arg(long, hide = true)]
    stop_after_epochs: Option<usize>,
    /// Testing aid: poison a weight with NaN at EPOCH:BATCH (1-based).
    #[arg(long, hide = true)]
    inject_nan: Option<String>,
}

/// `qtrain table1` flags.
#[derive(Args)]
pub struct Table1Args {
    /// Comma-separated nets, e.g. vgg-bc,resnet-56.
    #[arg(long)]
    nets: String,
    #[command(flatten)]
    common: CommonArgs,
}

/// `qtrain bench` flags.
#[derive(Args)]
pub struct BenchArgs {
    /// Network.
    #[arg(long, default_value = "vgg-bc")]
    net: String,
    /// Width multiplier.
    #[arg(long, default_value_t = 0.25)]
    width: f64,
    /// Batch size.
    #[arg(long, default_value_t = 128)]
    batch: usize,
    /// Timed steps per method (after one warm-up step).
    #[arg(long, default_value_t = 10)]
    steps: usize,
    /// Comma-separated methods.
    #[arg(long, default_value = "adam,bc-adam")]
    methods: String,
}

/// `qtrain export` flags.
#[derive(Args)]
pub struct ExportArgs {
    /// A run directory (holding checkpoint.bin) or a checkpoint file.
    #[arg(long)]
    run: PathBuf,
    /// Output directory for manifest.json + .npy tensors.
    #[arg(long)]
    out: PathBuf,
}

/// `qtrain import` flags.
#[derive(Args)]
pub struct ImportArgs {
    /// Directory with manifest.json (as `qtrain export` writes) or with `<tensor name>.npy` files.
    #[arg(long)]
    npy: PathBuf,
    /// Network the tensors belong to (when there is no manifest.json).
    #[arg(long)]
    net: Option<String>,
    /// Width (when there is no manifest.json).
    #[arg(long, default_value_t = 1.0)]
    width: f64,
    /// Classes (when there is no manifest.json).
    #[arg(long, default_value_t = 10)]
    classes: usize,
    /// Method to continue training with.
    #[arg(long, default_value = "bc-adam")]
    method: String,
    /// Run directory to write checkpoint.bin into.
    #[arg(long)]
    out: PathBuf,
    /// Evaluate the imported model on this CIFAR directory's test set.
    #[arg(long)]
    data: Option<PathBuf>,
}

fn grid_of(c: &CommonArgs) -> anyhow::Result<Grid> {
    Ok(match (c.grid_bits, c.grid_step) {
        (None, None) => Grid::Binary,
        (Some(k), Some(d)) => Grid::k_bit(k, d)?,
        _ => anyhow::bail!("--grid-bits and --grid-step go together"),
    })
}

fn config_of(
    net: &str,
    method: &str,
    c: &CommonArgs,
    classes: usize,
) -> anyhow::Result<TrainConfig> {
    if c.epochs == 0 {
        anyhow::bail!("--epochs must be at least 1");
    }
    if c.batch < train::run::MIN_BATCH {
        anyhow::bail!("--batch must be at least {}", train::run::MIN_BATCH);
    }
    if !(c.lr.is_finite() && c.lr > 0.0) {
        anyhow::bail!("--lr must be a positive number, got {}", c.lr);
    }
    if !(c.latent_init.is_finite() && c.latent_init > 0.0) {
        anyhow::bail!(
            "--latent-init must be a positive number, got {}",
            c.latent_init
        );
    }
    Ok(TrainConfig {
        net: NetSpec::new(net, c.width, classes)?,
        method: Method::parse(method)?,
        grid: grid_of(c)?,
        bc_stochastic: c.bc_stochastic,
        epochs: c.epochs,
        batch: c.batch,
        lr: c.lr,
        seed: c.seed,
        train_limit: c.train_limit,
        latent_init: c.latent_init,
        data: c.data.display().to_string(),
    })
}

fn parse_nan(s: &str) -> anyhow::Result<(usize, usize)> {
    let (a, b) = s
        .split_once(':')
        .context("--inject-nan wants EPOCH:BATCH")?;
    Ok((a.parse()?, b.parse()?))
}

impl TrainCommands {
    /// Run the chosen subcommand.
    pub fn run(self) -> anyhow::Result<()> {
        match self {
            TrainCommands::Train(a) => {
                let data = qtrain::data::load_cifar(&a.common.data)?;
                let cfg = config_of(&a.net, &a.method, &a.common, data.train.num_classes)?;
                let opts = RunOptions {
                    resume: a.common.resume,
                    stop_after_epochs: a.stop_after_epochs,
                    inject_nan: a.inject_nan.as_deref().map(parse_nan).transpose()?,
                    quiet: a.common.quiet,
                };
                let s = train::run(cfg, &data, &a.common.out, &opts)?;
                println!(
                    "{} {}: {} of {} epochs, final test error {:.2}%, best {:.2}% (epoch {}); {}",
                    s.config.net.kind.name(),
                    s.config.method.name(),
                    s.epochs_done,
                    s.config.epochs,
                    s.final_test_error,
                    s.best_test_error,
                    s.best_epoch,
                    a.common.out.join("summary.json").display()
                );
                Ok(())
            }
            TrainCommands::Table1(a) => {
                let data = qtrain::data::load_cifar(&a.common.data)?;
                let nets: Vec<String> = a
                    .nets
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
                if nets.is_empty() {
                    anyhow::bail!("--nets is empty");
                }
                let base = config_of(&nets[0], "adam", &a.common, data.train.num_classes)?;
                train::table1::table1(&nets, &base, &data, &a.common.out, a.common.quiet)?;
                print!(
                    "{}",
                    std::fs::read_to_string(a.common.out.join("table1.md"))?
                );
                Ok(())
            }
            TrainCommands::Bench(a) => {
                let spec = NetSpec::new(&a.net, a.width, 10)?;
                println!(
                    "qtrain bench: {} width {} batch {}, {} timed steps after 1 warm-up, {} rayon threads",
                    spec.kind.name(),
                    a.width,
                    a.batch,
                    a.steps,
                    rayon::current_num_threads()
                );
                for m in a.methods.split(',') {
                    let r = train::bench::bench(
                        spec,
                        Method::parse(m.trim())?,
                        a.batch,
                        a.steps.max(1),
                    );
                    let cpu = r.cpu_seconds.map_or(String::new(), |c| {
                        format!(
                            ", {c:.2} CPU-s, {:.1} images/CPU-s",
                            (r.batch * r.steps) as f64 / c
                        )
                    });
                    println!(
                        "{:8} {:8.1} images/s ({:.2} s wall{cpu})",
                        r.method, r.images_per_second, r.seconds
                    );
                }
                Ok(())
            }
            TrainCommands::Export(a) => {
                let ck = if a.run.is_dir() {
                    a.run.join("checkpoint.bin")
                } else {
                    a.run.clone()
                };
                let (mut t, done) = train::Trainer::load(&ck)?;
                let m = train::export::export(
                    &mut t.net,
                    &t.config.method.name(),
                    t.config.grid,
                    &a.out,
                )?;
                println!(
                    "exported {} ({} after {done} epochs): {} tensors to {}",
                    m.net.kind.name(),
                    m.method,
                    m.tensors.len(),
                    a.out.display()
                );
                Ok(())
            }
            TrainCommands::Import(a) => {
                let spec = match train::export::read_manifest(&a.npy)? {
                    Some(m) => m.net,
                    None => {
                        let net = a.net.as_deref().context(
                            "no manifest.json in --npy: give --net (and --width, --classes)",
                        )?;
                        NetSpec::new(net, a.width, a.classes)?
                    }
                };
                let cfg = TrainConfig {
                    net: spec,
                    method: Method::parse(&a.method)?,
                    grid: Grid::Binary,
                    bc_stochastic: false,
                    epochs: 1,
                    batch: 128,
                    lr: 0.01,
                    seed: 0,
                    train_limit: None,
                    latent_init: 1.0,
                    data: String::new(),
                };
                let mut t = train::Trainer::new(cfg);
                train::export::import(&mut t.net, &a.npy)?;
                // the imported forward weights are also BC's starting buffer
                let latents: Vec<Option<Vec<f32>>> = t
                    .net
                    .params()
                    .iter()
                    .zip(&t.opt.latent)
                    .map(|(p, l)| l.as_ref().map(|_| p.value.iter().copied().collect()))
                    .collect();
                t.opt.latent = latents;
                std::fs::create_dir_all(&a.out)?;
                t.save(&a.out.join("checkpoint.bin"), 0)?;
                println!(
                    "imported {} into {}",
                    spec.kind.name(),
                    a.out.join("checkpoint.bin").display()
                );
                if let Some(d) = &a.data {
                    let data = qtrain::data::load_cifar(d)?;
                    println!("test error {:.2}%", t.evaluate(&data.test));
                }
                Ok(())
            }
        }
    }
}
