//! Per-filter constant: while the weights stream in, the popcount of each filter's bits (bits past
//! N = 9·C_in masked off) is accumulated, and at the filter's last word
//! `k_o = (2^A_in − 1)·(popcount(b_o) − N)` is stored (`qtrain::exact::xnor_conv::filter_constant`).
//! Read port: fold nf → the P constants of filters nf·P .. nf·P+P−1 (one cycle latency), each a
//! 64-bit two's-complement lane of `rd_data`; the PE array starts each accumulation from it.

use rust_hdl::prelude::*;

use crate::conv::shape::{addr_bits, verilog_decode, Shape, Sizes, VERILOG_DECODE_SINK};
use crate::stream::Wide;

/// Per-filter constant RAM (P lanes).
#[derive(LogicBlock)]
pub struct FilterConstant<const P: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Layer command.
    pub cmd: Signal<In, Wide<1>>,
    /// Weight word write (observed).
    pub ww_en: Signal<In, Bit>,
    /// Filter of the word.
    pub ww_filter: Signal<In, Bits<10>>,
    /// Word index in the filter.
    pub ww_word: Signal<In, Bits<8>>,
    /// Last word of the filter.
    pub ww_last: Signal<In, Bit>,
    /// The word.
    pub wr_data: Signal<In, Wide<1>>,
    /// Fold to read.
    pub rd_nf: Signal<In, Bits<10>>,
    /// Constants of that fold (previous cycle's address).
    pub rd_data: Signal<Out, Wide<P>>,
    _s: FcState<P>,
}

struct FcState<const P: usize> {
    sz: Sizes,
    pop: i64,
    mem: Vec<[u64; P]>,
}

impl<const P: usize> FilterConstant<P> {
    /// A constant RAM for an engine of the given sizes.
    pub fn new(sz: Sizes) -> Self {
        assert_eq!(sz.p, P, "FilterConstant: P mismatch");
        FilterConstant {
            clock: Default::default(),
            cmd: Default::default(),
            ww_en: Default::default(),
            ww_filter: Default::default(),
            ww_word: Default::default(),
            ww_last: Default::default(),
            wr_data: Default::default(),
            rd_nf: Default::default(),
            rd_data: Default::default(),
            _s: FcState {
                sz,
                pop: 0,
                mem: vec![[0; P]; sz.nf_max],
            },
        }
    }
}

impl<const P: usize> Logic for FilterConstant<P> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let sz = self._s.sz;
            let nf = self.rd_nf.val().index();
            self.rd_data.next = Wide(self._s.mem.get(nf).copied().unwrap_or([0; P]));
            if self.ww_en.val() {
                let sh = Shape::decode(self.cmd.val().0[0], sz.p, sz.s);
                let k = self.ww_word.val().index();
                let mut word = self.wr_data.val().0[0];
                if (k + 1) * 64 > sh.n {
                    word &= (1u64 << (sh.n % 64)) - 1;
                }
                let pop = if k == 0 { 0 } else { self._s.pop } + word.count_ones() as i64;
                self._s.pop = pop;
                if self.ww_last.val() {
                    let o = self.ww_filter.val().index();
                    let kv = ((1i64 << sh.a_in) - 1) * (pop - sh.n as i64);
                    if let Some(e) = self._s.mem.get_mut(o / P) {
                        e[o % P] = kv as u64;
                    }
                }
            }
        }
    }

    fn connect(&mut self) {
        self.rd_data.connect();
    }

    fn hdl(&self) -> Verilog {
        let sz = self._s.sz;
        let lp = addr_bits(P);
        Verilog::Custom(format!(
            "\
{dec}{sink}reg [{wm}:0] mem [0:{dm}];
reg [15:0] pop;
wire unused_addr = &{{1'b0, rd_nf, fold, 1'b0}};
initial pop = 16'd0;
function [6:0] popcount64;
    input [63:0] x;
    integer i;
    begin
        popcount64 = 7'd0;
        for (i = 0; i < 64; i = i + 1) popcount64 = popcount64 + {{6'd0, x[i]}};
    end
endfunction
// The constant is computed inside the clocked block, only in a cycle that writes a weight word
// (`tail_mask`, `pop_next`, `kval`: blocking temporaries, logic in front of the registers, no
// registers of their own): the same hardware, but a cycle-based simulator skips the popcount and the
// multiply in every other cycle.
reg [63:0] tail_mask;
reg [15:0] pop_next;
reg signed [31:0] kval;
wire [9:0] fold = ww_filter >> {lp_};
wire [9:0] lane = ww_filter & 10'd{pmask};
reg [{hm}:0] q;
// verilator lint_off BLKSEQ
always @(posedge clock) begin
    q <= mem[rd_nf];
    if (ww_en) begin
        tail_mask = ({{1'b0, ww_word}} + 9'd1) * 64 > {{6'd0, n_bits}} ? ((64'd1 << n_bits[5:0]) - 64'd1) : ~64'd0;
        pop_next = (ww_word == 8'd0 ? 16'd0 : pop) + {{9'd0, popcount64(wr_data & tail_mask)}};
        kval = ($signed({{16'd0, pop_next}}) - $signed({{17'd0, n_bits}})) * $signed({{23'd0, (9'd1 << a_in) - 9'd1}});
        pop <= pop_next;
        if (ww_last) mem[fold][lane*32 +: 32] <= kval;
    end
end
// verilator lint_on BLKSEQ
integer e;
always @(*) for (e = 0; e < {np}; e = e + 1) rd_data[e*64 +: 64] = {{{{32{{q[e*32+31]}}}}, q[e*32 +: 32]}};
",
            dec = verilog_decode(sz.p, sz.s),
            sink = VERILOG_DECODE_SINK,
            wm = P * 32 - 1,
            hm = P * 32 - 1,
            np = P,
            dm = sz.nf_max - 1,
            lp_ = if P == 1 { 0 } else { lp },
            pmask = P - 1
        ))
    }
}
