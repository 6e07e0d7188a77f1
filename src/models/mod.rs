//! The networks of the paper's experiments, built from [`crate::layers`] exactly as TRAIN_SPEC.md
//! describes them: `vgg-bc`, `resnet-N`, `wrn-N-k` and the binary MLP `mlp-N`, each with a width multiplier and 10 or 100 classes.

pub mod mlp;
pub mod net;
pub mod net_spec;
pub mod resnet;
pub mod vgg_bc;

pub use net::Net;
pub use net_spec::{width_channels, NetKind, NetSpec};
