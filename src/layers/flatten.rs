//! Flatten `(N, C, H, W) → (N, C·H·W)`, channel-major (TRAIN_SPEC: VGG-BC's conv→fc boundary).

use ndarray::{ArrayD, IxDyn};

use super::{Layer, Real};

/// Row-major reshape; the backward reshapes back.
#[derive(Default)]
pub struct Flatten {
    shape: Option<Vec<usize>>,
}

impl Flatten {
    /// A flatten stage.
    pub fn new() -> Self {
        Self { shape: None }
    }
}

impl<T: Real> Layer<T> for Flatten {
    fn forward(&mut self, x: ArrayD<T>, _train: bool) -> ArrayD<T> {
        let shape = x.shape().to_vec();
        let f = shape[1..].iter().product::<usize>();
        self.shape = Some(shape.clone());
        super::standard(x)
            .into_shape_with_order(IxDyn(&[shape[0], f]))
            .expect("shape")
    }

    fn backward(&mut self, dy: ArrayD<T>) -> ArrayD<T> {
        let shape = self
            .shape
            .take()
            .expect("flatten backward without a forward");
        super::standard(dy)
            .into_shape_with_order(IxDyn(&shape))
            .expect("shape")
    }
}
