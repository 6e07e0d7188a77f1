//! BinaryConnect's VGG-like CIFAR net (TRAIN_SPEC): three stages of two 3×3 convs (conv → BN → ReLU),
//! each stage ending in a 2×2 max-pool after the ReLU; flatten; two hidden fc (Linear without bias →
//! BN1d → ReLU); a last Linear with bias.

use super::NetSpec;

/// Output channels of each stage's convs at width 1 (BinaryConnect: 2×128C3–MP2–2×256C3–MP2–2×512C3–MP2).
pub const STAGE_CHANNELS: [usize; 3] = [128, 256, 512];
/// 3×3 convs per stage (a 2×2 max-pool after the stage's last).
pub const CONVS_PER_STAGE: usize = 2;
/// Width of the two hidden fc layers at width 1.
pub const HIDDEN: usize = 1024;
use crate::layers::{BatchNorm, Conv2d, Flatten, Layer, Linear, MaxPool2, QuantRelu, Real, Relu};

/// The layer list for `spec` (weights zero; [`super::Net::new`] initialises them).
pub fn build<T: Real + 'static>(spec: &NetSpec) -> Vec<(String, Box<dyn Layer<T>>)> {
    let mut v: Vec<(String, Box<dyn Layer<T>>)> = Vec::new();
    let mut cin = 3;
    let mut i = 0;
    for (stage, &c) in STAGE_CHANNELS.iter().enumerate() {
        let c = spec.ch(c);
        for _ in 0..CONVS_PER_STAGE {
            i += 1;
            v.push((
                format!("conv{i}"),
                Box::new(Conv2d::<T>::new(cin, c, 3, 1, 1)),
            ));
            v.push((format!("bn{i}"), Box::new(BatchNorm::<T>::new(c))));
            match spec.act_bits {
                Some(a) => v.push((format!("relu{i}"), Box::new(QuantRelu::<T>::new(a)))),
                None => v.push((format!("relu{i}"), Box::new(Relu::<T>::new()))),
            }
            cin = c;
        }
        v.push((format!("pool{}", stage + 1), Box::new(MaxPool2::new())));
    }
    v.push(("flatten".into(), Box::new(Flatten::new())));
    v.extend(head(cin * 4 * 4, spec.ch(HIDDEN), spec.classes));
    v
}

/// The classifier on `fin` flattened features (weights zero): two hidden fc of width `hidden`
/// (Linear without bias → BN1d → ReLU), then a Linear with bias to `classes` logits, named
/// `fc1, bnfc1, relufc1, …, fc3`. One definition for [`build`] and the integer training path's head.
pub fn head<T: Real + 'static>(
    fin: usize,
    hidden: usize,
    classes: usize,
) -> Vec<(String, Box<dyn Layer<T>>)> {
    let mut v: Vec<(String, Box<dyn Layer<T>>)> = Vec::new();
    let mut fin = fin;
    for j in 1..=2 {
        v.push((
            format!("fc{j}"),
            Box::new(Linear::<T>::new(fin, hidden, false)),
        ));
        v.push((format!("bnfc{j}"), Box::new(BatchNorm::<T>::new(hidden))));
        v.push((format!("relufc{j}"), Box::new(Relu::<T>::new())));
        fin = hidden;
    }
    v.push(("fc3".into(), Box::new(Linear::<T>::new(fin, classes, true))));
    v
}

/// The conv layers as the accelerator runs them at `width` (3×3, stride 1, pad 1; the 2×2 max-pool
/// after each stage's last conv folded into it), 8-bit pixels into the first, `act_bits`-bit
/// activations between layers: what the simulator's plan, `sim train` and the integer training path
/// all use.
pub fn engine_convs(width: f64, act_bits: u32) -> Vec<crate::exact::geometry::ConvLayer> {
    let mut convs = Vec::new();
    let (mut c_in, mut hw, mut a_in) = (
        crate::data::IMAGE_CHANNELS,
        crate::data::IMAGE_SIDE,
        crate::data::PIXEL_BITS,
    );
    for (i, c) in STAGE_CHANNELS
        .iter()
        .flat_map(|&c| [c; CONVS_PER_STAGE])
        .enumerate()
    {
        let c_out = super::width_channels(c, width);
        let pool = i % CONVS_PER_STAGE == CONVS_PER_STAGE - 1;
        convs.push(crate::exact::geometry::ConvLayer::planned(
            c_in, c_out, hw, a_in, act_bits, pool,
        ));
        c_in = c_out;
        a_in = act_bits;
        if pool {
            hw /= 2;
        }
    }
    convs
}

/// Scalars `build` allocates for `spec` (parameters + BN running statistics), computed without
/// allocating, in f64 so any width is safe; `models::net` tests pin it to the built network.
pub fn storage_count(spec: &NetSpec) -> f64 {
    let ch = |x: usize| (x as f64 * spec.width).round().max(1.0);
    let mut n = 0.0;
    let mut cin = 3.0;
    for c in STAGE_CHANNELS {
        let c = ch(c);
        for _ in 0..CONVS_PER_STAGE {
            n += cin * c * 9.0 + 4.0 * c;
            cin = c;
        }
    }
    let mut fin = cin * 16.0;
    let hidden = ch(HIDDEN);
    for _ in 0..2 {
        n += fin * hidden + 4.0 * hidden;
        fin = hidden;
    }
    n + fin * spec.classes as f64 + spec.classes as f64
}
