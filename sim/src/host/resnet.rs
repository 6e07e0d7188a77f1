//! The host driver for ResNet-N and WRN-N-k ([`ResNetPlan`]): every 3×3 conv runs on the engine
//! through [`run_engine_layer`] and is checked bit for bit against the golden integer model; the host
//! runs what the engine cannot (stride-2 subsampling, 1×1 shortcut convs, the residual step, GAP) with
//! [`crate::host::host_ops`]. Parameters are synthetic: seeded ±1 weights and BN calibrated per layer on the
//! batch's own statistics, as [`crate::host::driver::calibrate`] does for vgg-bc.

use qtrain::exact::geometry::ConvLayer;
use qtrain::exact::requant::BnFloat;
use qtrain::exact::xnor_conv;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::devices::stream::StreamDevice;
use crate::error::SimError;
use crate::host::driver::{calibrate, run_engine_layer, synthetic_weights, LayerParams};
use crate::host::host_ops::{self, ResidualStep};
use crate::host::plan::{PlannedConv, ResNetPlan, Shortcut};
use crate::report::{HostStepReport, LayerReport, ResNetExtras, StrideCost};

/// Everything a ResNet batch produced.
pub struct ResNetBatch {
    /// One report per engine layer, in the plan's order (`ResNetPlan::convs`).
    pub layers: Vec<LayerReport>,
    /// Stride-2 costs and host steps.
    pub extras: ResNetExtras,
    /// The last block's output codes per image (`h × w × fc_in`).
    pub last_acts: Vec<Vec<u32>>,
    /// Scale of one unit of `last_acts`.
    pub last_scale: f64,
}

/// Per-channel BN from the batch's own statistics of accumulators `z[y][x][c]` (γ = 1, β = 0).
fn batch_bn(c: usize, z: &[Vec<i64>], out_scale: f64) -> BnFloat {
    let (mean, var) = channel_stats(c, z.iter().flatten().map(|&v| v as f64));
    BnFloat {
        gamma: vec![1.0; c],
        beta: vec![0.0; c],
        mean,
        var,
        eps: 1e-5,
        z_scale: 1.0,
        out_scale,
    }
}

/// Per-channel mean and variance (≥ 1) of values laid out `[…][c]`.
fn channel_stats(c: usize, vals: impl Iterator<Item = f64>) -> (Vec<f64>, Vec<f64>) {
    let (mut s, mut sq, mut n) = (vec![0f64; c], vec![0f64; c], vec![0usize; c]);
    for (i, v) in vals.enumerate() {
        s[i % c] += v;
        sq[i % c] += v * v;
        n[i % c] += 1;
    }
    let mean: Vec<f64> = s
        .iter()
        .zip(&n)
        .map(|(s, &n)| s / n.max(1) as f64)
        .collect();
    let var = sq
        .iter()
        .zip(&n)
        .zip(&mean)
        .map(|((q, &n), m)| (q / n.max(1) as f64 - m * m).max(1.0))
        .collect();
    (mean, var)
}

/// Synthetic parameters of an engine layer: seeded weights, BN calibrated on the batch with either
/// the unsigned ReLU requant ([`calibrate`]) or the signed offset-binary one.
fn synthetic_params(
    pc: &PlannedConv,
    rng: &mut ChaCha8Rng,
    acts: &[Vec<u32>],
    signed: bool,
) -> Result<LayerParams, SimError> {
    let mut l = pc.layer.clone();
    l.images = acts.len();
    let weights = synthetic_weights(rng, l.c_out, l.c_in)?;
    let z = acts
        .iter()
        .map(|a| xnor_conv::xnor_conv(&l, &weights, a))
        .collect::<Result<Vec<_>, _>>()?;
    let requant = if signed {
        let zp = host_ops::zero_point(l.a_out) as f64;
        host_ops::signed_requant(&batch_bn(l.c_out, &z, 3.0 / zp), l.a_out)?
    } else {
        calibrate(&l, &z)?
    };
    Ok(LayerParams { weights, requant })
}

/// Output scale of the unsigned ReLU requant that [`calibrate`] chooses (3σ over 2^A − 1).
fn relu_scale(a: u32) -> f64 {
    3.0 / ((1u64 << a) - 1) as f64
}

/// Run a batch of images (`[y][x][c]`, 8-bit) through the ResNet: every engine layer on `device`,
/// checked against the golden model; the host steps in between. Synthetic parameters from `seed`.
pub fn run_resnet_batch(
    plan: &ResNetPlan,
    device: &mut dyn StreamDevice,
    seed: u64,
    images: &[Vec<u32>],
    pe: usize,
    simd: usize,
    mut progress: impl FnMut(&str),
) -> Result<ResNetBatch, SimError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut layers = Vec::new();
    let mut extras = ResNetExtras {
        zero_point: plan.zero_point,
        ..Default::default()
    };
    let mut engine = |pc: &PlannedConv,
                      acts: &[Vec<u32>],
                      rng: &mut ChaCha8Rng,
                      signed: bool,
                      layers: &mut Vec<LayerReport>|
     -> Result<Vec<Vec<u32>>, SimError> {
        progress(&pc.name);
        let lp = synthetic_params(pc, rng, acts, signed)?;
        let (rep, out) = run_engine_layer(&pc.name, &pc.layer, &lp, device, acts, pe, simd)?;
        layers.push(rep);
        Ok(out)
    };
    let a = plan.act_bits;
    let mut x = engine(&plan.stem, images, &mut rng, false, &mut layers)?;
    let (mut hw, mut x_scale) = (plan.stem.layer.h, relu_scale(a));
    for blk in &plan.blocks {
        let c_in = blk.conv1.layer.c_in;
        let c = blk.conv1.layer.c_out;
        // conv1 (+ BN + ReLU) on the engine at stride 1; the host keeps every other row/column.
        let mut h1 = engine(&blk.conv1, &x, &mut rng, false, &mut layers)?;
        if blk.stride == 2 {
            h1 = h1
                .iter()
                .map(|m| host_ops::subsample2(m, hw, hw, c))
                .collect();
            let rep = layers.last().expect("conv1 was just reported");
            let true_s2 = ConvLayer {
                h: hw.div_ceil(2),
                w: hw.div_ceil(2),
                ..blk.conv1.layer.clone()
            };
            let ideal2 = true_s2.ideal_cycles(pe, simd) * images.len() as u64;
            extras.stride2.push(StrideCost {
                name: rep.name.clone(),
                cycles: rep.cycles,
                ideal_cycles_stride1: rep.ideal_cycles,
                ideal_cycles_stride2: ideal2,
                useful_utilisation: ideal2 as f64 / rep.cycles.max(1) as f64,
            });
        }
        let out_hw = hw.div_ceil(blk.stride);
        // conv2 (+ BN, signed) on the engine: offset-binary codes.
        let u = engine(&blk.conv2, &h1, &mut rng, true, &mut layers)?;
        let res_scale = 3.0 / plan.zero_point as f64;
        // The shortcut on the host: integers t and their real scale (BN folded).
        let (t, sc_mult, sc_off, kind): (Vec<Vec<i64>>, Vec<f64>, Vec<f64>, &str) =
            match &blk.shortcut {
                Shortcut::Identity => (
                    x.iter()
                        .map(|m| m.iter().map(|&v| v as i64).collect())
                        .collect(),
                    vec![x_scale; c],
                    vec![0.0; c],
                    "identity",
                ),
                Shortcut::Conv1x1 { c_in: ci, c_out } => {
                    debug_assert_eq!((*ci, *c_out), (c_in, c));
                    let w: Vec<i8> = (0..c * c_in)
                        .map(|_| if rng.gen::<bool>() { 1 } else { -1 })
                        .collect();
                    let t: Vec<Vec<i64>> = x
                        .iter()
                        .map(|m| host_ops::shortcut_conv1x1_s2(m, hw, hw, c_in, &w, c))
                        .collect();
                    let (mean, var) = channel_stats(c, t.iter().flatten().map(|&v| v as f64));
                    let inv: Vec<f64> = var.iter().map(|v| 1.0 / (v + 1e-5).sqrt()).collect();
                    let off = mean.iter().zip(&inv).map(|(m, i)| -m * i).collect();
                    (t, inv, off, "conv1x1-s2")
                }
            };
        // Output scale calibrated on the batch: 3σ of the pre-ReLU sum over 2^A − 1.
        let zp = plan.zero_point as f64;
        let sums: Vec<f64> = u
            .iter()
            .zip(&t)
            .flat_map(|(um, tm)| {
                um.iter()
                    .zip(tm)
                    .enumerate()
                    .map(|(i, (&uv, &tv))| {
                        (uv as f64 - zp) * res_scale + tv as f64 * sc_mult[i % c] + sc_off[i % c]
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        let n = sums.len().max(1) as f64;
        let mean = sums.iter().sum::<f64>() / n;
        let sd = (sums.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n)
            .sqrt()
            .max(1e-3);
        let out_scale = 3.0 * sd / ((1u64 << a) - 1) as f64;
        let step =
            ResidualStep::from_real(res_scale, &sc_mult, &sc_off, out_scale, plan.zero_point, a)?;
        let out = u
            .iter()
            .zip(&t)
            .map(|(um, tm)| step.run(um, tm))
            .collect::<Result<Vec<_>, _>>()?;
        let values: usize = out.iter().map(Vec::len).sum();
        let top = (1u32 << a) - 1;
        let count = |f: &dyn Fn(u32) -> bool, v: &[Vec<u32>]| {
            v.iter().flatten().filter(|&&x| f(x)).count() as f64 / values.max(1) as f64
        };
        extras.host_steps.push(HostStepReport {
            name: format!("{}.add", blk.name),
            shortcut: kind.into(),
            values,
            zero_fraction: count(&|v| v == 0, &out),
            saturated_fraction: count(&|v| v == top, &out),
            negative_residual_fraction: count(&|v| v < plan.zero_point, &u),
        });
        x = out;
        x_scale = out_scale;
        hw = out_hw;
    }
    if let Some(first) = x.first() {
        extras.features_first_image = host_ops::global_avg_pool(first, plan.fc_in, x_scale);
    }
    Ok(ResNetBatch {
        layers,
        extras,
        last_acts: x,
        last_scale: x_scale,
    })
}
