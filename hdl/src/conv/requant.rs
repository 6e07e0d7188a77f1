//! Requantise + ReLU: `a' = clamp((z·M_c + B_c) >> sh, 0, 2^A_out − 1)` for the P channels of each
//! fold the PE array finishes (`qtrain::exact::requant::Requant::apply`). M (i16) and B (i32) per
//! channel come from the parameter words (bits 15:0 and 47:16) the loader writes; sh and A_out from
//! the command. P multipliers; latency 1 cycle; one fold a cycle.

use rust_hdl::prelude::*;

use crate::conv::shape::{addr_bits, verilog_decode, Shape, Sizes, VERILOG_DECODE_SINK};
use crate::stream::Wide;

/// Requantisation unit (P lanes).
#[derive(LogicBlock)]
pub struct RequantUnit<const P: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Layer command.
    pub cmd: Signal<In, Wide<1>>,
    /// Layer start pulse.
    pub start: Signal<In, Bit>,
    /// Parameter write.
    pub pw_en: Signal<In, Bit>,
    /// Channel of the parameter word.
    pub pw_addr: Signal<In, Bits<10>>,
    /// Parameter word.
    pub wr_data: Signal<In, Wide<1>>,
    /// Accumulators of one fold.
    pub in_vals: Signal<In, Wide<P>>,
    /// Fold valid.
    pub in_valid: Signal<In, Bit>,
    /// Requantised values (one per 64-bit lane).
    pub out_vals: Signal<Out, Wide<P>>,
    /// Fold valid.
    pub out_valid: Signal<Out, Bit>,
    _s: RqState,
}

struct RqState {
    sz: Sizes,
    m: Vec<i16>,
    b: Vec<i32>,
    nf: usize,
}

impl<const P: usize> RequantUnit<P> {
    /// A requant unit for an engine of the given sizes.
    pub fn new(sz: Sizes) -> Self {
        assert_eq!(sz.p, P, "RequantUnit: P mismatch");
        let n = sz.nf_max * P;
        RequantUnit {
            clock: Default::default(),
            cmd: Default::default(),
            start: Default::default(),
            pw_en: Default::default(),
            pw_addr: Default::default(),
            wr_data: Default::default(),
            in_vals: Default::default(),
            in_valid: Default::default(),
            out_vals: Default::default(),
            out_valid: Default::default(),
            _s: RqState {
                sz,
                m: vec![0; n],
                b: vec![0; n],
                nf: 0,
            },
        }
    }
}

impl<const P: usize> Logic for RequantUnit<P> {
    fn update(&mut self) {
        if !self.clock.pos_edge() {
            return;
        }
        let s = &mut self._s;
        let sh = Shape::decode(self.cmd.val().0[0], s.sz.p, s.sz.s);
        if self.pw_en.val() {
            let a = self.pw_addr.val().index();
            let d = self.wr_data.val().0[0];
            if a < s.m.len() {
                s.m[a] = d as u16 as i16;
                s.b[a] = (d >> 16) as u32 as i32;
            }
        }
        self.out_valid.next = self.in_valid.val();
        if self.start.val() {
            s.nf = 0;
        } else if self.in_valid.val() {
            let z = self.in_vals.val();
            let mut o = [0u64; P];
            let top = (1i64 << sh.a_out) - 1;
            for (p, out) in o.iter_mut().enumerate() {
                let c = s.nf * P + p;
                let v = (z.0[p] as i32 as i64) * s.m[c] as i64 + s.b[c] as i64;
                *out = (v >> sh.sh).clamp(0, top) as u64;
            }
            self.out_vals.next = Wide(o);
            s.nf += 1;
            if s.nf == sh.nf {
                s.nf = 0;
            }
        }
    }

    fn connect(&mut self) {
        self.out_vals.connect();
        self.out_valid.connect();
    }

    fn hdl(&self) -> Verilog {
        let sz = self._s.sz;
        let lp = addr_bits(P);
        Verilog::Custom(format!(
            "\
{dec}{sink}wire unused_rq = &{{1'b0, in_vals, wr_data[63:48], 1'b0}};
reg [{pm}:0] prm [0:{dm}];
reg [10:0] nf_c;
reg [{pm}:0] row;
initial begin nf_c = 11'd0; out_valid = 1'b0; end
// registered (block-RAM) read, one fold ahead: the row of the fold after this one is read in the
// cycle this one is consumed
wire [10:0] nf_next = (nf_c + 11'd1 == nf) ? 11'd0 : nf_c + 11'd1;
wire [10:0] rd_a = start ? 11'd0 : (in_valid ? nf_next : nf_c);
always @(posedge clock) row <= prm[rd_a];
wire unused_rda = &{{1'b0, rd_a, 1'b0}};
reg [{om}:0] vals;
reg signed [47:0] prod;
reg signed [48:0] v;
reg signed [48:0] vs;
wire [8:0] top_v = (9'd1 << a_out) - 9'd1;
integer p;
// The requantisation runs inside the clocked block, only in a cycle that takes a fold (`prod`, `v`,
// `vs`, `vals` are blocking temporaries: combinational logic in front of `out_vals`, no registers
// of their own) — the same hardware as a separate `always @(*)`, but a cycle-based simulator
// skips the P multiplies in the other cycles (Verilator spent ~8 % of the top's time here).
// verilator lint_off BLKSEQ
always @(posedge clock) begin
    if (pw_en) prm[pw_addr >> {lp_}][(pw_addr & 10'd{pmask})*48 +: 48] <= wr_data[47:0];
    out_valid <= in_valid;
    if (start) nf_c <= 11'd0;
    else if (in_valid) begin
        for (p = 0; p < {np}; p = p + 1) begin
            prod = $signed(in_vals[p*64 +: 32]) * $signed(row[p*48 +: 16]);
            v = {{prod[47], prod}} + {{{{17{{row[p*48+47]}}}}, row[p*48+16 +: 32]}};
            vs = v >>> sh;
            if (vs[48]) vals[p*64 +: 64] = 64'd0;
            else if (vs > $signed({{40'd0, top_v}})) vals[p*64 +: 64] = {{55'd0, top_v}};
            else vals[p*64 +: 64] = {{56'd0, vs[7:0]}};
        end
        out_vals <= vals;
        nf_c <= nf_next;
    end
end
// verilator lint_on BLKSEQ
",
            dec = verilog_decode(sz.p, sz.s),
            sink = VERILOG_DECODE_SINK,
            pm = 48 * P - 1,
            dm = sz.nf_max - 1,
            om = 64 * P - 1,
            np = P,
            lp_ = if P == 1 { 0 } else { lp },
            pmask = P - 1
        ))
    }
}
