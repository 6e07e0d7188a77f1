//! Checkpoints: a JSON header (config, epochs done, optimizer step, metric history, tensor table)
//! followed by the raw little-endian f32 tensors (network parameters, BN buffers, optimizer state) and
//! a checksum. Written to a temporary file, synced, then renamed over the old one, so a kill at any
//! moment leaves either the previous or the new checkpoint, never a torn one.
//!
//! RNG state: every random stream is derived from (seed, epoch, purpose) (see [`super::input::stream`])
//! and checkpoints are taken at epoch boundaries, so the seed in the config plus `epochs_done` is the
//! complete RNG state.
//!
//! Layout (version 2): `b"QTRCKPT2"`, u64 LE header length, header JSON, the tensors in header
//! order, then a u64 LE FNV-1a-64 checksum of every byte before it. The header carries the run's
//! identity (its config: net, width, method, seed, …) inside the checksummed bytes, so a damaged
//! file and a file from another run are both told apart from the one a resume expects.
//!
//! [`load`] trusts nothing in the file: the checksum is checked first, then the header is bounded by
//! [`Header::validate`] (the config through [`TrainConfig::validate`], epochs against the
//! schedule, every tensor size with checked arithmetic against the file's length) before any tensor
//! is allocated. Version-1 files (no checksum) are refused with a message saying so.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::config::{EpochMetrics, TrainConfig};
use crate::error::{QtrainError, Result};
use crate::validate::{self, Origin};

/// Magic of the current format.
pub const MAGIC: &[u8; 8] = b"QTRCKPT2";
/// Magic of the first format (no checksum), refused by [`load`].
const MAGIC_V1: &[u8; 8] = b"QTRCKPT1";
/// Most tensors a header may list.
pub const MAX_TENSORS: usize = 100_000;

/// FNV-1a, 64 bits: the checkpoint's checksum (catches any flipped byte or truncation; not a
/// defence against someone forging a file on purpose).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    fnv1a64_step(FNV_OFFSET, bytes)
}

/// FNV-1a's offset basis.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a over `bytes`, continuing from the state `h`.
fn fnv1a64_step(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// FNV-1a, 64 bits, over several parts, each followed by a 0xFF byte (so that `["ab", "c"]` and
/// `["a", "bc"]` differ): the cache key of compiled simulation models (the Verilog, the harness,
/// the flags, the tool's version).
pub fn fnv1a64_parts(parts: &[&[u8]]) -> u64 {
    parts
        .iter()
        .fold(FNV_OFFSET, |h, p| fnv1a64_step(fnv1a64_step(h, p), &[0xFF]))
}

/// Tensors by name, in file order.
pub type NamedTensors = Vec<(String, Vec<f32>)>;

/// Checkpoint header.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Header {
    /// The run's configuration.
    pub config: TrainConfig,
    /// Epochs finished.
    pub epochs_done: usize,
    /// Optimizer steps taken (ADAM bias correction).
    pub step: u64,
    /// metrics.csv so far.
    pub history: Vec<EpochMetrics>,
    /// `(name, element count)` of each tensor, in data order.
    pub tensors: Vec<(String, usize)>,
}

impl Header {
    /// Bound everything a file could lie about before it sizes an allocation or a loop.
    pub fn validate(&self, path: &Path) -> Result<()> {
        let origin = Origin::file(path);
        self.config.validate(&origin, "config.")?;
        if self.epochs_done > self.config.epochs {
            return Err(origin.invalid(
                "epochs_done",
                self.epochs_done,
                format!(
                    "at most the schedule's config.epochs = {} (the run cannot be further than \
                     its schedule)",
                    self.config.epochs
                ),
            ));
        }
        if self.history.len() != self.epochs_done {
            return Err(origin.invalid(
                "history",
                format!("{} entries", self.history.len()),
                format!(
                    "one entry per finished epoch (epochs_done = {})",
                    self.epochs_done
                ),
            ));
        }
        validate::count(&origin, "tensors", self.tensors.len(), 0..=MAX_TENSORS)?;
        Ok(())
    }
}

/// Write atomically: `path.tmp`, fsync, rename.
pub fn save(path: &Path, header: &Header, data: &[&[f32]]) -> Result<()> {
    save_with(path, header, data)
}

/// [`save`] with any serialisable header (the integer training path's has its own fields): the
/// same layout, magic, checksum and atomic write.
pub fn save_with<H: Serialize>(path: &Path, header: &H, data: &[&[f32]]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let io = |e| QtrainError::io(&tmp, e);
    let json =
        serde_json::to_vec(header).map_err(|e| QtrainError::bad_data(&tmp, e.to_string()))?;
    let total: usize = data.iter().map(|t| t.len() * 4).sum::<usize>() + 16 + json.len();
    let mut bytes = Vec::with_capacity(total + 8);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&(json.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&json);
    for t in data {
        for v in t.iter() {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
    }
    let sum = fnv1a64(&bytes);
    bytes.extend_from_slice(&sum.to_le_bytes());
    let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp).map_err(io)?);
    f.write_all(&bytes).map_err(io)?;
    let f = f.into_inner().map_err(|e| io(e.into_error()))?;
    f.sync_all().map_err(io)?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(|e| QtrainError::io(path, e))
}

/// Read a checkpoint: its header and the tensors by name. Refuses a damaged file (checksum), a
/// version-1 file, and a header whose sizes or schedule do not hold (see the module doc).
pub fn load(path: &Path) -> Result<(Header, NamedTensors)> {
    load_with(path, |h: &Header| {
        h.validate(path)?;
        Ok(h.tensors.clone())
    })
}

/// [`load`] with any header type: `check` bounds the header (before anything is allocated from it)
/// and returns its tensor table.
pub fn load_with<H: serde::de::DeserializeOwned>(
    path: &Path,
    check: impl FnOnce(&H) -> Result<Vec<(String, usize)>>,
) -> Result<(H, NamedTensors)> {
    let meta = std::fs::metadata(path).map_err(|e| QtrainError::io(path, e))?;
    if !meta.is_file() {
        return Err(QtrainError::bad_data(path, "is not a regular file"));
    }
    let bytes = std::fs::read(path).map_err(|e| QtrainError::io(path, e))?;
    let bad = |m: &str| QtrainError::bad_data(path, format!("not a usable qtrain checkpoint: {m}"));
    if bytes.len() >= 8 && &bytes[..8] == MAGIC_V1 {
        return Err(bad(
            "format version 1 (QTRCKPT1) has no checksum and is no longer read; re-run the training \
             to write a version-2 checkpoint",
        ));
    }
    if bytes.len() < 24 || &bytes[..8] != MAGIC {
        return Err(bad("wrong magic (expected QTRCKPT2)"));
    }
    let (body, tail) = bytes.split_at(bytes.len() - 8);
    let stored = u64::from_le_bytes(tail.try_into().expect("8 bytes"));
    let actual = fnv1a64(body);
    if stored != actual {
        return Err(bad(&format!(
            "checksum mismatch (stored {stored:#018x}, contents give {actual:#018x}): the file is \
             damaged or truncated"
        )));
    }
    let hl = u64::from_le_bytes(body[8..16].try_into().expect("8 bytes"));
    let hend = usize::try_from(hl)
        .ok()
        .and_then(|hl| hl.checked_add(16))
        .filter(|&e| e <= body.len())
        .ok_or_else(|| bad(&format!("header length {hl} exceeds the file")))?;
    let header: H =
        serde_json::from_slice(&body[16..hend]).map_err(|e| bad(&format!("header: {e}")))?;
    let tensors = check(&header)?;
    validate::count(
        &Origin::file(path),
        "tensors",
        tensors.len(),
        0..=MAX_TENSORS,
    )?;
    let mut off = hend;
    let mut out = Vec::with_capacity(tensors.len());
    for (name, n) in &tensors {
        let end = n
            .checked_mul(4)
            .and_then(|b| b.checked_add(off))
            .filter(|&e| e <= body.len())
            .ok_or_else(|| {
                bad(&format!(
                    "tensor {name} claims {n} values, more than the {} bytes left in the file",
                    body.len() - off
                ))
            })?;
        let v = body[off..end]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect();
        out.push((name.clone(), v));
        off = end;
    }
    if off != body.len() {
        return Err(bad(&format!(
            "{} bytes after the last tensor",
            body.len() - off
        )));
    }
    Ok((header, out))
}
