//! The router's state machine, one `#[hdl_gen]` description (its Rust model and its Verilog are
//! the same code), in two combinational halves around one register [`FsmRegs`] that
//! [`super::router::Router`] holds: [`RouterCtl`] (outputs from the registers and the handshake
//! inputs) and [`RouterNext`] (the registers' next value). Kept apart because the update unit's
//! `in_ready` depends on the router's `u_out_ready`: in one block, the outputs would appear to
//! depend on the unit's ready signals (Verilator: UNOPTFLAT). It takes each header, routes the payload to the conv engine or into the update
//! gearbox, frames the response with `last`, answers counter reads and bad headers, and counts.
//! It decides; [`super::router_data::RouterData`] moves the wide words it selects. Wire format and
//! every field, op and error code: [`qtrain::exact::accel`].
//!
//! States ([`route_state`]): `HDR` (take a header) · `DROP` (consume a bad header's payload) · `ERR`
//! (send the error word) · `CONV_FIRST` / `CONV` (forward `len` words to the conv engine, pass its
//! output through until its `images`-th `last`) · `UCMD` / `UOFFER` (take the 2 command words, offer
//! them to the unit) · `URUN` (assemble beats, hand them over, serialise output beats) · `USTAT`
//! (status word) · `CNT` (counter words). One transaction at a time: the next header is taken only
//! after the response's final word has been handed to the output buffer.

use rust_hdl::prelude::*;

use qtrain::exact::accel::{self as wire, Op, COUNTER_WORDS};

use super::router_data::out_sel;

/// Router state codes (plain constants, as in the seeder: an enum's localparams would be
/// re-declared, unused, in the state register's own module, which `verilator -Wall` flags).
pub mod route_state {
    /// Waiting for a header.
    pub const HDR: u64 = 0;
    /// Dropping a bad header's payload.
    pub const DROP: u64 = 1;
    /// Sending an error word.
    pub const ERR: u64 = 2;
    /// Waiting for the conv command word.
    pub const CONV_FIRST: u64 = 3;
    /// Running a conv transaction.
    pub const CONV: u64 = 4;
    /// Taking the update command words.
    pub const UCMD: u64 = 5;
    /// Waiting for the update unit to take its command.
    pub const UOFFER: u64 = 6;
    /// Running an update transaction.
    pub const URUN: u64 = 7;
    /// Sending the update status word.
    pub const USTAT: u64 = 8;
    /// Sending counters.
    pub const CNT: u64 = 9;
}

/// The router's state names (for stall reports), indexed by state code.
pub const STATE_NAMES: [&str; 10] = [
    "waiting for a header",
    "dropping a bad header's payload",
    "sending an error word",
    "waiting for the conv command word",
    "running a conv transaction",
    "taking the update command words",
    "waiting for the update unit to take its command",
    "running an update transaction",
    "sending the update status word",
    "sending counters",
];

/// Every register of the state machine, one packed word.
#[derive(Clone, Copy, Debug, PartialEq, Default, LogicStruct)]
pub struct FsmRegs {
    /// State code ([`route_state`]).
    pub state: Bits<4>,
    /// Payload words still expected.
    pub remaining: Bits<32>,
    /// Conv output images still owed.
    pub images: Bits<32>,
    /// The last header's low half (for the error word).
    pub hdr_lo: Bits<32>,
    /// Words of the beat (or command) taken.
    pub icnt: Bits<8>,
    /// Beats handed to the unit, output not yet sent.
    pub pend: Bits<8>,
    /// Word of the output beat on the stream.
    pub ocnt: Bits<8>,
    /// Error code.
    pub err: Bits<8>,
    /// A whole beat is assembled.
    pub ifull: Bit,
    /// The assembled beat is the transaction's last.
    pub ilast: Bit,
    /// The transaction ended inside a beat.
    pub trunc: Bit,
    /// The output beat carries a pack word.
    pub pk: Bit,
    /// Counter word on the stream.
    pub cidx: Bits<4>,
    /// Counter: conv busy cycles.
    pub c_busy: Bits<64>,
    /// Counter: conv words in.
    pub c_in: Bits<64>,
    /// Counter: conv words out.
    pub c_out: Bits<64>,
    /// Counter: update busy cycles.
    pub u_busy: Bits<64>,
    /// Counter: update words in.
    pub u_in: Bits<64>,
    /// Counter: update words out.
    pub u_out: Bits<64>,
    /// Counter: transactions.
    pub trans: Bits<32>,
    /// Counter: bad transactions.
    pub errs: Bits<32>,
}

/// The state machine's outputs: functions of the registers ([`FsmRegs`] fields, each its own port
/// so that every input bit is used) and the handshake inputs only.
#[derive(LogicBlock)]
pub struct RouterCtl {
    /// Register `state` of [`FsmRegs`].
    pub r_state: Signal<In, Bits<4>>,
    /// Register `remaining` of [`FsmRegs`].
    pub r_remaining: Signal<In, Bits<32>>,
    /// Register `images` of [`FsmRegs`].
    pub r_images: Signal<In, Bits<32>>,
    /// Register `ifull` of [`FsmRegs`].
    pub r_ifull: Signal<In, Bit>,
    /// Register `ilast` of [`FsmRegs`].
    pub r_ilast: Signal<In, Bit>,
    /// Register `pk` of [`FsmRegs`].
    pub r_pk: Signal<In, Bit>,
    /// Register `ocnt` of [`FsmRegs`].
    pub r_ocnt: Signal<In, Bits<8>>,
    /// Register `icnt` of [`FsmRegs`].
    pub r_icnt: Signal<In, Bits<8>>,
    /// Register `cidx` of [`FsmRegs`].
    pub r_cidx: Signal<In, Bits<4>>,
    /// Host word valid.
    pub in_valid: Signal<In, Bit>,
    /// The host word is a conv command word.
    pub h_conv_cmd: Signal<In, Bit>,
    /// The output buffer takes the response word.
    pub out_ready: Signal<In, Bit>,
    /// Conv engine takes the word.
    pub c_in_ready: Signal<In, Bit>,
    /// Conv engine output valid.
    pub c_out_valid: Signal<In, Bit>,
    /// Conv engine output last (final word of an image).
    pub c_out_last: Signal<In, Bit>,
    /// The unit offers an output beat.
    pub u_out_valid: Signal<In, Bit>,
    /// Router takes the host word.
    pub in_ready: Signal<Out, Bit>,
    /// Response word valid.
    pub out_valid: Signal<Out, Bit>,
    /// Final word of a response.
    pub out_last: Signal<Out, Bit>,
    /// Which word the data path puts on the response ([`out_sel`]).
    pub out_sel: Signal<Out, Bits<3>>,
    /// Conv engine input valid.
    pub c_in_valid: Signal<Out, Bit>,
    /// Conv engine input last (final payload word).
    pub c_in_last: Signal<Out, Bit>,
    /// Router takes the conv output word.
    pub c_out_ready: Signal<Out, Bit>,
    /// Update command offered.
    pub u_cmd_valid: Signal<Out, Bit>,
    /// An assembled beat is offered.
    pub u_in_valid: Signal<Out, Bit>,
    /// The beat is the transaction's final one.
    pub u_in_last: Signal<Out, Bit>,
    /// Router takes the output beat (after its final word went out).
    pub u_out_ready: Signal<Out, Bit>,
    /// Shift the host word into the beat buffer.
    pub shift: Signal<Out, Bit>,
    /// Load the host word as update command word 0.
    pub ld_cmd0: Signal<Out, Bit>,
    /// Load the host word as update command word 1.
    pub ld_cmd1: Signal<Out, Bit>,
    in_fire: Signal<Local, Bit>,
    s_hdr: Constant<Bits<4>>,
    s_drop: Constant<Bits<4>>,
    s_err: Constant<Bits<4>>,
    s_conv_first: Constant<Bits<4>>,
    s_conv: Constant<Bits<4>>,
    s_ucmd: Constant<Bits<4>>,
    s_uoffer: Constant<Bits<4>>,
    s_urun: Constant<Bits<4>>,
    s_ustat: Constant<Bits<4>>,
    s_cnt: Constant<Bits<4>>,
    sel_error: Constant<Bits<3>>,
    sel_conv: Constant<Bits<3>>,
    sel_beat: Constant<Bits<3>>,
    sel_status: Constant<Bits<3>>,
    sel_counter: Constant<Bits<3>>,
    nwo: Constant<Bits<8>>,
    nwo1: Constant<Bits<8>>,
    cnt_last: Constant<Bits<4>>,
}

impl RouterCtl {
    /// For beats of `nwo` output words of lanes (the pack word, when a beat has one, follows them).
    pub fn new(nwo: usize) -> Self {
        use route_state as rs;
        Self {
            r_state: Default::default(),
            r_remaining: Default::default(),
            r_images: Default::default(),
            r_ifull: Default::default(),
            r_ilast: Default::default(),
            r_pk: Default::default(),
            r_ocnt: Default::default(),
            r_icnt: Default::default(),
            r_cidx: Default::default(),
            in_valid: Default::default(),
            h_conv_cmd: Default::default(),
            out_ready: Default::default(),
            c_in_ready: Default::default(),
            c_out_valid: Default::default(),
            c_out_last: Default::default(),
            u_out_valid: Default::default(),
            in_ready: Default::default(),
            out_valid: Default::default(),
            out_last: Default::default(),
            out_sel: Default::default(),
            c_in_valid: Default::default(),
            c_in_last: Default::default(),
            c_out_ready: Default::default(),
            u_cmd_valid: Default::default(),
            u_in_valid: Default::default(),
            u_in_last: Default::default(),
            u_out_ready: Default::default(),
            shift: Default::default(),
            ld_cmd0: Default::default(),
            ld_cmd1: Default::default(),
            in_fire: Default::default(),
            s_hdr: Constant::new(bits::<4>(rs::HDR)),
            s_drop: Constant::new(bits::<4>(rs::DROP)),
            s_err: Constant::new(bits::<4>(rs::ERR)),
            s_conv_first: Constant::new(bits::<4>(rs::CONV_FIRST)),
            s_conv: Constant::new(bits::<4>(rs::CONV)),
            s_ucmd: Constant::new(bits::<4>(rs::UCMD)),
            s_uoffer: Constant::new(bits::<4>(rs::UOFFER)),
            s_urun: Constant::new(bits::<4>(rs::URUN)),
            s_ustat: Constant::new(bits::<4>(rs::USTAT)),
            s_cnt: Constant::new(bits::<4>(rs::CNT)),
            sel_error: Constant::new(bits::<3>(out_sel::ERROR)),
            sel_conv: Constant::new(bits::<3>(out_sel::CONV)),
            sel_beat: Constant::new(bits::<3>(out_sel::BEAT)),
            sel_status: Constant::new(bits::<3>(out_sel::STATUS)),
            sel_counter: Constant::new(bits::<3>(out_sel::COUNTER)),
            nwo: Constant::new(bits::<8>(nwo as u64)),
            nwo1: Constant::new(bits::<8>(nwo as u64 - 1)),
            cnt_last: Constant::new(bits::<4>(COUNTER_WORDS as u64 - 1)),
        }
    }
}

/// The registers' next value: [`FsmRegs`] after this clock edge.
#[derive(LogicBlock)]
pub struct RouterNext {
    /// The registers.
    pub regs: Signal<In, FsmRegs>,
    /// Host word valid.
    pub in_valid: Signal<In, Bit>,
    /// Header field of the host word: op.
    pub h_op: Signal<In, Bits<4>>,
    /// Header field: tag.
    pub h_tag: Signal<In, Bits<4>>,
    /// Header bits 31:8 are zero.
    pub h_rsvd_zero: Signal<In, Bit>,
    /// Header field: payload length.
    pub h_len: Signal<In, Bits<32>>,
    /// Header bits 31:0.
    pub h_lo: Signal<In, Bits<32>>,
    /// The host word is a conv command word.
    pub h_conv_cmd: Signal<In, Bit>,
    /// The conv command word's images − 1.
    pub h_images: Signal<In, Bits<16>>,
    /// [`RouterCtl::in_ready`].
    pub in_ready: Signal<In, Bit>,
    /// [`RouterCtl::out_valid`].
    pub out_valid: Signal<In, Bit>,
    /// The output buffer takes the response word.
    pub out_ready: Signal<In, Bit>,
    /// Conv engine output last.
    pub c_out_last: Signal<In, Bit>,
    /// Update unit takes the command.
    pub u_cmd_ready: Signal<In, Bit>,
    /// [`RouterCtl::u_in_valid`].
    pub u_in_valid: Signal<In, Bit>,
    /// The unit takes the beat.
    pub u_in_ready: Signal<In, Bit>,
    /// The unit offers an output beat.
    pub u_out_valid: Signal<In, Bit>,
    /// [`RouterCtl::u_out_ready`].
    pub u_out_ready: Signal<In, Bit>,
    /// The beat carries a packed sign word.
    pub u_pack_valid: Signal<In, Bit>,
    /// The registers after the edge.
    pub regs_n: Signal<Out, FsmRegs>,
    in_fire: Signal<Local, Bit>,
    out_fire: Signal<Local, Bit>,
    handed: Signal<Local, Bit>,
    done: Signal<Local, Bit>,
    s_hdr: Constant<Bits<4>>,
    s_drop: Constant<Bits<4>>,
    s_err: Constant<Bits<4>>,
    s_conv_first: Constant<Bits<4>>,
    s_conv: Constant<Bits<4>>,
    s_ucmd: Constant<Bits<4>>,
    s_uoffer: Constant<Bits<4>>,
    s_urun: Constant<Bits<4>>,
    s_ustat: Constant<Bits<4>>,
    s_cnt: Constant<Bits<4>>,
    tag: Constant<Bits<4>>,
    op_conv: Constant<Bits<4>>,
    op_update: Constant<Bits<4>>,
    op_counters: Constant<Bits<4>>,
    e_tag: Constant<Bits<8>>,
    e_op: Constant<Bits<8>>,
    e_len: Constant<Bits<8>>,
    e_conv_cmd: Constant<Bits<8>>,
    nbi1: Constant<Bits<8>>,
    cnt_last: Constant<Bits<4>>,
}

impl RouterNext {
    /// For beats of `nbi` input words.
    pub fn new(nbi: usize) -> Self {
        use route_state as rs;
        Self {
            regs: Default::default(),
            in_valid: Default::default(),
            h_op: Default::default(),
            h_tag: Default::default(),
            h_rsvd_zero: Default::default(),
            h_len: Default::default(),
            h_lo: Default::default(),
            h_conv_cmd: Default::default(),
            h_images: Default::default(),
            in_ready: Default::default(),
            out_valid: Default::default(),
            out_ready: Default::default(),
            c_out_last: Default::default(),
            u_cmd_ready: Default::default(),
            u_in_valid: Default::default(),
            u_in_ready: Default::default(),
            u_out_valid: Default::default(),
            u_out_ready: Default::default(),
            u_pack_valid: Default::default(),
            regs_n: Default::default(),
            in_fire: Default::default(),
            out_fire: Default::default(),
            handed: Default::default(),
            done: Default::default(),
            s_hdr: Constant::new(bits::<4>(rs::HDR)),
            s_drop: Constant::new(bits::<4>(rs::DROP)),
            s_err: Constant::new(bits::<4>(rs::ERR)),
            s_conv_first: Constant::new(bits::<4>(rs::CONV_FIRST)),
            s_conv: Constant::new(bits::<4>(rs::CONV)),
            s_ucmd: Constant::new(bits::<4>(rs::UCMD)),
            s_uoffer: Constant::new(bits::<4>(rs::UOFFER)),
            s_urun: Constant::new(bits::<4>(rs::URUN)),
            s_ustat: Constant::new(bits::<4>(rs::USTAT)),
            s_cnt: Constant::new(bits::<4>(rs::CNT)),
            tag: Constant::new(bits::<4>(wire::TAG)),
            op_conv: Constant::new(bits::<4>(Op::Conv as u64)),
            op_update: Constant::new(bits::<4>(Op::Update as u64)),
            op_counters: Constant::new(bits::<4>(Op::Counters as u64)),
            e_tag: Constant::new(bits::<8>(wire::ERR_TAG)),
            e_op: Constant::new(bits::<8>(wire::ERR_OP)),
            e_len: Constant::new(bits::<8>(wire::ERR_LEN)),
            e_conv_cmd: Constant::new(bits::<8>(wire::ERR_CONV_CMD)),
            nbi1: Constant::new(bits::<8>(nbi as u64 - 1)),
            cnt_last: Constant::new(bits::<4>(COUNTER_WORDS as u64 - 1)),
        }
    }
}

impl Logic for RouterCtl {
    #[hdl_gen]
    fn update(&mut self) {
        self.in_ready.next = false;
        self.out_valid.next = false;
        self.out_last.next = false;
        self.out_sel.next = 0.into();
        self.c_in_valid.next = false;
        self.c_out_ready.next = false;
        self.u_cmd_valid.next = false;
        self.u_in_valid.next = false;
        self.u_out_ready.next = false;
        self.c_in_last.next = self.r_remaining.val() == 1;
        self.u_in_last.next = self.r_ilast.val();
        if (self.r_state.val() == self.s_hdr.val())
            || (self.r_state.val() == self.s_drop.val())
            || (self.r_state.val() == self.s_ucmd.val())
        {
            self.in_ready.next = true;
        } else if self.r_state.val() == self.s_err.val() {
            self.out_valid.next = true;
            self.out_sel.next = self.sel_error.val();
            self.out_last.next = true;
        } else if self.r_state.val() == self.s_conv_first.val() {
            self.c_in_valid.next = self.in_valid.val() && self.h_conv_cmd.val();
            self.in_ready.next = !self.h_conv_cmd.val() || self.c_in_ready.val();
        } else if self.r_state.val() == self.s_conv.val() {
            self.c_in_valid.next = self.in_valid.val() && self.r_remaining.val().any();
            self.in_ready.next = self.r_remaining.val().any() && self.c_in_ready.val();
            self.out_valid.next = self.c_out_valid.val();
            self.out_sel.next = self.sel_conv.val();
            self.out_last.next = self.c_out_last.val() && (self.r_images.val() == 1);
            self.c_out_ready.next = self.out_ready.val();
        } else if self.r_state.val() == self.s_uoffer.val() {
            self.u_cmd_valid.next = true;
        } else if self.r_state.val() == self.s_urun.val() {
            self.in_ready.next = self.r_remaining.val().any() && !self.r_ifull.val();
            self.u_in_valid.next = self.r_ifull.val();
            self.out_valid.next = self.u_out_valid.val();
            self.out_sel.next = self.sel_beat.val();
            // `pk`: the beat's pack_valid, registered with its first word (ocnt ≥ 1 here), so
            // that u_out_ready does not depend combinationally on the unit's packer.
            if self.r_pk.val() {
                self.u_out_ready.next =
                    self.out_ready.val() && (self.r_ocnt.val() == self.nwo.val());
            } else {
                self.u_out_ready.next =
                    self.out_ready.val() && (self.r_ocnt.val() == self.nwo1.val());
            }
        } else if self.r_state.val() == self.s_ustat.val() {
            self.out_valid.next = true;
            self.out_sel.next = self.sel_status.val();
            self.out_last.next = true;
        } else if self.r_state.val() == self.s_cnt.val() {
            self.out_valid.next = true;
            self.out_sel.next = self.sel_counter.val();
            self.out_last.next = self.r_cidx.val() == self.cnt_last.val();
        }
        self.in_fire.next = self.in_valid.val() && self.in_ready.val();
        self.shift.next = self.in_fire.val() && (self.r_state.val() == self.s_urun.val());
        self.ld_cmd0.next = self.in_fire.val()
            && (self.r_state.val() == self.s_ucmd.val())
            && !self.r_icnt.val().any();
        self.ld_cmd1.next = self.in_fire.val()
            && (self.r_state.val() == self.s_ucmd.val())
            && self.r_icnt.val().any();
    }
}

impl Logic for RouterNext {
    #[hdl_gen]
    fn update(&mut self) {
        self.in_fire.next = self.in_valid.val() && self.in_ready.val();
        self.out_fire.next = self.out_valid.val() && self.out_ready.val();
        self.handed.next = self.u_in_valid.val() && self.u_in_ready.val();
        self.done.next = self.u_out_ready.val() && self.u_out_valid.val();
        self.regs_n.next = self.regs.val();
        if self.regs.val().state == self.s_hdr.val() {
            if self.in_fire.val() {
                self.regs_n.next.trans = self.regs.val().trans + 1;
                self.regs_n.next.hdr_lo = self.h_lo.val();
                self.regs_n.next.remaining = self.h_len.val();
                if self.h_tag.val() != self.tag.val() {
                    self.regs_n.next.err = self.e_tag.val();
                    self.regs_n.next.state = self.s_err.val();
                } else if !self.h_rsvd_zero.val()
                    || ((self.h_op.val() != self.op_conv.val())
                        && (self.h_op.val() != self.op_update.val())
                        && (self.h_op.val() != self.op_counters.val()))
                {
                    self.regs_n.next.err = self.e_op.val();
                    if self.h_len.val().any() {
                        self.regs_n.next.state = self.s_drop.val();
                    } else {
                        self.regs_n.next.state = self.s_err.val();
                    }
                } else if self.h_op.val() == self.op_conv.val() {
                    if self.h_len.val().any() {
                        self.regs_n.next.state = self.s_conv_first.val();
                    } else {
                        self.regs_n.next.err = self.e_len.val();
                        self.regs_n.next.state = self.s_err.val();
                    }
                } else if self.h_op.val() == self.op_update.val() {
                    if self.h_len.val() < 2 {
                        self.regs_n.next.err = self.e_len.val();
                        if self.h_len.val().any() {
                            self.regs_n.next.state = self.s_drop.val();
                        } else {
                            self.regs_n.next.state = self.s_err.val();
                        }
                    } else {
                        self.regs_n.next.state = self.s_ucmd.val();
                        self.regs_n.next.icnt = 0.into();
                        self.regs_n.next.ocnt = 0.into();
                        self.regs_n.next.pend = 0.into();
                        self.regs_n.next.ifull = false;
                        self.regs_n.next.trunc = false;
                    }
                } else if self.h_len.val().any() {
                    self.regs_n.next.err = self.e_len.val();
                    self.regs_n.next.state = self.s_drop.val();
                } else {
                    self.regs_n.next.state = self.s_cnt.val();
                    self.regs_n.next.cidx = 0.into();
                }
            }
        } else if self.regs.val().state == self.s_drop.val() {
            if self.in_fire.val() {
                self.regs_n.next.remaining = self.regs.val().remaining - 1;
                if self.regs.val().remaining == 1 {
                    self.regs_n.next.state = self.s_err.val();
                }
            }
        } else if self.regs.val().state == self.s_err.val() {
            if self.out_fire.val() {
                self.regs_n.next.errs = self.regs.val().errs + 1;
                self.regs_n.next.state = self.s_hdr.val();
            }
        } else if self.regs.val().state == self.s_conv_first.val() {
            self.regs_n.next.c_busy = self.regs.val().c_busy + 1;
            if self.in_fire.val() {
                self.regs_n.next.remaining = self.regs.val().remaining - 1;
                if self.h_conv_cmd.val() {
                    self.regs_n.next.c_in = self.regs.val().c_in + 1;
                    self.regs_n.next.images = bit_cast::<32, 16>(self.h_images.val()) + 1;
                    self.regs_n.next.state = self.s_conv.val();
                } else {
                    self.regs_n.next.err = self.e_conv_cmd.val();
                    if self.regs.val().remaining == 1 {
                        self.regs_n.next.state = self.s_err.val();
                    } else {
                        self.regs_n.next.state = self.s_drop.val();
                    }
                }
            }
        } else if self.regs.val().state == self.s_conv.val() {
            self.regs_n.next.c_busy = self.regs.val().c_busy + 1;
            if self.in_fire.val() {
                self.regs_n.next.c_in = self.regs.val().c_in + 1;
                self.regs_n.next.remaining = self.regs.val().remaining - 1;
            }
            if self.out_fire.val() {
                self.regs_n.next.c_out = self.regs.val().c_out + 1;
                if self.c_out_last.val() {
                    self.regs_n.next.images = self.regs.val().images - 1;
                }
            }
            if !self.regs_n.val().remaining.any() && !self.regs_n.val().images.any() {
                self.regs_n.next.state = self.s_hdr.val();
            }
        } else if self.regs.val().state == self.s_ucmd.val() {
            self.regs_n.next.u_busy = self.regs.val().u_busy + 1;
            if self.in_fire.val() {
                self.regs_n.next.u_in = self.regs.val().u_in + 1;
                self.regs_n.next.remaining = self.regs.val().remaining - 1;
                if self.regs.val().icnt.any() {
                    self.regs_n.next.icnt = 0.into();
                    self.regs_n.next.state = self.s_uoffer.val();
                } else {
                    self.regs_n.next.icnt = 1.into();
                }
            }
        } else if self.regs.val().state == self.s_uoffer.val() {
            self.regs_n.next.u_busy = self.regs.val().u_busy + 1;
            if self.u_cmd_ready.val() {
                self.regs_n.next.state = self.s_urun.val();
            }
        } else if self.regs.val().state == self.s_urun.val() {
            self.regs_n.next.u_busy = self.regs.val().u_busy + 1;
            if self.in_fire.val() {
                self.regs_n.next.u_in = self.regs.val().u_in + 1;
                self.regs_n.next.remaining = self.regs.val().remaining - 1;
                if self.regs.val().icnt == self.nbi1.val() {
                    self.regs_n.next.icnt = 0.into();
                    self.regs_n.next.ifull = true;
                    self.regs_n.next.ilast = self.regs.val().remaining == 1;
                } else {
                    self.regs_n.next.icnt = self.regs.val().icnt + 1;
                }
            }
            if self.handed.val() {
                self.regs_n.next.ifull = false;
            }
            if self.out_fire.val() {
                self.regs_n.next.u_out = self.regs.val().u_out + 1;
                if self.done.val() {
                    self.regs_n.next.ocnt = 0.into();
                } else {
                    self.regs_n.next.ocnt = self.regs.val().ocnt + 1;
                }
                if !self.regs.val().ocnt.any() {
                    self.regs_n.next.pk = self.u_pack_valid.val();
                }
            }
            if self.handed.val() && !self.done.val() {
                self.regs_n.next.pend = self.regs.val().pend + 1;
            }
            if self.done.val() && !self.handed.val() {
                self.regs_n.next.pend = self.regs.val().pend - 1;
            }
            if !self.regs_n.val().remaining.any()
                && !self.regs_n.val().ifull
                && !self.regs_n.val().pend.any()
            {
                if self.regs_n.val().icnt.any() {
                    self.regs_n.next.trunc = true;
                    self.regs_n.next.icnt = 0.into();
                }
                self.regs_n.next.state = self.s_ustat.val();
            }
        } else if self.regs.val().state == self.s_ustat.val() {
            self.regs_n.next.u_busy = self.regs.val().u_busy + 1;
            if self.out_fire.val() {
                self.regs_n.next.u_out = self.regs.val().u_out + 1;
                self.regs_n.next.state = self.s_hdr.val();
            }
        } else if self.regs.val().state == self.s_cnt.val() && self.out_fire.val() {
            self.regs_n.next.cidx = self.regs.val().cidx + 1;
            if self.regs.val().cidx == self.cnt_last.val() {
                self.regs_n.next.state = self.s_hdr.val();
            }
        }
    }
}

/// The state's description (for stall reports).
pub fn state_name(r: &FsmRegs) -> &'static str {
    STATE_NAMES
        .get(r.state.index())
        .copied()
        .unwrap_or("in an unknown state")
}
