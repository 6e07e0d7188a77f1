//! Non-convex test functions for the Markov-chain experiments (Theorem 2 makes no convexity
//! assumption): a tilted double well in 1-D and a coupled four-well function in 2-D, with their
//! gradients and their local minimisers (found numerically, so the "near a minimiser" sets used by
//! the experiments come from the function, not from hand-typed numbers).

/// A smooth function on `R^d` with several local minima.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Landscape {
    /// `f(x) = (x² − 1)² + 0.3x`: minima near −1 (deeper) and +1.
    DoubleWell1d,
    /// `f(x, y) = (x² − 1)² + (y² − 1)² + 0.5xy + 0.2x`: four minima near (±1, ±1) of different depth.
    Wells2d,
}

impl Landscape {
    /// Dimension d.
    pub fn dim(self) -> usize {
        match self {
            Landscape::DoubleWell1d => 1,
            Landscape::Wells2d => 2,
        }
    }

    /// Short name used in file names and verdicts.
    pub fn name(self) -> &'static str {
        match self {
            Landscape::DoubleWell1d => "1d",
            Landscape::Wells2d => "2d",
        }
    }

    /// `f(x)`.
    pub fn f(self, x: &[f64]) -> f64 {
        match self {
            Landscape::DoubleWell1d => (x[0] * x[0] - 1.0).powi(2) + 0.3 * x[0],
            Landscape::Wells2d => {
                (x[0] * x[0] - 1.0).powi(2)
                    + (x[1] * x[1] - 1.0).powi(2)
                    + 0.5 * x[0] * x[1]
                    + 0.2 * x[0]
            }
        }
    }

    /// `∇f(x)` into `out`.
    pub fn grad(self, x: &[f64], out: &mut [f64]) {
        match self {
            Landscape::DoubleWell1d => out[0] = 4.0 * x[0].powi(3) - 4.0 * x[0] + 0.3,
            Landscape::Wells2d => {
                out[0] = 4.0 * x[0].powi(3) - 4.0 * x[0] + 0.5 * x[1] + 0.2;
                out[1] = 4.0 * x[1].powi(3) - 4.0 * x[1] + 0.5 * x[0];
            }
        }
    }

    /// Local minimisers inside `[lo, hi]^d`: gradient descent from a 21^d grid of starts, merged,
    /// kept when the finite-difference Hessian is positive definite.
    pub fn local_minimisers(self, lo: f64, hi: f64) -> Vec<Vec<f64>> {
        let d = self.dim();
        let n = 21usize;
        let mut found: Vec<Vec<f64>> = Vec::new();
        let mut g = vec![0.0; d];
        for k in 0..n.pow(d as u32) {
            let mut x: Vec<f64> = (0..d)
                .map(|j| lo + (hi - lo) * ((k / n.pow(j as u32)) % n) as f64 / (n - 1) as f64)
                .collect();
            for _ in 0..20_000 {
                self.grad(&x, &mut g);
                for j in 0..d {
                    x[j] = (x[j] - 0.01 * g[j]).clamp(lo, hi);
                }
            }
            self.grad(&x, &mut g);
            let interior = x.iter().all(|&v| v > lo && v < hi);
            if !interior || g.iter().any(|v| v.abs() > 1e-8) || !self.hessian_pd(&x) {
                continue;
            }
            if !found
                .iter()
                .any(|y| y.iter().zip(&x).all(|(a, b)| (a - b).abs() < 1e-5))
            {
                found.push(x);
            }
        }
        found
    }

    fn hessian_pd(self, x: &[f64]) -> bool {
        let d = self.dim();
        let h = 1e-5;
        let mut hess = vec![0.0; d * d];
        let (mut gp, mut gm) = (vec![0.0; d], vec![0.0; d]);
        for j in 0..d {
            let mut xp = x.to_vec();
            let mut xm = x.to_vec();
            xp[j] += h;
            xm[j] -= h;
            self.grad(&xp, &mut gp);
            self.grad(&xm, &mut gm);
            for i in 0..d {
                hess[i * d + j] = (gp[i] - gm[i]) / (2.0 * h);
            }
        }
        match d {
            1 => hess[0] > 0.0,
            _ => hess[0] > 0.0 && hess[0] * hess[3] - hess[1] * hess[2] > 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimisers_are_found_and_gradients_match_finite_differences() {
        let m1 = Landscape::DoubleWell1d.local_minimisers(-1.5, 1.5);
        assert_eq!(m1.len(), 2, "{m1:?}");
        let m2 = Landscape::Wells2d.local_minimisers(-1.5, 1.5);
        assert_eq!(m2.len(), 4, "{m2:?}");
        for l in [Landscape::DoubleWell1d, Landscape::Wells2d] {
            let x = [0.37, -0.81];
            let mut g = [0.0; 2];
            l.grad(&x[..l.dim()], &mut g[..l.dim()]);
            for j in 0..l.dim() {
                let mut xp = x;
                let mut xm = x;
                xp[j] += 1e-6;
                xm[j] -= 1e-6;
                let fd = (l.f(&xp[..l.dim()]) - l.f(&xm[..l.dim()])) / 2e-6;
                assert!((fd - g[j]).abs() < 1e-6);
            }
        }
    }
}
