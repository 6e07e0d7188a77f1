//! The two layouts the integer training path moves data between: the engine's (activations
//! `[y][x][c]` per image, weights in pack order `f·9·C_in + (ky·3+kx)·C_in + c`) and the host's float
//! layers' (`(N, C, H, W)` batches, `Conv2d` weights `[f][c][ky][kx]`). Conversions happen only at a
//! checked accelerator's boundary and when weights come back from the update unit.

use crate::exact::geometry::{ConvLayer, K};

/// Pack-order index of every `Conv2d` weight index of layer `l` (`perm[conv_index] = pack_index`).
pub fn conv_to_pack(l: &ConvLayer) -> Vec<usize> {
    let (ci, n) = (l.c_in, l.window_bits());
    let mut perm = vec![0; l.c_out * n];
    for f in 0..l.c_out {
        for c in 0..ci {
            for ky in 0..K {
                for kx in 0..K {
                    perm[((f * ci + c) * K + ky) * K + kx] = f * n + (ky * K + kx) * ci + c;
                }
            }
        }
    }
    perm
}

/// One image `[y][x][c]` (codes) of `x`'s `(N, C, H, W)` batch slice `img` (`C·H·W` values).
pub fn nchw_image_to_hwc(img: &[f32], c: usize, hw: usize) -> Vec<u32> {
    let mut out = vec![0u32; c * hw];
    for ch in 0..c {
        for p in 0..hw {
            out[p * c + ch] = img[ch * hw + p] as u32;
        }
    }
    out
}

/// Images `[y][x][c]` (codes) as one `(N, C, H, W)` batch of f32 codes.
pub fn hwc_batch_to_nchw(images: &[Vec<u32>], c: usize, hw: usize) -> Vec<f32> {
    let mut out = vec![0f32; images.len() * c * hw];
    for (i, img) in images.iter().enumerate() {
        let o = &mut out[i * c * hw..(i + 1) * c * hw];
        for p in 0..hw {
            for ch in 0..c {
                o[ch * hw + p] = img[p * c + ch] as f32;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_round_trip_and_the_permutation_is_one() {
        let l = ConvLayer {
            c_in: 5,
            c_out: 3,
            h: 4,
            w: 6,
            a_in: 3,
            a_out: 4,
            pool: false,
            sh: 0,
            images: 1,
        };
        let mut p = conv_to_pack(&l);
        p.sort_unstable();
        assert_eq!(p, (0..3 * 45).collect::<Vec<_>>());
        let imgs: Vec<Vec<u32>> = (0..2)
            .map(|i| (0..5 * 24).map(|v| (v * 7 + i) as u32 % 8).collect())
            .collect();
        let x = hwc_batch_to_nchw(&imgs, 5, 24);
        assert_eq!(nchw_image_to_hwc(&x[120..], 5, 24), imgs[1]);
    }
}
