//! The paper's learning-rate schedule scaled to E epochs (TRAIN_SPEC): base lr for e < m1, ÷10 for
//! m1 ≤ e < m2, ÷100 after, with m1 = round(82·E/160), m2 = round(122·E/160).

/// The two milestones for `epochs` total epochs.
pub fn milestones(epochs: usize) -> (usize, usize) {
    let m = |k: f64| (k * epochs as f64 / 160.0).round() as usize;
    (m(82.0), m(122.0))
}

/// Learning rate of 0-based epoch `e`.
pub fn lr_at(base: f64, e: usize, epochs: usize) -> f64 {
    let (m1, m2) = milestones(epochs);
    if e < m1 {
        base
    } else if e < m2 {
        base / 10.0
    } else {
        base / 100.0
    }
}
