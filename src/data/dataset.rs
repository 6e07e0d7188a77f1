//! [`Dataset`]: images and labels of one split, held in memory as raw bytes.
//!
//! All 60,000 CIFAR images take 184 MB as `u8`, so one contiguous buffer is both the simplest and the
//! fastest form: an image is a 3072-byte slice, a batch gathers slices by index.

use std::fmt;

use crate::error::{QtrainError, Result};

/// Side of a CIFAR image in pixels.
pub const IMAGE_SIDE: usize = 32;
/// Colour channels (R, G, B) of a CIFAR image.
pub const IMAGE_CHANNELS: usize = 3;
/// Bits of one pixel channel (the engine's first layer takes them raw, A_in = 8).
pub const PIXEL_BITS: u32 = 8;
/// Bytes of one channel plane (32×32, row-major).
pub const PLANE_BYTES: usize = IMAGE_SIDE * IMAGE_SIDE;
/// Bytes of one image: 3×32×32 planar RGB (R plane, G plane, B plane, each row-major), the order of
/// the official CIFAR files and of the accelerator's input stream.
pub const IMAGE_BYTES: usize = IMAGE_CHANNELS * PLANE_BYTES;

/// One split (train or test) of an image-classification data set, in memory.
///
/// Invariant kept by every constructor in this crate (and checked by [`Dataset::new`]):
/// `images.len() == labels.len() * IMAGE_BYTES`, every label `< num_classes`, and `coarse` (when
/// present) has one entry per image.
#[derive(Clone, PartialEq, Eq)]
pub struct Dataset {
    /// `len() × IMAGE_BYTES` raw pixels, image after image.
    pub images: Vec<u8>,
    /// The (fine) class of each image, `0..num_classes`.
    pub labels: Vec<u16>,
    /// CIFAR-100's coarse (superclass) label of each image, `0..20`; `None` for CIFAR-10.
    pub coarse: Option<Vec<u16>>,
    /// Number of (fine) classes: 10 or 100 for CIFAR.
    pub num_classes: usize,
}

impl Dataset {
    /// A data set from its parts, checking the invariant so that later indexing cannot fail.
    pub fn new(
        images: Vec<u8>,
        labels: Vec<u16>,
        coarse: Option<Vec<u16>>,
        num_classes: usize,
    ) -> Result<Self> {
        if images.len() != labels.len() * IMAGE_BYTES {
            return Err(QtrainError::Shape(format!(
                "{} image bytes for {} labels (need {} = labels × {IMAGE_BYTES})",
                images.len(),
                labels.len(),
                labels.len() * IMAGE_BYTES
            )));
        }
        if let Some((i, &l)) = labels
            .iter()
            .enumerate()
            .find(|(_, &l)| l as usize >= num_classes)
        {
            return Err(QtrainError::Shape(format!(
                "label {l} of image {i} is outside 0..{num_classes}"
            )));
        }
        if let Some(c) = &coarse {
            if c.len() != labels.len() {
                return Err(QtrainError::Shape(format!(
                    "{} coarse labels for {} images",
                    c.len(),
                    labels.len()
                )));
            }
        }
        Ok(Self {
            images,
            labels,
            coarse,
            num_classes,
        })
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when the split holds no image.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The `i`-th image, `IMAGE_BYTES` planar RGB bytes.
    ///
    /// # Panics
    /// If `i >= len()` (an index bug, like slice indexing).
    pub fn image(&self, i: usize) -> &[u8] {
        &self.images[i * IMAGE_BYTES..(i + 1) * IMAGE_BYTES]
    }

    /// Keep only the first `n` images (no-op when `n >= len()`): quick runs on a subset.
    pub fn truncate(&mut self, n: usize) {
        let n = n.min(self.len());
        self.images.truncate(n * IMAGE_BYTES);
        self.labels.truncate(n);
        if let Some(c) = &mut self.coarse {
            c.truncate(n);
        }
    }
}

/// Summary only: printing 150 MB of pixels helps nobody.
impl fmt::Debug for Dataset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dataset")
            .field("len", &self.len())
            .field("num_classes", &self.num_classes)
            .field("coarse", &self.coarse.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny(n: usize) -> Dataset {
        let images = (0..n * IMAGE_BYTES).map(|i| (i % 251) as u8).collect();
        let labels = (0..n).map(|i| (i % 10) as u16).collect();
        let coarse = Some((0..n).map(|i| (i % 2) as u16).collect());
        Dataset::new(images, labels, coarse, 10).unwrap()
    }

    #[test]
    fn image_slices_and_truncate() {
        let mut d = tiny(4);
        assert_eq!(d.len(), 4);
        assert_eq!(d.image(2)[0], ((2 * IMAGE_BYTES) % 251) as u8);
        assert_eq!(d.image(3).len(), IMAGE_BYTES);
        d.truncate(10);
        assert_eq!(d.len(), 4);
        d.truncate(3);
        assert_eq!(
            (d.len(), d.images.len(), d.coarse.as_ref().unwrap().len()),
            (3, 3 * IMAGE_BYTES, 3)
        );
        d.truncate(0);
        assert!(d.is_empty());
    }

    #[test]
    fn new_rejects_inconsistent_parts() {
        assert!(Dataset::new(vec![0; 5], vec![0], None, 10).is_err());
        assert!(Dataset::new(vec![0; IMAGE_BYTES], vec![10], None, 10).is_err());
        assert!(Dataset::new(vec![0; IMAGE_BYTES], vec![9], Some(vec![]), 10).is_err());
        assert!(Dataset::new(vec![0; IMAGE_BYTES], vec![9], Some(vec![1]), 10).is_ok());
    }
}
