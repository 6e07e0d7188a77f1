//! Rectified linear unit, elementwise on any shape.

use ndarray::ArrayD;
use rayon::prelude::*;

use super::{Layer, Real};

/// Elements per parallel piece of the elementwise loops (a fixed size: the result never depends on it).
pub(crate) const PIECE: usize = 1 << 15;

/// The gradient gate of an elementwise activation: 1 where the training forward let the gradient
/// through, kept between steps so that its allocation is reused. The one mask and backward of
/// [`Relu`] and [`super::QuantRelu`].
#[derive(Default)]
pub(crate) struct Gate {
    mask: Vec<u8>,
    cached: bool,
}

impl Gate {
    /// The training forward: `f` maps each value in place and says whether its gradient passes.
    pub(crate) fn forward<T: Real>(&mut self, xs: &mut [T], f: impl Fn(&mut T) -> bool + Sync) {
        self.mask.resize(xs.len(), 0);
        xs.par_chunks_mut(PIECE)
            .zip(self.mask.par_chunks_mut(PIECE))
            .for_each(|(v, m)| {
                for (v, m) in v.iter_mut().zip(m) {
                    *m = f(v) as u8;
                }
            });
        self.cached = true;
    }

    /// `dy` where the last training forward passed, 0 elsewhere (`layer` names the layer in the
    /// panic of a backward without a training forward).
    pub(crate) fn backward<T: Real>(&mut self, dy: ArrayD<T>, layer: &str) -> ArrayD<T> {
        assert!(
            std::mem::take(&mut self.cached),
            "{layer} backward without a training forward"
        );
        let mut dy = super::standard(dy);
        let ds = dy.as_slice_mut().expect("contiguous");
        assert_eq!(ds.len(), self.mask.len(), "{layer} gradient shape");
        ds.par_chunks_mut(PIECE)
            .zip(self.mask.par_chunks(PIECE))
            .for_each(|(d, m)| {
                for (d, &m) in d.iter_mut().zip(m) {
                    *d = if m == 0 { T::zero() } else { *d };
                }
            });
        dy
    }
}

/// `max(x, 0)`; its backward passes the gradient where the output was positive.
#[derive(Default)]
pub struct Relu<T> {
    /// Passes where the output was positive or NaN (not `y ≤ 0`, as before: a NaN passes its
    /// gradient).
    gate: Gate,
    _t: std::marker::PhantomData<T>,
}

impl<T: Real> Relu<T> {
    /// A ReLU.
    pub fn new() -> Self {
        Self {
            gate: Gate::default(),
            _t: std::marker::PhantomData,
        }
    }
}

impl<T: Real> Layer<T> for Relu<T> {
    fn forward(&mut self, x: ArrayD<T>, train: bool) -> ArrayD<T> {
        let mut x = super::standard(x);
        let xs = x.as_slice_mut().expect("contiguous");
        if train {
            self.gate.forward(xs, |v| {
                // branch-free so that it vectorises
                let pass = *v > T::zero() || v.is_nan();
                *v = if pass { *v } else { T::zero() };
                pass
            });
        } else {
            xs.par_chunks_mut(PIECE).for_each(|v| {
                for v in v {
                    *v = if *v <= T::zero() { T::zero() } else { *v };
                }
            });
        }
        x
    }

    fn backward(&mut self, dy: ArrayD<T>) -> ArrayD<T> {
        self.gate.backward(dy, "ReLU")
    }
}
