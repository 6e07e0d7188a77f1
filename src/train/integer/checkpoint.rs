//! The integer trainer's state as named tensors ([`IntegerTrainer::tensors`]) and back
//! ([`IntegerTrainer::restore`]): what a run's checkpoint holds besides the step count and the
//! update unit's lane states.

use std::collections::HashMap;

use super::trainer::IntegerTrainer;
use crate::error::{QtrainError, Result};

impl IntegerTrainer {
    /// Every tensor of the state, named, in checkpoint order. Stored weights are raw `w_format`
    /// integers (≤ 24 bits, exact in f32); the packed signs are derived from them on restore.
    pub fn tensors(&mut self) -> Vec<(String, Vec<f32>)> {
        let mut out = Vec::new();
        for (i, cs) in self.convs.iter().enumerate() {
            let p = format!("conv{}.", i + 1);
            let bn = &cs.host.bn;
            out.push((format!("{p}w"), cs.w.iter().map(|&v| v as f32).collect()));
            for (n, v) in [
                ("adam.m", &cs.adam.m),
                ("adam.v", &cs.adam.v),
                ("bn.gamma", &bn.gamma),
                ("bn.beta", &bn.beta),
                ("bn.mean", &bn.mean),
                ("bn.var", &bn.var),
                ("bn.adam_gamma.m", &bn.adam_gamma.m),
                ("bn.adam_gamma.v", &bn.adam_gamma.v),
                ("bn.adam_beta.m", &bn.adam_beta.m),
                ("bn.adam_beta.v", &bn.adam_beta.v),
            ] {
                out.push((format!("{p}{n}"), v.clone()));
            }
        }
        self.head.tensors(&mut out);
        out
    }

    /// Restore the state [`IntegerTrainer::tensors`] named (every name taken from `map`, sizes
    /// checked), `t` steps taken and the update unit's lane states. Errors name the tensor.
    pub fn restore(
        &mut self,
        map: &mut HashMap<String, Vec<f32>>,
        t: u64,
        lanes: &[u64],
    ) -> Result<()> {
        let mut take = |name: String, dst: &mut [f32]| -> Result<()> {
            let v = map
                .remove(&name)
                .ok_or_else(|| QtrainError::Shape(format!("checkpoint lacks tensor {name}")))?;
            if v.len() != dst.len() {
                return Err(QtrainError::Shape(format!(
                    "tensor {name} has {} values, the network needs {}",
                    v.len(),
                    dst.len()
                )));
            }
            dst.copy_from_slice(&v);
            Ok(())
        };
        let wf = self.cfg.update.w_format;
        for (i, cs) in self.convs.iter_mut().enumerate() {
            let p = format!("conv{}.", i + 1);
            let mut w = vec![0f32; cs.w.len()];
            take(format!("{p}w"), &mut w)?;
            if let Some(bad) = w
                .iter()
                .find(|&&v| v.fract() != 0.0 || !wf.contains(v as i64))
            {
                return Err(QtrainError::Shape(format!(
                    "tensor {p}w holds {bad}, not a raw value of {wf}"
                )));
            }
            cs.w = w.iter().map(|&v| v as i64).collect();
            let bn = &mut cs.host.bn;
            for (n, v) in [
                ("adam.m", &mut cs.adam.m),
                ("adam.v", &mut cs.adam.v),
                ("bn.gamma", &mut bn.gamma),
                ("bn.beta", &mut bn.beta),
                ("bn.mean", &mut bn.mean),
                ("bn.var", &mut bn.var),
                ("bn.adam_gamma.m", &mut bn.adam_gamma.m),
                ("bn.adam_gamma.v", &mut bn.adam_gamma.v),
                ("bn.adam_beta.m", &mut bn.adam_beta.m),
                ("bn.adam_beta.v", &mut bn.adam_beta.v),
            ] {
                take(format!("{p}{n}"), v)?;
            }
            cs.repack()?;
        }
        self.head.restore(&mut take)?;
        if let Some(extra) = map.keys().min() {
            return Err(QtrainError::Shape(format!(
                "checkpoint holds tensor {extra}, which this network does not have"
            )));
        }
        self.unit.set_lane_states(lanes)?;
        self.t = t;
        Ok(())
    }
}
