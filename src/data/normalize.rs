//! Input normalisation (DESIGN.md): `x = (pixel − mean_c) / 2^6` with integer channel means.
//!
//! The hardware's first layer takes raw 8-bit pixels; the mean subtraction folds into that layer's
//! bias (`Σ w·μ_c` is a per-filter constant) and the power-of-two scale into batch norm. Integer
//! means keep that folding exact, and training uses the same formula so the hardware sees what
//! training saw.
//!
//! The means are CIFAR-10's training-set channel means rounded to integers (125.27, 122.93, 113.86
//! on the prepared data, computed with numpy; the official set's are 125.3, 123.0, 113.9). 64 is the
//! power of two closest to the pixel standard deviation (62–66), so `x` has roughly unit variance.

use super::dataset::{IMAGE_BYTES, PLANE_BYTES};

/// Per-channel (R, G, B) mean subtracted from raw pixels.
pub const CHANNEL_MEAN: [i32; 3] = [125, 123, 114];
/// The scale after centring: divide by `2^INPUT_SCALE_SHIFT` = 64.
pub const INPUT_SCALE_SHIFT: u32 = 6;

/// The centred integer pixel `pixel − CHANNEL_MEAN[channel]` (in −125..=141): what the hardware's
/// first layer computes with.
///
/// # Panics
/// If `channel >= 3`.
pub fn center_pixel(pixel: u8, channel: usize) -> i32 {
    i32::from(pixel) - CHANNEL_MEAN[channel]
}

/// Normalise whole planar RGB images: `dst[i] = (src[i] − CHANNEL_MEAN[c]) / 2^INPUT_SCALE_SHIFT`
/// with `c` the channel of byte `i`. Exact in f32 (a small integer times a power of two).
///
/// # Panics
/// If the lengths differ or are not a multiple of `IMAGE_BYTES` (a caller bug).
pub fn normalize_into(src: &[u8], dst: &mut [f32]) {
    assert_eq!(src.len(), dst.len(), "normalize_into: length mismatch");
    assert_eq!(
        src.len() % IMAGE_BYTES,
        0,
        "normalize_into: not whole images"
    );
    let scale = 1.0 / (1u32 << INPUT_SCALE_SHIFT) as f32;
    for (p, (s, d)) in src
        .chunks_exact(PLANE_BYTES)
        .zip(dst.chunks_exact_mut(PLANE_BYTES))
        .enumerate()
    {
        let mean = CHANNEL_MEAN[p % 3];
        for (&v, out) in s.iter().zip(d) {
            *out = (i32::from(v) - mean) as f32 * scale;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        let mut img = vec![0u8; 2 * IMAGE_BYTES];
        img[0] = 125; // R of image 0 → 0
        img[1] = 189; // R → 64/64 = 1
        img[PLANE_BYTES] = 123; // G → 0
        img[2 * PLANE_BYTES + 5] = 255; // B → 141/64
        img[IMAGE_BYTES + 2 * PLANE_BYTES] = 50; // B of image 1 → −64/64
        let mut out = vec![f32::NAN; img.len()];
        normalize_into(&img, &mut out);
        assert_eq!(out[0], 0.0);
        assert_eq!(out[1], 1.0);
        assert_eq!(out[2], -125.0 / 64.0);
        assert_eq!(out[PLANE_BYTES], 0.0);
        assert_eq!(out[2 * PLANE_BYTES + 5], 141.0 / 64.0);
        assert_eq!(out[2 * PLANE_BYTES], -114.0 / 64.0);
        assert_eq!(out[IMAGE_BYTES + 2 * PLANE_BYTES], -1.0);
        assert_eq!(out[IMAGE_BYTES + PLANE_BYTES], -123.0 / 64.0);
        assert_eq!(center_pixel(255, 2), 141);
        assert_eq!(center_pixel(0, 0), -125);
    }
}
