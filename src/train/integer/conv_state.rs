//! One conv layer's trained state ([`ConvState`]): the host's view, the stored weights the update
//! unit owns, the packed forward weights and the weights' ADAM moments — and its seeded start.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::config::IntegerConfig;
use super::conv_bn::HostConv;
use crate::error::Result;
use crate::exact::geometry::{ConvLayer, K};
use crate::exact::pack::pack_weights;
use crate::exact::update::UpdateMode;
use crate::fixed::Saturation;
use crate::optim::Adam;

/// One conv layer's trained state.
pub struct ConvState {
    /// The host's view: exact forward, learned BN, backward.
    pub host: HostConv,
    /// Stored weights, raw `w_format`, filter by filter in pack order (`(ky·3+kx)·C_in + c`):
    /// R/SR the binary weights (±1), BC the buffer `w_r`.
    pub w: Vec<i64>,
    /// The forward weights, packed for the conv engine (what the update unit's packer returned).
    pub packed: Vec<u64>,
    /// ADAM moments of the conv weights.
    pub adam: Adam,
}

impl ConvState {
    /// The layer's shape (`sh` of the last fold).
    pub fn layer(&self) -> &ConvLayer {
        &self.host.layer
    }

    /// Layer `l`'s seeded start: a fair ±1 sign per weight from `rng`, stored at magnitude `latent`
    /// (raw `w_format`); BC's uniform start draws each magnitude from `lat_rng`.
    pub(super) fn init(
        l: &ConvLayer,
        cfg: &IntegerConfig,
        latent: i64,
        rng: &mut ChaCha8Rng,
        lat_rng: &mut ChaCha8Rng,
    ) -> Result<Self> {
        let wf = cfg.update.w_format;
        let mut sat = Saturation::new();
        let uniform = cfg.mode == UpdateMode::Bc && cfg.bc_latent.uniform;
        let n = l.c_out * l.window_bits();
        let signs: Vec<i8> = (0..n)
            .map(|_| if rng.gen::<bool>() { 1 } else { -1 })
            .collect();
        let mut w: Vec<i64> = signs.iter().map(|&s| s as i64 * latent).collect();
        if uniform {
            for v in w.iter_mut() {
                let m = cfg
                    .bc_latent
                    .magnitude(cfg.latent_init, lat_rng.gen::<f64>());
                let raw = wf.from_f64(m, &mut sat)?.max(1);
                *v = if *v >= 0 { raw } else { -raw };
            }
        }
        Ok(Self {
            host: HostConv::new(l, &signs)?,
            w,
            packed: pack_weights(&signs, l.c_out, K, l.c_in)?,
            adam: Adam::new(n),
        })
    }

    /// The forward weights set to the stored weights' signs (after a restore).
    pub(super) fn repack(&mut self) -> Result<()> {
        let l = self.host.layer.clone();
        let signs: Vec<i8> = self
            .w
            .iter()
            .map(|&v| if v >= 0 { 1 } else { -1 })
            .collect();
        self.packed = pack_weights(&signs, l.c_out, K, l.c_in)?;
        self.host.set_signs(&signs)
    }
}
