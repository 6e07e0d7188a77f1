//! Finite-difference gradient checks in f64: the evidence that every hand-written backward is right.
//!
//! The probe loss is `L = Σ r ⊙ layer(x)` with a fixed random `r`, so `dL/dy = r`; the analytic
//! gradients from `backward(r)` are compared with central differences of `L` in the input and in every
//! parameter element. Error measure: `‖a − n‖₂ / max(‖a‖₂, ‖n‖₂, 1e-12)`.

use ndarray::ArrayD;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{Layer, Param};

/// Relative L2 distance between two gradient tensors.
pub fn rel_error(a: &ArrayD<f64>, n: &ArrayD<f64>) -> f64 {
    let d = (a - n).mapv(|v| v * v).sum().sqrt();
    let na = a.mapv(|v| v * v).sum().sqrt();
    let nn = n.mapv(|v| v * v).sum().sqrt();
    d / na.max(nn).max(1e-12)
}

/// A seeded tensor of uniform values in [−1, 1).
pub fn random(shape: &[usize], seed: u64) -> ArrayD<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    ArrayD::from_shape_fn(ndarray::IxDyn(shape), |_| rng.gen::<f64>() * 2.0 - 1.0)
}

/// Check the input gradient and every parameter gradient of `layer` at input `x` (training mode).
/// Returns `(name, relative error)` for "input" and each parameter.
pub fn check_layer(layer: &mut dyn Layer<f64>, x: &ArrayD<f64>, seed: u64) -> Vec<(String, f64)> {
    check_layer_sampled(layer, x, seed, usize::MAX)
}

/// As [`check_layer`], but each tensor is checked on at most `max_coords` seeded random coordinates
/// (for whole networks, where checking every input pixel would take minutes).
pub fn check_layer_sampled(
    layer: &mut dyn Layer<f64>,
    x: &ArrayD<f64>,
    seed: u64,
    max_coords: usize,
) -> Vec<(String, f64)> {
    let mut pick_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let mut pick = |len: usize| -> Vec<usize> {
        if len <= max_coords {
            (0..len).collect()
        } else {
            (0..max_coords)
                .map(|_| pick_rng.gen_range(0..len))
                .collect()
        }
    };
    let h = 1e-5;
    let y = layer.forward(x.clone(), true);
    let r = random(y.shape(), seed ^ 0x9e37);
    let dx = layer.backward(r.clone());
    let probe =
        |layer: &mut dyn Layer<f64>, x: &ArrayD<f64>| (layer.forward(x.clone(), true) * &r).sum();
    let mut out = Vec::new();
    let mut num = ArrayD::zeros(x.raw_dim());
    let mut xp = x.clone();
    let idx = pick(x.len());
    for &i in &idx {
        let orig = xp.as_slice().expect("contiguous")[i];
        xp.as_slice_mut().expect("contiguous")[i] = orig + h;
        let lp = probe(layer, &xp);
        xp.as_slice_mut().expect("contiguous")[i] = orig - h;
        let lm = probe(layer, &xp);
        xp.as_slice_mut().expect("contiguous")[i] = orig;
        num.as_slice_mut().expect("contiguous")[i] = (lp - lm) / (2.0 * h);
    }
    out.push((
        "input".to_string(),
        rel_error(&gather(&dx, &idx), &gather(&num, &idx)),
    ));
    // parameter gradients (from the backward above)
    let analytic: Vec<(String, ArrayD<f64>)> = {
        let mut ps: Vec<Param<f64>> = Vec::new();
        layer.params("", &mut ps);
        ps.into_iter().map(|p| (p.name, p.grad.clone())).collect()
    };
    for (pi, (name, a)) in analytic.into_iter().enumerate() {
        let mut num = ArrayD::zeros(a.raw_dim());
        let idx = pick(a.len());
        for &i in &idx {
            let eval = |delta: f64, layer: &mut dyn Layer<f64>| {
                {
                    let mut ps: Vec<Param<f64>> = Vec::new();
                    layer.params("", &mut ps);
                    let v = ps[pi].value.as_slice_mut().expect("contiguous");
                    v[i] += delta;
                }
                probe(layer, x)
            };
            let lp = eval(h, layer);
            let lm = eval(-2.0 * h, layer);
            eval(h, layer);
            num.as_slice_mut().expect("contiguous")[i] = (lp - lm) / (2.0 * h);
        }
        out.push((name, rel_error(&gather(&a, &idx), &gather(&num, &idx))));
    }
    out
}

fn gather(a: &ArrayD<f64>, idx: &[usize]) -> ArrayD<f64> {
    let s = a.as_slice().expect("contiguous");
    ArrayD::from_shape_vec(
        ndarray::IxDyn(&[idx.len()]),
        idx.iter().map(|&i| s[i]).collect(),
    )
    .expect("shape")
}
