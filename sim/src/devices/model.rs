//! The transaction-level backend: the accelerator top as `qtrain::exact::accel::TopModel` — the one
//! definition of the top's behaviour (headers, error words, draining, the update gearbox, response
//! framing, counters) — behind the host's stream interface. [`ModelDevice`] puts the golden model's
//! blocks behind it (`GoldenBlocks`: `exact::xnor_conv`, `exact::update::UpdateUnitModel`); it has no
//! clock, so its `cycles` are the ideal-cycle formulas, fast enough for whole-network accuracy runs
//! and a second implementation for the host driver to be checked against. The rtl backend's
//! engine-only target puts the rust-hdl blocks behind the same [`TopDevice`].

use qtrain::exact::accel::{error_name, error_word, ResponseKind, Step, TopBlocks, TopModel};
use qtrain::exact::accel::{golden_top, GoldenBlocks, LEN_SHIFT};
use qtrain::hw::HwConfig;

use crate::devices::stream::{StreamDevice, Transfer};
use crate::error::SimError;

/// A [`TopModel`] in front of the blocks `B`, as a [`StreamDevice`]. A transaction the top answers
/// with an error word, or one shorter than its header says (the top would wait), is a clean error.
pub struct TopDevice<B> {
    top: TopModel<B>,
    name: &'static str,
    cycle_accurate: bool,
}

/// The golden model behind a stream interface.
pub type ModelDevice = TopDevice<GoldenBlocks>;

impl ModelDevice {
    /// The golden top of the configuration `hw` (its conv folding gives the ideal cycles, its update
    /// unit answers update transactions).
    pub fn new(hw: &HwConfig) -> Result<Self, SimError> {
        Ok(TopDevice::wrap(golden_top(hw)?, "model", false))
    }
}

impl<B: TopBlocks> TopDevice<B>
where
    SimError: From<B::Error>,
{
    /// `top` as a device named `name` (reports), whose cycles are measured (`cycle_accurate`) or a
    /// formula.
    pub fn wrap(top: TopModel<B>, name: &'static str, cycle_accurate: bool) -> Self {
        Self {
            top,
            name,
            cycle_accurate,
        }
    }

    /// The blocks behind the top.
    pub fn blocks_mut(&mut self) -> &mut B {
        self.top.blocks_mut()
    }
}

impl<B: TopBlocks> StreamDevice for TopDevice<B>
where
    SimError: From<B::Error>,
{
    fn backend(&self) -> &'static str {
        self.name
    }
    fn cycle_accurate(&self) -> bool {
        self.cycle_accurate
    }
    fn transfer(&mut self, input: &[u64], n_out: usize) -> Result<Transfer, SimError> {
        if input.is_empty() {
            return Err(SimError::Protocol("empty transaction".into()));
        }
        let (mut output, mut lasts, mut cycles, mut at) = (Vec::new(), Vec::new(), 0, 0);
        while at < input.len() {
            let r = match self.top.step(&input[at..])? {
                Step::Done(r) => r,
                Step::Waiting { header, missing } => {
                    return Err(SimError::Protocol(format!(
                        "header {header:#018x} announces {} payload words, the transaction has {}: \
                         the top would wait for {missing} more",
                        header >> LEN_SHIFT,
                        input.len() - at - 1
                    )))
                }
            };
            if let ResponseKind::Error { code, header } = r.kind {
                return Err(SimError::Protocol(format!(
                    "bad transaction header {header:#018x}: the top answers error word {:#018x} \
                     (code {code}: {})",
                    error_word(code, header),
                    error_name(code)
                )));
            }
            at += r.consumed;
            cycles += r.cycles;
            output.extend(r.words);
            lasts.push(output.len() - 1);
        }
        if output.len() != n_out {
            return Err(SimError::Protocol(format!(
                "the {} top produced {} output words, the host expected {n_out}",
                self.name,
                output.len()
            )));
        }
        Ok(Transfer {
            output,
            lasts,
            cycles,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qtrain::exact::accel::{counters_transaction, header, Counters, Op, COUNTER_WORDS};

    #[test]
    fn bad_headers_get_clean_errors() {
        let mut d = ModelDevice::new(&HwConfig::default()).unwrap();
        for (t, needle) in [
            (vec![], "empty transaction"),
            (vec![0xC], "not a header"),
            (
                vec![header(Op::Conv, 2), 0xC],
                "the top would wait for 1 more",
            ),
            (vec![header(Op::Counters, 1), 0], "code 3"),
            (
                vec![header(Op::Conv, 1), 0x5],
                "does not start with a conv command",
            ),
            (vec![header(Op::Update, 1), 0], "update < 2"),
        ] {
            let e = d.transfer(&t, 1).unwrap_err().to_string();
            assert!(e.contains(needle), "{t:x?}: {e}");
        }
        let c = d.transfer(&counters_transaction(), COUNTER_WORDS).unwrap();
        assert_eq!(c.lasts, [COUNTER_WORDS - 1]);
        let c = Counters::parse(&c.output).unwrap();
        // the empty and the short transaction never reached the top; four were errors
        assert_eq!((c.transactions, c.errors), (5, 4));
    }
}
