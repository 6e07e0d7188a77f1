//! Reseeding: computes every lane's start state `lane_state(seed, l)` ([`qtrain::lfsr::LfsrSpec::lane_state`],
//! a SplitMix64 hash) in hardware, one lane after another, and loads it into that lane's LFSR.
//!
//! Per lane: `z = seed + (l+1)·G + C`; `z ^= z >> 30; z *= M1; z ^= z >> 27; z *= M2; z ^= z >> 31`;
//! keep the LFSR's width, 0 → 1. The two 64-bit multiplies by constants are bit-serial (one adder,
//! 64 cycles each), so a reseed of `L` lanes takes `L·131` cycles; `busy` is high meanwhile and the unit
//! accepts no data. `load` pulses for one cycle per lane with `lane` and `state`.

use qtrain::lfsr::LfsrSpec;
use rust_hdl::prelude::*;

/// Seeder states.
#[derive(Copy, Clone, PartialEq, Debug, LogicState)]
pub enum SeedState {
    /// Waiting for `start`.
    Idle,
    /// First xor-shift.
    Mix1,
    /// First multiply.
    Mul1,
    /// Second xor-shift.
    Mix2,
    /// Second multiply.
    Mul2,
    /// Final xor-shift and load.
    Fin,
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
    fsm: DFF<SeedState>,
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
}

impl Seeder {
    /// A seeder for `lanes` lanes of `spec`.
    pub fn new(spec: &LfsrSpec, lanes: usize) -> Self {
        assert!((1..=256).contains(&lanes));
        const G: u64 = 0x9E37_79B9_7F4A_7C15;
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
            first: Constant::new(bits(G.wrapping_add(0xD1B5_4A32_D192_ED03))),
            mul1: Constant::new(bits(0xBF58_476D_1CE4_E5B9)),
            mul2: Constant::new(bits(0x94D0_49BB_1331_11EB)),
            width_mask: Constant::new(bits(qtrain::fixed::mask(spec.width))),
            last_lane: Constant::new(bits(lanes as u64 - 1)),
        }
    }
}

impl Logic for Seeder {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, fsm, z, x, acc, m, cnt, lane_q);
        self.busy.next = self.fsm.q.val() != SeedState::Idle;
        self.load.next = false;
        self.lane.next = self.lane_q.q.val();
        self.fin.next = (self.acc.q.val() ^ (self.acc.q.val() >> 31)) & self.width_mask.val();
        self.state.next = bit_cast::<32, 64>(self.fin.val());
        if !self.fin.val().any() {
            self.state.next = 1.into();
        }
        match self.fsm.q.val() {
            SeedState::Idle => {
                if self.start.val() {
                    self.z.d.next = self.seed.val() + self.first.val();
                    self.lane_q.d.next = 0.into();
                    self.fsm.d.next = SeedState::Mix1;
                }
            }
            SeedState::Mix1 => {
                self.x.d.next = self.z.q.val() ^ (self.z.q.val() >> 30);
                self.acc.d.next = 0.into();
                self.m.d.next = self.mul1.val();
                self.cnt.d.next = 0.into();
                self.fsm.d.next = SeedState::Mul1;
            }
            SeedState::Mul1 => {
                if self.m.q.val().get_bit(0) {
                    self.acc.d.next = self.acc.q.val() + self.x.q.val();
                }
                self.x.d.next = self.x.q.val() << 1;
                self.m.d.next = self.m.q.val() >> 1;
                self.cnt.d.next = self.cnt.q.val() + 1;
                if self.cnt.q.val() == 63 {
                    self.fsm.d.next = SeedState::Mix2;
                }
            }
            SeedState::Mix2 => {
                self.x.d.next = self.acc.q.val() ^ (self.acc.q.val() >> 27);
                self.acc.d.next = 0.into();
                self.m.d.next = self.mul2.val();
                self.cnt.d.next = 0.into();
                self.fsm.d.next = SeedState::Mul2;
            }
            SeedState::Mul2 => {
                if self.m.q.val().get_bit(0) {
                    self.acc.d.next = self.acc.q.val() + self.x.q.val();
                }
                self.x.d.next = self.x.q.val() << 1;
                self.m.d.next = self.m.q.val() >> 1;
                self.cnt.d.next = self.cnt.q.val() + 1;
                if self.cnt.q.val() == 63 {
                    self.fsm.d.next = SeedState::Fin;
                }
            }
            SeedState::Fin => {
                self.load.next = true;
                self.z.d.next = self.z.q.val() + self.golden.val();
                self.lane_q.d.next = self.lane_q.q.val() + 1;
                if self.lane_q.q.val() == self.last_lane.val() {
                    self.fsm.d.next = SeedState::Idle;
                } else {
                    self.fsm.d.next = SeedState::Mix1;
                }
            }
        }
    }
}
