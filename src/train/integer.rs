//! The **integer training path**: training steps of a binary-weight conv net whose conv forward is the
//! accelerator's integer arithmetic and whose weight update is the update unit's fixed-point
//! arithmetic — the golden twin of hardware-in-the-loop training (`sim --train`).
//!
//! It lives in `train/` and not in `exact/` because half of it is float host code (the backward pass,
//! ADAM, the linear layers), which `exact/`'s contract ("no floats in the arithmetic") excludes.
//!
//! One step ([`IntegerTrainer::step`]):
//! 1. **Forward on the accelerator** ([`Accelerator::conv`]): every conv layer (XNOR-popcount conv,
//!    requantise + ReLU with the layer's frozen (M, B, sh), optional 2×2 max-pool) on integer
//!    activations; the last conv layer's `A`-bit output, divided by `2^A − 1`, feeds the host's
//!    linear layers (Linear + ReLU, Linear + ReLU, Linear; full precision, `src/layers`) and the mean
//!    softmax cross-entropy.
//! 2. **Backward on the host, in f32.** The host recomputes each layer's accumulators `z` from the
//!    accelerator's input activations with an im2col GEMM (exact: integers below 2^24) to route the
//!    gradient. Straight-through estimators: through the activation quantisation,
//!    `∂a/∂z = M_c/2^sh` where the unclamped requantised value `floor((z·M_c + B_c)/2^sh)` lies in
//!    `[0, 2^A − 1]`, else 0 (clipped ReLU); through the max-pool, to the first maximal position
//!    (row-major in the 2×2 block); through the binarisation, the gradient w.r.t. the ±1 forward weight
//!    is the gradient of the stored weight (R/SR: the weight itself, BC: the buffer `w_r`), as in the
//!    float trainer ([`crate::optim::Optimizer`]).
//! 3. **ADAM on the host** ([`crate::optim::Adam`], lr `IntegerConfig::lr`) gives each conv weight a
//!    step `u` (f32), **quantised to the update unit's `u_format`**: nearest raw value, ties away from
//!    zero, saturated to the format's range; every saturated `u` is counted
//!    ([`StepRecord::u_saturations`]). The linear layers take their ADAM step in float (`w ← w − u`).
//! 4. **Update on the accelerator** ([`Accelerator::update`]): per conv layer one 2-word command
//!    (mode R/SR/BC, binary grid, sign packing on with the filter length `9·C_in`, saturation counter
//!    cleared; the run's very first command also reseeds every lane `l` to
//!    `lane_state(`[`lane_seed`]`(seed), l)` ([`crate::lfsr::LfsrSpec::lane`]), after which the lanes'
//!    LFSRs run on across layers and steps — a reseed costs the unit's seeder about two thousand
//!    cycles, more than a small layer's whole update), then the layer's `(w, u)` stream, filter by filter, each filter
//!    padded to whole beats ([`crate::exact::update::pad_filters`]; padding lanes carry `w = +1, u = 0`
//!    and are dropped). What comes back is the new stored weight (R/SR: the binary weight, BC: the
//!    fixed-point buffer `w_r`), the unit's saturation (clip) count and the packed signs that are the
//!    next forward pass's weights, in the conv engine's layout.
//!
//! The requantisation is calibrated once, on the first batch with the initial weights, like batch norm
//! with that batch's statistics (γ = 1, β = 0, one output unit = 3σ/(2^A − 1)), then frozen: the
//! engine has no BN statistics unit, and a frozen (M, B, sh) keeps both paths' forward exact.
//!
//! Everything is deterministic from `IntegerConfig::seed`: the ±1 initial weights and the linear
//! layers' initialisation come from ChaCha8 streams of the seed, SR's draws from the lanes' LFSRs.
//! [`GoldenAccelerator`] is the integer golden model behind [`Accelerator`]; the simulator supplies a
//! second implementation that sends both jobs to a simulated accelerator top as its conv and update
//! transactions (`qtrain::exact::accel`), and compares.

use ndarray::{Array2, ArrayD, IxDyn};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::{QtrainError, Result};
use crate::exact::geometry::{ConvLayer, K};
use crate::exact::pack::{pack_weights, unpack_weights, words_per_filter};
use crate::exact::requant::Requant;
use crate::exact::update::{
    pad_filters, unpad_filters, UpdateCommand, UpdateGrid, UpdateMode, UpdateUnitModel,
};
use crate::exact::xnor_conv;
use crate::fixed::Saturation;
use crate::hw::UpdateParams;
use crate::layers::{softmax_cross_entropy, Layer, Linear, Relu};
use crate::optim::Adam;

/// What a conv layer run on an accelerator gives back.
#[derive(Clone, Debug)]
pub struct ConvRun {
    /// One output map `a'[y][x][c]` per image.
    pub outputs: Vec<Vec<u32>>,
    /// Clock cycles it took (0 where the accelerator has no clock).
    pub cycles: u64,
}

/// What a layer's weight update on an accelerator gives back (one entry per lane of every beat, in
/// stream order, padding included).
#[derive(Clone, Debug)]
pub struct UpdateRun {
    /// The stored value written back (R/SR: the new weight, BC: the buffer `w_r'`), raw `w_format`.
    pub w: Vec<i64>,
    /// The packed sign words of the next forward weights (conv engine layout).
    pub packed: Vec<u64>,
    /// The unit's saturation counter after the stream (cleared by the command).
    pub saturations: u64,
    /// Clock cycles of command + stream (0 where the accelerator has no clock).
    pub cycles: u64,
}

/// The two jobs the accelerator does in training. Two implementations: [`GoldenAccelerator`] (the
/// integer golden model) and the simulator's (rust-hdl conv engine and update unit), so the golden
/// path and the hardware path share every line of host code.
pub trait Accelerator {
    /// The accelerator's error type (must carry the golden model's errors).
    type Error: From<QtrainError>;
    /// Run conv layer `layer` (shape `l`, `l.images == acts.len()`, `l.sh == rq.sh`) on a batch.
    fn conv(
        &mut self,
        step: u64,
        layer: usize,
        l: &ConvLayer,
        weights: &[u64],
        rq: &Requant,
        acts: &[Vec<u32>],
    ) -> std::result::Result<ConvRun, Self::Error>;
    /// Send `cmd`, then stream `(w, u)` (whole beats) through the update unit.
    fn update(
        &mut self,
        step: u64,
        layer: usize,
        cmd: &UpdateCommand,
        w: &[i64],
        u: &[i64],
    ) -> std::result::Result<UpdateRun, Self::Error>;
}

/// The integer golden model as an [`Accelerator`]: `exact::xnor_conv::conv_layer` and
/// `exact::update::UpdateUnitModel` (commanded through its 2-word encoding).
#[derive(Clone, Debug)]
pub struct GoldenAccelerator {
    unit: UpdateUnitModel,
}

impl GoldenAccelerator {
    /// An update unit model with parameters `p`, at power-on.
    pub fn new(p: &UpdateParams) -> Result<Self> {
        Ok(Self {
            unit: UpdateUnitModel::new(p)?,
        })
    }
}

impl Accelerator for GoldenAccelerator {
    type Error = QtrainError;
    fn conv(
        &mut self,
        _step: u64,
        _layer: usize,
        l: &ConvLayer,
        weights: &[u64],
        rq: &Requant,
        acts: &[Vec<u32>],
    ) -> Result<ConvRun> {
        let outputs = acts
            .iter()
            .map(|a| xnor_conv::conv_layer(l, weights, rq, a))
            .collect::<Result<Vec<_>>>()?;
        Ok(ConvRun { outputs, cycles: 0 })
    }

    fn update(
        &mut self,
        _step: u64,
        _layer: usize,
        cmd: &UpdateCommand,
        w: &[i64],
        u: &[i64],
    ) -> Result<UpdateRun> {
        let p = self.unit.params().clone();
        self.unit
            .command(&UpdateCommand::decode(cmd.encode(&p)?, &p)?)?;
        let beats = self.unit.run(w, u)?;
        Ok(UpdateRun {
            w: beats
                .iter()
                .flat_map(|b| b.lanes.iter().map(|o| o.w))
                .collect(),
            packed: beats.iter().filter_map(|b| b.pack).collect(),
            saturations: self.unit.saturation().count,
            cycles: 0,
        })
    }
}

/// What to train.
#[derive(Clone, Debug)]
pub struct IntegerConfig {
    /// The conv layers in order (3×3, stride 1, binary weights; each one's output is the next one's
    /// input; `images` and `sh` are set per step).
    pub convs: Vec<ConvLayer>,
    /// R, SR or BC.
    pub mode: UpdateMode,
    /// The update unit (lanes, `w_format`, `u_format`, SR bits, LFSR).
    pub update: UpdateParams,
    /// Hidden width of the two hidden linear layers.
    pub fc_hidden: usize,
    /// Classes.
    pub classes: usize,
    /// ADAM's learning rate (conv and linear layers).
    pub lr: f32,
    /// Seed of everything.
    pub seed: u64,
}

/// One conv layer's trained state.
#[derive(Clone, Debug)]
pub struct ConvState {
    /// Shape, with `sh` from the requantisation.
    pub layer: ConvLayer,
    /// Frozen requantisation.
    pub requant: Requant,
    /// Stored weights, raw `w_format`, filter by filter in pack order (`(ky·3+kx)·C_in + c`):
    /// R/SR the binary weights (±1), BC the buffer `w_r`.
    pub w: Vec<i64>,
    /// The forward weights, packed for the conv engine.
    pub packed: Vec<u64>,
    adam: Adam,
}

/// Figures of one training step.
#[derive(Clone, Debug)]
pub struct StepRecord {
    /// Step number (1-based).
    pub step: u64,
    /// Mean cross-entropy of the batch (before the update).
    pub loss: f64,
    /// Misclassified images of the batch.
    pub errors: usize,
    /// Forward weights whose sign changed in this step's update, all layers.
    pub flipped: u64,
    /// Stored weights (R/SR: the weights, BC: the buffer `w_r`) whose value changed, all layers.
    pub changed: u64,
    /// ADAM steps `u` that saturated when quantised to `u_format`.
    pub u_saturations: u64,
    /// The update unit's saturation count (`w − u` clipped to the grid's range), all layers.
    pub clip_saturations: u64,
    /// Accelerator cycles of the forward conv layers.
    pub conv_cycles: u64,
    /// Accelerator cycles of the weight updates.
    pub update_cycles: u64,
    /// Every conv layer's outputs (layer, image, value) as the accelerator returned them.
    pub conv_outputs: Vec<Vec<Vec<u32>>>,
}

/// The seed the update unit's lanes are seeded from (once, by the run's first update command):
/// SplitMix64 of the run's seed, so lane seeds differ from the weight-initialisation stream.
pub fn lane_seed(seed: u64) -> u64 {
    crate::splitmix::SplitMix64::new(seed).next_u64()
}

/// Quantise ADAM's steps to `p.u_format` (nearest, ties away from zero, saturated; NaN is an error),
/// counting saturations in `sat`.
pub fn quantise_steps(p: &UpdateParams, u: &[f32], sat: &mut Saturation) -> Result<Vec<i64>> {
    u.iter().map(|&x| p.u_format.from_f32(x, sat)).collect()
}

/// im2col of one image `a[y][x][c]`: row `y·W + x`, column `(ky·3+kx)·C_in + c` (pack order), zero
/// padding.
fn im2col(l: &ConvLayer, a: &[u32]) -> Array2<f32> {
    let n = l.window_bits();
    let mut cols = Array2::<f32>::zeros((l.h * l.w, n));
    for y in 0..l.h {
        for x in 0..l.w {
            let mut row = cols.row_mut(y * l.w + x);
            for ky in 0..K {
                for kx in 0..K {
                    let (yy, xx) = (y as isize + ky as isize - 1, x as isize + kx as isize - 1);
                    if yy < 0 || xx < 0 || yy >= l.h as isize || xx >= l.w as isize {
                        continue;
                    }
                    let px = (yy as usize * l.w + xx as usize) * l.c_in;
                    let base = (ky * K + kx) * l.c_in;
                    for c in 0..l.c_in {
                        row[base + c] = a[px + c] as f32;
                    }
                }
            }
        }
    }
    cols
}

/// Scatter-add of im2col columns back onto an `[y][x][c]` map (the adjoint of [`im2col`]).
fn col2im(l: &ConvLayer, d: &Array2<f32>) -> Vec<f32> {
    let mut out = vec![0f32; l.h * l.w * l.c_in];
    for y in 0..l.h {
        for x in 0..l.w {
            let row = d.row(y * l.w + x);
            for ky in 0..K {
                for kx in 0..K {
                    let (yy, xx) = (y as isize + ky as isize - 1, x as isize + kx as isize - 1);
                    if yy < 0 || xx < 0 || yy >= l.h as isize || xx >= l.w as isize {
                        continue;
                    }
                    let px = (yy as usize * l.w + xx as usize) * l.c_in;
                    let base = (ky * K + kx) * l.c_in;
                    for c in 0..l.c_in {
                        out[px + c] += row[base + c];
                    }
                }
            }
        }
    }
    out
}

/// The training state of the integer path.
pub struct IntegerTrainer {
    cfg: IntegerConfig,
    convs: Vec<ConvState>,
    fc: Vec<Linear<f32>>,
    relus: Vec<Relu<f32>>,
    fc_adam: Vec<Adam>,
    t: u64,
}

impl IntegerTrainer {
    /// Seeded initial state; the requantisation of every layer is calibrated on `calib` (images
    /// `[y][x][c]` of the first layer's shape) with the golden model and frozen.
    pub fn new(cfg: IntegerConfig, calib: &[Vec<u32>]) -> Result<Self> {
        cfg.update.validate()?;
        if cfg.convs.is_empty() || calib.is_empty() || cfg.classes < 2 || cfg.fc_hidden == 0 {
            return Err(QtrainError::Shape(
                "integer training needs conv layers, a calibration batch, ≥ 2 classes and a hidden width"
                    .into(),
            ));
        }
        if !(cfg.lr.is_finite() && cfg.lr > 0.0) {
            return Err(QtrainError::Numeric(format!(
                "learning rate {} must be a positive number",
                cfg.lr
            )));
        }
        let one = cfg.update.w_format.one_raw().ok_or_else(|| {
            QtrainError::Numeric(format!("{} cannot hold 1.0", cfg.update.w_format))
        })?;
        let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
        let mut acts: Vec<Vec<u32>> = calib.to_vec();
        let mut convs = Vec::with_capacity(cfg.convs.len());
        for (i, l0) in cfg.convs.iter().enumerate() {
            let mut l = l0.clone();
            l.images = acts.len();
            if i > 0 {
                let prev = &cfg.convs[i - 1];
                if l.c_in != prev.c_out || l.h != prev.out_h() || l.w != prev.out_w() {
                    return Err(QtrainError::Shape(format!(
                        "conv layer {} does not take layer {}'s output",
                        i + 1,
                        i
                    )));
                }
            }
            if acts.iter().any(|a| a.len() != l.h * l.w * l.c_in) {
                return Err(QtrainError::Shape(format!(
                    "calibration activations do not have layer {}'s input shape {}×{}×{}",
                    i + 1,
                    l.h,
                    l.w,
                    l.c_in
                )));
            }
            let n = l.c_out * l.window_bits();
            let signs: Vec<i8> = (0..n)
                .map(|_| if rng.gen::<bool>() { 1 } else { -1 })
                .collect();
            let packed = pack_weights(&signs, l.c_out, K, l.c_in)?;
            let z = acts
                .iter()
                .map(|a| xnor_conv::xnor_conv(&l, &packed, a))
                .collect::<Result<Vec<_>>>()?;
            let requant = Requant::calibrate(&l, &z)?;
            l.sh = requant.sh;
            acts = acts
                .iter()
                .map(|a| xnor_conv::conv_layer(&l, &packed, &requant, a))
                .collect::<Result<Vec<_>>>()?;
            convs.push(ConvState {
                w: signs.iter().map(|&s| s as i64 * one).collect(),
                packed,
                requant,
                adam: Adam::new(n),
                layer: l,
            });
        }
        let last = &convs[convs.len() - 1].layer;
        let fin = last.out_h() * last.out_w() * last.c_out;
        let dims = [
            (fin, cfg.fc_hidden),
            (cfg.fc_hidden, cfg.fc_hidden),
            (cfg.fc_hidden, cfg.classes),
        ];
        let mut fc = Vec::new();
        let mut fc_adam = Vec::new();
        for (fi, fo) in dims {
            let mut lin = Linear::<f32>::new(fi, fo, true);
            let bound = 1.0 / (fi as f32).sqrt();
            lin.weight.mapv_inplace(|_| rng.gen_range(-bound..bound));
            fc_adam.push(Adam::new(fi * fo));
            fc_adam.push(Adam::new(fo));
            fc.push(lin);
        }
        Ok(Self {
            cfg,
            convs,
            fc,
            relus: vec![Relu::new(), Relu::new()],
            fc_adam,
            t: 0,
        })
    }

    /// The conv layers' state (weights, packed forward weights, requantisation).
    pub fn convs(&self) -> &[ConvState] {
        &self.convs
    }

    /// The configuration.
    pub fn config(&self) -> &IntegerConfig {
        &self.cfg
    }

    /// Steps taken.
    pub fn steps_taken(&self) -> u64 {
        self.t
    }

    /// One training step on `images` (`[y][x][c]`, the first layer's shape) with `labels`, the
    /// accelerator's jobs done by `acc`.
    pub fn step<A: Accelerator>(
        &mut self,
        acc: &mut A,
        images: &[Vec<u32>],
        labels: &[u16],
    ) -> std::result::Result<StepRecord, A::Error> {
        let step = self.t + 1;
        let nb = images.len();
        if nb == 0 || labels.len() != nb || labels.iter().any(|&y| y as usize >= self.cfg.classes) {
            return Err(QtrainError::Shape(format!(
                "step {step}: {nb} images, {} labels (each < {})",
                labels.len(),
                self.cfg.classes
            ))
            .into());
        }
        // 1. forward on the accelerator
        let mut acts: Vec<Vec<Vec<u32>>> = vec![images.to_vec()];
        let mut conv_cycles = 0;
        for (li, cs) in self.convs.iter_mut().enumerate() {
            cs.layer.images = nb;
            let r = acc.conv(step, li, &cs.layer, &cs.packed, &cs.requant, &acts[li])?;
            let want = cs.layer.out_h() * cs.layer.out_w() * cs.layer.c_out;
            if r.outputs.len() != nb || r.outputs.iter().any(|o| o.len() != want) {
                return Err(QtrainError::Shape(format!(
                    "step {step}, conv{}: the accelerator returned the wrong output shape",
                    li + 1
                ))
                .into());
            }
            conv_cycles += r.cycles;
            acts.push(r.outputs);
        }
        // 2. linear layers and loss on the host
        let last = &self.convs[self.convs.len() - 1].layer;
        let amax = ((1u64 << last.a_out) - 1) as f32;
        let fin = self.fc[0].fin;
        let flat: Vec<f32> = acts[acts.len() - 1]
            .iter()
            .flat_map(|a| a.iter().map(|&v| v as f32 / amax))
            .collect();
        let mut x = ArrayD::from_shape_vec(IxDyn(&[nb, fin]), flat)
            .map_err(|e| QtrainError::Shape(format!("step {step}: linear input: {e}")))?;
        for j in 0..3 {
            x = self.fc[j].forward(x, true);
            if j < 2 {
                x = self.relus[j].forward(x, true);
            }
        }
        let (loss, dlogits, errors) = softmax_cross_entropy(&x, labels);
        if !loss.is_finite() {
            return Err(QtrainError::Numeric(format!("step {step}: loss is {loss}")).into());
        }
        let mut d = dlogits;
        for j in (0..3).rev() {
            d = self.fc[j].backward(d);
            if j > 0 {
                d = self.relus[j - 1].backward(d);
            }
        }
        let d = d.as_standard_layout();
        let d = d.as_slice().expect("standard layout");
        // dL/d(last conv output), per image, in integer activation units
        let mut dact: Vec<Vec<f32>> = d
            .chunks(fin)
            .map(|c| c.iter().map(|v| v / amax).collect())
            .collect();
        // 3. conv backward (float, STE)
        let mut grads: Vec<Vec<f32>> = vec![Vec::new(); self.convs.len()];
        for li in (0..self.convs.len()).rev() {
            let cs = &self.convs[li];
            let l = &cs.layer;
            let n = l.window_bits();
            let wsign = unpack_weights(&cs.packed, l.c_out, K, l.c_in)?;
            let wmat =
                Array2::from_shape_vec((l.c_out, n), wsign.iter().map(|&s| s as f32).collect())
                    .map_err(|e| QtrainError::Shape(format!("conv{} weights: {e}", li + 1)))?;
            let amax_l = (1i64 << l.a_out) - 1;
            let mut dw = Array2::<f32>::zeros((l.c_out, n));
            let mut dprev: Vec<Vec<f32>> = Vec::with_capacity(nb);
            for (img, a) in acts[li].iter().enumerate() {
                let cols = im2col(l, a);
                let z = cols.dot(&wmat.t()); // [H·W, C_out], exact integers
                let mut dz = Array2::<f32>::zeros((l.h * l.w, l.c_out));
                let y_of = |p: usize, c: usize| -> (i64, bool) {
                    let zz = z[[p, c]] as i64;
                    let pre =
                        (zz * cs.requant.m[c] as i64 + cs.requant.b[c] as i64) >> cs.requant.sh;
                    (pre.clamp(0, amax_l), (0..=amax_l).contains(&pre))
                };
                let gain: Vec<f32> = cs
                    .requant
                    .m
                    .iter()
                    .map(|&m| m as f32 / (1u64 << cs.requant.sh) as f32)
                    .collect();
                let g = &dact[img];
                if l.pool {
                    let (ho, wo) = (l.h / 2, l.w / 2);
                    for yo in 0..ho {
                        for xo in 0..wo {
                            for c in 0..l.c_out {
                                let mut best = (i64::MIN, 0usize, false);
                                for (dy, dx) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                                    let p = (2 * yo + dy) * l.w + 2 * xo + dx;
                                    let (y, pass) = y_of(p, c);
                                    if y > best.0 {
                                        best = (y, p, pass);
                                    }
                                }
                                if best.2 {
                                    dz[[best.1, c]] = g[(yo * wo + xo) * l.c_out + c] * gain[c];
                                }
                            }
                        }
                    }
                } else {
                    for p in 0..l.h * l.w {
                        for c in 0..l.c_out {
                            if y_of(p, c).1 {
                                dz[[p, c]] = g[p * l.c_out + c] * gain[c];
                            }
                        }
                    }
                }
                dw += &dz.t().dot(&cols);
                if li > 0 {
                    dprev.push(col2im(l, &dz.dot(&wmat)));
                }
            }
            grads[li] = dw.as_slice().expect("standard layout").to_vec();
            dact = dprev;
        }
        // 4. ADAM on the host, the update on the accelerator
        self.t = step;
        let lr = self.cfg.lr;
        let p = self.cfg.update.clone();
        let one = p.w_format.one_raw().expect("checked in new");
        let mut changed = 0u64;
        let (mut flipped, mut u_sat, mut clip_sat, mut update_cycles) =
            (0u64, Saturation::new(), 0u64, 0u64);
        let mut u = Vec::new();
        for (li, (cs, g)) in self.convs.iter_mut().zip(&grads).enumerate() {
            let l = &cs.layer;
            let n = l.window_bits();
            u.resize(g.len(), 0.0);
            cs.adam.step(g, step, lr, &mut u);
            let uq = quantise_steps(&p, &u, &mut u_sat)?;
            let wp = pad_filters(&cs.w, n, p.lanes, one)?;
            let up = pad_filters(&uq, n, p.lanes, 0)?;
            let cmd = UpdateCommand {
                mode: self.cfg.mode,
                grid: UpdateGrid::Binary,
                pack: true,
                filter_bits: n as u32,
                reseed: (step == 1 && li == 0).then(|| lane_seed(self.cfg.seed)),
                clear_saturation: true,
            };
            let r = acc.update(step, li, &cmd, &wp, &up)?;
            if r.w.len() != wp.len() || r.packed.len() != l.c_out * words_per_filter(K, l.c_in) {
                return Err(QtrainError::Shape(format!(
                    "step {step}, conv{}: the update returned {} weights and {} sign words, expected {} and {}",
                    li + 1,
                    r.w.len(),
                    r.packed.len(),
                    wp.len(),
                    l.c_out * words_per_filter(K, l.c_in)
                ))
                .into());
            }
            let new_w = unpad_filters(&r.w, n, p.lanes)?;
            changed += cs.w.iter().zip(&new_w).filter(|(a, b)| a != b).count() as u64;
            cs.w = new_w;
            flipped += cs
                .packed
                .iter()
                .zip(&r.packed)
                .map(|(a, b)| (a ^ b).count_ones() as u64)
                .sum::<u64>();
            cs.packed = r.packed;
            clip_sat += r.saturations;
            update_cycles += r.cycles;
        }
        let mut k = 0;
        for lin in self.fc.iter_mut() {
            let mut ps = Vec::new();
            lin.params("", &mut ps);
            for prm in ps {
                let g = prm.grad.as_standard_layout().into_owned();
                let g = g.as_slice().expect("standard layout");
                u.resize(g.len(), 0.0);
                self.fc_adam[k].step(g, step, lr, &mut u);
                prm.value.iter_mut().zip(&u).for_each(|(w, du)| *w -= du);
                k += 1;
            }
        }
        Ok(StepRecord {
            step,
            loss,
            errors,
            flipped,
            changed,
            u_saturations: u_sat.count,
            clip_saturations: clip_sat,
            conv_cycles,
            update_cycles,
            conv_outputs: acts.split_off(1),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer() -> ConvLayer {
        ConvLayer {
            c_in: 5,
            c_out: 3,
            h: 4,
            w: 6,
            a_in: 3,
            a_out: 4,
            pool: false,
            sh: 0,
            images: 1,
        }
    }

    #[test]
    fn im2col_gemm_is_the_engines_accumulator_and_col2im_its_adjoint() {
        let l = layer();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let a: Vec<u32> = (0..l.h * l.w * l.c_in)
            .map(|_| rng.gen_range(0..8))
            .collect();
        let s: Vec<i8> = (0..l.c_out * l.window_bits())
            .map(|_| if rng.gen::<bool>() { 1 } else { -1 })
            .collect();
        let packed = pack_weights(&s, l.c_out, K, l.c_in).unwrap();
        let wm = Array2::from_shape_vec(
            (l.c_out, l.window_bits()),
            s.iter().map(|&v| v as f32).collect(),
        )
        .unwrap();
        let cols = im2col(&l, &a);
        let z: Vec<i64> = cols.dot(&wm.t()).iter().map(|&v| v as i64).collect();
        assert_eq!(z, xnor_conv::xnor_conv(&l, &packed, &a).unwrap());
        // <im2col(a), D> = <a, col2im(D)>
        let d = Array2::from_shape_fn(cols.raw_dim(), |_| rng.gen_range(-1.0f32..1.0));
        let lhs: f32 = (&cols * &d).sum();
        let rhs: f32 = col2im(&l, &d)
            .iter()
            .zip(&a)
            .map(|(x, &y)| x * y as f32)
            .sum();
        assert!(
            (lhs - rhs).abs() < 1e-3 * lhs.abs().max(1.0),
            "{lhs} vs {rhs}"
        );
    }
}
