//! # `AccelTop`: the accelerator behind one input and one output stream (Verilog `qtrain_accel`)
//!
//! ```text
//! in ─► skid ─► Router ─┬─► ConvEngine ─────────────┐
//!                       │                           ├─► Router (response mux, `last`) ─► skid ─► out
//!                       └─► gearbox ─► UpdateUnit ──┘
//! ```
//!
//! Ports (AXI4-Stream style, a word moves when valid and ready are both high): `clock`,
//! `in_data[63:0]`, `in_valid`, `in_last`, `in_ready`, `out_data[63:0]`, `out_valid`, `out_last`,
//! `out_ready`. Both ports are registered by a [`SkidBuffer`]. The conv engine and the update unit are
//! the existing blocks, unchanged; the [`Router`] holds all new logic.
//!
//! **Command format** (header word + payload per transaction, one response ending in `last` each):
//! defined once in [`qtrain::exact::accel`]: `[3:0]` op (1 conv = load weights + run layer, 2 run
//! update, 3 read counters), `[7:4]` tag 0xA, `[63:32]` payload length. The conv payload is the
//! engine's own layer stream (its command word 0xC, requant words, weights, activations); the update
//! payload is the unit's two command words then beats of `w`/`u` lanes packed into 64-bit words (no
//! field straddles a word); counters return 8 words (busy cycles, words in and out of each block,
//! saturations, transactions and errors).

use rust_hdl::prelude::*;

use qtrain::hw::HwConfig;
use qtrain::QtrainError;

use super::router::Router;
use crate::conv::ConvEngine;
use crate::error::HdlError;
use crate::export::named_verilog;
use crate::stream::ports::word_stream_block;
use crate::stream::words::word_stream;
use crate::stream::{SkidBuffer, Wide};
use crate::update::UpdateUnit;

word_stream_block! {
    /// Conv engine with P PEs and S = 64·SW lanes (PSW = P·SW) and an update unit of L lanes with
    /// WB-bit weights and UB-bit steps, behind one stream pair.
    ///
    /// Ports: the word streams ([`crate::stream::ports`]); `in_last` is accepted, not interpreted (headers
    /// carry lengths); `out_last` marks the final word of a transaction's response.
    #[derive(LogicBlock)]
    pub struct AccelTop<
        const P: usize,
        const SW: usize,
        const PSW: usize,
        const L: usize,
        const WB: usize,
        const UB: usize,
    > {
        in_skid: SkidBuffer<Wide<1>>,
        /// The transaction router (public so that runners can report its state).
        pub router: Router<L, WB, UB>,
        conv: ConvEngine<P, SW, PSW>,
        upd: UpdateUnit<L, WB, UB>,
        out_skid: SkidBuffer<Wide<1>>,
    }
}

/// Name of the exported top module.
pub const ACCEL_TOP: &str = "qtrain_accel";

/// The default configuration: P = 16, S = 64 conv engine and the 16-lane, 16/8-bit update unit.
pub type DefaultAccelTop = AccelTop<16, 1, 16, 16, 16, 8>;

impl<
        const P: usize,
        const SW: usize,
        const PSW: usize,
        const L: usize,
        const WB: usize,
        const UB: usize,
    > AccelTop<P, SW, PSW, L, WB, UB>
{
    /// Build the top for `hw` (its conv and update sections must match the const generics).
    pub fn new(hw: &HwConfig) -> Result<Self, QtrainError> {
        Ok(Self {
            clock: Default::default(),
            in_data: Default::default(),
            in_valid: Default::default(),
            in_last: Default::default(),
            in_ready: Default::default(),
            out_data: Default::default(),
            out_valid: Default::default(),
            out_last: Default::default(),
            out_ready: Default::default(),
            in_skid: Default::default(),
            router: Default::default(),
            conv: ConvEngine::new(&hw.conv)?,
            upd: UpdateUnit::new(&hw.update)?,
            out_skid: Default::default(),
        })
    }

    /// The top as Verilog, top module renamed to [`ACCEL_TOP`] (submodules `qtrain_accel$…`).
    /// Checks connectivity first (`check_all`); errors name the open signal.
    pub fn verilog(&mut self) -> Result<String, HdlError> {
        named_verilog(self, ACCEL_TOP)
    }
}

word_stream!(
    [const P: usize, const SW: usize, const PSW: usize, const L: usize, const WB: usize, const UB: usize]
    AccelTop<P, SW, PSW, L, WB, UB>,
    activity = |top| format!(
        "the top is {} with {} payload words to come",
        top.router.state_name(),
        top.router.remaining()
    )
);

impl<
        const P: usize,
        const SW: usize,
        const PSW: usize,
        const L: usize,
        const WB: usize,
        const UB: usize,
    > Logic for AccelTop<P, SW, PSW, L, WB, UB>
{
    #[hdl_gen]
    fn update(&mut self) {
        clock!(self, clock, in_skid, router, conv, upd, out_skid);
        // input port → skid → router
        self.in_skid.in_data.next = self.in_data.val();
        self.in_skid.in_valid.next = self.in_valid.val();
        self.in_skid.in_last.next = self.in_last.val();
        self.in_ready.next = self.in_skid.in_ready.val();
        self.router.in_data.next = self.in_skid.out_data.val();
        self.router.in_valid.next = self.in_skid.out_valid.val();
        self.router.in_last.next = self.in_skid.out_last.val();
        self.in_skid.out_ready.next = self.router.in_ready.val();
        // router ↔ conv engine
        self.conv.in_data.next = self.router.c_in_data.val();
        self.conv.in_valid.next = self.router.c_in_valid.val();
        self.conv.in_last.next = self.router.c_in_last.val();
        self.router.c_in_ready.next = self.conv.in_ready.val();
        self.router.c_out_data.next = self.conv.out_data.val();
        self.router.c_out_valid.next = self.conv.out_valid.val();
        self.router.c_out_last.next = self.conv.out_last.val();
        self.conv.out_ready.next = self.router.c_out_ready.val();
        // router ↔ update unit
        self.upd.cmd_valid.next = self.router.u_cmd_valid.val();
        self.router.u_cmd_ready.next = self.upd.cmd_ready.val();
        self.upd.cmd_word.next = self.router.u_cmd_word.val();
        self.upd.cmd_seed.next = self.router.u_cmd_seed.val();
        self.upd.in_valid.next = self.router.u_in_valid.val();
        self.router.u_in_ready.next = self.upd.in_ready.val();
        self.upd.in_last.next = self.router.u_in_last.val();
        for i in 0..L {
            self.upd.w_in[i].next = self.router.u_w[i].val();
            self.upd.u_in[i].next = self.router.u_u[i].val();
            self.router.u_w_out[i].next = self.upd.w_out[i].val();
            self.router.u_q_out[i].next = self.upd.q_out[i].val();
        }
        self.router.u_out_valid.next = self.upd.out_valid.val();
        self.upd.out_ready.next = self.router.u_out_ready.val();
        self.router.u_out_last.next = self.upd.out_last.val();
        self.router.u_pack_valid.next = self.upd.pack_valid.val();
        self.router.u_pack_word.next = self.upd.pack_word.val();
        self.router.u_sat_count.next = self.upd.sat_count.val();
        self.router.u_cmd_error.next = self.upd.cmd_error.val();
        // router → skid → output port
        self.out_skid.in_data.next = self.router.out_data.val();
        self.out_skid.in_valid.next = self.router.out_valid.val();
        self.out_skid.in_last.next = self.router.out_last.val();
        self.router.out_ready.next = self.out_skid.in_ready.val();
        self.out_data.next = self.out_skid.out_data.val();
        self.out_valid.next = self.out_skid.out_valid.val();
        self.out_last.next = self.out_skid.out_last.val();
        self.out_skid.out_ready.next = self.out_ready.val();
    }
}
