//! Output unit: packs each output pixel's folds into A_out bit-planes of ceil(C_out/64) words
//! (`qtrain::exact::bitplanes` layout; channels ≥ C_out are zero) in one of two pixel buffers, and
//! streams a full buffer out plane by plane, word by word, with `last` on the final word of each
//! image. `freed` pulses when a buffer has been handed to the output register (the sequencer's
//! credit); `busy` is high from the layer's start until its last word has left this unit (been taken
//! from the output register downstream, so a queued next layer cannot reset a word still waiting).

use rust_hdl::prelude::*;

use crate::conv::shape::{verilog_decode, Shape, Sizes, VERILOG_DECODE_SINK};
use crate::stream::Wide;

/// Output packer and emitter (P lanes).
#[derive(LogicBlock)]
pub struct OutputUnit<const P: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Layer command.
    pub cmd: Signal<In, Wide<1>>,
    /// Layer start pulse.
    pub start: Signal<In, Bit>,
    /// Values of one fold.
    pub in_vals: Signal<In, Wide<P>>,
    /// Fold valid.
    pub in_valid: Signal<In, Bit>,
    /// Output word.
    pub o_data: Signal<Out, Wide<1>>,
    /// Output word valid.
    pub o_valid: Signal<Out, Bit>,
    /// Final word of an image.
    pub o_last: Signal<Out, Bit>,
    /// Downstream takes the word.
    pub o_ready: Signal<In, Bit>,
    /// A pixel buffer became free.
    pub freed: Signal<Out, Bit>,
    /// The layer is still producing output.
    pub busy: Signal<Out, Bit>,
    _s: OutState,
}

#[derive(Default)]
struct OutState {
    sz: Option<Sizes>,
    buf: Vec<u64>,
    wbuf: usize,
    nf: usize,
    full: [bool; 2],
    ebuf: usize,
    ej: usize,
    ek: usize,
    epix: usize,
    total: usize,
    ov: bool,
    busy: bool,
}

impl<const P: usize> OutputUnit<P> {
    /// An output unit for an engine of the given sizes.
    pub fn new(sz: Sizes) -> Self {
        OutputUnit {
            clock: Default::default(),
            cmd: Default::default(),
            start: Default::default(),
            in_vals: Default::default(),
            in_valid: Default::default(),
            o_data: Default::default(),
            o_valid: Default::default(),
            o_last: Default::default(),
            o_ready: Default::default(),
            freed: Default::default(),
            busy: Default::default(),
            _s: OutState {
                sz: Some(sz),
                buf: vec![0; 2 * sz.cwo_max * sz.a_max],
                ..Default::default()
            },
        }
    }
}

impl<const P: usize> Logic for OutputUnit<P> {
    fn update(&mut self) {
        if !self.clock.pos_edge() {
            return;
        }
        let s = &mut self._s;
        let sz = s.sz.expect("OutputUnit::new");
        let sh = Shape::decode(self.cmd.val().0[0], sz.p, sz.s);
        let at = |b: usize, k: usize, j: usize| (b * sz.cwo_max + k) * sz.a_max + j;
        self.freed.next = false;
        if self.start.val() {
            let buf = std::mem::take(&mut s.buf);
            *s = OutState {
                sz: s.sz,
                buf,
                busy: true,
                ..Default::default()
            };
            self.o_valid.next = false;
            self.busy.next = true;
            return;
        }
        // emitter (sees the buffer flags as they were before this edge)
        if !s.ov || self.o_ready.val() {
            if s.full[s.ebuf] && s.busy {
                let opix = (if sh.pool {
                    sh.h * sh.w / 4
                } else {
                    sh.h * sh.w
                })
                .max(1);
                self.o_data.next = Wide([s.buf[at(s.ebuf, s.ek, s.ej)]]);
                self.o_last.next =
                    s.ej + 1 == sh.a_out && s.ek + 1 == sh.cw_out && s.epix + 1 == opix;
                s.ov = true;
                s.ek += 1;
                if s.ek == sh.cw_out {
                    s.ek = 0;
                    s.ej += 1;
                    if s.ej == sh.a_out {
                        s.ej = 0;
                        s.full[s.ebuf] = false;
                        s.ebuf ^= 1;
                        self.freed.next = true;
                        s.epix += 1;
                        if s.epix == opix {
                            s.epix = 0;
                            s.total += 1;
                            if s.total == sh.images {
                                s.busy = false;
                            }
                        }
                    }
                }
            } else {
                s.ov = false;
            }
        }
        // producer
        if self.in_valid.val() {
            let v = self.in_vals.val().0;
            let k = s.nf * P / 64;
            let off = s.nf * P % 64;
            for j in 0..sh.a_out {
                let mut word = if off == 0 { 0 } else { s.buf[at(s.wbuf, k, j)] };
                for (p, &x) in v.iter().enumerate() {
                    if s.nf * P + p < sh.c_out && (x >> j) & 1 == 1 {
                        word |= 1 << (off + p);
                    }
                }
                s.buf[at(s.wbuf, k, j)] = word;
            }
            s.nf += 1;
            if s.nf == sh.nf {
                s.nf = 0;
                s.full[s.wbuf] = true;
                s.wbuf ^= 1;
            }
        }
        self.o_valid.next = s.ov;
        // busy until the final word has left the output register (not merely entered it): the
        // loader takes the next layer's command only then, and its start clears this unit.
        self.busy.next = s.busy || s.ov;
    }

    fn connect(&mut self) {
        self.o_data.connect();
        self.o_valid.connect();
        self.o_last.connect();
        self.freed.connect();
        self.busy.connect();
    }

    fn hdl(&self) -> Verilog {
        let sz = self._s.sz.expect("OutputUnit::new");
        let gext = |g: String| {
            if P < 64 {
                format!("{{{}'d0, {g}}}", 64 - P)
            } else {
                g
            }
        };
        // One small memory per output bit-plane: one write port (the fold being packed), two reads
        // (read-modify-write of that word, and the emitter), so it maps onto LUT RAM. The plane's
        // bits are gathered inside the write's clocked block (`grp` is a blocking temporary, logic
        // in front of the write port, not a register): the same hardware, but a cycle-based
        // simulator skips it in the many cycles that take no fold.
        let mut planes = String::new();
        let mut sel = String::new();
        for j in 0..sz.a_max {
            planes.push_str(&format!(
                "\
reg [63:0] ob{j} [0:{dm}];
initial for (i = 0; i <= {dm}; i = i + 1) ob{j}[i] = 64'd0;
wire [63:0] old{j} = ob{j}[w_at];
wire [63:0] rd{j} = ob{j}[r_at];
reg [{npm}:0] grp{j};
// verilator lint_off BLKSEQ
always @(posedge clock) if (!start && in_valid && {j} < a_out) begin
    for (p{j} = 0; p{j} < {np}; p{j} = p{j} + 1)
        grp{j}[p{j}] = ({{5'd0, nf_c}} * {np} + p{j} < c_out) && in_vals[p{j}*64 + {j}];
    ob{j}[w_at] <= ((off == 6'd0) ? 64'd0 : old{j}) | ({g} << off);
end
// verilator lint_on BLKSEQ
",
                dm = 2 * sz.cwo_max - 1,
                npm = P - 1,
                np = P,
                g = gext(format!("grp{j}"))
            ));
            sel.push_str(&format!("        4'd{j}: rdsel = rd{j};\n"));
        }
        let ints: Vec<String> = (0..sz.a_max).map(|j| format!("p{j}")).collect();
        Verilog::Custom(format!(
            "\
{dec}{sink}wire unused_out = &{{1'b0, in_vals, 1'b0}};
reg wbuf, ebuf, ov, busy_r;
reg [1:0] full;
reg [10:0] nf_c;
reg [3:0] ej;
reg [4:0] ek;
reg [12:0] epix;
reg [16:0] total;
integer i, {ints};
initial begin wbuf = 1'b0; ebuf = 1'b0; ov = 1'b0; busy_r = 1'b0; full = 2'b00; nf_c = 11'd0; ej = 4'd0; ek = 5'd0;
    epix = 13'd0; total = 17'd0; freed = 1'b0; end
wire [12:0] opix = pool ? ({{6'd0, h}} * {{6'd0, w}}) >> 2 : {{6'd0, h}} * {{6'd0, w}};
wire [15:0] k_in = ({{5'd0, nf_c}} * 16'd{np}) >> 6;
wire [5:0] off = nf_c * {np} % 64;
wire [15:0] w_at = {{15'd0, wbuf}} * 16'd{cwo} + k_in;
wire [15:0] r_at = {{15'd0, ebuf}} * 16'd{cwo} + {{11'd0, ek}};
wire unused_at = &{{1'b0, w_at, r_at, 1'b0}};
wire emit_go = !ov || o_ready;
wire emit_now = emit_go && full[ebuf] && busy_r;
wire pix_end = (ek + 5'd1 == cw_out) && (ej + 4'd1 == a_out);
{planes}reg [63:0] rdsel;
always @(*) begin
    case (ej)
{sel}        default: rdsel = 64'd0;
    endcase
end
always @(posedge clock) begin
    freed <= 1'b0;
    if (start) begin
        wbuf <= 1'b0; ebuf <= 1'b0; ov <= 1'b0; busy_r <= 1'b1; full <= 2'b00; nf_c <= 11'd0; ej <= 4'd0;
        ek <= 5'd0; epix <= 13'd0; total <= 17'd0;
    end else begin
        if (emit_go) begin
            if (emit_now) begin
                o_data <= rdsel;
                o_last <= pix_end && (epix + 13'd1 == opix);
                ov <= 1'b1;
                if (ek + 5'd1 == cw_out) begin
                    ek <= 5'd0;
                    if (ej + 4'd1 == a_out) begin
                        ej <= 4'd0; full[ebuf] <= 1'b0; ebuf <= !ebuf; freed <= 1'b1;
                        if (epix + 13'd1 == opix) begin
                            epix <= 13'd0; total <= total + 17'd1;
                            if (total + 17'd1 == images) busy_r <= 1'b0;
                        end else epix <= epix + 13'd1;
                    end else ej <= ej + 4'd1;
                end else ek <= ek + 5'd1;
            end else ov <= 1'b0;
        end
        if (in_valid) begin
            if (nf_c + 11'd1 == nf) begin nf_c <= 11'd0; full[wbuf] <= 1'b1; wbuf <= !wbuf; end
            else nf_c <= nf_c + 11'd1;
        end
    end
end
always @(*) begin
    o_valid = ov;
    busy = busy_r || ov;
end
",
            dec = verilog_decode(sz.p, sz.s),
            sink = VERILOG_DECODE_SINK,
            np = P,
            cwo = sz.cwo_max,
            ints = ints.join(", "),
            planes = planes,
            sel = sel
        ))
    }
}
