//! Stationary distributions of finite Markov chains (row-stochastic `P`, `πP = π`) and the sampling
//! error of a simulated chain's state frequencies.
//!
//! The solver is the GTH algorithm (Grassmann, Taksar & Heyman 1985): Gaussian elimination that uses
//! only off-diagonal entries and never subtracts, so it keeps full relative accuracy when every exit
//! probability is tiny — exactly the regime α → 0 of Theorem 2, where `1 − P(x, x) = O(α)` would be
//! lost to cancellation by power iteration or an `I − P` solve.

use super::linalg;
use crate::error::{QtrainError, Result};

/// Stationary distribution of an irreducible chain with row-stochastic `p` (n×n, row-major). Only
/// off-diagonal entries are read, so `p` may also be a matrix of transition *rates* (a generator's
/// off-diagonal part): the result is the same for any positive rescaling.
pub fn gth(p: &[f64], n: usize) -> Result<Vec<f64>> {
    let mut a = p.to_vec();
    for k in (1..n).rev() {
        let s: f64 = (0..k).map(|j| a[k * n + j]).sum();
        if s <= 0.0 {
            return Err(QtrainError::Numeric(format!(
                "chain is reducible: state {k} cannot reach states 0..{k}"
            )));
        }
        for i in 0..k {
            a[i * n + k] /= s;
        }
        for i in 0..k {
            let aik = a[i * n + k];
            if aik != 0.0 {
                for j in 0..k {
                    a[i * n + j] += aik * a[k * n + j];
                }
            }
        }
    }
    let mut pi = vec![0.0; n];
    pi[0] = 1.0;
    for j in 1..n {
        pi[j] = (0..j).map(|i| pi[i] * a[i * n + j]).sum();
    }
    let total: f64 = pi.iter().sum();
    pi.iter_mut().for_each(|x| *x /= total);
    Ok(pi)
}

/// `max_y |(πP)(y) − π(y)|`: how stationary `pi` is for `p`.
pub fn residual(p: &[f64], pi: &[f64]) -> f64 {
    let n = pi.len();
    (0..n)
        .map(|y| ((0..n).map(|x| pi[x] * p[x * n + y]).sum::<f64>() - pi[y]).abs())
        .fold(0.0, f64::max)
}

/// Total-variation distance `½ Σ |p − q|`.
pub fn tv(p: &[f64], q: &[f64]) -> f64 {
    0.5 * p.iter().zip(q).map(|(a, b)| (a - b).abs()).sum::<f64>()
}

/// Asymptotic variance of the visit frequency of each state: `N · Var(freq_x) → σ²_x =
/// π_x (2 Z_xx − 1 − π_x)` with the fundamental matrix `Z = (I − P + 1πᵀ)^{-1}` (Kemeny & Snell).
/// A chain of N steps started in π then has `freq_x ≈ N(π_x, σ²_x / N)`.
pub fn frequency_variances(p: &[f64], pi: &[f64]) -> Result<Vec<f64>> {
    let n = pi.len();
    let mut m = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            m[i * n + j] = f64::from(u8::from(i == j)) - p[i * n + j] + pi[j];
        }
    }
    let z = linalg::inverse(&m, n)?;
    Ok((0..n)
        .map(|x| (pi[x] * (2.0 * z[x * n + x] - 1.0 - pi[x])).max(0.0))
        .collect())
}

/// The state `x` with `Σ_{y<x} π_y ≤ u < Σ_{y≤x} π_y` (inverse-CDF sampling, `u ∈ [0, 1)`).
pub fn sample_state(pi: &[f64], u: f64) -> usize {
    let mut c = 0.0;
    for (i, &p) in pi.iter().enumerate() {
        c += p;
        if u < c {
            return i;
        }
    }
    pi.len() - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gth_solves_a_birth_death_chain_exactly() {
        // Birth–death chain: π(x+1)/π(x) = up(x)/down(x+1) (detailed balance).
        let (up, dn) = ([0.3, 0.2, 0.1], [0.1, 0.4, 0.25]);
        let n = 4;
        let mut p = vec![0.0; n * n];
        for i in 0..3 {
            p[i * n + i + 1] = up[i];
            p[(i + 1) * n + i] = dn[i];
        }
        for i in 0..n {
            let s: f64 = (0..n).filter(|&j| j != i).map(|j| p[i * n + j]).sum();
            p[i * n + i] = 1.0 - s;
        }
        let pi = gth(&p, n).unwrap();
        for i in 0..3 {
            assert!((pi[i + 1] / pi[i] - up[i] / dn[i]).abs() < 1e-14);
        }
        assert!(residual(&p, &pi) < 1e-15);
        // Variance formula against the two-state closed form: σ² = π0 π1 (2 − a − b)/(a + b).
        let (a, b) = (0.2, 0.05);
        let p2 = [1.0 - a, a, b, 1.0 - b];
        let pi2 = gth(&p2, 2).unwrap();
        let var = frequency_variances(&p2, &pi2).unwrap();
        let want = pi2[0] * pi2[1] * (2.0 - a - b) / (a + b);
        assert!((var[0] - want).abs() < 1e-12, "{} vs {want}", var[0]);
    }
}
