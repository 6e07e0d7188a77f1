//! Fast cycle-by-cycle runner for an [`AccelTop`](super::AccelTop): the host side of both streams
//! in a plain Rust loop over rust-hdl's `simulate()` ([`crate::stream::harness`], as
//! [`crate::conv::runner`] uses for the engine alone), with seeded random input gaps and output
//! back-pressure, an idle watchdog and an optional VCD.
//!
//! The host sends transactions back to back (`in_last` on each one's final word) and records every
//! output word with its `last` flag and cycle. The watchdog stops a run when no word has moved on
//! either stream for `idle_limit` cycles and names the stalled stream, what the top was doing (the
//! router's state and the payload words it still expects) and the words moved so far.

use std::io::Write;

pub use crate::stream::words::{RunResult, Stall, Stimulus};

use crate::stream::harness::Watchdog;
use crate::stream::words::{run_words, WordHost, WordStream};

/// Stream `transactions` (each a header and its payload) through `top` until `expect_words` output
/// words have moved, or stop with a [`Stall`] after `idle_limit` cycles without a transfer, naming
/// what the top was doing ([`WordStream::activity`]). Connects the top (`connect_all`, idempotent)
/// first. Generic over the word-stream block so that no list of the top's const generics is needed
/// here: an [`AccelTop`](super::AccelTop) in practice.
pub fn run_watched<T: WordStream>(
    top: &mut T,
    transactions: &[Vec<u64>],
    expect_words: usize,
    stim: Stimulus,
    idle_limit: u64,
    vcd: Option<&mut dyn Write>,
) -> Result<RunResult, Stall> {
    let input: Vec<u64> = transactions.concat();
    let host = WordHost::packets(&input, transactions.iter().map(Vec::len));
    let n_in = input.len();
    let watchdog = Watchdog::Idle(idle_limit);
    run_words(
        "top",
        top,
        host,
        expect_words,
        stim,
        watchdog,
        vcd,
        |top, i, outs| {
            let doing = top.activity().unwrap_or_default();
            if i < n_in && !top.word_in_ready() {
                (
                    "input stream",
                    format!("the host holds input word {i} valid and waits for in_ready; {doing}"),
                )
            } else {
                (
                "output stream",
                format!(
                    "the host is ready and waits for out_valid (output word {outs} of {expect_words}); {doing}"
                ),
            )
            }
        },
    )
}
