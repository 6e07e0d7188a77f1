//! # The conv engine: binary-weight 3×3 convolution on bit-serial activations
//!
//! One layer at a time (a time-multiplexed overlay, see DESIGN.md): the host streams a command
//! word, the layer's parameters and weights, then the activations of every image; the engine
//! streams back each image's requantised (optionally pooled) output. Both streams are 64-bit
//! valid/ready with `last`, registered by a [`SkidBuffer`] at each port.
//!
//! ```text
//! in ─► skid ─► Loader ─┬─► RequantUnit params        PeArray ─► RequantUnit ─► MaxPool ─► OutputUnit ─► skid ─► out
//!                       ├─► WeightBuffer ───────────────▲ ▲ ▲                                  │ freed
//!                       ├─► FilterConstant ─────────────┘ │ │                                  ▼
//!                       └─► LineBuffer ─► WindowUnit ─► WindowBuffer          Sequencer (reads, credits)
//! ```
//!
//! ## Input stream of a layer
//! 1. **Command word** ([`qtrain::exact::geometry::ConvLayer::command_word`]): opcode `0xC`, C_in,
//!    C_out, H, W, A_in, A_out, the 2×2 max-pool flag, the requant shift sh and the image count, at
//!    the positions of the field table [`qtrain::exact::command_word::CONV_FIELDS`]. While idle the
//!    engine drops any word whose opcode is not 0xC, and it takes the next command only after the
//!    previous layer's last output word has left the output unit.
//! 2. **C_out requant words**: `[15:0]` M_c (i16), `[47:16]` B_c (i32) (`Requant::param_word`).
//! 3. **Weights**: C_out filters × ceil(9·C_in/64) words, `qtrain::exact::pack` layout.
//! 4. **Activations**, per image: H·W pixels row-major, each A_in bit-planes of ceil(C_in/64) words
//!    (`qtrain::exact::bitplanes`).
//!
//! ## Output stream
//! Per image: out_h·out_w pixels, each A_out planes of ceil(C_out/64) words; `last` on the final
//! word of each image. Value: `qtrain::exact::xnor_conv::conv_layer`, bit for bit.
//!
//! ## Timing
//! The PE array takes one P×S chunk a cycle: a pixel takes NF·A_in·SF cycles
//! ([`qtrain::exact::geometry::ConvLayer::ideal_cycles`]), overlapped with loading (line buffer of 4
//! row slots) and window building (double-buffered). Start-up per image ≈ loading two rows.
//! Limits: P a power of two ≤ 64, S a multiple of 64, H, W, C and A within the ranges of the
//! command word's fields, and W·A_in·ceil(C_in/64) ≤ `line_row_words`.

use rust_hdl::prelude::*;

use qtrain::hw::ConvParams;

use crate::conv::{
    filter_constant::FilterConstant, line_buffer::LineBuffer, loader::Loader, max_pool::MaxPool,
    output::OutputUnit, pe_array::PeArray, requant::RequantUnit, sequencer::Sequencer,
    shape::Sizes, weight_buffer::WeightBuffer, window::WindowUnit, window_buffer::WindowBuffer,
};
use crate::error::HdlError;
use crate::export::named_verilog;
use crate::stream::ports::word_stream_block;
use crate::stream::words::word_stream;
use crate::stream::{SkidBuffer, Wide};

word_stream_block! {
    /// The conv engine with P PEs and S = 64·SW SIMD lanes (PSW = P·SW).
    ///
    /// Ports: the word streams ([`crate::stream::ports`]); `in_last` is accepted, not interpreted;
    /// `out_last` marks the final word of an image.
    #[derive(LogicBlock)]
    pub struct ConvEngine<const P: usize, const SW: usize, const PSW: usize> {
        in_skid: SkidBuffer<Wide<1>>,
        loader: Loader,
        weights: WeightBuffer<PSW>,
        konst: FilterConstant<P>,
        lines: LineBuffer,
        window: WindowUnit,
        winbuf: WindowBuffer<SW>,
        seq: Sequencer,
        pes: PeArray<P, SW, PSW>,
        requant: RequantUnit<P>,
        pooler: MaxPool<P>,
        outu: OutputUnit<P>,
        out_skid: SkidBuffer<Wide<1>>,
    }
}

/// The default configuration: P = 16, S = 64 (1024 XNOR lanes).
pub type DefaultConvEngine = ConvEngine<16, 1, 16>;

impl<const P: usize, const SW: usize, const PSW: usize> ConvEngine<P, SW, PSW> {
    /// Build an engine; `cp.pe`/`cp.simd` must equal P and 64·SW.
    pub fn new(cp: &ConvParams) -> qtrain::error::Result<Self> {
        cp.validate()?;
        let bad = |msg: String| {
            Err(qtrain::error::QtrainError::Config {
                field: "conv".into(),
                msg,
            })
        };
        if cp.pe != P || cp.simd != 64 * SW || P * SW != PSW {
            return bad(format!(
                "ConvEngine<{P}, {SW}, {PSW}> needs pe = {P}, simd = {}, got pe = {}, simd = {}",
                64 * SW,
                cp.pe,
                cp.simd
            ));
        }
        if !P.is_power_of_two() || P > 64 {
            return bad(format!("pe = {P} must be a power of two ≤ 64"));
        }
        if cp.max_h > 64 || cp.max_w > 64 || cp.max_c_in > 1024 || cp.max_c_out > 1024 {
            return bad("max_h/max_w ≤ 64 and max_c_in/max_c_out ≤ 1024".into());
        }
        let sz = Sizes::new(cp);
        if 4 * sz.row > 65535 || sz.nf_max * sz.sf_max > 65535 || 2 * sz.bank_chunks * SW > 65535 {
            return bad("a buffer exceeds 16 address bits".into());
        }
        Ok(ConvEngine {
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
            loader: Loader::new(sz),
            weights: WeightBuffer::new(sz),
            konst: FilterConstant::new(sz),
            lines: LineBuffer::new(sz),
            window: WindowUnit::new(sz),
            winbuf: WindowBuffer::new(sz),
            seq: Sequencer::new(sz),
            pes: PeArray::new(sz),
            requant: RequantUnit::new(sz),
            pooler: MaxPool::new(sz),
            outu: OutputUnit::new(sz),
            out_skid: Default::default(),
        })
    }
}

impl<const P: usize, const SW: usize, const PSW: usize> Logic for ConvEngine<P, SW, PSW> {
    #[hdl_gen]
    fn update(&mut self) {
        self.in_skid.clock.next = self.clock.val();
        self.loader.clock.next = self.clock.val();
        self.weights.clock.next = self.clock.val();
        self.konst.clock.next = self.clock.val();
        self.lines.clock.next = self.clock.val();
        self.window.clock.next = self.clock.val();
        self.winbuf.clock.next = self.clock.val();
        self.seq.clock.next = self.clock.val();
        self.pes.clock.next = self.clock.val();
        self.requant.clock.next = self.clock.val();
        self.pooler.clock.next = self.clock.val();
        self.outu.clock.next = self.clock.val();
        self.out_skid.clock.next = self.clock.val();
        // input port → skid → loader
        self.in_skid.in_data.next = self.in_data.val();
        self.in_skid.in_valid.next = self.in_valid.val();
        self.in_skid.in_last.next = self.in_last.val();
        self.in_ready.next = self.in_skid.in_ready.val();
        self.loader.in_data.next = self.in_skid.out_data.val();
        self.loader.in_valid.next = self.in_skid.out_valid.val();
        self.loader.in_last.next = self.in_skid.out_last.val();
        self.in_skid.out_ready.next = self.loader.in_ready.val();
        self.loader.busy.next = self.outu.busy.val();
        self.loader.win_row.next = self.window.win_row.val();
        self.loader.img_r.next = self.window.img_r.val();
        // layer registers
        self.weights.cmd.next = self.loader.cmd.val();
        self.konst.cmd.next = self.loader.cmd.val();
        self.window.cmd.next = self.loader.cmd.val();
        self.seq.cmd.next = self.loader.cmd.val();
        self.pes.cmd.next = self.loader.cmd.val();
        self.requant.cmd.next = self.loader.cmd.val();
        self.pooler.cmd.next = self.loader.cmd.val();
        self.outu.cmd.next = self.loader.cmd.val();
        self.window.start.next = self.loader.start.val();
        self.seq.start.next = self.loader.start.val();
        self.requant.start.next = self.loader.start.val();
        self.pooler.start.next = self.loader.start.val();
        self.outu.start.next = self.loader.start.val();
        // parameter and weight writes
        self.requant.pw_en.next = self.loader.pw_en.val();
        self.requant.pw_addr.next = self.loader.pw_addr.val();
        self.requant.wr_data.next = self.loader.wr_data.val();
        self.weights.ww_en.next = self.loader.ww_en.val();
        self.weights.ww_filter.next = self.loader.ww_filter.val();
        self.weights.ww_word.next = self.loader.ww_word.val();
        self.weights.wr_data.next = self.loader.wr_data.val();
        self.konst.ww_en.next = self.loader.ww_en.val();
        self.konst.ww_filter.next = self.loader.ww_filter.val();
        self.konst.ww_word.next = self.loader.ww_word.val();
        self.konst.ww_last.next = self.loader.ww_last.val();
        self.konst.wr_data.next = self.loader.wr_data.val();
        // activations → line buffer → window unit → window buffer
        self.lines.aw_en.next = self.loader.aw_en.val();
        self.lines.aw_addr.next = self.loader.aw_addr.val();
        self.lines.wr_data.next = self.loader.wr_data.val();
        self.window.rows_done.next = self.loader.rows_done.val();
        self.window.img_w.next = self.loader.img_w.val();
        self.window.sp.next = self.seq.sp.val();
        self.lines.ra0.next = self.window.ra0.val();
        self.lines.ra1.next = self.window.ra1.val();
        self.window.rd0.next = self.lines.rd0.val();
        self.window.rd1.next = self.lines.rd1.val();
        self.winbuf.wb_en.next = self.window.wb_en.val();
        self.winbuf.wb_addr.next = self.window.wb_addr.val();
        self.winbuf.wb_data.next = self.window.wb_data.val();
        // sequencer → RAM reads → PE array
        self.seq.wp.next = self.window.wp.val();
        self.seq.freed.next = self.outu.freed.val();
        self.weights.rd_addr.next = self.seq.w_ra.val();
        self.winbuf.rd_addr.next = self.seq.win_ra.val();
        self.konst.rd_nf.next = self.seq.k_ra.val();
        self.pes.wgt.next = self.weights.rd_data.val();
        self.pes.win.next = self.winbuf.rd_data.val();
        self.pes.konst.next = self.konst.rd_data.val();
        self.pes.c_valid.next = self.seq.c_valid.val();
        self.pes.c_first.next = self.seq.c_first.val();
        self.pes.c_last.next = self.seq.c_last.val();
        self.pes.c_tail.next = self.seq.c_tail.val();
        self.pes.c_plane.next = self.seq.c_plane.val();
        // PE array → requant → pool → output → skid → output port
        self.requant.in_vals.next = self.pes.acc_out.val();
        self.requant.in_valid.next = self.pes.out_valid.val();
        self.pooler.in_vals.next = self.requant.out_vals.val();
        self.pooler.in_valid.next = self.requant.out_valid.val();
        self.outu.in_vals.next = self.pooler.out_vals.val();
        self.outu.in_valid.next = self.pooler.out_valid.val();
        self.out_skid.in_data.next = self.outu.o_data.val();
        self.out_skid.in_valid.next = self.outu.o_valid.val();
        self.out_skid.in_last.next = self.outu.o_last.val();
        self.outu.o_ready.next = self.out_skid.in_ready.val();
        self.out_data.next = self.out_skid.out_data.val();
        self.out_valid.next = self.out_skid.out_valid.val();
        self.out_last.next = self.out_skid.out_last.val();
        self.out_skid.out_ready.next = self.out_ready.val();
    }
}

/// Name of the exported top module (rust-hdl calls every top `top`).
pub const VERILOG_TOP: &str = "qtrain_conv_engine";

impl<const P: usize, const SW: usize, const PSW: usize> ConvEngine<P, SW, PSW> {
    /// The engine as Verilog, top module renamed to [`VERILOG_TOP`] (submodules `VERILOG_TOP$…`).
    /// Checks connectivity first (`check_all`); errors name the open signal.
    pub fn verilog(&mut self) -> Result<String, HdlError> {
        named_verilog(self, VERILOG_TOP)
    }
}

word_stream!([const P: usize, const SW: usize, const PSW: usize] ConvEngine<P, SW, PSW>);
