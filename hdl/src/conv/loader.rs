//! Loader: takes the engine's input stream apart. Waits (ready low) until the previous layer has
//! left the engine, then takes a command word (opcode 0xC in bits 3:0; other words are dropped while
//! idle), C_out requant parameter words, C_out·ceil(9·C_in/64) weight words, and every image's
//! activations, and writes each word to its block one cycle after the handshake.
//!
//! Activations: row y of image i goes to line-buffer slot y mod 4 and is only accepted while the
//! window unit works on image i at a row ≥ y − 2 (so the slot it overwrites is no longer read);
//! `rows_done`/`img_w` tell the window unit how far loading has got.

use rust_hdl::prelude::*;

use qtrain::exact::command_word::{is_conv_command, OPCODE, OPCODE_CONV};

use crate::conv::shape::{verilog_decode, Shape, Sizes, VERILOG_DECODE_SINK};
use crate::stream::Wide;

/// Stream loader (see the module doc).
#[derive(LogicBlock)]
pub struct Loader {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Input word.
    pub in_data: Signal<In, Wide<1>>,
    /// Input word valid.
    pub in_valid: Signal<In, Bit>,
    /// Input end-of-packet flag (not interpreted: the command word fixes the layer's length).
    pub in_last: Signal<In, Bit>,
    /// Loader takes the word.
    pub in_ready: Signal<Out, Bit>,
    /// The previous layer is still in the engine.
    pub busy: Signal<In, Bit>,
    /// Window unit's current output row.
    pub win_row: Signal<In, Bits<8>>,
    /// Window unit's current image.
    pub img_r: Signal<In, Bits<17>>,
    /// Current layer's command word.
    pub cmd: Signal<Out, Wide<1>>,
    /// One-cycle pulse: a layer starts (cmd is valid from this cycle on).
    pub start: Signal<Out, Bit>,
    /// Data of the write below.
    pub wr_data: Signal<Out, Wide<1>>,
    /// Requant parameter write.
    pub pw_en: Signal<Out, Bit>,
    /// Output channel of the parameter.
    pub pw_addr: Signal<Out, Bits<10>>,
    /// Weight word write.
    pub ww_en: Signal<Out, Bit>,
    /// Filter (output channel) of the weight word.
    pub ww_filter: Signal<Out, Bits<10>>,
    /// Word index in the filter.
    pub ww_word: Signal<Out, Bits<8>>,
    /// Last word of the filter.
    pub ww_last: Signal<Out, Bit>,
    /// Activation word write.
    pub aw_en: Signal<Out, Bit>,
    /// Line-buffer address (slot·ROW + word of the row).
    pub aw_addr: Signal<Out, Bits<16>>,
    /// Complete rows of image `img_w`.
    pub rows_done: Signal<Out, Bits<8>>,
    /// Image being loaded (counts up to `images`).
    pub img_w: Signal<Out, Bits<17>>,
    _s: LoaderState,
}

#[derive(Default)]
struct LoaderState {
    sz: Option<Sizes>,
    phase: u8,
    cmd: u64,
    cnt: usize,
    word: usize,
    row: usize,
    wir: usize,
    img: usize,
}

impl Loader {
    /// A loader for an engine of the given sizes.
    pub fn new(sz: Sizes) -> Self {
        Loader {
            clock: Default::default(),
            in_data: Default::default(),
            in_valid: Default::default(),
            in_last: Default::default(),
            in_ready: Default::default(),
            busy: Default::default(),
            win_row: Default::default(),
            img_r: Default::default(),
            cmd: Default::default(),
            start: Default::default(),
            wr_data: Default::default(),
            pw_en: Default::default(),
            pw_addr: Default::default(),
            ww_en: Default::default(),
            ww_filter: Default::default(),
            ww_word: Default::default(),
            ww_last: Default::default(),
            aw_en: Default::default(),
            aw_addr: Default::default(),
            rows_done: Default::default(),
            img_w: Default::default(),
            _s: LoaderState {
                sz: Some(sz),
                ..Default::default()
            },
        }
    }

    fn ready(&self) -> bool {
        let s = &self._s;
        match s.phase {
            0 => !self.busy.val(),
            1 | 2 => true,
            _ => s.img == self.img_r.val().index() && s.row <= self.win_row.val().index() + 2,
        }
    }
}

impl Logic for Loader {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let fire = self.in_valid.val() && self.ready();
            let word = self.in_data.val().0[0];
            let sz = self._s.sz.expect("Loader::new");
            let s = &mut self._s;
            let sh = Shape::decode(s.cmd, sz.p, sz.s);
            self.start.next = false;
            self.pw_en.next = false;
            self.ww_en.next = false;
            self.aw_en.next = false;
            self.wr_data.next = Wide([word]);
            if fire {
                match s.phase {
                    0 => {
                        if is_conv_command(word) {
                            s.cmd = word;
                            s.phase = 1;
                            s.cnt = 0;
                            s.row = 0;
                            s.img = 0;
                            self.start.next = true;
                        }
                    }
                    1 => {
                        self.pw_en.next = true;
                        self.pw_addr.next = (s.cnt as u64).into();
                        s.cnt += 1;
                        if s.cnt == sh.c_out {
                            s.phase = 2;
                            s.cnt = 0;
                            s.word = 0;
                        }
                    }
                    2 => {
                        self.ww_en.next = true;
                        self.ww_filter.next = (s.cnt as u64).into();
                        self.ww_word.next = (s.word as u64).into();
                        self.ww_last.next = s.word + 1 == sh.wpf;
                        s.word += 1;
                        if s.word == sh.wpf {
                            s.word = 0;
                            s.cnt += 1;
                            if s.cnt == sh.c_out {
                                s.phase = 3;
                                s.row = 0;
                                s.wir = 0;
                                s.img = 0;
                            }
                        }
                    }
                    _ => {
                        self.aw_en.next = true;
                        self.aw_addr.next = (((s.row % 4) * sz.row + s.wir) as u64).into();
                        s.wir += 1;
                        if s.wir == sh.w * sh.a_in * sh.cw_in {
                            s.wir = 0;
                            s.row += 1;
                            if s.row == sh.h {
                                s.row = 0;
                                s.img += 1;
                                if s.img == sh.images {
                                    s.phase = 0;
                                }
                            }
                        }
                    }
                }
            }
            self.cmd.next = Wide([s.cmd]);
            self.rows_done.next = (s.row as u64).into();
            self.img_w.next = (s.img as u64).into();
        }
        self.in_ready.next = self.ready();
    }

    fn connect(&mut self) {
        for s in [
            &mut self.in_ready,
            &mut self.start,
            &mut self.pw_en,
            &mut self.ww_en,
            &mut self.ww_last,
            &mut self.aw_en,
        ] {
            s.connect();
        }
        self.cmd.connect();
        self.wr_data.connect();
        self.pw_addr.connect();
        self.ww_filter.connect();
        self.ww_word.connect();
        self.aw_addr.connect();
        self.rows_done.connect();
        self.img_w.connect();
    }

    fn hdl(&self) -> Verilog {
        let sz = self._s.sz.expect("Loader::new");
        Verilog::Custom(format!(
            "\
reg [63:0] cmd_r;
reg [2:0] phase;
reg [9:0] cnt;
reg [7:0] word;
reg [7:0] row;
reg [15:0] wir;
reg [16:0] img;
initial begin cmd_r = 64'd0; phase = 3'd0; cnt = 10'd0; word = 8'd0; row = 8'd0; wir = 16'd0; img = 17'd0; end
{dec}{sink}wire [15:0] row_words = w * a_in * cw_in;
wire unused_in = &{{1'b0, in_last, 1'b0}};
reg rdy;
always @(*) begin
    case (phase)
        3'd0: rdy = !busy;
        3'd1, 3'd2: rdy = 1'b1;
        default: rdy = (img == img_r) && ({{1'b0, row}} <= {{1'b0, win_row}} + 9'd2);
    endcase
    in_ready = rdy;
end
always @(posedge clock) begin
    start <= 1'b0; pw_en <= 1'b0; ww_en <= 1'b0; aw_en <= 1'b0;
    wr_data <= in_data;
    if (in_valid && rdy) begin
        case (phase)
            3'd0: if (in_data[{oph}:{opl}] == {opw}'h{opc:X}) begin cmd_r <= in_data; phase <= 3'd1; cnt <= 10'd0; row <= 8'd0; img <= 17'd0; start <= 1'b1; end
            3'd1: begin
                pw_en <= 1'b1; pw_addr <= cnt;
                if ({{1'b0, cnt}} + 11'd1 == c_out) begin phase <= 3'd2; cnt <= 10'd0; word <= 8'd0; end
                else cnt <= cnt + 10'd1;
            end
            3'd2: begin
                ww_en <= 1'b1; ww_filter <= cnt; ww_word <= word; ww_last <= ({{1'b0, word}} + 9'd1 == wpf);
                if ({{1'b0, word}} + 9'd1 == wpf) begin
                    word <= 8'd0;
                    if ({{1'b0, cnt}} + 11'd1 == c_out) begin phase <= 3'd3; row <= 8'd0; wir <= 16'd0; img <= 17'd0; end
                    else cnt <= cnt + 10'd1;
                end else word <= word + 8'd1;
            end
            default: begin
                aw_en <= 1'b1; aw_addr <= {{14'd0, row[1:0]}} * 16'd{row} + wir;
                if (wir + 16'd1 == row_words) begin
                    wir <= 16'd0;
                    if ({{1'b0, row}} + 9'd1 == {{2'b0, h}}) begin
                        row <= 8'd0;
                        if (img + 17'd1 == images) phase <= 3'd0;
                        img <= img + 17'd1;
                    end else row <= row + 8'd1;
                end else wir <= wir + 16'd1;
            end
        endcase
    end
end
always @(*) begin
    cmd = cmd_r;
    rows_done = row;
    img_w = img;
end
",
            dec = verilog_decode(sz.p, sz.s),
            sink = VERILOG_DECODE_SINK,
            row = sz.row,
            oph = OPCODE.msb(),
            opl = OPCODE.lsb,
            opw = OPCODE.width,
            opc = OPCODE_CONV,
        ))
    }
}
