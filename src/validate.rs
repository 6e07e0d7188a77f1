//! One validation layer for every value that sizes an allocation, a loop or a piece of hardware,
//! whatever it came from: a flag, a hardware TOML field, a `manifest.json`, a checkpoint header.
//!
//! Every check takes an [`Origin`] and the field's name as the user would find it (`--width` on the
//! command line, `net.width` in a manifest, `config.net.width` in a checkpoint header), and fails
//! with [`QtrainError::Invalid`], which names the origin (file), the field, the value and what was
//! expected, plus the memory it would take where the value is a size. Sizes are checked **before**
//! anything is allocated, with checked arithmetic, so a hostile file cannot abort the process.

use std::fmt;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use crate::error::{QtrainError, Result};

/// Where a value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A command-line flag (the field is the flag, e.g. `--width`).
    Flag,
    /// A file (hardware TOML, manifest, checkpoint header); the field is its path inside the file.
    File(PathBuf),
}

impl Origin {
    /// A file origin.
    pub fn file(path: impl AsRef<Path>) -> Self {
        Origin::File(path.as_ref().to_path_buf())
    }

    /// The field's name as the user finds it here: `flag` on the command line, `path` in a file.
    pub fn field(&self, path: &str, flag: &str) -> String {
        match self {
            Origin::Flag => flag.to_string(),
            Origin::File(_) => path.to_string(),
        }
    }

    /// The error for `field` holding `value` where `expected` was required.
    pub fn invalid(
        &self,
        field: impl Into<String>,
        value: impl fmt::Display,
        expected: impl Into<String>,
    ) -> QtrainError {
        QtrainError::Invalid {
            origin: self.clone(),
            field: field.into(),
            value: value.to_string(),
            expected: expected.into(),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag => write!(f, "command line"),
            Origin::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// The message of [`QtrainError::Invalid`].
pub(crate) fn invalid_message(origin: &Origin, field: &str, value: &str, expected: &str) -> String {
    match origin {
        Origin::Flag => format!("{field} {value}: expected {expected}"),
        Origin::File(p) => format!("{}: {field} = {value}: expected {expected}", p.display()),
    }
}

/// Largest width multiplier a network may have (the parameter bound below usually bites first).
pub const MAX_WIDTH: f64 = 64.0;
/// Largest ResNet / WRN depth (He et al.'s deepest CIFAR ResNet has 1202 layers).
pub const MAX_DEPTH: usize = 2000;
/// Largest WRN widening factor.
pub const MAX_WIDEN: usize = 64;
/// Largest class count.
pub const MAX_CLASSES: usize = 1000;
/// Largest number of trainable parameters + BN statistics of a network: 2^30 (4 GiB of f32 values;
/// training keeps ~5 copies: value, gradient, two ADAM moments, BC's buffer).
pub const MAX_PARAMS: u64 = 1 << 30;
/// Largest mini-batch.
pub const MAX_BATCH: usize = 8192;
/// Largest number of epochs of a run.
pub const MAX_EPOCHS: usize = 100_000;
/// Largest number of steps or images a simulator run may ask for.
pub const MAX_STEPS: u64 = 1_000_000_000;

/// `value` must lie in `range`.
pub fn count(
    origin: &Origin,
    field: &str,
    value: usize,
    range: RangeInclusive<usize>,
) -> Result<usize> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(origin.invalid(
            field,
            value,
            format!("an integer in {}..={}", range.start(), range.end()),
        ))
    }
}

/// `value` must be finite and in the half-open interval `(lo, hi]`.
pub fn positive(origin: &Origin, field: &str, value: f64, lo: f64, hi: f64) -> Result<f64> {
    if value.is_finite() && value > lo && value <= hi {
        Ok(value)
    } else {
        Err(origin.invalid(field, value, format!("a number in ({lo}, {hi}]")))
    }
}

/// `value` must be a probability in `[0, 1)` (a per-cycle gap or stall: 1 would never move).
pub fn probability(origin: &Origin, field: &str, value: f64) -> Result<f64> {
    if value.is_finite() && (0.0..1.0).contains(&value) {
        Ok(value)
    } else {
        Err(origin.invalid(field, value, "a probability in [0, 1)"))
    }
}

/// Bytes as a human figure ("13.8 TB").
pub fn human_bytes(bytes: f64) -> String {
    const UNITS: [&str; 7] = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    let mut v = bytes;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < UNITS.len() {
        v /= 1000.0;
        u += 1;
    }
    if u + 1 == UNITS.len() && v >= 1000.0 {
        return format!("{bytes:.3e} B");
    }
    format!("{v:.1} {}", UNITS[u])
}

/// Largest number of images one `sim` run streams: the run holds every image in memory (planar bytes
/// and the engine's `[y][x][c]` words, ~15 kB each, 1.5 GB at this bound), ten times CIFAR's test split.
pub const MAX_SIM_IMAGES: usize = 100_000;
/// Largest `sim --watchdog` (idle cycles before a stalled simulation is stopped).
pub const MAX_WATCHDOG_CYCLES: u64 = 1_000_000_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_origin_field_value_and_range() {
        let e = count(&Origin::Flag, "--batch", 0, 2..=8192)
            .unwrap_err()
            .to_string();
        assert_eq!(e, "--batch 0: expected an integer in 2..=8192");
        let o = Origin::file("runs/x/manifest.json");
        let e = positive(&o, "net.width", 1e9, 0.0, 64.0)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "runs/x/manifest.json: net.width = 1000000000: expected a number in (0, 64]"
        );
        assert!(probability(&Origin::Flag, "--input-gap", 1.5).is_err());
        assert!(probability(&Origin::Flag, "--input-gap", f64::NAN).is_err());
        assert_eq!(probability(&Origin::Flag, "--input-gap", 0.3).unwrap(), 0.3);
        assert_eq!(human_bytes(13.8e12), "13.8 TB");
        assert_eq!(human_bytes(512.0), "512.0 B");
        assert_eq!(o.field("net.width", "--width"), "net.width");
        assert_eq!(Origin::Flag.field("net.width", "--width"), "--width");
    }
}
