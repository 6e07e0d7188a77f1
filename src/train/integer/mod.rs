//! The **integer training path**: training steps of a binary-weight conv net whose conv forward is the
//! accelerator's integer arithmetic and whose weight update is the update unit's fixed-point
//! arithmetic — the golden twin of training on the accelerator (`sim train`, `sim --train`).
//!
//! It lives in `train/` and not in `exact/` because half of it is float host code (the backward pass,
//! ADAM, BN, the head), which `exact/`'s contract ("no floats in the arithmetic") excludes.
//!
//! What runs where, as on a board: the **fabric** computes every conv layer's forward (XNOR-popcount
//! accumulators, requantise + ReLU, max-pool) and every conv weight update (R / SR / BC on the update
//! unit, signs packed for the next forward); the **host** recomputes the accumulators it needs for the
//! backward pass, tracks BN's statistics and learns γ, β (refolded into the requantisation every
//! step), runs the backward pass, ADAM and the linear head.
//!
//! * [`conv_bn`] — one conv layer on the host: exact accumulators at GEMM speed, learned BN, STE;
//! * [`trainer`] — one step ([`IntegerTrainer`]), optionally checked job by job against an
//!   [`Accelerator`];
//! * [`accelerator`] — the accelerator's two jobs as a trait, the per-bit golden model;
//! * [`layout`] — the engine's and the host's layouts;
//! * [`run`] — epochs, evaluation through the engine's arithmetic, checkpoints, resume, metrics.

pub mod accelerator;
pub mod conv_bn;
pub mod layout;
pub mod run;
pub mod trainer;

pub use accelerator::{Accelerator, ConvRun, GoldenAccelerator, UpdateRun};
pub use trainer::{
    lane_seed, quantise_steps, ConvState, IntegerConfig, IntegerTrainer, StepRecord,
};
