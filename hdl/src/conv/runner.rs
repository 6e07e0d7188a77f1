//! Fast cycle-by-cycle runner: drives a [`ConvEngine`] from a plain Rust loop with rust-hdl's
//! `simulate()` (no testbench threads; notes/rust-hdl.md §3), feeding an input word list with
//! seeded random input gaps and output back-pressure, and recording every output word with its
//! `last` flag and cycle. Optionally writes a VCD of the whole run.

use std::io::Write;

use rust_hdl::prelude::*;

use crate::conv::ConvEngine;
use crate::stream::Wide;

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
}

/// What a run produced.
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
    /// Settle passes (`update_all` calls on the whole engine) over the run.
    pub passes: u64,
}

/// `simulate()` spelled out so that the passes can be counted.
fn settle<T: Block>(uut: &mut T, passes: &mut u64) -> Result<(), String> {
    for _ in 0..200 {
        uut.update_all();
        *passes += 1;
        if !uut.has_changed() {
            return Ok(());
        }
    }
    Err("the engine's logic did not settle in 200 passes".into())
}

struct XorShift(u64);
impl XorShift {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
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
    /// Input words the engine has accepted.
    pub words_in: usize,
    /// Output words the host has received.
    pub words_out: usize,
}

/// Run `input` through `eng` until `expect_words` output words have moved (or `max_cycles`).
/// The engine must have been through `connect_all()` (done here once, idempotent).
pub fn run<const P: usize, const SW: usize, const PSW: usize>(
    eng: &mut ConvEngine<P, SW, PSW>,
    input: &[u64],
    expect_words: usize,
    stim: Stimulus,
    max_cycles: u64,
    vcd: Option<&mut dyn Write>,
) -> Result<RunResult, String> {
    drive(eng, input, expect_words, stim, Limit::Total(max_cycles), vcd).map_err(|s| {
        format!(
            "stopped after {} cycles: {} of {} input words taken, {} of {expect_words} output words",
            s.cycle,
            s.words_in,
            input.len(),
            s.words_out
        )
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
    drive(eng, input, expect_words, stim, Limit::Idle(idle_limit), vcd)
}

enum Limit {
    Total(u64),
    Idle(u64),
}

fn drive<const P: usize, const SW: usize, const PSW: usize>(
    eng: &mut ConvEngine<P, SW, PSW>,
    input: &[u64],
    expect_words: usize,
    stim: Stimulus,
    limit: Limit,
    mut vcd: Option<&mut dyn Write>,
) -> Result<RunResult, Stall> {
    let mut rng = XorShift(stim.seed.wrapping_mul(qtrain::splitmix::GAMMA) | 1);
    let mut r = RunResult::default();
    let mut probe = vcd.as_mut().map(|w| write_vcd_header(&mut **w, eng));
    let mut i = 0usize;
    let mut c = 0u64;
    let mut last_move = 0u64;
    let fail = |c: u64, idle: u64, i: usize, outs: usize, waiting: String, stream| Stall {
        cycle: c,
        idle,
        stream,
        waiting,
        words_in: i,
        words_out: outs,
    };
    while r.out.len() < expect_words {
        let idle = c - last_move;
        let fired = match limit {
            Limit::Total(m) => c >= m,
            Limit::Idle(m) => idle >= m,
        };
        if fired {
            let (stream, waiting) = if i < input.len() && !eng.in_ready.val() {
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
                        "the host is ready and waits for out_valid from the conv engine (output word {})",
                        r.out.len()
                    ),
                )
            };
            return Err(fail(c, idle, i, r.out.len(), waiting, stream));
        }
        let valid = i < input.len() && rng.unit() >= stim.in_gap;
        eng.in_data.next = Wide([if i < input.len() { input[i] } else { 0 }]);
        eng.in_valid.next = valid;
        eng.in_last.next = i + 1 == input.len();
        eng.out_ready.next = rng.unit() >= stim.out_stall;
        eng.clock.next = Clock { clk: false };
        settle(eng, &mut r.passes).map_err(|e| fail(c, 0, i, r.out.len(), e, "settle"))?;
        if let Some(p) = probe.take() {
            let mut p = p;
            p.timestamp(c * 10_000)
                .map_err(|e| fail(c, 0, i, r.out.len(), e.to_string(), "vcd"))?;
            probe = Some(write_vcd_change(p, eng));
        }
        let in_fire = valid && eng.in_ready.val();
        if eng.out_valid.val() && eng.out_ready.val() {
            r.out.push(eng.out_data.val().0[0]);
            r.last.push(eng.out_last.val());
            r.out_cycle.push(c);
            last_move = c;
        }
        if in_fire {
            r.in_cycle.push(c);
            last_move = c;
            i += 1;
        }
        eng.clock.next = Clock { clk: true };
        settle(eng, &mut r.passes).map_err(|e| fail(c, 0, i, r.out.len(), e, "settle"))?;
        if let Some(p) = probe.take() {
            let mut p = p;
            p.timestamp(c * 10_000 + 5_000)
                .map_err(|e| fail(c, 0, i, r.out.len(), e.to_string(), "vcd"))?;
            probe = Some(write_vcd_change(p, eng));
        }
        c += 1;
    }
    r.cycles = c;
    Ok(r)
}
