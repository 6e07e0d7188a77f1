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

mod counters;
mod golden;
mod header;
mod top;
mod update_stream;

pub use counters::{counter, Counters};
pub use golden::{golden_top, update_response, GoldenBlocks};
pub use header::*;
pub use top::{Response, ResponseKind, Step, TopBlocks, TopModel};
pub use update_stream::*;

#[cfg(test)]
mod tests;
