//! [`split_stats`]: what `qtrain data stats` reports for one split — image count, images per class,
//! per-channel mean and standard deviation of the raw pixels (0..255).
//!
//! Sums are exact integers (u64), so the mean is exact up to the final division and the standard
//! deviation is the population one (numpy's default `ddof=0`), computed as `√(E[p²] − E[p]²)`.

use serde::Serialize;

use super::dataset::{Dataset, IMAGE_CHANNELS, PLANE_BYTES};

/// Statistics of one split.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SplitStats {
    /// Number of images.
    pub images: usize,
    /// Images per (fine) class, indexed by label; at least `num_classes` long.
    pub per_class: Vec<usize>,
    /// Images per coarse class (CIFAR-100 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_coarse_class: Option<Vec<usize>>,
    /// Mean raw pixel value of each channel (R, G, B); 0 for an empty split.
    pub mean: [f64; 3],
    /// Population standard deviation of each channel's raw pixels; 0 for an empty split.
    pub std: [f64; 3],
}

/// Count classes and compute channel moments of `ds`.
pub fn split_stats(ds: &Dataset) -> SplitStats {
    let per_class = histogram(&ds.labels, ds.num_classes);
    let per_coarse_class = ds.coarse.as_ref().map(|c| histogram(c, 0));
    let mut sum = [0u64; IMAGE_CHANNELS];
    let mut sum_sq = [0u64; IMAGE_CHANNELS];
    // Whole planes only: a hand-built data set with a ragged tail cannot make this panic.
    for (p, plane) in ds.images.chunks_exact(PLANE_BYTES).enumerate() {
        let c = p % IMAGE_CHANNELS;
        // 1024 · 255² < 2³², so a plane's sums fit u32; the compiler vectorises this loop.
        let (s, q) = plane.iter().fold((0u32, 0u32), |(s, q), &v| {
            let v = u32::from(v);
            (s + v, q + v * v)
        });
        sum[c] += u64::from(s);
        sum_sq[c] += u64::from(q);
    }
    let count = (ds.images.len() / (IMAGE_CHANNELS * PLANE_BYTES) * PLANE_BYTES) as f64;
    let mut mean = [0.0; 3];
    let mut std = [0.0; 3];
    if count > 0.0 {
        for c in 0..IMAGE_CHANNELS {
            let m = sum[c] as f64 / count;
            mean[c] = m;
            std[c] = (sum_sq[c] as f64 / count - m * m).max(0.0).sqrt();
        }
    }
    SplitStats {
        images: ds.len(),
        per_class,
        per_coarse_class,
        mean,
        std,
    }
}

/// Counts of each label, at least `min_len` long and long enough for the largest label.
fn histogram(labels: &[u16], min_len: usize) -> Vec<usize> {
    let len = labels
        .iter()
        .map(|&l| l as usize + 1)
        .max()
        .unwrap_or(0)
        .max(min_len);
    let mut h = vec![0; len];
    for &l in labels {
        h[l as usize] += 1;
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::IMAGE_BYTES;

    #[test]
    fn known_moments_and_counts() {
        // Image 0: R all 0, G all 10, B half 0 / half 200. Image 1: R all 100, G all 10, B all 100.
        let mut images = vec![0u8; 2 * IMAGE_BYTES];
        images[PLANE_BYTES..2 * PLANE_BYTES].fill(10);
        images[2 * PLANE_BYTES + PLANE_BYTES / 2..IMAGE_BYTES].fill(200);
        images[IMAGE_BYTES..IMAGE_BYTES + PLANE_BYTES].fill(100);
        images[IMAGE_BYTES + PLANE_BYTES..IMAGE_BYTES + 2 * PLANE_BYTES].fill(10);
        images[IMAGE_BYTES + 2 * PLANE_BYTES..].fill(100);
        let ds = Dataset::new(images, vec![3, 3], Some(vec![1, 0]), 5).unwrap();
        let s = split_stats(&ds);
        assert_eq!(s.images, 2);
        assert_eq!(s.per_class, vec![0, 0, 0, 2, 0]);
        assert_eq!(s.per_coarse_class, Some(vec![1, 1]));
        assert_eq!(s.mean, [50.0, 10.0, 100.0]);
        // R: values 0 and 100 equally often → std 50. G constant → 0. B: 0 (¼), 200 (¼), 100 (½)
        // → variance (100² + 100²)/4 = 5000.
        assert!((s.std[0] - 50.0).abs() < 1e-9, "{:?}", s.std);
        assert!(s.std[1].abs() < 1e-9, "{:?}", s.std);
        assert!((s.std[2] - 5000f64.sqrt()).abs() < 1e-9, "{:?}", s.std);
    }

    #[test]
    fn empty_split_is_zero_not_nan() {
        let ds = Dataset::new(vec![], vec![], None, 10).unwrap();
        let s = split_stats(&ds);
        assert_eq!(
            (s.images, s.per_class.len(), s.mean, s.std),
            (0, 10, [0.0; 3], [0.0; 3])
        );
    }
}
