//! The optimizers and the paper's training methods (TRAIN_SPEC): a base step `u` from ADAM or SGD, and
//! how it is applied to the convolution weights: full precision, R (eq. 4), SR (eq. 6) or BC (eq. 7).

pub mod adam;
pub mod bc_latent;
pub mod method;
pub mod optimizer;
pub mod sgd;

pub use adam::Adam;
pub use bc_latent::BcLatent;
pub use method::{Base, Method, Quant};
pub use optimizer::Optimizer;
pub use sgd::sgd_step;
