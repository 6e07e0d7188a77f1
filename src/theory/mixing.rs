//! Theorem 3 as an experiment: the ε-mixing time of SR's chain grows without bound as α → 0 (about
//! like 1/α), so lowering the learning rate slows exploration without the exploitation gain that
//! Theorem 2 rules out; and the paper's Figure 2: halving every move probability of a 3-state chain
//! leaves its stationary distribution unchanged and doubles its mixing time.
//!
//! Figure 2's transition probabilities are drawn in the figure and are not in the paper's text, so
//! the default 3-state chain here is an illustrative one of the same shape (a path 0 ↔ 1 ↔ 2 with
//! self-loops); `MixingConfig::figure2` takes any other.
//!
//! The ε-mixing time is eq. (19): the least M with `max_{x₀} max_A |P(x^M ∈ A | x₀) − π(A)| ≤ ε`,
//! i.e. `max_{x₀} TV(T^M(x₀, ·), π) ≤ ε`. That distance never increases with M, so M is found
//! exactly by repeated squaring of T to bracket it, then a binary descent over the bits of M.

use std::path::Path;

use rayon::prelude::*;

use super::chain::SrChain;
use super::lemma1::fit_slope;
use super::linalg::matmul;
use super::markov::LatticeSpec;
use super::report::{ensure_dir, sci, write_csv, Verdict};
use super::stationary::{gth, tv};
use crate::error::{QtrainError, Result};
use crate::plot::{LinePlot, Series};

/// `max_x TV(P(x, ·), π)` for a row-stochastic `p`.
pub fn worst_tv(p: &[f64], pi: &[f64]) -> f64 {
    let n = pi.len();
    (0..n)
        .map(|x| tv(&p[x * n..(x + 1) * n], pi))
        .fold(0.0, f64::max)
}

/// The ε-mixing time of the chain `t` with stationary `pi` (exact; at most 2^40 steps).
pub fn mixing_time(t: &[f64], pi: &[f64], eps: f64) -> Result<u64> {
    let n = pi.len();
    // powers[k] = T^(2^k)
    let mut powers = vec![t.to_vec()];
    if worst_tv(t, pi) <= eps {
        let mut id = vec![0.0; n * n];
        (0..n).for_each(|i| id[i * n + i] = 1.0);
        return Ok(if worst_tv(&id, pi) <= eps { 0 } else { 1 });
    }
    loop {
        let last = &powers[powers.len() - 1];
        let next = matmul(last, last, n);
        let done = worst_tv(&next, pi) <= eps;
        powers.push(next);
        if done {
            break;
        }
        if powers.len() > 40 {
            return Err(QtrainError::Numeric("mixing time above 2^40 steps".into()));
        }
    }
    // T^(2^(K-1)) is above ε, T^(2^K) below: descend over the lower bits keeping "still above ε".
    let k = powers.len() - 1;
    let mut m = 1u64 << (k - 1);
    let mut cur = powers[k - 1].clone();
    for j in (0..k - 1).rev() {
        let cand = matmul(&cur, &powers[j], n);
        if worst_tv(&cand, pi) > eps {
            cur = cand;
            m += 1u64 << j;
        }
    }
    Ok(m + 1)
}

/// Settings (defaults match `qtrain theory mixing`).
#[derive(Clone, Debug)]
pub struct MixingConfig {
    /// Lattices (the Markov experiment's by default).
    pub lattices: Vec<LatticeSpec>,
    /// Learning rates, decreasing.
    pub alphas: Vec<f64>,
    /// ε of the mixing time.
    pub eps: f64,
    /// Figure 2's chain (row-stochastic 3×3).
    pub figure2: [f64; 9],
    /// How many times Figure 2's moves are halved.
    pub halvings: u32,
}

impl Default for MixingConfig {
    fn default() -> Self {
        Self {
            lattices: super::markov::MarkovConfig::default().lattices,
            alphas: (0..11).map(|k| 0.5 * 0.5f64.powi(k)).collect(),
            eps: 0.25,
            figure2: [0.6, 0.4, 0.0, 0.2, 0.5, 0.3, 0.0, 0.6, 0.4],
            halvings: 6,
        }
    }
}

/// Mixing times of one lattice.
#[derive(Clone, Debug)]
pub struct MixingCurve {
    /// Lattice name ("1d", "2d").
    pub name: String,
    /// Number of states.
    pub states: usize,
    /// `M_ε(α)` per α.
    pub times: Vec<u64>,
    /// `1 − max_x π_α(x)`: the largest proper-subset mass (Theorem 3 needs it above ε).
    pub max_proper_mass: Vec<f64>,
}

/// Everything `qtrain theory mixing` computes.
#[derive(Clone, Debug)]
pub struct MixingResult {
    /// Settings used.
    pub config: MixingConfig,
    /// One curve per lattice.
    pub curves: Vec<MixingCurve>,
    /// Figure 2: per halving k, (TV(π_k, π_0), M_ε).
    pub figure2: Vec<(f64, u64)>,
}

/// Figure 2's chain with every off-diagonal probability multiplied by `2^-k` (mass moved to the
/// self-loops).
pub fn halved(p: &[f64; 9], k: u32) -> Vec<f64> {
    let f = 0.5f64.powi(k as i32);
    let mut q: Vec<f64> = p.iter().map(|x| x * f).collect();
    for i in 0..3 {
        q[i * 3 + i] = 1.0
            - (0..3)
                .filter(|&j| j != i)
                .map(|j| q[i * 3 + j])
                .sum::<f64>();
    }
    q
}

/// Compute mixing times over α for every lattice, and Figure 2.
pub fn run(cfg: &MixingConfig) -> Result<MixingResult> {
    if !(cfg.eps > 0.0 && cfg.eps < 0.5) {
        return Err(QtrainError::Config {
            field: "eps".into(),
            msg: format!("ε must lie in (0, 0.5), got {}", cfg.eps),
        });
    }
    let mut curves = Vec::new();
    for spec in &cfg.lattices {
        let chain = SrChain::new(spec.landscape, spec.delta, spec.half_width, spec.sigma)?;
        let ns = chain.n_states();
        let res = cfg
            .alphas
            .par_iter()
            .map(|&a| {
                let t = chain.transition_matrix(a);
                let pi = gth(&t, ns)?;
                let m = mixing_time(&t, &pi, cfg.eps)?;
                Ok((m, 1.0 - pi.iter().cloned().fold(0.0, f64::max)))
            })
            .collect::<Result<Vec<_>>>()?;
        curves.push(MixingCurve {
            name: spec.landscape.name().into(),
            states: ns,
            times: res.iter().map(|r| r.0).collect(),
            max_proper_mass: res.iter().map(|r| r.1).collect(),
        });
    }
    let pi0 = gth(&cfg.figure2, 3)?;
    let figure2 = (0..=cfg.halvings)
        .map(|k| {
            let p = halved(&cfg.figure2, k);
            let pi = gth(&p, 3)?;
            Ok((tv(&pi, &pi0), mixing_time(&p, &pi, cfg.eps)?))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(MixingResult {
        config: cfg.clone(),
        curves,
        figure2,
    })
}

impl MixingCurve {
    /// Log-log slope of M_ε against α over the smaller half of the α's (≈ −1 for M ∝ 1/α).
    pub fn small_alpha_slope(&self, alphas: &[f64]) -> f64 {
        let k = alphas.len() / 2;
        let pts: Vec<(f64, f64)> = alphas[k..]
            .iter()
            .zip(&self.times[k..])
            .map(|(a, m)| (a.ln(), (*m as f64).ln()))
            .collect();
        fit_slope(&pts)
    }
}

impl MixingResult {
    /// Verdicts: M_ε grows without bound ∝ 1/α; M(α/4) ≥ 3·M(α); Figure 2.
    pub fn verdicts(&self) -> Vec<Verdict> {
        let a = &self.config.alphas;
        let eps = self.config.eps;
        let mut v = Vec::new();
        for c in &self.curves {
            let slope = c.small_alpha_slope(a);
            let n = a.len();
            // Theorem 3 is a limit statement: monotone growth is checked over the small-α half.
            let growing = c.times[n / 2..].windows(2).all(|w| w[1] > w[0]);
            let quad: Vec<f64> = (0..n.saturating_sub(2))
                .filter(|&i| (a[i + 2] - a[i] / 4.0).abs() < 1e-12 * a[i])
                .map(|i| c.times[i + 2] as f64 / c.times[i] as f64)
                .collect();
            let cond = c.max_proper_mass.iter().all(|&m| m > eps);
            let last_q = quad.last().copied().unwrap_or(f64::NAN);
            v.push(Verdict::new(
                format!("Thm 3 {}", c.name),
                format!(
                    "{} states, ε={}: M_ε = {} at α={} … {} at α={}; α·M_ε = {} … {}; log-log slope at small α {:.2} (−1 = ∝1/α); M(α/4)/M(α) at the smallest α = {}; a proper subset has π_α-mass > ε at every α: {}",
                    c.states,
                    eps,
                    c.times[0],
                    sci(a[0]),
                    c.times[n - 1],
                    sci(a[n - 1]),
                    sci(a[0] * c.times[0] as f64),
                    sci(a[n - 1] * c.times[n - 1] as f64),
                    slope,
                    sci(last_q),
                    cond
                ),
                growing && cond && (-1.2..=-0.8).contains(&slope) && last_q >= 3.0,
            ));
        }
        let times: Vec<String> = self.figure2.iter().map(|f| f.1.to_string()).collect();
        let max_tv = self.figure2.iter().map(|f| f.0).fold(0.0, f64::max);
        let doubling = self.figure2.windows(2).all(|w| {
            (w[1].1 as f64) >= 1.8 * w[0].1 as f64 - 1.0
                && (w[1].1 as f64) <= 2.2 * w[0].1 as f64 + 1.0
        });
        v.push(Verdict::new(
            "Fig 2",
            format!(
                "3-state chain, moves halved 0..{} times: stationary distribution changes by TV ≤ {}, ε-mixing time {} (≈ ×2 per halving)",
                self.config.halvings,
                sci(max_tv),
                times.join(" → ")
            ),
            max_tv < 1e-12 && doubling,
        ));
        v
    }

    /// Write `mixing.csv`, `mixing_figure2.csv` and `mixing.svg`.
    pub fn write(&self, dir: &Path) -> Result<()> {
        ensure_dir(dir)?;
        let a = &self.config.alphas;
        let mut rows = Vec::new();
        let mut series = Vec::new();
        for c in &self.curves {
            for (i, &al) in a.iter().enumerate() {
                rows.push(vec![
                    c.name.clone(),
                    al.to_string(),
                    c.times[i].to_string(),
                    (al * c.times[i] as f64).to_string(),
                    c.max_proper_mass[i].to_string(),
                ]);
            }
            series.push(Series::new(
                format!("{}: M_ε(α)", c.name),
                a.iter()
                    .zip(&c.times)
                    .map(|(x, m)| (*x, *m as f64))
                    .collect(),
            ));
            let k = a.len() - 1;
            let cst = a[k] * c.times[k] as f64;
            series.push(Series::reference(
                format!("{}: {:.2}/α", c.name, cst),
                a.iter().map(|x| (*x, cst / x)).collect(),
            ));
        }
        write_csv(
            &dir.join("mixing.csv"),
            &[
                "lattice",
                "alpha",
                "mixing_time",
                "alpha_times_mixing_time",
                "max_proper_subset_mass",
            ],
            &rows,
        )?;
        let rows: Vec<Vec<String>> = self
            .figure2
            .iter()
            .enumerate()
            .map(|(k, (d, m))| {
                vec![
                    k.to_string(),
                    0.5f64.powi(k as i32).to_string(),
                    d.to_string(),
                    m.to_string(),
                ]
            })
            .collect();
        write_csv(
            &dir.join("mixing_figure2.csv"),
            &["halvings", "move_scale", "tv_to_original_pi", "mixing_time"],
            &rows,
        )?;
        LinePlot {
            title: format!("Thm 3: ε-mixing time of SR's chain (ε={})", self.config.eps),
            x_label: "learning rate α (log)".into(),
            y_label: "mixing time M_ε (steps, log)".into(),
            log_x: true,
            log_y: true,
            series,
        }
        .write_svg(&dir.join("mixing.svg"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixing_time_matches_brute_force() {
        let p = halved(&MixingConfig::default().figure2, 2);
        let pi = gth(&p, 3).unwrap();
        let m = mixing_time(&p, &pi, 0.1).unwrap();
        let mut cur = p.clone();
        let mut brute = 1;
        while worst_tv(&cur, &pi) > 0.1 {
            cur = matmul(&cur, &p, 3);
            brute += 1;
        }
        assert_eq!(m, brute);
    }
}
