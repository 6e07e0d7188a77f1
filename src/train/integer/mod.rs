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
//! * [`trainer`] — one step ([`IntegerTrainer`]) as a short orchestration of its parts, optionally
//!   checked job by job against an [`Accelerator`]: the forward through the conv layers (`forward`),
//!   the head (`head`, built by `models::vgg_bc::head`), the backward pass, the update (`update`) and
//!   the comparison with a checked accelerator (`check`);
//! * [`config`] — what to train ([`IntegerConfig`]); [`record`] — one step's figures;
//!   [`conv_state`] — one conv layer's trained state and seeded start;
//! * `checkpoint` — the state as named tensors and back;
//! * [`accelerator`] — the accelerator's two jobs as a trait, the per-bit golden model;
//! * [`layout`] — the engine's and the host's layouts;
//! * [`onchip_config`] — what defines a run (`sim train`), validated;
//! * [`run`] — epochs, evaluation through the engine's arithmetic, checkpoints, resume, metrics.

pub mod accelerator;
mod check;
mod checkpoint;
pub mod config;
pub mod conv_bn;
pub mod conv_state;
mod forward;
mod head;
pub mod layout;
pub mod onchip_config;
pub mod record;
pub mod run;
pub mod trainer;
mod update;

pub use accelerator::{Accelerator, ConvRun, GoldenAccelerator, UpdateRun};
pub use config::IntegerConfig;
pub use conv_state::ConvState;
pub use record::StepRecord;
pub use trainer::IntegerTrainer;
pub use update::{lane_seed, quantise_steps};
