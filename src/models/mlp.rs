//! A binary MLP on CIFAR (issue 16, item 3a: the iteration-matched experiment at a size this machine
//! can run for the paper's ~64k iterations). `mlp-N`: flatten the 3×32×32 image, then N hidden layers
//! of `HIDDEN`·width units (Linear without bias → BN1d → ReLU), then a Linear with bias to the
//! classes. As the paper keeps the first and last layer of its nets in full precision, the first
//! hidden layer (3072 inputs) and the classifier are full precision; the N − 1 hidden-to-hidden layers
//! are quantized by R/SR/BC ([`crate::layers::Linear::quantized`]). N ≥ 2, so at least one is.

use super::NetSpec;
use crate::layers::{BatchNorm, Flatten, Layer, Linear, Real, Relu};

/// Hidden units per layer at width 1.
pub const HIDDEN: usize = 1024;
/// Inputs of the first layer: one CIFAR image flattened.
pub const INPUTS: usize =
    crate::data::IMAGE_CHANNELS * crate::data::IMAGE_SIDE * crate::data::IMAGE_SIDE;
/// Fewest hidden layers (one full-precision, one quantized).
pub const MIN_DEPTH: usize = 2;

/// The layer list of `mlp-depth` for `spec` (weights zero; [`super::Net::new`] initialises them:
/// quantized weights a seeded ±1 sign each, the others Kaiming-uniform).
pub fn build<T: Real + 'static>(spec: &NetSpec, depth: usize) -> Vec<(String, Box<dyn Layer<T>>)> {
    let h = spec.ch(HIDDEN);
    let mut v: Vec<(String, Box<dyn Layer<T>>)> =
        vec![("flatten".into(), Box::new(Flatten::new()))];
    let mut fin = INPUTS;
    for j in 1..=depth {
        let fc: Linear<T> = if j == 1 {
            Linear::new(fin, h, false)
        } else {
            Linear::quantized(fin, h)
        };
        v.push((format!("fc{j}"), Box::new(fc)));
        v.push((format!("bnfc{j}"), Box::new(BatchNorm::<T>::new(h))));
        v.push((format!("relufc{j}"), Box::new(Relu::<T>::new())));
        fin = h;
    }
    v.push((
        format!("fc{}", depth + 1),
        Box::new(Linear::<T>::new(fin, spec.classes, true)),
    ));
    v
}

/// Scalars `build` allocates (parameters + BN running statistics), without allocating.
pub fn storage_count(spec: &NetSpec, depth: usize) -> f64 {
    let h = (HIDDEN as f64 * spec.width).round().max(1.0);
    let mut n = INPUTS as f64 * h + 4.0 * h;
    n += (depth as f64 - 1.0) * (h * h + 4.0 * h);
    n + h * spec.classes as f64 + spec.classes as f64
}
