//! Weight-update unit parameters: lanes, the fixed-point formats of the weight buffer and of the step,
//! and the number of random bits per stochastic-rounding decision.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::fixed::FixedFormat;
use crate::lfsr::LfsrSpec;
use crate::validate::{self, Origin};

/// Shape and formats of the update unit. Limits (checked by [`UpdateParams::validate`]) come from the
/// hardware: lanes divide 64 (sign packing), both formats signed, `w` ≤ 24 bits with ±1 representable
/// (binary grid), `u.frac ≤ w.frac` and the aligned step within `w`'s bits (the step is aligned by a
/// left shift inside the lane's `w`-bit datapath), `sr_bits` ≤ 16 (the draw's width).
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
            // 16, not 8: the r-bit comparison rounds P(round up) down by up to 2^-r, so a weight at
            // +1 with any step u > 0 flips with probability ≥ 2^-r (1/256 at r = 8, where SR's true
            // rate is u/2 ≈ 5·10^-4 for u = 1 LSB of u_format), while a weight at −1 needs
            // |u| ≥ 2^(1−r)·2 to flip at all: a drift toward −1 that made SR on vgg-bc 11 points
            // worse than its float twin (`results/onchip-training.md`). At r = 16 the bias is 2^-16.
            sr_bits: 16,
            lfsr: crate::lfsr::DEFAULT_LFSR,
        }
    }
}

impl UpdateParams {
    /// Check every field's range (the errors name `update.FIELD`; no origin: see
    /// [`UpdateParams::validate_at`]).
    pub fn validate(&self) -> Result<()> {
        self.validate_at(&Origin::Flag)
    }

    /// [`UpdateParams::validate`] for values read from `origin` (a hardware TOML file): the limits of
    /// the type's doc, plus an LFSR that can drive stochastic rounding — `lfsr.width` in 3..=32 and
    /// ≥ `sr_bits`, `lfsr.taps` a maximal-length feedback mask of that width
    /// ([`LfsrSpec::is_maximal`]: fits the width, top bit set, period `2^width − 1`). Taps of 0 would
    /// round without randomness; taps wider than the LFSR leak state bits the hardware does not hold.
    pub fn validate_at(&self, origin: &Origin) -> Result<()> {
        let name = |f: &str| format!("update.{f}");
        if self.lanes == 0 || self.lanes > 64 || 64 % self.lanes != 0 {
            return Err(origin.invalid(
                name("lanes"),
                self.lanes,
                "a divisor of 64: 1, 2, 4, 8, 16, 32 or 64 (the sign packer fills 64-bit words a beat at a time)",
            ));
        }
        let (w, u) = (self.w_format, self.u_format);
        for (f, fmt) in [("w_format", w), ("u_format", u)] {
            if !fmt.signed {
                return Err(origin.invalid(
                    name(&format!("{f}.signed")),
                    fmt.signed,
                    "true (the update unit's weights and steps are two's complement)",
                ));
            }
        }
        validate::count(
            origin,
            &name("w_format.total_bits"),
            w.total_bits as usize,
            2..=24,
        )?;
        if w.frac_bits + 2 > w.total_bits {
            return Err(origin.invalid(
                name("w_format.frac_bits"),
                w.frac_bits,
                format!(
                    "at most total_bits − 2 = {} (±1 must be representable on the binary grid)",
                    w.total_bits - 2
                ),
            ));
        }
        validate::count(
            origin,
            &name("u_format.total_bits"),
            u.total_bits as usize,
            2..=28,
        )?;
        if u.frac_bits > w.frac_bits || u.total_bits + (w.frac_bits - u.frac_bits) > w.total_bits {
            return Err(origin.invalid(
                name("u_format.frac_bits"),
                u.frac_bits,
                format!(
                    "at most w_format.frac_bits = {} and total_bits + (w_format.frac_bits − frac_bits) ≤ \
                     w_format.total_bits = {} (the step is aligned to w by a left shift and must fit the \
                     weight format: the update lane's datapath is w_format.total_bits wide)",
                    w.frac_bits, w.total_bits
                ),
            ));
        }
        validate::count(origin, &name("sr_bits"), self.sr_bits as usize, 1..=16).map_err(|_| {
            origin.invalid(
                name("sr_bits"),
                self.sr_bits,
                "an integer in 1..=16 (the lanes' random draws are 16 bits wide)",
            )
        })?;
        let lw = self.lfsr.width;
        if !(3..=32).contains(&lw) || lw < self.sr_bits {
            return Err(origin.invalid(
                name("lfsr.width"),
                lw,
                format!(
                    "an integer in {}..=32 (3..=32 and ≥ sr_bits = {}: a draw is sr_bits successive output bits)",
                    self.sr_bits.max(3),
                    self.sr_bits
                ),
            ));
        }
        if !self.lfsr.is_maximal() {
            let table = LfsrSpec::maximal(lw)?;
            return Err(origin.invalid(
                name("lfsr.taps"),
                format!("{:#x}", self.lfsr.taps),
                format!(
                    "a maximal-length Galois feedback mask for a {lw}-bit LFSR: non-zero, only bits 0..={}, \
                     bit {} set, period 2^{lw} − 1 (e.g. XAPP052's {:#x}{})",
                    lw - 1,
                    lw - 1,
                    table.taps,
                    if lw == 32 { ", the default" } else { "" }
                ),
            ));
        }
        Ok(())
    }
}
