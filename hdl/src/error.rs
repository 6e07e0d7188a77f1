//! The library's typed error: what can go wrong building, exporting or clocking a block, so that
//! callers (the `sim` crate, the benches) can match on it instead of parsing a string.

/// Why an hdl operation failed.
#[derive(Debug, thiserror::Error)]
pub enum HdlError {
    /// rust-hdl's connectivity check (`check_all`) refused the block; the text names the open signal.
    #[error("{0}")]
    Check(String),
    /// The combinational logic kept changing for the whole settle budget of one clock phase.
    #[error("the {block}'s logic did not settle in {passes} passes")]
    Settle {
        /// Which block oscillated ("engine", "top", "update unit").
        block: &'static str,
        /// The settle budget that ran out.
        passes: u32,
    },
    /// Writing the waveform (VCD) failed.
    #[error("{0}")]
    Vcd(#[from] std::io::Error),
    /// A waveform (VCD) read back lacks what was asked for.
    #[error("{0}")]
    Waveform(String),
    /// A budgeted run ([`crate::conv::runner::run`]) ran out of cycles before the output was complete.
    #[error(
        "stopped after {cycle} cycles: {words_in} of {input} input words taken, {words_out} of \
         {expected} output words"
    )]
    Budget {
        /// Cycle at which the run stopped.
        cycle: u64,
        /// Input words the block had accepted.
        words_in: usize,
        /// Input words offered in all.
        input: usize,
        /// Output words received.
        words_out: usize,
        /// Output words expected.
        expected: usize,
    },
}
