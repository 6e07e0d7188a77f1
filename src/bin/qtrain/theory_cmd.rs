//! `qtrain theory …`: the paper's theorems as experiments. Flags become validated configs, the
//! library runs them, and this file prints the verdict lines and writes CSV + SVG into `--out`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, Subcommand};

use qtrain::theory::{lemma1, markov, mixing, quadratic, Verdict};

/// Subcommands of this group.
#[derive(Subcommand)]
pub enum TheoryCommands {
    /// Check the paper's theory (Cor. 1, Lemma 1, Thms 2 and 3) on small seeded problems.
    Theory {
        #[command(subcommand)]
        cmd: TheorySub,
    },
}

/// `qtrain theory <experiment>`.
#[derive(Subcommand)]
pub enum TheorySub {
    /// Cor. 1 / Thm 1: SGD, BC (Qs, Qd), SR, R on least squares against the bound.
    Quadratic(QuadraticArgs),
    /// Lemma 1: SR's measured E‖r‖² against √d·Δ·α·G over a sweep of α.
    Lemma1(Lemma1Args),
    /// Thm 2: exact SR Markov chains in 1-D and 2-D; stationary distributions as α → 0; BC contrast.
    Markov(MarkovArgs),
    /// Thm 3: ε-mixing time against α, and the paper's Figure 2 three-state chain.
    Mixing(MixingArgs),
    /// Every experiment above with default sizes.
    All(CommonArgs),
}

/// Flags every experiment takes.
#[derive(Args, Clone)]
pub struct CommonArgs {
    /// Directory for CSV and SVG output (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Seed of every random draw.
    #[arg(long, default_value_t = 2017)]
    seed: u64,
}

/// Sizes of the least-squares experiment.
#[derive(Args)]
pub struct QuadraticArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Rows m of A.
    #[arg(long, default_value_t = 200)]
    m: usize,
    /// Dimension d.
    #[arg(long, default_value_t = 10)]
    d: usize,
    /// Largest iteration count T.
    #[arg(long, default_value_t = 1_000_000)]
    t_max: u64,
    /// Seeded runs averaged per curve.
    #[arg(long, default_value_t = 8)]
    runs: usize,
    /// Grid steps Δ, comma separated (powers of two dividing 1).
    #[arg(long, value_delimiter = ',', default_values_t = vec![0.25, 0.125, 0.0625])]
    deltas: Vec<f64>,
}

/// Sizes of the Lemma 1 sweep.
#[derive(Args)]
pub struct Lemma1Args {
    #[command(flatten)]
    common: CommonArgs,
    /// SR steps measured per (Δ, α).
    #[arg(long, default_value_t = 200_000)]
    steps: u64,
}

/// Sizes of the Markov-chain experiment.
#[derive(Args)]
pub struct MarkovArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Steps of SR simulation (pooled over chains) for the cross-check of the exact distribution.
    #[arg(long, default_value_t = 4_000_000)]
    sim_steps: u64,
    /// BC steps per chain for its empirical distribution.
    #[arg(long, default_value_t = 200_000)]
    bc_steps: u64,
}

/// Sizes of the mixing-time experiment.
#[derive(Args)]
pub struct MixingArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// ε of the ε-mixing time.
    #[arg(long, default_value_t = 0.25)]
    eps: f64,
}

fn report(name: &str, verdicts: &[Verdict], start: Instant, failed: &mut usize) {
    println!("[{name}: {:.1} s]", start.elapsed().as_secs_f64());
    for v in verdicts {
        println!("{v}");
        *failed += usize::from(!v.holds);
    }
}

fn quadratic_cmd(a: &QuadraticArgs, failed: &mut usize) -> anyhow::Result<()> {
    let t0 = Instant::now();
    let cfg = quadratic::QuadraticConfig {
        sweep: qtrain::theory::lsq::LsqSweep {
            m: a.m,
            d: a.d,
            deltas: a.deltas.clone(),
            ..Default::default()
        },
        t_max: a.t_max,
        runs: a.runs,
        seed: a.common.seed,
    };
    let r = quadratic::run(&cfg)?;
    r.write(&a.common.out)?;
    report("quadratic", &r.verdicts(), t0, failed);
    Ok(())
}

fn lemma1_cmd(c: &CommonArgs, steps: u64, failed: &mut usize) -> anyhow::Result<()> {
    let t0 = Instant::now();
    let cfg = lemma1::Lemma1Config {
        steps,
        seed: c.seed,
        ..Default::default()
    };
    let r = lemma1::run(&cfg)?;
    r.write(&c.out)?;
    report("lemma1", &r.verdicts(), t0, failed);
    Ok(())
}

fn markov_cmd(
    c: &CommonArgs,
    sim_steps: u64,
    bc_steps: u64,
    failed: &mut usize,
) -> anyhow::Result<()> {
    let t0 = Instant::now();
    let cfg = markov::MarkovConfig {
        sim_steps,
        bc_steps,
        seed: c.seed,
        ..Default::default()
    };
    let r = markov::run(&cfg)?;
    r.write(&c.out)?;
    report("markov", &r.verdicts(), t0, failed);
    Ok(())
}

fn mixing_cmd(out: &Path, eps: f64, failed: &mut usize) -> anyhow::Result<()> {
    let t0 = Instant::now();
    let cfg = mixing::MixingConfig {
        eps,
        ..Default::default()
    };
    let r = mixing::run(&cfg)?;
    r.write(out)?;
    report("mixing", &r.verdicts(), t0, failed);
    Ok(())
}

impl TheoryCommands {
    /// Run the chosen experiment(s); fails if any verdict disagrees with the paper.
    pub fn run(self) -> anyhow::Result<()> {
        let TheoryCommands::Theory { cmd } = self;
        let mut failed = 0usize;
        let t0 = Instant::now();
        match cmd {
            TheorySub::Quadratic(a) => quadratic_cmd(&a, &mut failed)?,
            TheorySub::Lemma1(a) => lemma1_cmd(&a.common, a.steps, &mut failed)?,
            TheorySub::Markov(a) => markov_cmd(&a.common, a.sim_steps, a.bc_steps, &mut failed)?,
            TheorySub::Mixing(a) => mixing_cmd(&a.common.out, a.eps, &mut failed)?,
            TheorySub::All(c) => {
                let q = QuadraticArgs {
                    common: c.clone(),
                    m: 200,
                    d: 10,
                    t_max: 1_000_000,
                    runs: 8,
                    deltas: vec![0.25, 0.125, 0.0625],
                };
                quadratic_cmd(&q, &mut failed)?;
                lemma1_cmd(&c, 200_000, &mut failed)?;
                markov_cmd(&c, 4_000_000, 200_000, &mut failed)?;
                mixing_cmd(&c.out, 0.25, &mut failed)?;
                println!("[theory all: {:.1} s]", t0.elapsed().as_secs_f64());
            }
        }
        if failed > 0 {
            anyhow::bail!("{failed} verdict(s) disagree with the paper");
        }
        Ok(())
    }
}
