//! Rectified linear unit, elementwise on any shape.

use ndarray::ArrayD;
use rayon::prelude::*;

use super::{Layer, Real};

/// `max(x, 0)`; its backward passes the gradient where the input was positive.
#[derive(Default)]
pub struct Relu<T> {
    mask: Option<ArrayD<T>>, // the output: positive where the gradient passes
}

impl<T: Real> Relu<T> {
    /// A ReLU.
    pub fn new() -> Self {
        Self { mask: None }
    }
}

impl<T: Real> Layer<T> for Relu<T> {
    fn forward(&mut self, x: ArrayD<T>, train: bool) -> ArrayD<T> {
        let mut x = super::standard(x);
        x.as_slice_mut()
            .expect("contiguous")
            .par_iter_mut()
            .for_each(|v| {
                if *v <= T::zero() {
                    *v = T::zero();
                }
            });
        if train {
            self.mask = Some(x.clone());
        }
        x
    }

    fn backward(&mut self, dy: ArrayD<T>) -> ArrayD<T> {
        let y = self
            .mask
            .take()
            .expect("ReLU backward without a training forward");
        let mut dy = super::standard(dy);
        dy.as_slice_mut()
            .expect("contiguous")
            .par_iter_mut()
            .zip(y.as_slice().expect("contiguous").par_iter())
            .for_each(|(d, &o)| {
                if o <= T::zero() {
                    *d = T::zero();
                }
            });
        dy
    }
}
