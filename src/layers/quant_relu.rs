//! The engine's activation as a float layer: ReLU clipped at [`crate::quant::ACT_CLIP`] and
//! quantised to A bits, `y = s·clamp(⌊x/s + ½⌋, 0, 2^A − 1)` with `s = act_step(A)` — what the
//! requantisation computes from BN's output (`exact::requant`, whose offset carries the half). The
//! float twin of the integer training path uses it after each conv's BN (`--act-bits`). Backward:
//! straight through where the unclamped code lies in `[0, 2^A − 1]`, else 0.

use ndarray::ArrayD;
use rayon::prelude::*;

use super::relu::{Gate, PIECE};
use super::{Layer, Real};

/// Clipped, A-bit quantised ReLU.
pub struct QuantRelu<T> {
    bits: u32,
    gate: Gate,
    _t: std::marker::PhantomData<T>,
}

impl<T: Real> QuantRelu<T> {
    /// The activation of `bits`-bit codes (1..=16).
    pub fn new(bits: u32) -> Self {
        assert!((1..=16).contains(&bits), "activation bits {bits}");
        Self {
            bits,
            gate: Gate::default(),
            _t: std::marker::PhantomData,
        }
    }
}

impl<T: Real> Layer<T> for QuantRelu<T> {
    fn forward(&mut self, x: ArrayD<T>, train: bool) -> ArrayD<T> {
        let mut x = super::standard(x);
        let xs = x.as_slice_mut().expect("contiguous");
        let s = crate::quant::act_step(self.bits);
        let (inv, st) = (T::c(1.0 / s), T::c(s));
        let (half, top) = (T::c(0.5), T::c(((1u64 << self.bits) - 1) as f64));
        let q = move |v: T| (v * inv + half).floor();
        if train {
            self.gate.forward(xs, |v| {
                let c = q(*v);
                *v = c.max(T::zero()).min(top) * st;
                c >= T::zero() && c <= top
            });
        } else {
            xs.par_chunks_mut(PIECE).for_each(|v| {
                for v in v {
                    *v = q(*v).max(T::zero()).min(top) * st;
                }
            });
        }
        x
    }

    fn backward(&mut self, dy: ArrayD<T>) -> ArrayD<T> {
        self.gate.backward(dy, "QuantRelu")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::IxDyn;

    #[test]
    fn quantises_like_the_requantisation_and_passes_inside_the_range() {
        let s = crate::quant::act_step(2) as f32; // 1.0
        let x = ArrayD::from_shape_vec(IxDyn(&[6]), vec![-0.6, -0.4, 0.49, 1.5, 2.6, 3.6]).unwrap();
        let mut q = QuantRelu::<f32>::new(2);
        let y = q.forward(x, true);
        assert_eq!(
            y.as_slice().unwrap(),
            &[0.0, 0.0, 0.0, 2.0 * s, 3.0 * s, 3.0 * s]
        );
        let d = q.backward(ArrayD::from_elem(IxDyn(&[6]), 1.0));
        assert_eq!(d.as_slice().unwrap(), &[0.0, 1.0, 1.0, 1.0, 1.0, 0.0]);
    }
}
