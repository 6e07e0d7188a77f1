//! A trained model on the accelerator: the conv layers' ±1 weights and batch-norm statistics become
//! engine parameters (weights in the stream layout, BN + ReLU + A-bit output folded into the integer
//! requantisation), and the full-precision layers after the conv stack run on the host, as on a board.
//!
//! Scales: the first layer takes raw 8-bit pixels; the float model sees `(pixel − μ_c)/64`, so the
//! accumulator's real value is `z/64 − Σ w·μ_c/64` and the per-filter term `Σ w·μ_c/64` folds into the
//! BN mean (exact away from the image border, where the engine pads raw zeros and the float model pads
//! normalised zeros). Each later layer's input unit is the previous layer's output unit, which is
//! calibrated once from the float model: the 99.9th percentile of the layer's post-ReLU activations on
//! the calibration images maps to the top code `2^A − 1`.

use std::path::Path;

use ndarray::{ArrayD, IxDyn};
use qtrain::data::{normalize_into, CHANNEL_MEAN, INPUT_SCALE_SHIFT};
use qtrain::exact::geometry::K;
use qtrain::exact::pack;
use qtrain::exact::requant::{BnFloat, Requant};
use qtrain::layers::ParamKind;
use qtrain::models::Net;
use qtrain::train::export::{import, read_manifest, Manifest};

use crate::error::{usage, SimError};
use crate::host::driver::LayerParams;
use crate::host::plan::NetPlan;

type Result<T> = std::result::Result<T, SimError>;

/// A trained network split between the engine and the host.
pub struct TrainedModel {
    net: Net<f32>,
    /// Engine parameters, one per planned conv layer.
    pub params: Vec<LayerParams>,
    /// Real value of one output code of each conv layer.
    pub out_scales: Vec<f64>,
    host_from: usize,
}

fn normalised(images: &[Vec<u8>]) -> ArrayD<f32> {
    let flat: Vec<u8> = images.concat();
    let mut x = vec![0f32; flat.len()];
    normalize_into(&flat, &mut x);
    use qtrain::data::{IMAGE_CHANNELS, IMAGE_SIDE};
    ArrayD::from_shape_vec(
        IxDyn(&[images.len(), IMAGE_CHANNELS, IMAGE_SIDE, IMAGE_SIDE]),
        x,
    )
    .expect("IMAGE_BYTES per image")
}

fn percentile_999(v: &[f32]) -> f64 {
    let mut pos: Vec<f32> = v.iter().copied().filter(|x| *x > 0.0).collect();
    if pos.is_empty() {
        return 1.0;
    }
    pos.sort_by(|a, b| a.total_cmp(b));
    pos[((pos.len() - 1) as f64 * 0.999) as usize] as f64
}

impl TrainedModel {
    /// Read and check an exported model's manifest before anything is loaded: `dir` must be a
    /// `qtrain export` directory whose manifest (`net` bounded by `read_manifest`) is the network
    /// `plan` runs at `width`.
    pub fn manifest(dir: &Path, plan: &NetPlan, width: f64) -> Result<Manifest> {
        match std::fs::metadata(dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => usage!(
                "--weights {}: not a directory (expected a `qtrain export` directory)",
                dir.display()
            ),
            Err(e) => usage!("--weights {}: {e}", dir.display()),
        }
        let Some(m) = read_manifest(dir)? else {
            usage!(
                "{}: no manifest.json (write one with `qtrain export`)",
                dir.display()
            );
        };
        if m.net.kind.name() != plan.net || (m.net.width - width).abs() > 1e-9 {
            usage!(
                "{}: the model is {} at width {}, but --net {} --width {width} was asked for",
                dir.display(),
                m.net.kind.name(),
                m.net.width,
                plan.net
            );
        }
        Ok(m)
    }

    /// Load an exported model (`qtrain export` directory, its manifest `m` from
    /// [`TrainedModel::manifest`]) for `plan`, calibrating activation scales on `calib` (raw CIFAR
    /// images, planar RGB).
    pub fn load(dir: &Path, m: &Manifest, plan: &NetPlan, calib: &[Vec<u8>]) -> Result<Self> {
        let mut net = Net::<f32>::new(m.net, 0);
        import(&mut net, dir)?;
        let host_from = net
            .layers
            .iter()
            .position(|(n, _)| n == "flatten")
            .ok_or_else(|| {
                SimError::Usage(
                    "the network has no flatten layer: only vgg-bc runs on the engine".into(),
                )
            })?;

        // Per conv layer: weights, BN γ/β (params) and running mean/var (buffers), in layer order.
        let mut weights = Vec::new();
        let mut gammas = Vec::new();
        let mut betas = Vec::new();
        for p in net.params() {
            match p.kind {
                ParamKind::ConvWeight => weights.push(p.value.clone()),
                ParamKind::BnGamma if p.name.starts_with("bn") && !p.name.starts_with("bnfc") => {
                    gammas.push(p.value.clone())
                }
                ParamKind::BnBeta if p.name.starts_with("bn") && !p.name.starts_with("bnfc") => {
                    betas.push(p.value.clone())
                }
                _ => {}
            }
        }
        let mut means = Vec::new();
        let mut vars = Vec::new();
        for b in net.buffers() {
            if b.name.starts_with("bnfc") {
                continue;
            }
            if b.name.ends_with("running_mean") {
                means.push(b.value.clone());
            } else if b.name.ends_with("running_var") {
                vars.push(b.value.clone());
            }
        }
        let n = plan.convs.len();
        if [
            weights.len(),
            gammas.len(),
            betas.len(),
            means.len(),
            vars.len(),
        ] != [n; 5]
        {
            usage!(
                "{}: expected {n} conv layers with batch norm, found {} conv weights",
                dir.display(),
                weights.len()
            );
        }

        // Output scales from the float model's post-ReLU activations on the calibration images.
        let mut out_scales = Vec::new();
        let mut x = normalised(calib);
        for (name, layer) in net.layers[..host_from].iter_mut() {
            x = layer.forward(x, false);
            if name.starts_with("relu") {
                let a = plan.convs[out_scales.len()].layer.a_out;
                out_scales
                    .push(percentile_999(x.as_slice().unwrap_or(&[])) / ((1u64 << a) - 1) as f64);
            }
        }

        let mut params = Vec::new();
        for (i, pc) in plan.convs.iter().enumerate() {
            let l = &pc.layer;
            let w = &weights[i];
            if w.shape() != [l.c_out, l.c_in, K, K] {
                usage!(
                    "conv{}: weight shape {:?}, expected [{}, {}, {K}, {K}]",
                    i + 1,
                    w.shape(),
                    l.c_out,
                    l.c_in
                );
            }
            let mut wb = Vec::with_capacity(w.len());
            let mut mean_fold = vec![0f64; l.c_out];
            for o in 0..l.c_out {
                for ky in 0..K {
                    for kx in 0..K {
                        for c in 0..l.c_in {
                            let v = w[[o, c, ky, kx]];
                            if v != 1.0 && v != -1.0 {
                                usage!("conv{}: weight {v} is not ±1: the engine needs binary weights (train with r/sr/bc)", i + 1);
                            }
                            wb.push(v as i8);
                            if i == 0 {
                                mean_fold[o] += v as f64 * CHANNEL_MEAN[c] as f64;
                            }
                        }
                    }
                }
            }
            let in_scale = if i == 0 {
                1.0 / (1u64 << INPUT_SCALE_SHIFT) as f64
            } else {
                out_scales[i - 1]
            };
            let to64 = |a: &ArrayD<f32>| a.iter().map(|&v| v as f64).collect::<Vec<f64>>();
            let mean: Vec<f64> = to64(&means[i])
                .iter()
                .zip(&mean_fold)
                .map(|(m, f)| m + f * in_scale)
                .collect();
            let requant = Requant::from_bn(
                &BnFloat {
                    gamma: to64(&gammas[i]),
                    beta: to64(&betas[i]),
                    mean,
                    var: to64(&vars[i]),
                    eps: 1e-5,
                    z_scale: in_scale,
                    out_scale: out_scales[i],
                },
                l.a_out,
            )?;
            params.push(LayerParams {
                weights: pack::pack_weights(&wb, l.c_out, K, l.c_in)?,
                requant,
            });
        }
        Ok(Self {
            net,
            params,
            out_scales,
            host_from,
        })
    }

    /// Host side: the last conv layer's codes (`[y][x][c]`, per image) → the float layers → classes.
    pub fn host_predict(&mut self, plan: &NetPlan, acts: &[Vec<u32>]) -> Vec<usize> {
        let l = &plan.convs.last().expect("a plan has conv layers").layer;
        let (h, w, c) = (l.out_h(), l.out_w(), l.c_out);
        let s = *self.out_scales.last().expect("scales per layer") as f32;
        let mut x = ArrayD::<f32>::zeros(IxDyn(&[acts.len(), c, h, w]));
        for (n, a) in acts.iter().enumerate() {
            for (i, &v) in a.iter().enumerate() {
                let (px, ch) = (i / c, i % c);
                x[[n, ch, px / w, px % w]] = v as f32 * s;
            }
        }
        for (_, layer) in self.net.layers[self.host_from..].iter_mut() {
            x = layer.forward(x, false);
        }
        argmax(&x)
    }

    /// The float golden model's predictions on raw images.
    pub fn float_predict(&mut self, images: &[Vec<u8>]) -> Vec<usize> {
        let logits = self.net.forward(normalised(images), false);
        argmax(&logits)
    }
}

fn argmax(logits: &ArrayD<f32>) -> Vec<usize> {
    logits
        .outer_iter()
        .map(|row| {
            row.iter()
                .enumerate()
                .fold((0, f32::NEG_INFINITY), |(bi, bv), (i, &v)| {
                    if v > bv {
                        (i, v)
                    } else {
                        (bi, bv)
                    }
                })
                .0
        })
        .collect()
}
