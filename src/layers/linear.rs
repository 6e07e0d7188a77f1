//! Fully connected layer `y = x·Wᵀ (+ b)` on `(N, in)`, weight `(out, in)` as PyTorch stores it.
//! Never quantized (TRAIN_SPEC).

use ndarray::{ArrayD, Axis, Ix2, IxDyn};

use super::{Layer, Param, ParamKind, Real};

/// A linear layer with an optional bias.
pub struct Linear<T> {
    /// Input features.
    pub fin: usize,
    /// Output features.
    pub fout: usize,
    /// Weight `(out, in)`.
    pub weight: ArrayD<T>,
    /// Gradient of the weight.
    pub dweight: ArrayD<T>,
    /// Bias `(out)` if present.
    pub bias: Option<(ArrayD<T>, ArrayD<T>)>,
    x: Option<ArrayD<T>>,
}

impl<T: Real> Linear<T> {
    /// Zero-initialised layer (the model initialises it).
    pub fn new(fin: usize, fout: usize, bias: bool) -> Self {
        let z = |s: &[usize]| ArrayD::zeros(IxDyn(s));
        Self {
            fin,
            fout,
            weight: z(&[fout, fin]),
            dweight: z(&[fout, fin]),
            bias: bias.then(|| (z(&[fout]), z(&[fout]))),
            x: None,
        }
    }
}

impl<T: Real> Layer<T> for Linear<T> {
    fn forward(&mut self, x: ArrayD<T>, train: bool) -> ArrayD<T> {
        let x2 = x
            .view()
            .into_dimensionality::<Ix2>()
            .expect("linear input must be 2-D");
        assert_eq!(x2.ncols(), self.fin, "linear input features");
        let w = self
            .weight
            .view()
            .into_dimensionality::<Ix2>()
            .expect("2-D");
        let mut y = x2.dot(&w.t());
        if let Some((b, _)) = &self.bias {
            y += &b.view().into_dimensionality::<ndarray::Ix1>().expect("1-D");
        }
        if train {
            self.x = Some(x);
        }
        y.into_dyn()
    }

    fn backward(&mut self, dy: ArrayD<T>) -> ArrayD<T> {
        let x = self
            .x
            .take()
            .expect("linear backward without a training forward");
        let x2 = x.view().into_dimensionality::<Ix2>().expect("2-D");
        let d = dy.view().into_dimensionality::<Ix2>().expect("2-D");
        self.dweight = d.t().dot(&x2).into_dyn();
        if let Some((_, db)) = &mut self.bias {
            *db = d.sum_axis(Axis(0)).into_dyn();
        }
        let w = self
            .weight
            .view()
            .into_dimensionality::<Ix2>()
            .expect("2-D");
        d.dot(&w).into_dyn()
    }

    fn params<'a>(&'a mut self, prefix: &str, out: &mut Vec<Param<'a, T>>) {
        out.push(Param {
            name: format!("{prefix}weight"),
            kind: ParamKind::LinearWeight,
            value: &mut self.weight,
            grad: &mut self.dweight,
        });
        if let Some((b, db)) = &mut self.bias {
            out.push(Param {
                name: format!("{prefix}bias"),
                kind: ParamKind::Bias,
                value: b,
                grad: db,
            });
        }
    }
}
