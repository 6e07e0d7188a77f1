//! Lemma 1 as an experiment: the rounding error of one SR step, `r_t = Qs(w_t − α∇f̃(w_t)) −
//! (w_t − α∇f̃(w_t))`, satisfies `E‖r_t‖² ≤ √d·Δ·α·G`. SR runs with a constant α on the seeded
//! least-squares instance of [`super::lsq`] (same μ, G as the Corollary 1 experiment) for a sweep of
//! α and several Δ, and the mean of `‖r_t‖²` over the run (the project's `Qs` with seeded draws) is
//! compared with the bound and with the intermediate bound `Δ·α·E‖∇f̃‖₁` of the proof's eq. (9).

use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::lsq::{LeastSquares, LsqSweep};
use super::report::{ensure_dir, sci, write_csv, Verdict};
use crate::error::{QtrainError, Result};
use crate::plot::{LinePlot, Series};
use crate::quant::Grid;

/// Sweep definition (defaults match `qtrain theory lemma1`).
#[derive(Clone, Debug)]
pub struct Lemma1Config {
    /// The least-squares instance (m, d, noise, box) and the grid steps Δ.
    pub sweep: LsqSweep,
    /// Learning rates α swept (constant within a run). The default stops at 0.1: beyond it a step
    /// `α‖a_i‖²` exceeds 2, SR diverges to the box's faces, and the error is dominated by clipping,
    /// which the lemma's proof does not model.
    pub alphas: Vec<f64>,
    /// Steps measured per (Δ, α), after `steps / 10` of burn-in.
    pub steps: u64,
    /// Seed.
    pub seed: u64,
}

impl Default for Lemma1Config {
    fn default() -> Self {
        Self {
            sweep: LsqSweep::default(),
            alphas: (0..=8).map(|k| 10f64.powf(-1.0 - 0.5 * k as f64)).collect(),
            steps: 200_000,
            seed: 2017,
        }
    }
}

/// One (Δ, α) measurement.
#[derive(Clone, Debug)]
pub struct Lemma1Point {
    /// Grid step Δ.
    pub delta: f64,
    /// Learning rate α.
    pub alpha: f64,
    /// Measured mean of `‖r_t‖²`.
    pub mean_r2: f64,
    /// Standard error of that mean (i.i.d. approximation over steps).
    pub stderr: f64,
    /// Measured `Δ·α·E‖∇f̃(w_t)‖₁` (eq. 9's middle term).
    pub eq9: f64,
    /// The lemma's bound `√d·Δ·α·G`.
    pub bound: f64,
}

/// All points of the sweep.
#[derive(Clone, Debug)]
pub struct Lemma1Result {
    /// The instance (G, d).
    pub problem: LeastSquares,
    /// One point per (Δ, α).
    pub points: Vec<Lemma1Point>,
}

fn measure(
    p: &LeastSquares,
    grid: Grid,
    delta: f64,
    alpha: f64,
    steps: u64,
    seed: u64,
) -> Lemma1Point {
    let d = p.d;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut w = vec![0.0f64; d];
    let mut g = vec![0.0f64; d];
    let (mut s1, mut s2, mut sg) = (0.0f64, 0.0f64, 0.0f64);
    let burn = steps / 10;
    for t in 0..burn + steps {
        let i = rng.gen_range(0..p.m);
        p.row_grad(i, &w, &mut g);
        let mut r2 = 0.0;
        let mut g1 = 0.0;
        for j in 0..d {
            let v = (w[j] - alpha * g[j]) as f32;
            let q = grid.qs(v, &mut rng);
            let r = f64::from(q) - f64::from(v);
            r2 += r * r;
            g1 += g[j].abs();
            w[j] = f64::from(q);
        }
        if t >= burn {
            s1 += r2;
            s2 += r2 * r2;
            sg += g1;
        }
    }
    let n = steps as f64;
    let mean = s1 / n;
    Lemma1Point {
        delta,
        alpha,
        mean_r2: mean,
        stderr: ((s2 / n - mean * mean).max(0.0) / n).sqrt(),
        eq9: delta * alpha * sg / n,
        bound: (d as f64).sqrt() * delta * alpha * p.g,
    }
}

/// Measure every (Δ, α) in parallel.
pub fn run(cfg: &Lemma1Config) -> Result<Lemma1Result> {
    if cfg.steps == 0 || cfg.alphas.iter().any(|&a| !(a > 0.0 && a.is_finite())) {
        return Err(QtrainError::Config {
            field: "steps/alphas".into(),
            msg: "need steps ≥ 1 and positive finite learning rates".into(),
        });
    }
    let hw = cfg.sweep.half_width;
    let problem = cfg.sweep.instance(cfg.seed)?;
    let jobs: Vec<(f64, f64)> = cfg
        .sweep
        .deltas
        .iter()
        .flat_map(|&dl| cfg.alphas.iter().map(move |&a| (dl, a)))
        .collect();
    let points = jobs
        .par_iter()
        .enumerate()
        .map(|(k, &(dl, a))| {
            let grid = Grid::uniform(dl as f32, -hw as f32, hw as f32)?;
            Ok(measure(
                &problem,
                grid,
                dl,
                a,
                cfg.steps,
                cfg.seed.wrapping_add(1 + k as u64),
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Lemma1Result { problem, points })
}

impl Lemma1Result {
    /// Largest measured/bound ratio (the lemma holds when it is ≤ 1).
    pub fn worst_ratio(&self) -> f64 {
        self.points
            .iter()
            .map(|p| p.mean_r2 / p.bound)
            .fold(0.0, f64::max)
    }

    /// Slope of `log E‖r‖²` against `log α` over the smaller half of the α's, per Δ (≈ 1: error ∝ α).
    pub fn small_alpha_slopes(&self) -> Vec<(f64, f64)> {
        let mut deltas: Vec<f64> = self.points.iter().map(|p| p.delta).collect();
        deltas.sort_by(f64::total_cmp);
        deltas.dedup();
        deltas
            .iter()
            .map(|&dl| {
                let mut pts: Vec<(f64, f64)> = self
                    .points
                    .iter()
                    .filter(|p| p.delta == dl)
                    .map(|p| (p.alpha.ln(), p.mean_r2.ln()))
                    .collect();
                pts.sort_by(|a, b| a.0.total_cmp(&b.0));
                pts.truncate(pts.len().div_ceil(2));
                (dl, fit_slope(&pts))
            })
            .collect()
    }

    /// Verdicts: the bound holds at every (Δ, α); the error shrinks ∝ α.
    pub fn verdicts(&self) -> Vec<Verdict> {
        let worst = self
            .points
            .iter()
            .max_by(|a, b| (a.mean_r2 / a.bound).total_cmp(&(b.mean_r2 / b.bound)));
        let ok = self.points.iter().all(|p| p.mean_r2 <= p.bound);
        let eq9_ok = self
            .points
            .iter()
            .all(|p| p.mean_r2 <= p.eq9 + 4.0 * p.stderr);
        let (amin, amax) = self
            .points
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(a, b), p| {
                (a.min(p.alpha), b.max(p.alpha))
            });
        let mut v = vec![Verdict::new(
            "Lemma 1",
            format!(
                "E‖r‖² ≤ √d·Δ·α·G at all {} (Δ, α) with α ∈ [{}, {}], G = {}; worst measured/bound {} (Δ={}, α={}: {} vs {})",
                self.points.len(),
                sci(amin),
                sci(amax),
                sci(self.problem.g),
                sci(self.worst_ratio()),
                worst.map_or(f64::NAN, |p| p.delta),
                worst.map_or("-".into(), |p| sci(p.alpha)),
                worst.map_or("-".into(), |p| sci(p.mean_r2)),
                worst.map_or("-".into(), |p| sci(p.bound)),
            ),
            ok,
        )];
        v.push(Verdict::new(
            "Lemma 1 (eq. 9)",
            format!(
                "E‖r‖² ≤ Δ·α·E‖∇f̃‖₁ + 4σ_sampling at every point; max measured/eq.9 ratio {}",
                sci(self
                    .points
                    .iter()
                    .map(|p| p.mean_r2 / p.eq9)
                    .fold(0.0, f64::max))
            ),
            eq9_ok,
        ));
        let slopes = self.small_alpha_slopes();
        v.push(Verdict::new(
            "Lemma 1 (rate)",
            format!(
                "log-log slope of E‖r‖² in α at small α: {} (Δ = {}); error vanishes ∝ α",
                slopes
                    .iter()
                    .map(|s| format!("{:.2}", s.1))
                    .collect::<Vec<_>>()
                    .join(", "),
                slopes
                    .iter()
                    .map(|s| s.0.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            slopes.iter().all(|s| (0.8..=1.2).contains(&s.1)),
        ));
        v
    }

    /// Write `lemma1.csv` and `lemma1.svg`.
    pub fn write(&self, dir: &Path) -> Result<()> {
        ensure_dir(dir)?;
        let rows: Vec<Vec<String>> = self
            .points
            .iter()
            .map(|p| {
                vec![
                    p.delta.to_string(),
                    p.alpha.to_string(),
                    p.mean_r2.to_string(),
                    p.stderr.to_string(),
                    p.eq9.to_string(),
                    p.bound.to_string(),
                ]
            })
            .collect();
        write_csv(
            &dir.join("lemma1.csv"),
            &[
                "delta",
                "alpha",
                "mean_r2",
                "stderr",
                "delta_alpha_E_grad_l1",
                "bound_sqrt_d_delta_alpha_G",
            ],
            &rows,
        )?;
        let mut deltas: Vec<f64> = self.points.iter().map(|p| p.delta).collect();
        deltas.sort_by(f64::total_cmp);
        deltas.dedup();
        let mut series = Vec::new();
        for &dl in &deltas {
            let pts: Vec<&Lemma1Point> = self.points.iter().filter(|p| p.delta == dl).collect();
            series.push(Series::new(
                format!("measured E‖r‖², Δ={dl}"),
                pts.iter().map(|p| (p.alpha, p.mean_r2)).collect(),
            ));
            series.push(Series::reference(
                format!("bound √d·Δ·α·G, Δ={dl}"),
                pts.iter().map(|p| (p.alpha, p.bound)).collect(),
            ));
        }
        LinePlot {
            title: format!("Lemma 1: SR rounding error, d={}", self.problem.d),
            x_label: "learning rate α (log)".into(),
            y_label: "E‖r_t‖² (log)".into(),
            log_x: true,
            log_y: true,
            series,
        }
        .write_svg(&dir.join("lemma1.svg"))
    }
}

/// Least-squares slope of y on x.
pub fn fit_slope(pts: &[(f64, f64)]) -> f64 {
    let n = pts.len() as f64;
    let (mx, my) = pts
        .iter()
        .fold((0.0, 0.0), |(a, b), p| (a + p.0 / n, b + p.1 / n));
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    sxy / sxx
}
