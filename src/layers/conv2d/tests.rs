//! Unit tests of the convolution: its lowerings against each other and against the direct
//! convolution.

use super::lowering::{im2col_general, im2col_same};
use super::*;

#[test]
fn im2col_same_matches_the_general_path() {
    for (c, h, w, k, p) in [
        (3, 5, 7, 3, 1),
        (2, 4, 4, 1, 0),
        (2, 6, 5, 5, 2),
        (1, 1, 1, 3, 1),
        (2, 2, 3, 5, 2),
    ] {
        let g = Geom {
            c,
            h,
            w,
            k,
            s: 1,
            p,
            ho: h,
            wo: w,
        };
        let x: Vec<f64> = (0..c * h * w).map(|i| i as f64 + 1.0).collect();
        let (ld, off) = (h * w + 3, 2);
        let mut a = vec![-7.0; g.kk() * ld];
        let mut b = a.clone();
        im2col_same(&x, g, &mut a, ld, off);
        im2col_general(&x, g, &mut b, ld, off);
        assert_eq!(a, b, "c {c} h {h} w {w} k {k} p {p}");
    }
}

#[test]
fn pooled_buffers_never_leak_into_results() {
    use super::super::matmul::give_buffer;
    use crate::layers::gradcheck::random;
    // 8·8·32·32 elements: large enough to be pooled
    let x = random(&[8, 8, 32, 32], 1);
    let dy = random(&[8, 8, 32, 32], 2);
    let run = |poison: bool| {
        let mut c = Conv2d::<f64>::new(8, 8, 3, 1, 1);
        c.weight = random(&[8, 8, 3, 3], 3);
        if poison {
            for _ in 0..4 {
                give_buffer(ArrayD::from_elem(IxDyn(&[8, 8, 32, 32]), f64::NAN));
            }
        }
        let y = c.forward(x.clone(), true);
        let dx = c.backward(dy.clone());
        (y, dx, c.grad.clone())
    };
    let (a, b) = (run(false), run(true));
    let same =
        |p: &ArrayD<f64>, q: &ArrayD<f64>| p.iter().zip(q).all(|(u, v)| u.to_bits() == v.to_bits());
    assert!(same(&a.0, &b.0) && same(&a.1, &b.1) && same(&a.2, &b.2));
    assert!(a.0.iter().chain(&a.1).chain(&a.2).all(|v| v.is_finite()));
}

/// Direct convolution, for checking every path's forward values.
fn naive(x: &ArrayD<f64>, wt: &ArrayD<f64>, s: usize, p: usize) -> ArrayD<f64> {
    let (n, c, h, w) = (x.shape()[0], x.shape()[1], x.shape()[2], x.shape()[3]);
    let (co, k) = (wt.shape()[0], wt.shape()[2]);
    let (ho, wo) = ((h + 2 * p - k) / s + 1, (w + 2 * p - k) / s + 1);
    ArrayD::from_shape_fn(IxDyn(&[n, co, ho, wo]), |ix| {
        let mut acc = 0.0;
        for ci in 0..c {
            for ki in 0..k {
                for kj in 0..k {
                    let ii = (ix[2] * s + ki) as isize - p as isize;
                    let jj = (ix[3] * s + kj) as isize - p as isize;
                    if ii >= 0 && jj >= 0 && (ii as usize) < h && (jj as usize) < w {
                        acc += wt[[ix[1], ci, ki, kj]] * x[[ix[0], ci, ii as usize, jj as usize]];
                    }
                }
            }
        }
        acc
    })
}

#[test]
fn forward_matches_the_direct_convolution_on_every_path() {
    use crate::layers::gradcheck::random;
    // (n, cin, cout, h, w, k, stride, pad): banded (one image per chunk), im2col chunks, strided
    for (i, &(n, ci, co, h, w, k, s, p)) in [
        (2, 3, 4, 24, 24, 3, 1, 1),
        (2, 2, 3, 23, 24, 5, 1, 2),
        (11, 3, 5, 6, 7, 3, 1, 1),
        (3, 4, 2, 7, 6, 1, 2, 0),
        (2, 2, 3, 24, 24, 3, 2, 1),
    ]
    .iter()
    .enumerate()
    {
        let mut c = Conv2d::<f64>::new(ci, co, k, s, p);
        c.weight = random(&[co, ci, k, k], 70 + i as u64);
        let x = random(&[n, ci, h, w], 80 + i as u64);
        let want = naive(&x, &c.weight, s, p);
        let got = c.forward(x, false);
        assert_eq!(got.shape(), want.shape());
        let err = got
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(err < 1e-12, "case {i}: max error {err}");
    }
}
