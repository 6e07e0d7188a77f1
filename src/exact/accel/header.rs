//! The transaction header (op, tag, length), the error words the top answers a bad header with,
//! and the conv and counters transactions the host builds from them.

use crate::error::{QtrainError, Result};
use crate::exact::command_word::{Encoding, Field};
use crate::exact::pack::STREAM_WORD_BITS;

/// Header field: the transaction kind ([`Op`]), bits 3:0.
pub const H_OP: Field = Field {
    name: "op",
    lsb: 0,
    width: 4,
    encoding: Encoding::Raw,
};
/// Header field: the tag ([`TAG`]), right above the op.
pub const H_TAG: Field = Field::after(&H_OP, "tag", 4, Encoding::Raw);
/// Header field: reserved bits, zero in every header, up to the length.
pub const H_RSVD: Field = Field::after(&H_TAG, "rsvd", 24, Encoding::Raw);
/// Header field: the payload length in words, the word's upper half.
pub const H_LEN: Field = Field::after(&H_RSVD, "len", 32, Encoding::Raw);
/// The header's fields, low to high: the golden model, the router and its Verilog slice the
/// header with these (the router's `#[hdl_gen]` registers are pinned to the widths by a test).
pub const HEADER_FIELDS: [Field; 4] = [H_OP, H_TAG, H_RSVD, H_LEN];
const _: () = assert!(H_LEN.lsb + H_LEN.width == STREAM_WORD_BITS as u32);

/// Header tag (field [`H_TAG`]) that marks a word as a transaction header.
pub const TAG: u64 = 0xA;
/// Bit position of the payload length in the header ([`H_LEN`]).
pub const LEN_SHIFT: u32 = H_LEN.lsb;
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
    H_OP.put(op as u64) | H_TAG.put(TAG) | H_LEN.put(u64::from(len))
}

/// Split a header into (op, len); errors on a wrong tag, reserved bits or an unknown op.
pub fn parse_header(word: u64) -> Result<(Op, u32)> {
    let bad = |msg: String| Err(QtrainError::Shape(msg));
    if H_TAG.get(word) != TAG || H_RSVD.get(word) != 0 {
        return bad(format!("{word:#018x} is not an accelerator header"));
    }
    let len = H_LEN.get(word) as u32;
    match H_OP.get(word) {
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
    if len == 0 || !crate::exact::command_word::is_conv_command(layer_stream[0]) {
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
