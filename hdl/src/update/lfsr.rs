//! One lane's LFSR: the library's Galois LFSR ([`qtrain::lfsr`]) advanced `r` steps per update, with the
//! `r`-bit draw and the jump written as parity-of-AND masks ([`LfsrSpec::draw_masks`],
//! [`LfsrSpec::jump_masks`]), i.e. `^(state & mask)` per bit in Verilog: one draw per clock.
//!
//! Ports: `step` advances the state by `r` steps (the draw on `draw` is the one consumed); `load` with
//! `sel == index` overwrites the state with `load_state` (reseeding; has priority over `step`).
//! `draw` is combinational from the state register (0 cycles), the state changes at the clock edge.
//! Power-on state: `lane_state(0, index)`. Software twin: [`qtrain::lfsr::Lfsr::draw`].

use qtrain::lfsr::LfsrSpec;
use rust_hdl::prelude::*;

/// Widest state the block holds (the library allows LFSRs of 3..=32 bits).
pub const LFSR_STATE_BITS: usize = 32;
/// Widest draw (the library allows `sr_bits` ≤ 16).
pub const LFSR_DRAW_BITS: usize = 16;

/// A lane's random source.
#[derive(LogicBlock)]
pub struct LaneLfsr {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Consume the current draw: advance by `r` steps at the next edge.
    pub step: Signal<In, Bit>,
    /// Reseed strobe (acts when `sel` equals this lane's index).
    pub load: Signal<In, Bit>,
    /// Lane index the reseed is meant for.
    pub sel: Signal<In, Bits<8>>,
    /// State to load.
    pub load_state: Signal<In, Bits<32>>,
    /// The current `r`-bit draw (bits ≥ r are zero).
    pub draw: Signal<Out, Bits<16>>,
    state: DFFWithInit<Bits<32>>,
    nxt: Signal<Local, Bits<32>>,
    index: Constant<Bits<8>>,
    jump: [Constant<Bits<32>>; LFSR_STATE_BITS],
    dmask: [Constant<Bits<32>>; LFSR_DRAW_BITS],
}

impl LaneLfsr {
    /// Lane `index` of a unit running `spec` with `r`-bit draws (`r` ≤ 16, width ≤ 32).
    pub fn new(spec: &LfsrSpec, r: u32, index: u8) -> Self {
        assert!(r as usize <= LFSR_DRAW_BITS && spec.width as usize <= LFSR_STATE_BITS);
        let jm = spec.jump_masks(r);
        let dm = spec.draw_masks(r);
        Self {
            clock: Default::default(),
            step: Default::default(),
            load: Default::default(),
            sel: Default::default(),
            load_state: Default::default(),
            draw: Default::default(),
            state: DFFWithInit::new(bits(spec.lane_state(0, index as u32))),
            nxt: Default::default(),
            index: Constant::new(bits(index as u64)),
            jump: std::array::from_fn(|j| Constant::new(bits(jm.get(j).copied().unwrap_or(0)))),
            dmask: std::array::from_fn(|i| Constant::new(bits(dm.get(i).copied().unwrap_or(0)))),
        }
    }
}

impl Logic for LaneLfsr {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, state);
        self.draw.next = 0.into();
        for i in 0..LFSR_DRAW_BITS {
            self.draw.next = self
                .draw
                .val()
                .replace_bit(i, (self.state.q.val() & self.dmask[i].val()).xor());
        }
        self.nxt.next = 0.into();
        for j in 0..LFSR_STATE_BITS {
            self.nxt.next = self
                .nxt
                .val()
                .replace_bit(j, (self.state.q.val() & self.jump[j].val()).xor());
        }
        if self.load.val() && (self.sel.val() == self.index.val()) {
            self.state.d.next = self.load_state.val();
        } else if self.step.val() {
            self.state.d.next = self.nxt.val();
        }
    }
}
