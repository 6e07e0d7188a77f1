//! The paper's data augmentation (after He et al. 2016): pad the 32×32 image with 4 zero pixels on
//! every side, take a random 32×32 crop of the 40×40 result and flip it horizontally with
//! probability ½.
//!
//! Written directly as an index map (no padded copy): output pixel `(c, y, x)` is input pixel
//! `(c, y + dy, x' + dx)` with `x' = 31 − x` when flipped (else `x`), or 0 when that falls outside
//! the image. `dy, dx ∈ −4..=4` are the crop's offsets from the centre. Zero is a raw pixel value:
//! after [`crate::data::normalize_into`] the padding becomes `−mean/64`, as when padding raw images.

use rand::Rng;

use super::dataset::{IMAGE_BYTES, IMAGE_CHANNELS, IMAGE_SIDE, PLANE_BYTES};

/// Zero padding on each side, in pixels (the crop offset range is `−PAD..=PAD`).
pub const PAD: i32 = 4;

/// One draw of the augmentation: crop offsets and flip.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Augment {
    /// Vertical crop offset from the centre, `−PAD..=PAD` (positive: the crop sits lower).
    pub dy: i32,
    /// Horizontal crop offset from the centre, `−PAD..=PAD` (positive: the crop sits to the right).
    pub dx: i32,
    /// Mirror left–right after cropping.
    pub flip: bool,
}

impl Augment {
    /// The identity: centre crop, no flip.
    pub const IDENTITY: Self = Self {
        dy: 0,
        dx: 0,
        flip: false,
    };

    /// Draw offsets uniformly from `−4..=4` (dy, then dx) and the flip with probability ½, in that
    /// order, so the same RNG state always gives the same augmentation.
    pub fn draw(rng: &mut impl Rng) -> Self {
        let dy = rng.gen_range(-PAD..=PAD);
        let dx = rng.gen_range(-PAD..=PAD);
        let flip = rng.gen_bool(0.5);
        Self { dy, dx, flip }
    }

    /// Write the augmented `src` image into `dst`.
    ///
    /// # Panics
    /// If either slice is not `IMAGE_BYTES` long (a caller bug, not a data error).
    pub fn apply(self, src: &[u8], dst: &mut [u8]) {
        assert_eq!(src.len(), IMAGE_BYTES, "augment: src is not one image");
        assert_eq!(dst.len(), IMAGE_BYTES, "augment: dst is not one image");
        assert!(
            self.dy.abs() <= PAD && self.dx.abs() <= PAD,
            "augment: offset beyond the padding"
        );
        let side = IMAGE_SIDE as i32;
        for c in 0..IMAGE_CHANNELS {
            let (sp, dp) = (&src[c * PLANE_BYTES..], &mut dst[c * PLANE_BYTES..]);
            for y in 0..side {
                let sy = y + self.dy;
                let row = &mut dp[(y * side) as usize..((y + 1) * side) as usize];
                if !(0..side).contains(&sy) {
                    row.fill(0);
                    continue;
                }
                let srow = &sp[(sy * side) as usize..((sy + 1) * side) as usize];
                for (x, out) in row.iter_mut().enumerate() {
                    let x = x as i32;
                    let sx = if self.flip { side - 1 - x } else { x } + self.dx;
                    *out = if (0..side).contains(&sx) {
                        srow[sx as usize]
                    } else {
                        0
                    };
                }
            }
        }
    }
}

/// The paper's augmentation of one image: draw an [`Augment`] from `rng` and apply it.
///
/// # Panics
/// If `src` or `dst` is not `IMAGE_BYTES` long.
pub fn augment(src: &[u8], dst: &mut [u8], rng: &mut impl Rng) {
    Augment::draw(rng).apply(src, dst);
}
