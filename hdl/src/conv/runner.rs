//! Fast cycle-by-cycle runner: drives a [`ConvEngine`] from a plain Rust loop with rust-hdl's
//! `simulate()` (no testbench threads; notes/rust-hdl.md §3), feeding an input word list with
//! seeded random input gaps and output back-pressure, and recording every output word with its
//! `last` flag and cycle. Optionally writes a VCD of the whole run. The loop itself is
//! [`crate::stream::harness`]'s, with the word-stream host of [`crate::stream::words`].

use std::io::Write;

use crate::conv::ConvEngine;
use crate::error::HdlError;
use crate::stream::harness::Watchdog;
use crate::stream::words::{run_words, WordHost};

pub use crate::stream::words::{RunResult, Stall, Stimulus};

/// Run `input` through `eng` until `expect_words` output words have moved (or `max_cycles`).
/// The engine must have been through `connect_all()` (done here once, idempotent).
pub fn run<const P: usize, const SW: usize, const PSW: usize>(
    eng: &mut ConvEngine<P, SW, PSW>,
    input: &[u64],
    expect_words: usize,
    stim: Stimulus,
    max_cycles: u64,
    vcd: Option<&mut dyn Write>,
) -> Result<RunResult, HdlError> {
    drive(
        eng,
        input,
        expect_words,
        stim,
        Watchdog::Budget(max_cycles),
        vcd,
    )
    .map_err(|s| HdlError::Budget {
        cycle: s.cycle,
        words_in: s.words_in,
        input: input.len(),
        words_out: s.words_out,
        expected: expect_words,
    })
}

/// [`run`] with a watchdog instead of a cycle budget: stops when no word has moved on either stream
/// for `idle_limit` cycles and says which stream stalled and who was waiting for whom.
pub fn run_watched<const P: usize, const SW: usize, const PSW: usize>(
    eng: &mut ConvEngine<P, SW, PSW>,
    input: &[u64],
    expect_words: usize,
    stim: Stimulus,
    idle_limit: u64,
    vcd: Option<&mut dyn Write>,
) -> Result<RunResult, Stall> {
    drive(
        eng,
        input,
        expect_words,
        stim,
        Watchdog::Idle(idle_limit),
        vcd,
    )
}

fn drive<const P: usize, const SW: usize, const PSW: usize>(
    eng: &mut ConvEngine<P, SW, PSW>,
    input: &[u64],
    expect_words: usize,
    stim: Stimulus,
    watchdog: Watchdog,
    vcd: Option<&mut dyn Write>,
) -> Result<RunResult, Stall> {
    let host = WordHost::packet(input);
    run_words(
        "engine",
        eng,
        host,
        expect_words,
        stim,
        watchdog,
        vcd,
        |eng, i, outs| {
            if i < input.len() && !eng.in_ready.val() {
                (
                "input stream",
                format!(
                    "the host holds input word {i} valid and waits for in_ready from the conv engine"
                ),
            )
            } else {
                (
                "output stream",
                format!(
                    "the host is ready and waits for out_valid from the conv engine (output word {outs})"
                ),
            )
            }
        },
    )
}
