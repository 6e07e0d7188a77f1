//! The fast cycle-accurate runner: drives an [`UpdateUnit`] with rust-hdl's direct `simulate()` loop
//! (no simulation threads), acting as host on all three streams, with seeded random input gaps and
//! output back-pressure, and optionally writing a VCD.
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

type Trace = rust_hdl::core::vcd_probe::VCDProbe<BufWriter<File>>;

/// Host plus DUT for the direct simulation loop.
pub struct UpdateRunner<const L: usize, const WB: usize, const UB: usize> {
    uut: UpdateUnit<L, WB, UB>,
    params: UpdateParams,
    cycle: u64,
    trace: Option<Trace>,
    junk: Traffic,
    /// Cycles allowed without any handshake before `stream` reports a hang.
    pub hang_limit: u64,
}

fn settle<B: Block>(uut: &mut B) -> Result<(), QtrainError> {
    if simulate(uut, 200) {
        Ok(())
    } else {
        Err(QtrainError::Numeric(
            "update unit simulation did not settle".into(),
        ))
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
            cycle: 0,
            trace: None,
            junk: Traffic::random(0.0, 0.0, 0x5EED),
            hang_limit: 100_000,
        };
        r.uut.clock.next = Clock { clk: false };
        r.uut.out_ready.next = true;
        settle(&mut r.uut)?;
        Ok(r)
    }

    /// Write every signal change to a VCD at `path` from now on (clock period 10 ns).
    pub fn trace_to(&mut self, path: &Path) -> Result<(), QtrainError> {
        let f = File::create(path).map_err(|e| QtrainError::io(path, e))?;
        self.trace = Some(write_vcd_header(BufWriter::new(f), &self.uut));
        Ok(())
    }

    /// Stop tracing and flush the VCD.
    pub fn finish_trace(&mut self) {
        self.trace = None;
    }

    /// The unit under test (read its ports).
    pub fn uut(&self) -> &UpdateUnit<L, WB, UB> {
        &self.uut
    }

    /// Clock cycles run so far.
    pub fn cycles(&self) -> u64 {
        self.cycle
    }

    /// The saturation counter's value.
    pub fn sat_count(&self) -> u64 {
        self.uut.sat_count.val().index() as u64
    }

    fn dump(&mut self, t: u64) -> Result<(), QtrainError> {
        if let Some(mut tr) = self.trace.take() {
            tr.timestamp(t)
                .map_err(|e| QtrainError::io("update-unit VCD", e))?;
            self.trace = Some(write_vcd_change(tr, &self.uut));
        }
        Ok(())
    }

    /// Settle with the clock low (inputs applied), so handshakes can be sampled.
    fn low_phase(&mut self) -> Result<(), QtrainError> {
        self.uut.clock.next = Clock { clk: false };
        settle(&mut self.uut)?;
        self.dump(self.cycle * 10_000)
    }

    /// The rising edge.
    fn high_phase(&mut self) -> Result<(), QtrainError> {
        self.uut.clock.next = Clock { clk: true };
        settle(&mut self.uut)?;
        self.dump(self.cycle * 10_000 + 5_000)?;
        self.cycle += 1;
        Ok(())
    }

    fn drive_junk(&mut self) {
        for l in 0..L {
            let j = self.junk.next_u64();
            self.uut.w_in[l].next = bits(j & qtrain::fixed::mask(WB as u32));
            self.uut.u_in[l].next = bits((j >> 32) & qtrain::fixed::mask(UB as u32));
        }
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
        let start = self.cycle;
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
            if self.cycle - start > self.hang_limit {
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
        Ok(self.cycle - start)
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
        let mut out = Vec::with_capacity(nb);
        let mut log = StreamLog::default();
        let (mut next_in, mut idle) = (0usize, 0u64);
        while out.len() < nb {
            let offer = next_in < nb && !traffic.chance(traffic.in_gap);
            self.uut.in_valid.next = offer;
            if offer {
                for l in 0..L {
                    let j = next_in * L + l;
                    self.uut.w_in[l].next = bits(wf.to_bits(w[j]));
                    self.uut.u_in[l].next = bits(uf.to_bits(u[j]));
                }
                self.uut.in_last.next = next_in + 1 == nb;
            } else {
                self.drive_junk();
                self.uut.in_last.next = self.junk.next_u64() & 1 == 1;
            }
            self.uut.out_ready.next = !traffic.chance(traffic.out_stall);
            self.low_phase()?;
            let cycle = self.cycle;
            let mut moved = false;
            if self.uut.in_valid.val() && self.uut.in_ready.val() {
                next_in += 1;
                log.in_cycles.push(cycle);
                moved = true;
            }
            if self.uut.out_valid.val() && self.uut.out_ready.val() {
                let get = |s: &Signal<Out, Bits<WB>>| wf.from_bits(s.val().index() as u64);
                out.push(HwBeat {
                    w: self.uut.w_out.iter().map(get).collect(),
                    q: self.uut.q_out.iter().map(get).collect(),
                    pack: self
                        .uut
                        .pack_valid
                        .val()
                        .then(|| self.uut.pack_word.val().to_u64()),
                    last: self.uut.out_last.val(),
                    cycle,
                });
                log.out_cycles.push(cycle);
                moved = true;
            }
            self.high_phase()?;
            idle = if moved { 0 } else { idle + 1 };
            if idle > self.hang_limit {
                return Err(QtrainError::Numeric(format!(
                    "update unit hung: {} of {nb} beats out after cycle {}",
                    out.len(),
                    self.cycle
                )));
            }
        }
        self.uut.in_valid.next = false;
        Ok((out, log))
    }
}
