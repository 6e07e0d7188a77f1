//! One lane's LFSR: the library's Galois LFSR ([`qtrain::lfsr`]) advanced `r` steps per update. The
//! `r`-step jump and the `r`-bit draw are linear maps over GF(2) given by the library as parity-of-AND
//! row masks ([`LfsrSpec::jump_masks`], [`LfsrSpec::draw_masks`]); the block stores their columns and
//! XORs the columns of the state's set bits (the same map, an XOR tree in hardware, and ~30× cheaper
//! to simulate than 48 parity reductions): one draw per clock.
//!
//! Ports: `step` advances the state by `r` steps (the draw on `draw` is the one consumed); `load` with
//! `sel == index` overwrites the state with `load_state` (reseeding; has priority over `step`).
//! `draw` is combinational from the state register (0 cycles) and reads 0 while `step` is low; the
//! state changes at the clock edge.
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
    /// The current `r`-bit draw while `step` is high (bits ≥ r are zero); 0 otherwise.
    pub draw: Signal<Out, Bits<16>>,
    state: DFFWithInit<Bits<32>>,
    nxt: Signal<Local, Bits<32>>,
    index: Constant<Bits<8>>,
    jump_col: [Constant<Bits<32>>; LFSR_STATE_BITS],
    draw_col: [Constant<Bits<16>>; LFSR_STATE_BITS],
}

impl LaneLfsr {
    /// Lane `index` of a unit running `spec` with `r`-bit draws (`r` ≤ 16, width ≤ 32).
    pub fn new(spec: &LfsrSpec, r: u32, index: u8) -> Self {
        assert!(r as usize <= LFSR_DRAW_BITS && spec.width as usize <= LFSR_STATE_BITS);
        // Column k of a row-mask matrix: bit j is bit k of row j.
        let col = |rows: &[u64], k: usize| {
            rows.iter()
                .enumerate()
                .fold(0u64, |c, (j, row)| c | ((row >> k) & 1) << j)
        };
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
            jump_col: std::array::from_fn(|k| Constant::new(bits(col(&jm, k)))),
            draw_col: std::array::from_fn(|k| Constant::new(bits(col(&dm, k)))),
        }
    }
}

impl Logic for LaneLfsr {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, state);
        self.draw.next = 0.into();
        self.nxt.next = 0.into();
        // Only a stepping lane consumes its draw: gating both trees with `step` costs one AND per
        // draw bit and lets a simulator skip them on every other cycle (Verilator spent 12 % of the
        // top's time here while the unit sat idle during conv layers).
        if self.step.val() {
            for k in 0..LFSR_STATE_BITS {
                if self.state.q.val().get_bit(k) {
                    self.draw.next = self.draw.val() ^ self.draw_col[k].val();
                    self.nxt.next = self.nxt.val() ^ self.jump_col[k].val();
                }
            }
        }
        if self.load.val() && (self.sel.val() == self.index.val()) {
            self.state.d.next = self.load_state.val();
        } else if self.step.val() {
            self.state.d.next = self.nxt.val();
        }
    }
}
