//! The weight-update unit: `L` lanes of [`UpdateLane`], one [`LaneLfsr`] per lane, the BC
//! [`SignPacker`], the [`Seeder`], a command register and a saturation counter.
//!
//! **Streams** (valid/ready; a word moves only when both are high):
//! * command: `cmd_valid`/`cmd_ready`, `cmd_word` (fields at [`qtrain::exact::update::cmd_bits`]),
//!   `cmd_seed`. A word with reserved bits or mode 3 is taken, ignored and flagged on `cmd_error`;
//!   grid fields are not range-checked here (the host encodes with `UpdateCommand::encode`, which is). Accepted only when the pipeline is empty and no reseed runs; a pending command blocks
//!   new data (`in_ready` low) so the pipeline drains first. A reseed keeps `in_ready` low for `L·131`
//!   cycles.
//! * input: `in_valid`/`in_ready`, `w_in[L]`, `u_in[L]`, `in_last` (passed through to `out_last`).
//! * output: `out_valid`/`out_ready`, `w_out[L]`, `q_out[L]`, `out_last`, and the packer's side band
//!   `pack_valid`/`pack_word` (a completed 64-bit sign word rides on the beat that completes it).
//!
//! **Pipeline**: three stages with one enable `en = !out_valid || out_ready`; `in_ready = en` (unless
//! a command or reseed is pending). Throughput one beat (L weights) per cycle, latency 3 cycles from the
//! input handshake to `out_valid`. No word is dropped or duplicated under any back-pressure: a stalled
//! output freezes every stage. `sat_count`: lanes clipped since power-on or the last clearing command
//! (saturating at 2^32 − 1), counted at the output handshake.
//! Software twin: [`qtrain::exact::update::UpdateUnitModel`].

use qtrain::hw::UpdateParams;
use qtrain::QtrainError;
use rust_hdl::prelude::*;

use super::lane::UpdateLane;
use super::lfsr::LaneLfsr;
use super::packer::SignPacker;
use super::seeder::Seeder;

/// The update unit with `L` lanes, `WB`-bit weights and `UB`-bit steps.
#[derive(LogicBlock)]
pub struct UpdateUnit<const L: usize, const WB: usize, const UB: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// A command is offered.
    pub cmd_valid: Signal<In, Bit>,
    /// The unit takes the command this cycle (pipeline empty, not reseeding).
    pub cmd_ready: Signal<Out, Bit>,
    /// Command word 0 (mode, grid, pack, reseed, clear, filter length).
    pub cmd_word: Signal<In, Bits<64>>,
    /// Command word 1: the seed.
    pub cmd_seed: Signal<In, Bits<64>>,
    /// An input beat is offered.
    pub in_valid: Signal<In, Bit>,
    /// The unit takes the input beat this cycle.
    pub in_ready: Signal<Out, Bit>,
    /// Last beat of a packet (passed through).
    pub in_last: Signal<In, Bit>,
    /// Weights, lane l.
    pub w_in: [Signal<In, Bits<WB>>; L],
    /// Steps, lane l.
    pub u_in: [Signal<In, Bits<UB>>; L],
    /// An output beat is offered.
    pub out_valid: Signal<Out, Bit>,
    /// The consumer takes the output beat this cycle.
    pub out_ready: Signal<In, Bit>,
    /// `in_last` of this beat.
    pub out_last: Signal<Out, Bit>,
    /// Updated weights (`w'` or BC's `w_r'`).
    pub w_out: [Signal<Out, Bits<WB>>; L],
    /// Forward weights `Q(·)`.
    pub q_out: [Signal<Out, Bits<WB>>; L],
    /// This beat completes a packed sign word.
    pub pack_valid: Signal<Out, Bit>,
    /// The packed sign word (valid with `pack_valid`).
    pub pack_word: Signal<Out, Bits<64>>,
    /// Saturation counter.
    pub sat_count: Signal<Out, Bits<32>>,
    /// Sticky: a command had reserved bits (63..32) set or mode 3, and was ignored. Cleared by a
    /// valid command with the clear bit.
    pub cmd_error: Signal<Out, Bit>,
    lane: [UpdateLane<WB, UB>; L],
    rng: [LaneLfsr; L],
    packer: SignPacker<L>,
    seeder: Seeder,
    mode_sr: DFF<Bit>,
    mode_bc: DFF<Bit>,
    binary: DFFWithInit<Bit>,
    k_q: DFF<Bits<5>>,
    d_q: DFF<Bits<5>>,
    pack_en: DFF<Bit>,
    len_q: DFF<Bits<16>>,
    v1: DFF<Bit>,
    v2: DFF<Bit>,
    v3: DFF<Bit>,
    last1: DFF<Bit>,
    last2: DFF<Bit>,
    last3: DFF<Bit>,
    sat_q: DFF<Bits<32>>,
    err_q: DFF<Bit>,
    bad: Signal<Local, Bit>,
    en: Signal<Local, Bit>,
    load: Signal<Local, Bit>,
    accept: Signal<Local, Bit>,
    fire: Signal<Local, Bit>,
    dd: Signal<Local, Bits<5>>,
    off: Signal<Local, Bits<32>>,
    lo: Signal<Local, Bits<32>>,
    hi: Signal<Local, Bits<32>>,
    step: Signal<Local, Bits<32>>,
    fmask: Signal<Local, Bits<32>>,
    half: Signal<Local, Bits<32>>,
    signs: Signal<Local, Bits<L>>,
    sat_add: Signal<Local, Bits<32>>,
    sat_sum: Signal<Local, Bits<32>>,
    one32: Constant<Bits<32>>,
    w_one: Constant<Bits<32>>,
    w_neg_one: Constant<Bits<32>>,
    bin_d: Constant<Bits<5>>,
    sat_max: Constant<Bits<32>>,
}

impl<const L: usize, const WB: usize, const UB: usize> UpdateUnit<L, WB, UB> {
    /// The unit for `p`; errors when `p` is invalid or disagrees with `L`, `WB`, `UB`.
    pub fn new(p: &UpdateParams) -> Result<Self, QtrainError> {
        p.validate()?;
        if p.lanes != L
            || p.w_format.total_bits as usize != WB
            || p.u_format.total_bits as usize != UB
        {
            return Err(QtrainError::Config {
                field: "update".into(),
                msg: format!(
                    "parameters (lanes {}, w {} bits, u {} bits) do not match the instance ({L}, {WB}, {UB})",
                    p.lanes, p.w_format.total_bits, p.u_format.total_bits
                ),
            });
        }
        let wf = p.w_format.frac_bits;
        let one = 1u64 << wf;
        Ok(Self {
            clock: Default::default(),
            cmd_valid: Default::default(),
            cmd_ready: Default::default(),
            cmd_word: Default::default(),
            cmd_seed: Default::default(),
            in_valid: Default::default(),
            in_ready: Default::default(),
            in_last: Default::default(),
            w_in: std::array::from_fn(|_| Default::default()),
            u_in: std::array::from_fn(|_| Default::default()),
            out_valid: Default::default(),
            out_ready: Default::default(),
            out_last: Default::default(),
            w_out: std::array::from_fn(|_| Default::default()),
            q_out: std::array::from_fn(|_| Default::default()),
            pack_valid: Default::default(),
            pack_word: Default::default(),
            sat_count: Default::default(),
            lane: std::array::from_fn(|_| UpdateLane::new(p)),
            rng: std::array::from_fn(|l| LaneLfsr::new(&p.lfsr, p.sr_bits, l as u8)),
            packer: Default::default(),
            seeder: Seeder::new(&p.lfsr, L),
            mode_sr: Default::default(),
            mode_bc: Default::default(),
            binary: DFFWithInit::new(true),
            k_q: Default::default(),
            d_q: Default::default(),
            pack_en: Default::default(),
            len_q: Default::default(),
            v1: Default::default(),
            v2: Default::default(),
            v3: Default::default(),
            last1: Default::default(),
            last2: Default::default(),
            last3: Default::default(),
            sat_q: Default::default(),
            err_q: Default::default(),
            bad: Default::default(),
            cmd_error: Default::default(),
            en: Default::default(),
            load: Default::default(),
            accept: Default::default(),
            fire: Default::default(),
            dd: Default::default(),
            off: Default::default(),
            lo: Default::default(),
            hi: Default::default(),
            step: Default::default(),
            fmask: Default::default(),
            half: Default::default(),
            signs: Default::default(),
            sat_add: Default::default(),
            sat_sum: Default::default(),
            one32: Constant::new(bits(1)),
            w_one: Constant::new(bits(one)),
            w_neg_one: Constant::new(bits((one as u32).wrapping_neg() as u64)),
            bin_d: Constant::new(bits(wf as u64 + 1)),
            sat_max: Constant::new(bits(u32::MAX as u64)),
        })
    }
}

impl<const L: usize, const WB: usize, const UB: usize> Logic for UpdateUnit<L, WB, UB> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, mode_sr, mode_bc, binary, k_q, d_q, pack_en, len_q, v1, v2, v3, last1,
            last2, last3, sat_q, err_q
        );
        clock!(self, clock, packer, seeder);
        // Handshakes.
        self.en.next = !self.v3.q.val() || self.out_ready.val();
        self.cmd_ready.next =
            !self.v1.q.val() && !self.v2.q.val() && !self.v3.q.val() && !self.seeder.busy.val();
        self.accept.next = self.cmd_valid.val() && self.cmd_ready.val();
        self.in_ready.next = self.en.val() && !self.seeder.busy.val() && !self.cmd_valid.val();
        self.load.next = self.in_valid.val() && self.in_ready.val();
        self.fire.next = self.v3.q.val() && self.out_ready.val();
        // Command register (a malformed command is taken but ignored, and flagged).
        self.bad.next = self.cmd_word.val().get_bits::<32>(32).any()
            || (self.cmd_word.val().get_bits::<2>(0) == 3);
        if self.accept.val() && self.bad.val() {
            self.err_q.d.next = true;
        }
        if self.accept.val() && !self.bad.val() && self.cmd_word.val().get_bit(15) {
            self.err_q.d.next = false;
        }
        self.cmd_error.next = self.err_q.q.val();
        if self.accept.val() && !self.bad.val() {
            self.mode_sr.d.next = self.cmd_word.val().get_bits::<2>(0) == 1;
            self.mode_bc.d.next = self.cmd_word.val().get_bits::<2>(0) == 2;
            self.binary.d.next = self.cmd_word.val().get_bit(2);
            self.k_q.d.next = self.cmd_word.val().get_bits::<5>(3);
            self.d_q.d.next = self.cmd_word.val().get_bits::<5>(8);
            self.pack_en.d.next = self.cmd_word.val().get_bit(13);
            self.len_q.d.next = self.cmd_word.val().get_bits::<16>(16);
        }
        self.seeder.start.next =
            self.accept.val() && !self.bad.val() && self.cmd_word.val().get_bit(14);
        self.seeder.seed.next = self.cmd_seed.val();
        // The grid in raw units (binary: offset 1.0, step 2.0, range [-1, 1]).
        if self.binary.q.val() {
            self.dd.next = self.bin_d.val();
            self.off.next = self.w_one.val();
            self.lo.next = self.w_neg_one.val();
            self.hi.next = self.w_one.val();
        } else {
            self.dd.next = self.d_q.q.val();
            self.off.next = 0.into();
            self.lo.next = !(self.one32.val() << (self.k_q.q.val() + self.d_q.q.val() - 1)) + 1;
            self.hi.next = ((self.one32.val() << (self.k_q.q.val() - 1)) - 1) << self.d_q.q.val();
        }
        self.step.next = self.one32.val() << self.dd.val();
        self.fmask.next = self.step.val() - 1;
        self.half.next = self.step.val() >> 1;
        // Lanes and their LFSRs.
        self.signs.next = 0.into();
        self.sat_add.next = 0.into();
        for i in 0..L {
            self.lane[i].clock.next = self.clock.val();
            self.rng[i].clock.next = self.clock.val();
            self.rng[i].step.next = self.load.val() && self.mode_sr.q.val();
            self.rng[i].load.next = self.seeder.load.val();
            self.rng[i].sel.next = self.seeder.lane.val();
            self.rng[i].load_state.next = self.seeder.state.val();
            self.lane[i].en.next = self.en.val();
            self.lane[i].w_in.next = self.w_in[i].val();
            self.lane[i].u_in.next = self.u_in[i].val();
            self.lane[i].draw_in.next = self.rng[i].draw.val();
            self.lane[i].sr.next = self.mode_sr.q.val();
            self.lane[i].bc.next = self.mode_bc.q.val();
            self.lane[i].off.next = bit_cast::<WB, 32>(self.off.val());
            self.lane[i].lo.next = bit_cast::<WB, 32>(self.lo.val());
            self.lane[i].hi.next = bit_cast::<WB, 32>(self.hi.val());
            self.lane[i].step.next = bit_cast::<WB, 32>(self.step.val());
            self.lane[i].fmask.next = bit_cast::<WB, 32>(self.fmask.val());
            self.lane[i].half.next = bit_cast::<WB, 32>(self.half.val());
            self.lane[i].d.next = self.dd.val();
            self.w_out[i].next = self.lane[i].w_out.val();
            self.q_out[i].next = self.lane[i].q_out.val();
            self.signs.next = self.signs.val().replace_bit(i, self.lane[i].sign.val());
            if self.lane[i].sat.val() {
                self.sat_add.next = self.sat_add.val() + 1;
            }
        }
        // Stage valid bits.
        if self.en.val() {
            self.v1.d.next = self.load.val();
            self.v2.d.next = self.v1.q.val();
            self.v3.d.next = self.v2.q.val();
            self.last1.d.next = self.in_last.val();
            self.last2.d.next = self.last1.q.val();
            self.last3.d.next = self.last2.q.val();
        }
        self.out_valid.next = self.v3.q.val();
        self.out_last.next = self.last3.q.val();
        // Packer.
        self.packer.take.next = self.fire.val() && self.pack_en.q.val();
        self.packer.clear.next = self.accept.val() && !self.bad.val();
        self.packer.signs.next = self.signs.val();
        self.packer.len.next = self.len_q.q.val();
        self.pack_valid.next = self.v3.q.val() && self.pack_en.q.val() && self.packer.emit.val();
        self.pack_word.next = self.packer.word.val();
        // Saturation counter (saturating).
        self.sat_sum.next = self.sat_q.q.val() + self.sat_add.val();
        if self.fire.val() {
            if self.sat_sum.val() < self.sat_q.q.val() {
                self.sat_q.d.next = self.sat_max.val();
            } else {
                self.sat_q.d.next = self.sat_sum.val();
            }
        }
        if self.accept.val() && !self.bad.val() && self.cmd_word.val().get_bit(15) {
            self.sat_q.d.next = 0.into();
        }
        self.sat_count.next = self.sat_q.q.val();
    }
}
