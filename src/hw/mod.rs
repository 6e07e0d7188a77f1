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

impl HwConfig {
    /// Parse and validate a TOML file; errors name the file and the field.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| QtrainError::io(path, e))?;
        let cfg: HwConfig = toml::from_str(&text)
            .map_err(|e| QtrainError::bad_data(path, format!("bad hardware TOML: {e}")))?;
        cfg.validate()
            .map_err(|e| QtrainError::bad_data(path, e.to_string()))?;
        Ok(cfg)
    }

    /// Check every parameter's range.
    pub fn validate(&self) -> Result<()> {
        if !(self.clock_mhz.is_finite() && self.clock_mhz > 0.0) {
            return Err(QtrainError::Config {
                field: "clock_mhz".into(),
                msg: format!("must be a positive number, got {}", self.clock_mhz),
            });
        }
        self.conv.validate()?;
        self.update.validate()
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
        assert!(e.contains("clock_mhz"), "{e}");
    }
}
