//! The transaction-level backend: decodes the same stream words the hardware would receive and
//! answers with what the integer golden model (`qtrain::exact`) computes. It has no clock; its
//! `cycles` are the ideal-cycle formula, so it is fast enough for whole-network accuracy runs and
//! gives the host driver a second implementation to be checked against.

use qtrain::exact::geometry::{output_stream, ConvLayer, OPCODE_CONV};
use qtrain::exact::requant::Requant;
use qtrain::exact::{bitplanes, xnor_conv};
use qtrain::hw::ConvParams;

use crate::error::SimError;
use crate::stream::{StreamDevice, Transfer};

/// The golden model behind a stream interface.
pub struct ModelDevice {
    conv: ConvParams,
}

impl ModelDevice {
    /// A model of an engine with the given folding (used for the reported ideal cycles).
    pub fn new(conv: ConvParams) -> Self {
        Self { conv }
    }

    fn conv_layer(&self, input: &[u64]) -> Result<Transfer, SimError> {
        let l = ConvLayer::from_command_word(input[0])?;
        l.validate(&self.conv)?;
        let (np, nw, na) = (l.param_words(), l.weight_words(), l.act_words());
        let expected = 1 + np + nw + na * l.images;
        if input.len() != expected {
            return Err(SimError::Protocol(format!(
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
        let mut outs = Vec::with_capacity(l.images);
        for img in input[1 + np + nw..].chunks(na) {
            let a = bitplanes::unpack_planes(img, l.h, l.w, l.c_in, l.a_in)?;
            outs.push(xnor_conv::conv_layer(&l, weights, &rq, &a)?);
        }
        let output = output_stream(&l, &outs)?;
        // `last` marks the final word of each image, as the engine sends it.
        let lasts = (1..=l.images).map(|k| k * l.out_words() - 1).collect();
        Ok(Transfer {
            output,
            lasts,
            cycles: l.ideal_cycles(self.conv.pe, self.conv.simd) * l.images as u64,
        })
    }
}

impl StreamDevice for ModelDevice {
    fn backend(&self) -> &'static str {
        "model"
    }
    fn cycle_accurate(&self) -> bool {
        false
    }
    fn transfer(&mut self, input: &[u64], n_out: usize) -> Result<Transfer, SimError> {
        let Some(&cmd) = input.first() else {
            return Err(SimError::Protocol("empty transaction".into()));
        };
        let t = match cmd & 0xF {
            OPCODE_CONV => self.conv_layer(input)?,
            op => {
                return Err(SimError::Protocol(format!(
                    "command word {cmd:#018x}: unknown opcode {op:#x}"
                )))
            }
        };
        if t.output.len() != n_out {
            return Err(SimError::Protocol(format!(
                "the model produced {} output words, the host expected {n_out}",
                t.output.len()
            )));
        }
        Ok(t)
    }
}
