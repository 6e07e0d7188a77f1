//! Layers with hand-written forward and backward passes, one layer a file.
//!
//! Every layer works on `ArrayD<T>` for `T` = `f32` (training) or `f64` (the finite-difference checks),
//! caches what its backward pass needs during a training forward, and exposes its parameters with their
//! gradients as [`Param`]s so an optimizer can update them in a fixed order. Convolution-shaped tensors are
//! `(N, C, H, W)`, fully connected ones `(N, F)`.

pub mod batch_norm;
pub mod conv2d;
pub mod flatten;
pub mod global_avg_pool;
pub mod gradcheck;
pub mod linear;
pub mod matmul;
pub mod max_pool;
pub mod quant_relu;
pub mod relu;
pub mod softmax_cross_entropy;

pub use batch_norm::BatchNorm;
pub use conv2d::Conv2d;
pub use flatten::Flatten;
pub use global_avg_pool::GlobalAvgPool;
pub use linear::Linear;
pub use max_pool::MaxPool2;
pub use quant_relu::QuantRelu;
pub use relu::Relu;
pub use softmax_cross_entropy::softmax_cross_entropy;

use ndarray::{ArrayD, NdFloat};

/// The float types the layers run in: `f32` for training speed, `f64` for exact gradient checks.
pub trait Real: NdFloat + Default + std::iter::Sum + matmul::WithScratch {
    /// Convert a constant.
    fn c(x: f64) -> Self;
    /// Widen to f64 (for reporting and accumulation).
    fn f64(self) -> f64;
}

impl Real for f32 {
    fn c(x: f64) -> Self {
        x as f32
    }
    fn f64(self) -> f64 {
        self as f64
    }
}

impl Real for f64 {
    fn c(x: f64) -> Self {
        x
    }
    fn f64(self) -> f64 {
        self
    }
}

/// What a parameter is, which decides how the training methods treat it: only convolution weights are
/// quantized (TRAIN_SPEC: linear and BN parameters always stay full precision).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    /// A convolution kernel (3×3 or the 1×1 shortcut): quantized by R/SR/BC.
    ConvWeight,
    /// A linear layer's weight matrix (never quantized).
    LinearWeight,
    /// A hidden linear layer's weight matrix that R/SR/BC quantize like a conv kernel (the binary
    /// MLP's hidden-to-hidden layers, `models::mlp`).
    QuantLinearWeight,
    /// A bias vector.
    Bias,
    /// BatchNorm scale γ.
    BnGamma,
    /// BatchNorm shift β.
    BnBeta,
}

impl ParamKind {
    /// Whether R/SR/BC keep this tensor on the weight grid (conv kernels and quantized linear
    /// weights); everything else is always full precision.
    pub fn is_quantized(&self) -> bool {
        matches!(self, ParamKind::ConvWeight | ParamKind::QuantLinearWeight)
    }
}

/// A trainable tensor and its gradient from the last backward pass.
pub struct Param<'a, T> {
    /// Stable dotted name (e.g. `conv1.weight`), used in checkpoints and exports.
    pub name: String,
    /// How methods treat it.
    pub kind: ParamKind,
    /// The value the forward pass uses.
    pub value: &'a mut ArrayD<T>,
    /// dLoss/dvalue, summed over the batch (the loss is already a batch mean).
    pub grad: &'a mut ArrayD<T>,
}

/// A non-trainable tensor that is still part of a model's state (BN running statistics).
pub struct Buffer<'a, T> {
    /// Stable dotted name.
    pub name: String,
    /// The tensor.
    pub value: &'a mut ArrayD<T>,
}

/// One differentiable stage of a network.
pub trait Layer<T: Real>: Send {
    /// Forward pass; with `train` it caches what `backward` needs and BN uses batch statistics.
    fn forward(&mut self, x: ArrayD<T>, train: bool) -> ArrayD<T>;
    /// Backward pass for the last training forward: takes dL/dy, accumulates parameter gradients
    /// (overwriting the previous step's), returns dL/dx.
    fn backward(&mut self, dy: ArrayD<T>) -> ArrayD<T>;
    /// As [`Layer::backward`] where nobody needs dL/dx (a network's first layer, whose input is the
    /// data): sets the same parameter gradients, and may skip computing dL/dx. By default it computes
    /// it and drops it.
    fn backward_params(&mut self, dy: ArrayD<T>) {
        let _ = self.backward(dy);
    }
    /// Parameters with gradients, names prefixed by `prefix`, in a fixed order.
    fn params<'a>(&'a mut self, _prefix: &str, _out: &mut Vec<Param<'a, T>>) {}
    /// Non-trainable state (BN running statistics), names prefixed by `prefix`.
    fn buffers<'a>(&'a mut self, _prefix: &str, _out: &mut Vec<Buffer<'a, T>>) {}
}

/// `x` in standard (row-major, contiguous) layout, copying only when it is not already.
pub fn standard<T: Real>(x: ArrayD<T>) -> ArrayD<T> {
    if x.is_standard_layout() {
        x
    } else {
        x.as_standard_layout().into_owned()
    }
}
