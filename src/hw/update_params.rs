//! Weight-update unit parameters: lanes, the fixed-point formats of the weight buffer and of the step,
//! and the number of random bits per stochastic-rounding decision.

use serde::{Deserialize, Serialize};

use crate::error::{QtrainError, Result};
use crate::fixed::FixedFormat;
use crate::lfsr::LfsrSpec;

/// Shape and formats of the update unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UpdateParams {
    /// Weights updated per clock cycle.
    pub lanes: usize,
    /// Format of the stored weight / BC's high-precision buffer `w_r`.
    pub w_format: FixedFormat,
    /// Format of the optimizer step `u` sent by the host.
    pub u_format: FixedFormat,
    /// Random bits per stochastic-rounding decision (r).
    pub sr_bits: u32,
    /// The LFSR every lane runs.
    pub lfsr: LfsrSpec,
}

impl Default for UpdateParams {
    fn default() -> Self {
        Self {
            lanes: 16,
            w_format: FixedFormat::signed(16, 14),
            u_format: FixedFormat::signed(8, 10),
            sr_bits: 8,
            lfsr: crate::lfsr::DEFAULT_LFSR,
        }
    }
}

impl UpdateParams {
    /// Check every field's range.
    pub fn validate(&self) -> Result<()> {
        let bad = |field: &str, msg: String| {
            Err(QtrainError::Config {
                field: format!("update.{field}"),
                msg,
            })
        };
        if self.lanes == 0 || self.lanes > 256 {
            return bad("lanes", format!("{} is outside 1..=256", self.lanes));
        }
        self.w_format.validate()?;
        self.u_format.validate()?;
        if !(1..=16).contains(&self.sr_bits) {
            return bad("sr_bits", format!("{} is outside 1..=16", self.sr_bits));
        }
        if !(3..=32).contains(&self.lfsr.width) || self.sr_bits > self.lfsr.width {
            return bad(
                "lfsr.width",
                format!("{} must be in 3..=32 and ≥ sr_bits", self.lfsr.width),
            );
        }
        Ok(())
    }
}
