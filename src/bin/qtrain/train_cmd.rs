//! `qtrain train`, `qtrain table1`, `qtrain bench`, `qtrain export`, `qtrain import`: flags → a
//! validated [`TrainConfig`] → the library.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use qtrain::models::NetSpec;
use qtrain::optim::Method;
use qtrain::quant::Grid;
use qtrain::train::schedule::LrSchedule;
use qtrain::train::warm_start::WarmStart;
use qtrain::train::{self, RunOptions, TrainConfig};
use qtrain::validate::{self, Origin};

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
    /// BC: start the latent buffer uniform in ±latent_init (as the original BinaryConnect code)
    /// instead of at ±latent_init.
    #[arg(long)]
    bc_uniform_init: bool,
    /// BC: scale each conv layer's latent step by 1/H_Glorot = 1/sqrt(1.5/(9·C_in + 9·C_out)) (as the
    /// original BinaryConnect code).
    #[arg(long)]
    bc_glorot_lr: bool,
    /// k-bit weight grid instead of binary: bits (needs --grid-step).
    #[arg(long)]
    grid_bits: Option<u32>,
    /// Step Δ of the k-bit grid.
    #[arg(long)]
    grid_step: Option<f32>,
    /// BC forward weights with Qs instead of Qd.
    #[arg(long)]
    bc_stochastic: bool,
    /// vgg-bc: clip the conv layers' ReLUs at 3 and quantise them to A bits, as the accelerator
    /// passes activations (the float twin of `sim train --act-bits A`); default float activations.
    #[arg(long)]
    act_bits: Option<u32>,
    /// Learning-rate schedule: paper (÷10 at 82/160 and 122/160 of the epochs) or constant.
    #[arg(long, default_value = "paper", value_parser = ["paper", "constant"])]
    lr_schedule: String,
    /// After each epoch also score the training set (no augmentation, eval-mode BN): metrics.csv
    /// gains eval_train_loss and eval_train_error.
    #[arg(long)]
    eval_train: bool,
    /// Continue from OUT/checkpoint.bin if present (a run already complete is left as it is).
    #[arg(long, conflicts_with = "overwrite")]
    resume: bool,
    /// Replace a run already in OUT (without it, an OUT holding a run is refused).
    #[arg(long)]
    overwrite: bool,
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
    /// Start from this checkpoint (another run's checkpoint.bin, same network) instead of the seeded
    /// initialisation: weights, BN statistics, ADAM state when both use ADAM, BC's buffer when it has
    /// one. Epochs, lr and schedule are this run's.
    #[arg(long)]
    from: Option<PathBuf>,
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
    /// Comma-separated nets, e.g. vgg-bc,resnet-56 (or a --preset).
    #[arg(long, required_unless_present = "preset")]
    nets: Option<String>,
    /// A named configuration (net, width, epochs, batch, lr): vgg-20k (vgg-bc width 0.125, batch 50,
    /// 20,000 iterations) or mlp-64k (the binary MLP for the paper's 64k iterations);
    /// `qtrain::train::preset` defines them.
    #[arg(long, conflicts_with_all = ["nets", "width", "epochs", "batch", "lr", "train_limit"])]
    preset: Option<String>,
    /// Comma-separated subset of adam,r-adam,bc-adam,sr-adam to run (default all four; runs already
    /// complete are kept, so parallel processes can split a grid and a last call writes the table).
    #[arg(long, default_value = "adam,r-adam,bc-adam,sr-adam")]
    methods: String,
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
    /// Comma-separated methods: the float path's (adam, bc-adam, …) and the integer training
    /// path's, which `sim train` runs on the accelerator's arithmetic (accel-r, accel-sr, accel-bc;
    /// vgg-bc only), side by side in one run.
    #[arg(long, default_value = "adam,bc-adam")]
    methods: String,
    /// Activation bits: of the accel-* methods (default 4), and of the float methods' conv ReLUs
    /// when given (the float twin; default float activations).
    #[arg(long)]
    act_bits: Option<u32>,
}

/// `qtrain export` flags.
#[derive(Args)]
pub struct ExportArgs {
    /// A run directory (holding checkpoint.bin) or a checkpoint file.
    #[arg(long)]
    run: PathBuf,
    /// Output directory for manifest.json + .npy tensors (written whole, or not at all).
    #[arg(long)]
    out: PathBuf,
    /// Replace an existing non-empty OUT (only once the new export is complete).
    #[arg(long)]
    overwrite: bool,
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
    /// Replace a run already in OUT (its checkpoint, metrics and summary).
    #[arg(long)]
    overwrite: bool,
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
    let mut spec = NetSpec::new(net, c.width, classes)?;
    spec.act_bits = c.act_bits;
    TrainConfig {
        net: spec,
        method: Method::parse(method)?,
        grid: grid_of(c)?,
        bc_stochastic: c.bc_stochastic,
        epochs: c.epochs,
        batch: c.batch,
        lr: c.lr,
        seed: c.seed,
        train_limit: c.train_limit,
        latent_init: c.latent_init,
        bc_latent: qtrain::optim::BcLatent {
            uniform: c.bc_uniform_init,
            glorot_lr: c.bc_glorot_lr,
        },
        schedule: LrSchedule::parse(&c.lr_schedule).with_context(|| {
            format!(
                "--lr-schedule {:?}: expected paper or constant",
                c.lr_schedule
            )
        })?,
        from: None,
        eval_train: c.eval_train,
        data: c.data.display().to_string(),
    }
    .validated()
}

/// The config after [`TrainConfig::validate`] with flag names in its errors.
trait Validated: Sized {
    fn validated(self) -> anyhow::Result<Self>;
}

impl Validated for TrainConfig {
    fn validated(self) -> anyhow::Result<Self> {
        self.validate(&Origin::Flag, "")?;
        Ok(self)
    }
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
                let mut cfg = config_of(&a.net, &a.method, &a.common, data.train.num_classes)?;
                if let Some(f) = &a.from {
                    cfg.from = Some(
                        WarmStart::inspect(f).with_context(|| format!("--from {}", f.display()))?,
                    );
                }
                let opts = RunOptions {
                    resume: a.common.resume,
                    overwrite: a.common.overwrite,
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
                let mut common = a.common.clone();
                let nets: Vec<String> = match &a.preset {
                    Some(name) => {
                        let p = train::preset::find(name)?;
                        (common.width, common.epochs, common.batch, common.lr) =
                            (p.width, p.epochs, p.batch, p.lr);
                        vec![p.net.to_string()]
                    }
                    None => a
                        .nets
                        .as_deref()
                        .unwrap_or_default()
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect(),
                };
                if nets.is_empty() {
                    anyhow::bail!("--nets is empty");
                }
                let methods: Vec<&str> = a.methods.split(',').map(str::trim).collect();
                for m in &methods {
                    if !train::table1::TABLE1_METHODS.contains(m) {
                        anyhow::bail!(
                            "--methods {m:?}: not a Table 1 method (expected a subset of {})",
                            train::table1::TABLE1_METHODS.join(",")
                        );
                    }
                }
                let data = qtrain::data::load_cifar(&common.data)?;
                let base = config_of(&nets[0], "adam", &common, data.train.num_classes)?;
                train::table1::table1(&nets, &methods, &base, &data, &common.out, common.quiet)?;
                print!("{}", std::fs::read_to_string(common.out.join("table1.md"))?);
                Ok(())
            }
            TrainCommands::Bench(a) => {
                let mut spec = NetSpec::new(&a.net, a.width, 10)?;
                spec.act_bits = a.act_bits;
                spec.validate(&Origin::Flag, "")?;
                validate::count(
                    &Origin::Flag,
                    "--batch",
                    a.batch,
                    train::run::MIN_BATCH..=validate::MAX_BATCH,
                )?;
                validate::count(&Origin::Flag, "--steps", a.steps, 1..=1_000_000)?;
                let methods = a
                    .methods
                    .split(',')
                    .map(|m| {
                        let m = m.trim();
                        match train::bench::accel_method(m) {
                            Some(u) if a.net == "vgg-bc" => Ok(Err(u)),
                            Some(_) => anyhow::bail!(
                                "--methods {m}: the integer training path is vgg-bc only"
                            ),
                            None => Ok(Ok(Method::parse(m)?)),
                        }
                    })
                    .collect::<anyhow::Result<Vec<_>>>()?;
                println!(
                    "qtrain bench: {} width {} batch {}, {} timed steps after 1 warm-up, {} rayon threads",
                    spec.kind.name(),
                    a.width,
                    a.batch,
                    a.steps,
                    rayon::current_num_threads()
                );
                for m in methods {
                    let r = match m {
                        Ok(m) => train::bench::bench(spec, m, a.batch, a.steps),
                        Err(u) => train::bench::bench_integer(
                            a.width,
                            a.act_bits.unwrap_or(4),
                            u,
                            a.batch,
                            a.steps,
                        )?,
                    };
                    let cpu = r.cpu_seconds.map_or(String::new(), |c| {
                        format!(
                            ", {c:.2} CPU-s, {:.1} images/CPU-s",
                            (r.batch * r.steps) as f64 / c
                        )
                    });
                    println!(
                        "{:12} {:8.1} images/s ({:.2} s wall{cpu})",
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
                let m = qtrain::output::write_dir(&a.out, a.overwrite, "--overwrite", |dir| {
                    train::export::export(&mut t.net, &t.config.method.name(), t.config.grid, dir)
                })?;
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
                let data = match &a.data {
                    Some(d) => {
                        let data = qtrain::data::load_cifar(d)?;
                        spec.check_data(data.test.num_classes, d)?;
                        Some(data)
                    }
                    None => None,
                };
                let files = train::run::RunFiles::new(&a.out);
                if !a.overwrite {
                    files.claim_fresh(&a.out, false)?; // refuse before doing any work
                }
                if std::fs::symlink_metadata(&a.out).is_ok_and(|m| !m.is_dir()) {
                    anyhow::bail!(
                        "{}: exists and is not a directory; choose another --out",
                        a.out.display()
                    );
                }
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
                    bc_latent: Default::default(),
                    schedule: Default::default(),
                    from: None,
                    eval_train: false,
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
                // only now, with everything read and checked, replace what is there
                files.claim_fresh(&a.out, a.overwrite)?;
                std::fs::create_dir_all(&a.out)
                    .with_context(|| format!("cannot create {}", a.out.display()))?;
                t.save(&files.checkpoint, 0)?;
                println!(
                    "imported {} into {}",
                    spec.kind.name(),
                    files.checkpoint.display()
                );
                if let Some(data) = &data {
                    println!("test error {:.2}%", t.evaluate(&data.test));
                }
                Ok(())
            }
        }
    }
}
