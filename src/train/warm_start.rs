//! Starting a run from another run's checkpoint (`qtrain train --from CKPT`): the continuation probes
//! of issue 16 (from one checkpoint, continue SR and BC at α, α/3, α/10 with α·T fixed) need every
//! arm to start from the same weights, which a seeded fresh start cannot give.
//!
//! What is taken from the source, tensor by tensor:
//! * every parameter and buffer (BN statistics): required, same names and sizes (same network);
//! * ADAM's moments and step count: when both runs use ADAM (else the new run's base starts fresh);
//! * BC's latent buffer `w_r`: the source's when it has one (a BC run), else the source's forward
//!   weights (an R/SR run's binary weights: the literal BC start);
//! * a source latent buffer the new method has no use for (BC → R/SR) is dropped: the new run starts
//!   from the forward weights `Qd(w_r)` the source evaluated with.
//!
//! The file's checksum is kept in the config, so a resumed or re-run probe names the exact start.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::checkpoint;
use super::run::Trainer;
use crate::error::{QtrainError, Result};
use crate::optim::Base;

/// Which checkpoint a run starts from (recorded in its config).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarmStart {
    /// The checkpoint file, as given.
    pub path: String,
    /// FNV-1a 64 of the whole file, hex: the start is exactly this file.
    pub checksum: String,
    /// The source run's method (informational).
    pub method: String,
    /// Epochs the source run had finished.
    pub epochs_done: usize,
}

fn file_checksum(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| QtrainError::io(path, e))?;
    Ok(format!("{:016x}", checkpoint::fnv1a64(&bytes)))
}

impl WarmStart {
    /// Read `path`'s header (validated) and checksum.
    pub fn inspect(path: &Path) -> Result<Self> {
        let (h, _) = checkpoint::load(path)?;
        Ok(Self {
            path: path.display().to_string(),
            checksum: file_checksum(path)?,
            method: h.config.method.name(),
            epochs_done: h.epochs_done,
        })
    }

    /// Overwrite a fresh trainer's state with the checkpoint's, as the module doc says. Refuses a
    /// file whose checksum is no longer the recorded one, or a checkpoint of another network.
    pub fn apply(&self, t: &mut Trainer) -> Result<()> {
        let path = Path::new(&self.path);
        let now = file_checksum(path)?;
        if now != self.checksum {
            return Err(QtrainError::bad_data(
                path,
                format!(
                    "checksum {now}, but the run was configured from {} (the file changed since)",
                    self.checksum
                ),
            ));
        }
        let (h, tensors) = checkpoint::load(path)?;
        if h.config.net != t.config.net {
            return Err(QtrainError::bad_data(
                path,
                format!(
                    "config.net is {} at width {} ({} classes), but this run trains {} at width {} \
                     ({} classes): --from needs a checkpoint of the same network",
                    h.config.net.kind.name(),
                    h.config.net.width,
                    h.config.net.classes,
                    t.config.net.kind.name(),
                    t.config.net.width,
                    t.config.net.classes
                ),
            ));
        }
        let mut map: HashMap<String, Vec<f32>> = tensors.into_iter().collect();
        let need = |map: &mut HashMap<String, Vec<f32>>, name: &str, len: usize| {
            let v = map
                .remove(name)
                .ok_or_else(|| QtrainError::bad_data(path, format!("lacks tensor {name}")))?;
            if v.len() != len {
                return Err(QtrainError::bad_data(
                    path,
                    format!(
                        "tensor {name} has {} values, the network needs {len}",
                        v.len()
                    ),
                ));
            }
            Ok(v)
        };
        let mut forward = Vec::new();
        for p in t.net.params() {
            let v = need(&mut map, &format!("param.{}", p.name), p.value.len())?;
            p.value
                .as_slice_mut()
                .expect("parameters are contiguous")
                .copy_from_slice(&v);
            forward.push(v);
        }
        for b in t.net.buffers() {
            let v = need(&mut map, &format!("buffer.{}", b.name), b.value.len())?;
            b.value
                .as_slice_mut()
                .expect("buffers are contiguous")
                .copy_from_slice(&v);
        }
        let same_base = h.config.method.base == t.config.method.base;
        if same_base && t.config.method.base == Base::Adam {
            for (i, a) in t.opt.adam.iter_mut().enumerate() {
                a.m = need(&mut map, &format!("opt.adam.m.{i}"), a.m.len())?;
                a.v = need(&mut map, &format!("opt.adam.v.{i}"), a.v.len())?;
            }
            t.opt.t = h.step;
        }
        for (i, l) in t.opt.latent.iter_mut().enumerate() {
            if let Some(l) = l {
                let name = format!("opt.latent.{i}");
                *l = if map.contains_key(&name) {
                    need(&mut map, &name, l.len())?
                } else {
                    forward[i].clone()
                };
            }
        }
        Ok(())
    }
}
