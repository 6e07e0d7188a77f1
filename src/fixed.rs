//! Fixed-point numbers as the hardware stores them: a raw two's-complement (or unsigned) integer plus a
//! [`FixedFormat`] that says how many bits it has and where the binary point sits.
//!
//! The hardware and the golden model both call these functions, so "what does the update unit do on
//! overflow" has exactly one answer: it **saturates** to the nearest representable value and the
//! [`Saturation`] counter goes up by one. Nothing ever wraps.
//!
//! Rounding rules, stated once:
//! * [`FixedFormat::from_f64`]: round to nearest, ties **away from zero** (the paper's `Qd`), then saturate.
//! * [`FixedFormat::mul_shift`]: exact product, then arithmetic shift right, i.e. **floor** (what a
//!   DSP slice followed by dropping low bits gives), then saturate.
//! * [`FixedFormat::to_f64`]: exact (every raw value of ≤ 53 bits is an f64).

use serde::{Deserialize, Serialize};

use crate::error::{QtrainError, Result};

/// Bit layout of a fixed-point value. `value = raw · 2^-frac_bits`; `raw` has `total_bits` bits,
/// two's complement when `signed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixedFormat {
    /// Width of the raw integer, 1..=48 (the limit keeps products inside i128 and values inside f64).
    pub total_bits: u32,
    /// Bits after the binary point; may exceed `total_bits` (a pure fraction) but not 62.
    pub frac_bits: u32,
    /// Two's complement when true, plain unsigned otherwise.
    pub signed: bool,
}

/// Counts how many results had to be clamped to the representable range. Hardware exposes the same
/// count in a register, so a run can report "0 saturations" or show that a format is too narrow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saturation {
    /// Number of saturated results since the counter was created or reset.
    pub count: u64,
}

impl Saturation {
    /// A fresh counter at zero.
    pub fn new() -> Self {
        Self::default()
    }
    /// Record `n` more saturations.
    pub fn add(&mut self, n: u64) {
        self.count = self.count.saturating_add(n);
    }
}

impl FixedFormat {
    /// A validated format; errors name the field that is out of range.
    pub fn new(total_bits: u32, frac_bits: u32, signed: bool) -> Result<Self> {
        let f = Self {
            total_bits,
            frac_bits,
            signed,
        };
        f.validate()?;
        Ok(f)
    }

    /// Signed Q(total-frac).frac format, e.g. `signed(16, 12)` is Q4.12.
    pub const fn signed(total_bits: u32, frac_bits: u32) -> Self {
        Self {
            total_bits,
            frac_bits,
            signed: true,
        }
    }

    /// Unsigned format.
    pub const fn unsigned(total_bits: u32, frac_bits: u32) -> Self {
        Self {
            total_bits,
            frac_bits,
            signed: false,
        }
    }

    /// Check the limits documented on the fields (config files are checked with this).
    pub fn validate(&self) -> Result<()> {
        if !(1..=48).contains(&self.total_bits) || (self.signed && self.total_bits < 2) {
            return Err(QtrainError::Config {
                field: "total_bits".into(),
                msg: format!(
                    "{} is outside 1..=48 (signed formats need at least 2 bits)",
                    self.total_bits
                ),
            });
        }
        if self.frac_bits > 62 {
            return Err(QtrainError::Config {
                field: "frac_bits".into(),
                msg: format!("{} exceeds 62", self.frac_bits),
            });
        }
        Ok(())
    }

    /// Smallest raw value.
    pub const fn min_raw(&self) -> i64 {
        if self.signed {
            -(1i64 << (self.total_bits - 1))
        } else {
            0
        }
    }

    /// Largest raw value.
    pub const fn max_raw(&self) -> i64 {
        if self.signed {
            (1i64 << (self.total_bits - 1)) - 1
        } else {
            (1i64 << self.total_bits) - 1
        }
    }

    /// One least-significant bit, as a real number (`2^-frac_bits`).
    pub fn lsb(&self) -> f64 {
        (-(self.frac_bits as f64)).exp2()
    }

    /// The raw value that represents 1.0, if it is representable.
    pub fn one_raw(&self) -> Option<i64> {
        let one = 1i64.checked_shl(self.frac_bits)?;
        (one <= self.max_raw()).then_some(one)
    }

    /// Clamp a wide intermediate into range, counting a saturation when it had to move.
    pub fn saturate(&self, v: i128, sat: &mut Saturation) -> i64 {
        let (lo, hi) = (self.min_raw() as i128, self.max_raw() as i128);
        if v < lo {
            sat.add(1);
            lo as i64
        } else if v > hi {
            sat.add(1);
            hi as i64
        } else {
            v as i64
        }
    }

    /// True when `raw` lies in this format's range.
    pub fn contains(&self, raw: i64) -> bool {
        (self.min_raw()..=self.max_raw()).contains(&raw)
    }

    /// Saturating `a + b`.
    pub fn add(&self, a: i64, b: i64, sat: &mut Saturation) -> i64 {
        self.saturate(a as i128 + b as i128, sat)
    }

    /// Saturating `a − b`.
    pub fn sub(&self, a: i64, b: i64, sat: &mut Saturation) -> i64 {
        self.saturate(a as i128 - b as i128, sat)
    }

    /// Saturating `(a · b) >> shift` with floor rounding (arithmetic shift of the exact product).
    pub fn mul_shift(&self, a: i64, b: i64, shift: u32, sat: &mut Saturation) -> i64 {
        let p = (a as i128) * (b as i128);
        self.saturate(p >> shift.min(127), sat)
    }

    /// Real value of a raw integer (exact).
    pub fn to_f64(&self, raw: i64) -> f64 {
        raw as f64 * self.lsb()
    }

    /// Real value as f32 (rounded to nearest by the f64→f32 cast).
    pub fn to_f32(&self, raw: i64) -> f32 {
        self.to_f64(raw) as f32
    }

    /// Nearest raw value, ties away from zero, saturated. NaN is an error (it has no nearest value);
    /// ±∞ saturate and count.
    pub fn from_f64(&self, x: f64, sat: &mut Saturation) -> Result<i64> {
        if x.is_nan() {
            return Err(QtrainError::Numeric(format!(
                "NaN cannot be converted to fixed point {self}"
            )));
        }
        let scaled = x * (self.frac_bits as f64).exp2();
        // f64::round is "round half away from zero".
        let r = scaled.round();
        let clamped = if r >= i128::MAX as f64 {
            i128::MAX
        } else if r <= i128::MIN as f64 {
            i128::MIN
        } else {
            r as i128
        };
        Ok(self.saturate(clamped, sat))
    }

    /// [`Self::from_f64`] for f32 inputs.
    pub fn from_f32(&self, x: f32, sat: &mut Saturation) -> Result<i64> {
        self.from_f64(x as f64, sat)
    }

    /// The raw value's low `total_bits` bits, as hardware holds them in a register.
    pub fn to_bits(&self, raw: i64) -> u64 {
        debug_assert!(self.contains(raw));
        (raw as u64) & mask(self.total_bits)
    }

    /// Inverse of [`Self::to_bits`]: sign-extends for signed formats.
    pub fn from_bits(&self, bits: u64) -> i64 {
        let b = bits & mask(self.total_bits);
        if self.signed && (b >> (self.total_bits - 1)) & 1 == 1 {
            (b | !mask(self.total_bits)) as i64
        } else {
            b as i64
        }
    }
}

impl std::fmt::Display for FixedFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}{}.{}",
            if self.signed { "Q" } else { "UQ" },
            self.total_bits as i64 - self.frac_bits as i64,
            self.frac_bits
        )
    }
}

/// A mask of the low `bits` bits (`bits` ≤ 64).
pub const fn mask(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        let q = FixedFormat::signed(8, 4);
        assert_eq!((q.min_raw(), q.max_raw()), (-128, 127));
        let u = FixedFormat::unsigned(8, 0);
        assert_eq!((u.min_raw(), u.max_raw()), (0, 255));
        assert_eq!(q.one_raw(), Some(16));
        assert_eq!(FixedFormat::signed(4, 3).one_raw(), None);
        assert!(FixedFormat::new(0, 0, false).is_err());
        assert!(FixedFormat::new(1, 0, true).is_err());
        assert!(FixedFormat::new(49, 0, true).is_err());
    }

    #[test]
    fn saturating_ops_count_and_never_wrap() {
        let q = FixedFormat::signed(8, 4);
        let mut s = Saturation::new();
        assert_eq!(q.add(100, 27, &mut s), 127);
        assert_eq!(s.count, 0);
        assert_eq!(q.add(100, 28, &mut s), 127);
        assert_eq!(s.count, 1);
        assert_eq!(q.sub(-100, 29, &mut s), -128);
        assert_eq!(s.count, 2);
        // 3.0 * 2.5 = 7.5 in Q4.4 → 120 raw; product raw 48*40=1920, >>4 = 120
        assert_eq!(q.mul_shift(48, 40, 4, &mut s), 120);
        assert_eq!(q.mul_shift(48, 48, 4, &mut s), 127);
        assert_eq!(s.count, 3);
        // floor rounding of negative products: -1 * 1 >> 4 = -1 (floor of -1/16)
        assert_eq!(q.mul_shift(-1, 1, 4, &mut s), -1);
        let u = FixedFormat::unsigned(8, 0);
        assert_eq!(u.sub(3, 4, &mut s), 0);
        assert_eq!(s.count, 4);
    }

    #[test]
    fn f64_conversion_rounds_half_away_and_saturates() {
        let q = FixedFormat::signed(8, 2); // lsb 0.25
        let mut s = Saturation::new();
        assert_eq!(q.from_f64(0.125, &mut s).unwrap(), 1); // tie → away from zero
        assert_eq!(q.from_f64(-0.125, &mut s).unwrap(), -1);
        assert_eq!(q.from_f64(0.1, &mut s).unwrap(), 0);
        assert_eq!(q.from_f64(0.38, &mut s).unwrap(), 2);
        assert_eq!(s.count, 0);
        assert_eq!(q.from_f64(1e9, &mut s).unwrap(), 127);
        assert_eq!(q.from_f64(f64::NEG_INFINITY, &mut s).unwrap(), -128);
        assert_eq!(s.count, 2);
        assert!(q.from_f64(f64::NAN, &mut s).is_err());
        for raw in q.min_raw()..=q.max_raw() {
            assert_eq!(q.from_f64(q.to_f64(raw), &mut s).unwrap(), raw);
        }
    }

    #[test]
    fn bit_patterns_round_trip() {
        let q = FixedFormat::signed(12, 6);
        for raw in q.min_raw()..=q.max_raw() {
            let b = q.to_bits(raw);
            assert!(b < 1 << 12);
            assert_eq!(q.from_bits(b), raw);
        }
        assert_eq!(format!("{q}"), "Q6.6");
    }
}
