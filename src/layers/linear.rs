//! Fully connected layer `y = x·Wᵀ (+ b)` on `(N, in)`, weight `(out, in)` as PyTorch stores it.
//! Never quantized in VGG-BC and the ResNets (TRAIN_SPEC); the binary MLP's hidden-to-hidden layers
//! are built [`Linear::quantized`].

use ndarray::{ArrayD, Axis, Ix2, IxDyn};

use rayon::prelude::*;

use super::matmul::{matmul, MatRef};
use super::{Layer, Param, ParamKind, Real};

/// Rows per product: the work is split in fixed pieces (never by the thread count).
const ROWS: usize = 32;

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
    /// Its weight is quantized by R/SR/BC ([`ParamKind::QuantLinearWeight`]).
    pub quantized: bool,
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
            quantized: false,
            x: None,
        }
    }

    /// A layer without bias whose weight R/SR/BC quantize (zero-initialised).
    pub fn quantized(fin: usize, fout: usize) -> Self {
        Self {
            quantized: true,
            ..Self::new(fin, fout, false)
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
        let (n, fin, fout) = (x2.nrows(), self.fin, self.fout);
        let xs = x2.as_standard_layout();
        let ws = self.weight.as_standard_layout();
        let mut y = ndarray::Array2::<T>::zeros((n, fout));
        // y = x·Wᵀ in fixed pieces of ROWS rows, in parallel (the pieces, not the threads, fix
        // the rounding)
        let (xsl, wsl) = (
            xs.as_slice().expect("contiguous"),
            ws.as_slice().expect("contiguous"),
        );
        y.as_slice_mut()
            .expect("contiguous")
            .par_chunks_mut(ROWS * fout.max(1))
            .zip(xsl.par_chunks(ROWS * fin.max(1)))
            .for_each(|(yc, xc)| {
                let r = xc.len() / fin.max(1);
                matmul(
                    MatRef::row_major(xc, r, fin, fin),
                    MatRef::row_major(wsl, fout, fin, fin).t(),
                    yc,
                    fout,
                    false,
                );
            });
        drop((xs, ws));
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
        let (n, fin, fout) = (x2.nrows(), self.fin, self.fout);
        let xs = x2.as_standard_layout();
        let ds = d.as_standard_layout();
        let xm = MatRef::row_major(xs.as_slice().expect("contiguous"), n, fin, fin);
        let dm = MatRef::row_major(ds.as_slice().expect("contiguous"), n, fout, fout);
        // dW = dᵀ·x, in fixed pieces of ROWS output rows
        let mut dw = vec![T::zero(); fout * fin];
        dw.par_chunks_mut(ROWS * fin.max(1))
            .enumerate()
            .for_each(|(i, dwc)| {
                let r = dwc.len() / fin.max(1);
                let di = MatRef {
                    data: &dm.data[i * ROWS..],
                    rows: n,
                    cols: r,
                    rs: fout,
                    cs: 1,
                };
                matmul(di.t(), xm, dwc, fin, false);
            });
        self.dweight = ArrayD::from_shape_vec(IxDyn(&[fout, fin]), dw).expect("shape");
        if let Some((_, db)) = &mut self.bias {
            *db = d.sum_axis(Axis(0)).into_dyn();
        }
        // dx = d·W
        let ws = self.weight.as_standard_layout();
        let mut dx = vec![T::zero(); n * fin];
        let wm = MatRef::row_major(ws.as_slice().expect("contiguous"), fout, fin, fin);
        dx.par_chunks_mut(ROWS * fin.max(1))
            .zip(dm.data.par_chunks(ROWS * fout.max(1)))
            .for_each(|(dxc, dc)| {
                let r = dxc.len() / fin.max(1);
                matmul(MatRef::row_major(dc, r, fout, fout), wm, dxc, fin, false);
            });
        ArrayD::from_shape_vec(IxDyn(&[n, fin]), dx).expect("shape")
    }

    fn params<'a>(&'a mut self, prefix: &str, out: &mut Vec<Param<'a, T>>) {
        out.push(Param {
            name: format!("{prefix}weight"),
            kind: if self.quantized {
                ParamKind::QuantLinearWeight
            } else {
                ParamKind::LinearWeight
            },
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
