//! BC sign packer: gathers the `L` sign bits of each beat into the conv engine's 64-bit weight words
//! ([`qtrain::exact::pack`]: filter-major, bit i = in-filter index, each filter on a fresh word, bits
//! past the filter length zero).
//!
//! The input stream carries one filter after another, each padded to a multiple of `L` weights; `pos`
//! is the in-filter index of the beat's lane 0. On `take`, lanes with `pos + l < len` are ORed into the
//! word at bit `pos mod 64`; `emit` and `word` (combinational from the state and the
//! presented beat) show the word that beat completes when it is full or the filter ends; taking such a
//! beat restarts the accumulator from zero. `clear` (a new command)
//! restarts at a filter boundary. `L` must divide 64.
//! Software twin: the packer in [`qtrain::exact::update::UpdateUnitModel`].

use rust_hdl::prelude::*;

/// Packs `L` sign bits per beat into 64-bit words.
#[derive(LogicBlock)]
pub struct SignPacker<const L: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// A beat is consumed this cycle.
    pub take: Signal<In, Bit>,
    /// Restart at a filter boundary with an empty word.
    pub clear: Signal<In, Bit>,
    /// The beat's sign bits, lane l in bit l.
    pub signs: Signal<In, Bits<L>>,
    /// Filter length in bits.
    pub len: Signal<In, Bits<16>>,
    /// The word completed by the beat at the input (valid when `emit`).
    pub word: Signal<Out, Bits<64>>,
    /// The beat at the input completes a word (whether or not it is taken this cycle).
    pub emit: Signal<Out, Bit>,
    pos: DFF<Bits<16>>,
    acc: DFF<Bits<64>>,
    rem: Signal<Local, Bits<16>>,
    slot: Signal<Local, Bits<16>>,
    lane_mask: Signal<Local, Bits<64>>,
    merged: Signal<Local, Bits<64>>,
    last: Signal<Local, Bit>,
    lanes: Constant<Bits<16>>,
    ones: Constant<Bits<64>>,
    word_bits: Constant<Bits<16>>,
}

impl<const L: usize> Default for SignPacker<L> {
    fn default() -> Self {
        assert!(L >= 1 && L <= 64 && 64 % L == 0, "L must divide 64");
        Self {
            clock: Default::default(),
            take: Default::default(),
            clear: Default::default(),
            signs: Default::default(),
            len: Default::default(),
            word: Default::default(),
            emit: Default::default(),
            pos: Default::default(),
            acc: Default::default(),
            rem: Default::default(),
            slot: Default::default(),
            lane_mask: Default::default(),
            merged: Default::default(),
            last: Default::default(),
            lanes: Constant::new(bits(L as u64)),
            ones: Constant::new(bits(u64::MAX)),
            word_bits: Constant::new(bits(64)),
        }
    }
}

impl<const L: usize> Logic for SignPacker<L> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, pos, acc);
        self.rem.next = self.len.val() - self.pos.q.val();
        self.slot.next = self.pos.q.val() & 63;
        self.lane_mask.next = !(self.ones.val() << self.rem.val());
        if self.rem.val() >= self.lanes.val() {
            self.lane_mask.next = self.ones.val();
        }
        self.merged.next = self.acc.q.val()
            | ((bit_cast::<64, L>(self.signs.val()) & self.lane_mask.val()) << self.slot.val());
        self.last.next = self.rem.val() <= self.lanes.val();
        self.word.next = self.merged.val();
        self.emit.next =
            self.last.val() || ((self.slot.val() + self.lanes.val()) == self.word_bits.val());
        if self.take.val() {
            if self.emit.val() {
                self.acc.d.next = 0.into();
            } else {
                self.acc.d.next = self.merged.val();
            }
            if self.last.val() {
                self.pos.d.next = 0.into();
            } else {
                self.pos.d.next = self.pos.q.val() + self.lanes.val();
            }
        }
        if self.clear.val() {
            self.acc.d.next = 0.into();
            self.pos.d.next = 0.into();
        }
    }
}
