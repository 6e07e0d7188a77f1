//! Errors of a simulation run. Each names what the user can act on: which stream stalled and who was
//! waiting, which layer and which word differed.

/// Why a simulation run stopped.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// No word moved on any stream for `idle` cycles (the watchdog fired).
    #[error(
        "watchdog: no stream moved for {idle} cycles at cycle {cycle}: {stream} stalled, {waiting} \
         ({words_in}/{expected_in} input words accepted, {words_out}/{expected_out} output words received)"
    )]
    Stalled {
        /// Cycle at which the watchdog fired.
        cycle: u64,
        /// Cycles without any transfer.
        idle: u64,
        /// The stream that should have moved ("input stream" / "output stream").
        stream: &'static str,
        /// Who waits on whom, e.g. "host waits for s_ready from the conv engine".
        waiting: String,
        /// Input words accepted so far.
        words_in: usize,
        /// Input words the transaction has.
        expected_in: usize,
        /// Output words received so far.
        words_out: usize,
        /// Output words the transaction expects.
        expected_out: usize,
    },
    /// The device produced a different word than the golden model.
    #[error(
        "{layer}: hardware and golden model differ at {at}: hardware {hw:#x}, golden {golden:#x}"
    )]
    Mismatch {
        /// Layer name.
        layer: String,
        /// Human coordinates of the first difference.
        at: String,
        /// Hardware value.
        hw: u64,
        /// Golden value.
        golden: u64,
    },
    /// `last` was missing on the final word or present elsewhere.
    #[error("{0}")]
    Protocol(String),
    /// An external tool (Verilator, the C++ compiler, the compiled model) is missing or failed; the
    /// message says what to install or what the tool printed.
    #[error("{0}")]
    Tool(String),
    /// Flags or a configuration that cannot be run together; the message names them and says what
    /// would work.
    #[error("{0}")]
    Usage(String),
    /// A golden-model error (bad shape, bad parameters).
    #[error(transparent)]
    Golden(#[from] qtrain::QtrainError),
}

/// `bail!` for library code: return early with a [`SimError::Usage`] built from a format string.
macro_rules! usage {
    ($($t:tt)*) => {
        return Err($crate::error::SimError::Usage(format!($($t)*)).into())
    };
}
pub(crate) use usage;
