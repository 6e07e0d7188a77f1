//! The figures one training step reports ([`StepRecord`]): what the run's metrics and the
//! hardware-in-the-loop table are made of.

/// Figures of one training step.
#[derive(Clone, Debug, Default)]
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
    /// Cycles of the checked accelerator's forward conv jobs (0 without one, or without a clock).
    pub conv_cycles: u64,
    /// Cycles of the checked accelerator's update jobs.
    pub update_cycles: u64,
    /// Conv output values compared with a checked accelerator.
    pub outputs_compared: u64,
    /// Stored weights + sign words compared with a checked accelerator.
    pub weights_compared: u64,
}
