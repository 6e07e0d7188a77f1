//! Fast cycle-by-cycle runner for an [`AccelTop`]: the host side of both streams in a plain Rust loop
//! over rust-hdl's `simulate()` (as [`crate::conv::runner`] does for the engine alone), with seeded
//! random input gaps and output back-pressure, an idle watchdog and an optional VCD.
//!
//! The host sends transactions back to back (`in_last` on each one's final word) and records every
//! output word with its `last` flag and cycle. The watchdog stops a run when no word has moved on
//! either stream for `idle_limit` cycles and names the stalled stream, what the top was doing (the
//! router's state and the payload words it still expects) and the words moved so far.

use std::io::Write;

use rust_hdl::prelude::*;

pub use crate::conv::runner::{RunResult, Stall, Stimulus};

use super::AccelTop;
use crate::stream::Wide;

struct XorShift(u64);
impl XorShift {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn settle<T: Block>(uut: &mut T, passes: &mut u64) -> Result<(), String> {
    for _ in 0..200 {
        uut.update_all();
        *passes += 1;
        if !uut.has_changed() {
            return Ok(());
        }
    }
    Err("the top's logic did not settle in 200 passes".into())
}

/// Stream `transactions` (each a header and its payload) through `top` until `expect_words` output
/// words have moved, or stop with a [`Stall`] after `idle_limit` cycles without a transfer.
/// Connects the top (`connect_all`, idempotent) first.
pub fn run_watched<
    const P: usize,
    const SW: usize,
    const PSW: usize,
    const L: usize,
    const WB: usize,
    const UB: usize,
>(
    top: &mut AccelTop<P, SW, PSW, L, WB, UB>,
    transactions: &[Vec<u64>],
    expect_words: usize,
    stim: Stimulus,
    idle_limit: u64,
    mut vcd: Option<&mut dyn Write>,
) -> Result<RunResult, Stall> {
    top.connect_all();
    let input: Vec<u64> = transactions.concat();
    let mut ends = vec![false; input.len()];
    let mut at = 0;
    for t in transactions {
        at += t.len();
        if at > 0 {
            ends[at - 1] = true;
        }
    }
    let mut rng = XorShift(stim.seed.wrapping_mul(qtrain::splitmix::GAMMA) | 1);
    let mut r = RunResult::default();
    let mut probe = vcd.as_mut().map(|w| write_vcd_header(&mut **w, top));
    let (mut i, mut c, mut last_move) = (0usize, 0u64, 0u64);
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
        if idle >= idle_limit {
            let doing = format!(
                "the top is {} with {} payload words to come",
                top.router.state_name(),
                top.router.remaining()
            );
            let (stream, waiting) = if i < input.len() && !top.in_ready.val() {
                (
                    "input stream",
                    format!("the host holds input word {i} valid and waits for in_ready; {doing}"),
                )
            } else {
                (
                    "output stream",
                    format!(
                        "the host is ready and waits for out_valid (output word {} of {expect_words}); {doing}",
                        r.out.len()
                    ),
                )
            };
            return Err(fail(c, idle, i, r.out.len(), waiting, stream));
        }
        let valid = i < input.len() && rng.unit() >= stim.in_gap;
        top.in_data.next = Wide([if i < input.len() { input[i] } else { 0 }]);
        top.in_valid.next = valid;
        top.in_last.next = i < input.len() && ends[i];
        top.out_ready.next = rng.unit() >= stim.out_stall;
        top.clock.next = Clock { clk: false };
        settle(top, &mut r.passes).map_err(|e| fail(c, 0, i, r.out.len(), e, "settle"))?;
        if let Some(mut p) = probe.take() {
            p.timestamp(c * 10_000)
                .map_err(|e| fail(c, 0, i, r.out.len(), e.to_string(), "vcd"))?;
            probe = Some(write_vcd_change(p, top));
        }
        if top.out_valid.val() && top.out_ready.val() {
            r.out.push(top.out_data.val().0[0]);
            r.last.push(top.out_last.val());
            r.out_cycle.push(c);
            last_move = c;
        }
        if valid && top.in_ready.val() {
            r.in_cycle.push(c);
            last_move = c;
            i += 1;
        }
        top.clock.next = Clock { clk: true };
        settle(top, &mut r.passes).map_err(|e| fail(c, 0, i, r.out.len(), e, "settle"))?;
        if let Some(mut p) = probe.take() {
            p.timestamp(c * 10_000 + 5_000)
                .map_err(|e| fail(c, 0, i, r.out.len(), e.to_string(), "vcd"))?;
            probe = Some(write_vcd_change(p, top));
        }
        c += 1;
    }
    r.cycles = c;
    Ok(r)
}
