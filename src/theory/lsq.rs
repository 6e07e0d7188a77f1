//! A seeded least-squares instance `F(w) = (1/2m)‖Aw − b‖² = (1/m) Σ_i f_i(w)` with
//! `f_i(w) = ½(a_iᵀw − b_i)²` (the paper's finite-sum form of Corollary 1's `½‖Aw − b‖²`; the `1/m`
//! only rescales), on the box `W = [lo, hi]^d` of a quantization grid. It carries the constants
//! Theorem 1 needs, computed from the instance: `μ = λ_min(AᵀA/m)` and
//! `G = max_i sup_{w∈W} ‖∇f_i(w)‖`.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{linalg, normal};
use crate::error::{QtrainError, Result};

/// The least-squares experiments' instance and grids: Corollary 1's (`theory::quadratic`) and
/// Lemma 1's (`theory::lemma1`) sweeps run on the same seeded problem and compare the same steps Δ
/// (the defaults are `qtrain theory`'s).
#[derive(Clone, Debug)]
pub struct LsqSweep {
    /// Rows m of A.
    pub m: usize,
    /// Dimension d.
    pub d: usize,
    /// Standard deviation of the label noise in b (makes `w*` off-grid and gradients noisy).
    pub noise: f64,
    /// Box half-width: weights live in `[−box, box]` (a multiple of every Δ).
    pub half_width: f64,
    /// Grid steps Δ to compare.
    pub deltas: Vec<f64>,
}

impl Default for LsqSweep {
    fn default() -> Self {
        Self {
            m: 200,
            d: 10,
            noise: 0.5,
            half_width: 1.0,
            deltas: vec![0.25, 0.125, 0.0625],
        }
    }
}

impl LsqSweep {
    /// The seeded instance on the box `[−half_width, half_width]^d`.
    pub fn instance(&self, seed: u64) -> Result<LeastSquares> {
        let hw = self.half_width;
        LeastSquares::new(self.m, self.d, self.noise, -hw, hw, seed)
    }
}

/// The instance and its exact minimiser.
#[derive(Clone, Debug)]
pub struct LeastSquares {
    /// Rows `a_i` (m×d, row-major).
    pub a: Vec<f64>,
    /// Targets `b_i`.
    pub b: Vec<f64>,
    /// Number of rows m.
    pub m: usize,
    /// Dimension d.
    pub d: usize,
    /// Hessian `AᵀA/m` (d×d).
    pub hessian: Vec<f64>,
    /// The exact minimiser `w*` (inside the box).
    pub w_star: Vec<f64>,
    /// Strong-convexity constant μ (Assumption 1).
    pub mu: f64,
    /// Gradient bound G over the box (Assumption 2).
    pub g: f64,
    /// Box `[lo, hi]` per coordinate (Assumption 3's bounded domain).
    pub lo: f64,
    /// Upper end of the box.
    pub hi: f64,
}

impl LeastSquares {
    /// Draw `a_i ~ N(0, I_d)`, a planted `w₀ ~ U[lo/2, hi/2]^d` and `b = Aw₀ + noise·N(0, 1)`; solve
    /// for `w*` and check it lies inside the box (the corollary's minimiser over `W`).
    pub fn new(m: usize, d: usize, noise: f64, lo: f64, hi: f64, seed: u64) -> Result<Self> {
        if m < d || d == 0 {
            return Err(QtrainError::Config {
                field: "m, d".into(),
                msg: format!("need m ≥ d ≥ 1 rows for a strongly convex F, got m={m}, d={d}"),
            });
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let a: Vec<f64> = (0..m * d).map(|_| normal::sample(&mut rng)).collect();
        let w0: Vec<f64> = (0..d).map(|_| rng.gen_range(lo / 2.0..hi / 2.0)).collect();
        let b: Vec<f64> = (0..m)
            .map(|i| dot(&a[i * d..(i + 1) * d], &w0) + noise * normal::sample(&mut rng))
            .collect();
        let mut hessian = vec![0.0; d * d];
        let mut atb = vec![0.0; d];
        for i in 0..m {
            let row = &a[i * d..(i + 1) * d];
            for j in 0..d {
                atb[j] += row[j] * b[i] / m as f64;
                for k in 0..d {
                    hessian[j * d + k] += row[j] * row[k] / m as f64;
                }
            }
        }
        let w_star = linalg::cholesky_solve(&hessian, &atb, d)?;
        if w_star.iter().any(|&w| w <= lo || w >= hi) {
            return Err(QtrainError::Numeric(format!(
                "minimiser {w_star:?} leaves the box [{lo}, {hi}]; use a larger box or less noise"
            )));
        }
        let mu = linalg::sym_eigenvalues(&hessian, d)[0];
        // sup over the box of |a_iᵀw − b_i| is reached at a vertex: max(|Σ max − b|, |Σ min − b|).
        let g = (0..m)
            .map(|i| {
                let row = &a[i * d..(i + 1) * d];
                let up: f64 = row.iter().map(|&x| (x * lo).max(x * hi)).sum();
                let dn: f64 = row.iter().map(|&x| (x * lo).min(x * hi)).sum();
                let r = (up - b[i]).abs().max((dn - b[i]).abs());
                dot(row, row).sqrt() * r
            })
            .fold(0.0, f64::max);
        Ok(Self {
            a,
            b,
            m,
            d,
            hessian,
            w_star,
            mu,
            g,
            lo,
            hi,
        })
    }

    /// `F(w) − F(w*) = ½ (w − w*)ᵀ H (w − w*)`, exact for a quadratic and free of cancellation.
    pub fn gap(&self, w: &[f64]) -> f64 {
        let d = self.d;
        let e: Vec<f64> = w.iter().zip(&self.w_star).map(|(x, y)| x - y).collect();
        let mut s = 0.0;
        for j in 0..d {
            s += e[j] * dot(&self.hessian[j * d..(j + 1) * d], &e);
        }
        0.5 * s
    }

    /// The single-row stochastic gradient `∇f_i(u) = a_i (a_iᵀu − b_i)`, written into `out`.
    pub fn row_grad(&self, i: usize, u: &[f64], out: &mut [f64]) {
        let row = &self.a[i * self.d..(i + 1) * self.d];
        let r = dot(row, u) - self.b[i];
        for (o, &x) in out.iter_mut().zip(row) {
            *o = x * r;
        }
    }

    /// Theorem 1's bound with `L₂ = 0` (Corollary 1): `(1 + log(T+1)) G² / (2μT)`.
    pub fn cor1_bound(&self, t: u64) -> f64 {
        (1.0 + ((t + 1) as f64).ln()) * self.g * self.g / (2.0 * self.mu * t as f64)
    }
}

/// Dot product.
pub fn dot(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimiser_has_zero_gradient_and_constants_are_consistent() {
        let p = LeastSquares::new(50, 4, 0.3, -1.0, 1.0, 7).unwrap();
        let mut full = vec![0.0; 4];
        let mut gi = vec![0.0; 4];
        for i in 0..p.m {
            p.row_grad(i, &p.w_star, &mut gi);
            for j in 0..4 {
                full[j] += gi[j] / p.m as f64;
            }
            // G bounds the gradient at every box vertex we try
            for v in [[-1.0; 4], [1.0; 4], [1.0, -1.0, 1.0, -1.0]] {
                p.row_grad(i, &v, &mut gi);
                assert!(dot(&gi, &gi).sqrt() <= p.g + 1e-9);
            }
        }
        assert!(full.iter().all(|g| g.abs() < 1e-12), "{full:?}");
        assert!(p.mu > 0.0 && p.gap(&p.w_star).abs() < 1e-20);
        let e = [0.1, 0.0, 0.0, 0.0];
        let w: Vec<f64> = p.w_star.iter().zip(e).map(|(a, b)| a + b).collect();
        assert!(p.gap(&w) >= 0.5 * p.mu * 0.01 - 1e-15);
    }
}
