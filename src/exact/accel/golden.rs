//! The golden model's blocks behind the top ([`GoldenBlocks`]: `exact::xnor_conv` and the update
//! unit model), the golden top, and the golden response of one update transaction.

use super::top::{TopBlocks, TopModel};
use super::update_stream::update_transaction;
use crate::error::{QtrainError, Result};
use crate::exact::geometry::{output_stream, ConvLayer};
use crate::exact::requant::Requant;
use crate::exact::update::{BeatOut, UpdateCommand, UpdateUnitModel};
use crate::exact::{bitplanes, xnor_conv};
use crate::hw::{ConvParams, HwConfig};

/// The golden model's blocks: the conv engine as `exact::xnor_conv` (the layer checked against the
/// engine's configuration, cycles by the ideal-cycle formula) and the update unit as
/// [`UpdateUnitModel`] with the hardware's command handling (reserved bits or mode 3: ignored and
/// flagged until a valid command clears the saturation counter; one cycle a beat, `lanes·131` for a
/// reseed).
#[derive(Clone, Debug)]
pub struct GoldenBlocks {
    conv: ConvParams,
    unit: UpdateUnitModel,
    cmd_error: bool,
}

impl GoldenBlocks {
    /// The blocks of the configuration `hw`, at power-on.
    pub fn new(hw: &HwConfig) -> Result<Self> {
        Ok(Self {
            conv: hw.conv.clone(),
            unit: UpdateUnitModel::new(&hw.update)?,
            cmd_error: false,
        })
    }

    /// The update unit's model.
    pub fn unit(&self) -> &UpdateUnitModel {
        &self.unit
    }
}

/// The golden top of the configuration `hw` at power-on.
pub fn golden_top(hw: &HwConfig) -> Result<TopModel<GoldenBlocks>> {
    Ok(TopModel::new(GoldenBlocks::new(hw)?, &hw.update))
}

impl TopBlocks for GoldenBlocks {
    type Error = QtrainError;

    fn conv(&mut self, input: &[u64]) -> Result<(Vec<u64>, u64)> {
        let l = ConvLayer::from_command_word(input[0])?;
        l.validate(&self.conv)?;
        let (np, nw, na) = (l.param_words(), l.weight_words(), l.act_words());
        let expected = 1 + np + nw + na * l.images;
        if input.len() != expected {
            return Err(QtrainError::Shape(format!(
                "conv layer command expects {expected} input words (1 + {np} params + {nw} weights + {} images × {na}), got {}",
                l.images,
                input.len()
            )));
        }
        let params = &input[1..1 + np];
        let rq = Requant {
            m: params.iter().map(|&w| w as u16 as i16).collect(),
            b: params.iter().map(|&w| (w >> 16) as u32 as i32).collect(),
            sh: l.sh,
            a_out: l.a_out,
        };
        let weights = &input[1 + np..1 + np + nw];
        let outs = input[1 + np + nw..]
            .chunks(na)
            .map(|img| {
                let a = bitplanes::unpack_planes(img, l.h, l.w, l.c_in, l.a_in)?;
                xnor_conv::conv_layer(&l, weights, &rq, &a)
            })
            .collect::<Result<Vec<_>>>()?;
        let cycles = l.ideal_cycles(self.conv.pe, self.conv.simd) * l.images as u64;
        Ok((output_stream(&l, &outs)?, cycles))
    }

    fn update_command(&mut self, words: [u64; 2]) -> Result<u64> {
        if words[0] >> 32 != 0 || words[0] & 3 == 3 {
            self.cmd_error = true;
            return Ok(1);
        }
        let c = UpdateCommand::decode(words, self.unit.params()).map_err(|e| {
            QtrainError::Shape(format!(
                "update command {:#x}: the golden model cannot say what the hardware does with it: {e}",
                words[0]
            ))
        })?;
        self.unit.command(&c)?;
        if c.clear_saturation {
            self.cmd_error = false;
        }
        Ok(match c.reseed {
            Some(_) => 131 * self.unit.params().lanes as u64,
            None => 1,
        })
    }

    fn update_beats(&mut self, w: &[i64], u: &[i64]) -> Result<(Vec<BeatOut>, u64)> {
        let beats = self.unit.run(w, u)?;
        let n = beats.len() as u64;
        Ok((beats, n))
    }

    fn update_status(&self) -> (u64, bool) {
        (self.unit.saturation().count, self.cmd_error)
    }
}

/// The golden response of an update transaction on `model` (which it advances): the beats' words and
/// the status word, as [`TopModel`] with [`GoldenBlocks`] answers it. `cmd` must decode (a malformed
/// command is the hardware's `cmd_error` path).
pub fn update_response(
    model: &mut UpdateUnitModel,
    cmd: [u64; 2],
    w: &[i64],
    u: &[i64],
) -> Result<Vec<u64>> {
    let p = model.params().clone();
    UpdateCommand::decode(cmd, &p)?;
    let t = update_transaction(&p, cmd, w, u)?;
    let blocks = GoldenBlocks {
        conv: ConvParams::default(),
        unit: model.clone(),
        cmd_error: false,
    };
    let mut top = TopModel::new(blocks, &p);
    let r = top.run(&t)?;
    *model = top.blocks().unit.clone();
    Ok(r.into_iter().flat_map(|r| r.words).collect())
}
