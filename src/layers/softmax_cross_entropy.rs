//! Mean softmax cross-entropy over a batch: the loss of every network here (TRAIN_SPEC).

use ndarray::{ArrayD, Ix2};

use super::Real;

/// Loss `mean_i(logsumexp(z_i) − z_i[y_i])` and its gradient `(softmax(z_i) − onehot(y_i)) / N`, plus
/// the number of misclassified rows (argmax ≠ label, first maximum wins). The loss is returned in f64
/// so that a NaN/∞ check sees it exactly.
pub fn softmax_cross_entropy<T: Real>(
    logits: &ArrayD<T>,
    labels: &[u16],
) -> (f64, ArrayD<T>, usize) {
    let z = logits
        .view()
        .into_dimensionality::<Ix2>()
        .expect("logits must be 2-D");
    let n = z.nrows();
    assert_eq!(n, labels.len(), "one label per row");
    let mut grad = z.to_owned();
    let mut loss = 0.0f64;
    let mut wrong = 0usize;
    for (i, mut row) in grad.rows_mut().into_iter().enumerate() {
        let mx = row
            .iter()
            .fold(T::neg_infinity(), |a, &b| if b > a { b } else { a });
        let mut argmax = 0;
        for (j, &v) in row.iter().enumerate() {
            if v > row[argmax] {
                argmax = j;
            }
        }
        let y = labels[i] as usize;
        if argmax != y {
            wrong += 1;
        }
        let s: f64 = row.iter().map(|&v| (v - mx).f64().exp()).sum();
        loss += s.ln() + mx.f64() - row[y].f64();
        for (j, v) in row.iter_mut().enumerate() {
            let p = ((*v - mx).f64().exp() / s) - if j == y { 1.0 } else { 0.0 };
            *v = T::c(p / n as f64);
        }
    }
    (loss / n as f64, grad.into_dyn(), wrong)
}
