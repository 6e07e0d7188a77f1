//! PE array: P processing elements, each an S-lane XNOR + popcount with a bit-plane shift and a
//! 32-bit accumulator: `acc ← (first ? k_o : acc) + (popcount(XNOR(b, a_j) ∧ mask) << j)`.
//! `mask` keeps the N − (SF−1)·S valid bits of the last SIMD fold (the tail), so stale weight and
//! window bits past N never count. Inputs arrive one cycle after the sequencer's control (the RAM
//! latency), so the control is delayed by one register here; at a fold's last chunk the P sums
//! (= `qtrain::exact::xnor_conv::xnor_conv` values) leave on `acc_out` with an `out_valid` pulse.
//! Throughput: one chunk a cycle; latency 2 cycles from the sequencer's issue.
//!
//! The datapath is a leaf block (Rust `update` + hand-written Verilog) because rust-hdl's own
//! simulation of a `#[hdl_gen]` popcount tree is 19× slower (notes/rust-hdl.md §4).

use rust_hdl::prelude::*;

use crate::conv::shape::{addr_bits, verilog_decode, Shape, Sizes, VERILOG_DECODE_SINK};
use crate::stream::Wide;

/// PE array: P PEs × S lanes (SW = S/64, PSW = P·SW).
#[derive(LogicBlock)]
pub struct PeArray<const P: usize, const SW: usize, const PSW: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Layer command.
    pub cmd: Signal<In, Wide<1>>,
    /// Weights of the P filters for this chunk (lane p = words p·SW ..).
    pub wgt: Signal<In, Wide<PSW>>,
    /// Window chunk (one bit-plane, S bits).
    pub win: Signal<In, Wide<SW>>,
    /// Per-filter constants of this fold.
    pub konst: Signal<In, Wide<P>>,
    /// Control (one cycle ahead of the data): chunk valid.
    pub c_valid: Signal<In, Bit>,
    /// Control: first chunk of the fold.
    pub c_first: Signal<In, Bit>,
    /// Control: last chunk of the fold.
    pub c_last: Signal<In, Bit>,
    /// Control: last SIMD fold (mask the tail).
    pub c_tail: Signal<In, Bit>,
    /// Control: bit-plane j.
    pub c_plane: Signal<In, Bits<3>>,
    /// The P accumulators of a finished fold (64-bit two's-complement lanes).
    pub acc_out: Signal<Out, Wide<P>>,
    /// One-cycle pulse with `acc_out`.
    pub out_valid: Signal<Out, Bit>,
    _s: PeState<P>,
}

struct PeState<const P: usize> {
    sz: Sizes,
    d: (bool, bool, bool, bool, u32),
    acc: [i64; P],
    mask_cmd: u64,
    tail: Vec<u64>,
}

impl<const P: usize, const SW: usize, const PSW: usize> PeArray<P, SW, PSW> {
    /// A PE array for an engine of the given sizes.
    pub fn new(sz: Sizes) -> Self {
        assert!(
            sz.p == P && sz.sw == SW && P * SW == PSW,
            "PeArray: P, SW, PSW mismatch"
        );
        PeArray {
            clock: Default::default(),
            cmd: Default::default(),
            wgt: Default::default(),
            win: Default::default(),
            konst: Default::default(),
            c_valid: Default::default(),
            c_first: Default::default(),
            c_last: Default::default(),
            c_tail: Default::default(),
            c_plane: Default::default(),
            acc_out: Default::default(),
            out_valid: Default::default(),
            _s: PeState {
                sz,
                d: (false, false, false, false, 0),
                acc: [0; P],
                mask_cmd: u64::MAX,
                tail: vec![!0; SW],
            },
        }
    }
}

impl<const P: usize, const SW: usize, const PSW: usize> Logic for PeArray<P, SW, PSW> {
    fn update(&mut self) {
        if !self.clock.pos_edge() {
            return;
        }
        let s = &mut self._s;
        let cmd = self.cmd.val().0[0];
        if cmd != s.mask_cmd {
            // cache the tail mask per layer
            let rem = Shape::decode(cmd, s.sz.p, s.sz.s).rem;
            for (w, m) in s.tail.iter_mut().enumerate() {
                let lo = 64 * w;
                *m = if rem >= lo + 64 {
                    !0
                } else if rem <= lo {
                    0
                } else {
                    (1u64 << (rem - lo)) - 1
                };
            }
            s.mask_cmd = cmd;
        }
        let (valid, first, last, tail, plane) = s.d;
        self.out_valid.next = false;
        if valid {
            let wgt = self.wgt.val();
            let win = self.win.val();
            let konst = self.konst.val();
            for p in 0..P {
                let mut pop = 0u32;
                for w in 0..SW {
                    let m = if tail { s.tail[w] } else { !0 };
                    pop += (!(wgt.0[p * SW + w] ^ win.0[w]) & m).count_ones();
                }
                let base = if first { konst.0[p] as i64 } else { s.acc[p] };
                s.acc[p] = base + ((pop as i64) << plane);
            }
            if last {
                let mut o = [0u64; P];
                for (x, a) in o.iter_mut().zip(s.acc.iter()) {
                    *x = *a as u64;
                }
                self.acc_out.next = Wide(o);
                self.out_valid.next = true;
            }
        }
        s.d = (
            self.c_valid.val(),
            self.c_first.val(),
            self.c_last.val(),
            self.c_tail.val(),
            self.c_plane.val().index() as u32,
        );
    }

    fn connect(&mut self) {
        self.acc_out.connect();
        self.out_valid.connect();
    }

    fn hdl(&self) -> Verilog {
        let sz = self._s.sz;
        let s = SW * 64;
        let lb = addr_bits(s + 1);
        Verilog::Custom(format!(
            "\
{dec}{sink}wire unused_konst = &{{1'b0, konst, 1'b0}};
reg d_valid, d_first, d_last, d_tail;
reg [2:0] d_plane;
reg [{am}:0] acc_q;
reg [{am}:0] nxt_all;
initial begin d_valid = 1'b0; d_first = 1'b0; d_last = 1'b0; d_tail = 1'b0; d_plane = 3'd0; acc_q = {aw}'d0; out_valid = 1'b0; end
function [{lbm}:0] popc;
    input [{sm}:0] v;
    integer b;
    begin
        popc = {lb}'d0;
        for (b = 0; b < {s}; b = b + 1) popc = popc + {{{lbm}'d0, v[b]}};
    end
endfunction
reg [{sm}:0] tmask;
integer t;
always @(*) begin
    for (t = 0; t < {s}; t = t + 1) tmask[t] = !d_tail || (t < rem);
end
integer p;
always @(*) begin
    for (p = 0; p < {np}; p = p + 1)
        nxt_all[p*32 +: 32] = (d_first ? konst[p*64 +: 32] : acc_q[p*32 +: 32])
            + ({{{pad}'d0, popc(~(wgt[p*{s} +: {s}] ^ win) & tmask)}} << d_plane);
end
integer q;
always @(posedge clock) begin
    out_valid <= 1'b0;
    if (d_valid) begin
        acc_q <= nxt_all;
        if (d_last) begin
            out_valid <= 1'b1;
            for (q = 0; q < {np}; q = q + 1) acc_out[q*64 +: 64] <= {{{{32{{nxt_all[q*32+31]}}}}, nxt_all[q*32 +: 32]}};
        end
    end
    d_valid <= c_valid; d_first <= c_first; d_last <= c_last; d_tail <= c_tail; d_plane <= c_plane;
end
",
            dec = verilog_decode(sz.p, sz.s),
            sink = VERILOG_DECODE_SINK,
            am = 32 * P - 1,
            aw = 32 * P,
            lbm = lb - 1,
            lb = lb,
            sm = s - 1,
            s = s,
            np = P,
            pad = 32 - lb
        ))
    }
}
