//! Per-channel integer requantisation with BN and ReLU folded in:
//! `a' = clamp((z·M_c + B_c) >> sh, 0, 2^A_out − 1)` (arithmetic shift, i.e. floor), and the
//! conversion from trained float BN parameters to (M, B, sh).
//!
//! On the stream each output channel has one parameter word: bits `[15:0]` M as i16, bits `[47:16]`
//! B as i32, the rest zero. `sh` and A_out travel in the layer's command word.

use crate::error::{QtrainError, Result};

/// Integer requantisation parameters of one layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requant {
    /// Per-channel multiplier M_c.
    pub m: Vec<i16>,
    /// Per-channel offset B_c (includes the rounding half).
    pub b: Vec<i32>,
    /// Right shift.
    pub sh: u32,
    /// Output bits A_out.
    pub a_out: u32,
}

/// Float batch-norm parameters of one layer's channels, plus the scales that map integers to reals.
#[derive(Clone, Debug)]
pub struct BnFloat {
    /// BN scale γ per channel.
    pub gamma: Vec<f64>,
    /// BN shift β per channel.
    pub beta: Vec<f64>,
    /// Running mean per channel (in real units of the conv output).
    pub mean: Vec<f64>,
    /// Running variance per channel.
    pub var: Vec<f64>,
    /// BN epsilon.
    pub eps: f64,
    /// Real value of one unit of the integer accumulator z.
    pub z_scale: f64,
    /// Real value of one unit of the output activation.
    pub out_scale: f64,
}

impl Requant {
    /// Requantisation like batch norm on the accumulators `z` (one `[H·W·C_out]` vector per image)
    /// of a batch: per-channel mean and variance, γ = 1, β = 0, one output unit = `act_step(A)`·σ = 3σ/(2^A − 1). The one
    /// calibration of synthetic and integer-trained layers (the simulator's and the trainer's).
    pub fn calibrate(l: &crate::exact::geometry::ConvLayer, z: &[Vec<i64>]) -> Result<Requant> {
        let n = (z.len() * l.h * l.w) as f64;
        let mut mean = vec![0f64; l.c_out];
        let mut sq = vec![0f64; l.c_out];
        for zi in z {
            for (i, &v) in zi.iter().enumerate() {
                mean[i % l.c_out] += v as f64;
                sq[i % l.c_out] += (v as f64) * (v as f64);
            }
        }
        let var: Vec<f64> = mean
            .iter_mut()
            .zip(&sq)
            .map(|(m, s)| {
                *m /= n;
                (s / n - *m * *m).max(1.0)
            })
            .collect();
        Requant::from_bn(
            &BnFloat {
                gamma: vec![1.0; l.c_out],
                beta: vec![0.0; l.c_out],
                mean,
                var,
                eps: 1e-5,
                z_scale: 1.0,
                out_scale: crate::quant::act_step(l.a_out),
            },
            l.a_out,
        )
    }

    /// `clamp((z·M_c + B_c) >> sh, 0, 2^A_out − 1)`.
    pub fn apply(&self, z: i64, c: usize) -> u32 {
        let v = (z * self.m[c] as i64 + self.b[c] as i64) >> self.sh;
        v.clamp(0, (1i64 << self.a_out) - 1) as u32
    }

    /// The stream word of channel `c` (layout in the module doc).
    pub fn param_word(&self, c: usize) -> u64 {
        (self.m[c] as u16 as u64) | ((self.b[c] as u32 as u64) << 16)
    }

    /// Fold float BN + ReLU + output quantisation into (M, B, sh) with the largest `sh ≤ 31`
    /// for which every M fits i16 and every B fits i32. The result rounds to nearest:
    /// `a' ≈ clamp(round((γ(z·s_z − μ)/√(σ²+ε) + β) / s_out))`.
    pub fn from_bn(bn: &BnFloat, a_out: u32) -> Result<Self> {
        let n = bn.gamma.len();
        if [bn.beta.len(), bn.mean.len(), bn.var.len()] != [n; 3] {
            return Err(QtrainError::Shape(
                "BN parameter vectors differ in length".into(),
            ));
        }
        let mut mult = Vec::with_capacity(n);
        let mut off = Vec::with_capacity(n);
        for c in 0..n {
            let inv = 1.0 / (bn.var[c] + bn.eps).sqrt();
            mult.push(bn.gamma[c] * inv * bn.z_scale / bn.out_scale);
            off.push((bn.beta[c] - bn.gamma[c] * bn.mean[c] * inv) / bn.out_scale);
        }
        if mult.iter().chain(&off).any(|v| !v.is_finite()) {
            return Err(QtrainError::Numeric("non-finite BN parameter".into()));
        }
        for sh in (0..=31u32).rev() {
            let f = (1u64 << sh) as f64;
            let m: Vec<f64> = mult.iter().map(|v| (v * f).round()).collect();
            let b: Vec<f64> = off.iter().map(|v| (v * f + f / 2.0).floor()).collect();
            let fits_m = m.iter().all(|v| v.abs() <= i16::MAX as f64);
            let fits_b = b
                .iter()
                .all(|v| *v >= i32::MIN as f64 && *v <= i32::MAX as f64);
            if fits_m && fits_b {
                return Ok(Self {
                    m: m.iter().map(|&v| v as i16).collect(),
                    b: b.iter().map(|&v| v as i32).collect(),
                    sh,
                    a_out,
                });
            }
        }
        Err(QtrainError::Numeric(
            "BN multipliers too large for an i16 M even with sh = 0".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_clamps_and_floors() {
        let r = Requant {
            m: vec![3, -2],
            b: vec![-5, 100],
            sh: 2,
            a_out: 2,
        };
        assert_eq!(r.apply(0, 0), 0); // (-5)>>2 = -2 → 0
        assert_eq!(r.apply(3, 0), 1); // 4>>2
        assert_eq!(r.apply(100, 0), 3); // clamp
        assert_eq!(r.apply(40, 1), 3); // 20>>2 = 5 → 3
        assert_eq!(r.param_word(1) & 0xFFFF, 0xFFFE);
        assert_eq!((r.param_word(0) >> 16) as u32 as i32, -5);
    }

    #[test]
    fn bn_fold_matches_float() {
        let bn = BnFloat {
            gamma: vec![1.3, -0.7, 0.2],
            beta: vec![0.1, 0.5, -0.3],
            mean: vec![2.0, -1.0, 0.0],
            var: vec![4.0, 0.5, 9.0],
            eps: 1e-5,
            z_scale: 0.01,
            out_scale: 0.25,
        };
        let r = Requant::from_bn(&bn, 3).unwrap();
        for c in 0..3 {
            for z in (-2000..2000).step_by(37) {
                let y = bn.gamma[c] * (z as f64 * bn.z_scale - bn.mean[c])
                    / (bn.var[c] + bn.eps).sqrt()
                    + bn.beta[c];
                let want = (y / bn.out_scale).round().clamp(0.0, 7.0);
                let got = r.apply(z, c) as f64;
                assert!(
                    (got - want).abs() <= 1.0,
                    "c={c} z={z} got {got} want {want}"
                );
            }
        }
    }
}
