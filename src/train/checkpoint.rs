//! Checkpoints: a JSON header (config, epochs done, optimizer step, metric history, tensor table)
//! followed by the raw little-endian f32 tensors (network parameters, BN buffers, optimizer state).
//! Written to a temporary file, synced, then renamed over the old one, so a kill at any moment leaves
//! either the previous or the new checkpoint, never a torn one.
//!
//! RNG state: every random stream is derived from (seed, epoch, purpose) (see [`super::input::stream`])
//! and checkpoints are taken at epoch boundaries, so the seed in the config plus `epochs_done` is the
//! complete RNG state.
//!
//! Layout: `b"QTRCKPT1"`, u64 LE header length, header JSON, then the tensors in header order.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::config::{EpochMetrics, TrainConfig};
use crate::error::{QtrainError, Result};

const MAGIC: &[u8; 8] = b"QTRCKPT1";

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

/// Write atomically: `path.tmp`, fsync, rename.
pub fn save(path: &Path, header: &Header, data: &[&[f32]]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let io = |e| QtrainError::io(&tmp, e);
    let json =
        serde_json::to_vec(header).map_err(|e| QtrainError::bad_data(&tmp, e.to_string()))?;
    let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp).map_err(io)?);
    f.write_all(MAGIC).map_err(io)?;
    f.write_all(&(json.len() as u64).to_le_bytes())
        .map_err(io)?;
    f.write_all(&json).map_err(io)?;
    for t in data {
        let mut buf = Vec::with_capacity(t.len() * 4);
        for v in t.iter() {
            buf.extend_from_slice(&v.to_le_bytes());
        }
        f.write_all(&buf).map_err(io)?;
    }
    let f = f.into_inner().map_err(|e| io(e.into_error()))?;
    f.sync_all().map_err(io)?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(|e| QtrainError::io(path, e))
}

/// Read a checkpoint: its header and the tensors by name.
pub fn load(path: &Path) -> Result<(Header, NamedTensors)> {
    let bytes = std::fs::read(path).map_err(|e| QtrainError::io(path, e))?;
    let bad = |m: &str| QtrainError::bad_data(path, format!("not a qtrain checkpoint: {m}"));
    if bytes.len() < 16 || &bytes[..8] != MAGIC {
        return Err(bad("wrong magic"));
    }
    let hl = u64::from_le_bytes(bytes[8..16].try_into().expect("8 bytes")) as usize;
    let hend = 16usize
        .checked_add(hl)
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| bad("truncated header"))?;
    let header: Header =
        serde_json::from_slice(&bytes[16..hend]).map_err(|e| bad(&e.to_string()))?;
    let mut off = hend;
    let mut out = Vec::new();
    for (name, n) in &header.tensors {
        let end = off + n * 4;
        if end > bytes.len() {
            return Err(bad(&format!("truncated at tensor {name}")));
        }
        let v = bytes[off..end]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect();
        out.push((name.clone(), v));
        off = end;
    }
    if off != bytes.len() {
        return Err(bad("trailing bytes"));
    }
    Ok((header, out))
}
