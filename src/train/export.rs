//! Model export for the simulator and import of weights trained elsewhere.
//!
//! Format (a directory):
//! * `manifest.json`: `{"format": "qtrain-model-1", "net": NetSpec, "method": "...", "grid": Grid,
//!   "tensors": [{"name", "kind", "shape", "dtype", "file"}]}` in the network's parameter order, then
//!   the BN running statistics.
//! * one `.npy` per tensor, C order, PyTorch layouts: conv weight `(cout, cin, k, k)`, linear weight
//!   `(out, in)`, vectors `(c,)`. Kinds: `conv_weight` (`|i1`, values ±1, on the binary grid — the
//!   forward weights: BC's Qd(w_r), R/SR's w_b; `<f4` for full-precision or k-bit runs),
//!   `quant_linear_weight` (the binary MLP's hidden linears, stored like `conv_weight`),
//!   `linear_weight`, `bias`, `bn_gamma`, `bn_beta`, `bn_running_mean`, `bn_running_var` (`<f4`).
//!   BN's eps (1e-5) is fixed by TRAIN_SPEC.
//!
//! Tensor names are the network's dotted parameter names (`conv1.weight`, `bn1.gamma`,
//! `stage2.block0.shortcut.conv.weight`, …); files are `<name>.npy`. Import reads the same layout, or a
//! bare directory of `<name>.npy` files, and accepts `<f4`, `<f8`, `|i1`, `<i4`, `<i8`.
//!
//! From PyTorch: save each tensor of the `state_dict` with `numpy.save("<qtrain name>.npy", t.numpy())`.
//! Layouts already agree; only names differ: a BatchNorm's `weight`/`bias` are qtrain's `gamma`/`beta`,
//! its `running_mean`/`running_var` keep their names, and `num_batches_tracked` is not used. The
//! names a network needs are listed by `qtrain export` of any run of it (manifest.json), or in
//! the error that names the first missing file.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::npy::{self, Dtype};
use crate::error::{QtrainError, Result};
use crate::layers::ParamKind;
use crate::models::{Net, NetSpec};
use crate::quant::Grid;

/// Name of the format version in manifests.
pub const FORMAT: &str = "qtrain-model-1";

/// One tensor in the manifest.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TensorEntry {
    /// Dotted name.
    pub name: String,
    /// conv_weight | quant_linear_weight | linear_weight | bias | bn_gamma | bn_beta |
    /// bn_running_mean | bn_running_var.
    pub kind: String,
    /// Shape.
    pub shape: Vec<usize>,
    /// `<f4` or `|i1`.
    pub dtype: String,
    /// File name inside the directory.
    pub file: String,
}

/// manifest.json.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: String,
    /// The network.
    pub net: NetSpec,
    /// The training method's name.
    pub method: String,
    /// The weight grid.
    pub grid: Grid,
    /// Tensors in order.
    pub tensors: Vec<TensorEntry>,
}

fn kind_name(k: ParamKind) -> &'static str {
    match k {
        ParamKind::ConvWeight => "conv_weight",
        ParamKind::QuantLinearWeight => "quant_linear_weight",
        ParamKind::LinearWeight => "linear_weight",
        ParamKind::Bias => "bias",
        ParamKind::BnGamma => "bn_gamma",
        ParamKind::BnBeta => "bn_beta",
    }
}

/// Write `net` (its forward weights) into directory `out`.
pub fn export(net: &mut Net<f32>, method: &str, grid: Grid, out: &Path) -> Result<Manifest> {
    std::fs::create_dir_all(out).map_err(|e| QtrainError::io(out, e))?;
    let mut tensors = Vec::new();
    let spec = net.spec;
    let mut put =
        |name: &str, kind: &str, shape: &[usize], data: Vec<f32>, dtype: Dtype| -> Result<()> {
            let file = format!("{name}.npy");
            npy::write(&out.join(&file), shape, &data, dtype)?;
            tensors.push(TensorEntry {
                name: name.to_string(),
                kind: kind.to_string(),
                shape: shape.to_vec(),
                dtype: if dtype == Dtype::I8 {
                    "|i1".into()
                } else {
                    "<f4".into()
                },
                file,
            });
            Ok(())
        };
    for p in net.params() {
        let data: Vec<f32> = p.value.iter().copied().collect();
        let binary = p.kind.is_quantized() && data.iter().all(|&v| v == 1.0 || v == -1.0);
        put(
            &p.name,
            kind_name(p.kind),
            p.value.shape(),
            data,
            if binary { Dtype::I8 } else { Dtype::F32 },
        )?;
    }
    for b in net.buffers() {
        let kind = if b.name.ends_with("running_mean") {
            "bn_running_mean"
        } else {
            "bn_running_var"
        };
        put(
            &b.name,
            kind,
            b.value.shape(),
            b.value.iter().copied().collect(),
            Dtype::F32,
        )?;
    }
    let m = Manifest {
        format: FORMAT.into(),
        net: spec,
        method: method.into(),
        grid,
        tensors,
    };
    let path = out.join("manifest.json");
    let js = serde_json::to_string_pretty(&m)
        .map_err(|e| QtrainError::bad_data(&path, e.to_string()))?;
    std::fs::write(&path, js).map_err(|e| QtrainError::io(&path, e))?;
    Ok(m)
}

/// Read `dir/manifest.json` if present.
pub fn read_manifest(dir: &Path) -> Result<Option<Manifest>> {
    let path = dir.join("manifest.json");
    match std::fs::symlink_metadata(&path) {
        Err(_) => return Ok(None),
        Ok(_) if !path.is_file() => {
            return Err(QtrainError::bad_data(
                &path,
                "exists but is not a readable file",
            ))
        }
        Ok(_) => {}
    }
    let s = std::fs::read_to_string(&path).map_err(|e| QtrainError::io(&path, e))?;
    let m: Manifest =
        serde_json::from_str(&s).map_err(|e| QtrainError::bad_data(&path, e.to_string()))?;
    if m.format != FORMAT {
        return Err(QtrainError::bad_data(
            &path,
            format!("format {:?}, expected {FORMAT:?}", m.format),
        ));
    }
    // the spec sizes everything built from this file: bound it before anyone allocates
    m.net
        .validate(&crate::validate::Origin::file(&path), "net.")?;
    Ok(Some(m))
}

/// Load every parameter and BN buffer of `net` from `dir/<name>.npy`, checking shapes. Every tensor
/// must be present: a missing or mis-shaped one is an error naming it.
pub fn import(net: &mut Net<f32>, dir: &Path) -> Result<()> {
    let load = |name: &str, shape: &[usize], dst: &mut [f32]| -> Result<()> {
        let path = dir.join(format!("{name}.npy"));
        if !path.is_file() {
            return Err(QtrainError::bad_data(
                dir,
                format!("missing tensor {name} ({name}.npy, shape {shape:?})"),
            ));
        }
        let (s, v) = npy::read(&path)?;
        if s != shape {
            return Err(QtrainError::bad_data(
                &path,
                format!("shape {s:?}, the network needs {shape:?}"),
            ));
        }
        if let Some(bad) = v.iter().find(|x| !x.is_finite()) {
            return Err(QtrainError::bad_data(
                &path,
                format!("non-finite value {bad}"),
            ));
        }
        dst.copy_from_slice(&v);
        Ok(())
    };
    for p in net.params() {
        let shape = p.value.shape().to_vec();
        load(&p.name, &shape, p.value.as_slice_mut().expect("contiguous"))?;
    }
    for b in net.buffers() {
        let shape = b.value.shape().to_vec();
        load(&b.name, &shape, b.value.as_slice_mut().expect("contiguous"))?;
    }
    Ok(())
}
