//! Sliding-window unit: builds each output pixel's 3×3×C_in window, bit-plane by bit-plane, from
//! the line buffer into the window buffer, with zero padding.
//!
//! For pixel (y, x) and plane j it walks the pieces (ky, kx, cw) in window order
//! `i = (ky·3 + kx)·C_in + c` (piece = one line-buffer word, `min(64, C_in − 64·cw)` bits; rows or
//! columns outside the map read as zeros), two pieces a cycle when both fit in 64 bits, packs them
//! densely into 64-bit words and writes word k of plane j to window-buffer word `j·SF·S/64 + k`.
//! One flush cycle ends each plane. A pixel takes `A·(ceil(pieces/2 or pieces) + 1)` cycles.
//! Pipeline: issue (line-buffer address) → RAM read → pack and write (two cycles after issue).
//!
//! Flow control: a pixel starts when a window-buffer bank is free (`issued − sp < 2`) and the rows
//! it needs are loaded (`img_w > img` or `rows_done ≥ min(y + 2, H)`); `wp` counts finished pixels.

use rust_hdl::prelude::*;

use qtrain::exact::geometry::{next_piece, piece_bits, tap_source};

use crate::conv::shape::{verilog_decode, Shape, Sizes, VERILOG_DECODE_SINK};
use crate::stream::Wide;

/// Sliding-window unit (see the module doc).
#[derive(LogicBlock)]
pub struct WindowUnit {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Layer command.
    pub cmd: Signal<In, Wide<1>>,
    /// Layer start pulse.
    pub start: Signal<In, Bit>,
    /// Loader: complete rows of image `img_w`.
    pub rows_done: Signal<In, Bits<8>>,
    /// Loader: image being loaded.
    pub img_w: Signal<In, Bits<17>>,
    /// Sequencer: pixels consumed (mod 8).
    pub sp: Signal<In, Bits<3>>,
    /// Line-buffer read address, port 0.
    pub ra0: Signal<Out, Bits<16>>,
    /// Line-buffer read address, port 1.
    pub ra1: Signal<Out, Bits<16>>,
    /// Line-buffer data, port 0.
    pub rd0: Signal<In, Wide<1>>,
    /// Line-buffer data, port 1.
    pub rd1: Signal<In, Wide<1>>,
    /// Window-buffer write enable.
    pub wb_en: Signal<Out, Bit>,
    /// Window-buffer word address.
    pub wb_addr: Signal<Out, Bits<16>>,
    /// Window-buffer word.
    pub wb_data: Signal<Out, Wide<1>>,
    /// Pixels finished (mod 8).
    pub wp: Signal<Out, Bits<3>>,
    /// Current output row (loader may fill up to this + 2).
    pub win_row: Signal<Out, Bits<8>>,
    /// Current image.
    pub img_r: Signal<Out, Bits<17>>,
    _s: WinState,
}

#[derive(Default, Clone, Copy)]
struct Meta {
    valid: bool,
    two: bool,
    zero0: bool,
    zero1: bool,
    len0: u32,
    len1: u32,
    flush: bool,
    end_pixel: bool,
    bank: usize,
    plane: usize,
}

#[derive(Default)]
struct WinState {
    sz: Option<Sizes>,
    running: bool,
    active: bool,
    flush_next: bool,
    img: usize,
    y: usize,
    x: usize,
    j: usize,
    ky: usize,
    kx: usize,
    cw: usize,
    issued: usize,
    m: Meta,
    m2: Meta,
    buf: u128,
    fill: u32,
    k: usize,
    wp: usize,
}

impl WindowUnit {
    /// A window unit for an engine of the given sizes.
    pub fn new(sz: Sizes) -> Self {
        WindowUnit {
            clock: Default::default(),
            cmd: Default::default(),
            start: Default::default(),
            rows_done: Default::default(),
            img_w: Default::default(),
            sp: Default::default(),
            ra0: Default::default(),
            ra1: Default::default(),
            rd0: Default::default(),
            rd1: Default::default(),
            wb_en: Default::default(),
            wb_addr: Default::default(),
            wb_data: Default::default(),
            wp: Default::default(),
            win_row: Default::default(),
            img_r: Default::default(),
            _s: WinState {
                sz: Some(sz),
                ..Default::default()
            },
        }
    }
}

fn piece_len(c_in: usize, cw: usize) -> u32 {
    piece_bits(c_in, cw) as u32
}

fn mask(len: u32) -> u64 {
    if len >= 64 {
        !0
    } else {
        (1u64 << len) - 1
    }
}

impl Logic for WindowUnit {
    fn update(&mut self) {
        if !self.clock.pos_edge() {
            return;
        }
        let sz = self._s.sz.expect("WindowUnit::new");
        let sh = Shape::decode(self.cmd.val().0[0], sz.p, sz.s);
        let (rd0, rd1) = (self.rd0.val().0[0], self.rd1.val().0[0]);
        let sp = self.sp.val().index();
        let rows_done = self.rows_done.val().index();
        let img_w = self.img_w.val().index();
        let s = &mut self._s;
        if self.start.val() {
            *s = WinState {
                sz: s.sz,
                running: true,
                ..Default::default()
            };
            self.wb_en.next = false;
            self.wp.next = 0.into();
            self.win_row.next = 0.into();
            self.img_r.next = 0.into();
            return;
        }
        // Pack stage: data of the pieces issued two edges ago (address out, RAM read, here).
        let m = s.m2;
        let mut emit = None;
        if m.valid {
            let d0 = if m.zero0 { 0 } else { rd0 & mask(m.len0) };
            s.buf |= (d0 as u128) << s.fill;
            s.fill += m.len0;
            if m.two {
                let d1 = if m.zero1 { 0 } else { rd1 & mask(m.len1) };
                s.buf |= (d1 as u128) << s.fill;
                s.fill += m.len1;
            }
            if s.fill >= 64 {
                emit = Some(s.buf as u64);
                s.buf >>= 64;
                s.fill -= 64;
            }
        }
        if m.flush {
            if s.fill > 0 {
                emit = Some(s.buf as u64);
            }
            s.buf = 0;
            s.fill = 0;
        }
        self.wb_en.next = emit.is_some();
        if let Some(wd) = emit {
            self.wb_data.next = Wide([wd]);
            self.wb_addr.next =
                ((m.bank * sz.bank_chunks * sz.sw + m.plane * sh.sf * sz.sw + s.k) as u64).into();
            s.k += 1;
        }
        if m.flush {
            s.k = 0;
            if m.end_pixel {
                s.wp = (s.wp + 1) % 8;
            }
        }
        // Issue stage.
        let mut nm = Meta::default();
        if s.running {
            if s.flush_next {
                nm.flush = true;
                nm.end_pixel = s.j + 1 == sh.a_in;
                nm.bank = s.issued % 2;
                nm.plane = s.j;
                s.flush_next = false;
                s.j += 1;
                if s.j == sh.a_in {
                    s.j = 0;
                    s.issued = (s.issued + 1) % 8;
                    s.active = false;
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
            } else {
                if !s.active {
                    let bank_ok = (s.issued + 8 - sp) % 8 < 2;
                    let rows_ok = img_w > s.img || rows_done >= (s.y + 2).min(sh.h);
                    if bank_ok && rows_ok {
                        s.active = true;
                    }
                }
                if s.active {
                    let piece = |ky: usize, kx: usize, cw: usize| -> (bool, u64) {
                        match tap_source((sh.h, sh.w), (s.y, s.x), (ky, kx)) {
                            None => (true, 0),
                            Some((yy, xx)) => {
                                let a = (yy % 4) * sz.row + (xx * sh.a_in + s.j) * sh.cw_in + cw;
                                (false, a as u64)
                            }
                        }
                    };
                    let (z0, a0) = piece(s.ky, s.kx, s.cw);
                    let next = next_piece((s.ky, s.kx, s.cw), sh.cw_in);
                    let (z1, a1, cw1) = match next {
                        Some((ky1, kx1, cw1)) => {
                            let (z1, a1) = piece(ky1, kx1, cw1);
                            (z1, a1, cw1)
                        }
                        None => (true, 0, 0),
                    };
                    nm.valid = true;
                    nm.zero0 = z0;
                    nm.zero1 = z1;
                    nm.len0 = piece_len(sh.c_in, s.cw);
                    nm.len1 = piece_len(sh.c_in, cw1);
                    nm.two = next.is_some() && nm.len0 + nm.len1 <= 64;
                    nm.bank = s.issued % 2;
                    nm.plane = s.j;
                    self.ra0.next = a0.into();
                    self.ra1.next = a1.into();
                    let after = if nm.two {
                        next.and_then(|p| next_piece(p, sh.cw_in))
                    } else {
                        next
                    };
                    match after {
                        None => {
                            s.flush_next = true;
                            s.ky = 0;
                            s.kx = 0;
                            s.cw = 0;
                        }
                        Some((ky, kx, cw)) => {
                            s.ky = ky;
                            s.kx = kx;
                            s.cw = cw;
                        }
                    }
                }
            }
        }
        s.m2 = s.m;
        s.m = nm;
        self.wp.next = (s.wp as u64).into();
        self.win_row.next = (s.y as u64).into();
        self.img_r.next = (s.img as u64).into();
    }

    fn connect(&mut self) {
        self.ra0.connect();
        self.ra1.connect();
        self.wb_en.connect();
        self.wb_addr.connect();
        self.wb_data.connect();
        self.wp.connect();
        self.win_row.connect();
        self.img_r.connect();
    }

    fn hdl(&self) -> Verilog {
        let sz = self._s.sz.expect("WindowUnit::new");
        Verilog::Custom(format!(
            "\
{dec}{sink}reg running, active, flush_next;
reg [16:0] img;
reg [7:0] y, x;
reg [3:0] j;
reg [1:0] ky, kx;
reg [4:0] cw;
reg [2:0] issued, wp_r;
reg m_valid, m_two, m_zero0, m_zero1, m_flush, m_end;
reg [6:0] m_len0, m_len1;
reg m_bank;
reg [3:0] m_plane;
reg i_valid, i_two, i_zero0, i_zero1, i_flush, i_end;
reg [6:0] i_len0, i_len1;
reg i_bank;
reg [3:0] i_plane;
reg [127:0] buf_r;
reg [7:0] fill;
reg [15:0] k;
initial begin running = 1'b0; active = 1'b0; flush_next = 1'b0; img = 17'd0; y = 8'd0; x = 8'd0; j = 4'd0;
    ky = 2'd0; kx = 2'd0; cw = 5'd0; issued = 3'd0; wp_r = 3'd0; m_valid = 1'b0; m_flush = 1'b0; m_two = 1'b0;
    m_zero0 = 1'b0; m_zero1 = 1'b0; m_end = 1'b0; m_len0 = 7'd0; m_len1 = 7'd0; m_bank = 1'b0; m_plane = 4'd0;
    i_valid = 1'b0; i_flush = 1'b0; i_two = 1'b0; i_zero0 = 1'b0; i_zero1 = 1'b0; i_end = 1'b0; i_len0 = 7'd0;
    i_len1 = 7'd0; i_bank = 1'b0; i_plane = 4'd0;
    buf_r = 128'd0; fill = 8'd0; k = 16'd0; wb_en = 1'b0; end
// pack stage
wire [63:0] mask0 = m_len0[6] ? ~64'd0 : ((64'd1 << m_len0[5:0]) - 64'd1);
wire [63:0] mask1 = m_len1[6] ? ~64'd0 : ((64'd1 << m_len1[5:0]) - 64'd1);
wire [63:0] d0 = m_zero0 ? 64'd0 : (rd0 & mask0);
wire [63:0] d1 = m_zero1 ? 64'd0 : (rd1 & mask1);
wire [127:0] buf_a = buf_r | ({{64'd0, d0}} << fill);
wire [7:0] fill_a = fill + {{1'b0, m_len0}};
wire [127:0] buf_b = m_two ? (buf_a | ({{64'd0, d1}} << fill_a)) : buf_a;
wire [7:0] fill_b = m_two ? fill_a + {{1'b0, m_len1}} : fill_a;
wire emit_v = m_valid && fill_b >= 8'd64;
wire emit_f = m_flush && fill != 8'd0;
wire [15:0] plane_base = {{12'd0, m_plane}} * {{1'b0, sf}} * 16'd{sw};
// issue stage pieces
wire [4:0] cw1 = (cw + 5'd1 < cw_in) ? cw + 5'd1 : 5'd0;
wire [1:0] kx1 = (cw + 5'd1 < cw_in) ? kx : ((kx == 2'd2) ? 2'd0 : kx + 2'd1);
wire [2:0] ky1 = (cw + 5'd1 < cw_in) ? {{1'b0, ky}} : ((kx == 2'd2) ? {{1'b0, ky}} + 3'd1 : {{1'b0, ky}});
wire [4:0] cw2 = (cw1 + 5'd1 < cw_in) ? cw1 + 5'd1 : 5'd0;
wire [1:0] kx2 = (cw1 + 5'd1 < cw_in) ? kx1 : ((kx1 == 2'd2) ? 2'd0 : kx1 + 2'd1);
wire [2:0] ky2 = (cw1 + 5'd1 < cw_in) ? ky1 : ((kx1 == 2'd2) ? ky1 + 3'd1 : ky1);
wire [10:0] rem0 = c_in - {{cw, 6'd0}};
wire [10:0] rem1 = c_in - {{cw1, 6'd0}};
wire [6:0] len0 = rem0 > 11'd64 ? 7'd64 : rem0[6:0];
wire [6:0] len1 = rem1 > 11'd64 ? 7'd64 : rem1[6:0];
wire two = ky1 < 3'd3 && ({{1'b0, len0}} + {{1'b0, len1}} <= 8'd64);
wire signed [9:0] yy0 = $signed({{2'b0, y}}) + $signed({{8'd0, ky}}) - 10'sd1;
wire signed [9:0] xx0 = $signed({{2'b0, x}}) + $signed({{8'd0, kx}}) - 10'sd1;
wire signed [9:0] yy1 = $signed({{2'b0, y}}) + $signed({{7'd0, ky1}}) - 10'sd1;
wire signed [9:0] xx1 = $signed({{2'b0, x}}) + $signed({{8'd0, kx1}}) - 10'sd1;
wire z0 = yy0 < 0 || xx0 < 0 || yy0 >= $signed({{3'd0, h}}) || xx0 >= $signed({{3'd0, w}});
wire z1 = ky1 >= 3'd3 || yy1 < 0 || xx1 < 0 || yy1 >= $signed({{3'd0, h}}) || xx1 >= $signed({{3'd0, w}});
wire [15:0] a0 = z0 ? 16'd0 : ({{14'd0, yy0[1:0]}} * 16'd{row} + ({{6'd0, xx0}} * {{12'd0, a_in}} + {{12'd0, j}}) * {{11'd0, cw_in}} + {{11'd0, cw}});
wire [15:0] a1 = z1 ? 16'd0 : ({{14'd0, yy1[1:0]}} * 16'd{row} + ({{6'd0, xx1}} * {{12'd0, a_in}} + {{12'd0, j}}) * {{11'd0, cw_in}} + {{11'd0, cw1}});
wire [2:0] ky_n = two ? ky2 : ky1;
wire [1:0] kx_n = two ? kx2 : kx1;
wire [4:0] cw_n = two ? cw2 : cw1;
wire [2:0] inflight = issued - sp;
wire [7:0] need = ({{1'b0, y}} + 9'd2 < {{2'b0, h}}) ? y + 8'd2 : {{1'b0, h}};
wire go = active || (inflight < 3'd2 && (img_w > img || rows_done >= need));
always @(posedge clock) begin
    if (start) begin
        running <= 1'b1; active <= 1'b0; flush_next <= 1'b0; img <= 17'd0; y <= 8'd0; x <= 8'd0; j <= 4'd0;
        ky <= 2'd0; kx <= 2'd0; cw <= 5'd0; issued <= 3'd0; wp_r <= 3'd0; m_valid <= 1'b0; m_flush <= 1'b0;
        i_valid <= 1'b0; i_flush <= 1'b0; buf_r <= 128'd0; fill <= 8'd0; k <= 16'd0; wb_en <= 1'b0;
    end else begin
        // pack stage
        wb_en <= emit_v || emit_f;
        if (emit_v || emit_f) begin
            wb_data <= emit_v ? buf_b[63:0] : buf_r[63:0];
            wb_addr <= {{15'd0, m_bank}} * 16'd{bankw} + plane_base + k;
        end
        if (m_flush) begin
            buf_r <= 128'd0; fill <= 8'd0; k <= 16'd0;
            if (m_end) wp_r <= wp_r + 3'd1;
        end else if (m_valid) begin
            buf_r <= emit_v ? (buf_b >> 64) : buf_b;
            fill <= emit_v ? fill_b - 8'd64 : fill_b;
            if (emit_v) k <= k + 16'd1;
        end
        // issue stage
        m_valid <= i_valid; m_flush <= i_flush; m_two <= i_two; m_zero0 <= i_zero0; m_zero1 <= i_zero1;
        m_end <= i_end; m_len0 <= i_len0; m_len1 <= i_len1; m_bank <= i_bank; m_plane <= i_plane;
        i_valid <= 1'b0; i_flush <= 1'b0;
        if (running) begin
            if (flush_next) begin
                i_flush <= 1'b1; i_end <= (j + 4'd1 == a_in); i_bank <= issued[0]; i_plane <= j;
                flush_next <= 1'b0;
                if (j + 4'd1 == a_in) begin
                    j <= 4'd0; issued <= issued + 3'd1; active <= 1'b0;
                    if ({{1'b0, x}} + 9'd1 == {{2'b0, w}}) begin
                        x <= 8'd0;
                        if ({{1'b0, y}} + 9'd1 == {{2'b0, h}}) begin
                            y <= 8'd0; img <= img + 17'd1;
                            if (img + 17'd1 == images) running <= 1'b0;
                        end else y <= y + 8'd1;
                    end else x <= x + 8'd1;
                end else j <= j + 4'd1;
            end else if (go) begin
                active <= 1'b1;
                i_valid <= 1'b1; i_zero0 <= z0; i_zero1 <= z1; i_len0 <= len0; i_len1 <= len1; i_two <= two;
                i_bank <= issued[0]; i_plane <= j;
                ra0 <= a0; ra1 <= a1;
                if (ky_n >= 3'd3) begin flush_next <= 1'b1; ky <= 2'd0; kx <= 2'd0; cw <= 5'd0; end
                else begin ky <= ky_n[1:0]; kx <= kx_n; cw <= cw_n; end
            end
        end
    end
end
always @(*) begin
    wp = wp_r;
    win_row = y;
    img_r = img;
end
",
            dec = verilog_decode(sz.p, sz.s),
            sink = VERILOG_DECODE_SINK,
            sw = sz.sw,
            row = sz.row,
            bankw = sz.bank_chunks * sz.sw
        ))
    }
}
