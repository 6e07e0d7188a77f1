//! The router state machine's output half ([`super::router_fsm`]): what the router drives this cycle —
//! readies, valids, `last`, the response-word select and the data path's load strobes — from the
//! registers and the handshake inputs only.

use rust_hdl::prelude::*;

use qtrain::exact::accel::COUNTER_WORDS;

use super::router_data::out_sel;
use super::router_fsm::route_state;

/// The state machine's outputs: functions of the registers ([`FsmRegs`](super::router_fsm::FsmRegs) fields, each its own port
/// so that every input bit is used) and the handshake inputs only.
#[derive(LogicBlock)]
pub struct RouterCtl {
    /// Register `state` of [`FsmRegs`](super::router_fsm::FsmRegs).
    pub r_state: Signal<In, Bits<4>>,
    /// Register `remaining` of [`FsmRegs`](super::router_fsm::FsmRegs).
    pub r_remaining: Signal<In, Bits<32>>,
    /// Register `images` of [`FsmRegs`](super::router_fsm::FsmRegs).
    pub r_images: Signal<In, Bits<32>>,
    /// Register `ifull` of [`FsmRegs`](super::router_fsm::FsmRegs).
    pub r_ifull: Signal<In, Bit>,
    /// Register `ilast` of [`FsmRegs`](super::router_fsm::FsmRegs).
    pub r_ilast: Signal<In, Bit>,
    /// Register `pk` of [`FsmRegs`](super::router_fsm::FsmRegs).
    pub r_pk: Signal<In, Bit>,
    /// Register `ocnt` of [`FsmRegs`](super::router_fsm::FsmRegs).
    pub r_ocnt: Signal<In, Bits<8>>,
    /// Register `icnt` of [`FsmRegs`](super::router_fsm::FsmRegs).
    pub r_icnt: Signal<In, Bits<8>>,
    /// Register `cidx` of [`FsmRegs`](super::router_fsm::FsmRegs).
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
