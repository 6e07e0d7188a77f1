//! One stream-driving harness for the fast direct-`simulate()` runners (notes/rust-hdl.md §3): a plain
//! Rust loop that clocks a block (clock low, settle, sample the handshakes, clock high, settle, one VCD
//! sample each phase), acts as host on its valid/ready input and output streams with seeded gaps and
//! stalls, keeps a watchdog and collects the output words with their cycles.
//!
//! [`crate::conv::runner`], [`crate::accel::runner`] and [`crate::update::runner`] are thin over it: each
//! says how its block's ports take a word and give one back ([`StreamHost`]), which random draws shape
//! the traffic ([`Shaping`]) and how a stop reads to its users. The 64-bit word-stream blocks (the conv
//! engine, the top) share one host and one run, [`crate::stream::words`].

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
