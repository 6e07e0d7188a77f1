//! The accelerator top's transaction router: parses each header word, routes its payload to the
//! conv engine or (through the gearbox) to the update unit, frames the response with `last`, answers
//! counters reads and bad headers, and counts. Wire format: [`qtrain::exact::accel`].
//!
//! Two parts: the state machine — the register [`FsmRegs`] between [`RouterCtl`] (outputs) and
//! [`RouterNext`] (next state), `#[hdl_gen]`, so its Rust model is its Verilog — and the data path
//! [`RouterData`], a hand-written leaf that moves the wide words the state machine selects (header
//! fields, command words, the beat buffer, lane packing, the response word). This block holds the
//! register and wires the parts to the router's ports.

use rust_hdl::prelude::*;

use super::router_data::RouterData;
use super::router_fsm::{FsmRegs, RouterCtl, RouterNext};
use crate::stream::ports::word_stream_block;
use crate::stream::Wide;

pub use super::router_fsm::STATE_NAMES;

word_stream_block! {
    /// The transaction router between the top's skid buffers and the two blocks. Ports: the host's word
    /// streams ([`crate::stream::ports`]; `in_last` accepted, not interpreted: headers carry lengths;
    /// `out_last` on the final word of a response, `out_ready` from the output buffer), then the conv
    /// engine's streams (`c_…`) and the update unit's ports (`u_…`).
    #[derive(LogicBlock)]
    pub struct Router<const L: usize, const WB: usize, const UB: usize> {
        /// Conv engine input word.
        pub c_in_data: Signal<Out, Wide<1>>,
        /// Conv engine input valid.
        pub c_in_valid: Signal<Out, Bit>,
        /// Conv engine input last (final payload word).
        pub c_in_last: Signal<Out, Bit>,
        /// Conv engine takes the word.
        pub c_in_ready: Signal<In, Bit>,
        /// Conv engine output word.
        pub c_out_data: Signal<In, Wide<1>>,
        /// Conv engine output valid.
        pub c_out_valid: Signal<In, Bit>,
        /// Conv engine output last (final word of an image).
        pub c_out_last: Signal<In, Bit>,
        /// Router takes the conv output word.
        pub c_out_ready: Signal<Out, Bit>,
        /// Update command offered.
        pub u_cmd_valid: Signal<Out, Bit>,
        /// Update unit takes the command.
        pub u_cmd_ready: Signal<In, Bit>,
        /// Update command word 0.
        pub u_cmd_word: Signal<Out, Bits<64>>,
        /// Update command word 1 (seed).
        pub u_cmd_seed: Signal<Out, Bits<64>>,
        /// An assembled beat is offered.
        pub u_in_valid: Signal<Out, Bit>,
        /// The unit takes the beat.
        pub u_in_ready: Signal<In, Bit>,
        /// The beat is the transaction's final one.
        pub u_in_last: Signal<Out, Bit>,
        /// Beat weights, lane l.
        pub u_w: [Signal<Out, Bits<WB>>; L],
        /// Beat steps, lane l.
        pub u_u: [Signal<Out, Bits<UB>>; L],
        /// The unit offers an output beat.
        pub u_out_valid: Signal<In, Bit>,
        /// Router takes the output beat (after its final word went out).
        pub u_out_ready: Signal<Out, Bit>,
        /// The unit's `out_last` (not interpreted).
        pub u_out_last: Signal<In, Bit>,
        /// Updated weights, lane l.
        pub u_w_out: [Signal<In, Bits<WB>>; L],
        /// Forward weights, lane l.
        pub u_q_out: [Signal<In, Bits<WB>>; L],
        /// The beat carries a packed sign word.
        pub u_pack_valid: Signal<In, Bit>,
        /// The packed sign word.
        pub u_pack_word: Signal<In, Bits<64>>,
        /// The unit's saturation counter.
        pub u_sat_count: Signal<In, Bits<32>>,
        /// The unit's sticky command-error flag.
        pub u_cmd_error: Signal<In, Bit>,
        /// The state machine's registers.
        pub regs: DFF<FsmRegs>,
        /// The state machine's outputs.
        pub ctl: RouterCtl,
        /// The state machine's next state.
        pub next: RouterNext,
        /// The data path.
        pub data: RouterData<L, WB, UB>,
    }
}

impl<const L: usize, const WB: usize, const UB: usize> Default for Router<L, WB, UB> {
    fn default() -> Self {
        Self {
            clock: Default::default(),
            in_data: Default::default(),
            in_valid: Default::default(),
            in_last: Default::default(),
            in_ready: Default::default(),
            out_data: Default::default(),
            out_valid: Default::default(),
            out_last: Default::default(),
            out_ready: Default::default(),
            c_in_data: Default::default(),
            c_in_valid: Default::default(),
            c_in_last: Default::default(),
            c_in_ready: Default::default(),
            c_out_data: Default::default(),
            c_out_valid: Default::default(),
            c_out_last: Default::default(),
            c_out_ready: Default::default(),
            u_cmd_valid: Default::default(),
            u_cmd_ready: Default::default(),
            u_cmd_word: Default::default(),
            u_cmd_seed: Default::default(),
            u_in_valid: Default::default(),
            u_in_ready: Default::default(),
            u_in_last: Default::default(),
            u_w: std::array::from_fn(|_| Default::default()),
            u_u: std::array::from_fn(|_| Default::default()),
            u_out_valid: Default::default(),
            u_out_ready: Default::default(),
            u_out_last: Default::default(),
            u_w_out: std::array::from_fn(|_| Default::default()),
            u_q_out: std::array::from_fn(|_| Default::default()),
            u_pack_valid: Default::default(),
            u_pack_word: Default::default(),
            u_sat_count: Default::default(),
            u_cmd_error: Default::default(),
            regs: Default::default(),
            ctl: RouterCtl::new(RouterData::<L, WB, UB>::NWO),
            next: RouterNext::new(RouterData::<L, WB, UB>::NBI),
            data: Default::default(),
        }
    }
}

impl<const L: usize, const WB: usize, const UB: usize> Router<L, WB, UB> {
    /// The current state's description (for stall reports).
    pub fn state_name(&self) -> &'static str {
        super::router_fsm::state_name(&self.regs.q.val())
    }

    /// Payload words the current transaction still expects.
    pub fn remaining(&self) -> u32 {
        self.regs.q.val().remaining.to_u32()
    }
}

impl<const L: usize, const WB: usize, const UB: usize> Logic for Router<L, WB, UB> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, regs);
        clock!(self, clock, data);
        self.regs.d.next = self.next.regs_n.val();
        self.ctl.r_state.next = self.regs.q.val().state;
        self.ctl.r_remaining.next = self.regs.q.val().remaining;
        self.ctl.r_images.next = self.regs.q.val().images;
        self.ctl.r_ifull.next = self.regs.q.val().ifull;
        self.ctl.r_ilast.next = self.regs.q.val().ilast;
        self.ctl.r_pk.next = self.regs.q.val().pk;
        self.ctl.r_ocnt.next = self.regs.q.val().ocnt;
        self.ctl.r_icnt.next = self.regs.q.val().icnt;
        self.ctl.r_cidx.next = self.regs.q.val().cidx;
        self.next.regs.next = self.regs.q.val();
        // host word: its header fields to the state machine, the word itself to the data path
        self.data.in_data.next = self.in_data.val();
        self.data.in_last.next = self.in_last.val();
        self.ctl.in_valid.next = self.in_valid.val();
        self.next.in_valid.next = self.in_valid.val();
        self.ctl.h_conv_cmd.next = self.data.h_conv_cmd.val();
        self.next.h_op.next = self.data.h_op.val();
        self.next.h_tag.next = self.data.h_tag.val();
        self.next.h_rsvd_zero.next = self.data.h_rsvd_zero.val();
        self.next.h_len.next = self.data.h_len.val();
        self.next.h_lo.next = self.data.h_lo.val();
        self.next.h_conv_cmd.next = self.data.h_conv_cmd.val();
        self.next.h_images.next = self.data.h_images.val();
        self.in_ready.next = self.ctl.in_ready.val();
        self.next.in_ready.next = self.ctl.in_ready.val();
        // response
        self.ctl.out_ready.next = self.out_ready.val();
        self.next.out_ready.next = self.out_ready.val();
        self.out_valid.next = self.ctl.out_valid.val();
        self.next.out_valid.next = self.ctl.out_valid.val();
        self.out_last.next = self.ctl.out_last.val();
        self.out_data.next = self.data.out_data.val();
        self.data.out_sel.next = self.ctl.out_sel.val();
        self.data.err.next = self.regs.q.val().err;
        self.data.hdr_lo.next = self.regs.q.val().hdr_lo;
        self.data.trunc.next = self.regs.q.val().trunc;
        self.data.ocnt.next = self.regs.q.val().ocnt;
        self.data.cidx.next = self.regs.q.val().cidx;
        self.data.n_conv_busy.next = self.regs.q.val().c_busy;
        self.data.n_conv_in.next = self.regs.q.val().c_in;
        self.data.n_conv_out.next = self.regs.q.val().c_out;
        self.data.n_update_busy.next = self.regs.q.val().u_busy;
        self.data.n_update_in.next = self.regs.q.val().u_in;
        self.data.n_update_out.next = self.regs.q.val().u_out;
        self.data.n_trans.next = self.regs.q.val().trans;
        self.data.n_err.next = self.regs.q.val().errs;
        // conv engine
        self.c_in_data.next = self.data.c_in_data.val();
        self.c_in_valid.next = self.ctl.c_in_valid.val();
        self.c_in_last.next = self.ctl.c_in_last.val();
        self.ctl.c_in_ready.next = self.c_in_ready.val();
        self.data.c_out_data.next = self.c_out_data.val();
        self.ctl.c_out_valid.next = self.c_out_valid.val();
        self.ctl.c_out_last.next = self.c_out_last.val();
        self.next.c_out_last.next = self.c_out_last.val();
        self.c_out_ready.next = self.ctl.c_out_ready.val();
        // update unit
        self.data.shift.next = self.ctl.shift.val();
        self.data.ld_cmd0.next = self.ctl.ld_cmd0.val();
        self.data.ld_cmd1.next = self.ctl.ld_cmd1.val();
        self.u_cmd_valid.next = self.ctl.u_cmd_valid.val();
        self.next.u_cmd_ready.next = self.u_cmd_ready.val();
        self.u_cmd_word.next = self.data.u_cmd_word.val();
        self.u_cmd_seed.next = self.data.u_cmd_seed.val();
        self.u_in_valid.next = self.ctl.u_in_valid.val();
        self.next.u_in_valid.next = self.ctl.u_in_valid.val();
        self.next.u_in_ready.next = self.u_in_ready.val();
        self.u_in_last.next = self.ctl.u_in_last.val();
        for l in 0..L {
            self.u_w[l].next = self.data.u_w[l].val();
            self.u_u[l].next = self.data.u_u[l].val();
            self.data.u_w_out[l].next = self.u_w_out[l].val();
            self.data.u_q_out[l].next = self.u_q_out[l].val();
        }
        self.ctl.u_out_valid.next = self.u_out_valid.val();
        self.next.u_out_valid.next = self.u_out_valid.val();
        self.u_out_ready.next = self.ctl.u_out_ready.val();
        self.next.u_out_ready.next = self.ctl.u_out_ready.val();
        self.data.u_out_last.next = self.u_out_last.val();
        self.next.u_pack_valid.next = self.u_pack_valid.val();
        self.data.u_pack_word.next = self.u_pack_word.val();
        self.data.u_sat_count.next = self.u_sat_count.val();
        self.data.u_cmd_error.next = self.u_cmd_error.val();
    }
}
