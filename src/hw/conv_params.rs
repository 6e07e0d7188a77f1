//! Conv engine parameters (P, S, A, buffer limits). The hardware crate instantiates its const generics
//! from these and checks that they agree; the geometry model in [`crate::exact`] uses the same values.

use serde::{Deserialize, Serialize};

use crate::error::{QtrainError, Result};

/// Folding and buffer sizes of the XNOR-popcount conv engine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConvParams {
    /// PEs: output channels computed in parallel.
    pub pe: usize,
    /// SIMD: input bits (weights × one activation bit-plane) per PE per cycle.
    pub simd: usize,
    /// Largest activation width in bits the engine accepts (the first layer takes 8-bit pixels).
    pub max_act_bits: u32,
    /// Largest feature-map height.
    pub max_h: usize,
    /// Largest feature-map width.
    pub max_w: usize,
    /// Largest number of input channels.
    pub max_c_in: usize,
    /// Largest number of output channels.
    pub max_c_out: usize,
    /// Words (64-bit) of one line-buffer row slot: a layer needs `W·A_in·ceil(C_in/64)` of them.
    pub line_row_words: usize,
}

impl Default for ConvParams {
    fn default() -> Self {
        Self {
            pe: 16,
            simd: 64,
            max_act_bits: 8,
            max_h: 32,
            max_w: 32,
            max_c_in: 512,
            max_c_out: 512,
            line_row_words: 512,
        }
    }
}

impl ConvParams {
    /// Words of one line-buffer row slot (see the field).
    pub fn line_row_words(&self) -> usize {
        self.line_row_words
    }

    /// Check every field's range.
    pub fn validate(&self) -> Result<()> {
        let bad = |field: &str, msg: String| {
            Err(QtrainError::Config {
                field: format!("conv.{field}"),
                msg,
            })
        };
        if self.pe == 0 || self.pe > 256 {
            return bad("pe", format!("{} is outside 1..=256", self.pe));
        }
        if self.simd == 0 || self.simd > 1024 {
            return bad("simd", format!("{} is outside 1..=1024", self.simd));
        }
        if !(1..=8).contains(&self.max_act_bits) {
            return bad(
                "max_act_bits",
                format!("{} is outside 1..=8", self.max_act_bits),
            );
        }
        for (f, v) in [
            ("max_h", self.max_h),
            ("max_w", self.max_w),
            ("max_c_in", self.max_c_in),
            ("max_c_out", self.max_c_out),
            ("line_row_words", self.line_row_words),
        ] {
            if v == 0 || v > 4096 {
                return bad(f, format!("{v} is outside 1..=4096"));
            }
        }
        Ok(())
    }
}
