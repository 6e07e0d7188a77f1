//! Weight-update unit parameters: lanes, the fixed-point formats of the weight buffer and of the step,
//! and the number of random bits per stochastic-rounding decision.

use serde::{Deserialize, Serialize};

use crate::error::{QtrainError, Result};
use crate::fixed::FixedFormat;
use crate::lfsr::LfsrSpec;

/// Shape and formats of the update unit. Limits (checked by [`UpdateParams::validate`]) come from the
/// hardware: lanes divide 64 (sign packing), both formats signed, `w` ≤ 24 bits with ±1 representable
/// (binary grid), `u.frac ≤ w.frac` (the step is aligned by a left shift), `w` bits + `sr_bits` ≤ 32 (the
/// SR comparison's width).
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
        if self.lanes == 0 || self.lanes > 64 || 64 % self.lanes != 0 {
            return bad(
                "lanes",
                format!(
                    "{} must divide 64 (the sign packer fills 64-bit words a beat at a time)",
                    self.lanes
                ),
            );
        }
        self.w_format.validate()?;
        self.u_format.validate()?;
        let (w, u) = (self.w_format, self.u_format);
        if !w.signed || !u.signed || w.total_bits > 24 || w.frac_bits + 2 > w.total_bits {
            return bad(
                "w_format",
                format!("{w} must be signed, ≤ 24 bits, with ±1 representable"),
            );
        }
        if u.frac_bits > w.frac_bits || u.total_bits + (w.frac_bits - u.frac_bits) > 28 {
            return bad(
                "u_format",
                format!(
                    "{u} must be signed, have ≤ {} fraction bits and fit 28 bits once aligned",
                    w.frac_bits
                ),
            );
        }
        if !(1..=16).contains(&self.sr_bits) || self.sr_bits + w.total_bits > 32 {
            return bad(
                "sr_bits",
                format!(
                    "{} is outside 1..=16 or w_format bits + sr_bits > 32",
                    self.sr_bits
                ),
            );
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
