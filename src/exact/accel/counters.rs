//! The top's counters: their word indices and the parsed counters response ([`Counters`]).

use super::header::COUNTER_WORDS;
use crate::error::{QtrainError, Result};

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
    /// The unit's saturation counter and error flag ([`crate::exact::accel::status_word`]).
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
