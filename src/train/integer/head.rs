//! The host's classifier head of the integer training path: TRAIN_SPEC's fc part, built by
//! [`crate::models::vgg_bc::head`] (Linear without bias → BatchNorm1d → ReLU, twice, then Linear with
//! bias), trained in float by ADAM, one moment pair per parameter.

use ndarray::{ArrayD, IxDyn};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::error::{QtrainError, Result};
use crate::layers::{Layer, ParamKind};
use crate::optim::Adam;

/// The head's layers and their parameters' ADAM moments (in parameter order).
pub(super) struct Head {
    layers: Vec<Box<dyn Layer<f32>>>,
    adam: Vec<Adam>,
}

impl Head {
    /// `fin` features to `classes` logits through two hidden layers of `hidden`; every linear
    /// weight and the last bias drawn uniform in `±1/√fan_in` (f32) from `rng`, in parameter order.
    pub(super) fn new(fin: usize, hidden: usize, classes: usize, rng: &mut ChaCha8Rng) -> Self {
        let mut layers: Vec<Box<dyn Layer<f32>>> =
            crate::models::vgg_bc::head(fin, hidden, classes)
                .into_iter()
                .map(|(_, l)| l)
                .collect();
        let mut adam = Vec::new();
        let mut bound = 1.0f32;
        for layer in layers.iter_mut() {
            let mut ps = Vec::new();
            layer.params("", &mut ps);
            for p in ps {
                match p.kind {
                    ParamKind::LinearWeight => {
                        bound = 1.0 / (p.value.shape()[1] as f32).sqrt();
                        p.value.mapv_inplace(|_| rng.gen_range(-bound..bound));
                    }
                    ParamKind::Bias => p.value.mapv_inplace(|_| rng.gen_range(-bound..bound)),
                    _ => {}
                }
                adam.push(Adam::new(p.value.len()));
            }
        }
        Self { layers, adam }
    }

    /// Logits of `n` images' flattened features `flat` (train mode: caches, running statistics).
    pub(super) fn forward(&mut self, flat: Vec<f32>, n: usize, train: bool) -> Result<ArrayD<f32>> {
        let fin = flat.len() / n;
        let mut h = ArrayD::from_shape_vec(IxDyn(&[n, fin]), flat)
            .map_err(|e| QtrainError::Shape(e.to_string()))?;
        for layer in self.layers.iter_mut() {
            h = layer.forward(h, train);
        }
        Ok(h)
    }

    /// dL/d(features) from dL/d(logits), the parameters' gradients set on the way.
    pub(super) fn backward(&mut self, dlogits: ArrayD<f32>) -> ArrayD<f32> {
        let mut d = dlogits;
        for layer in self.layers.iter_mut().rev() {
            d = layer.backward(d);
        }
        d
    }

    /// ADAM step `t` of every parameter at learning rate `lr`.
    pub(super) fn step(&mut self, t: u64, lr: f32) {
        let mut k = 0;
        let mut u = Vec::new();
        for layer in self.layers.iter_mut() {
            let mut ps = Vec::new();
            layer.params("", &mut ps);
            for prm in ps {
                let g = prm.grad.as_standard_layout().into_owned();
                let g = g.as_slice().expect("standard layout");
                u.resize(g.len(), 0.0);
                self.adam[k].step(g, t, lr, &mut u);
                prm.value.iter_mut().zip(&u).for_each(|(w, du)| *w -= du);
                k += 1;
            }
        }
    }

    /// The head's tensors in checkpoint order, appended to `out`: each layer `j`'s parameters and
    /// buffers as `head{j}.NAME`, then the moments as `head_adam{k}.m` / `.v`.
    pub(super) fn tensors(&mut self, out: &mut Vec<(String, Vec<f32>)>) {
        for (j, layer) in self.layers.iter_mut().enumerate() {
            let mut ps = Vec::new();
            layer.params(&format!("head{j}."), &mut ps);
            for prm in ps {
                out.push((prm.name, prm.value.iter().copied().collect()));
            }
            let mut bs = Vec::new();
            layer.buffers(&format!("head{j}."), &mut bs);
            for b in bs {
                out.push((b.name, b.value.iter().copied().collect()));
            }
        }
        for (k, a) in self.adam.iter().enumerate() {
            out.push((format!("head_adam{k}.m"), a.m.clone()));
            out.push((format!("head_adam{k}.v"), a.v.clone()));
        }
    }

    /// Restore the tensors [`Head::tensors`] names, each taken by `take`.
    pub(super) fn restore(
        &mut self,
        take: &mut impl FnMut(String, &mut [f32]) -> Result<()>,
    ) -> Result<()> {
        for (j, layer) in self.layers.iter_mut().enumerate() {
            let mut ps = Vec::new();
            layer.params(&format!("head{j}."), &mut ps);
            for prm in ps {
                take(prm.name, prm.value.as_slice_mut().expect("contiguous"))?;
            }
            let mut bs = Vec::new();
            layer.buffers(&format!("head{j}."), &mut bs);
            for b in bs {
                take(b.name, b.value.as_slice_mut().expect("contiguous"))?;
            }
        }
        for (k, a) in self.adam.iter_mut().enumerate() {
            take(format!("head_adam{k}.m"), &mut a.m)?;
            take(format!("head_adam{k}.v"), &mut a.v)?;
        }
        Ok(())
    }
}
