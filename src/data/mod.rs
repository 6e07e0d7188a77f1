//! CIFAR-10/100 data for the golden model: the official binary readers, an in-memory [`Dataset`], a
//! seeded shuffling [`Batcher`], the paper's augmentation, the input normalisation of DESIGN.md
//! (integer channel means, power-of-two scale) and per-split statistics.
//!
//! Everything here works on raw 8-bit planar RGB images (`IMAGE_BYTES` = 3×32×32: R plane, G plane,
//! B plane, each row-major) because that is what the accelerator's first layer consumes; floats appear
//! only in [`normalize_into`].

mod augment;
mod batcher;
mod cifar;
mod cifar_write;
mod dataset;
mod normalize;
mod stats;

pub use augment::{augment, Augment, PAD};
pub use batcher::Batcher;
pub use cifar::{
    find_cifar, load_cifar, load_cifar_layout, CifarKind, CifarSplits, CIFAR100_COARSE_CLASSES,
    CIFAR10_CLASSES,
};
pub use cifar_write::write_cifar;
pub use dataset::{Dataset, IMAGE_BYTES, IMAGE_CHANNELS, IMAGE_SIDE, PIXEL_BITS, PLANE_BYTES};
pub use normalize::{center_pixel, normalize_into, CHANNEL_MEAN, INPUT_SCALE_SHIFT};
pub use stats::{split_stats, SplitStats};
