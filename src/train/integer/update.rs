//! The weight update of one training step: ADAM on the host gives each conv weight a step `u`,
//! quantised to the update unit's `u_format`; the update unit (mode R/SR/BC, binary grid, sign
//! packing) turns `(w, u)` into the new stored weights and the packed signs of the next forward
//! pass — and, with a checked accelerator, the same job is sent to it and compared.

use super::accelerator::Accelerator;
use super::check::check_update;
use super::record::StepRecord;
use super::trainer::IntegerTrainer;
use crate::error::{QtrainError, Result};
use crate::exact::geometry::K;
use crate::exact::pack::words_per_filter;
use crate::exact::update::{pad_filters, unpad_filters, UpdateCommand, UpdateGrid, UpdateMode};
use crate::fixed::Saturation;
use crate::hw::UpdateParams;

/// The seed the update unit's lanes are seeded from (once, by the run's first update command):
/// SplitMix64 of the run's seed, so lane seeds differ from the weight-initialisation stream.
pub fn lane_seed(seed: u64) -> u64 {
    crate::splitmix::SplitMix64::new(seed).next_u64()
}

/// Quantise ADAM's steps to `p.u_format` (nearest, ties away from zero, saturated; NaN is an error),
/// counting saturations in `sat`.
pub fn quantise_steps(p: &UpdateParams, u: &[f32], sat: &mut Saturation) -> Result<Vec<i64>> {
    u.iter().map(|&x| p.u_format.from_f32(x, sat)).collect()
}

impl IntegerTrainer {
    /// ADAM on the host, the weight update on the update unit (and on `dev`, compared), layer by
    /// layer; step `self.t`.
    pub(super) fn update<A: Accelerator>(
        &mut self,
        mut dev: Option<&mut A>,
        rec: &mut StepRecord,
        lr: f32,
    ) -> std::result::Result<(), A::Error> {
        let mut u_sat = Saturation::new();
        for li in 0..self.convs.len() {
            self.update_layer(dev.as_deref_mut(), li, rec, lr, &mut u_sat)?;
        }
        rec.u_saturations = u_sat.count;
        Ok(())
    }

    /// Conv layer `li`'s update (BN's γ, β included), ADAM's saturations counted in `u_sat`.
    fn update_layer<A: Accelerator>(
        &mut self,
        dev: Option<&mut A>,
        li: usize,
        rec: &mut StepRecord,
        lr: f32,
        u_sat: &mut Saturation,
    ) -> std::result::Result<(), A::Error> {
        let step = self.t;
        let p = self.cfg.update.clone();
        let one = p.w_format.one_raw().expect("checked in new");
        let cs = &mut self.convs[li];
        cs.host.bn.step(step, lr);
        let l = cs.host.layer.clone();
        let n = l.window_bits();
        let grad = cs.host.weight_grad();
        let mut u = vec![0.0; grad.len()];
        cs.adam.step(grad, step, lr, &mut u);
        if self.cfg.mode == UpdateMode::Bc && self.cfg.bc_latent.glorot_lr {
            let scale = self.cfg.bc_latent.lr_scale(l.c_in, l.c_out, K);
            u.iter_mut().for_each(|v| *v *= scale);
        }
        let uq = quantise_steps(&p, &u, u_sat)?;
        let wp = pad_filters(&cs.w, n, p.lanes, one)?;
        let up = pad_filters(&uq, n, p.lanes, 0)?;
        let cmd = UpdateCommand {
            mode: self.cfg.mode,
            grid: UpdateGrid::Binary,
            pack: true,
            filter_bits: n as u32,
            reseed: (step == 1 && li == 0).then(|| lane_seed(self.cfg.seed)),
            clear_saturation: true,
        };
        self.unit
            .command(&UpdateCommand::decode(cmd.encode(&p)?, &p)?)?;
        let beats = self.unit.run(&wp, &up)?;
        let new_w = unpad_filters(
            &beats
                .iter()
                .flat_map(|b| b.lanes.iter().map(|o| o.w))
                .collect::<Vec<_>>(),
            n,
            p.lanes,
        )?;
        let packed: Vec<u64> = beats.iter().filter_map(|b| b.pack).collect();
        let sats = self.unit.saturation().count;
        if packed.len() != l.c_out * words_per_filter(K, l.c_in) {
            return Err(QtrainError::Shape(format!(
                "step {step}, conv{}: the update unit packed {} sign words, expected {}",
                li + 1,
                packed.len(),
                l.c_out * words_per_filter(K, l.c_in)
            ))
            .into());
        }
        if let Some(d) = dev {
            let r = d.update(step, li, &cmd, &wp, &up)?;
            check_update(&self.cfg, step, li, &l, &r, (&new_w, &packed, sats), rec)?;
            rec.update_cycles += r.cycles;
        }
        rec.changed += cs.w.iter().zip(&new_w).filter(|(a, b)| a != b).count() as u64;
        rec.flipped += cs
            .packed
            .iter()
            .zip(&packed)
            .map(|(a, b)| (a ^ b).count_ones() as u64)
            .sum::<u64>();
        rec.clip_saturations += sats;
        cs.w = new_w;
        cs.packed = packed;
        let signs = crate::exact::pack::unpack_weights(&cs.packed, l.c_out, K, l.c_in)?;
        cs.host.set_signs(&signs)?;
        Ok(())
    }
}
