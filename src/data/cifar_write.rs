//! [`write_cifar`]: the inverse of the readers, writing splits in the official binary layout.
//!
//! Tests and examples use it to make small synthetic data sets that go through exactly the code path
//! real data does (detection, size checks, parsing), and it documents the layout by construction.

use std::fs;
use std::path::{Path, PathBuf};

use super::cifar::{CifarKind, CifarSplits, CIFAR100_COARSE_CLASSES, CIFAR10_CLASSES};
use super::dataset::Dataset;
use crate::error::{QtrainError, Result};

/// Write `splits` under `dir/<cifar-10-batches-bin or cifar-100-binary>/` and return that folder.
///
/// The record counts must follow the official ratio that the reader checks: train has 5× the test
/// images (CIFAR-10 spreads them evenly over its five batch files). CIFAR-100 needs coarse labels.
pub fn write_cifar(dir: &Path, splits: &CifarSplits) -> Result<PathBuf> {
    let kind = splits.kind;
    let (train, test) = (&splits.train, &splits.test);
    if train.len() != 5 * test.len() || test.is_empty() {
        return Err(QtrainError::Shape(format!(
            "the {} layout needs train = 5 × test > 0 images, got {} and {}",
            kind.name(),
            train.len(),
            test.len()
        )));
    }
    for ds in [train, test] {
        check_writable(ds, kind)?;
    }
    let out = dir.join(kind.dir_name());
    fs::create_dir_all(&out).map_err(|e| QtrainError::io(&out, e))?;
    let write = |name: &str, bytes: Vec<u8>| {
        let p = out.join(name);
        fs::write(&p, bytes).map_err(|e| QtrainError::io(&p, e))
    };
    match kind {
        CifarKind::Cifar10 => {
            let per = test.len();
            for (b, name) in kind.train_files().iter().enumerate() {
                write(name, records(train, kind, b * per..(b + 1) * per))?;
            }
            write(kind.test_file(), records(test, kind, 0..per))?;
            write(
                "batches.meta.txt",
                format!("{}\n\n", CIFAR10_CLASSES.join("\n")).into_bytes(),
            )?;
        }
        CifarKind::Cifar100 => {
            write(kind.train_files()[0], records(train, kind, 0..train.len()))?;
            write(kind.test_file(), records(test, kind, 0..test.len()))?;
        }
    }
    Ok(out)
}

/// Labels must fit the layout's label bytes and ranges, so that what is written reads back.
fn check_writable(ds: &Dataset, kind: CifarKind) -> Result<()> {
    if ds.num_classes != kind.num_classes() {
        return Err(QtrainError::Shape(format!(
            "{} has {} classes, the data set has {}",
            kind.name(),
            kind.num_classes(),
            ds.num_classes
        )));
    }
    // Re-check the invariant: the fields are public and may have been edited.
    let checked = Dataset::new(
        ds.images.clone(),
        ds.labels.clone(),
        ds.coarse.clone(),
        ds.num_classes,
    )?;
    match (kind, &checked.coarse) {
        (CifarKind::Cifar100, None) => Err(QtrainError::Shape(
            "CIFAR-100 records need coarse labels".into(),
        )),
        (CifarKind::Cifar100, Some(c))
            if c.iter().any(|&l| l as usize >= CIFAR100_COARSE_CLASSES) =>
        {
            Err(QtrainError::Shape(format!(
                "coarse labels must lie in 0..{CIFAR100_COARSE_CLASSES}"
            )))
        }
        _ => Ok(()),
    }
}

/// The records of images `range` of `ds`: label byte(s), then pixels.
fn records(ds: &Dataset, kind: CifarKind, range: std::ops::Range<usize>) -> Vec<u8> {
    let mut out = Vec::with_capacity(range.len() * kind.record_bytes());
    for i in range {
        if let (CifarKind::Cifar100, Some(c)) = (kind, &ds.coarse) {
            out.push(c[i] as u8);
        }
        out.push(ds.labels[i] as u8);
        out.extend_from_slice(ds.image(i));
    }
    out
}
