//! CIFAR ResNet-N (N = 6k+2) and its wide variant (TRAIN_SPEC): conv3×3 → BN → ReLU, three stages of
//! k basic blocks (16/32/64 channels × widen × width, stride 2 entering stages 2 and 3), global average
//! pool, fc with bias. A block's shortcut is the identity or, where the shape changes, a 1×1 stride-2
//! conv + BN.

use ndarray::ArrayD;

use super::NetSpec;

/// Channels of the three stages at width 1 and widening 1 (the stem has the first stage's).
pub const STAGE_CHANNELS: [usize; 3] = [16, 32, 64];
use crate::layers::{BatchNorm, Buffer, Conv2d, GlobalAvgPool, Layer, Linear, Param, Real, Relu};

/// conv-BN-ReLU-conv-BN plus shortcut, then ReLU.
pub struct BasicBlock<T: Real> {
    conv1: Conv2d<T>,
    bn1: BatchNorm<T>,
    relu1: Relu<T>,
    conv2: Conv2d<T>,
    bn2: BatchNorm<T>,
    shortcut: Option<(Conv2d<T>, BatchNorm<T>)>,
    relu_out: Relu<T>,
}

impl<T: Real> BasicBlock<T> {
    /// A block from `cin` to `cout` channels with the given stride of its first conv.
    pub fn new(cin: usize, cout: usize, stride: usize) -> Self {
        let shortcut = (stride != 1 || cin != cout)
            .then(|| (Conv2d::new(cin, cout, 1, stride, 0), BatchNorm::new(cout)));
        Self {
            conv1: Conv2d::new(cin, cout, 3, stride, 1),
            bn1: BatchNorm::new(cout),
            relu1: Relu::new(),
            conv2: Conv2d::new(cout, cout, 3, 1, 1),
            bn2: BatchNorm::new(cout),
            shortcut,
            relu_out: Relu::new(),
        }
    }
}

impl<T: Real> Layer<T> for BasicBlock<T> {
    fn forward(&mut self, x: ArrayD<T>, train: bool) -> ArrayD<T> {
        let s = match &mut self.shortcut {
            Some((c, b)) => b.forward(c.forward(x.clone(), train), train),
            None => x.clone(),
        };
        let a = self
            .relu1
            .forward(self.bn1.forward(self.conv1.forward(x, train), train), train);
        let r = self.bn2.forward(self.conv2.forward(a, train), train);
        self.relu_out.forward(r + s, train)
    }

    fn backward(&mut self, dy: ArrayD<T>) -> ArrayD<T> {
        let d = self.relu_out.backward(dy);
        let ds = match &mut self.shortcut {
            Some((c, b)) => c.backward(b.backward(d.clone())),
            None => d.clone(),
        };
        let da = self.conv2.backward(self.bn2.backward(d));
        let dx = self
            .conv1
            .backward(self.bn1.backward(self.relu1.backward(da)));
        dx + ds
    }

    fn params<'a>(&'a mut self, prefix: &str, out: &mut Vec<Param<'a, T>>) {
        self.conv1.params(&format!("{prefix}conv1."), out);
        self.bn1.params(&format!("{prefix}bn1."), out);
        self.conv2.params(&format!("{prefix}conv2."), out);
        self.bn2.params(&format!("{prefix}bn2."), out);
        if let Some((c, b)) = &mut self.shortcut {
            c.params(&format!("{prefix}shortcut.conv."), out);
            b.params(&format!("{prefix}shortcut.bn."), out);
        }
    }

    fn buffers<'a>(&'a mut self, prefix: &str, out: &mut Vec<Buffer<'a, T>>) {
        self.bn1.buffers(&format!("{prefix}bn1."), out);
        self.bn2.buffers(&format!("{prefix}bn2."), out);
        if let Some((_, b)) = &mut self.shortcut {
            b.buffers(&format!("{prefix}shortcut.bn."), out);
        }
    }
}

/// The layer list for a ResNet of `depth` with widening factor `widen` (1 for plain ResNets).
pub fn build<T: Real + 'static>(
    spec: &NetSpec,
    depth: usize,
    widen: usize,
) -> Vec<(String, Box<dyn Layer<T>>)> {
    let k = (depth - 2) / 6;
    let mut v: Vec<(String, Box<dyn Layer<T>>)> = Vec::new();
    let c0 = spec.ch(STAGE_CHANNELS[0] * widen);
    v.push(("conv0".into(), Box::new(Conv2d::<T>::new(3, c0, 3, 1, 1))));
    v.push(("bn0".into(), Box::new(BatchNorm::<T>::new(c0))));
    v.push(("relu0".into(), Box::new(Relu::<T>::new())));
    let mut cin = c0;
    for (s, &base) in STAGE_CHANNELS.iter().enumerate() {
        let c = spec.ch(base * widen);
        for b in 0..k {
            let stride = if s > 0 && b == 0 { 2 } else { 1 };
            v.push((
                format!("stage{}.block{b}", s + 1),
                Box::new(BasicBlock::<T>::new(cin, c, stride)),
            ));
            cin = c;
        }
    }
    v.push(("pool".into(), Box::new(GlobalAvgPool::new())));
    v.push((
        "fc".into(),
        Box::new(Linear::<T>::new(cin, spec.classes, true)),
    ));
    v
}

/// Scalars `build` allocates (parameters + BN running statistics), computed without allocating, in
/// f64 so any width or depth is safe; `models::net` tests pin it to the built network.
pub fn storage_count(spec: &NetSpec, depth: usize, widen: usize) -> f64 {
    let ch = |x: usize| (x as f64 * spec.width).round().max(1.0);
    let k = (depth.saturating_sub(2) / 6) as f64;
    let c0 = ch(STAGE_CHANNELS[0] * widen);
    let mut n = 3.0 * c0 * 9.0 + 4.0 * c0;
    let mut cin = c0;
    for base in STAGE_CHANNELS {
        let c = ch(base * widen);
        // the first block of a stage may change shape (1×1 shortcut + BN); the others keep it
        let first = cin * c * 9.0 + c * c * 9.0 + 8.0 * c;
        let shortcut = if base > STAGE_CHANNELS[0] || cin != c {
            cin * c + 4.0 * c
        } else {
            0.0
        };
        n += first + shortcut + (k - 1.0) * (2.0 * c * c * 9.0 + 8.0 * c);
        cin = c;
    }
    n + cin * spec.classes as f64 + spec.classes as f64
}
