//! The accelerator's two jobs in training — a conv layer forward and a weight update — as a trait,
//! so a simulated accelerator top (the simulator's backends) or the per-bit golden model can be
//! checked job by job against the integer training path ([`super::IntegerTrainer::step_at`]).

use crate::error::{QtrainError, Result};
use crate::exact::geometry::ConvLayer;
use crate::exact::requant::Requant;
use crate::exact::update::{UpdateCommand, UpdateUnitModel};
use crate::exact::xnor_conv;
use crate::hw::UpdateParams;

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

/// The two jobs the accelerator does in training. Implementations: [`GoldenAccelerator`] (the
/// per-bit integer golden model, which checks the training path's GEMM-speed forward) and the
/// simulator's (its backends' accelerator top, as conv and update transactions).
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

/// The per-bit integer golden model as an [`Accelerator`]: `exact::xnor_conv::conv_layer` (bit-plane
/// by bit-plane, as the engine) and `exact::update::UpdateUnitModel` (commanded through its 2-word
/// encoding). Slow; a cross-check of the training path, not what a run uses.
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
