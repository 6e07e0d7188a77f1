//! Plain SGD's step: `u = lr·g` (no momentum, no weight decay — TRAIN_SPEC).

/// Write `u = lr·g` into `u`.
pub fn sgd_step(g: &[f32], lr: f32, u: &mut [f32]) {
    for (ui, &gi) in u.iter_mut().zip(g) {
        *ui = lr * gi;
    }
}
