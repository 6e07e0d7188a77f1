//! Weight buffer: the layer's binary weights in block RAM, one entry of P·S bits per
//! (output-channel fold nf, SIMD fold sf) at address `nf·SF + sf`; lane p (filter nf·P + p) holds
//! window bits `[sf·S, sf·S + S)` of its filter. Written one 64-bit stream word at a time
//! (pack.rs layout: word k of filter o is lane `o mod P`, sub-word `k mod (S/64)` of entry
//! `(o / P)·SF + k / (S/64)`); read with one cycle of latency.

use rust_hdl::prelude::*;

use crate::conv::shape::{addr_bits, verilog_decode, Shape, Sizes, VERILOG_DECODE_SINK};
use crate::stream::Wide;

/// Weight RAM, PSW = P·S/64 words an entry.
#[derive(LogicBlock)]
pub struct WeightBuffer<const PSW: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Layer command.
    pub cmd: Signal<In, Wide<1>>,
    /// Write enable.
    pub ww_en: Signal<In, Bit>,
    /// Filter of the word.
    pub ww_filter: Signal<In, Bits<10>>,
    /// Word index in the filter.
    pub ww_word: Signal<In, Bits<8>>,
    /// The word.
    pub wr_data: Signal<In, Wide<1>>,
    /// Read address nf·SF + sf.
    pub rd_addr: Signal<In, Bits<16>>,
    /// Entry at `rd_addr` of the previous cycle.
    pub rd_data: Signal<Out, Wide<PSW>>,
    _s: WbState<PSW>,
}

struct WbState<const PSW: usize> {
    sz: Sizes,
    mem: Vec<[u64; PSW]>,
}

impl<const PSW: usize> WeightBuffer<PSW> {
    /// A weight buffer for an engine of the given sizes (P·S/64 must equal PSW).
    pub fn new(sz: Sizes) -> Self {
        assert_eq!(sz.p * sz.sw, PSW, "WeightBuffer: PSW must be P·S/64");
        WeightBuffer {
            clock: Default::default(),
            cmd: Default::default(),
            ww_en: Default::default(),
            ww_filter: Default::default(),
            ww_word: Default::default(),
            wr_data: Default::default(),
            rd_addr: Default::default(),
            rd_data: Default::default(),
            _s: WbState {
                sz,
                mem: vec![[0; PSW]; sz.nf_max * sz.sf_max],
            },
        }
    }
}

impl<const PSW: usize> Logic for WeightBuffer<PSW> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let sz = self._s.sz;
            let a = self.rd_addr.val().index();
            self.rd_data.next = Wide(self._s.mem.get(a).copied().unwrap_or([0; PSW]));
            if self.ww_en.val() {
                let sh = Shape::decode(self.cmd.val().0[0], sz.p, sz.s);
                let o = self.ww_filter.val().index();
                let k = self.ww_word.val().index();
                let entry = (o / sz.p) * sh.sf + k / sz.sw;
                let lane = (o % sz.p) * sz.sw + k % sz.sw;
                if let Some(e) = self._s.mem.get_mut(entry) {
                    e[lane] = self.wr_data.val().0[0];
                }
            }
        }
    }

    fn connect(&mut self) {
        self.rd_data.connect();
    }

    fn hdl(&self) -> Verilog {
        let sz = self._s.sz;
        let depth = sz.nf_max * sz.sf_max;
        let lp = addr_bits(sz.p);
        let lsw = addr_bits(sz.sw);
        // One 64-bit-wide memory per lane: each is a plain 1-write 1-read RAM that maps onto block
        // RAM (a single P·S-bit memory with lane write enables is mapped bit-sliced by yosys).
        let mut lanes = String::new();
        for g in 0..PSW {
            lanes.push_str(&format!(
                "reg [63:0] mem{g} [0:{dm}];\nreg [63:0] q{g};\nalways @(posedge clock) begin\n    q{g} <= mem{g}[rd_addr];\n    if (ww_en && lane == 16'd{g}) mem{g}[entry] <= wr_data;\nend\n",
                dm = depth - 1
            ));
        }
        let cat: Vec<String> = (0..PSW).rev().map(|g| format!("q{g}")).collect();
        Verilog::Custom(format!(
            "\
{dec}{sink}wire [9:0] lane_p = ww_filter & 10'd{pmask};
wire [9:0] fold = ww_filter >> {lp_};
wire [7:0] sub = ww_word & 8'd{swmask};
wire [15:0] entry = fold * sf + (ww_word >> {lsw_});
wire [15:0] lane = lane_p * 16'd{sw} + sub;
wire unused_wb = &{{1'b0, entry, rd_addr, lane, 1'b0}};
{lanes}always @(*) rd_data = {{{cat}}};
",
            dec = verilog_decode(sz.p, sz.s),
            sink = VERILOG_DECODE_SINK,
            pmask = sz.p - 1,
            lp_ = if sz.p == 1 { 0 } else { lp },
            swmask = sz.sw - 1,
            lsw_ = if sz.sw == 1 { 0 } else { lsw },
            sw = sz.sw,
            lanes = lanes,
            cat = cat.join(", ")
        ))
    }
}
