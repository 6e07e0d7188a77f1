//! What the host computes between engine layers of a ResNet (the split is tabled in
//! [`crate::host::plan`]'s module doc): keeping every other row and column after a stride-1 engine run of a
//! stride-2 conv, the 1×1 stride-2 shortcut conv, the residual add with the shortcut's BN, ReLU and
//! requantisation to A bits ([`ResidualStep`]), and the global average pool. All of it is integer
//! arithmetic on the codes the engine returned (the GAP's final division aside), written once and run
//! the same way whichever backend produced the codes.
//!
//! Offset binary: the engine's requantisation clamps at 0, so a signed pre-activation (a block's
//! conv2 + BN before the add) leaves the engine as `u = zp + round(y / s)`, `zp = 2^(A−1)`, clamped to
//! `0..2^A − 1`, i.e. `y ≈ (u − zp)·s ∈ [−zp·s, (zp − 1)·s]`. [`signed_requant`] folds `zp` into the
//! BN offset before `Requant::from_bn`, so the engine needs no change.

use qtrain::exact::requant::{BnFloat, Requant};
use qtrain::QtrainError;

/// The zero point `2^(A−1)` of an A-bit offset-binary code.
pub fn zero_point(a_bits: u32) -> u32 {
    1 << (a_bits - 1)
}

/// The engine requantisation of a signed BN output in offset binary: `β' = β + zp·s_out`, then
/// `Requant::from_bn`; code `u` then means `(u − zp)·s_out`.
pub fn signed_requant(bn: &BnFloat, a_out: u32) -> Result<Requant, QtrainError> {
    let zp = zero_point(a_out) as f64;
    let shifted = BnFloat {
        beta: bn.beta.iter().map(|b| b + zp * bn.out_scale).collect(),
        ..bn.clone()
    };
    Requant::from_bn(&shifted, a_out)
}

/// Keep rows and columns 0, 2, 4, … of `a[y][x][c]`: the output of a 3×3 stride-2 pad-1 conv from
/// the engine's stride-1 output (output pixel (i, j) of the stride-2 conv is centred on (2i, 2j)).
pub fn subsample2(a: &[u32], h: usize, w: usize, c: usize) -> Vec<u32> {
    let (ho, wo) = (h.div_ceil(2), w.div_ceil(2));
    let mut out = Vec::with_capacity(ho * wo * c);
    for y in 0..ho {
        for x in 0..wo {
            let px = (2 * y * w + 2 * x) * c;
            out.extend_from_slice(&a[px..px + c]);
        }
    }
    out
}

/// The 1×1 stride-2 shortcut conv, exact: `t[i][j][o] = Σ_c w[o][c] · x[2i][2j][c]` with ±1 weights
/// `w` (`c_out × c_in`, row-major) on the unsigned codes `x[y][x][c]` (`h × w × c_in`).
pub fn shortcut_conv1x1_s2(
    x: &[u32],
    h: usize,
    w: usize,
    c_in: usize,
    weights: &[i8],
    c_out: usize,
) -> Vec<i64> {
    let sub = subsample2(x, h, w, c_in);
    let mut out = Vec::with_capacity(sub.len() / c_in * c_out);
    for pix in sub.chunks(c_in) {
        for f in weights.chunks(c_in).take(c_out) {
            out.push(pix.iter().zip(f).map(|(&a, &b)| a as i64 * b as i64).sum());
        }
    }
    out
}

/// Global average pool of `a[y][x][c]` codes at scale `scale`: per channel `scale · Σ a / (h·w)`
/// (the sum is exact; the host's FC layer takes the reals).
pub fn global_avg_pool(a: &[u32], c: usize, scale: f64) -> Vec<f64> {
    let mut sum = vec![0u64; c];
    for (i, &v) in a.iter().enumerate() {
        sum[i % c] += v as u64;
    }
    let n = (a.len() / c.max(1)).max(1) as f64;
    sum.iter().map(|&s| scale * s as f64 / n).collect()
}

/// The host's residual step of one block, per output channel c:
/// `out = clamp(((u − zp)·M_r + t·M_s[c] + B[c]) >> sh, 0, 2^A − 1)` (arithmetic shift = floor),
/// where `u` is the engine's offset-binary conv2 code and `t` the shortcut's integer (the block
/// input's code for an identity shortcut, the 1×1 conv's accumulator otherwise). It adds the residual
/// and the shortcut (with the shortcut's BN folded into `M_s`, `B`), applies ReLU (the clamp at 0) and
/// requantises to A bits in one step, exactly like the engine's own requantisation but with two terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResidualStep {
    /// Zero point of the residual codes `u`.
    pub zero_point: u32,
    /// Multiplier of `u − zp`.
    pub m_res: i32,
    /// Per-channel multiplier of the shortcut integer `t`.
    pub m_sc: Vec<i32>,
    /// Per-channel offset, including the rounding half.
    pub b: Vec<i64>,
    /// Right shift.
    pub sh: u32,
    /// Output bits A.
    pub a_out: u32,
}

impl ResidualStep {
    /// Fold real scales into integers, to-nearest: `out ≈ clamp(round(y / s_out))` with
    /// `y = (u − zp)·res_scale + t·sc_mult[c] + sc_off[c]`, choosing the largest `sh ≤ 30` for which
    /// every multiplier fits i32 and every offset |B| < 2^52.
    pub fn from_real(
        res_scale: f64,
        sc_mult: &[f64],
        sc_off: &[f64],
        out_scale: f64,
        zero_point: u32,
        a_out: u32,
    ) -> Result<Self, QtrainError> {
        if sc_mult.len() != sc_off.len() {
            return Err(QtrainError::Shape(
                "residual step: shortcut multipliers and offsets differ in length".into(),
            ));
        }
        let mr = res_scale / out_scale;
        let ms: Vec<f64> = sc_mult.iter().map(|m| m / out_scale).collect();
        let off: Vec<f64> = sc_off.iter().map(|o| o / out_scale).collect();
        if out_scale <= 0.0
            || std::iter::once(&mr)
                .chain(&ms)
                .chain(&off)
                .any(|v| !v.is_finite())
        {
            return Err(QtrainError::Numeric(
                "residual step: non-finite or non-positive scale".into(),
            ));
        }
        let fits32 = |v: f64| v.abs() <= i32::MAX as f64;
        for sh in (0..=30u32).rev() {
            let f = (1u64 << sh) as f64;
            let m_res = (mr * f).round();
            let m_sc: Vec<f64> = ms.iter().map(|v| (v * f).round()).collect();
            let b: Vec<f64> = off.iter().map(|v| (v * f + f / 2.0).floor()).collect();
            if fits32(m_res)
                && m_sc.iter().all(|&v| fits32(v))
                && b.iter().all(|v| v.abs() < 2f64.powi(52))
            {
                return Ok(Self {
                    zero_point,
                    m_res: m_res as i32,
                    m_sc: m_sc.iter().map(|&v| v as i32).collect(),
                    b: b.iter().map(|&v| v as i64).collect(),
                    sh,
                    a_out,
                });
            }
        }
        Err(QtrainError::Numeric(
            "residual step: scales too large for i32 multipliers even with sh = 0".into(),
        ))
    }

    /// One value: residual code `u`, shortcut integer `t`, channel `c`.
    pub fn apply(&self, u: u32, t: i64, c: usize) -> u32 {
        let v = ((u as i128 - self.zero_point as i128) * self.m_res as i128
            + t as i128 * self.m_sc[c] as i128
            + self.b[c] as i128)
            >> self.sh;
        v.clamp(0, (1i128 << self.a_out) - 1) as u32
    }

    /// A whole feature map: `res[y][x][c]` codes and `sc[y][x][c]` shortcut integers of the same shape.
    pub fn run(&self, res: &[u32], sc: &[i64]) -> Result<Vec<u32>, QtrainError> {
        let c = self.m_sc.len();
        if res.len() != sc.len() || c == 0 || res.len() % c != 0 {
            return Err(QtrainError::Shape(format!(
                "residual step: {} residual codes, {} shortcut values, {c} channels",
                res.len(),
                sc.len()
            )));
        }
        Ok(res
            .iter()
            .zip(sc)
            .enumerate()
            .map(|(i, (&u, &t))| self.apply(u, t, i % c))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qtrain::exact::bitplanes::plane_of;

    /// With power-of-two scales the fold is exact, so the integer step must equal the rational
    /// definition `clamp(floor(y/s_out + 1/2), 0, 2^A − 1)` on every input.
    #[test]
    fn residual_step_equals_the_direct_computation() {
        let (a, zp) = (4, zero_point(4));
        let sc_mult = [0.125, 0.25, 0.5];
        let sc_off = [0.0, -0.75, 1.5];
        let step = ResidualStep::from_real(0.25, &sc_mult, &sc_off, 0.5, zp, a).unwrap();
        for u in 0..16u32 {
            for t in -40i64..40 {
                for c in 0..3 {
                    let y = (u as f64 - zp as f64) * 0.25 + t as f64 * sc_mult[c] + sc_off[c];
                    let want = (y / 0.5 + 0.5).floor().clamp(0.0, 15.0) as u32;
                    assert_eq!(step.apply(u, t, c), want, "u={u} t={t} c={c}");
                }
            }
        }
    }

    /// The engine's offset-binary output keeps negative pre-activations: conv2 (signed BN) → host
    /// step agrees with the float block within one output step, while a requant without the zero
    /// point (the plain ReLU clamp) loses the negative residuals and is caught.
    #[test]
    fn zero_point_keeps_negative_residuals_and_a_wrong_one_is_detected() {
        let a = 4;
        let zp = zero_point(a);
        let bn = BnFloat {
            gamma: vec![1.0, 0.8],
            beta: vec![0.0, 0.2],
            mean: vec![0.0, 3.0],
            var: vec![100.0, 64.0],
            eps: 1e-5,
            z_scale: 1.0,
            out_scale: 3.0 / zp as f64,
        };
        let rq = signed_requant(&bn, a).unwrap();
        let wrong = Requant::from_bn(&bn, a).unwrap();
        let s_x = 0.2;
        let s_out = 0.3;
        let step =
            ResidualStep::from_real(bn.out_scale, &[s_x; 2], &[0.0; 2], s_out, zp, a).unwrap();
        let (mut worst, mut wrong_worst) = (0f64, 0f64);
        for z in (-40..40).step_by(3) {
            for x in 0..16u32 {
                for c in 0..2 {
                    let r = bn.gamma[c] * (z as f64 - bn.mean[c]) / (bn.var[c] + bn.eps).sqrt()
                        + bn.beta[c];
                    let r = r.clamp(
                        -(zp as f64) * bn.out_scale,
                        (zp as f64 - 1.0) * bn.out_scale,
                    );
                    let want = ((r + x as f64 * s_x) / s_out).round().clamp(0.0, 15.0);
                    let got = step.apply(rq.apply(z, c), x as i64, c) as f64;
                    let bad = step.apply(wrong.apply(z, c), x as i64, c) as f64;
                    worst = worst.max((got - want).abs());
                    wrong_worst = wrong_worst.max((bad - want).abs());
                }
            }
        }
        assert!(worst <= 1.0, "host step off by {worst} output steps");
        assert!(
            wrong_worst >= 3.0,
            "a missing zero point went unnoticed ({wrong_worst})"
        );
    }

    /// The 1×1 shortcut equals the engine's XNOR-popcount arithmetic on bit-planes
    /// (`Σ_j 2^j (popcount(XNOR(b, a_j)) + popcount(b) − N)`) at every even pixel.
    #[test]
    fn shortcut_conv_matches_xnor_popcount() {
        let (h, w, c_in, c_out, bits) = (4, 6, 70, 3, 3u32);
        let x: Vec<u32> = (0..h * w * c_in).map(|i| (i * 37 % 8) as u32).collect();
        let wts: Vec<i8> = (0..c_out * c_in)
            .map(|i| if (i * 7 + i / 5) % 3 == 0 { -1 } else { 1 })
            .collect();
        let t = shortcut_conv1x1_s2(&x, h, w, c_in, &wts, c_out);
        assert_eq!(t.len(), 2 * 3 * c_out);
        for (k, y, xx) in [(0, 0, 0), (1, 0, 1), (4, 1, 1), (5, 1, 2)] {
            let px = ((2 * y) * w + 2 * xx) * c_in;
            let pix = &x[px..px + c_in];
            for o in 0..c_out {
                let f = &wts[o * c_in..(o + 1) * c_in];
                let b: Vec<u64> =
                    plane_of(&f.iter().map(|&v| (v > 0) as u32).collect::<Vec<_>>(), 0);
                let pop_b: i64 = b.iter().map(|v| v.count_ones() as i64).sum();
                let mut z = 0i64;
                for j in 0..bits {
                    let aj = plane_of(pix, j);
                    let mut pop = 0i64;
                    for (wi, (&bw, &aw)) in b.iter().zip(&aj).enumerate() {
                        let valid = if (wi + 1) * 64 <= c_in {
                            !0u64
                        } else {
                            (1u64 << (c_in % 64)) - 1
                        };
                        pop += (!(bw ^ aw) & valid).count_ones() as i64;
                    }
                    z += (pop + pop_b - c_in as i64) << j;
                }
                assert_eq!(t[k * c_out + o], z, "pixel {k} filter {o}");
            }
        }
    }

    #[test]
    fn subsample_keeps_even_rows_and_columns() {
        let a: Vec<u32> = (0..4 * 4 * 2).collect();
        assert_eq!(subsample2(&a, 4, 4, 2), vec![0, 1, 4, 5, 16, 17, 20, 21]);
        assert_eq!(global_avg_pool(&[1, 2, 3, 4], 2, 0.5), vec![1.0, 1.5]);
    }
}
