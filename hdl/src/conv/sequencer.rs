//! PE sequencer: walks every pixel of every image and, per pixel, the loop
//! `for nf in 0..NF { for j in 0..A { for sf in 0..SF { … } } }`, issuing one (weight entry
//! `nf·SF + sf`, window chunk `j·SF + sf`, constants of fold nf) read a cycle with the PE control
//! bits (`first` at j = sf = 0, `last` at j = A−1 ∧ sf = SF−1, `tail` at sf = SF−1, plane j).
//! Ideal: one issue a cycle, NF·A·SF a pixel, no bubble between pixels.
//!
//! A pixel starts when the window unit has finished it (`wp − sp > 0`) and, if the pixel produces
//! an output pixel (every pixel, or with pooling the odd-row odd-column ones), when an output
//! pixel buffer is free: `credits` starts at 2, is taken at such a pixel's start and returned by
//! the output unit's `freed` pulse, so the datapath after the PE array never stalls.

use rust_hdl::prelude::*;

use crate::conv::shape::{verilog_decode, Shape, Sizes, VERILOG_DECODE_SINK};
use crate::stream::Wide;

/// PE sequencer (see the module doc).
#[derive(LogicBlock)]
pub struct Sequencer {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Layer command.
    pub cmd: Signal<In, Wide<1>>,
    /// Layer start pulse.
    pub start: Signal<In, Bit>,
    /// Window unit: pixels finished (mod 8).
    pub wp: Signal<In, Bits<3>>,
    /// Output unit: an output pixel buffer was freed.
    pub freed: Signal<In, Bit>,
    /// Pixels consumed (mod 8).
    pub sp: Signal<Out, Bits<3>>,
    /// Weight-buffer read address.
    pub w_ra: Signal<Out, Bits<16>>,
    /// Window-buffer chunk address.
    pub win_ra: Signal<Out, Bits<16>>,
    /// Constant RAM fold address.
    pub k_ra: Signal<Out, Bits<10>>,
    /// A chunk is issued.
    pub c_valid: Signal<Out, Bit>,
    /// First chunk of a fold: start from the constant.
    pub c_first: Signal<Out, Bit>,
    /// Last chunk of a fold: output the accumulators.
    pub c_last: Signal<Out, Bit>,
    /// Last SIMD fold: mask bits past N.
    pub c_tail: Signal<Out, Bit>,
    /// Bit-plane j.
    pub c_plane: Signal<Out, Bits<3>>,
    _s: SeqState,
}

#[derive(Default)]
struct SeqState {
    sz: Option<Sizes>,
    running: bool,
    active: bool,
    img: usize,
    y: usize,
    x: usize,
    nf: usize,
    j: usize,
    sf: usize,
    pix: usize,
    credits: usize,
}

impl Sequencer {
    /// A sequencer for an engine of the given sizes.
    pub fn new(sz: Sizes) -> Self {
        Sequencer {
            clock: Default::default(),
            cmd: Default::default(),
            start: Default::default(),
            wp: Default::default(),
            freed: Default::default(),
            sp: Default::default(),
            w_ra: Default::default(),
            win_ra: Default::default(),
            k_ra: Default::default(),
            c_valid: Default::default(),
            c_first: Default::default(),
            c_last: Default::default(),
            c_tail: Default::default(),
            c_plane: Default::default(),
            _s: SeqState {
                sz: Some(sz),
                ..Default::default()
            },
        }
    }
}

impl Logic for Sequencer {
    fn update(&mut self) {
        if !self.clock.pos_edge() {
            return;
        }
        let sz = self._s.sz.expect("Sequencer::new");
        let sh = Shape::decode(self.cmd.val().0[0], sz.p, sz.s);
        let wp = self.wp.val().index();
        let freed = self.freed.val();
        let s = &mut self._s;
        self.c_valid.next = false;
        if self.start.val() {
            *s = SeqState {
                sz: s.sz,
                running: true,
                credits: 2,
                ..Default::default()
            };
            self.sp.next = 0.into();
            return;
        }
        if freed {
            s.credits += 1;
        }
        if s.running {
            let emits = !sh.pool || (s.y % 2 == 1 && s.x % 2 == 1);
            if !s.active && (wp + 8 - s.pix) % 8 > 0 && (!emits || s.credits > 0) {
                s.active = true;
                if emits {
                    s.credits -= 1;
                }
            }
            if s.active {
                self.c_valid.next = true;
                self.c_first.next = s.j == 0 && s.sf == 0;
                self.c_last.next = s.j + 1 == sh.a_in && s.sf + 1 == sh.sf;
                self.c_tail.next = s.sf + 1 == sh.sf;
                self.c_plane.next = (s.j as u64).into();
                self.w_ra.next = ((s.nf * sh.sf + s.sf) as u64).into();
                self.win_ra.next =
                    (((s.pix % 2) * sz.bank_chunks + s.j * sh.sf + s.sf) as u64).into();
                self.k_ra.next = (s.nf as u64).into();
                s.sf += 1;
                if s.sf == sh.sf {
                    s.sf = 0;
                    s.j += 1;
                    if s.j == sh.a_in {
                        s.j = 0;
                        s.nf += 1;
                        if s.nf == sh.nf {
                            s.nf = 0;
                            s.active = false;
                            s.pix = (s.pix + 1) % 8;
                            s.x += 1;
                            if s.x == sh.w {
                                s.x = 0;
                                s.y += 1;
                                if s.y == sh.h {
                                    s.y = 0;
                                    s.img += 1;
                                    if s.img == sh.images {
                                        s.running = false;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        self.sp.next = (s.pix as u64).into();
    }

    fn connect(&mut self) {
        for s in [
            &mut self.c_valid,
            &mut self.c_first,
            &mut self.c_last,
            &mut self.c_tail,
        ] {
            s.connect();
        }
        self.sp.connect();
        self.w_ra.connect();
        self.win_ra.connect();
        self.k_ra.connect();
        self.c_plane.connect();
    }

    fn hdl(&self) -> Verilog {
        let sz = self._s.sz.expect("Sequencer::new");
        Verilog::Custom(format!(
            "\
{dec}{sink}reg running, active;
reg [16:0] img;
reg [7:0] y, x;
reg [10:0] nf_c;
reg [3:0] j;
reg [14:0] sf_c;
reg [2:0] pix;
reg [1:0] credits;
initial begin running = 1'b0; active = 1'b0; img = 17'd0; y = 8'd0; x = 8'd0; nf_c = 11'd0; j = 4'd0;
    sf_c = 15'd0; pix = 3'd0; credits = 2'd0; c_valid = 1'b0; end
wire emits = !pool || (y[0] && x[0]);
wire [2:0] avail = wp - pix;
wire [1:0] cred_f = credits + {{1'b0, freed}};
wire go = active || (avail != 3'd0 && (!emits || cred_f != 2'd0));
always @(posedge clock) begin
    c_valid <= 1'b0;
    if (start) begin
        running <= 1'b1; active <= 1'b0; img <= 17'd0; y <= 8'd0; x <= 8'd0; nf_c <= 11'd0; j <= 4'd0;
        sf_c <= 15'd0; pix <= 3'd0; credits <= 2'd2;
    end else begin
        credits <= cred_f - {{1'b0, (running && !active && go && emits)}};
        if (running && go) begin
            active <= 1'b1;
            c_valid <= 1'b1;
            c_first <= (j == 4'd0) && (sf_c == 15'd0);
            c_last <= (j + 4'd1 == a_in) && (sf_c + 15'd1 == sf);
            c_tail <= (sf_c + 15'd1 == sf);
            c_plane <= j[2:0];
            w_ra <= {{5'd0, nf_c}} * {{1'b0, sf}} + {{1'b0, sf_c}};
            win_ra <= {{15'd0, pix[0]}} * 16'd{bank} + {{12'd0, j}} * {{1'b0, sf}} + {{1'b0, sf_c}};
            k_ra <= nf_c[9:0];
            if (sf_c + 15'd1 == sf) begin
                sf_c <= 15'd0;
                if (j + 4'd1 == a_in) begin
                    j <= 4'd0;
                    if (nf_c + 11'd1 == nf) begin
                        nf_c <= 11'd0; active <= 1'b0; pix <= pix + 3'd1;
                        if ({{1'b0, x}} + 9'd1 == {{2'b0, w}}) begin
                            x <= 8'd0;
                            if ({{1'b0, y}} + 9'd1 == {{2'b0, h}}) begin
                                y <= 8'd0; img <= img + 17'd1;
                                if (img + 17'd1 == images) running <= 1'b0;
                            end else y <= y + 8'd1;
                        end else x <= x + 8'd1;
                    end else nf_c <= nf_c + 11'd1;
                end else j <= j + 4'd1;
            end else sf_c <= sf_c + 15'd1;
        end
    end
end
always @(*) sp = pix;
",
            dec = verilog_decode(sz.p, sz.s),
            sink = VERILOG_DECODE_SINK,
            bank = sz.bank_chunks
        ))
    }
}
