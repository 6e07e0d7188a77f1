//! Reseeding: computes every lane's start state `lane_state(seed, l)` ([`qtrain::lfsr::LfsrSpec::lane_state`],
//! a SplitMix64 hash) in hardware, one lane after another, and loads it into that lane's LFSR.
//!
//! Per lane: `z = seed + (l+1)·G + C`; `z ^= z >> 30; z *= M1; z ^= z >> 27; z *= M2; z ^= z >> 31`;
//! keep the LFSR's width, 0 → 1. The two 64-bit multiplies by constants are bit-serial (one adder,
//! 64 cycles each), so a reseed of `L` lanes takes `L·131` cycles; `busy` is high meanwhile and the unit
//! accepts no data. `load` pulses for one cycle per lane with `lane` and `state`.

use qtrain::lfsr::LfsrSpec;
use rust_hdl::prelude::*;

/// Seeder state codes (plain constants: an enum's localparams would be re-declared, unused, in the
/// state register's own Verilog module, which `verilator -Wall` flags).
pub mod seed_state {
    /// Waiting for `start`.
    pub const IDLE: u64 = 0;
    /// First xor-shift.
    pub const MIX1: u64 = 1;
    /// First multiply.
    pub const MUL1: u64 = 2;
    /// Second xor-shift.
    pub const MIX2: u64 = 3;
    /// Second multiply.
    pub const MUL2: u64 = 4;
    /// Final xor-shift and load.
    pub const FIN: u64 = 5;
}

/// The lane-seed generator.
#[derive(LogicBlock)]
pub struct Seeder {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Begin reseeding with `seed` (ignored while busy).
    pub start: Signal<In, Bit>,
    /// The unit's 64-bit seed.
    pub seed: Signal<In, Bits<64>>,
    /// Reseeding in progress.
    pub busy: Signal<Out, Bit>,
    /// Load strobe for lane `lane`.
    pub load: Signal<Out, Bit>,
    /// The lane being loaded.
    pub lane: Signal<Out, Bits<8>>,
    /// Its start state.
    pub state: Signal<Out, Bits<32>>,
    fsm: DFF<Bits<3>>,
    z: DFF<Bits<64>>,
    x: DFF<Bits<64>>,
    acc: DFF<Bits<64>>,
    m: DFF<Bits<64>>,
    cnt: DFF<Bits<7>>,
    lane_q: DFF<Bits<8>>,
    fin: Signal<Local, Bits<64>>,
    golden: Constant<Bits<64>>,
    first: Constant<Bits<64>>,
    mul1: Constant<Bits<64>>,
    mul2: Constant<Bits<64>>,
    width_mask: Constant<Bits<64>>,
    last_lane: Constant<Bits<8>>,
    s_idle: Constant<Bits<3>>,
    s_mix1: Constant<Bits<3>>,
    s_mul1: Constant<Bits<3>>,
    s_mix2: Constant<Bits<3>>,
    s_mul2: Constant<Bits<3>>,
    s_fin: Constant<Bits<3>>,
}

impl Seeder {
    /// A seeder for `lanes` lanes of `spec`.
    pub fn new(spec: &LfsrSpec, lanes: usize) -> Self {
        assert!((1..=256).contains(&lanes));
        use qtrain::splitmix::{GAMMA as G, LANE_OFFSET, MUL1, MUL2};
        Self {
            clock: Default::default(),
            start: Default::default(),
            seed: Default::default(),
            busy: Default::default(),
            load: Default::default(),
            lane: Default::default(),
            state: Default::default(),
            fsm: Default::default(),
            z: Default::default(),
            x: Default::default(),
            acc: Default::default(),
            m: Default::default(),
            cnt: Default::default(),
            lane_q: Default::default(),
            fin: Default::default(),
            golden: Constant::new(bits(G)),
            first: Constant::new(bits(G.wrapping_add(LANE_OFFSET))),
            mul1: Constant::new(bits(MUL1)),
            mul2: Constant::new(bits(MUL2)),
            width_mask: Constant::new(bits(qtrain::fixed::mask(spec.width))),
            last_lane: Constant::new(bits(lanes as u64 - 1)),
            s_idle: Constant::new(bits(seed_state::IDLE)),
            s_mix1: Constant::new(bits(seed_state::MIX1)),
            s_mul1: Constant::new(bits(seed_state::MUL1)),
            s_mix2: Constant::new(bits(seed_state::MIX2)),
            s_mul2: Constant::new(bits(seed_state::MUL2)),
            s_fin: Constant::new(bits(seed_state::FIN)),
        }
    }
}

impl Logic for Seeder {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, fsm, z, x, acc, m, cnt, lane_q);
        self.busy.next = self.fsm.q.val() != self.s_idle.val();
        self.load.next = false;
        self.lane.next = self.lane_q.q.val();
        self.fin.next = (self.acc.q.val() ^ (self.acc.q.val() >> 31)) & self.width_mask.val();
        self.state.next = bit_cast::<32, 64>(self.fin.val());
        if !self.fin.val().any() {
            self.state.next = 1.into();
        }
        if self.fsm.q.val() == self.s_idle.val() {
            if self.start.val() {
                self.z.d.next = self.seed.val() + self.first.val();
                self.lane_q.d.next = 0.into();
                self.fsm.d.next = self.s_mix1.val();
            }
        } else if self.fsm.q.val() == self.s_mix1.val() {
            self.x.d.next = self.z.q.val() ^ (self.z.q.val() >> 30);
            self.acc.d.next = 0.into();
            self.m.d.next = self.mul1.val();
            self.cnt.d.next = 0.into();
            self.fsm.d.next = self.s_mul1.val();
        } else if self.fsm.q.val() == self.s_mul1.val() {
            if self.m.q.val().get_bit(0) {
                self.acc.d.next = self.acc.q.val() + self.x.q.val();
            }
            self.x.d.next = self.x.q.val() << 1;
            self.m.d.next = self.m.q.val() >> 1;
            self.cnt.d.next = self.cnt.q.val() + 1;
            if self.cnt.q.val() == 63 {
                self.fsm.d.next = self.s_mix2.val();
            }
        } else if self.fsm.q.val() == self.s_mix2.val() {
            self.x.d.next = self.acc.q.val() ^ (self.acc.q.val() >> 27);
            self.acc.d.next = 0.into();
            self.m.d.next = self.mul2.val();
            self.cnt.d.next = 0.into();
            self.fsm.d.next = self.s_mul2.val();
        } else if self.fsm.q.val() == self.s_mul2.val() {
            if self.m.q.val().get_bit(0) {
                self.acc.d.next = self.acc.q.val() + self.x.q.val();
            }
            self.x.d.next = self.x.q.val() << 1;
            self.m.d.next = self.m.q.val() >> 1;
            self.cnt.d.next = self.cnt.q.val() + 1;
            if self.cnt.q.val() == 63 {
                self.fsm.d.next = self.s_fin.val();
            }
        } else if self.fsm.q.val() == self.s_fin.val() {
            self.load.next = true;
            self.z.d.next = self.z.q.val() + self.golden.val();
            self.lane_q.d.next = self.lane_q.q.val() + 1;
            if self.lane_q.q.val() == self.last_lane.val() {
                self.fsm.d.next = self.s_idle.val();
            } else {
                self.fsm.d.next = self.s_mix1.val();
            }
        } else {
            self.fsm.d.next = self.s_idle.val();
        }
    }
}
