//! Stochastic rounding on a lattice as a Markov chain (Section 5.2), built exactly.
//!
//! States are the points of a uniform grid `{lo, lo+Δ, …, hi}^d` (the project's [`Grid`]). From a
//! state `x`, SR draws a noisy gradient `g = ∇f(x) + σξ` (ξ standard normal per coordinate), forms
//! `v = x − αg` and rounds each coordinate independently with `Qs` (clipping at the grid's ends). So
//! `v_k ~ N(x_k − α∂_k f(x), (ασ)²)`, and the probability that coordinate k lands on grid point `c`
//! is `E[hat_c(v_k)]` with the triangular kernel `hat_c(v) = (1 − |v − c|/Δ)^+` (the end points take
//! the clipped tails). Writing `ψ(a) = E[(v_k − a)^+]` in closed form, that expectation is the second
//! difference `(ψ(c−Δ) − 2ψ(c) + ψ(c+Δ))/Δ`, exact up to floating point. The full transition matrix
//! is the product of the coordinates' probabilities.
//!
//! The α → 0 limit of Theorem 2 is the chain with rates
//! `Ũ(x, x ± Δe_k) = E[(∓g_k)^+]/Δ` (zero where the move would leave the grid).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::landscape::Landscape;
use super::normal;
use crate::error::Result;
use crate::quant::Grid;

/// SR on a lattice for one landscape and noise level.
#[derive(Clone, Debug)]
pub struct SrChain {
    /// The function whose noisy gradients drive the chain.
    pub landscape: Landscape,
    /// The weight grid (its points per coordinate are the lattice).
    pub grid: Grid,
    /// Grid points of one coordinate, ascending.
    pub points: Vec<f64>,
    /// Standard deviation σ of the Gaussian gradient noise.
    pub sigma: f64,
}

impl SrChain {
    /// The lattice `{−h, −h+Δ, …, h}^d` with gradient noise σ.
    pub fn new(landscape: Landscape, delta: f64, half_width: f64, sigma: f64) -> Result<Self> {
        let grid = Grid::uniform(delta as f32, -half_width as f32, half_width as f32)?;
        let n = (2.0 * half_width / delta).round() as usize + 1;
        let points = (0..n).map(|j| -half_width + j as f64 * delta).collect();
        Ok(Self {
            landscape,
            grid,
            points,
            sigma,
        })
    }

    /// Dimension d.
    pub fn dim(&self) -> usize {
        self.landscape.dim()
    }

    /// Grid step Δ.
    pub fn delta(&self) -> f64 {
        f64::from(self.grid.delta())
    }

    /// Number of states `n^d`.
    pub fn n_states(&self) -> usize {
        self.points.len().pow(self.dim() as u32)
    }

    /// Per-coordinate grid indices of state `s` (coordinate 0 varies fastest).
    pub fn coords(&self, s: usize) -> Vec<usize> {
        let n = self.points.len();
        (0..self.dim()).map(|k| (s / n.pow(k as u32)) % n).collect()
    }

    /// The state's point in `R^d`.
    pub fn point(&self, s: usize) -> Vec<f64> {
        self.coords(s).iter().map(|&i| self.points[i]).collect()
    }

    /// State index of per-coordinate grid indices.
    pub fn index(&self, c: &[usize]) -> usize {
        let n = self.points.len();
        c.iter().rev().fold(0, |acc, &i| acc * n + i)
    }

    /// Grid index nearest to a value (for mapping `Qs`/`Qd` outputs back to states).
    pub fn grid_index(&self, v: f64) -> usize {
        let i = ((v - self.points[0]) / self.delta()).round();
        (i.max(0.0) as usize).min(self.points.len() - 1)
    }

    /// `P(Qs(V) = c_j)` for every grid point, `V ~ N(m, s²)`, with clipping at the ends.
    pub fn coord_probs(&self, m: f64, s: f64) -> Vec<f64> {
        let n = self.points.len();
        let dl = self.delta();
        let psi: Vec<f64> = self
            .points
            .iter()
            .map(|&c| normal::partial_expectation(m, s, c))
            .collect();
        (0..n)
            .map(|j| {
                let p = if j == 0 {
                    1.0 - (psi[0] - psi[1]) / dl
                } else if j == n - 1 {
                    (psi[n - 2] - psi[n - 1]) / dl
                } else {
                    (psi[j - 1] - 2.0 * psi[j] + psi[j + 1]) / dl
                };
                p.max(0.0)
            })
            .collect()
    }

    /// The exact transition matrix `T_α(x, y)` (row-stochastic, rows in parallel).
    pub fn transition_matrix(&self, alpha: f64) -> Vec<f64> {
        let ns = self.n_states();
        let d = self.dim();
        let mut t = vec![0.0; ns * ns];
        t.par_chunks_mut(ns).enumerate().for_each(|(s, row)| {
            let x = self.point(s);
            let mut g = vec![0.0; d];
            self.landscape.grad(&x, &mut g);
            let probs: Vec<Vec<f64>> = (0..d)
                .map(|k| self.coord_probs(x[k] - alpha * g[k], alpha * self.sigma))
                .collect();
            for (y, r) in row.iter_mut().enumerate() {
                *r = self
                    .coords(y)
                    .iter()
                    .enumerate()
                    .map(|(k, &i)| probs[k][i])
                    .product();
            }
        });
        t
    }

    /// Theorem 2's limiting rates `Ũ` (off-diagonal; the diagonal is left 0).
    pub fn limit_rates(&self) -> Vec<f64> {
        let ns = self.n_states();
        let d = self.dim();
        let n = self.points.len();
        let dl = self.delta();
        let mut u = vec![0.0; ns * ns];
        let mut g = vec![0.0; d];
        for s in 0..ns {
            let c = self.coords(s);
            self.landscape.grad(&self.point(s), &mut g);
            for k in 0..d {
                if c[k] + 1 < n {
                    let mut up = c.clone();
                    up[k] += 1;
                    u[s * ns + self.index(&up)] =
                        normal::partial_expectation(-g[k], self.sigma, 0.0) / dl;
                }
                if c[k] > 0 {
                    let mut dn = c.clone();
                    dn[k] -= 1;
                    u[s * ns + self.index(&dn)] =
                        normal::partial_expectation(g[k], self.sigma, 0.0) / dl;
                }
            }
        }
        u
    }

    /// Simulate SR with the project's `Qs` for `steps` steps from state `start`, adding the visits
    /// of every state after each step into `counts`.
    pub fn simulate_sr(&self, alpha: f64, start: usize, steps: u64, seed: u64, counts: &mut [u64]) {
        let d = self.dim();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut x = self.point(start);
        let mut g = vec![0.0; d];
        let mut c = vec![0usize; d];
        for _ in 0..steps {
            self.landscape.grad(&x, &mut g);
            for k in 0..d {
                let v = x[k] - alpha * (g[k] + self.sigma * normal::sample(&mut rng));
                x[k] = f64::from(self.grid.qs(v as f32, &mut rng));
                c[k] = self.grid_index(x[k]);
            }
            counts[self.index(&c)] += 1;
        }
    }

    /// Simulate BinaryConnect (`w_r ← clip(w_r − α(∇f(Qd(w_r)) + σξ))`, the project's `Qd`) from
    /// `w0`, and after `burn` steps add the state of `Qd(w_r)` at each of `steps` steps into `counts`.
    pub fn simulate_bc(
        &self,
        alpha: f64,
        w0: &[f64],
        burn: u64,
        steps: u64,
        seed: u64,
        counts: &mut [u64],
    ) {
        let d = self.dim();
        let (lo, hi) = (self.points[0], self.points[self.points.len() - 1]);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut w = w0.to_vec();
        let mut q = vec![0.0; d];
        let mut g = vec![0.0; d];
        let mut c = vec![0usize; d];
        for t in 0..burn + steps {
            for k in 0..d {
                q[k] = f64::from(self.grid.qd(w[k] as f32));
                c[k] = self.grid_index(q[k]);
            }
            if t >= burn {
                counts[self.index(&c)] += 1;
            }
            self.landscape.grad(&q, &mut g);
            for k in 0..d {
                w[k] =
                    (w[k] - alpha * (g[k] + self.sigma * normal::sample(&mut rng))).clamp(lo, hi);
            }
        }
    }

    /// A uniform random point of the box (BC's starting buffers).
    pub fn random_point<R: Rng>(&self, rng: &mut R) -> Vec<f64> {
        let (lo, hi) = (self.points[0], self.points[self.points.len() - 1]);
        (0..self.dim()).map(|_| rng.gen_range(lo..hi)).collect()
    }
}
