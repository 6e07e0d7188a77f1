//! The router state machine's next-state half ([`super::router_fsm`]): the registers ([`FsmRegs`])
//! after this clock edge, from the registers, the header fields of the host word and the handshakes.

use rust_hdl::prelude::*;

use qtrain::exact::accel::{self as wire, Op, COUNTER_WORDS};

use super::router_fsm::{route_state, FsmRegs};

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
    /// [`RouterCtl::in_ready`](super::router_ctl::RouterCtl::in_ready).
    pub in_ready: Signal<In, Bit>,
    /// [`RouterCtl::out_valid`](super::router_ctl::RouterCtl::out_valid).
    pub out_valid: Signal<In, Bit>,
    /// The output buffer takes the response word.
    pub out_ready: Signal<In, Bit>,
    /// Conv engine output last.
    pub c_out_last: Signal<In, Bit>,
    /// Update unit takes the command.
    pub u_cmd_ready: Signal<In, Bit>,
    /// [`RouterCtl::u_in_valid`](super::router_ctl::RouterCtl::u_in_valid).
    pub u_in_valid: Signal<In, Bit>,
    /// The unit takes the beat.
    pub u_in_ready: Signal<In, Bit>,
    /// The unit offers an output beat.
    pub u_out_valid: Signal<In, Bit>,
    /// [`RouterCtl::u_out_ready`](super::router_ctl::RouterCtl::u_out_ready).
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
