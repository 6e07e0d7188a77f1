//! One stream-driving harness for the fast direct-`simulate()` runners (notes/rust-hdl.md §3): a plain
//! Rust loop that clocks a block (clock low, settle, sample the handshakes, clock high, settle, one VCD
//! sample each phase), acts as host on its valid/ready input and output streams with seeded gaps and
//! stalls, keeps a watchdog and collects the output words with their cycles.
//!
//! [`crate::conv::runner`], [`crate::accel::runner`] and [`crate::update::runner`] are thin over it: each
//! says how its block's ports take a word and give one back ([`StreamHost`]), which random draws shape
//! the traffic ([`Shaping`]) and how a stop reads to its users.

use std::io::Write;

use rust_hdl::core::vcd_probe::VCDProbe;
use rust_hdl::prelude::*;

use crate::error::HdlError;

/// Settle passes (`update_all` calls) allowed per clock phase before the logic counts as oscillating.
pub const SETTLE_PASSES: u32 = 200;

/// VCD time of one clock cycle (ps: rust-hdl's VCD timescale), the clock high for its second half.
pub const CYCLE_PS: u64 = 10_000;

/// A block with a clock input: what the harness toggles.
pub trait Clocked: Block {
    /// The block's clock input.
    fn clock_mut(&mut self) -> &mut Signal<In, Clock>;
}

/// The clock, the cycle count, the settle-pass count and the optional VCD of one simulated block.
pub struct Harness<W: Write> {
    block: &'static str,
    cycle: u64,
    passes: u64,
    probe: Option<VCDProbe<W>>,
}

impl<W: Write> Harness<W> {
    /// A harness at cycle 0, no VCD; `block` names the block in a settle error ("engine", "top").
    pub fn new(block: &'static str) -> Self {
        Harness {
            block,
            cycle: 0,
            passes: 0,
            probe: None,
        }
    }

    /// Write every signal change of `uut` to `w` from now on.
    pub fn trace<T: Block>(&mut self, w: W, uut: &T) {
        self.probe = Some(write_vcd_header(w, uut));
    }

    /// Stop tracing (the writer is dropped, which flushes a buffered one).
    pub fn untrace(&mut self) {
        self.probe = None;
    }

    /// Clock cycles run so far.
    pub fn cycle(&self) -> u64 {
        self.cycle
    }

    /// Settle passes over all phases so far.
    pub fn passes(&self) -> u64 {
        self.passes
    }

    /// `simulate()` spelled out so that the passes can be counted.
    pub fn settle<T: Block>(&mut self, uut: &mut T) -> Result<(), HdlError> {
        for _ in 0..SETTLE_PASSES {
            uut.update_all();
            self.passes += 1;
            if !uut.has_changed() {
                return Ok(());
            }
        }
        Err(HdlError::Settle {
            block: self.block,
            passes: SETTLE_PASSES,
        })
    }

    fn dump<T: Block>(&mut self, uut: &T, t: u64) -> Result<(), HdlError> {
        if let Some(mut p) = self.probe.take() {
            p.timestamp(t)?;
            self.probe = Some(write_vcd_change(p, uut));
        }
        Ok(())
    }

    /// First half of a cycle: clock low, settle with the inputs applied, so handshakes can be sampled.
    pub fn low<T: Clocked>(&mut self, uut: &mut T) -> Result<(), HdlError> {
        uut.clock_mut().next = Clock { clk: false };
        self.settle(uut)?;
        self.dump(uut, self.cycle * CYCLE_PS)
    }

    /// Second half: the rising edge; the cycle count moves on.
    pub fn high<T: Clocked>(&mut self, uut: &mut T) -> Result<(), HdlError> {
        uut.clock_mut().next = Clock { clk: true };
        self.settle(uut)?;
        self.dump(uut, self.cycle * CYCLE_PS + CYCLE_PS / 2)?;
        self.cycle += 1;
        Ok(())
    }
}

/// The host's random traffic: whether it offers a waiting input word and whether it takes output,
/// each cycle (drawn in that order, the offer only while a word waits).
pub trait Shaping {
    /// The host offers the waiting input word this cycle.
    fn offer(&mut self) -> bool;
    /// The host is ready for an output word this cycle.
    fn ready(&mut self) -> bool;
}

/// How the host drives one block's streams: its port names and word types.
pub trait StreamHost<T> {
    /// One output word as the host records it.
    type Out;
    /// Drive the ports for this cycle: input word `next` (`next` may be past the end: nothing left),
    /// offered when `valid`, and `out_ready`.
    fn drive(&mut self, uut: &mut T, next: usize, valid: bool, ready: bool);
    /// The block's `in_ready`.
    fn in_ready(&self, uut: &T) -> bool;
    /// An output word moves this cycle (`out_valid` and `out_ready`).
    fn out_fires(&self, uut: &T) -> bool;
    /// The output word that moves in `cycle`.
    fn take(&mut self, uut: &T, cycle: u64) -> Self::Out;
}

/// When a run gives up.
#[derive(Clone, Copy, Debug)]
pub enum Watchdog {
    /// After this many cycles of the run, whatever moved.
    Budget(u64),
    /// When this many cycles passed since the last transfer (or the run's start).
    Idle(u64),
    /// When more than this many consecutive cycles passed without a transfer.
    Quiet(u64),
}

/// What a [`stream`] run collected.
#[derive(Clone, Debug)]
pub struct Streamed<O> {
    /// Output words in order.
    pub out: Vec<O>,
    /// Cycle of each output handshake.
    pub out_cycles: Vec<u64>,
    /// Cycle of each input handshake.
    pub in_cycles: Vec<u64>,
    /// Cycles this run took.
    pub cycles: u64,
}

/// Why a [`stream`] run stopped early.
#[derive(Debug)]
pub enum Stop {
    /// The watchdog fired before `cycle`.
    Watchdog {
        /// Cycle (of the harness) at which it fired.
        cycle: u64,
        /// Cycles without a transfer, as the watchdog counted them.
        idle: u64,
        /// Input words the block had accepted.
        words_in: usize,
        /// Output words the host had received.
        words_out: usize,
    },
    /// A clock phase failed (the logic did not settle, the VCD could not be written).
    Fault {
        /// Cycle in which it failed.
        cycle: u64,
        /// Input words the block had accepted.
        words_in: usize,
        /// Output words the host had received.
        words_out: usize,
        /// What failed.
        error: HdlError,
    },
}

/// Stream `words_in` input words through `uut` until `words_out` output words have moved, with the
/// host's traffic from `shaping`, or stop as `watchdog` says.
pub fn stream<T: Clocked, W: Write, H: StreamHost<T>>(
    h: &mut Harness<W>,
    uut: &mut T,
    host: &mut H,
    shaping: &mut impl Shaping,
    words_in: usize,
    words_out: usize,
    watchdog: Watchdog,
) -> Result<Streamed<H::Out>, Stop> {
    let start = h.cycle;
    let mut r = Streamed {
        out: Vec::with_capacity(words_out),
        out_cycles: Vec::new(),
        in_cycles: Vec::new(),
        cycles: 0,
    };
    let (mut next, mut last_move, mut quiet) = (0usize, start, 0u64);
    while r.out.len() < words_out {
        let c = h.cycle;
        let idle = c - last_move;
        let (fired, idle) = match watchdog {
            Watchdog::Budget(m) => (c - start >= m, idle),
            Watchdog::Idle(m) => (idle >= m, idle),
            Watchdog::Quiet(m) => (quiet > m, quiet),
        };
        if fired {
            return Err(Stop::Watchdog {
                cycle: c,
                idle,
                words_in: next,
                words_out: r.out.len(),
            });
        }
        let valid = next < words_in && shaping.offer();
        let ready = shaping.ready();
        host.drive(uut, next, valid, ready);
        let fault = |next: usize, outs: usize| {
            move |error| Stop::Fault {
                cycle: c,
                words_in: next,
                words_out: outs,
                error,
            }
        };
        h.low(uut).map_err(fault(next, r.out.len()))?;
        let mut moved = false;
        if valid && host.in_ready(uut) {
            r.in_cycles.push(c);
            next += 1;
            moved = true;
        }
        if host.out_fires(uut) {
            r.out.push(host.take(uut, c));
            r.out_cycles.push(c);
            moved = true;
        }
        h.high(uut).map_err(fault(next, r.out.len()))?;
        if moved {
            last_move = c;
            quiet = 0;
        } else {
            quiet += 1;
        }
    }
    r.cycles = h.cycle - start;
    Ok(r)
}

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
}

/// Implements [`Clocked`] and [`WordStream`] for a block whose ports carry the standard stream names;
/// the generics go in brackets: `word_stream!([const P: usize] ConvEngine<P>);`.
macro_rules! word_stream {
    ([$($gen:tt)*] $ty:ty) => {
        impl<$($gen)*> $crate::stream::harness::Clocked for $ty {
            fn clock_mut(
                &mut self,
            ) -> &mut ::rust_hdl::prelude::Signal<::rust_hdl::prelude::In, ::rust_hdl::prelude::Clock>
            {
                &mut self.clock
            }
        }

        impl<$($gen)*> $crate::stream::harness::WordStream for $ty {
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
