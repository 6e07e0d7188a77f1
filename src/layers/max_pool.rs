//! 2×2 max pooling with stride 2 on `(N, C, H, W)` (H, W even), as VGG-BC uses after each pair of convs.

use ndarray::{ArrayD, IxDyn};
use rayon::prelude::*;

use super::matmul::{give_buffer, take_buffer};
use super::{Layer, Real};

/// Max over each 2×2 window; the backward routes the gradient to the (first) maximum.
#[derive(Default)]
pub struct MaxPool2 {
    argmax: Option<(Vec<u8>, Vec<usize>)>, // (winner 0..4 per output, input shape)
}

impl MaxPool2 {
    /// A 2×2/s2 pool.
    pub fn new() -> Self {
        Self { argmax: None }
    }
}

impl<T: Real> Layer<T> for MaxPool2 {
    fn forward(&mut self, x: ArrayD<T>, train: bool) -> ArrayD<T> {
        let shape = x.shape().to_vec();
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3]);
        let (ho, wo) = (h / 2, w / 2);
        let x = super::standard(x);
        let xs = x.as_slice().expect("contiguous");
        let mut y: Vec<T> = take_buffer(n * c * ho * wo); // every element is written below
        let mut arg = vec![0u8; n * c * ho * wo];
        y.par_chunks_mut(ho * wo)
            .zip(arg.par_chunks_mut(ho * wo))
            .zip(xs.par_chunks(h * w))
            .for_each(|((yp, ap), xp)| {
                for i in 0..ho {
                    let (r0, r1) = (
                        &xp[2 * i * w..(2 * i + 1) * w],
                        &xp[(2 * i + 1) * w..(2 * i + 2) * w],
                    );
                    let (yr, ar) = (&mut yp[i * wo..(i + 1) * wo], &mut ap[i * wo..(i + 1) * wo]);
                    for j in 0..wo {
                        // first maximum in the order (0,0), (0,1), (1,0), (1,1)
                        // (selects, not branches: the winner is data-dependent)
                        let cand = [r0[2 * j], r0[2 * j + 1], r1[2 * j], r1[2 * j + 1]];
                        let (mut m, mut best) = (cand[0], 0u8);
                        for (t, &v) in cand.iter().enumerate().skip(1) {
                            let more = v > m;
                            m = if more { v } else { m };
                            best = if more { t as u8 } else { best };
                        }
                        yr[j] = m;
                        ar[j] = best;
                    }
                }
            });
        give_buffer(x);
        if train {
            self.argmax = Some((arg, shape));
        }
        ArrayD::from_shape_vec(IxDyn(&[n, c, ho, wo]), y).expect("shape")
    }

    fn backward(&mut self, dy: ArrayD<T>) -> ArrayD<T> {
        let (arg, shape) = self
            .argmax
            .take()
            .expect("pool backward without a training forward");
        let (h, w) = (shape[2], shape[3]);
        let (ho, wo) = (h / 2, w / 2);
        let dy = super::standard(dy);
        let mut dx: Vec<T> = take_buffer(shape.iter().product());
        dx.par_chunks_mut(h * w)
            .zip(arg.par_chunks(ho * wo))
            .zip(dy.as_slice().expect("contiguous").par_chunks(ho * wo))
            .for_each(|((dp, ap), gp)| {
                dp.fill(T::zero());
                for i in 0..ho {
                    for j in 0..wo {
                        let t = ap[i * wo + j] as usize;
                        dp[(2 * i + t / 2) * w + 2 * j + t % 2] = gp[i * wo + j];
                    }
                }
            });
        give_buffer(dy);
        ArrayD::from_shape_vec(IxDyn(&shape), dx).expect("shape")
    }
}
