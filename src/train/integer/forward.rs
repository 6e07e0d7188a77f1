//! The forward pass of the integer training path through the conv layers: each layer's
//! requantisation folded from its learned BN, its output codes computed on the host exactly as the
//! engine does, and — with a checked accelerator — the same job sent to it and compared.

use ndarray::{ArrayD, IxDyn};

use super::accelerator::Accelerator;
use super::check::check_conv;
use super::conv_bn::out_scale;
use super::layout::nchw_image_to_hwc;
use super::record::StepRecord;
use super::trainer::IntegerTrainer;
use crate::error::{QtrainError, Result};

impl IntegerTrainer {
    /// The first layer's input of `n` images from `x` (`(N, C, H, W)` codes).
    pub(super) fn input(&self, x: &[f32]) -> Result<(ArrayD<f32>, usize)> {
        let l = &self.cfg.convs[0];
        let img = l.c_in * l.h * l.w;
        if x.is_empty() || x.len() % img != 0 {
            return Err(QtrainError::Shape(format!(
                "{} input values are not whole {}×{}×{} images",
                x.len(),
                l.c_in,
                l.h,
                l.w
            )));
        }
        let n = x.len() / img;
        let a = ArrayD::from_shape_vec(IxDyn(&[n, l.c_in, l.h, l.w]), x.to_vec())
            .map_err(|e| QtrainError::Shape(e.to_string()))?;
        Ok((a, n))
    }

    /// Forward through the conv layers (train mode: caches, running statistics), the batch's
    /// head input, and the check of every layer against `dev`.
    pub(super) fn forward_convs<A: Accelerator>(
        &mut self,
        mut dev: Option<&mut A>,
        x: &[f32],
        train: bool,
        rec: &mut StepRecord,
    ) -> std::result::Result<(Vec<f32>, usize), A::Error> {
        let (mut x, n) = self.input(x)?;
        let step = self.t + 1;
        for (li, cs) in self.convs.iter_mut().enumerate() {
            let rq = cs.host.bn.fold(cs.host.layer.a_out)?;
            cs.host.layer.sh = rq.sh;
            cs.host.layer.images = n;
            let input = dev.is_some().then(|| x.clone());
            let z = cs.host.accumulators(x, train);
            let out = cs.host.finish(z, n, &rq, train);
            let l = cs.host.layer.clone();
            if let (Some(d), Some(input)) = (dev.as_deref_mut(), input) {
                let xin = input.as_slice().expect("contiguous");
                let ii = l.c_in * l.h * l.w;
                let acts: Vec<Vec<u32>> = (0..n)
                    .map(|i| nchw_image_to_hwc(&xin[i * ii..(i + 1) * ii], l.c_in, l.h * l.w))
                    .collect();
                let r = d.conv(step, li, &l, &cs.packed, &rq, &acts)?;
                check_conv(step, li, &l, &r, &out, n, rec)?;
                rec.conv_cycles += r.cycles;
            }
            x = ArrayD::from_shape_vec(IxDyn(&[n, l.c_out, l.out_h(), l.out_w()]), out)
                .map_err(|e| QtrainError::Shape(e.to_string()))?;
        }
        let s = out_scale(self.convs[self.convs.len() - 1].host.layer.a_out) as f32;
        let flat: Vec<f32> = x.iter().map(|&v| v * s).collect();
        Ok((flat, n))
    }
}
