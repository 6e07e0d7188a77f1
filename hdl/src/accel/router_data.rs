//! The router's data path: the wide words that [`super::router_fsm`] steers but never
//! computes on. It splits the current input word into header fields, holds the update command words
//! and the beat being assembled (a shift register of 64-bit words), cuts a beat into the unit's `w` /
//! `u` lanes, packs the unit's output lanes back into words, and puts the word the state machine
//! selects (`out_sel`) on the response stream. Wire format: [`qtrain::exact::accel`].
//!
//! A hand-written leaf (Rust model in `update()`, Verilog in `hdl()`): field offsets of lane `l` are
//! `(l / per_word) · 64 + (l % per_word) · bits`, which `#[hdl_gen]` cannot compute (no `/`, `%` or
//! generic constants inside an index), and `Bits<64>` in rust-hdl is a 64-byte bit array whose every
//! shift allocates, so the words stay `u64` here. Nothing in it decides anything: the state
//! machine that does is one `#[hdl_gen]` description. Checked view against view by the router's
//! lockstep bench (`hdl/tests/lockstep/blocks.rs`).

use rust_hdl::prelude::*;

use qtrain::exact::accel::{self as wire, counter};
use qtrain::exact::command_word::{is_conv_command, IMAGES, OPCODE};
use qtrain::exact::geometry::OPCODE_CONV;
use qtrain::exact::pack::STREAM_WORD_BITS;

use crate::stream::Wide;

/// `out_sel` codes: which word the response stream carries.
pub mod out_sel {
    /// Nothing (zero).
    pub const NONE: u64 = 0;
    /// The error word of a bad header (`err`, `hdr_lo`).
    pub const ERROR: u64 = 1;
    /// The conv engine's output word.
    pub const CONV: u64 = 2;
    /// Word `ocnt` of the update unit's output beat.
    pub const BEAT: u64 = 3;
    /// The update status word.
    pub const STATUS: u64 = 4;
    /// Counter word `cidx`.
    pub const COUNTER: u64 = 5;
}

/// The data path for an update unit of `L` lanes, `WB`-bit weights and `UB`-bit steps.
#[derive(LogicBlock)]
pub struct RouterData<const L: usize, const WB: usize, const UB: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// The current input word.
    pub in_data: Signal<In, Wide<1>>,
    /// The host's `last` (accepted, not interpreted: headers carry lengths).
    pub in_last: Signal<In, Bit>,
    /// The unit's `out_last` (not interpreted: the router counts beats).
    pub u_out_last: Signal<In, Bit>,
    /// Shift `in_data` into the beat buffer at the edge.
    pub shift: Signal<In, Bit>,
    /// Load `in_data` as update command word 0 at the edge.
    pub ld_cmd0: Signal<In, Bit>,
    /// Load `in_data` as update command word 1 (seed) at the edge.
    pub ld_cmd1: Signal<In, Bit>,
    /// Which word the response carries ([`out_sel`]).
    pub out_sel: Signal<In, Bits<3>>,
    /// Error code of the error word.
    pub err: Signal<In, Bits<8>>,
    /// Low half of the bad header (the error word's low half).
    pub hdr_lo: Signal<In, Bits<32>>,
    /// The update transaction ended inside a beat.
    pub trunc: Signal<In, Bit>,
    /// Word of the output beat on the stream.
    pub ocnt: Signal<In, Bits<8>>,
    /// Counter word on the stream.
    pub cidx: Signal<In, Bits<4>>,
    /// Counters, in [`qtrain::exact::accel::counter`] order.
    pub n_conv_busy: Signal<In, Bits<64>>,
    /// Counter: conv words in.
    pub n_conv_in: Signal<In, Bits<64>>,
    /// Counter: conv words out.
    pub n_conv_out: Signal<In, Bits<64>>,
    /// Counter: update busy cycles.
    pub n_update_busy: Signal<In, Bits<64>>,
    /// Counter: update words in.
    pub n_update_in: Signal<In, Bits<64>>,
    /// Counter: update words out.
    pub n_update_out: Signal<In, Bits<64>>,
    /// Counter: transactions.
    pub n_trans: Signal<In, Bits<32>>,
    /// Counter: bad transactions.
    pub n_err: Signal<In, Bits<32>>,
    /// Header field: op (bits 3:0).
    pub h_op: Signal<Out, Bits<4>>,
    /// Header field: tag (bits 7:4).
    pub h_tag: Signal<Out, Bits<4>>,
    /// Header bits 31:8 are zero.
    pub h_rsvd_zero: Signal<Out, Bit>,
    /// Header field: payload length (bits 63:32).
    pub h_len: Signal<Out, Bits<32>>,
    /// Header bits 31:0.
    pub h_lo: Signal<Out, Bits<32>>,
    /// The word is a conv command word (its opcode).
    pub h_conv_cmd: Signal<Out, Bit>,
    /// The conv command word's images − 1 field.
    pub h_images: Signal<Out, Bits<16>>,
    /// Conv engine input word (= `in_data`).
    pub c_in_data: Signal<Out, Wide<1>>,
    /// Conv engine output word.
    pub c_out_data: Signal<In, Wide<1>>,
    /// Response word.
    pub out_data: Signal<Out, Wide<1>>,
    /// Update command word 0.
    pub u_cmd_word: Signal<Out, Bits<64>>,
    /// Update command word 1 (seed).
    pub u_cmd_seed: Signal<Out, Bits<64>>,
    /// Beat weights, lane l.
    pub u_w: [Signal<Out, Bits<WB>>; L],
    /// Beat steps, lane l.
    pub u_u: [Signal<Out, Bits<UB>>; L],
    /// Updated weights, lane l.
    pub u_w_out: [Signal<In, Bits<WB>>; L],
    /// Forward weights, lane l.
    pub u_q_out: [Signal<In, Bits<WB>>; L],
    /// The packed sign word.
    pub u_pack_word: Signal<In, Bits<64>>,
    /// The unit's saturation counter.
    pub u_sat_count: Signal<In, Bits<32>>,
    /// The unit's sticky command-error flag.
    pub u_cmd_error: Signal<In, Bit>,
    _s: Regs,
}

/// The data path's registers.
#[derive(Clone, Debug, Default)]
struct Regs {
    cmd0: u64,
    cmd1: u64,
    /// The beat buffer: word 0 is the oldest.
    ibuf: Vec<u64>,
}

impl<const L: usize, const WB: usize, const UB: usize> Default for RouterData<L, WB, UB> {
    fn default() -> Self {
        Self {
            clock: Default::default(),
            in_data: Default::default(),
            in_last: Default::default(),
            u_out_last: Default::default(),
            shift: Default::default(),
            ld_cmd0: Default::default(),
            ld_cmd1: Default::default(),
            out_sel: Default::default(),
            err: Default::default(),
            hdr_lo: Default::default(),
            trunc: Default::default(),
            ocnt: Default::default(),
            cidx: Default::default(),
            n_conv_busy: Default::default(),
            n_conv_in: Default::default(),
            n_conv_out: Default::default(),
            n_update_busy: Default::default(),
            n_update_in: Default::default(),
            n_update_out: Default::default(),
            n_trans: Default::default(),
            n_err: Default::default(),
            h_op: Default::default(),
            h_tag: Default::default(),
            h_rsvd_zero: Default::default(),
            h_len: Default::default(),
            h_lo: Default::default(),
            h_conv_cmd: Default::default(),
            h_images: Default::default(),
            c_in_data: Default::default(),
            c_out_data: Default::default(),
            out_data: Default::default(),
            u_cmd_word: Default::default(),
            u_cmd_seed: Default::default(),
            u_w: std::array::from_fn(|_| Default::default()),
            u_u: std::array::from_fn(|_| Default::default()),
            u_w_out: std::array::from_fn(|_| Default::default()),
            u_q_out: std::array::from_fn(|_| Default::default()),
            u_pack_word: Default::default(),
            u_sat_count: Default::default(),
            u_cmd_error: Default::default(),
            _s: Regs {
                ibuf: vec![0; Self::NBI],
                ..Default::default()
            },
        }
    }
}

impl<const L: usize, const WB: usize, const UB: usize> RouterData<L, WB, UB> {
    /// w lanes per word.
    const WPW: usize = STREAM_WORD_BITS / WB;
    /// u lanes per word.
    const UPW: usize = STREAM_WORD_BITS / UB;
    /// Words of a beat's w.
    pub const NWW: usize = L.div_ceil(Self::WPW);
    /// Input words of a beat.
    pub const NBI: usize = Self::NWW + L.div_ceil(Self::UPW);
    /// Output words of a beat without the pack word.
    pub const NWO: usize = 2 * Self::NWW;

    /// Output word `j` of lanes `src` (w_out words, then q_out words; lanes zero-extended).
    fn lane_word(src: &[Signal<In, Bits<WB>>; L], j: usize) -> u64 {
        let mut x = 0u64;
        for k in 0..Self::WPW {
            let l = j * Self::WPW + k;
            if l < L {
                x |= src[l].val().to_u64() << (k * WB);
            }
        }
        x
    }

    fn response_word(&self) -> u64 {
        let status = self.u_sat_count.val().to_u64() | (self.u_cmd_error.val() as u64) << 32;
        match self.out_sel.val().to_u64() {
            out_sel::ERROR => {
                wire::ERROR_FLAG | self.err.val().to_u64() << 32 | self.hdr_lo.val().to_u64()
            }
            out_sel::CONV => self.c_out_data.val().0[0],
            out_sel::BEAT => {
                let k = self.ocnt.val().to_u64() as usize;
                if k < Self::NWW {
                    Self::lane_word(&self.u_w_out, k)
                } else if k < Self::NWO {
                    Self::lane_word(&self.u_q_out, k - Self::NWW)
                } else {
                    self.u_pack_word.val().to_u64()
                }
            }
            out_sel::STATUS => {
                status
                    | if self.trunc.val() {
                        wire::STATUS_TRUNCATED
                    } else {
                        0
                    }
            }
            out_sel::COUNTER => match self.cidx.val().to_u64() as usize {
                counter::CONV_BUSY => self.n_conv_busy.val().to_u64(),
                counter::CONV_IN => self.n_conv_in.val().to_u64(),
                counter::CONV_OUT => self.n_conv_out.val().to_u64(),
                counter::UPDATE_BUSY => self.n_update_busy.val().to_u64(),
                counter::UPDATE_IN => self.n_update_in.val().to_u64(),
                counter::UPDATE_OUT => self.n_update_out.val().to_u64(),
                counter::UPDATE_STATUS => status,
                _ => self.n_trans.val().to_u64() | self.n_err.val().to_u64() << 32,
            },
            _ => 0,
        }
    }
}

impl<const L: usize, const WB: usize, const UB: usize> Logic for RouterData<L, WB, UB> {
    fn update(&mut self) {
        let w = self.in_data.val().0[0];
        if self.clock.pos_edge() {
            let s = &mut self._s;
            if self.shift.val() {
                s.ibuf.rotate_left(1);
                if let Some(last) = s.ibuf.last_mut() {
                    *last = w;
                }
            }
            if self.ld_cmd0.val() {
                s.cmd0 = w;
            }
            if self.ld_cmd1.val() {
                s.cmd1 = w;
            }
        }
        self.h_op.next = wire::H_OP.get(w).into();
        self.h_tag.next = wire::H_TAG.get(w).into();
        self.h_rsvd_zero.next = wire::H_RSVD.get(w) == 0;
        self.h_len.next = wire::H_LEN.get(w).into();
        self.h_lo.next = (w & 0xFFFF_FFFF).into();
        self.h_conv_cmd.next = is_conv_command(w);
        self.h_images.next = ((w >> wire::CONV_IMAGES_SHIFT) & IMAGES.mask()).into();
        self.c_in_data.next = self.in_data.val();
        self.out_data.next = Wide([self.response_word()]);
        let s = &self._s;
        self.u_cmd_word.next = s.cmd0.into();
        self.u_cmd_seed.next = s.cmd1.into();
        let (wm, um) = ((1u64 << WB) - 1, (1u64 << UB) - 1);
        for l in 0..L {
            let ww = s.ibuf[l / Self::WPW] >> ((l % Self::WPW) * WB);
            let uw = s.ibuf[Self::NWW + l / Self::UPW] >> ((l % Self::UPW) * UB);
            self.u_w[l].next = (ww & wm).into();
            self.u_u[l].next = (uw & um).into();
        }
    }

    fn connect(&mut self) {
        self.h_op.connect();
        self.h_tag.connect();
        self.h_rsvd_zero.connect();
        self.h_len.connect();
        self.h_lo.connect();
        self.h_conv_cmd.connect();
        self.h_images.connect();
        self.c_in_data.connect();
        self.out_data.connect();
        self.u_cmd_word.connect();
        self.u_cmd_seed.connect();
        for l in 0..L {
            self.u_w[l].connect();
            self.u_u[l].connect();
        }
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(verilog_body(
            L,
            WB,
            UB,
            Self::WPW,
            Self::UPW,
            Self::NWW,
            Self::NBI,
        ))
    }
}

/// The Verilog body for `l` lanes of `wb`-bit w / `ub`-bit u fields (`wpw`, `upw` lanes a word,
/// `nww` words of w a beat, `nbi` input words a beat).
fn verilog_body(
    l: usize,
    wb: usize,
    ub: usize,
    wpw: usize,
    upw: usize,
    nww: usize,
    nbi: usize,
) -> String {
    use std::fmt::Write as _;
    let mut v = String::new();
    let _ = writeln!(v, "reg [63:0] cmd0, cmd1;");
    for i in 0..nbi {
        let _ = writeln!(v, "reg [63:0] ibuf{i};");
    }
    let _ = write!(v, "initial begin cmd0 = 64'd0; cmd1 = 64'd0;");
    for i in 0..nbi {
        let _ = write!(v, " ibuf{i} = 64'd0;");
    }
    let _ = writeln!(v, " end\nalways @(posedge clock) begin");
    let _ = writeln!(v, "    if (shift) begin");
    for i in 0..nbi {
        let src = if i + 1 == nbi {
            "in_data".to_string()
        } else {
            format!("ibuf{}", i + 1)
        };
        let _ = writeln!(v, "        ibuf{i} <= {src};");
    }
    let _ = writeln!(
        v,
        "    end
    if (ld_cmd0) cmd0 <= in_data;
    if (ld_cmd1) cmd1 <= in_data;
end
wire _unused_ok = &{{1'b0, in_last, u_out_last, 1'b0}};
always @(*) begin
    h_op = in_data[{oph_}:{opl_}];
    h_tag = in_data[{tgh}:{tgl}];
    h_rsvd_zero = (in_data[{rvh}:{rvl}] == {rvw}'d0);
    h_len = in_data[{ls}+:{lw}];
    h_lo = in_data[31:0];
    h_conv_cmd = (in_data[{oph}:{opl}] == {opw}'d{opc});
    h_images = in_data[{ish}+:{iw}];
    c_in_data = in_data;
    u_cmd_word = cmd0;
    u_cmd_seed = cmd1;",
        oph_ = wire::H_OP.msb(),
        opl_ = wire::H_OP.lsb,
        tgh = wire::H_TAG.msb(),
        tgl = wire::H_TAG.lsb,
        rvh = wire::H_RSVD.msb(),
        rvl = wire::H_RSVD.lsb,
        rvw = wire::H_RSVD.width,
        ls = wire::H_LEN.lsb,
        lw = wire::H_LEN.width,
        opc = OPCODE_CONV,
        oph = OPCODE.msb(),
        opl = OPCODE.lsb,
        opw = OPCODE.width,
        ish = wire::CONV_IMAGES_SHIFT,
        iw = IMAGES.width,
    );
    for k in 0..l {
        let _ = writeln!(
            v,
            "    u_w${k} = ibuf{}[{}+:{wb}];",
            k / wpw,
            (k % wpw) * wb
        );
        let _ = writeln!(
            v,
            "    u_u${k} = ibuf{}[{}+:{ub}];",
            nww + k / upw,
            (k % upw) * ub
        );
    }
    // output words of a beat: w_out words, q_out words (lanes packed, zero-extended)
    let word_of = |src: &str, j: usize| {
        let lanes: Vec<String> = (j * wpw..((j + 1) * wpw).min(l))
            .rev()
            .map(|k| format!("{src}${k}"))
            .collect();
        let pad = 64 - lanes.len() * wb;
        if pad > 0 {
            format!("{{{pad}'d0, {}}}", lanes.join(", "))
        } else {
            format!("{{{}}}", lanes.join(", "))
        }
    };
    let _ = writeln!(
        v,
        "    case (out_sel)
        3'd{e}: out_data = {{1'b1, {eg}'d0, err, hdr_lo}};
        3'd{c}: out_data = c_out_data;
        3'd{b}: case (ocnt)",
        e = out_sel::ERROR,
        eg = 63 - 8 - 32,
        c = out_sel::CONV,
        b = out_sel::BEAT,
    );
    for j in 0..nww {
        let _ = writeln!(
            v,
            "            8'd{j}: out_data = {};",
            word_of("u_w_out", j)
        );
        let _ = writeln!(
            v,
            "            8'd{}: out_data = {};",
            j + nww,
            word_of("u_q_out", j)
        );
    }
    let _ = writeln!(
        v,
        "            default: out_data = u_pack_word;
        endcase
        3'd{s}: out_data = {{30'd0, trunc, u_cmd_error, u_sat_count}};
        3'd{cn}: case (cidx)
            4'd{cb}: out_data = n_conv_busy;
            4'd{ci}: out_data = n_conv_in;
            4'd{co}: out_data = n_conv_out;
            4'd{ubz}: out_data = n_update_busy;
            4'd{ui}: out_data = n_update_in;
            4'd{uo}: out_data = n_update_out;
            4'd{us}: out_data = {{31'd0, u_cmd_error, u_sat_count}};
            default: out_data = {{n_err, n_trans}};
        endcase
        default: out_data = 64'd0;
    endcase
end",
        s = out_sel::STATUS,
        cn = out_sel::COUNTER,
        cb = counter::CONV_BUSY,
        ci = counter::CONV_IN,
        co = counter::CONV_OUT,
        ubz = counter::UPDATE_BUSY,
        ui = counter::UPDATE_IN,
        uo = counter::UPDATE_OUT,
        us = counter::UPDATE_STATUS,
    );
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits_of<D: Direction, T: Synth>(_: &Signal<D, T>) -> usize {
        T::BITS
    }

    /// `#[hdl_gen]` signal types cannot name a constant of another crate: the header registers are
    /// typed by hand, pinned here to the header's field table (`qtrain::exact::accel::HEADER_FIELDS`).
    #[test]
    fn header_registers_are_as_wide_as_the_fields() {
        let d = RouterData::<16, 16, 8>::default();
        assert_eq!(bits_of(&d.h_op), wire::H_OP.width as usize);
        assert_eq!(bits_of(&d.h_tag), wire::H_TAG.width as usize);
        assert_eq!(bits_of(&d.h_len), wire::H_LEN.width as usize);
        assert_eq!(bits_of(&d.h_lo), wire::H_LEN.lsb as usize);
    }
}
