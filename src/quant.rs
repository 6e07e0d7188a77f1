//! The paper's two quantizers (eq. 3 and eq. 5) on a grid of step Δ with a clipping range, in float (for
//! training) and in integer form (the exact arithmetic the update unit performs).
//!
//! * `Qd(w) = sign(w)·Δ·floor(|w|/Δ + 1/2)` — nearest grid point, ties away from zero.
//! * `Qs(w) = Δ·(floor(w/Δ) + [u < w/Δ − floor(w/Δ)])` with `u ~ U[0,1)` — unbiased: `E[Qs(w)] = w`.
//! * Both clip to the grid's range. The binary grid {−1,+1} is the special case the paper trains with:
//!   `Qd = sign` (sign(0) = +1) and `Qs` picks +1 with probability `(clip(w,−1,1)+1)/2`.
//!
//! The integer forms take a raw fixed-point value and the number `d` of low bits the grid drops
//! (grid step = 2^d raw units). Their randomness is an `r`-bit draw from [`crate::lfsr`], and the rule
//! "round up when the draw is below the dropped fraction" is defined here once.

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::error::{QtrainError, Result};

/// A weight grid: either the binary set {−1,+1} or a uniform grid of step Δ on [lo, hi].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Grid {
    /// {−1, +1}: what BinaryConnect, R and SR use in the paper's experiments.
    Binary,
    /// Multiples of `delta` in `[lo, hi]` (`lo`, `hi` themselves multiples of `delta`).
    Uniform {
        /// Grid step Δ.
        delta: f32,
        /// Smallest grid value.
        lo: f32,
        /// Largest grid value.
        hi: f32,
    },
}

impl Grid {
    /// A uniform grid; `lo` and `hi` must be multiples of `delta` with `lo < 0 < hi`.
    pub fn uniform(delta: f32, lo: f32, hi: f32) -> Result<Self> {
        let is_mult = |x: f32| ((x / delta).round() * delta - x).abs() <= 1e-6 * x.abs().max(1.0);
        if !(delta.is_finite() && delta > 0.0) {
            return Err(QtrainError::Config {
                field: "delta".into(),
                msg: format!("grid step must be positive and finite, got {delta}"),
            });
        }
        if !(lo < 0.0 && hi > 0.0 && is_mult(lo) && is_mult(hi)) {
            return Err(QtrainError::Config {
                field: "range".into(),
                msg: format!("[{lo}, {hi}] must straddle 0 with ends on multiples of {delta}"),
            });
        }
        Ok(Grid::Uniform { delta, lo, hi })
    }

    /// The k-bit two's-complement grid with step Δ: `{−2^(k−1), …, 2^(k−1)−1}·Δ` — the values a
    /// k-bit fixed-point register holds. `k = 1` is rejected: use [`Grid::Binary`].
    pub fn k_bit(k: u32, delta: f32) -> Result<Self> {
        if !(2..=24).contains(&k) {
            return Err(QtrainError::Config {
                field: "bits".into(),
                msg: format!(
                    "k-bit grids need 2..=24 bits, got {k} (use the binary grid for 1 bit)"
                ),
            });
        }
        let half = (1u32 << (k - 1)) as f32;
        Grid::uniform(delta, -half * delta, (half - 1.0) * delta)
    }

    /// Step between neighbouring grid points (2 for the binary grid).
    pub fn delta(&self) -> f32 {
        match *self {
            Grid::Binary => 2.0,
            Grid::Uniform { delta, .. } => delta,
        }
    }

    /// Clip into the grid's range.
    pub fn clip(&self, w: f32) -> f32 {
        match *self {
            Grid::Binary => w.clamp(-1.0, 1.0),
            Grid::Uniform { lo, hi, .. } => w.clamp(lo, hi),
        }
    }

    /// Deterministic rounding `Qd` (eq. 3), ties away from zero, then clipping.
    pub fn qd(&self, w: f32) -> f32 {
        match *self {
            Grid::Binary => {
                if w >= 0.0 {
                    1.0
                } else {
                    -1.0
                }
            }
            Grid::Uniform { delta, .. } => {
                let q = w.signum() * delta * (w.abs() / delta + 0.5).floor();
                self.clip(q)
            }
        }
    }

    /// Stochastic rounding `Qs` (eq. 5) given a uniform draw `u ∈ [0, 1)`: round up iff `u` is below
    /// the fractional position of `w` between its two neighbouring grid points.
    pub fn qs_with(&self, w: f32, u: f32) -> f32 {
        match *self {
            Grid::Binary => {
                let p_up = (self.clip(w) + 1.0) * 0.5;
                if u < p_up {
                    1.0
                } else {
                    -1.0
                }
            }
            Grid::Uniform { delta, .. } => {
                let x = self.clip(w) / delta;
                let fl = x.floor();
                let up = if u < x - fl { 1.0 } else { 0.0 };
                self.clip((fl + up) * delta)
            }
        }
    }

    /// `Qs` with a draw taken from `rng`.
    pub fn qs<R: Rng + ?Sized>(&self, w: f32, rng: &mut R) -> f32 {
        self.qs_with(w, rng.gen::<f32>())
    }
}

/// Integer `Qd`: the grid index `k` nearest to `v / 2^d`, ties away from zero (`v` in raw units).
pub fn qd_index(v: i64, d: u32) -> i64 {
    if d == 0 {
        return v;
    }
    let half = 1i64 << (d - 1);
    if v >= 0 {
        (v + half) >> d
    } else {
        -((-v + half) >> d)
    }
}

/// The top `r` bits of the fraction that a grid of step `2^d` drops from `v`: the threshold the random
/// draw is compared with. Equals `floor(frac · 2^r)` with `frac = (v mod 2^d)/2^d ∈ [0, 1)`.
pub fn dropped_fraction(v: i64, d: u32, r: u32) -> u64 {
    if d == 0 {
        return 0;
    }
    let frac = (v as u64) & crate::fixed::mask(d);
    if d >= r {
        frac >> (d - r)
    } else {
        frac << (r - d)
    }
}

/// Integer `Qs`: grid index `floor(v / 2^d) + [draw < dropped_fraction(v, d, r)]` with `draw` an
/// `r`-bit uniform integer. P(round up) equals the dropped fraction to within `2^-r` (never above it).
pub fn qs_index(v: i64, d: u32, draw: u64, r: u32) -> i64 {
    debug_assert!(r == 64 || draw < (1u64 << r));
    let fl = v >> d; // arithmetic shift = floor
    fl + i64::from(draw < dropped_fraction(v, d, r))
}

/// Integer binary `Qd` on a raw value: `sign`, with sign(0) = +1. Returns ±1.
pub fn binary_qd_raw(w: i64) -> i64 {
    if w >= 0 {
        1
    } else {
        -1
    }
}

/// Integer binary `Qs` on a raw value with `frac_bits` fraction bits: +1 with probability
/// `(clip(w, −1, 1) + 1)/2` (to within `2^-r`), −1 otherwise. Maps `t = w + 1 ∈ [0, 2]` to the unit grid
/// (drop `frac_bits + 1` bits) exactly as DESIGN.md specifies. Returns ±1.
pub fn binary_qs_raw(w: i64, frac_bits: u32, draw: u64, r: u32) -> i64 {
    let one = 1i64 << frac_bits;
    let t = (w.clamp(-one, one)) + one; // in [0, 2·one]
    if qs_index(t, frac_bits + 1, draw, r) >= 1 {
        1
    } else {
        -1
    }
}

/// Where the activations the engine passes between layers clip, in BN units: a ReLU clipped at 3
/// (three standard deviations of a freshly normalised channel), quantised to A bits.
pub const ACT_CLIP: f64 = 3.0;

/// The value of one step of an A-bit activation code, `ACT_CLIP / (2^A − 1)`: the engine's output
/// unit (`exact::requant`), the integer training path's and the float twin's (`layers::QuantRelu`).
pub fn act_step(bits: u32) -> f64 {
    ACT_CLIP / ((1u64 << bits) - 1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn qd_nearest_ties_away_from_zero() {
        let g = Grid::uniform(0.5, -4.0, 4.0).unwrap();
        assert_eq!(g.qd(0.24), 0.0);
        assert_eq!(g.qd(0.25), 0.5); // tie → away from zero
        assert_eq!(g.qd(-0.25), -0.5);
        assert_eq!(g.qd(0.74), 0.5);
        assert_eq!(g.qd(0.75), 1.0);
        assert_eq!(g.qd(-0.75), -1.0);
        assert_eq!(g.qd(1.0), 1.0);
        // integer form agrees, step 2^2 raw units
        assert_eq!(qd_index(2, 2), 1);
        assert_eq!(qd_index(-2, 2), -1);
        assert_eq!(qd_index(1, 2), 0);
        assert_eq!(qd_index(-1, 2), 0);
        assert_eq!(qd_index(6, 2), 2);
        assert_eq!(qd_index(-6, 2), -2);
        assert_eq!(qd_index(-5, 2), -1);
        for v in -200i64..200 {
            let f = g.qd(v as f32 / 8.0); // Δ = 0.5 = 4 raw units of 1/8
            assert_eq!((f * 2.0) as i64, qd_index(v, 2).clamp(-8, 8), "v={v}");
        }
    }

    #[test]
    fn clipping_applies_to_both_quantizers() {
        let g = Grid::k_bit(3, 0.25).unwrap(); // {-1, ..., 0.75}
        assert_eq!(g.qd(5.0), 0.75);
        assert_eq!(g.qd(-5.0), -1.0);
        assert_eq!(g.qs_with(5.0, 0.0), 0.75);
        assert_eq!(g.qs_with(5.0, 0.999), 0.75);
        assert_eq!(g.qs_with(-5.0, 0.5), -1.0);
        assert!(Grid::k_bit(1, 1.0).is_err());
        assert!(Grid::uniform(0.3, -1.0, 1.0).is_err());
        assert!(Grid::uniform(-1.0, -1.0, 1.0).is_err());
    }

    #[test]
    fn binary_special_case() {
        let b = Grid::Binary;
        assert_eq!(b.qd(0.0), 1.0);
        assert_eq!(b.qd(-1e-9), -1.0);
        assert_eq!(b.qd(7.0), 1.0);
        assert_eq!(b.qs_with(1.0, 0.9999), 1.0);
        assert_eq!(b.qs_with(-1.0, 0.0), -1.0);
        assert_eq!(b.qs_with(3.0, 0.5), 1.0);
        assert_eq!(b.qs_with(0.5, 0.74), 1.0); // P(+1) = 0.75
        assert_eq!(b.qs_with(0.5, 0.76), -1.0);
        assert_eq!(binary_qd_raw(0), 1);
        assert_eq!(binary_qd_raw(-1), -1);
        // raw, 4 fraction bits: w = 0.5 → P(+1) = 0.75 = 12/16 with r = 4
        let hits = (0..16u64)
            .filter(|&d| binary_qs_raw(8, 4, d, 4) == 1)
            .count();
        assert_eq!(hits, 12);
        assert_eq!(
            (0..16u64)
                .filter(|&d| binary_qs_raw(16, 4, d, 4) == 1)
                .count(),
            16
        );
        assert_eq!(
            (0..16u64)
                .filter(|&d| binary_qs_raw(-99, 4, d, 4) == 1)
                .count(),
            0
        );
    }

    /// Mean of ≥10⁶ seeded draws of Qs(w) is within 4σ of w (σ of the mean from the Bernoulli variance).
    #[test]
    fn qs_is_unbiased() {
        let mut rng = ChaCha8Rng::seed_from_u64(2017);
        let n = 1_000_000;
        let cases: &[(Grid, f32)] = &[
            (Grid::uniform(0.5, -4.0, 4.0).unwrap(), 0.3),
            (Grid::uniform(0.5, -4.0, 4.0).unwrap(), -1.1),
            (Grid::uniform(0.125, -1.0, 1.0).unwrap(), 0.0625 + 0.01),
            (Grid::k_bit(4, 1.0).unwrap(), -3.7),
            (Grid::Binary, 0.2),
            (Grid::Binary, -0.9),
        ];
        for &(g, w) in cases {
            let delta = g.delta() as f64;
            let lo_pt = match g {
                Grid::Binary => -1.0,
                _ => ((w as f64) / delta).floor() * delta,
            };
            let p = ((w as f64) - lo_pt) / delta;
            let sigma_mean = delta * (p * (1.0 - p)).sqrt() / (n as f64).sqrt();
            let mean = (0..n).map(|_| g.qs(w, &mut rng) as f64).sum::<f64>() / n as f64;
            assert!(
                (mean - w as f64).abs() <= 4.0 * sigma_mean + 1e-6,
                "grid {g:?} w={w}: mean {mean}, 4σ = {}",
                4.0 * sigma_mean
            );
        }
    }

    /// The integer Qs rounds up for exactly `dropped_fraction` of the 2^r draws.
    #[test]
    fn integer_qs_probability_is_the_dropped_fraction() {
        for &(v, d, r) in &[
            (13i64, 4u32, 4u32),
            (-13, 4, 4),
            (77, 6, 3),
            (5, 2, 8),
            (-1, 10, 10),
        ] {
            let ups = (0..(1u64 << r))
                .filter(|&draw| qs_index(v, d, draw, r) == (v >> d) + 1)
                .count() as u64;
            assert_eq!(ups, dropped_fraction(v, d, r), "v={v} d={d} r={r}");
            let exact = ((v as u64) & ((1 << d) - 1)) as f64 / (1u64 << d) as f64;
            assert!(exact - ups as f64 / (1u64 << r) as f64 <= 1.0 / (1u64 << r) as f64);
            assert!(exact >= ups as f64 / (1u64 << r) as f64);
        }
    }
}
