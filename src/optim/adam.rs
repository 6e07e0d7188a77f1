//! ADAM's step (Kingma & Ba): moments with β1 = 0.9, β2 = 0.999, ε = 1e-8, bias-corrected,
//! `u = lr·m̂/(sqrt(v̂) + ε)` — the same arithmetic as PyTorch's `torch.optim.Adam`.

/// First-moment decay.
pub const BETA1: f64 = 0.9;
/// Second-moment decay.
pub const BETA2: f64 = 0.999;
/// Denominator floor.
pub const EPS: f32 = 1e-8;

/// ADAM moments of one tensor.
#[derive(Clone, Debug)]
pub struct Adam {
    /// First moment m.
    pub m: Vec<f32>,
    /// Second moment v.
    pub v: Vec<f32>,
}

impl Adam {
    /// Zero moments for a tensor of `len` elements.
    pub fn new(len: usize) -> Self {
        Self {
            m: vec![0.0; len],
            v: vec![0.0; len],
        }
    }

    /// Update the moments with gradient `g` at step `t` (1-based) and write the step `u`.
    pub fn step(&mut self, g: &[f32], t: u64, lr: f32, u: &mut [f32]) {
        let (b1, b2) = (BETA1 as f32, BETA2 as f32);
        let bc1 = (1.0 - BETA1.powi(t as i32)) as f32;
        let bc2_sqrt = ((1.0 - BETA2.powi(t as i32)) as f32).sqrt();
        let step = lr / bc1;
        for i in 0..g.len() {
            let gi = g[i];
            self.m[i] = b1 * self.m[i] + (1.0 - b1) * gi;
            self.v[i] = b2 * self.v[i] + (1.0 - b2) * gi * gi;
            // PyTorch: denom = sqrt(v)/sqrt(bc2) + eps; u = (lr/bc1)·m/denom
            u[i] = step * self.m[i] / (self.v[i].sqrt() / bc2_sqrt + EPS);
        }
    }
}
