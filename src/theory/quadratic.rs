//! Corollary 1 (and Theorem 1 with `L₂ = 0`) as an experiment: on a least-squares problem with
//! `α_t = 1/(μ(t+1))`, BinaryConnect with stochastic rounding reaches the true minimiser at the
//! rate `(1 + log(T+1))G²/(2μT)`, while SR and R, which keep only quantized weights, stall at a
//! floor that grows with the grid step Δ.
//!
//! Methods (paper eqs. 2, 4, 6, 7), all projected onto the grid's box `W = [lo, hi]^d`:
//! SGD `w ← w − α∇f(w)`; R `w ← Qd(w − α∇f(w))`; SR `w ← Qs(w − α∇f(w))`;
//! BC `w_r ← w_r − α∇f(Q(w_r))` with `Q = Qs` (the corollary) or `Q = Qd` (common in practice).
//! Recorded: `F(w̄_T) − F(w*)` with `w̄_T = (1/T)Σ_{t=1}^T w_t` the iterate average of Theorem 1
//! (for BC the real-valued buffer), the same for the average of the weights each gradient was
//! taken at (`Q(w_r)` for BC), and the last iterate's gap, each averaged over seeded runs.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::lsq::{LeastSquares, LsqSweep};
use super::report::{sci, Verdict};
use crate::error::{QtrainError, Result};
use crate::quant::Grid;

/// The five training rules compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Full-precision SGD (eq. 2), the reference.
    Sgd,
    /// BinaryConnect with stochastic rounding (eq. 7, `Q = Qs`): Corollary 1's algorithm.
    BcQs,
    /// BinaryConnect with deterministic rounding (eq. 7, `Q = Qd`).
    BcQd,
    /// Stochastic rounding (eq. 6).
    Sr,
    /// Deterministic rounding (eq. 4).
    R,
}

impl Method {
    /// All methods in plotting order.
    pub const ALL: [Method; 5] = [
        Method::Sgd,
        Method::BcQs,
        Method::BcQd,
        Method::Sr,
        Method::R,
    ];
    /// Legend / CSV name.
    pub fn name(self) -> &'static str {
        match self {
            Method::Sgd => "SGD",
            Method::BcQs => "BC-Qs",
            Method::BcQd => "BC-Qd",
            Method::Sr => "SR",
            Method::R => "R",
        }
    }
}

/// Experiment size and seed (flags of `qtrain theory quadratic`).
#[derive(Clone, Debug)]
pub struct QuadraticConfig {
    /// The instance (m, d, noise, box) and the grid steps Δ compared.
    pub sweep: LsqSweep,
    /// Largest iteration count T.
    pub t_max: u64,
    /// Independent seeded runs averaged for each curve (the expectation in Theorem 1).
    pub runs: usize,
    /// Seed of the instance and of the runs.
    pub seed: u64,
}

impl Default for QuadraticConfig {
    fn default() -> Self {
        Self {
            sweep: LsqSweep::default(),
            t_max: 1_000_000,
            runs: 8,
            seed: 2017,
        }
    }
}

impl QuadraticConfig {
    /// Reject sizes the experiment cannot use, naming the flag.
    pub fn validate(&self) -> Result<()> {
        let bad = |field: &str, msg: String| {
            Err(QtrainError::Config {
                field: field.into(),
                msg,
            })
        };
        use crate::validate::{count, Origin};
        let s = &self.sweep;
        count(&Origin::Flag, "--m", s.m, 1..=1_000_000)?;
        count(&Origin::Flag, "--d", s.d, 1..=10_000)?;
        if s.m.saturating_mul(s.d) > 100_000_000 {
            return Err(Origin::Flag.invalid(
                "--m × --d",
                format!("{} × {}", s.m, s.d),
                format!(
                    "at most 10^8 entries of A (this would take {} of f64)",
                    crate::validate::human_bytes(8.0 * s.m as f64 * s.d as f64)
                ),
            ));
        }
        if self.t_max < 10 {
            return bad("t-max", format!("need T ≥ 10, got {}", self.t_max));
        }
        count(&Origin::Flag, "--runs", self.runs, 1..=10_000)?;
        if self.runs == 0 {
            return bad("runs", "need at least one run".into());
        }
        if s.deltas.is_empty() {
            return bad("deltas", "need at least one grid step".into());
        }
        for &d in &s.deltas {
            Grid::uniform(d as f32, -s.half_width as f32, s.half_width as f32)?;
        }
        Ok(())
    }
}

/// Mean gaps of one method on one grid at the checkpoints.
#[derive(Clone, Debug)]
pub struct Curve {
    /// The method.
    pub method: Method,
    /// Grid step Δ (SGD: none).
    pub delta: Option<f64>,
    /// `E[F(w̄_T)] − F*` for the iterate average (Theorem 1's quantity), per checkpoint.
    pub gap_avg: Vec<f64>,
    /// The same for the average of the weights the gradients were taken at.
    pub gap_avg_used: Vec<f64>,
    /// `E[F(w_T)] − F*` for the last iterate.
    pub gap_last: Vec<f64>,
}

/// Everything `qtrain theory quadratic` computes.
#[derive(Clone, Debug)]
pub struct QuadraticResult {
    /// The instance (μ, G, w*).
    pub problem: LeastSquares,
    /// Iteration counts T at which gaps were recorded (log grid).
    pub checkpoints: Vec<u64>,
    /// One curve per (method, Δ); SGD once.
    pub curves: Vec<Curve>,
    /// The configuration used.
    pub config: QuadraticConfig,
}

/// 1, 2, 5 × 10^k up to `t_max`, plus `t_max`.
pub fn log_checkpoints(t_max: u64) -> Vec<u64> {
    let mut v = Vec::new();
    let mut p = 1u64;
    while p <= t_max {
        for k in [1, 2, 5] {
            if k * p <= t_max {
                v.push(k * p);
            }
        }
        p = p.saturating_mul(10);
    }
    if v.last() != Some(&t_max) {
        v.push(t_max);
    }
    v
}

/// One seeded run: returns (gap of iterate average, gap of used-weight average, last gap) per checkpoint.
fn run_one(
    p: &LeastSquares,
    method: Method,
    grid: Grid,
    checkpoints: &[u64],
    seed: u64,
) -> Vec<[f64; 3]> {
    let d = p.d;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (lo, hi) = (p.lo, p.hi);
    let mut w = vec![0.0f64; d];
    let mut u = vec![0.0f64; d];
    let mut g = vec![0.0f64; d];
    let mut sum_w = vec![0.0f64; d];
    let mut sum_u = vec![0.0f64; d];
    let mut out = Vec::with_capacity(checkpoints.len());
    let mut next = 0;
    let t_max = *checkpoints.last().unwrap_or(&0);
    for t in 0..t_max {
        let alpha = 1.0 / (p.mu * (t + 1) as f64);
        let i = rng.gen_range(0..p.m);
        match method {
            Method::Sgd | Method::Sr | Method::R => u.copy_from_slice(&w),
            Method::BcQs => {
                for (uj, &wj) in u.iter_mut().zip(&w) {
                    *uj = f64::from(grid.qs(wj as f32, &mut rng));
                }
            }
            Method::BcQd => {
                for (uj, &wj) in u.iter_mut().zip(&w) {
                    *uj = f64::from(grid.qd(wj as f32));
                }
            }
        }
        p.row_grad(i, &u, &mut g);
        for j in 0..d {
            let v = w[j] - alpha * g[j];
            w[j] = match method {
                Method::Sgd | Method::BcQs | Method::BcQd => v.clamp(lo, hi),
                Method::Sr => f64::from(grid.qs(v as f32, &mut rng)),
                Method::R => f64::from(grid.qd(v as f32)),
            };
            sum_w[j] += w[j];
            sum_u[j] += u[j];
        }
        if next < checkpoints.len() && t + 1 == checkpoints[next] {
            let n = (t + 1) as f64;
            let aw: Vec<f64> = sum_w.iter().map(|s| s / n).collect();
            let au: Vec<f64> = sum_u.iter().map(|s| s / n).collect();
            out.push([p.gap(&aw), p.gap(&au), p.gap(&w)]);
            next += 1;
        }
    }
    out
}

/// Run every method on every grid, `runs` seeds each, in parallel.
pub fn run(cfg: &QuadraticConfig) -> Result<QuadraticResult> {
    cfg.validate()?;
    let hw = cfg.sweep.half_width;
    let problem = cfg.sweep.instance(cfg.seed)?;
    let checkpoints = log_checkpoints(cfg.t_max);
    let mut jobs: Vec<(Method, Option<f64>)> = vec![(Method::Sgd, None)];
    for &delta in &cfg.sweep.deltas {
        for m in &Method::ALL[1..] {
            jobs.push((*m, Some(delta)));
        }
    }
    let tasks: Vec<(usize, usize)> = (0..jobs.len())
        .flat_map(|j| (0..cfg.runs).map(move |r| (j, r)))
        .collect();
    let results: Vec<Result<Vec<[f64; 3]>>> = tasks
        .par_iter()
        .map(|&(j, r)| {
            let (method, delta) = jobs[j];
            let grid = Grid::uniform(delta.unwrap_or(hw) as f32, -hw as f32, hw as f32)?;
            let seed = cfg.seed ^ (crate::splitmix::GAMMA.wrapping_mul((r as u64) + 1));
            Ok(run_one(&problem, method, grid, &checkpoints, seed))
        })
        .collect();
    let results: Vec<Vec<[f64; 3]>> = results.into_iter().collect::<Result<_>>()?;
    let nc = checkpoints.len();
    let curves = jobs
        .iter()
        .enumerate()
        .map(|(j, &(method, delta))| {
            let mut acc = vec![[0.0f64; 3]; nc];
            for r in 0..cfg.runs {
                for (a, x) in acc.iter_mut().zip(&results[j * cfg.runs + r]) {
                    for k in 0..3 {
                        a[k] += x[k] / cfg.runs as f64;
                    }
                }
            }
            Curve {
                method,
                delta,
                gap_avg: acc.iter().map(|a| a[0]).collect(),
                gap_avg_used: acc.iter().map(|a| a[1]).collect(),
                gap_last: acc.iter().map(|a| a[2]).collect(),
            }
        })
        .collect();
    Ok(QuadraticResult {
        problem,
        checkpoints,
        curves,
        config: cfg.clone(),
    })
}

impl QuadraticResult {
    /// The curve of `method` on grid `delta` (SGD ignores `delta`).
    pub fn curve(&self, method: Method, delta: f64) -> Option<&Curve> {
        self.curves
            .iter()
            .find(|c| c.method == method && (method == Method::Sgd || c.delta == Some(delta)))
    }

    /// Final (T = t_max) iterate-average gap of `method` on `delta`.
    pub fn final_gap(&self, method: Method, delta: f64) -> f64 {
        self.curve(method, delta)
            .and_then(|c| c.gap_avg.last().copied())
            .unwrap_or(f64::NAN)
    }

    /// Verdicts: Corollary 1's bound for BC-Qs, BC far below SR, SR and R floors growing with Δ.
    pub fn verdicts(&self) -> Vec<Verdict> {
        let t = *self.checkpoints.last().unwrap_or(&1);
        let bound = self.problem.cor1_bound(t);
        let mut deltas = self.config.sweep.deltas.clone();
        deltas.sort_by(f64::total_cmp);
        let mut v = Vec::new();
        // Corollary 1: BC-Qs under the bound at every checkpoint and every Δ.
        let mut worst = (0.0f64, 0u64, 0.0f64);
        let mut all_ok = true;
        for &dl in &deltas {
            if let Some(c) = self.curve(Method::BcQs, dl) {
                for (k, &gp) in c.gap_avg.iter().enumerate() {
                    let b = self.problem.cor1_bound(self.checkpoints[k]);
                    all_ok &= gp <= b;
                    if gp / b > worst.0 {
                        worst = (gp / b, self.checkpoints[k], dl);
                    }
                }
            }
        }
        let bc_final: Vec<f64> = deltas
            .iter()
            .map(|&d| self.final_gap(Method::BcQs, d))
            .collect();
        v.push(Verdict::new(
            "Cor 1",
            format!(
                "BC-Qs gap {} at T={} (Δ={}), bound (1+log(T+1))G²/(2μT) = {} with μ={}, G={}; worst gap/bound {} (T={}, Δ={})",
                sci(bc_final.iter().cloned().fold(0.0, f64::max)),
                sci(t as f64),
                deltas.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("/"),
                sci(bound),
                sci(self.problem.mu),
                sci(self.problem.g),
                sci(worst.0),
                worst.1,
                worst.2
            ),
            all_ok,
        ));
        // BC reaches w* while SR stalls: BC ≥ 10× below SR at T_max for every Δ.
        let ratios: Vec<f64> = deltas
            .iter()
            .map(|&d| self.final_gap(Method::Sr, d) / self.final_gap(Method::BcQs, d))
            .collect();
        let min_ratio = ratios.iter().cloned().fold(f64::INFINITY, f64::min);
        let decade = |m: Method, d: f64| {
            self.curve(m, d).map_or(f64::NAN, |c| {
                let n = c.gap_avg.len();
                let k = self
                    .checkpoints
                    .iter()
                    .position(|&x| x * 100 >= t)
                    .unwrap_or(0);
                c.gap_avg[k] / c.gap_avg[n - 1]
            })
        };
        let mid = deltas[deltas.len() / 2];
        v.push(Verdict::new(
            "Cor 1 vs SR",
            format!(
                "at T={} SR's gap / BC-Qs's gap = {} (Δ = {}); over the last 2 decades BC-Qs fell {}×, SR {}× (Δ={})",
                sci(t as f64),
                ratios.iter().map(|r| sci(*r)).collect::<Vec<_>>().join(", "),
                deltas.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", "),
                sci(decade(Method::BcQs, mid)),
                sci(decade(Method::Sr, mid)),
                mid
            ),
            min_ratio >= 10.0,
        ));
        for m in [Method::Sr, Method::R] {
            let floors: Vec<f64> = deltas.iter().map(|&d| self.final_gap(m, d)).collect();
            let grows = floors.windows(2).all(|w| w[1] > w[0]);
            v.push(Verdict::new(
                format!("{} floor", m.name()),
                format!(
                    "gap at T={} for Δ = {}: {}; grows with Δ",
                    sci(t as f64),
                    deltas
                        .iter()
                        .map(|d| d.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    floors
                        .iter()
                        .map(|f| sci(*f))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                grows,
            ));
        }
        v
    }
}

mod write;
