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

use crate::error::{QtrainError, Result};
use crate::exact::update::{BeatOut, UpdateUnitModel};
use crate::hw::UpdateParams;

/// Stream word width in bits (the conv engine's, shared by the top).
pub const WORD_BITS: u32 = 64;

/// Header tag (bits 7:4) that marks a word as a transaction header.
pub const TAG: u64 = 0xA;
/// Bit position of the payload length (32 bits) in the header.
pub const LEN_SHIFT: u32 = 32;
/// Bits of the conv command word holding `images − 1` (`ConvLayer::command_word`).
pub const CONV_IMAGES_SHIFT: u32 = 48;
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
        (WORD_BITS / self.w_bits) as usize
    }
    /// u lanes per word.
    pub fn u_per_word(&self) -> usize {
        (WORD_BITS / self.u_bits) as usize
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
/// the status word. `cmd` must decode (a malformed command is the hardware's `cmd_error` path).
pub fn update_response(
    model: &mut UpdateUnitModel,
    cmd: [u64; 2],
    w: &[i64],
    u: &[i64],
) -> Result<Vec<u64>> {
    let p = model.params().clone();
    let c = crate::exact::update::UpdateCommand::decode(cmd, &p)?;
    model.command(&c)?;
    let beats = model.run(w, u)?;
    let mut out = update_response_words(&p, &beats);
    out.push(status_word(model.saturation().count, false));
    Ok(out)
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
