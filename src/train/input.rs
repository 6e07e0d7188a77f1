//! Training input per TRAIN_SPEC, until `crate::data` provides it: CIFAR-10/100 binary files, the
//! seeded per-epoch order, 4-pixel zero pad + random 32×32 crop + random horizontal flip, and the
//! normalisation `(pixel − [125, 123, 114][c]) / 64`.
//!
//! Every random choice comes from a ChaCha8 stream named by (seed, epoch, purpose) — see [`stream`] —
//! and is drawn sequentially before any parallel work, so runs are reproducible on any thread count.

use std::path::{Path, PathBuf};

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::error::{QtrainError, Result};

/// Per-channel mean subtracted before scaling (TRAIN_SPEC).
pub const CHANNEL_MEAN: [f32; 3] = [125.0, 123.0, 114.0];
/// Divisor after mean subtraction (2^6).
pub const INPUT_SCALE: f32 = 64.0;
/// Pixels per image (3 planes of 32×32).
pub const IMAGE_BYTES: usize = 3072;

/// Purposes of the random streams.
#[derive(Clone, Copy, Debug)]
#[repr(u64)]
pub enum Purpose {
    /// The epoch's shuffle.
    Shuffle = 1,
    /// Crop offsets and flips.
    Augment = 2,
    /// SR's (and BC-Qs's) rounding draws.
    Rounding = 3,
}

/// The ChaCha8 stream for `(seed, epoch, purpose)`: independent of everything that ran before.
pub fn stream(seed: u64, epoch: usize, purpose: Purpose) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(((purpose as u64) << 32) | epoch as u64);
    r
}

/// Images and labels of one split.
#[derive(Clone, Debug, Default)]
pub struct Split {
    /// `n × 3072` planar RGB bytes.
    pub images: Vec<u8>,
    /// Class of each image.
    pub labels: Vec<u16>,
}

impl Split {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
    /// Keep the first `n` images (file order).
    pub fn truncate(&mut self, n: usize) {
        if n < self.len() {
            self.labels.truncate(n);
            self.images.truncate(n * IMAGE_BYTES);
        }
    }
}

/// A loaded data set.
#[derive(Clone, Debug)]
pub struct Cifar {
    /// Training images (`data_batch_*.bin` or `train.bin`, file order).
    pub train: Split,
    /// Test images.
    pub test: Split,
    /// 10 or 100.
    pub classes: usize,
}

fn read_records(path: &Path, label_bytes: usize, label_at: usize, out: &mut Split) -> Result<()> {
    let bytes = std::fs::read(path).map_err(|e| QtrainError::io(path, e))?;
    let rec = label_bytes + IMAGE_BYTES;
    if bytes.is_empty() || bytes.len() % rec != 0 {
        return Err(QtrainError::bad_data(
            path,
            format!(
                "size {} is not a multiple of the {rec}-byte record",
                bytes.len()
            ),
        ));
    }
    for r in bytes.chunks_exact(rec) {
        out.labels.push(r[label_at] as u16);
        out.images.extend_from_slice(&r[label_bytes..]);
    }
    Ok(())
}

/// Load CIFAR-10 (`data_batch_{1..5}.bin`, `test_batch.bin`) or CIFAR-100 (`train.bin`, `test.bin`,
/// fine labels) from `dir` or from its `cifar-10-batches-bin` / `cifar-100-binary` subdirectory.
/// CIFAR-10 batches 2..5 may be absent (small test sets); batch 1 may not.
pub fn load(dir: &Path) -> Result<Cifar> {
    let candidates: Vec<PathBuf> = vec![
        dir.to_path_buf(),
        dir.join("cifar-10-batches-bin"),
        dir.join("cifar-100-binary"),
    ];
    for d in &candidates {
        if d.join("data_batch_1.bin").is_file() {
            let mut c = Cifar {
                train: Split::default(),
                test: Split::default(),
                classes: 10,
            };
            for i in 1..=5 {
                let p = d.join(format!("data_batch_{i}.bin"));
                if p.is_file() {
                    read_records(&p, 1, 0, &mut c.train)?;
                }
            }
            read_records(&d.join("test_batch.bin"), 1, 0, &mut c.test)?;
            check_labels(d, &c)?;
            return Ok(c);
        }
        if d.join("train.bin").is_file() {
            let mut c = Cifar {
                train: Split::default(),
                test: Split::default(),
                classes: 100,
            };
            read_records(&d.join("train.bin"), 2, 1, &mut c.train)?;
            read_records(&d.join("test.bin"), 2, 1, &mut c.test)?;
            check_labels(d, &c)?;
            return Ok(c);
        }
    }
    Err(QtrainError::bad_data(
        dir,
        "no CIFAR binary files here (expected data_batch_1.bin + test_batch.bin, or train.bin + test.bin, \
         possibly under cifar-10-batches-bin/); run prepare-cifar10 DIR",
    ))
}

fn check_labels(dir: &Path, c: &Cifar) -> Result<()> {
    if let Some(&bad) = c
        .train
        .labels
        .iter()
        .chain(&c.test.labels)
        .find(|&&l| l as usize >= c.classes)
    {
        return Err(QtrainError::bad_data(
            dir,
            format!("label {bad} out of range for {} classes", c.classes),
        ));
    }
    Ok(())
}

/// The epoch's seeded order of `n` training images.
pub fn epoch_order(n: usize, seed: u64, epoch: usize) -> Vec<usize> {
    let mut v: Vec<usize> = (0..n).collect();
    v.shuffle(&mut stream(seed, epoch, Purpose::Shuffle));
    v
}

/// A crop offset (0..=8 in each direction, into the 40×40 zero-padded image) and a flip.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Aug {
    /// Row offset.
    pub dy: usize,
    /// Column offset.
    pub dx: usize,
    /// Mirror left-right.
    pub flip: bool,
}

/// Draw `n` augmentations from `rng` in order (dy, dx, flip per image).
pub fn draw_augs(rng: &mut ChaCha8Rng, n: usize) -> Vec<Aug> {
    (0..n)
        .map(|_| Aug {
            dy: rng.gen_range(0..=8),
            dx: rng.gen_range(0..=8),
            flip: rng.gen::<bool>(),
        })
        .collect()
}

/// Normalise one image into `dst` (3072 floats), applying `aug` if given (zero pixels where the crop
/// leaves the image: the pad is 0 before normalisation, as torchvision's RandomCrop pads).
pub fn normalize_image(src: &[u8], aug: Option<Aug>, dst: &mut [f32]) {
    for c in 0..3 {
        let mean = CHANNEL_MEAN[c];
        for i in 0..32 {
            for j in 0..32 {
                let px = match aug {
                    None => src[c * 1024 + i * 32 + j],
                    Some(a) => {
                        let jj = if a.flip { 31 - j } else { j };
                        let (si, sj) = (i + a.dy, jj + a.dx);
                        if (4..36).contains(&si) && (4..36).contains(&sj) {
                            src[c * 1024 + (si - 4) * 32 + (sj - 4)]
                        } else {
                            0
                        }
                    }
                };
                dst[c * 1024 + i * 32 + j] = (px as f32 - mean) / INPUT_SCALE;
            }
        }
    }
}

/// A batch tensor `(len, 3, 32, 32)` from image indices, augmented when `augs` is given.
pub fn batch(split: &Split, idx: &[usize], augs: Option<&[Aug]>) -> ndarray::ArrayD<f32> {
    let mut x = vec![0f32; idx.len() * IMAGE_BYTES];
    x.par_chunks_mut(IMAGE_BYTES)
        .enumerate()
        .for_each(|(k, dst)| {
            let i = idx[k];
            normalize_image(
                &split.images[i * IMAGE_BYTES..(i + 1) * IMAGE_BYTES],
                augs.map(|a| a[k]),
                dst,
            );
        });
    ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[idx.len(), 3, 32, 32]), x).expect("shape")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crop_flip_and_pad() {
        let src: Vec<u8> = (0..3072).map(|i| (i % 251) as u8).collect();
        let mut a = vec![0f32; 3072];
        normalize_image(
            &src,
            Some(Aug {
                dy: 4,
                dx: 4,
                flip: false,
            }),
            &mut a,
        );
        let mut b = vec![0f32; 3072];
        normalize_image(&src, None, &mut b);
        assert_eq!(a, b); // centre crop = identity
        normalize_image(
            &src,
            Some(Aug {
                dy: 0,
                dx: 8,
                flip: true,
            }),
            &mut a,
        );
        assert_eq!(a[0], (0.0 - 125.0) / 64.0); // padded row
                                                // crop then flip: out[i][j] = padded[i + dy][31 − j + dx]; row 4 ← source row 0
        assert_eq!(a[4 * 32], (0.0 - 125.0) / 64.0); // padded column 39
        assert_eq!(a[4 * 32 + 31], (src[4] as f32 - 125.0) / 64.0); // padded column 8 = source 4
        assert_eq!(epoch_order(10, 1, 0), epoch_order(10, 1, 0));
        assert_ne!(epoch_order(50, 1, 0), epoch_order(50, 1, 1));
    }
}
