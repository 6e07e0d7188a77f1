//! BinaryConnect's latent buffer as the original code ran it (Courbariaux et al., Theano/Lasagne;
//! `../shared/notes/binaryconnect-original.md`), beside the paper's literal reading (the buffer starts
//! at the ±1 weights and moves by the optimizer's step):
//! * **uniform start**: `w_r` uniform in `[−H, H]` (H = `latent_init`), its sign the seeded ±1
//!   weight, magnitude uniform in `(0, H]`, so the first forward weights are the same either way;
//! * **Glorot step scale**: each conv layer's latent step multiplied by `1/H_Glorot`,
//!   `H_Glorot = sqrt(1.5 / (fan_in + fan_out))` with `fan_in = k²·C_in`, `fan_out = k²·C_out`
//!   (28–78 for full-width VGG-BC's convs); the buffer still clips at the grid's range (±H = ±1).
//!
//! One definition for both the float path (`optim::Optimizer`) and the integer training path
//! (`train::integer`, where the scaled step is then quantised to the update unit's `u_format`).

use serde::{Deserialize, Serialize};

/// How BC's latent buffer starts and how fast it moves (both off: the literal reading).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BcLatent {
    /// Start uniform in `±latent_init` instead of at `±latent_init`.
    #[serde(default)]
    pub uniform: bool,
    /// Scale each conv layer's latent step by `1/H_Glorot`.
    #[serde(default)]
    pub glorot_lr: bool,
}

impl BcLatent {
    /// Neither option (what every run before these options did).
    pub fn is_literal(&self) -> bool {
        *self == Self::default()
    }

    /// The latent step scale of a `k×k` conv with `c_in` inputs and `c_out` outputs (1 when off).
    pub fn lr_scale(&self, c_in: usize, c_out: usize, k: usize) -> f32 {
        if self.glorot_lr {
            glorot_lr_scale(c_in, c_out, k)
        } else {
            1.0
        }
    }

    /// The starting magnitude `|w_r|` for a draw `r ∈ [0, 1)`: `h` (literal) or `h·(1 − r) ∈ (0, h]`.
    pub fn magnitude(&self, h: f64, r: f64) -> f64 {
        if self.uniform {
            h * (1.0 - r)
        } else {
            h
        }
    }
}

/// `1/H_Glorot = 1/sqrt(1.5 / (k²·C_in + k²·C_out))`.
pub fn glorot_lr_scale(c_in: usize, c_out: usize, k: usize) -> f32 {
    let fans = (k * k * (c_in + c_out)) as f64;
    (1.0 / (1.5 / fans).sqrt()) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glorot_scale_matches_the_original_codes_range() {
        // full-width VGG-BC: conv1 3→128 … conv6 512→512
        assert!((glorot_lr_scale(3, 128, 3) - 28.04).abs() < 0.05);
        assert!((glorot_lr_scale(512, 512, 3) - 78.38).abs() < 0.05);
        let b = BcLatent::default();
        assert_eq!(b.lr_scale(3, 128, 3), 1.0);
        assert_eq!(b.magnitude(1.0, 0.7), 1.0);
        let u = BcLatent {
            uniform: true,
            glorot_lr: true,
        };
        assert!((u.magnitude(1.0, 0.75) - 0.25).abs() < 1e-12);
        assert!(u.magnitude(1.0, 0.0) == 1.0 && u.magnitude(1.0, 0.999_999) > 0.0);
    }
}
