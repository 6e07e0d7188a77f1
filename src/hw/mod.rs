//! Hardware parameters, defined once: the simulator's `--hw FILE`, the Verilog export and the golden
//! model's geometry all read this typed TOML config, so a cycle count or a bit width cannot disagree
//! between them.

pub mod conv_params;
pub mod update_params;

use std::path::Path;

use serde::{Deserialize, Serialize};

pub use conv_params::ConvParams;
pub use update_params::UpdateParams;

use crate::error::{QtrainError, Result};
use crate::validate::{self, Origin};

/// The whole accelerator's configuration (`--hw FILE`, TOML).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HwConfig {
    /// Accelerator clock in MHz, used to turn cycles into images/s.
    pub clock_mhz: f64,
    /// Conv engine parameters.
    pub conv: ConvParams,
    /// Weight-update unit parameters.
    pub update: UpdateParams,
}

impl Default for HwConfig {
    fn default() -> Self {
        Self {
            clock_mhz: 100.0,
            conv: ConvParams::default(),
            update: UpdateParams::default(),
        }
    }
}

/// Highest accelerator clock a configuration may state, in MHz.
pub const MAX_CLOCK_MHZ: f64 = 10_000.0;

impl HwConfig {
    /// Parse and validate a TOML file. Every error names the file; a value out of range also names
    /// the field (`conv.pe`, `update.lfsr.taps`), the value and what is allowed; a syntax error,
    /// an unknown field or a wrong type names the line and the key (the TOML parser's report).
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| QtrainError::io(path, e))?;
        let cfg: HwConfig = toml::from_str(&text).map_err(|e| {
            QtrainError::bad_data(
                path,
                format!("bad hardware TOML: {}", e.to_string().trim_end()),
            )
        })?;
        cfg.validate_at(&Origin::file(path))?;
        Ok(cfg)
    }

    /// Check every parameter against what the RTL can build (see [`ConvParams::validate_at`],
    /// [`UpdateParams::validate_at`]); errors name the field.
    pub fn validate(&self) -> Result<()> {
        self.validate_at(&Origin::Flag)
    }

    /// [`HwConfig::validate`] for a configuration read from `origin`.
    pub fn validate_at(&self, origin: &Origin) -> Result<()> {
        validate::positive(origin, "clock_mhz", self.clock_mhz, 0.0, MAX_CLOCK_MHZ)?;
        self.conv.validate_at(origin)?;
        self.update.validate_at(origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_round_trips_through_toml_and_bad_fields_are_named() {
        let d = HwConfig::default();
        d.validate().unwrap();
        let text = toml::to_string(&d).unwrap();
        let back: HwConfig = toml::from_str(&text).unwrap();
        assert_eq!(back, d);
        let dir = std::env::temp_dir().join(format!("qtrain-hw-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("bad.toml");
        std::fs::write(&p, "clock_mhz = 100.0\n[conv]\nbogus = 3\n").unwrap();
        let e = HwConfig::load(&p).unwrap_err().to_string();
        assert!(e.contains("bad.toml") && e.contains("bogus"), "{e}");
        std::fs::write(&p, "clock_mhz = -1.0\n").unwrap();
        let e = HwConfig::load(&p).unwrap_err().to_string();
        assert!(e.contains("bad.toml: clock_mhz = -1"), "{e}");
        for (text, needle) in [
            ("[conv]\npe = 3\n", "conv.pe = 3: expected a power of two"),
            (
                "[conv]\nsimd = 96\n",
                "conv.simd = 96: expected a multiple of 64",
            ),
            (
                "[conv]\nmax_h = 65\n",
                "conv.max_h = 65: expected an integer in 1..=64",
            ),
            ("[update]\nlanes = 3\n", "update.lanes = 3"),
            (
                "[update.lfsr]\nwidth = 32\ntaps = 0\n",
                "update.lfsr.taps = 0x0",
            ),
            (
                "[update.lfsr]\nwidth = 16\ntaps = 0x80200003\n",
                "update.lfsr.taps = 0x80200003",
            ),
            (
                "[update.lfsr]\nwidth = 32\ntaps = 0x80200002\n",
                "maximal-length",
            ),
        ] {
            std::fs::write(&p, text).unwrap();
            let e = HwConfig::load(&p).unwrap_err().to_string();
            assert!(e.contains("bad.toml") && e.contains(needle), "{text}: {e}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
