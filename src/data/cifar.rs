//! Readers for the official CIFAR-10 and CIFAR-100 binary layouts.
//!
//! * CIFAR-10: `cifar-10-batches-bin/data_batch_{1..5}.bin` (train) and `test_batch.bin` (test),
//!   records of 1 label byte + 3072 pixel bytes, officially 10,000 records (30,730,000 bytes) a file.
//! * CIFAR-100: `cifar-100-binary/train.bin` and `test.bin`, records of 2 label bytes (coarse, fine)
//!   + 3072 pixel bytes, officially 50,000 and 10,000 records.
//!
//! Files are read whole (one `read` each) and every size is checked before any byte is parsed, so a
//! malformed set fails fast with an error that names the file, what was found and what was expected.
//! Record counts are checked against each other as well as against the record size: all CIFAR-10
//! batch files hold the same number of records and CIFAR-100's train.bin holds five times test.bin's
//! (both as in the official sets), so a file cut at a record boundary is caught too. Smaller sets
//! that keep these ratios (what the tests write) load fine.

use std::fs;
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::dataset::{Dataset, IMAGE_BYTES};
use crate::error::{QtrainError, Result};

/// CIFAR-10's class names, in label order (the official `batches.meta.txt`).
pub const CIFAR10_CLASSES: [&str; 10] = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
];

/// Number of CIFAR-100 coarse classes (superclasses); coarse labels lie in `0..20`.
pub const CIFAR100_COARSE_CLASSES: usize = 20;

/// Which of the two CIFAR data sets a directory holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CifarKind {
    /// 10 classes, 1 label byte a record.
    Cifar10,
    /// 100 fine classes in 20 coarse ones, 2 label bytes (coarse, fine) a record.
    Cifar100,
}

impl CifarKind {
    /// Human name, for messages and tables.
    pub fn name(self) -> &'static str {
        match self {
            Self::Cifar10 => "CIFAR-10",
            Self::Cifar100 => "CIFAR-100",
        }
    }

    /// The folder the official archive unpacks to.
    pub fn dir_name(self) -> &'static str {
        match self {
            Self::Cifar10 => "cifar-10-batches-bin",
            Self::Cifar100 => "cifar-100-binary",
        }
    }

    /// Number of (fine) classes.
    pub fn num_classes(self) -> usize {
        match self {
            Self::Cifar10 => 10,
            Self::Cifar100 => 100,
        }
    }

    /// Label bytes in front of each record's pixels.
    pub fn label_bytes(self) -> usize {
        match self {
            Self::Cifar10 => 1,
            Self::Cifar100 => 2,
        }
    }

    /// Bytes of one record: labels + `IMAGE_BYTES` pixels.
    pub fn record_bytes(self) -> usize {
        self.label_bytes() + IMAGE_BYTES
    }

    /// The training files, in the order their records are concatenated.
    pub fn train_files(self) -> &'static [&'static str] {
        match self {
            Self::Cifar10 => &[
                "data_batch_1.bin",
                "data_batch_2.bin",
                "data_batch_3.bin",
                "data_batch_4.bin",
                "data_batch_5.bin",
            ],
            Self::Cifar100 => &["train.bin"],
        }
    }

    /// The test file.
    pub fn test_file(self) -> &'static str {
        match self {
            Self::Cifar10 => "test_batch.bin",
            Self::Cifar100 => "test.bin",
        }
    }

    /// Records in each file (train files, then test) of the official release.
    fn official_records(self) -> Vec<u64> {
        match self {
            Self::Cifar10 => vec![10_000; 6],
            Self::Cifar100 => vec![50_000, 10_000],
        }
    }

    /// Why the record counts must relate as they do (appended to count errors).
    fn count_rule(self) -> &'static str {
        match self {
            Self::Cifar10 => "every CIFAR-10 batch file holds the same number of records, officially 10000",
            Self::Cifar100 => "CIFAR-100's train.bin holds 5 records per test.bin record, officially 50000 and 10000",
        }
    }

    /// The kind whose file (or folder) this name is, if any.
    fn owning(name: &str) -> Option<Self> {
        let c10 = name == "test_batch.bin"
            || name == "batches.meta.txt"
            || (name.starts_with("data_batch_") && name.ends_with(".bin"));
        let c100 = matches!(
            name,
            "train.bin" | "test.bin" | "coarse_label_names.txt" | "fine_label_names.txt"
        );
        match (c10, c100) {
            (true, _) => Some(Self::Cifar10),
            (_, true) => Some(Self::Cifar100),
            _ => None,
        }
    }
}

/// The train and test splits of one CIFAR data set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CifarSplits {
    /// Which data set was found.
    pub kind: CifarKind,
    /// 50,000 images in the official set.
    pub train: Dataset,
    /// 10,000 images in the official set.
    pub test: Dataset,
}

/// Load CIFAR-10 or CIFAR-100 from `dir`: the folder that holds `cifar-10-batches-bin/` or
/// `cifar-100-binary/`, or that folder itself. Which one it is is detected (see [`find_cifar`]).
pub fn load_cifar(dir: &Path) -> Result<CifarSplits> {
    let (kind, layout) = find_cifar(dir)?;
    load_cifar_layout(&layout, kind)
}

/// Which data set `dir` holds and the folder with its files, without reading them.
///
/// `dir/cifar-10-batches-bin/` or `dir/cifar-100-binary/` if one exists (both is an error: name the
/// one you mean), else `dir` itself when it holds files of one layout (`data_batch_*.bin`,
/// `test_batch.bin` / `train.bin`, `test.bin`).
pub fn find_cifar(dir: &Path) -> Result<(CifarKind, PathBuf)> {
    let meta = fs::metadata(dir).map_err(|e| match e.kind() {
        ErrorKind::NotFound => QtrainError::bad_data(dir, "data directory does not exist"),
        _ => QtrainError::io(dir, e),
    })?;
    if !meta.is_dir() {
        return Err(QtrainError::bad_data(
            dir,
            "not a directory: --data names the folder that holds cifar-10-batches-bin/ or cifar-100-binary/",
        ));
    }
    let sub = |k: CifarKind| Some(dir.join(k.dir_name())).filter(|p| p.is_dir());
    match (sub(CifarKind::Cifar10), sub(CifarKind::Cifar100)) {
        (Some(_), Some(_)) => {
            return Err(QtrainError::bad_data(
                dir,
                "holds both cifar-10-batches-bin/ and cifar-100-binary/: pass the one you mean",
            ))
        }
        (Some(p), None) => return Ok((CifarKind::Cifar10, p)),
        (None, Some(p)) => return Ok((CifarKind::Cifar100, p)),
        (None, None) => {}
    }
    let mut names = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| QtrainError::io(dir, e))? {
        let entry = entry.map_err(|e| QtrainError::io(dir, e))?;
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    let kinds: Vec<CifarKind> = names.iter().filter_map(|n| CifarKind::owning(n)).collect();
    let has = |k| kinds.contains(&k);
    match (has(CifarKind::Cifar10), has(CifarKind::Cifar100)) {
        (true, true) => Err(QtrainError::bad_data(
            dir,
            "mixes CIFAR-10 files (data_batch_*.bin, test_batch.bin) with CIFAR-100 files (train.bin, test.bin)",
        )),
        (true, false) => Ok((CifarKind::Cifar10, dir.to_path_buf())),
        (false, true) => Ok((CifarKind::Cifar100, dir.to_path_buf())),
        (false, false) if names.is_empty() => Err(QtrainError::bad_data(
            dir,
            "empty directory: expected cifar-10-batches-bin/ or cifar-100-binary/ (the official binary layouts)",
        )),
        (false, false) => {
            let shown: Vec<&str> = names.iter().take(5).map(String::as_str).collect();
            Err(QtrainError::bad_data(
                dir,
                format!(
                    "neither CIFAR layout found: no cifar-10-batches-bin/ or cifar-100-binary/ and no \
                     data_batch_*.bin / train.bin here ({} entries: {}{})",
                    names.len(),
                    shown.join(", "),
                    if names.len() > shown.len() { ", …" } else { "" }
                ),
            ))
        }
    }
}

/// Load the files of `kind` from `layout` (the folder that directly holds them).
pub fn load_cifar_layout(layout: &Path, kind: CifarKind) -> Result<CifarSplits> {
    let names: Vec<&str> = kind
        .train_files()
        .iter()
        .copied()
        .chain([kind.test_file()])
        .collect();
    let paths: Vec<PathBuf> = names.iter().map(|n| layout.join(n)).collect();
    let sizes = paths
        .iter()
        .map(|p| file_size(p, kind))
        .collect::<Result<Vec<u64>>>()?;
    let rec = kind.record_bytes() as u64;
    let expected = expected_records(kind, &sizes);
    for ((path, &size), &n) in paths.iter().zip(&sizes).zip(&expected) {
        check_size(path, size, n, kind)?;
    }
    let n_train: u64 = expected[..expected.len() - 1].iter().sum();
    let n_test = expected[expected.len() - 1];
    let last = paths.len() - 1;
    // One file buffer reused for every file: fewer fresh pages to fault in.
    let mut buf = Vec::new();
    let mut train = Accum::with_capacity(kind, n_train as usize);
    for (path, &n) in paths[..last].iter().zip(&expected) {
        read_records(path, rec * n, kind, &mut buf, &mut train)?;
    }
    let mut test = Accum::with_capacity(kind, n_test as usize);
    read_records(&paths[last], rec * n_test, kind, &mut buf, &mut test)?;
    Ok(CifarSplits {
        kind,
        train: train.finish(kind),
        test: test.finish(kind),
    })
}

/// The file's size; a missing file is a [`QtrainError::BadData`] that lists what the layout needs.
fn file_size(path: &Path, kind: CifarKind) -> Result<u64> {
    let meta = fs::metadata(path).map_err(|e| match e.kind() {
        ErrorKind::NotFound => QtrainError::bad_data(
            path,
            format!(
                "missing file: the {} layout ({}/) needs {} and {}",
                kind.name(),
                kind.dir_name(),
                kind.train_files().join(", "),
                kind.test_file()
            ),
        ),
        _ => QtrainError::io(path, e),
    })?;
    if !meta.is_file() {
        return Err(QtrainError::bad_data(path, "not a regular file"));
    }
    Ok(meta.len())
}

/// The record count each file should have, inferred from the sizes of the others (the files that
/// agree with each other win; a file cut short is the odd one out), else the official count.
fn expected_records(kind: CifarKind, sizes: &[u64]) -> Vec<u64> {
    let rec = kind.record_bytes() as u64;
    let count = |s: u64| Some(s / rec).filter(|_| s > 0 && s % rec == 0);
    match kind {
        CifarKind::Cifar10 => {
            let counts: Vec<u64> = sizes.iter().filter_map(|&s| count(s)).collect();
            // The most common count; ties go to the larger (truncation only shrinks files).
            let best = counts
                .iter()
                .map(|&c| (counts.iter().filter(|&&d| d == c).count(), c))
                .max()
                .map(|(_, c)| c);
            vec![best.unwrap_or(10_000); sizes.len()]
        }
        CifarKind::Cifar100 => match (count(sizes[0]), count(sizes[1])) {
            (Some(t), Some(s)) if t > 5 * s && t % 5 == 0 => vec![t, t / 5],
            (Some(_), Some(s)) => vec![5 * s, s],
            (Some(t), None) if t % 5 == 0 => vec![t, t / 5],
            (Some(t), None) => vec![t, 10_000],
            (None, Some(s)) => vec![5 * s, s],
            (None, None) => kind.official_records(),
        },
    }
}

/// Check one file's size against the record size and the expected record count `n`.
fn check_size(path: &Path, size: u64, n: u64, kind: CifarKind) -> Result<()> {
    let rec = kind.record_bytes() as u64;
    let labels = match kind.label_bytes() {
        1 => "1 label byte",
        _ => "2 label bytes",
    };
    let expect = format!("expected {} bytes ({n} records of {rec} bytes)", n * rec);
    if size == 0 {
        return Err(QtrainError::bad_data(
            path,
            format!("empty file (0 bytes); {expect}"),
        ));
    }
    if size % rec != 0 {
        return Err(QtrainError::bad_data(
            path,
            format!(
                "size {size} bytes is not a multiple of the {rec}-byte record ({labels} + {IMAGE_BYTES} \
                 pixel bytes): the file is truncated or not a {} file; {expect}",
                kind.name()
            ),
        ));
    }
    if size / rec != n {
        return Err(QtrainError::bad_data(
            path,
            format!(
                "holds {} records ({size} bytes) but {expect}: {}",
                size / rec,
                kind.count_rule()
            ),
        ));
    }
    Ok(())
}

/// Labels and pixels gathered from one or more files.
struct Accum {
    images: Vec<u8>,
    labels: Vec<u16>,
    coarse: Option<Vec<u16>>,
}

impl Accum {
    fn with_capacity(kind: CifarKind, n: usize) -> Self {
        Self {
            images: Vec::with_capacity(n * IMAGE_BYTES),
            labels: Vec::with_capacity(n),
            coarse: (kind == CifarKind::Cifar100).then(|| Vec::with_capacity(n)),
        }
    }

    fn finish(self, kind: CifarKind) -> Dataset {
        // Sizes and labels were checked record by record, so the invariant holds by construction.
        Dataset {
            images: self.images,
            labels: self.labels,
            coarse: self.coarse,
            num_classes: kind.num_classes(),
        }
    }
}

/// Read `path` whole into `buf` (its size was checked to be `size`) and append its records to `acc`.
fn read_records(
    path: &Path,
    size: u64,
    kind: CifarKind,
    buf: &mut Vec<u8>,
    acc: &mut Accum,
) -> Result<()> {
    buf.clear();
    buf.reserve(size as usize);
    fs::File::open(path)
        .and_then(|mut f| f.read_to_end(buf))
        .map_err(|e| QtrainError::io(path, e))?;
    let bytes = &buf[..];
    if bytes.len() as u64 != size {
        return Err(QtrainError::bad_data(
            path,
            format!(
                "read {} bytes but expected {size}: the file changed while being read",
                bytes.len()
            ),
        ));
    }
    parse_records(path, bytes, kind, acc)
}

/// Append the records in `bytes` (the contents of `path`) to `acc`, checking every label.
fn parse_records(path: &Path, bytes: &[u8], kind: CifarKind, acc: &mut Accum) -> Result<()> {
    let rec = kind.record_bytes();
    if bytes.len() % rec != 0 {
        return Err(QtrainError::bad_data(
            path,
            format!(
                "size {} bytes is not a multiple of the {rec}-byte record",
                bytes.len()
            ),
        ));
    }
    let lb = kind.label_bytes();
    let classes = kind.num_classes();
    for (r, record) in bytes.chunks_exact(rec).enumerate() {
        let fine = record[lb - 1];
        if fine as usize >= classes {
            let which = if lb == 1 {
                "label"
            } else {
                "fine label (2nd byte)"
            };
            return Err(QtrainError::bad_data(
                path,
                format!(
                    "record {r} (0-based, byte offset {}): {which} {fine} is out of range 0..{classes}",
                    r * rec
                ),
            ));
        }
        acc.labels.push(u16::from(fine));
        if let Some(coarse) = &mut acc.coarse {
            let c = record[0];
            if c as usize >= CIFAR100_COARSE_CLASSES {
                return Err(QtrainError::bad_data(
                    path,
                    format!(
                        "record {r} (0-based, byte offset {}): coarse label (1st byte) {c} is out of range 0..{CIFAR100_COARSE_CLASSES}",
                        r * rec
                    ),
                ));
            }
            coarse.push(u16::from(c));
        }
        acc.images.extend_from_slice(&record[lb..]);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
