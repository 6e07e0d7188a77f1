//! The blocks under lockstep: configuration and legal stimulus of each, from its contract (its doc
//! comment and how `hdl/src/conv/engine.rs` / `hdl/src/accel/top.rs` drive it).

use rand::Rng as _;
use rust_hdl::prelude::*;

use qtrain::hw::ConvParams;
use qtrain_hdl::conv::requant::RequantUnit;
use qtrain_hdl::conv::shape::{Shape, Sizes};
use qtrain_hdl::stream::{SkidBuffer, Wide};

use crate::harness::{run, LockstepBlock, Rng};

/// Cycles of every bench.
const CYCLES: usize = 100_000;

/// Probability that changes every few hundred cycles (idle stretches, bursts, everything between).
struct Phase {
    left: usize,
    p: f64,
}

impl Phase {
    fn new() -> Self {
        Phase { left: 0, p: 0.5 }
    }
    fn draw(&mut self, rng: &mut Rng) -> bool {
        if self.left == 0 {
            self.left = rng.gen_range(20..600);
            self.p = [0.0, 0.1, 0.5, 0.9, 1.0, rng.gen::<f64>()][rng.gen_range(0..6)];
        }
        self.left -= 1;
        rng.gen_bool(self.p)
    }
}

/// The small engine configuration the conv blocks are built for (P = 4: 256-bit `Wide<4>` ports).
fn conv_params() -> ConvParams {
    ConvParams {
        pe: 4,
        simd: 64,
        max_act_bits: 8,
        max_h: 8,
        max_w: 8,
        max_c_in: 128,
        max_c_out: 40,
        line_row_words: 64,
    }
}

/// A random legal command word for an engine of `cp` (shape within its limits).
fn random_cmd(rng: &mut Rng, cp: &ConvParams) -> u64 {
    let c_in = rng.gen_range(1..=cp.max_c_in) as u64;
    let c_out = rng.gen_range(1..=cp.max_c_out) as u64;
    let h = rng.gen_range(1..=cp.max_h) as u64;
    let w = rng.gen_range(1..=cp.max_w) as u64;
    let a_in = rng.gen_range(1..=cp.max_act_bits) as u64;
    let a_out = rng.gen_range(1..=cp.max_act_bits) as u64;
    let pool = rng.gen_bool(0.5) as u64;
    let sh = rng.gen_range(0..32u64);
    let images = rng.gen_range(1..=3u64);
    0xC | (c_in - 1) << 4
        | (c_out - 1) << 14
        | (h - 1) << 24
        | (w - 1) << 30
        | (a_in - 1) << 36
        | (a_out - 1) << 39
        | pool << 42
        | sh << 43
        | (images - 1) << 48
}

// ---------------------------------------------------------------- skid buffer

/// Skid buffer on 64-bit words. Upstream holds a word (data, last) until it is taken; valid and
/// `out_ready` follow random phases.
#[derive(Default)]
struct Skid {
    word: (u64, bool),
    valid: bool,
    fired: bool,
    pv: Option<Phase>,
    pr: Option<Phase>,
}

impl LockstepBlock for Skid {
    type B = SkidBuffer<Wide<1>>;
    fn name(&self) -> String {
        "skid_buffer".into()
    }
    fn make(&self) -> Self::B {
        Default::default()
    }
    ports!(
        in: [in_data: Wide<1>, in_last: Bit, in_valid: Bit, out_ready: Bit],
        out: [in_ready: Bit, out_data: Wide<1>, out_last: Bit, out_valid: Bit]
    );
    fn clock(b: &mut Self::B) -> &mut Signal<In, Clock> {
        &mut b.clock
    }
    fn drive(&mut self, b: &mut Self::B, rng: &mut Rng) {
        let pv = self.pv.get_or_insert_with(Phase::new);
        if !self.valid || self.fired {
            self.valid = pv.draw(rng);
            self.word = (rng.gen(), rng.gen_bool(0.2));
        }
        let pr = self.pr.get_or_insert_with(Phase::new);
        b.in_data.next = Wide([self.word.0]);
        b.in_last.next = self.word.1;
        b.in_valid.next = self.valid;
        b.out_ready.next = pr.draw(rng);
    }
    fn observe(&mut self, b: &Self::B) {
        self.fired = b.in_valid.val() && b.in_ready.val();
    }
}

#[test]
fn skid_buffer() {
    run(Skid::default(), CYCLES, 1);
}

// ---------------------------------------------------------------- requant

/// Requant unit, as the loader and PE array drive it: a layer is a new `cmd` with a `start`
/// pulse, then the C_out parameter words (channel order, random gaps), then ≥ 2 idle cycles, then
/// folds (random full 32-bit accumulators, random gaps), never during `start`.
struct Requant {
    cp: ConvParams,
    cmd: u64,
    state: RqPhase,
    addr: usize,
    wait: usize,
    folds: usize,
    gaps: Phase,
}

#[derive(PartialEq)]
enum RqPhase {
    Start,
    Params,
    Idle,
    Folds,
}

const P: usize = 4;

impl LockstepBlock for Requant {
    type B = RequantUnit<P>;
    fn name(&self) -> String {
        "requant".into()
    }
    fn make(&self) -> Self::B {
        RequantUnit::new(Sizes::new(&self.cp))
    }
    ports!(
        in: [cmd: Wide<1>, start: Bit, pw_en: Bit, pw_addr: Bits<10>, wr_data: Wide<1>,
             in_vals: Wide<P>, in_valid: Bit],
        out: [out_vals: Wide<P>, out_valid: Bit]
    );
    fn clock(b: &mut Self::B) -> &mut Signal<In, Clock> {
        &mut b.clock
    }
    fn drive(&mut self, b: &mut Self::B, rng: &mut Rng) {
        b.start.next = false;
        b.pw_en.next = false;
        b.in_valid.next = false;
        b.pw_addr.next = Bits::from(rng.gen_range(0..1024u64));
        b.wr_data.next = Wide([rng.gen()]);
        b.in_vals.next = Wide(std::array::from_fn(|_| rng.gen()));
        let sh = Shape::decode(self.cmd, P, self.cp.simd);
        match self.state {
            RqPhase::Start => {
                self.cmd = random_cmd(rng, &self.cp);
                b.start.next = true;
                self.addr = 0;
                self.state = RqPhase::Params;
            }
            RqPhase::Params => {
                if self.addr == sh.c_out {
                    self.wait = rng.gen_range(2..6);
                    self.state = RqPhase::Idle;
                } else if self.gaps.draw(rng) {
                    b.pw_en.next = true;
                    b.pw_addr.next = Bits::from(self.addr as u64);
                    self.addr += 1;
                }
            }
            RqPhase::Idle => {
                self.wait -= 1;
                if self.wait == 0 {
                    self.folds = sh.nf * rng.gen_range(1..40);
                    self.state = RqPhase::Folds;
                }
            }
            RqPhase::Folds => {
                if self.folds == 0 {
                    self.state = RqPhase::Start;
                } else if self.gaps.draw(rng) {
                    // small accumulators too, where the clamp is not always hit
                    if rng.gen_bool(0.5) {
                        b.in_vals.next = Wide(std::array::from_fn(|_| {
                            rng.gen_range(-2000i64..2000) as u64
                        }));
                    }
                    b.in_valid.next = true;
                    self.folds -= 1;
                }
            }
        }
        b.cmd.next = Wide([self.cmd]);
    }
}

#[test]
fn requant() {
    let cp = conv_params();
    run(
        Requant {
            cmd: random_cmd(&mut <Rng as rand::SeedableRng>::seed_from_u64(0), &cp),
            cp,
            state: RqPhase::Start,
            addr: 0,
            wait: 0,
            folds: 0,
            gaps: Phase::new(),
        },
        CYCLES,
        2,
    );
}
