//! The fast cycle-accurate runner: drives an [`UpdateUnit`] with rust-hdl's direct `simulate()` loop
//! (no simulation threads), acting as host on all three streams, with seeded random input gaps and
//! output back-pressure, and optionally writing a VCD. The clocking, handshakes and watchdog are
//! [`crate::stream::harness`]'s.
//!
//! Each cycle: drive inputs with the clock low and settle, sample the handshakes (a transfer happens
//! when valid and ready are both high at the rising edge), then raise the clock and settle.
//! While `in_valid` is low the data ports carry random junk, so a unit that consumed an unoffered
//! word would be caught by the bit-exact comparison.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use qtrain::hw::UpdateParams;
use qtrain::QtrainError;
use rust_hdl::prelude::*;

use super::unit::UpdateUnit;
use crate::error::HdlError;
use crate::stream::harness::{stream, Clocked, Harness, Shaping, Stop, StreamHost, Watchdog};

/// Seeded traffic shaping: probability of an input gap and of output back-pressure per cycle.
#[derive(Clone, Debug)]
pub struct Traffic {
    /// Probability that the host withholds `in_valid` in a cycle where it has data.
    pub in_gap: f64,
    /// Probability that the host lowers `out_ready` in a cycle.
    pub out_stall: f64,
    state: u64,
}

impl Traffic {
    /// No gaps, no back-pressure (full throughput).
    pub fn full_speed() -> Self {
        Self::random(0.0, 0.0, 0)
    }

    /// Gaps and stalls with the given probabilities, from `seed`.
    pub fn random(in_gap: f64, out_stall: f64, seed: u64) -> Self {
        Self {
            in_gap,
            out_stall,
            state: seed,
        }
    }

    /// SplitMix64 ([`qtrain::splitmix`]).
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(qtrain::splitmix::GAMMA);
        qtrain::splitmix::mix(self.state)
    }

    fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

impl Shaping for Traffic {
    fn offer(&mut self) -> bool {
        !self.chance(self.in_gap)
    }
    fn ready(&mut self) -> bool {
        !self.chance(self.out_stall)
    }
}

/// One output beat as the host received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HwBeat {
    /// `w_out` per lane (raw, sign-extended).
    pub w: Vec<i64>,
    /// `q_out` per lane (raw, sign-extended).
    pub q: Vec<i64>,
    /// The packed sign word, when this beat carried one.
    pub pack: Option<u64>,
    /// `out_last`.
    pub last: bool,
    /// Cycle of the output handshake.
    pub cycle: u64,
}

/// Cycle numbers of every handshake of one [`UpdateRunner::stream`] call.
#[derive(Clone, Debug, Default)]
pub struct StreamLog {
    /// Cycles in which an input beat was taken.
    pub in_cycles: Vec<u64>,
    /// Cycles in which an output beat was taken.
    pub out_cycles: Vec<u64>,
}

impl<const L: usize, const WB: usize, const UB: usize> Clocked for UpdateUnit<L, WB, UB> {
    fn clock_mut(&mut self) -> &mut Signal<In, Clock> {
        &mut self.clock
    }
}

/// Host plus DUT for the direct simulation loop.
pub struct UpdateRunner<const L: usize, const WB: usize, const UB: usize> {
    uut: UpdateUnit<L, WB, UB>,
    params: UpdateParams,
    harness: Harness<BufWriter<File>>,
    junk: Traffic,
    /// Cycles allowed without any handshake before `stream` reports a hang.
    pub hang_limit: u64,
}

/// A failed clock phase as the runner's error.
fn fault(e: HdlError) -> QtrainError {
    match e {
        HdlError::Vcd(e) => QtrainError::io("update-unit VCD", e),
        HdlError::Settle { .. } => {
            QtrainError::Numeric("update unit simulation did not settle".into())
        }
        e => QtrainError::Numeric(e.to_string()),
    }
}

/// Random junk on the data ports while `in_valid` is low.
fn drive_junk<const L: usize, const WB: usize, const UB: usize>(
    uut: &mut UpdateUnit<L, WB, UB>,
    junk: &mut Traffic,
) {
    for l in 0..L {
        let j = junk.next_u64();
        uut.w_in[l].next = bits(j & qtrain::fixed::mask(WB as u32));
        uut.u_in[l].next = bits((j >> 32) & qtrain::fixed::mask(UB as u32));
    }
}

/// The host of one [`UpdateRunner::stream`] call: whole beats of `w`/`u`, junk in the gaps.
struct BeatHost<'a> {
    w: &'a [i64],
    u: &'a [i64],
    params: &'a UpdateParams,
    beats: usize,
    junk: &'a mut Traffic,
}

impl<const L: usize, const WB: usize, const UB: usize> StreamHost<UpdateUnit<L, WB, UB>>
    for BeatHost<'_>
{
    type Out = HwBeat;
    fn drive(&mut self, uut: &mut UpdateUnit<L, WB, UB>, next: usize, valid: bool, ready: bool) {
        let (wf, uf) = (self.params.w_format, self.params.u_format);
        uut.in_valid.next = valid;
        if valid {
            for l in 0..L {
                let j = next * L + l;
                uut.w_in[l].next = bits(wf.to_bits(self.w[j]));
                uut.u_in[l].next = bits(uf.to_bits(self.u[j]));
            }
            uut.in_last.next = next + 1 == self.beats;
        } else {
            drive_junk(uut, self.junk);
            uut.in_last.next = self.junk.next_u64() & 1 == 1;
        }
        uut.out_ready.next = ready;
    }
    fn in_ready(&self, uut: &UpdateUnit<L, WB, UB>) -> bool {
        uut.in_ready.val()
    }
    fn out_fires(&self, uut: &UpdateUnit<L, WB, UB>) -> bool {
        uut.out_valid.val() && uut.out_ready.val()
    }
    fn take(&mut self, uut: &UpdateUnit<L, WB, UB>, cycle: u64) -> HwBeat {
        let wf = self.params.w_format;
        let get = |s: &Signal<Out, Bits<WB>>| wf.from_bits(s.val().index() as u64);
        HwBeat {
            w: uut.w_out.iter().map(get).collect(),
            q: uut.q_out.iter().map(get).collect(),
            pack: uut.pack_valid.val().then(|| uut.pack_word.val().to_u64()),
            last: uut.out_last.val(),
            cycle,
        }
    }
}

impl<const L: usize, const WB: usize, const UB: usize> UpdateRunner<L, WB, UB> {
    /// A unit for `p`, connected and checked (`check_all`).
    pub fn new(p: &UpdateParams) -> Result<Self, QtrainError> {
        let mut uut = UpdateUnit::<L, WB, UB>::new(p)?;
        uut.connect_all();
        check_all(&uut).map_err(|e| QtrainError::Config {
            field: "update unit".into(),
            msg: format!("rust-hdl check failed: {e:?}"),
        })?;
        let mut r = Self {
            uut,
            params: p.clone(),
            harness: Harness::new("update unit"),
            junk: Traffic::random(0.0, 0.0, 0x5EED),
            hang_limit: 100_000,
        };
        r.uut.clock.next = Clock { clk: false };
        r.uut.out_ready.next = true;
        r.harness.settle(&mut r.uut).map_err(fault)?;
        Ok(r)
    }

    /// Write every signal change to a VCD at `path` from now on (clock period 10 ns).
    pub fn trace_to(&mut self, path: &Path) -> Result<(), QtrainError> {
        let f = File::create(path).map_err(|e| QtrainError::io(path, e))?;
        self.harness.trace(BufWriter::new(f), &self.uut);
        Ok(())
    }

    /// Stop tracing and flush the VCD.
    pub fn finish_trace(&mut self) {
        self.harness.untrace();
    }

    /// The unit under test (read its ports).
    pub fn uut(&self) -> &UpdateUnit<L, WB, UB> {
        &self.uut
    }

    /// Clock cycles run so far.
    pub fn cycles(&self) -> u64 {
        self.harness.cycle()
    }

    /// The saturation counter's value.
    pub fn sat_count(&self) -> u64 {
        self.uut.sat_count.val().index() as u64
    }

    /// Settle with the clock low (inputs applied), so handshakes can be sampled.
    fn low_phase(&mut self) -> Result<(), QtrainError> {
        self.harness.low(&mut self.uut).map_err(fault)
    }

    /// The rising edge.
    fn high_phase(&mut self) -> Result<(), QtrainError> {
        self.harness.high(&mut self.uut).map_err(fault)
    }

    /// Run `n` cycles offering nothing (output ready).
    pub fn idle(&mut self, n: u64) -> Result<(), QtrainError> {
        self.uut.in_valid.next = false;
        self.uut.cmd_valid.next = false;
        self.uut.out_ready.next = true;
        for _ in 0..n {
            self.low_phase()?;
            self.high_phase()?;
        }
        Ok(())
    }

    /// Offer the two command words until the unit takes them, then idle until a reseed finishes.
    /// Returns the cycles spent.
    pub fn command(&mut self, words: [u64; 2]) -> Result<u64, QtrainError> {
        let start = self.cycles();
        self.uut.in_valid.next = false;
        self.uut.out_ready.next = true;
        self.uut.cmd_word.next = bits(words[0]);
        self.uut.cmd_seed.next = bits(words[1]);
        self.uut.cmd_valid.next = true;
        loop {
            self.low_phase()?;
            let taken = self.uut.cmd_ready.val();
            self.high_phase()?;
            if taken {
                break;
            }
            if self.cycles() - start > self.hang_limit {
                return Err(QtrainError::Numeric(
                    "update unit never took the command".into(),
                ));
            }
        }
        self.uut.cmd_valid.next = false;
        loop {
            self.low_phase()?;
            let ready = self.uut.cmd_ready.val();
            self.high_phase()?;
            if ready {
                break;
            }
        }
        Ok(self.cycles() - start)
    }

    /// Stream whole beats of raw `w`, `u` (length a multiple of `L`) through the unit under
    /// `traffic`; return the output beats in order with the handshake log. The last beat carries
    /// `in_last`.
    pub fn stream(
        &mut self,
        w: &[i64],
        u: &[i64],
        traffic: &mut Traffic,
    ) -> Result<(Vec<HwBeat>, StreamLog), QtrainError> {
        if w.len() != u.len() || w.len() % L != 0 {
            return Err(QtrainError::Shape(format!(
                "{} weights / {} steps are not whole {L}-lane beats",
                w.len(),
                u.len()
            )));
        }
        let (wf, uf) = (self.params.w_format, self.params.u_format);
        for (&a, &b) in w.iter().zip(u) {
            if !wf.contains(a) || !uf.contains(b) {
                return Err(QtrainError::Shape(format!(
                    "w = {a} or u = {b} is outside {wf} / {uf}"
                )));
            }
        }
        let nb = w.len() / L;
        let mut host = BeatHost {
            w,
            u,
            params: &self.params,
            beats: nb,
            junk: &mut self.junk,
        };
        let watchdog = Watchdog::Quiet(self.hang_limit);
        let run = stream(
            &mut self.harness,
            &mut self.uut,
            &mut host,
            traffic,
            nb,
            nb,
            watchdog,
        )
        .map_err(|s| match s {
            Stop::Watchdog {
                cycle, words_out, ..
            } => QtrainError::Numeric(format!(
                "update unit hung: {words_out} of {nb} beats out after cycle {cycle}"
            )),
            Stop::Fault { error, .. } => fault(error),
        })?;
        self.uut.in_valid.next = false;
        let log = StreamLog {
            in_cycles: run.in_cycles,
            out_cycles: run.out_cycles,
        };
        Ok((run.out, log))
    }
}
