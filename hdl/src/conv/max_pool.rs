//! Optional 2×2 max-pool on requantised values (`qtrain::exact::pool::max_pool2`). Folds arrive in
//! pixel order; a row buffer of (W/2)·NF entries × P values keeps the running maximum of each
//! 2×2 block, and the block's result leaves at its odd-row, odd-column pixel. Without the pool flag
//! every fold passes straight through. Latency 1 cycle.

use rust_hdl::prelude::*;

use crate::conv::shape::{verilog_decode, Shape, Sizes, VERILOG_DECODE_SINK};
use crate::stream::Wide;

/// 2×2 max-pool (P lanes).
#[derive(LogicBlock)]
pub struct MaxPool<const P: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Layer command.
    pub cmd: Signal<In, Wide<1>>,
    /// Layer start pulse.
    pub start: Signal<In, Bit>,
    /// Values of one fold (one per 64-bit lane, < 256).
    pub in_vals: Signal<In, Wide<P>>,
    /// Fold valid.
    pub in_valid: Signal<In, Bit>,
    /// Output fold.
    pub out_vals: Signal<Out, Wide<P>>,
    /// Output fold valid.
    pub out_valid: Signal<Out, Bit>,
    _s: PoolState<P>,
}

struct PoolState<const P: usize> {
    sz: Sizes,
    buf: Vec<[u64; P]>,
    nf: usize,
    x: usize,
    y: usize,
}

impl<const P: usize> MaxPool<P> {
    /// A pool for an engine of the given sizes.
    pub fn new(sz: Sizes) -> Self {
        MaxPool {
            clock: Default::default(),
            cmd: Default::default(),
            start: Default::default(),
            in_vals: Default::default(),
            in_valid: Default::default(),
            out_vals: Default::default(),
            out_valid: Default::default(),
            _s: PoolState {
                sz,
                buf: vec![[0; P]; sz.half_w * sz.nf_max],
                nf: 0,
                x: 0,
                y: 0,
            },
        }
    }
}

impl<const P: usize> Logic for MaxPool<P> {
    fn update(&mut self) {
        if !self.clock.pos_edge() {
            return;
        }
        let s = &mut self._s;
        let sh = Shape::decode(self.cmd.val().0[0], s.sz.p, s.sz.s);
        self.out_valid.next = false;
        if self.start.val() {
            s.nf = 0;
            s.x = 0;
            s.y = 0;
            return;
        }
        if !self.in_valid.val() {
            return;
        }
        let v = self.in_vals.val().0;
        if !sh.pool {
            self.out_vals.next = Wide(v);
            self.out_valid.next = true;
        } else {
            let idx = (s.x / 2) * sh.nf + s.nf;
            let m = if s.y % 2 == 0 && s.x % 2 == 0 {
                v
            } else {
                let mut m = s.buf[idx];
                for (a, b) in m.iter_mut().zip(v.iter()) {
                    *a = (*a).max(*b);
                }
                m
            };
            s.buf[idx] = m;
            if s.y % 2 == 1 && s.x % 2 == 1 {
                self.out_vals.next = Wide(m);
                self.out_valid.next = true;
            }
        }
        s.nf += 1;
        if s.nf == sh.nf {
            s.nf = 0;
            s.x += 1;
            if s.x == sh.w {
                s.x = 0;
                s.y += 1;
                if s.y == sh.h {
                    s.y = 0;
                }
            }
        }
    }

    fn connect(&mut self) {
        self.out_vals.connect();
        self.out_valid.connect();
    }

    fn hdl(&self) -> Verilog {
        let sz = self._s.sz;
        Verilog::Custom(format!(
            "\
{dec}{sink}wire unused_pool = &{{1'b0, in_vals, 1'b0}};
reg [{bm}:0] pbuf [0:{dm}];
reg [10:0] nf_c;
reg [7:0] x, y;
initial begin nf_c = 11'd0; x = 8'd0; y = 8'd0; out_valid = 1'b0; end
wire [15:0] idx = {{9'd0, x[7:1]}} * {{5'd0, nf}} + {{5'd0, nf_c}};
wire [{bm}:0] old = pbuf[idx];
reg [{bm}:0] mx;
wire unused_idx = &{{1'b0, idx, 1'b0}};
reg [{om}:0] mx_w;
integer p;
always @(*) begin
    for (p = 0; p < {np}; p = p + 1) begin
        if (!y[0] && !x[0]) mx[p*8 +: 8] = in_vals[p*64 +: 8];
        else mx[p*8 +: 8] = (old[p*8 +: 8] > in_vals[p*64 +: 8]) ? old[p*8 +: 8] : in_vals[p*64 +: 8];
        mx_w[p*64 +: 64] = {{56'd0, mx[p*8 +: 8]}};
    end
end
always @(posedge clock) begin
    out_valid <= 1'b0;
    if (start) begin nf_c <= 11'd0; x <= 8'd0; y <= 8'd0; end
    else if (in_valid) begin
        if (!pool) begin out_vals <= in_vals; out_valid <= 1'b1; end
        else begin
            pbuf[idx] <= mx;
            if (y[0] && x[0]) begin out_vals <= mx_w; out_valid <= 1'b1; end
        end
        if (nf_c + 11'd1 == nf) begin
            nf_c <= 11'd0;
            if ({{1'b0, x}} + 9'd1 == {{2'b0, w}}) begin
                x <= 8'd0;
                y <= ({{1'b0, y}} + 9'd1 == {{2'b0, h}}) ? 8'd0 : y + 8'd1;
            end else x <= x + 8'd1;
        end else nf_c <= nf_c + 11'd1;
    end
end
",
            dec = verilog_decode(sz.p, sz.s),
            sink = VERILOG_DECODE_SINK,
            bm = 8 * P - 1,
            om = 64 * P - 1,
            dm = sz.half_w * sz.nf_max - 1,
            np = P
        ))
    }
}
