//! The XNOR-popcount convolution exactly as the engine computes it, and the whole layer
//! (conv → requantise + ReLU → optional 2×2 max-pool).
//!
//! For a window of N = 9·C_in inputs (bit i = (ky·3+kx)·C_in + c, zero padding outside the map),
//! weights as bits b and activations as bit-planes a_j:
//! `z = Σ_j 2^j (popcount(XNOR(b, a_j)) + popcount(b) − N)`; a padded input has all a_j = 0 and
//! contributes `(1−b) + b − 1 = 0`, so padding needs no special case.

use crate::error::{QtrainError, Result};
use crate::exact::bitplanes::plane_of;
use crate::exact::geometry::{tap_source, ConvLayer, K};
use crate::exact::pack::words_per_filter;
use crate::exact::pool::max_pool2;
use crate::exact::requant::Requant;

/// The dense window of output pixel (y, x), bit-plane `j`, as `words_per_filter` words.
pub fn window_plane(l: &ConvLayer, a: &[u32], y: usize, x: usize, j: u32) -> Vec<u64> {
    let mut out = vec![0u64; words_per_filter(K, l.c_in)];
    for ky in 0..K {
        for kx in 0..K {
            let Some((yy, xx)) = tap_source((l.h, l.w), (y, x), (ky, kx)) else {
                continue;
            };
            let px = (yy * l.w + xx) * l.c_in;
            let plane = plane_of(&a[px..px + l.c_in], j);
            let base = (ky * K + kx) * l.c_in;
            for c in 0..l.c_in {
                if (plane[c / 64] >> (c % 64)) & 1 == 1 {
                    out[(base + c) / 64] |= 1 << ((base + c) % 64);
                }
            }
        }
    }
    out
}

/// The per-filter constant `Σ_j 2^j (popcount(b) − N) = (2^A − 1)(popcount(b) − N)`.
pub fn filter_constant(filter: &[u64], n: usize, a_bits: u32) -> i64 {
    let pop: u32 = filter.iter().map(|w| w.count_ones()).sum();
    ((1i64 << a_bits) - 1) * (pop as i64 - n as i64)
}

/// Accumulators `z[y][x][o]` of one image `a[y][x][c]` with packed weights (pack.rs layout).
pub fn xnor_conv(l: &ConvLayer, weights: &[u64], a: &[u32]) -> Result<Vec<i64>> {
    let wpf = words_per_filter(K, l.c_in);
    if weights.len() != l.c_out * wpf || a.len() != l.h * l.w * l.c_in {
        return Err(QtrainError::Shape(format!(
            "xnor_conv: {} weight words / {} activations for layer {l:?}",
            weights.len(),
            a.len()
        )));
    }
    let n = l.window_bits();
    let konst: Vec<i64> = weights
        .chunks(wpf)
        .map(|f| filter_constant(f, n, l.a_in))
        .collect();
    let mut z = vec![0i64; l.h * l.w * l.c_out];
    for y in 0..l.h {
        for x in 0..l.w {
            let planes: Vec<Vec<u64>> = (0..l.a_in).map(|j| window_plane(l, a, y, x, j)).collect();
            for (o, f) in weights.chunks(wpf).enumerate() {
                let mut acc = konst[o];
                for (j, p) in planes.iter().enumerate() {
                    let mut pop = 0i64;
                    for (k, (&b, &v)) in f.iter().zip(p).enumerate() {
                        let valid = if (k + 1) * 64 <= n {
                            !0u64
                        } else {
                            (1u64 << (n % 64)) - 1
                        };
                        pop += (!(b ^ v) & valid).count_ones() as i64;
                    }
                    acc += pop << j;
                }
                z[(y * l.w + x) * l.c_out + o] = acc;
            }
        }
    }
    Ok(z)
}

/// One image through the whole layer: conv, requantise + ReLU, optional pool → `a'[y][x][o]`.
pub fn conv_layer(l: &ConvLayer, weights: &[u64], rq: &Requant, a: &[u32]) -> Result<Vec<u32>> {
    if rq.m.len() != l.c_out || rq.b.len() != l.c_out {
        return Err(QtrainError::Shape(
            "requant parameters do not match C_out".into(),
        ));
    }
    let z = xnor_conv(l, weights, a)?;
    let q: Vec<u32> = z
        .iter()
        .enumerate()
        .map(|(i, &v)| rq.apply(v, i % l.c_out))
        .collect();
    if l.pool {
        max_pool2(&q, l.h, l.w, l.c_out)
    } else {
        Ok(q)
    }
}
