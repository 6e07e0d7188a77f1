//! `sim`'s command line: the flags of each subcommand and their validation into the typed
//! configurations the applications ([`crate::app`]) take. Every flag is checked here, once, before
//! anything is loaded, simulated or written; errors name the flag (or the TOML file and field), the
//! value and what was expected.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};
use qtrain::exact::update::UpdateMode;
use qtrain::hw::HwConfig;
use qtrain::output as outputs;
use qtrain::validate::{self, Origin};

use crate::devices::shapes::{self, Use};
use crate::error::SimError;

pub mod run;
pub mod train;

/// Simulate the qtrain accelerator on a network and check it against the golden model.
#[derive(Parser, Debug)]
#[command(name = "sim", version, about, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// The subcommand; none: `run` with the flags given.
    #[command(subcommand)]
    pub cmd: Option<SimCmd>,
    /// `sim --net …` without a subcommand is `sim run --net …`.
    #[command(flatten)]
    pub run: run::RunArgs,
}

/// `sim`'s subcommands.
#[derive(Subcommand, Debug)]
pub enum SimCmd {
    /// Stream a network through the accelerator, check every value against the golden model and
    /// report cycles, utilisation and accuracy (the default); `--train` for hardware-in-the-loop steps.
    Run(run::RunArgs),
    /// Train vgg-bc on CIFAR through the accelerator's arithmetic for whole epochs (test error
    /// through the engine every epoch, checkpoints, --resume; the first --check-steps steps also on
    /// a cycle-accurate backend).
    Train(train::TrainArgs),
    /// Write the accelerator's Verilog, its parameters and golden vectors + an Icarus test bench.
    Export(ExportArgs),
    /// Simulated cycles/s of the rust-hdl engine, the rust-hdl top and the Verilator-compiled
    /// exported top, side by side on the first conv layers of full-size VGG-BC (every value checked).
    Bench(BenchArgs),
}

/// `sim export` flags.
#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// Output directory.
    #[arg(long)]
    pub out: PathBuf,
    /// Hardware configuration (TOML); the built-in default otherwise.
    #[arg(long)]
    pub hw: Option<PathBuf>,
    /// Replace an existing non-empty output directory (only once the new export is complete).
    #[arg(long)]
    pub overwrite: bool,
    /// Make the accelerator-top vectors' first conv this full-size VGG-BC layer (conv1..conv6)
    /// instead of the small vector layer.
    #[arg(long)]
    pub layer: Option<String>,
}

/// `sim bench` flags.
#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Conv layers of VGG-BC to run (1..=6, from conv1).
    #[arg(long, default_value_t = 1)]
    pub layers: usize,
    /// Hardware configuration (TOML); the built-in default otherwise.
    #[arg(long)]
    pub hw: Option<PathBuf>,
    /// Write the figures as JSON.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

/// A validated `sim export`.
#[derive(Debug)]
pub struct ExportConfig {
    /// Output directory (its nearest existing ancestor is a directory).
    pub out: PathBuf,
    /// The configuration to export (a shape this binary instantiates).
    pub hw: HwSource,
    /// Replace an existing export.
    pub overwrite: bool,
    /// `--layer`.
    pub layer: Option<String>,
}

impl ExportArgs {
    /// Check the flags and the configuration before anything is written.
    pub fn validate(self) -> Result<ExportConfig, SimError> {
        let hw = HwSource::load(self.hw.as_deref())?;
        shapes::check(&hw.cfg, &hw.origin, Use::Export)?;
        // The nearest existing ancestor of --out must be a directory (the export creates the rest).
        if let Some(a) = self
            .out
            .ancestors()
            .skip(1)
            .find(|a| !a.as_os_str().is_empty() && std::fs::symlink_metadata(a).is_ok())
        {
            if !a.is_dir() {
                return Err(Origin::Flag
                    .invalid(
                        "--out",
                        self.out.display(),
                        format!("a directory path; {} is not a directory", a.display()),
                    )
                    .into());
            }
        }
        Ok(ExportConfig {
            out: self.out,
            hw,
            overwrite: self.overwrite,
            layer: self.layer,
        })
    }
}

/// A validated `sim bench`.
#[derive(Debug)]
pub struct BenchConfig {
    /// Conv layers of VGG-BC (1..=6).
    pub layers: usize,
    /// The configuration (simulated by the rtl top and by Verilator).
    pub hw: HwSource,
    /// `--json`.
    pub json: Option<outputs::Target>,
}

impl BenchArgs {
    /// Check the flags and that both cycle-accurate backends can build the configuration.
    pub fn validate(self) -> Result<BenchConfig, SimError> {
        let hw = HwSource::load(self.hw.as_deref())?;
        validate::count(&Origin::Flag, "--layers", self.layers, 1..=6)?;
        shapes::check(&hw.cfg, &hw.origin, Use::RtlTop)?;
        shapes::check(&hw.cfg, &hw.origin, Use::Verilator)?;
        let json = self
            .json
            .map(|p| outputs::target("--json", &p))
            .transpose()?;
        Ok(BenchConfig {
            layers: self.layers,
            hw,
            json,
        })
    }
}

/// A hardware configuration and where it came from, so that errors about it name the file.
#[derive(Clone, Debug)]
pub struct HwSource {
    /// The configuration.
    pub cfg: HwConfig,
    /// `--hw FILE` or the built-in default.
    pub origin: Origin,
}

impl HwSource {
    /// `--hw FILE` loaded and validated, or the built-in default.
    pub fn load(path: Option<&Path>) -> Result<Self, SimError> {
        Ok(match path {
            Some(p) => HwSource {
                cfg: HwConfig::load(p)?,
                origin: Origin::file(p),
            },
            None => HwSource {
                cfg: HwConfig::default(),
                origin: Origin::Flag,
            },
        })
    }

    /// "FILE" / "the built-in configuration".
    pub fn name(&self) -> String {
        match &self.origin {
            Origin::File(p) => p.display().to_string(),
            Origin::Flag => "the built-in configuration".into(),
        }
    }

    /// "conv.max_act_bits of FILE".
    pub fn field(&self, f: &str) -> String {
        format!("{f} of {}", self.name())
    }
}

/// The paper's three update rules by their command-line names (`r`, `sr`, `bc`,
/// [`qtrain::train::integer::run::parse_method`]): clap lists them and refuses anything else.
pub fn method_parser() -> impl clap::builder::TypedValueParser<Value = UpdateMode> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(["bc", "sr", "r"]).try_map(|s: String| {
        qtrain::train::integer::run::parse_method(&s).ok_or_else(|| format!("unknown method {s}"))
    })
}
