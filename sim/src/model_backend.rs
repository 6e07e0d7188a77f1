//! The transaction-level backend: decodes the same accelerator transactions the hardware top would
//! receive (`qtrain::exact::accel`: header + payload) and answers with what the integer golden model
//! (`qtrain::exact`) computes. It has no clock; its `cycles` are the ideal-cycle formula, so it is
//! fast enough for whole-network accuracy runs and gives the host driver a second implementation to
//! be checked against. It keeps the top's counters (conv busy = the formula's cycles) so that the
//! host's read-counters transaction works on both backends.

use qtrain::exact::accel::{parse_header, Op, COUNTER_WORDS};
use qtrain::exact::geometry::{output_stream, ConvLayer, OPCODE_CONV};
use qtrain::exact::requant::Requant;
use qtrain::exact::{bitplanes, xnor_conv};
use qtrain::hw::ConvParams;

use crate::error::SimError;
use crate::stream::{StreamDevice, Transfer};

/// The golden model behind a stream interface.
pub struct ModelDevice {
    conv: ConvParams,
    /// The top's counter words (`qtrain::exact::accel::counter` indices).
    counters: [u64; COUNTER_WORDS],
}

impl ModelDevice {
    /// A model of a top whose engine has the given folding (used for the reported ideal cycles).
    pub fn new(conv: ConvParams) -> Self {
        Self {
            conv,
            counters: [0; COUNTER_WORDS],
        }
    }

    /// One conv layer: `input` is the engine's layer stream (the conv transaction's payload, which
    /// starts with a conv command word).
    fn conv_layer(&mut self, input: &[u64]) -> Result<Transfer, SimError> {
        let cmd = input[0];
        let l = ConvLayer::from_command_word(cmd)?;
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
        let cycles = l.ideal_cycles(self.conv.pe, self.conv.simd) * l.images as u64;
        use qtrain::exact::accel::counter::*;
        self.counters[CONV_BUSY] += cycles;
        self.counters[CONV_IN] += input.len() as u64;
        self.counters[CONV_OUT] += output.len() as u64;
        Ok(Transfer {
            // `last` marks the final word of the response, as the top sends it.
            lasts: vec![output.len() - 1],
            output,
            cycles,
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
        use qtrain::exact::accel::counter::TRANSACTIONS;
        let Some(&head) = input.first() else {
            return Err(SimError::Protocol("empty transaction".into()));
        };
        self.counters[TRANSACTIONS] += 1;
        let bad = |c: &mut [u64; COUNTER_WORDS], msg: String| {
            c[TRANSACTIONS] += 1 << 32;
            Err(SimError::Protocol(msg))
        };
        let (op, len) = match parse_header(head) {
            Ok(h) => h,
            Err(e) => return bad(&mut self.counters, format!("bad transaction header: {e}")),
        };
        if len as usize != input.len() - 1 {
            return bad(
                &mut self.counters,
                format!(
                    "header {head:#018x} announces {len} payload words, the transaction has {}",
                    input.len() - 1
                ),
            );
        }
        let t = match op {
            Op::Conv if len > 0 && input[1] & 0xF == OPCODE_CONV => self.conv_layer(&input[1..])?,
            Op::Conv => {
                return bad(
                    &mut self.counters,
                    format!(
                        "conv payload of header {head:#018x} does not start with a conv command word (opcode {OPCODE_CONV:#x})"
                    ),
                )
            }
            Op::Counters if len == 0 => Transfer {
                output: self.counters.to_vec(),
                lasts: vec![COUNTER_WORDS - 1],
                cycles: COUNTER_WORDS as u64,
            },
            Op::Counters => {
                return bad(
                    &mut self.counters,
                    format!("a counters transaction has no payload, header {head:#018x} has {len}"),
                )
            }
            Op::Update => {
                return bad(
                    &mut self.counters,
                    "the model backend's stream device takes conv and counters transactions; \
                     updates run on the update unit model"
                        .into(),
                )
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

#[cfg(test)]
mod tests {
    use super::*;
    use qtrain::exact::accel::{counters_transaction, header, Counters};

    #[test]
    fn bad_headers_get_clean_errors() {
        let mut d = ModelDevice::new(ConvParams::default());
        for (t, needle) in [
            (vec![], "empty transaction"),
            (vec![0xC], "bad transaction header"),
            (vec![header(Op::Conv, 2), 0xC], "announces 2 payload words"),
            (vec![header(Op::Counters, 1), 0], "no payload"),
            (
                vec![header(Op::Conv, 1), 0x5],
                "does not start with a conv command",
            ),
        ] {
            let e = d.transfer(&t, 1).unwrap_err().to_string();
            assert!(e.contains(needle), "{t:x?}: {e}");
        }
        let c = d.transfer(&counters_transaction(), COUNTER_WORDS).unwrap();
        let c = Counters::parse(&c.output).unwrap();
        // the empty transaction never reached a header; the other four were errors
        assert_eq!((c.transactions, c.errors), (5, 4));
    }
}
