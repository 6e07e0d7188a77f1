//! Global average pooling `(N, C, H, W) → (N, C)`, the ResNets' last spatial stage.

use ndarray::{ArrayD, Axis, IxDyn};

use super::{Layer, Real};

/// Mean over the spatial positions of each channel.
#[derive(Default)]
pub struct GlobalAvgPool {
    shape: Option<Vec<usize>>,
}

impl GlobalAvgPool {
    /// A pool.
    pub fn new() -> Self {
        Self { shape: None }
    }
}

impl<T: Real> Layer<T> for GlobalAvgPool {
    fn forward(&mut self, x: ArrayD<T>, train: bool) -> ArrayD<T> {
        let shape = x.shape().to_vec();
        let (n, c) = (shape[0], shape[1]);
        let l = shape[2] * shape[3];
        let x = super::standard(x)
            .into_shape_with_order(IxDyn(&[n, c, l]))
            .expect("shape");
        if train {
            self.shape = Some(shape);
        }
        x.sum_axis(Axis(2)).mapv(|v| v / T::c(l as f64))
    }

    fn backward(&mut self, dy: ArrayD<T>) -> ArrayD<T> {
        let shape = self
            .shape
            .take()
            .expect("pool backward without a training forward");
        let l = shape[2] * shape[3];
        let scale = T::c(1.0 / l as f64);
        let d = dy
            .mapv(|v| v * scale)
            .insert_axis(Axis(2))
            .insert_axis(Axis(3));
        d.broadcast(IxDyn(&shape)).expect("broadcast").to_owned()
    }
}
