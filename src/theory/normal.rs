//! The Gaussian functions the exact Markov-chain construction needs, accurate in the tails: `erfc`,
//! the normal CDF `Φ`, density `φ`, the partial expectation `E[(V − a)^+]` of a normal `V`, and
//! seeded normal draws (Box–Muller). Written here because the exact transition probabilities of
//! stochastic rounding need `Φ` to full double precision, relative, far into the tails, and `std`
//! has no `erf`.

use rand::Rng;

const FRAC_1_SQRT_PI: f64 = 0.564_189_583_547_756_3;

/// Complementary error function, relative error around 1e-14 for every `x` (series for `|x| < 2.5`,
/// continued fraction beyond).
pub fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    if x < 2.5 {
        // erf(x) = 2x/√π · e^{−x²} · Σ (2x²)^n / (1·3·…·(2n+1)): positive terms, no cancellation.
        let x2 = x * x;
        let (mut term, mut sum, mut n) = (1.0f64, 1.0f64, 0.0f64);
        while term > 1e-17 * sum {
            n += 1.0;
            term *= 2.0 * x2 / (2.0 * n + 1.0);
            sum += term;
        }
        1.0 - 2.0 * x * FRAC_1_SQRT_PI * (-x2).exp() * sum
    } else if x > 27.0 {
        0.0
    } else {
        // erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated bottom-up.
        let mut t = x;
        for k in (1..=120).rev() {
            t = x + (k as f64 * 0.5) / t;
        }
        (-x * x).exp() * FRAC_1_SQRT_PI / t
    }
}

/// Standard normal CDF `Φ(t)`, accurate relative to its value in both tails.
pub fn cdf(t: f64) -> f64 {
    0.5 * erfc(-t / std::f64::consts::SQRT_2)
}

/// Standard normal density `φ(t)`.
pub fn pdf(t: f64) -> f64 {
    (-0.5 * t * t).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// `E[(V − a)^+]` for `V ~ N(m, s²)` (`s > 0`): the building block of the rounding probabilities,
/// since the probability that `Qs(V)` lands on a grid point is a second difference of it.
pub fn partial_expectation(m: f64, s: f64, a: f64) -> f64 {
    let t = (m - a) / s;
    if t < -40.0 {
        return 0.0;
    }
    (m - a) * cdf(t) + s * pdf(t)
}

/// One standard normal draw (Box–Muller, the cosine half), seeded through `rng`.
pub fn sample<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    let u1: f64 = 1.0 - rng.gen::<f64>(); // (0, 1]
    let u2: f64 = rng.gen::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erfc_matches_reference_values() {
        // Reference values: C libm erfc (printed by Python 3 math.erfc).
        let cases = [
            (0.0, 1.0),
            (0.5, 0.479_500_122_186_953_5),
            (1.0, 0.157_299_207_050_285_1),
            (2.0, 0.004_677_734_981_047_266),
            (2.4999, 4.071_699_003_334_514e-4),
            (3.0, 2.209_049_699_858_544e-5),
            (5.0, 1.537_459_794_428_035e-12),
            (-1.0, 1.842_700_792_949_715),
        ];
        for (x, want) in cases {
            let got = erfc(x);
            assert!(
                ((got - want) / want).abs() < 1e-9,
                "erfc({x}) = {got}, want {want}"
            );
        }
        // The two branches agree where they meet.
        let (a, b) = (erfc(2.5 - 1e-12), erfc(2.5));
        assert!(((a - b) / b).abs() < 1e-10, "{a} vs {b}");
    }

    #[test]
    fn partial_expectation_matches_quadrature() {
        let (m, s) = (0.3, 0.7);
        for a in [-2.0, 0.0, 0.3, 1.0, 2.5] {
            let n = 200_000;
            let (lo, hi) = (m - 12.0 * s, m + 12.0 * s);
            let h = (hi - lo) / n as f64;
            let q: f64 = (0..n)
                .map(|i| {
                    let v = lo + (i as f64 + 0.5) * h;
                    (v - a).max(0.0) * pdf((v - m) / s) / s * h
                })
                .sum();
            assert!((partial_expectation(m, s, a) - q).abs() < 1e-9, "a={a}");
        }
    }
}
