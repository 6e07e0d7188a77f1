//! The accelerator top's wire format: one 64-bit input stream and one 64-bit output stream
//! (valid/ready with `last`) in front of the conv engine and the update unit. Defined once here so
//! that the host driver, the golden model, the hardware (`qtrain-hdl`'s `accel` module) and the
//! exported test vectors build and parse the same words.
//!
//! ## Transactions
//! The host sends transactions back to back; each is a **header word** followed by exactly `len`
//! payload words. The top handles one transaction at a time, in order, and answers each with a
//! **response** whose final word carries `last` (every response has at least one word).
//!
//! Header ([`header`]): `[3:0]` op · `[7:4]` tag `0xA` · `[31:8]` reserved (0) · `[63:32]` len.
//!
//! | op | name | payload | response |
//! |---|---|---|---|
//! | 1 | [`Op::Conv`] load weights + run layer | the conv engine's own layer stream, unchanged: command word (opcode 0xC), requant words, weights, activations (`exact::geometry::input_stream`) | the engine's output words of every image (`exact::geometry::output_stream`); `last` only on the final word of the final image |
//! | 2 | [`Op::Update`] run update | the unit's 2 command words (`UpdateCommand::encode`), then beats: each beat `w_words` words of w lanes, `u_words` words of u lanes ([`UpdateLayout`]) | per beat `w_words` words of `w_out`, `w_words` words of `q_out`, and the packed sign word when the beat completed one; then one status word ([`status_word`]) |
//! | 3 | [`Op::Counters`] read counters | none (`len` must be 0) | [`COUNTER_WORDS`] words ([`Counters`]) |
//!
//! The conv engine has no weights-only command: weights are loaded by the layer command and then
//! `images` images stream through them, so "load weights" and "run layer" are one transaction
//! (stream a batch's images behind one weight load). The top reads `images` from the first payload
//! word to know where the response ends.
//!
//! **Errors** never hang the stream: a word whose tag is not `0xA` is answered with one
//! [`error_word`] (code [`ERR_TAG`]) and nothing else is consumed; a tagged header with an unknown op,
//! reserved bits ([`ERR_OP`]), a length the op cannot take ([`ERR_LEN`]) or a conv payload not
//! starting with a conv command ([`ERR_CONV_CMD`]) has its `len` payload words consumed and dropped,
//! and is answered with one error word. An update payload that ends inside a beat drops that partial
//! beat and sets [`STATUS_TRUNCATED`] in its status word.
//!
//! **Update beats** (the gearbox): the stream is 64 bits wide; one lane field never straddles two
//! words. A w word holds `64 / w_bits` lanes, lane `l` in word `l / per`, bits
//! `(l % per)·w_bits ..`, two's complement; unused high bits are zero (ignored on input). u words
//! likewise with `u_bits`. The unit takes one beat (all lanes) per cycle but the stream carries one
//! word per cycle, so an update runs at `1 / (w_words + u_words + 1)` beats per cycle on input (one
//! bubble while the assembled beat is handed over) and `2·w_words (+1)` cycles per beat on output.
//! The bubble is hardware timing only: the words are the same.
//!
//! ## The top's behaviour, once
//! [`TopModel`] is the top at transaction level: header parsing, error words, draining a bad
//! transaction's payload, the update gearbox (words → lane fields → beats), response framing and the
//! counters, in front of any [`TopBlocks`] (a conv engine and an update unit). With [`GoldenBlocks`]
//! (`exact::xnor_conv` + [`UpdateUnitModel`]) it is the golden top the model backend serves and the
//! hardware benches compare against; the simulator's engine-only rtl target puts the rust-hdl conv
//! engine and update unit behind it. The host's side of an update response is [`UpdateFrame`]
//! (where each beat's words and sign words sit, decoded into an [`UpdateReply`]). Busy counters are
//! timing: a transaction-level top counts its blocks' cycles (the ideal-cycle formulas for the golden
//! blocks) and, for updates, at least what the stream needs ([`UpdateLayout::stream_cycles`]).

use crate::error::{QtrainError, Result};
use crate::exact::geometry::{output_stream, ConvLayer, OPCODE_CONV};
use crate::exact::requant::Requant;
use crate::exact::update::{pack_advance, BeatOut, UpdateCommand, UpdateUnitModel};
use crate::exact::{bitplanes, xnor_conv};
use crate::hw::{ConvParams, HwConfig, UpdateParams};

/// Header tag (bits 7:4) that marks a word as a transaction header.
pub const TAG: u64 = 0xA;
/// Bit position of the payload length (32 bits) in the header.
pub const LEN_SHIFT: u32 = 32;
/// Bits of the conv command word holding `images − 1` (`ConvLayer::command_word`).
pub const CONV_IMAGES_SHIFT: u32 = crate::exact::command_word::IMAGES.lsb;
/// Words of a counters response.
pub const COUNTER_WORDS: usize = 8;

/// Error response: bit 63 set, `[39:32]` code, `[31:0]` the header's low half.
pub const ERROR_FLAG: u64 = 1 << 63;
/// Error code: the word's tag is not `0xA` (only that word was consumed).
pub const ERR_TAG: u64 = 1;
/// Error code: tagged header with an unknown op or reserved bits set.
pub const ERR_OP: u64 = 2;
/// Error code: a length the op cannot take (conv 0, update < 2, counters ≠ 0).
pub const ERR_LEN: u64 = 3;
/// Error code: a conv payload whose first word is not a conv command (opcode 0xC).
pub const ERR_CONV_CMD: u64 = 4;

/// The transaction kinds (header bits 3:0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Load a layer's weights and run its images through the conv engine.
    Conv = 1,
    /// Run the update unit: command then beats.
    Update = 2,
    /// Read the top's counters.
    Counters = 3,
}

/// A header word for `op` with `len` payload words.
pub fn header(op: Op, len: u32) -> u64 {
    (op as u64) | TAG << 4 | (len as u64) << LEN_SHIFT
}

/// Split a header into (op, len); errors on a wrong tag, reserved bits or an unknown op.
pub fn parse_header(word: u64) -> Result<(Op, u32)> {
    let bad = |msg: String| Err(QtrainError::Shape(msg));
    if (word >> 4) & 0xF != TAG || (word >> 8) & 0xFF_FFFF != 0 {
        return bad(format!("{word:#018x} is not an accelerator header"));
    }
    let len = (word >> LEN_SHIFT) as u32;
    match word & 0xF {
        1 => Ok((Op::Conv, len)),
        2 => Ok((Op::Update, len)),
        3 => Ok((Op::Counters, len)),
        o => bad(format!("unknown op {o} in header {word:#018x}")),
    }
}

/// The error word the top answers a bad header with.
pub fn error_word(code: u64, header: u64) -> u64 {
    ERROR_FLAG | code << 32 | (header & 0xFFFF_FFFF)
}

/// What an error code means, for messages.
pub fn error_name(code: u64) -> &'static str {
    match code {
        ERR_TAG => "the word is not a header (tag is not 0xA)",
        ERR_OP => "unknown op or reserved header bits set",
        ERR_LEN => "a payload length the op cannot take (conv 0, update < 2, counters ≠ 0)",
        ERR_CONV_CMD => "the conv payload does not start with a conv command word",
        _ => "unknown error code",
    }
}

/// A conv transaction: header + the engine's layer stream (`exact::geometry::input_stream`).
pub fn conv_transaction(layer_stream: &[u64]) -> Result<Vec<u64>> {
    let len = u32::try_from(layer_stream.len())
        .map_err(|_| QtrainError::Shape("conv payload longer than 2^32 words".into()))?;
    if len == 0 || layer_stream[0] & 0xF != crate::exact::geometry::OPCODE_CONV {
        return Err(QtrainError::Shape(
            "a conv payload starts with the layer's command word".into(),
        ));
    }
    let mut t = Vec::with_capacity(layer_stream.len() + 1);
    t.push(header(Op::Conv, len));
    t.extend_from_slice(layer_stream);
    Ok(t)
}

/// A counters transaction (one word).
pub fn counters_transaction() -> Vec<u64> {
    vec![header(Op::Counters, 0)]
}

/// How update beats sit in 64-bit stream words (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UpdateLayout {
    /// Lanes of a beat.
    pub lanes: usize,
    /// Bits of a w (and w_out, q_out) field.
    pub w_bits: u32,
    /// Bits of a u field.
    pub u_bits: u32,
}

impl UpdateLayout {
    /// The layout of the unit `p`.
    pub fn new(p: &UpdateParams) -> Self {
        Self {
            lanes: p.lanes,
            w_bits: p.w_format.total_bits,
            u_bits: p.u_format.total_bits,
        }
    }
    /// w lanes per word.
    pub fn w_per_word(&self) -> usize {
        crate::exact::pack::STREAM_WORD_BITS / self.w_bits as usize
    }
    /// u lanes per word.
    pub fn u_per_word(&self) -> usize {
        crate::exact::pack::STREAM_WORD_BITS / self.u_bits as usize
    }
    /// Words of a beat's w (or w_out, or q_out).
    pub fn w_words(&self) -> usize {
        self.lanes.div_ceil(self.w_per_word())
    }
    /// Words of a beat's u.
    pub fn u_words(&self) -> usize {
        self.lanes.div_ceil(self.u_per_word())
    }
    /// Input words of one beat.
    pub fn beat_in_words(&self) -> usize {
        self.w_words() + self.u_words()
    }
    /// Lane fields (raw bits) → words, `per` fields a word.
    pub fn pack_fields(fields: &[u64], bits: u32, per: usize) -> Vec<u64> {
        fields
            .chunks(per)
            .map(|c| {
                c.iter().enumerate().fold(0u64, |acc, (i, &f)| {
                    acc | (f & crate::fixed::mask(bits)) << (i as u32 * bits)
                })
            })
            .collect()
    }
    /// Words → `n` lane fields (raw bits).
    pub fn unpack_fields(words: &[u64], bits: u32, per: usize, n: usize) -> Vec<u64> {
        (0..n)
            .map(|l| (words[l / per] >> ((l % per) as u32 * bits)) & crate::fixed::mask(bits))
            .collect()
    }
    /// Cycles the stream needs at best for an update of `beats` beats carrying `packs` sign words:
    /// the two command words, then per beat its input words and the bubble or its output words,
    /// whichever is more, then the status word (hardware timing, not part of the words).
    pub fn stream_cycles(&self, beats: usize, packs: usize) -> u64 {
        let input = beats * (self.beat_in_words() + 1);
        let output = beats * 2 * self.w_words() + packs;
        (2 + input.max(output) + 1) as u64
    }
}

/// An update transaction: header, the two command words, then `w`, `u` (raw, a multiple of
/// `lanes` long) as beats.
pub fn update_transaction(
    p: &UpdateParams,
    cmd: [u64; 2],
    w: &[i64],
    u: &[i64],
) -> Result<Vec<u64>> {
    let lay = UpdateLayout::new(p);
    if w.len() != u.len() || w.len() % lay.lanes != 0 {
        return Err(QtrainError::Shape(format!(
            "{} weights / {} steps are not whole {}-lane beats",
            w.len(),
            u.len(),
            lay.lanes
        )));
    }
    let (wf, uf) = (p.w_format, p.u_format);
    if let Some((a, b)) = w
        .iter()
        .zip(u)
        .find(|(a, b)| !wf.contains(**a) || !uf.contains(**b))
    {
        return Err(QtrainError::Shape(format!(
            "w = {a} or u = {b} is outside {wf} / {uf}"
        )));
    }
    let beats = w.len() / lay.lanes;
    let len = 2 + beats * lay.beat_in_words();
    let len = u32::try_from(len)
        .map_err(|_| QtrainError::Shape("update payload longer than 2^32 words".into()))?;
    let mut t = vec![header(Op::Update, len), cmd[0], cmd[1]];
    for (wb, ub) in w.chunks(lay.lanes).zip(u.chunks(lay.lanes)) {
        let wbits: Vec<u64> = wb.iter().map(|&x| wf.to_bits(x)).collect();
        let ubits: Vec<u64> = ub.iter().map(|&x| uf.to_bits(x)).collect();
        t.extend(UpdateLayout::pack_fields(
            &wbits,
            lay.w_bits,
            lay.w_per_word(),
        ));
        t.extend(UpdateLayout::pack_fields(
            &ubits,
            lay.u_bits,
            lay.u_per_word(),
        ));
    }
    Ok(t)
}

/// Status-word bit: the payload ended inside a beat; that partial beat was dropped, not updated.
pub const STATUS_TRUNCATED: u64 = 1 << 33;

/// The update response's closing word: `[31:0]` the unit's saturation counter, `[32]` its sticky
/// command-error flag, `[33]` [`STATUS_TRUNCATED`].
pub fn status_word(saturations: u64, cmd_error: bool) -> u64 {
    saturations.min(u32::MAX as u64) | (cmd_error as u64) << 32
}

/// A parsed status word ([`status_word`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UpdateStatus {
    /// The unit's saturation counter (saturating at 2^32 − 1).
    pub saturations: u64,
    /// The unit's sticky command-error flag.
    pub cmd_error: bool,
    /// The payload ended inside a beat ([`STATUS_TRUNCATED`]).
    pub truncated: bool,
}

impl UpdateStatus {
    /// The word.
    pub fn word(&self) -> u64 {
        status_word(self.saturations, self.cmd_error)
            | if self.truncated { STATUS_TRUNCATED } else { 0 }
    }
    /// Parse a status word.
    pub fn parse(w: u64) -> Self {
        Self {
            saturations: w & 0xFFFF_FFFF,
            cmd_error: w & 1 << 32 != 0,
            truncated: w & STATUS_TRUNCATED != 0,
        }
    }
}

/// Where the words of an update response sit, as the host knows it from the command it sent (the
/// sign packer's schedule, [`pack_advance`]): per beat `w_words` of `w_out`, `w_words` of `q_out`,
/// the sign word if the beat completed one; then the status word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateFrame {
    layout: UpdateLayout,
    /// Per beat: it carries a sign word.
    packs: Vec<bool>,
}

/// A decoded update response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateReply {
    /// `w_out` of every lane of every beat (raw `w_format`), in stream order.
    pub w: Vec<i64>,
    /// `q_out` likewise.
    pub q: Vec<i64>,
    /// The packed sign words in order.
    pub packed: Vec<u64>,
    /// The status word.
    pub status: UpdateStatus,
}

impl UpdateFrame {
    /// The response to `beats` beats after the (well-formed) command `cmd`.
    pub fn new(p: &UpdateParams, cmd: &UpdateCommand, beats: usize) -> Self {
        let layout = UpdateLayout::new(p);
        let mut pos = 0;
        let packs = (0..beats)
            .map(|_| {
                let (_, emit, next) = pack_advance(pos, layout.lanes as u32, cmd.filter_bits);
                pos = next;
                cmd.pack && emit
            })
            .collect();
        Self { layout, packs }
    }
    /// Beats of the response.
    pub fn beats(&self) -> usize {
        self.packs.len()
    }
    /// Words of the response, the status word included.
    pub fn len(&self) -> usize {
        self.beat_offset(self.beats()) + 1
    }
    /// Always false: a response has at least its status word.
    pub fn is_empty(&self) -> bool {
        false
    }
    /// Index of beat `b`'s first word (`b = beats()`: the status word).
    pub fn beat_offset(&self, b: usize) -> usize {
        b * 2 * self.layout.w_words() + self.packs[..b].iter().filter(|&&p| p).count()
    }
    /// The word and bit where lane element `i` (beat `i / lanes`) has its `w_out` field.
    pub fn w_out_field(&self, i: usize) -> (usize, u32) {
        let (b, l) = (i / self.layout.lanes, i % self.layout.lanes);
        let per = self.layout.w_per_word();
        (
            self.beat_offset(b) + l / per,
            (l % per) as u32 * self.layout.w_bits,
        )
    }
    /// Decode a response (`len()` words) with `p`'s formats.
    pub fn parse(&self, p: &UpdateParams, words: &[u64]) -> Result<UpdateReply> {
        if words.len() != self.len() {
            return Err(QtrainError::Shape(format!(
                "an update response of {} beats has {} words, got {}",
                self.beats(),
                self.len(),
                words.len()
            )));
        }
        let lay = &self.layout;
        let (ww, per, n) = (lay.w_words(), lay.w_per_word(), lay.lanes);
        let field = |w: &[u64]| -> Vec<i64> {
            UpdateLayout::unpack_fields(w, lay.w_bits, per, n)
                .into_iter()
                .map(|b| p.w_format.from_bits(b))
                .collect()
        };
        let mut r = UpdateReply {
            w: Vec::with_capacity(self.beats() * n),
            q: Vec::with_capacity(self.beats() * n),
            packed: Vec::new(),
            status: UpdateStatus::parse(words[words.len() - 1]),
        };
        let mut at = 0;
        for &pk in &self.packs {
            r.w.extend(field(&words[at..at + ww]));
            r.q.extend(field(&words[at + ww..at + 2 * ww]));
            at += 2 * ww;
            if pk {
                r.packed.push(words[at]);
                at += 1;
            }
        }
        Ok(r)
    }
}

/// The words the top sends for `beats` (the unit's outputs), without the status word.
pub fn update_response_words(p: &UpdateParams, beats: &[BeatOut]) -> Vec<u64> {
    let lay = UpdateLayout::new(p);
    let wf = p.w_format;
    let mut out = Vec::new();
    for b in beats {
        let w: Vec<u64> = b.lanes.iter().map(|o| wf.to_bits(o.w)).collect();
        let q: Vec<u64> = b.lanes.iter().map(|o| wf.to_bits(o.q)).collect();
        out.extend(UpdateLayout::pack_fields(&w, lay.w_bits, lay.w_per_word()));
        out.extend(UpdateLayout::pack_fields(&q, lay.w_bits, lay.w_per_word()));
        out.extend(b.pack);
    }
    out
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
    *model = top.blocks.unit;
    Ok(r.into_iter().flat_map(|r| r.words).collect())
}

/// Counter word indices of a counters response.
pub mod counter {
    /// Cycles spent on conv transactions (header taken → final response word handed to the output).
    pub const CONV_BUSY: usize = 0;
    /// Payload words passed to the conv engine.
    pub const CONV_IN: usize = 1;
    /// Words the conv engine produced (conv response words).
    pub const CONV_OUT: usize = 2;
    /// Cycles spent on update transactions.
    pub const UPDATE_BUSY: usize = 3;
    /// Payload words of update transactions (command words included).
    pub const UPDATE_IN: usize = 4;
    /// Response words of update transactions (status words included).
    pub const UPDATE_OUT: usize = 5;
    /// The unit's saturation counter and error flag ([`super::status_word`]).
    pub const UPDATE_STATUS: usize = 6;
    /// `[31:0]` headers taken (every transaction, this counters read included), `[63:32]` error responses.
    pub const TRANSACTIONS: usize = 7;
}

/// A parsed counters response.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// See [`counter::CONV_BUSY`].
    pub conv_busy: u64,
    /// See [`counter::CONV_IN`].
    pub conv_in: u64,
    /// See [`counter::CONV_OUT`].
    pub conv_out: u64,
    /// See [`counter::UPDATE_BUSY`].
    pub update_busy: u64,
    /// See [`counter::UPDATE_IN`].
    pub update_in: u64,
    /// See [`counter::UPDATE_OUT`].
    pub update_out: u64,
    /// Saturation count of the update unit.
    pub saturations: u64,
    /// The update unit's sticky command-error flag.
    pub update_cmd_error: bool,
    /// Headers taken.
    pub transactions: u64,
    /// Error responses sent.
    pub errors: u64,
}

impl Counters {
    /// Parse a counters response.
    pub fn parse(words: &[u64]) -> Result<Self> {
        if words.len() != COUNTER_WORDS {
            return Err(QtrainError::Shape(format!(
                "a counters response has {COUNTER_WORDS} words, got {}",
                words.len()
            )));
        }
        use counter::*;
        Ok(Self {
            conv_busy: words[CONV_BUSY],
            conv_in: words[CONV_IN],
            conv_out: words[CONV_OUT],
            update_busy: words[UPDATE_BUSY],
            update_in: words[UPDATE_IN],
            update_out: words[UPDATE_OUT],
            saturations: words[UPDATE_STATUS] & 0xFFFF_FFFF,
            update_cmd_error: (words[UPDATE_STATUS] >> 32) & 1 == 1,
            transactions: words[TRANSACTIONS] & 0xFFFF_FFFF,
            errors: words[TRANSACTIONS] >> 32,
        })
    }
}

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
        if (h >> 4) & 0xF != TAG {
            return Ok(self.error(ERR_TAG, h, 1));
        }
        let len = (h >> LEN_SHIFT) as usize;
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
            Op::Conv if payload[0] & 0xF != OPCODE_CONV => Ok(self.error(ERR_CONV_CMD, h, 1 + len)),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::geometry::ConvLayer;

    #[test]
    fn header_round_trip_and_errors() {
        for (op, len) in [(Op::Conv, 7), (Op::Update, 0xFFFF_FFFF), (Op::Counters, 0)] {
            assert_eq!(parse_header(header(op, len)).unwrap(), (op, len));
        }
        assert!(parse_header(0xC).is_err());
        assert!(parse_header(header(Op::Conv, 1) | 1 << 8).is_err());
        assert!(parse_header(header(Op::Conv, 1) ^ 1 ^ 4).is_err());
        assert_eq!(
            error_word(ERR_LEN, header(Op::Update, 3)) >> 32,
            (1 << 31) | 3
        );
    }

    #[test]
    fn images_field_matches_the_conv_command_word() {
        let l = ConvLayer {
            c_in: 3,
            c_out: 8,
            h: 4,
            w: 4,
            a_in: 1,
            a_out: 1,
            pool: false,
            sh: 0,
            images: 1234,
        };
        assert_eq!(l.command_word() >> CONV_IMAGES_SHIFT, 1233);
    }

    #[test]
    fn update_frame_parses_what_the_golden_top_sends() {
        use crate::exact::update::{pad_filters, UpdateGrid, UpdateMode};
        let hw = HwConfig::default();
        let p = &hw.update;
        let fb = 45;
        let w: Vec<i64> = (0..2 * fb as i64)
            .map(|i| (i * 977) % 30000 - 15000)
            .collect();
        let u: Vec<i64> = (0..2 * fb as i64).map(|i| (i * 31) % 200 - 100).collect();
        let (w, u) = (
            pad_filters(&w, fb, p.lanes, 0).unwrap(),
            pad_filters(&u, fb, p.lanes, 0).unwrap(),
        );
        let cmd = UpdateCommand {
            mode: UpdateMode::Sr,
            grid: UpdateGrid::Binary,
            pack: true,
            filter_bits: fb as u32,
            reseed: Some(3),
            clear_saturation: true,
        };
        let t = update_transaction(p, cmd.encode(p).unwrap(), &w, &u).unwrap();
        let mut top = golden_top(&hw).unwrap();
        let Step::Done(r) = top.step(&t).unwrap() else {
            panic!("waiting")
        };
        assert_eq!(r.consumed, t.len());
        let mut m = UpdateUnitModel::new(p).unwrap();
        m.command(&cmd).unwrap();
        let beats = m.run(&w, &u).unwrap();
        let frame = UpdateFrame::new(p, &cmd, beats.len());
        assert_eq!(frame.len(), r.words.len());
        let reply = frame.parse(p, &r.words).unwrap();
        let lanes = |f: fn(&crate::exact::update::LaneOut) -> i64| -> Vec<i64> {
            beats.iter().flat_map(|b| b.lanes.iter().map(f)).collect()
        };
        assert_eq!(reply.w, lanes(|o| o.w));
        assert_eq!(reply.q, lanes(|o| o.q));
        let packed: Vec<u64> = beats.iter().filter_map(|b| b.pack).collect();
        assert_eq!((reply.packed.len(), &reply.packed), (2, &packed));
        assert_eq!(reply.status.saturations, m.saturation().count);
        assert_eq!(r.kind, ResponseKind::Update(reply.status));
        for i in [0, 17, w.len() - 1] {
            let (k, sh) = frame.w_out_field(i);
            let f = (r.words[k] >> sh) & crate::fixed::mask(p.w_format.total_bits);
            assert_eq!(p.w_format.from_bits(f), reply.w[i], "element {i}");
        }
        // counters after it: one update, its words in and out
        let c = top.step(&counters_transaction()).unwrap();
        let Step::Done(c) = c else { panic!() };
        let c = Counters::parse(&c.words).unwrap();
        assert_eq!(
            (c.update_in, c.update_out, c.transactions, c.errors),
            (t.len() as u64 - 1, r.words.len() as u64, 2, 0)
        );
    }

    #[test]
    fn top_model_answers_bad_headers_drains_and_waits() {
        let hw = HwConfig::default();
        let mut top = golden_top(&hw).unwrap();
        let untagged = 0x1234_5678_0000_000Cu64;
        let bad_op = header(Op::Conv, 2) ^ 1 ^ 7;
        let short_upd = header(Op::Update, 1);
        let stream = [
            vec![untagged],
            vec![bad_op, 0xC, 0xC],
            vec![header(Op::Counters, 1), 99],
            vec![header(Op::Conv, 3), 0xD, 1, 2],
            vec![header(Op::Conv, 0)],
            vec![short_upd, 5],
            vec![header(Op::Update, 2), 1 << 2, 0],
            counters_transaction(),
        ]
        .concat();
        let r = top.run(&stream).unwrap();
        let codes: Vec<Option<u64>> = r
            .iter()
            .map(|x| match x.kind {
                ResponseKind::Error { code, .. } => Some(code),
                _ => None,
            })
            .collect();
        assert_eq!(
            codes,
            [
                Some(ERR_TAG),
                Some(ERR_OP),
                Some(ERR_LEN),
                Some(ERR_CONV_CMD),
                Some(ERR_LEN),
                Some(ERR_LEN),
                None,
                None
            ]
        );
        assert_eq!(r[1].words, [error_word(ERR_OP, bad_op)]);
        assert_eq!(r[5].words, [error_word(ERR_LEN, short_upd)]);
        assert_eq!(r[6].words, [status_word(0, false)]);
        let c = Counters::parse(&r[7].words).unwrap();
        assert_eq!(
            (c.transactions, c.errors, c.update_in, c.update_out),
            (8, 6, 2, 1)
        );
        // a malformed command word is flagged in the status, and a short payload waits
        let r = top.run(&[header(Op::Update, 2), 1 << 40, 0]).unwrap();
        assert!(UpdateStatus::parse(r[0].words[0]).cmd_error);
        assert_eq!(
            top.step(&[header(Op::Update, 4), 0, 0]).unwrap(),
            Step::Waiting {
                header: header(Op::Update, 4),
                missing: 2
            }
        );
        assert!(top.run(&[header(Op::Conv, 2), 0xC]).is_err());
    }

    #[test]
    fn fields_round_trip() {
        let p = UpdateParams::default();
        let lay = UpdateLayout::new(&p);
        assert_eq!(
            (lay.w_words(), lay.u_words(), lay.beat_in_words()),
            (4, 2, 6)
        );
        let f: Vec<u64> = (0..16).map(|i| (i * 37 + 5) & 0xFFFF).collect();
        let words = UpdateLayout::pack_fields(&f, 16, 4);
        assert_eq!(UpdateLayout::unpack_fields(&words, 16, 4, 16), f);
        let odd = UpdateLayout {
            lanes: 4,
            w_bits: 12,
            u_bits: 7,
        };
        assert_eq!((odd.w_per_word(), odd.w_words(), odd.u_words()), (5, 1, 1));
    }
}
