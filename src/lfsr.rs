//! The one LFSR definition that both the update unit's hardware and the golden model use, so that a
//! hardware run and a golden run with the same seed make the same stochastic-rounding decisions.
//!
//! * **Form:** Galois, shifting right. One step: `out = s & 1; s >>= 1; if out { s ^= taps }`.
//!   `out` is the next bit of the m-sequence.
//! * **Polynomial:** from Xilinx XAPP052's maximal-length tap table, `taps = Σ 2^(t−1)` over its tap
//!   positions t; the default is 32 bits, taps 32,22,2,1 (`0x8020_0003`).
//! * **Draws:** an `r`-bit draw is the next `r` output bits, the first one in bit 0. In hardware one
//!   draw per clock is a purely linear (XOR) function of the state: [`LfsrSpec::jump_masks`] gives the
//!   next state after `r` steps and [`LfsrSpec::draw_masks`] the draw, as parity-of-AND masks.
//! * **Lanes:** lane `i` of a unit seeded with `seed` starts from [`LfsrSpec::lane_state`]`(seed, i)`
//!   (a SplitMix64 hash, never the all-zero lock-up state), so lanes run far-apart phases.

use serde::{Deserialize, Serialize};

use crate::error::{QtrainError, Result};
use crate::fixed::mask;

/// Tap positions (XAPP052) of maximal-length LFSRs for widths 3..=32.
const XAPP052_TAPS: [&[u32]; 30] = [
    &[3, 2],
    &[4, 3],
    &[5, 3],
    &[6, 5],
    &[7, 6],
    &[8, 6, 5, 4],
    &[9, 5],
    &[10, 7],
    &[11, 9],
    &[12, 6, 4, 1],
    &[13, 4, 3, 1],
    &[14, 5, 3, 1],
    &[15, 14],
    &[16, 15, 13, 4],
    &[17, 14],
    &[18, 11],
    &[19, 6, 2, 1],
    &[20, 17],
    &[21, 19],
    &[22, 21],
    &[23, 18],
    &[24, 23, 22, 17],
    &[25, 22],
    &[26, 6, 2, 1],
    &[27, 5, 2, 1],
    &[28, 25],
    &[29, 27],
    &[30, 6, 4, 1],
    &[31, 28],
    &[32, 22, 2, 1],
];

/// Width and feedback mask of a Galois LFSR.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LfsrSpec {
    /// State width in bits, 3..=32.
    pub width: u32,
    /// Galois feedback mask, XORed into the state when the bit shifted out is 1.
    pub taps: u64,
}

/// The project's LFSR: 32 bits, x^32 + x^22 + x^2 + x + 1.
pub const DEFAULT_LFSR: LfsrSpec = LfsrSpec {
    width: 32,
    taps: 0x8020_0003,
};

impl Default for LfsrSpec {
    fn default() -> Self {
        DEFAULT_LFSR
    }
}

impl LfsrSpec {
    /// The maximal-length LFSR of the given width (3..=32) from the XAPP052 table.
    pub fn maximal(width: u32) -> Result<Self> {
        if !(3..=32).contains(&width) {
            return Err(QtrainError::Config {
                field: "lfsr.width".into(),
                msg: format!("{width} is outside the supported 3..=32"),
            });
        }
        let taps = XAPP052_TAPS[(width - 3) as usize]
            .iter()
            .fold(0u64, |m, &t| m | 1 << (t - 1));
        Ok(Self { width, taps })
    }

    /// Whether this LFSR has maximal length: from any non-zero state it runs through all
    /// `2^width − 1` non-zero states before repeating (what stochastic rounding's draws need).
    ///
    /// Checked algebraically, for any taps, not against a table: the feedback mask must fit the
    /// width and have its top bit `width − 1` set (else the one-step map is singular and the state
    /// collapses), and the one-step map `M` (a `width × width` matrix over GF(2), the companion matrix
    /// of the feedback polynomial) must have order exactly `n = 2^width − 1`: `M^n = I` and
    /// `M^(n/p) ≠ I` for every prime `p` dividing `n`. An order of `n` (odd) makes the polynomial
    /// irreducible and primitive, i.e. the sequence maximal. Every XAPP052 entry ([`LfsrSpec::maximal`])
    /// and [`DEFAULT_LFSR`] pass; the unit tests check the test against stepping for every mask of
    /// widths 3..=10.
    pub fn is_maximal(&self) -> bool {
        if !(3..=32).contains(&self.width)
            || self.taps > mask(self.width)
            || (self.taps >> (self.width - 1)) & 1 == 0
        {
            return false;
        }
        let w = self.width as usize;
        // Column k of M: the state e_k after one step.
        let m: Vec<u64> = (0..w)
            .map(|k| {
                let mut s = 1u64 << k;
                self.step(&mut s);
                s
            })
            .collect();
        let id: Vec<u64> = (0..w).map(|k| 1u64 << k).collect();
        let n = (1u64 << w) - 1;
        gf2_pow(&m, n) == id
            && prime_factors(n)
                .into_iter()
                .all(|p| gf2_pow(&m, n / p) != id)
    }

    /// One Galois step; returns the bit shifted out.
    #[inline]
    pub fn step(&self, state: &mut u64) -> bool {
        let out = *state & 1 == 1;
        *state >>= 1;
        if out {
            *state ^= self.taps;
        }
        out
    }

    /// SplitMix64-derived, never-zero start state of lane `lane` for a unit seeded with `seed`.
    pub fn lane_state(&self, seed: u64, lane: u32) -> u64 {
        let z = crate::splitmix::mix(
            seed.wrapping_add((lane as u64 + 1).wrapping_mul(crate::splitmix::GAMMA))
                .wrapping_add(crate::splitmix::LANE_OFFSET),
        );
        let s = z & mask(self.width);
        if s == 0 {
            1
        } else {
            s
        }
    }

    /// A software generator for one lane.
    pub fn lane(&self, seed: u64, lane: u32) -> Lfsr {
        Lfsr {
            spec: *self,
            state: self.lane_state(seed, lane),
        }
    }

    /// `masks[j]`: bit j of the state after `r` steps is the parity of `state & masks[j]`.
    pub fn jump_masks(&self, r: u32) -> Vec<u64> {
        self.linear_map(r).0
    }

    /// `masks[i]`: bit i of the `r`-bit draw is the parity of `state & masks[i]`.
    pub fn draw_masks(&self, r: u32) -> Vec<u64> {
        self.linear_map(r).1
    }

    /// Columns of the r-step map applied to each basis state, transposed into per-output-bit rows.
    fn linear_map(&self, r: u32) -> (Vec<u64>, Vec<u64>) {
        let w = self.width as usize;
        let mut next_rows = vec![0u64; w];
        let mut draw_rows = vec![0u64; r as usize];
        for k in 0..w {
            let mut s = 1u64 << k;
            let mut draw = 0u64;
            for i in 0..r {
                draw |= (self.step(&mut s) as u64) << i;
            }
            for (j, row) in next_rows.iter_mut().enumerate() {
                *row |= ((s >> j) & 1) << k;
            }
            for (i, row) in draw_rows.iter_mut().enumerate() {
                *row |= ((draw >> i) & 1) << k;
            }
        }
        (next_rows, draw_rows)
    }
}

/// `a · v` for a GF(2) matrix given by its columns.
fn gf2_apply(a: &[u64], v: u64) -> u64 {
    a.iter()
        .enumerate()
        .filter(|(k, _)| (v >> k) & 1 == 1)
        .fold(0, |acc, (_, c)| acc ^ c)
}

/// `a · b` (columns).
fn gf2_mul(a: &[u64], b: &[u64]) -> Vec<u64> {
    b.iter().map(|&c| gf2_apply(a, c)).collect()
}

/// `m^e` by squaring (columns).
fn gf2_pow(m: &[u64], mut e: u64) -> Vec<u64> {
    let mut acc: Vec<u64> = (0..m.len()).map(|k| 1u64 << k).collect();
    let mut base = m.to_vec();
    while e > 0 {
        if e & 1 == 1 {
            acc = gf2_mul(&acc, &base);
        }
        base = gf2_mul(&base, &base);
        e >>= 1;
    }
    acc
}

/// The distinct prime factors of `n` (trial division; `n < 2^33` here).
fn prime_factors(mut n: u64) -> Vec<u64> {
    let mut out = Vec::new();
    let mut p = 2;
    while p * p <= n {
        if n % p == 0 {
            out.push(p);
            while n % p == 0 {
                n /= p;
            }
        }
        p += 1;
    }
    if n > 1 {
        out.push(n);
    }
    out
}

/// Apply a parity-of-AND mask list (from [`LfsrSpec::jump_masks`] / [`LfsrSpec::draw_masks`]).
pub fn apply_masks(masks: &[u64], state: u64) -> u64 {
    masks.iter().enumerate().fold(0, |acc, (j, m)| {
        acc | (((state & m).count_ones() as u64) & 1) << j
    })
}

/// A running LFSR. As an iterator it yields the m-sequence's output bits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lfsr {
    spec: LfsrSpec,
    state: u64,
}

impl Lfsr {
    /// Start from an explicit state (must be non-zero and fit the width).
    pub fn with_state(spec: LfsrSpec, state: u64) -> Result<Self> {
        if state == 0 || state > mask(spec.width) {
            return Err(QtrainError::Config {
                field: "lfsr.state".into(),
                msg: format!("{state:#x} must be non-zero and fit {} bits", spec.width),
            });
        }
        Ok(Self { spec, state })
    }

    /// Current state.
    pub fn state(&self) -> u64 {
        self.state
    }

    /// The next `r`-bit draw: the next `r` output bits, first in bit 0.
    pub fn draw(&mut self, r: u32) -> u64 {
        let mut d = 0;
        for i in 0..r {
            d |= (self.spec.step(&mut self.state) as u64) << i;
        }
        d
    }
}

impl Iterator for Lfsr {
    type Item = bool;
    fn next(&mut self) -> Option<bool> {
        Some(self.spec.step(&mut self.state))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maximal_period_exhaustively_for_small_widths() {
        for width in 3..=20 {
            let spec = LfsrSpec::maximal(width).unwrap();
            let mut s = 1u64;
            let mut period = 0u64;
            loop {
                spec.step(&mut s);
                period += 1;
                assert_ne!(s, 0, "width {width} reached the lock-up state");
                if s == 1 {
                    break;
                }
                assert!(period < 1 << width, "width {width}: no return to start");
            }
            assert_eq!(period, (1 << width) - 1, "width {width} is not maximal");
        }
        assert_eq!(LfsrSpec::maximal(32).unwrap(), DEFAULT_LFSR);
        assert!(LfsrSpec::maximal(2).is_err());
        assert!(LfsrSpec::maximal(33).is_err());
    }

    #[test]
    fn maximality_test_agrees_with_stepping_and_the_table() {
        for width in 3..=10u32 {
            for taps in 0..=mask(width) {
                let spec = LfsrSpec { width, taps };
                let mut s = 1u64;
                let mut period = 0u64;
                loop {
                    spec.step(&mut s);
                    period += 1;
                    if s == 1 || s == 0 || period > 1 << width {
                        break;
                    }
                }
                let maximal = s == 1 && period == (1 << width) - 1;
                assert_eq!(spec.is_maximal(), maximal, "width {width} taps {taps:#x}");
            }
        }
        for width in 3..=32 {
            assert!(
                LfsrSpec::maximal(width).unwrap().is_maximal(),
                "XAPP052 {width}"
            );
        }
        assert!(DEFAULT_LFSR.is_maximal());
        for taps in [
            0,
            0x8020_0002,
            0x0020_0003,
            0x1_8020_0003,
            0x8000_0000,
            0xFFFF_FFFF,
        ] {
            assert!(!LfsrSpec { width: 32, taps }.is_maximal(), "{taps:#x}");
        }
        assert_eq!(prime_factors((1 << 32) - 1), [3, 5, 17, 257, 65537]);
    }

    #[test]
    fn jump_and_draw_masks_equal_stepping() {
        for r in [1u32, 4, 8, 12] {
            let spec = DEFAULT_LFSR;
            let (jm, dm) = (spec.jump_masks(r), spec.draw_masks(r));
            let mut l = spec.lane(7, 3);
            for _ in 0..1000 {
                let s = l.state();
                let d = l.draw(r);
                assert_eq!(apply_masks(&dm, s), d);
                assert_eq!(apply_masks(&jm, s), l.state());
            }
        }
    }

    #[test]
    fn lanes_are_distinct_and_uncorrelated() {
        let spec = DEFAULT_LFSR;
        let lanes: Vec<Lfsr> = (0..16).map(|i| spec.lane(42, i)).collect();
        for i in 0..lanes.len() {
            for j in 0..i {
                assert_ne!(lanes[i].state(), lanes[j].state());
            }
        }
        let n = 100_000;
        let bits: Vec<Vec<bool>> = lanes.into_iter().map(|l| l.take(n).collect()).collect();
        let sigma = 0.5 / (n as f64).sqrt();
        for i in 0..bits.len() {
            for j in 0..i {
                let agree = bits[i].iter().zip(&bits[j]).filter(|(a, b)| a == b).count();
                let f = agree as f64 / n as f64;
                assert!((f - 0.5).abs() < 5.0 * sigma, "lanes {i},{j} agree {f}");
            }
        }
        assert_ne!(spec.lane_state(1, 0), spec.lane_state(2, 0));
    }

    #[test]
    fn r_bit_draws_are_uniform_chi_square() {
        for r in [2u32, 4, 6] {
            let bins = 1usize << r;
            let n = 4000 * bins;
            let mut counts = vec![0u64; bins];
            let mut l = DEFAULT_LFSR.lane(2017, 0);
            for _ in 0..n {
                counts[l.draw(r) as usize] += 1;
            }
            let e = n as f64 / bins as f64;
            let chi2: f64 = counts.iter().map(|&c| (c as f64 - e).powi(2) / e).sum();
            // p = 0.001 critical values for 3, 15, 63 degrees of freedom
            let crit = match r {
                2 => 16.27,
                4 => 37.70,
                _ => 103.44,
            };
            assert!(chi2 < crit, "r={r}: chi2 {chi2} ≥ {crit}");
        }
    }

    #[test]
    fn bad_states_are_rejected() {
        assert!(Lfsr::with_state(LfsrSpec::maximal(8).unwrap(), 0).is_err());
        assert!(Lfsr::with_state(LfsrSpec::maximal(8).unwrap(), 256).is_err());
        assert!(Lfsr::with_state(LfsrSpec::maximal(8).unwrap(), 255).is_ok());
    }
}
