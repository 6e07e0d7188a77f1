//! Small dense linear algebra for the theory experiments (row-major `n×n` matrices as `Vec<f64>`):
//! products (rows in parallel), an LU inverse, a Cholesky solve and symmetric eigenvalues (Jacobi).
//! The matrices here have at most a few hundred rows, so plain loops suffice.

use rayon::prelude::*;

use crate::error::{QtrainError, Result};

/// `C = A·B` for square row-major `n×n` matrices, rows computed in parallel.
pub fn matmul(a: &[f64], b: &[f64], n: usize) -> Vec<f64> {
    let mut c = vec![0.0; n * n];
    c.par_chunks_mut(n).enumerate().for_each(|(i, row)| {
        for k in 0..n {
            let aik = a[i * n + k];
            if aik != 0.0 {
                for (cj, bkj) in row.iter_mut().zip(&b[k * n..(k + 1) * n]) {
                    *cj += aik * bkj;
                }
            }
        }
    });
    c
}

/// The inverse of a square matrix by LU with partial pivoting.
pub fn inverse(a: &[f64], n: usize) -> Result<Vec<f64>> {
    let mut m = a.to_vec();
    let mut inv = vec![0.0; n * n];
    for i in 0..n {
        inv[i * n + i] = 1.0;
    }
    for col in 0..n {
        let piv = (col..n)
            .max_by(|&i, &j| m[i * n + col].abs().total_cmp(&m[j * n + col].abs()))
            .unwrap_or(col);
        if m[piv * n + col].abs() < 1e-300 {
            return Err(QtrainError::Numeric("singular matrix in inverse".into()));
        }
        if piv != col {
            for j in 0..n {
                m.swap(piv * n + j, col * n + j);
                inv.swap(piv * n + j, col * n + j);
            }
        }
        let d = m[col * n + col];
        for j in 0..n {
            m[col * n + j] /= d;
            inv[col * n + j] /= d;
        }
        for i in 0..n {
            if i != col {
                let f = m[i * n + col];
                if f != 0.0 {
                    for j in 0..n {
                        m[i * n + j] -= f * m[col * n + j];
                        inv[i * n + j] -= f * inv[col * n + j];
                    }
                }
            }
        }
    }
    Ok(inv)
}

/// Solve `H x = y` for a symmetric positive-definite `H` (Cholesky).
pub fn cholesky_solve(h: &[f64], y: &[f64], n: usize) -> Result<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = h[i * n + j] - (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum::<f64>();
            if i == j {
                if s <= 0.0 {
                    return Err(QtrainError::Numeric(
                        "matrix is not positive definite".into(),
                    ));
                }
                l[i * n + i] = s.sqrt();
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
    }
    let mut z = vec![0.0; n];
    for i in 0..n {
        z[i] = (y[i] - (0..i).map(|k| l[i * n + k] * z[k]).sum::<f64>()) / l[i * n + i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        x[i] = (z[i] - (i + 1..n).map(|k| l[k * n + i] * x[k]).sum::<f64>()) / l[i * n + i];
    }
    Ok(x)
}

/// Eigenvalues of a symmetric matrix, ascending (cyclic Jacobi rotations).
pub fn sym_eigenvalues(a: &[f64], n: usize) -> Vec<f64> {
    let mut m = a.to_vec();
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| m[i * n + j] * m[i * n + j])
            .sum();
        if off < 1e-30 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = m[p * n + q];
                if apq.abs() < 1e-300 {
                    continue;
                }
                let theta = (m[q * n + q] - m[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (m[k * n + p], m[k * n + q]);
                    m[k * n + p] = c * akp - s * akq;
                    m[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (m[p * n + k], m[q * n + k]);
                    m[p * n + k] = c * apk - s * aqk;
                    m[q * n + k] = s * apk + c * aqk;
                }
            }
        }
    }
    let mut ev: Vec<f64> = (0..n).map(|i| m[i * n + i]).collect();
    ev.sort_by(f64::total_cmp);
    ev
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_cholesky_and_eigenvalues_agree() {
        let h = [4.0, 1.0, 0.5, 1.0, 3.0, 0.2, 0.5, 0.2, 2.0];
        let inv = inverse(&h, 3).unwrap();
        let id = matmul(&h, &inv, 3);
        for i in 0..3 {
            for j in 0..3 {
                assert!((id[i * 3 + j] - f64::from(u8::from(i == j))).abs() < 1e-12);
            }
        }
        let x = cholesky_solve(&h, &[1.0, 2.0, 3.0], 3).unwrap();
        for i in 0..3 {
            let y: f64 = (0..3).map(|j| h[i * 3 + j] * x[j]).sum();
            assert!((y - [1.0, 2.0, 3.0][i]).abs() < 1e-12);
        }
        let ev = sym_eigenvalues(&h, 3);
        let trace: f64 = ev.iter().sum();
        assert!((trace - 9.0).abs() < 1e-12);
        // det = product of eigenvalues
        let det = 4.0 * (3.0 * 2.0 - 0.04) - 1.0 * (2.0 - 0.1) + 0.5 * (0.2 - 1.5);
        assert!((ev.iter().product::<f64>() - det).abs() < 1e-10);
        assert!(ev[0] > 0.0 && ev[0] < ev[1] && ev[1] < ev[2]);
    }
}
