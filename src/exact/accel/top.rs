//! The accelerator top at transaction level ([`TopModel`]) in front of any [`TopBlocks`]: headers,
//! error words, draining, the update gearbox, response framing and counters.

use super::counters::counter;
use super::header::{
    error_word, parse_header, Op, COUNTER_WORDS, ERR_CONV_CMD, ERR_LEN, ERR_OP, ERR_TAG, H_LEN,
    H_TAG, LEN_SHIFT, TAG,
};
use super::update_stream::{status_word, update_response_words, UpdateLayout, UpdateStatus};
use crate::error::QtrainError;
use crate::exact::command_word::is_conv_command;
use crate::exact::update::BeatOut;
use crate::hw::UpdateParams;

/// The blocks behind the top, as [`TopModel`] drives them: a conv engine and an update unit.
pub trait TopBlocks {
    /// The blocks' error type (must carry the golden model's).
    type Error: From<QtrainError>;
    /// Run one conv payload (the engine's layer stream, starting with a conv command word): every
    /// image's output words, and the cycles it took.
    fn conv(&mut self, layer_stream: &[u64]) -> std::result::Result<(Vec<u64>, u64), Self::Error>;
    /// Hand the unit its two command words (a malformed one is taken, ignored and flagged on the
    /// sticky command-error flag, as the hardware does); the cycles it took.
    fn update_command(&mut self, words: [u64; 2]) -> std::result::Result<u64, Self::Error>;
    /// Stream whole beats of raw `w`, `u` (each `lanes`·beats long) through the unit: its outputs
    /// per beat, and the cycles it took.
    fn update_beats(
        &mut self,
        w: &[i64],
        u: &[i64],
    ) -> std::result::Result<(Vec<BeatOut>, u64), Self::Error>;
    /// The unit's saturation counter and sticky command-error flag.
    fn update_status(&self) -> (u64, bool);
}

/// What a response answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseKind {
    /// A conv transaction's output words.
    Conv,
    /// An update transaction's beats and status word.
    Update(UpdateStatus),
    /// A counters read.
    Counters,
    /// One error word: `code` for `header`.
    Error {
        /// [`ERR_TAG`], [`ERR_OP`], [`ERR_LEN`] or [`ERR_CONV_CMD`].
        code: u64,
        /// The header word (or untagged word) answered.
        header: u64,
    },
}

/// One transaction's response (`last` on its final word).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// What it answered.
    pub kind: ResponseKind,
    /// The response words.
    pub words: Vec<u64>,
    /// Input words the transaction took (header and payload).
    pub consumed: usize,
    /// The blocks' cycles (conv: the engine's; update: at least the stream's; else the words').
    pub cycles: u64,
}

/// The result of offering the top input words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// The first transaction of the input, answered.
    Done(Response),
    /// The input ends inside the first transaction's payload: the top waits for `missing` words.
    Waiting {
        /// The header.
        header: u64,
        /// Payload words still to come.
        missing: usize,
    },
}

/// The accelerator top at transaction level (see the module doc): headers, errors, draining, the
/// update gearbox, response framing and counters in front of the blocks `B`.
#[derive(Clone, Debug)]
pub struct TopModel<B> {
    blocks: B,
    update: UpdateParams,
    /// Counter words 0..=5 ([`counter`]).
    n: [u64; 6],
    transactions: u32,
    errors: u32,
}

impl<B: TopBlocks> TopModel<B> {
    /// The top at power-on (counters zero) in front of `blocks`, whose update unit is `update`.
    pub fn new(blocks: B, update: &UpdateParams) -> Self {
        Self {
            blocks,
            update: update.clone(),
            n: [0; 6],
            transactions: 0,
            errors: 0,
        }
    }

    /// The blocks.
    pub fn blocks(&self) -> &B {
        &self.blocks
    }

    /// The blocks, mutably.
    pub fn blocks_mut(&mut self) -> &mut B {
        &mut self.blocks
    }

    /// The counter words a read would return now (its own header included).
    pub fn counters(&self) -> [u64; COUNTER_WORDS] {
        let mut c = [0; COUNTER_WORDS];
        c[..6].copy_from_slice(&self.n);
        let (sat, err) = self.blocks.update_status();
        c[counter::UPDATE_STATUS] = status_word(sat, err);
        c[counter::TRANSACTIONS] = self.transactions as u64 | (self.errors as u64) << 32;
        c
    }

    fn error(&mut self, code: u64, header: u64, consumed: usize) -> Step {
        self.transactions = self.transactions.wrapping_add(1);
        self.errors = self.errors.wrapping_add(1);
        Step::Done(Response {
            kind: ResponseKind::Error { code, header },
            words: vec![error_word(code, header)],
            consumed,
            cycles: 1,
        })
    }

    /// Offer `input` (transactions back to back); answer its first transaction, or say how many
    /// payload words the top still waits for (nothing changes then). Errors only where the blocks
    /// fail (a stalled simulation, or a payload the golden model cannot interpret).
    pub fn step(&mut self, input: &[u64]) -> std::result::Result<Step, B::Error> {
        let Some(&h) = input.first() else {
            return Err(QtrainError::Shape("no input word for the top".into()).into());
        };
        if H_TAG.get(h) != TAG {
            return Ok(self.error(ERR_TAG, h, 1));
        }
        let len = H_LEN.get(h) as usize;
        if input.len() < 1 + len {
            return Ok(Step::Waiting {
                header: h,
                missing: 1 + len - input.len(),
            });
        }
        let payload = &input[1..1 + len];
        let op = match parse_header(h) {
            Ok((op, _)) => op,
            Err(_) => return Ok(self.error(ERR_OP, h, 1 + len)),
        };
        match op {
            Op::Conv if len == 0 => Ok(self.error(ERR_LEN, h, 1)),
            Op::Conv if !is_conv_command(payload[0]) => Ok(self.error(ERR_CONV_CMD, h, 1 + len)),
            Op::Update if len < 2 => Ok(self.error(ERR_LEN, h, 1 + len)),
            Op::Counters if len != 0 => Ok(self.error(ERR_LEN, h, 1 + len)),
            Op::Conv => {
                self.transactions = self.transactions.wrapping_add(1);
                let (words, cycles) = self.blocks.conv(payload)?;
                self.n[counter::CONV_BUSY] += cycles;
                self.n[counter::CONV_IN] += len as u64;
                self.n[counter::CONV_OUT] += words.len() as u64;
                Ok(Step::Done(Response {
                    kind: ResponseKind::Conv,
                    words,
                    consumed: 1 + len,
                    cycles,
                }))
            }
            Op::Update => {
                self.transactions = self.transactions.wrapping_add(1);
                let r = self.update(payload)?;
                self.n[counter::UPDATE_IN] += len as u64;
                self.n[counter::UPDATE_OUT] += r.words.len() as u64;
                self.n[counter::UPDATE_BUSY] += r.cycles;
                Ok(Step::Done(r))
            }
            Op::Counters => {
                self.transactions = self.transactions.wrapping_add(1);
                Ok(Step::Done(Response {
                    kind: ResponseKind::Counters,
                    words: self.counters().to_vec(),
                    consumed: 1,
                    cycles: COUNTER_WORDS as u64,
                }))
            }
        }
    }

    /// An update payload: command words to the unit, the gearbox's whole beats through it (a
    /// trailing partial beat dropped and flagged), then the response words and the status word.
    fn update(&mut self, payload: &[u64]) -> std::result::Result<Response, B::Error> {
        let p = &self.update;
        let lay = UpdateLayout::new(p);
        let cmd_cycles = self.blocks.update_command([payload[0], payload[1]])?;
        let body = &payload[2..];
        let n = body.len() / lay.beat_in_words();
        let (mut w, mut u) = (
            Vec::with_capacity(n * lay.lanes),
            Vec::with_capacity(n * lay.lanes),
        );
        for beat in body.chunks_exact(lay.beat_in_words()) {
            let (bw, bu) = beat.split_at(lay.w_words());
            w.extend(
                UpdateLayout::unpack_fields(bw, lay.w_bits, lay.w_per_word(), lay.lanes)
                    .into_iter()
                    .map(|b| p.w_format.from_bits(b)),
            );
            u.extend(
                UpdateLayout::unpack_fields(bu, lay.u_bits, lay.u_per_word(), lay.lanes)
                    .into_iter()
                    .map(|b| p.u_format.from_bits(b)),
            );
        }
        let (beats, beat_cycles) = if n == 0 {
            (Vec::new(), 0)
        } else {
            self.blocks.update_beats(&w, &u)?
        };
        if beats.len() != n {
            return Err(QtrainError::Shape(format!(
                "the update unit returned {} beats for {n}",
                beats.len()
            ))
            .into());
        }
        let packs = beats.iter().filter(|b| b.pack.is_some()).count();
        let mut words = update_response_words(p, &beats);
        let (saturations, cmd_error) = self.blocks.update_status();
        let status = UpdateStatus {
            saturations: saturations.min(u32::MAX as u64),
            cmd_error,
            truncated: body.len() % lay.beat_in_words() != 0,
        };
        words.push(status.word());
        Ok(Response {
            kind: ResponseKind::Update(status),
            words,
            consumed: 1 + payload.len(),
            cycles: cmd_cycles + beat_cycles.max(lay.stream_cycles(n, packs)),
        })
    }

    /// Every complete transaction of `input`, answered in order; errors if `input` ends inside a
    /// transaction's payload (the top would wait for more).
    pub fn run(&mut self, input: &[u64]) -> std::result::Result<Vec<Response>, B::Error> {
        let mut out = Vec::new();
        let mut at = 0;
        while at < input.len() {
            match self.step(&input[at..])? {
                Step::Done(r) => {
                    at += r.consumed;
                    out.push(r);
                }
                Step::Waiting { header, missing } => {
                    return Err(QtrainError::Shape(format!(
                        "header {header:#018x} announces {} payload words, the input has {}: \
                         the top waits for {missing} more",
                        header >> LEN_SHIFT,
                        input.len() - at - 1
                    ))
                    .into())
                }
            }
        }
        Ok(out)
    }
}
