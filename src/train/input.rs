//! The training input of TRAIN_SPEC, built on [`crate::data`]: the seeded epoch order
//! ([`Batcher`]), the paper's augmentation ([`Augment`]) and the normalisation ([`normalize_into`]),
//! turned into `(N, 3, 32, 32)` f32 batches.
//!
//! Every random choice comes from a ChaCha8 stream named by (seed, epoch, purpose) — see [`stream`] —
//! and is drawn sequentially before any parallel work, so runs are reproducible on any thread count
//! and a run resumed at an epoch boundary continues exactly as an uninterrupted one.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::data::{normalize_into, Augment, Batcher, Dataset, IMAGE_BYTES};

/// Purposes of the random streams (the epoch order is the [`Batcher`]'s own stream `e`; these use
/// streams `purpose·2^32 + e`, which never collide with it).
#[derive(Clone, Copy, Debug)]
#[repr(u64)]
pub enum Purpose {
    /// Crop offsets and flips, one [`Augment`] per training image (in image-index order).
    Augment = 2,
    /// SR's (and BC-Qs's) rounding draws.
    Rounding = 3,
    /// BC's uniform latent start (`optim::BcLatent`), drawn once (epoch 0).
    Latent = 4,
}

/// The ChaCha8 stream for `(seed, epoch, purpose)`: independent of everything that ran before.
pub fn stream(seed: u64, epoch: usize, purpose: Purpose) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(((purpose as u64) << 32) | epoch as u64);
    r
}

/// The epoch's seeded order of `n` training images.
pub fn epoch_order(n: usize, seed: u64, epoch: usize) -> Vec<usize> {
    Batcher::new(n, 1, seed).permutation(epoch as u64)
}

/// One augmentation per training image for epoch `epoch`, drawn in image-index order.
pub fn epoch_augments(n: usize, seed: u64, epoch: usize) -> Vec<Augment> {
    let mut rng = stream(seed, epoch, Purpose::Augment);
    (0..n).map(|_| Augment::draw(&mut rng)).collect()
}

/// A batch tensor `(len, 3, 32, 32)` of images `idx` of `ds`, augmented with `augs[i]` for image `i`
/// when `augs` is given, then normalised.
pub fn batch(ds: &Dataset, idx: &[usize], augs: Option<&[Augment]>) -> ndarray::ArrayD<f32> {
    let mut x = vec![0f32; idx.len() * IMAGE_BYTES];
    x.par_chunks_mut(IMAGE_BYTES)
        .enumerate()
        .for_each(|(k, dst)| {
            let i = idx[k];
            match augs {
                Some(a) => {
                    let mut buf = [0u8; IMAGE_BYTES];
                    a[i].apply(ds.image(i), &mut buf);
                    normalize_into(&buf, dst);
                }
                None => normalize_into(ds.image(i), dst),
            }
        });
    ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[idx.len(), 3, 32, 32]), x).expect("shape")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        assert_eq!(epoch_order(10, 1, 0), epoch_order(10, 1, 0));
        assert_ne!(epoch_order(50, 1, 0), epoch_order(50, 1, 1));
        assert_eq!(epoch_augments(20, 3, 2), epoch_augments(20, 3, 2));
        assert_ne!(epoch_augments(20, 3, 2), epoch_augments(20, 3, 3));
        let ds = Dataset::new(
            (0..2 * IMAGE_BYTES).map(|i| (i % 251) as u8).collect(),
            vec![0, 1],
            None,
            10,
        )
        .unwrap();
        let x = batch(&ds, &[1], Some(&[Augment::IDENTITY, Augment::IDENTITY]));
        let y = batch(&ds, &[1], None);
        assert_eq!(x, y);
        assert_eq!(y[[0, 0, 0, 0]], ((IMAGE_BYTES % 251) as f32 - 125.0) / 64.0);
    }
}
