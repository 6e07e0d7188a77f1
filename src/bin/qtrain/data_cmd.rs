//! `qtrain data` subcommands: `stats` (what a CIFAR directory holds) and `bench` (how fast it loads).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Subcommand};
use qtrain::data::{load_cifar, split_stats, CifarKind, CifarSplits, SplitStats, CIFAR10_CLASSES};
use serde::Serialize;

/// Subcommands of this group.
#[derive(Subcommand)]
pub enum DataCommands {
    /// Inspect and benchmark CIFAR-10/100 data in the official binary layout.
    Data {
        #[command(subcommand)]
        cmd: DataCmd,
    },
}

/// `qtrain data …`
#[derive(Subcommand)]
pub enum DataCmd {
    /// Per split: number of images, images per class, per-channel mean/std of the raw pixels.
    Stats(StatsArgs),
    /// Time loading every split (median of --repeat runs) and print images/s.
    Bench(BenchArgs),
}

/// Flags of `qtrain data stats`.
#[derive(Args)]
pub struct StatsArgs {
    /// Folder holding cifar-10-batches-bin/ or cifar-100-binary/ (or that folder itself).
    #[arg(long)]
    data: PathBuf,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// Flags of `qtrain data bench`.
#[derive(Args)]
pub struct BenchArgs {
    /// Folder holding cifar-10-batches-bin/ or cifar-100-binary/ (or that folder itself).
    #[arg(long)]
    data: PathBuf,
    /// Number of timed loads; the median is reported.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    repeat: u32,
}

impl DataCommands {
    /// Run the chosen subcommand.
    pub fn run(self) -> anyhow::Result<()> {
        let DataCommands::Data { cmd } = self;
        match cmd {
            DataCmd::Stats(a) => stats(a),
            DataCmd::Bench(a) => bench(a),
        }
    }
}

/// JSON shape of `qtrain data stats --json`.
#[derive(Serialize)]
struct StatsReport {
    data: PathBuf,
    kind: CifarKind,
    num_classes: usize,
    train: SplitStats,
    test: SplitStats,
}

fn load(data: &Path) -> anyhow::Result<CifarSplits> {
    load_cifar(data).with_context(|| format!("cannot load CIFAR data from {}", data.display()))
}

fn stats(a: StatsArgs) -> anyhow::Result<()> {
    let splits = load(&a.data)?;
    let report = StatsReport {
        data: a.data,
        kind: splits.kind,
        num_classes: splits.kind.num_classes(),
        train: split_stats(&splits.train),
        test: split_stats(&splits.test),
    };
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_table(&report);
    }
    Ok(())
}

fn print_table(r: &StatsReport) {
    println!("{} in {}", r.kind.name(), r.data.display());
    println!();
    println!(
        "{:<6} {:>7} {:>8} {:>8} {:>8} {:>7} {:>7} {:>7}",
        "split", "images", "mean R", "mean G", "mean B", "std R", "std G", "std B"
    );
    for (name, s) in [("train", &r.train), ("test", &r.test)] {
        println!(
            "{:<6} {:>7} {:>8.3} {:>8.3} {:>8.3} {:>7.3} {:>7.3} {:>7.3}",
            name, s.images, s.mean[0], s.mean[1], s.mean[2], s.std[0], s.std[1], s.std[2]
        );
    }
    println!();
    let name = |c: usize| match r.kind {
        CifarKind::Cifar10 => CIFAR10_CLASSES.get(c).copied().unwrap_or("?"),
        CifarKind::Cifar100 => "",
    };
    println!("{:<16} {:>7} {:>7}", "class", "train", "test");
    let rows = r.train.per_class.len().max(r.test.per_class.len());
    let at = |v: &[usize], i: usize| v.get(i).copied().unwrap_or(0);
    for c in 0..rows {
        println!(
            "{:<16} {:>7} {:>7}",
            format!("{c:>3} {}", name(c)),
            at(&r.train.per_class, c),
            at(&r.test.per_class, c)
        );
    }
    if let (Some(tr), Some(te)) = (&r.train.per_coarse_class, &r.test.per_coarse_class) {
        println!();
        println!("{:<16} {:>7} {:>7}", "coarse class", "train", "test");
        for c in 0..tr.len().max(te.len()) {
            println!(
                "{:<16} {:>7} {:>7}",
                format!("{c:>3}"),
                at(tr, c),
                at(te, c)
            );
        }
    }
}

fn bench(a: BenchArgs) -> anyhow::Result<()> {
    let mut secs = Vec::with_capacity(a.repeat as usize);
    let mut images = 0;
    let mut kind = CifarKind::Cifar10;
    for _ in 0..a.repeat {
        let t = Instant::now();
        let s = load(&a.data)?;
        secs.push(t.elapsed().as_secs_f64());
        images = s.train.len() + s.test.len();
        kind = s.kind;
        drop(s);
    }
    secs.sort_by(f64::total_cmp);
    let median = if secs.len() % 2 == 1 {
        secs[secs.len() / 2]
    } else {
        (secs[secs.len() / 2 - 1] + secs[secs.len() / 2]) / 2.0
    };
    let bytes = images as f64 * kind.record_bytes() as f64;
    println!(
        "load {} ({images} images, train + test) from {}: median {:.3} s over {} runs (min {:.3} s, max {:.3} s)",
        kind.name(),
        a.data.display(),
        median,
        secs.len(),
        secs[0],
        secs[secs.len() - 1]
    );
    println!(
        "{:.0} images/s, {:.0} MB/s; 60,000 images at this rate: {:.3} s (target < 2 s)",
        images as f64 / median,
        bytes / median / 1e6,
        60_000.0 * median / images.max(1) as f64
    );
    Ok(())
}
