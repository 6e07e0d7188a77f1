//! A network: a named sequence of layers with seeded initialisation (TRAIN_SPEC), a training forward /
//! backward, evaluation, and access to parameters and buffers in a fixed order.

use ndarray::ArrayD;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{mlp, resnet, vgg_bc, NetKind, NetSpec};
use crate::layers::{Buffer, Layer, Param, ParamKind, Real};

/// A built network.
pub struct Net<T: Real> {
    /// What it is.
    pub spec: NetSpec,
    /// `(name, layer)` in forward order.
    pub layers: Vec<(String, Box<dyn Layer<T>>)>,
}

impl<T: Real + 'static> Net<T> {
    /// Build and initialise: conv weights a seeded fair ±1 sign each; linear weights and the last bias
    /// Kaiming-uniform with bound `1/sqrt(fan_in)` (PyTorch's default). All draws come from one
    /// ChaCha8 stream seeded by `seed`, in parameter order.
    pub fn new(spec: NetSpec, seed: u64) -> Self {
        let layers = match spec.kind {
            NetKind::VggBc => vgg_bc::build(&spec),
            NetKind::Mlp { depth } => mlp::build(&spec, depth),
            NetKind::ResNet { depth } => resnet::build(&spec, depth, 1),
            NetKind::Wrn { depth, k } => resnet::build(&spec, depth, k),
        };
        let mut net = Net { spec, layers };
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut fan_in = 1usize;
        for p in net.params() {
            match p.kind {
                ParamKind::ConvWeight | ParamKind::QuantLinearWeight => {
                    p.value.mapv_inplace(|_| {
                        if rng.gen::<bool>() {
                            T::one()
                        } else {
                            -T::one()
                        }
                    })
                }
                ParamKind::LinearWeight => {
                    fan_in = p.value.shape()[1];
                    let b = 1.0 / (fan_in as f64).sqrt();
                    p.value.mapv_inplace(|_| T::c(rng.gen_range(-b..b)));
                }
                ParamKind::Bias => {
                    let b = 1.0 / (fan_in as f64).sqrt();
                    p.value.mapv_inplace(|_| T::c(rng.gen_range(-b..b)));
                }
                ParamKind::BnGamma | ParamKind::BnBeta => {}
            }
        }
        net
    }
}

impl<T: Real> Net<T> {
    /// Forward pass of a batch `(N, 3, 32, 32)` to logits `(N, classes)`.
    pub fn forward(&mut self, mut x: ArrayD<T>, train: bool) -> ArrayD<T> {
        for (_, l) in self.layers.iter_mut() {
            x = l.forward(x, train);
        }
        x
    }

    /// Backward from dL/dlogits; leaves every parameter's gradient set.
    pub fn backward(&mut self, mut d: ArrayD<T>) -> ArrayD<T> {
        for (_, l) in self.layers.iter_mut().rev() {
            d = l.backward(d);
        }
        d
    }

    /// As [`Net::backward`], but only the parameter gradients: the first layer need not compute
    /// dL/d(input) (the training loop's case; the gradients are the same).
    pub fn backward_params(&mut self, mut d: ArrayD<T>) {
        let last = self.layers.len().saturating_sub(1);
        for (i, (_, l)) in self.layers.iter_mut().rev().enumerate() {
            if i == last {
                l.backward_params(d);
                return;
            }
            d = l.backward(d);
        }
    }

    /// All trainable parameters in a fixed order (the optimizer's state follows this order).
    pub fn params(&mut self) -> Vec<Param<'_, T>> {
        let mut out = Vec::new();
        for (name, l) in self.layers.iter_mut() {
            l.params(&format!("{name}."), &mut out);
        }
        out
    }

    /// All buffers (BN running statistics) in a fixed order.
    pub fn buffers(&mut self) -> Vec<Buffer<'_, T>> {
        let mut out = Vec::new();
        for (name, l) in self.layers.iter_mut() {
            l.buffers(&format!("{name}."), &mut out);
        }
        out
    }

    /// Number of trainable scalars.
    pub fn num_params(&mut self) -> usize {
        self.params().iter().map(|p| p.value.len()).sum()
    }
}

/// The whole network as one layer (for gradient checks of a complete small net).
impl<T: Real> Layer<T> for Net<T> {
    fn forward(&mut self, x: ArrayD<T>, train: bool) -> ArrayD<T> {
        Net::forward(self, x, train)
    }
    fn backward(&mut self, dy: ArrayD<T>) -> ArrayD<T> {
        Net::backward(self, dy)
    }
    fn params<'a>(&'a mut self, prefix: &str, out: &mut Vec<Param<'a, T>>) {
        for (name, l) in self.layers.iter_mut() {
            l.params(&format!("{prefix}{name}."), out);
        }
    }
    fn buffers<'a>(&'a mut self, prefix: &str, out: &mut Vec<Buffer<'a, T>>) {
        for (name, l) in self.layers.iter_mut() {
            l.buffers(&format!("{prefix}{name}."), out);
        }
    }
}
