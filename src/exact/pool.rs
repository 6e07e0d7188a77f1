//! 2×2 max-pool, stride 2, on requantised activations `a[y][x][c]` (H, W even) — what the engine's
//! pool block computes after requantisation.

use crate::error::{QtrainError, Result};

/// Max over each 2×2 block; output is `(H/2)×(W/2)×C`.
pub fn max_pool2(a: &[u32], h: usize, w: usize, c: usize) -> Result<Vec<u32>> {
    if a.len() != h * w * c || h % 2 != 0 || w % 2 != 0 {
        return Err(QtrainError::Shape(format!(
            "max_pool2 needs an even H×W map of H·W·C values, got {} values for {h}×{w}×{c}",
            a.len()
        )));
    }
    let (ho, wo) = (h / 2, w / 2);
    let mut out = vec![0u32; ho * wo * c];
    for y in 0..ho {
        for x in 0..wo {
            for ch in 0..c {
                let at = |dy: usize, dx: usize| a[((2 * y + dy) * w + 2 * x + dx) * c + ch];
                out[(y * wo + x) * c + ch] = at(0, 0).max(at(0, 1)).max(at(1, 0)).max(at(1, 1));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn picks_the_max() {
        let a = [1, 5, 3, 2, 0, 0, 0, 9];
        assert_eq!(super::max_pool2(&a, 2, 4, 1).unwrap(), vec![5, 9]);
        assert!(super::max_pool2(&a, 1, 8, 1).is_err());
    }
}
