//! The host of the 64-bit word-stream blocks (the conv engine and the accelerator top) over
//! [`crate::stream::harness`]: the seeded traffic ([`Stimulus`], [`Gaps`]), the port access
//! ([`WordStream`], written by `word_stream!`), the host ([`WordHost`]) and one run ([`run_words`]) with
//! its result ([`RunResult`]) and its stop ([`Stall`]).

use std::io::Write;

use crate::error::HdlError;
use crate::stream::harness::{stream, Clocked, Harness, Shaping, Stop, StreamHost, Watchdog};

/// Random stimulus: probabilities (per cycle) of an input gap and of output back-pressure.
#[derive(Clone, Copy, Debug)]
pub struct Stimulus {
    /// Probability that `in_valid` is low in a cycle although a word is waiting.
    pub in_gap: f64,
    /// Probability that `out_ready` is low in a cycle.
    pub out_stall: f64,
    /// Seed of the pattern.
    pub seed: u64,
}

impl Stimulus {
    /// No gaps, no back-pressure.
    pub fn clean() -> Self {
        Stimulus {
            in_gap: 0.0,
            out_stall: 0.0,
            seed: 1,
        }
    }

    /// The draws of this stimulus: one xorshift64 number per decision (the Verilator backend's host
    /// in `sim` draws the same sequence, so a seed gives the same cycles on both).
    pub fn gaps(self) -> Gaps {
        Gaps {
            state: self.seed.wrapping_mul(qtrain::splitmix::GAMMA) | 1,
            stim: self,
        }
    }
}

/// [`Shaping`] from a [`Stimulus`]: xorshift64 uniform draws, one for the offer (while a word waits)
/// and one for `out_ready` each cycle.
#[derive(Clone, Debug)]
pub struct Gaps {
    state: u64,
    stim: Stimulus,
}

impl Gaps {
    fn unit(&mut self) -> f64 {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        (self.state >> 11) as f64 / (1u64 << 53) as f64
    }
}

impl Shaping for Gaps {
    fn offer(&mut self) -> bool {
        self.unit() >= self.stim.in_gap
    }
    fn ready(&mut self) -> bool {
        self.unit() >= self.stim.out_stall
    }
}

/// A block with one 64-bit word stream in and one out (`in_data`, `in_valid`, `in_last`, `in_ready`,
/// `out_data`, `out_valid`, `out_last`, `out_ready`): the conv engine and the accelerator top.
pub trait WordStream: Clocked {
    /// Drive the input stream and `out_ready` for this cycle.
    fn drive_words(&mut self, data: u64, valid: bool, last: bool, ready: bool);
    /// `in_ready`.
    fn word_in_ready(&self) -> bool;
    /// The output word and its `last` flag when one moves this cycle (`out_valid` and `out_ready`).
    fn word_out(&self) -> Option<(u64, bool)>;
    /// What the block is doing, for a watchdog's report (the top: its router's state); `None` where
    /// its ports say all there is.
    fn activity(&self) -> Option<String> {
        None
    }
}

/// Implements [`Clocked`] and [`WordStream`] for a block whose ports carry the standard stream names;
/// the generics go in brackets: `word_stream!([const P: usize] ConvEngine<P>);`, optionally followed
/// by `, activity = |block| expr` (a `String`: [`WordStream::activity`]).
macro_rules! word_stream {
    ([$($gen:tt)*] $ty:ty $(, activity = |$b:ident| $act:expr)?) => {
        impl<$($gen)*> $crate::stream::harness::Clocked for $ty {
            fn clock_mut(
                &mut self,
            ) -> &mut ::rust_hdl::prelude::Signal<::rust_hdl::prelude::In, ::rust_hdl::prelude::Clock>
            {
                &mut self.clock
            }
        }

        impl<$($gen)*> $crate::stream::words::WordStream for $ty {
            fn drive_words(&mut self, data: u64, valid: bool, last: bool, ready: bool) {
                self.in_data.next = $crate::stream::Wide([data]);
                self.in_valid.next = valid;
                self.in_last.next = last;
                self.out_ready.next = ready;
            }
            fn word_in_ready(&self) -> bool {
                self.in_ready.val()
            }
            fn word_out(&self) -> Option<(u64, bool)> {
                (self.out_valid.val() && self.out_ready.val())
                    .then(|| (self.out_data.val().0[0], self.out_last.val()))
            }
            $(
                fn activity(&self) -> Option<String> {
                    let $b = self;
                    Some($act)
                }
            )?
        }
    };
}
pub(crate) use word_stream;

/// The host of a [`WordStream`]: a word list, `in_last` where `ends` says.
pub struct WordHost<'a> {
    input: &'a [u64],
    ends: Vec<bool>,
}

impl<'a> WordHost<'a> {
    /// One packet: `in_last` on the final word.
    pub fn packet(input: &'a [u64]) -> Self {
        let mut ends = vec![false; input.len()];
        if let Some(e) = ends.last_mut() {
            *e = true;
        }
        WordHost { input, ends }
    }

    /// Packets back to back (`input` is their concatenation, `lens` their lengths): `in_last` on each
    /// one's final word.
    pub fn packets(input: &'a [u64], lens: impl IntoIterator<Item = usize>) -> Self {
        let mut ends = vec![false; input.len()];
        let mut at = 0;
        for n in lens {
            at += n;
            if at > 0 {
                ends[at - 1] = true;
            }
        }
        WordHost { input, ends }
    }
}

impl<T: WordStream> StreamHost<T> for WordHost<'_> {
    type Out = (u64, bool);
    fn drive(&mut self, uut: &mut T, next: usize, valid: bool, ready: bool) {
        let data = self.input.get(next).copied().unwrap_or(0);
        let last = self.ends.get(next).copied().unwrap_or(false);
        uut.drive_words(data, valid, last, ready);
    }
    fn in_ready(&self, uut: &T) -> bool {
        uut.word_in_ready()
    }
    fn out_fires(&self, uut: &T) -> bool {
        uut.word_out().is_some()
    }
    fn take(&mut self, uut: &T, _cycle: u64) -> (u64, bool) {
        uut.word_out().unwrap_or_default()
    }
}

/// What a run of a [`WordStream`] block produced.
#[derive(Clone, Debug, Default)]
pub struct RunResult {
    /// Output words in order.
    pub out: Vec<u64>,
    /// `last` flag of each output word.
    pub last: Vec<bool>,
    /// Cycle at which each output word moved.
    pub out_cycle: Vec<u64>,
    /// Cycle at which each input word moved.
    pub in_cycle: Vec<u64>,
    /// Cycles simulated.
    pub cycles: u64,
    /// Settle passes (`update_all` calls on the whole block) over the run.
    pub passes: u64,
}

/// Why a watched run stopped early: no word moved on either stream for `idle` cycles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stall {
    /// Cycle at which the watchdog fired.
    pub cycle: u64,
    /// Cycles without a transfer on either stream.
    pub idle: u64,
    /// "input stream" or "output stream": the one that should have moved.
    pub stream: &'static str,
    /// Who waits on whom.
    pub waiting: String,
    /// Input words the block has accepted.
    pub words_in: usize,
    /// Output words the host has received.
    pub words_out: usize,
}

/// Run `host`'s words through a fresh harness on `uut` (`connect_all` first, idempotent) with the
/// traffic of `stim`, VCD to `vcd`. A watchdog stop becomes the [`Stall`] that `describe` words from
/// the block's state (`(stream, waiting)` given the input words taken and the output words received);
/// a failed clock phase becomes a `Stall` on stream "settle" or "vcd".
#[allow(clippy::too_many_arguments)]
pub fn run_words<T: WordStream>(
    block: &'static str,
    uut: &mut T,
    mut host: WordHost<'_>,
    expect_words: usize,
    stim: Stimulus,
    watchdog: Watchdog,
    vcd: Option<&mut dyn Write>,
    describe: impl FnOnce(&T, usize, usize) -> (&'static str, String),
) -> Result<RunResult, Stall> {
    uut.connect_all();
    let mut h = Harness::new(block);
    if let Some(w) = vcd {
        h.trace(w, uut);
    }
    let n_in = host.input.len();
    match stream(
        &mut h,
        uut,
        &mut host,
        &mut stim.gaps(),
        n_in,
        expect_words,
        watchdog,
    ) {
        Ok(s) => {
            let (out, last) = s.out.into_iter().unzip();
            Ok(RunResult {
                out,
                last,
                out_cycle: s.out_cycles,
                in_cycle: s.in_cycles,
                cycles: s.cycles,
                passes: h.passes(),
            })
        }
        Err(Stop::Watchdog {
            cycle,
            idle,
            words_in,
            words_out,
        }) => {
            let (stream, waiting) = describe(uut, words_in, words_out);
            Err(Stall {
                cycle,
                idle,
                stream,
                waiting,
                words_in,
                words_out,
            })
        }
        Err(Stop::Fault {
            cycle,
            words_in,
            words_out,
            error,
        }) => Err(Stall {
            cycle,
            idle: 0,
            stream: if matches!(error, HdlError::Vcd(_)) {
                "vcd"
            } else {
                "settle"
            },
            waiting: error.to_string(),
            words_in,
            words_out,
        }),
    }
}
