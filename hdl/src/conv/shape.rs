//! The layer registers every block derives from the command word (format: the engine's module doc),
//! plus the engine's build-time sizes. Each block's Verilog derives the same values from `cmd`.

use std::fmt::Write;

use qtrain::exact::command_word::{Encoding, CONV_FIELDS, C_IN, C_OUT};
use qtrain::exact::geometry::{ConvLayer, K};
use qtrain::exact::pack::{words_per_filter, STREAM_WORD_BITS};
use qtrain::hw::ConvParams;

/// Decoded command word and the folding derived from it on a P×S engine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Shape {
    /// Input channels.
    pub c_in: usize,
    /// Output channels.
    pub c_out: usize,
    /// Height.
    pub h: usize,
    /// Width.
    pub w: usize,
    /// Input bits.
    pub a_in: usize,
    /// Output bits.
    pub a_out: usize,
    /// Pool flag.
    pub pool: bool,
    /// Requant shift.
    pub sh: u32,
    /// Images.
    pub images: usize,
    /// Output-channel folds ceil(C_out/P).
    pub nf: usize,
    /// SIMD folds ceil(9·C_in/S).
    pub sf: usize,
    /// Words of an input plane ceil(C_in/64).
    pub cw_in: usize,
    /// Words of an output plane ceil(C_out/64).
    pub cw_out: usize,
    /// Window bits N = 9·C_in.
    pub n: usize,
    /// Stream words a filter ceil(N/64).
    pub wpf: usize,
    /// Valid bits of the last S-chunk: N − (SF−1)·S.
    pub rem: usize,
}

impl Shape {
    /// Decode `cmd` for an engine of `p` PEs and `s` SIMD lanes (no range checks: hardware semantics).
    /// Fields from [`ConvLayer::decode_fields`], folding from [`ConvLayer::folding`].
    #[inline]
    pub fn decode(cmd: u64, p: usize, s: usize) -> Self {
        let l = ConvLayer::decode_fields(cmd);
        let f = l.folding(p, s);
        let n = l.window_bits();
        Shape {
            c_in: l.c_in,
            c_out: l.c_out,
            h: l.h,
            w: l.w,
            a_in: l.a_in as usize,
            a_out: l.a_out as usize,
            pool: l.pool,
            sh: l.sh,
            images: l.images,
            nf: f.nf,
            sf: f.sf,
            cw_in: f.cw_in,
            cw_out: f.cw_out,
            n,
            wpf: words_per_filter(K, l.c_in),
            rem: n - (f.sf - 1) * s,
        }
    }
}

/// Build-time memory sizes of an engine, from [`ConvParams`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    /// PEs.
    pub p: usize,
    /// SIMD lanes.
    pub s: usize,
    /// 64-bit words of an S-chunk.
    pub sw: usize,
    /// Largest ceil(C_out/P).
    pub nf_max: usize,
    /// Largest ceil(9·C_in/S).
    pub sf_max: usize,
    /// Largest A.
    pub a_max: usize,
    /// Words of a line-buffer row slot.
    pub row: usize,
    /// S-chunks of a window-buffer bank: A_max·SF_max.
    pub bank_chunks: usize,
    /// Largest ceil(C_out/64).
    pub cwo_max: usize,
    /// Largest W / 2 (pool row buffer).
    pub half_w: usize,
    /// Largest C_out.
    pub c_out_max: usize,
}

impl Sizes {
    /// Sizes of an engine with P = `p`, S = `s` and the limits in `cp`.
    pub fn new(cp: &ConvParams) -> Self {
        let (p, s) = (cp.pe, cp.simd);
        let sf_max = (K * K * cp.max_c_in).div_ceil(s);
        Sizes {
            p,
            s,
            sw: s / STREAM_WORD_BITS,
            nf_max: cp.max_c_out.div_ceil(p),
            sf_max,
            a_max: cp.max_act_bits as usize,
            row: cp.line_row_words,
            bank_chunks: cp.max_act_bits as usize * sf_max,
            cwo_max: cp.max_c_out.div_ceil(STREAM_WORD_BITS),
            half_w: cp.max_w.div_ceil(2),
            c_out_max: cp.max_c_out,
        }
    }
}

/// Bits needed to address `n` entries (at least 1).
pub fn addr_bits(n: usize) -> usize {
    (usize::BITS - n.saturating_sub(1).leading_zeros()).max(1) as usize
}

/// Verilog text that derives the layer registers from a 64-bit `cmd` port (shared by every block):
/// one wire a field of [`CONV_FIELDS`], then the folding of [`Shape::decode`], each register as wide
/// as its largest value needs given the field widths.
pub fn verilog_decode(p: usize, s: usize) -> String {
    let lp = addr_bits(p);
    let ls = addr_bits(s);
    let mut v = String::new();
    for f in CONV_FIELDS {
        let (name, hi, lo, vb) = (f.name, f.msb(), f.lsb, f.value_bits());
        let bits = if f.width == 1 {
            format!("cmd[{lo}]")
        } else {
            format!("cmd[{hi}:{lo}]")
        };
        let range = if vb == 1 {
            String::new()
        } else {
            format!("[{}:0] ", vb - 1)
        };
        let value = match f.encoding {
            Encoding::Raw => bits,
            Encoding::MinusOne => format!("{{1'b0, {bits}}} + {vb}'d1"),
        };
        let _ = writeln!(v, "wire {range}{name} = {value};");
    }
    // Widths: c_in and c_out as decoded; N = K²·C_in takes the bits of both factors; a ceiling
    // division by a stream word drops its log2 bits.
    let ci = C_IN.value_bits() as usize;
    let co = C_OUT.value_bits() as usize;
    let taps = K * K;
    let tb = addr_bits(taps + 1);
    let nb = ci + tb;
    let wb = STREAM_WORD_BITS;
    let lw = addr_bits(wb);
    let _ = write!(
        v,
        "\
wire [{nb1}:0] n_bits = {nb}'d{taps} * {{{tb}'d0, c_in}};
wire [{nb1}:0] sf = (n_bits + {nb}'d{sm1}) >> {ls_};
wire [{co1}:0] nf = (c_out + {co}'d{pm1}) >> {lp_};
wire [{cwi1}:0] cw_in = (c_in + {ci}'d{wm1}) >> {lw};
wire [{cwo1}:0] cw_out = (c_out + {co}'d{wm1}) >> {lw};
wire [{wpf1}:0] wpf = (n_bits + {nb}'d{wm1}) >> {lw};
wire [{nb1}:0] rem = n_bits - ((sf - {nb}'d1) << {ls_});
",
        nb1 = nb - 1,
        co1 = co - 1,
        cwi1 = ci - lw - 1,
        cwo1 = co - lw - 1,
        wpf1 = nb - lw - 1,
        wm1 = wb - 1,
        sm1 = s - 1,
        pm1 = p - 1,
        ls_ = if s == 1 { 0 } else { ls },
        lp_ = if p == 1 { 0 } else { lp },
    );
    v
}

/// Verilog that marks the decoded layer registers as used (Verilator's `*unused*` convention), for
/// blocks that need only some of them.
pub const VERILOG_DECODE_SINK: &str = "wire unused_decode = &{1'b0, c_in, c_out, h, w, a_in, a_out, pool, sh, images, n_bits, sf, nf, cw_in, cw_out, wpf, rem, cmd, 1'b0};\n";

#[cfg(test)]
mod tests {
    use qtrain::exact::command_word::IMAGES;
    use rust_hdl::prelude::*;

    use crate::accel::router_data::RouterData;
    use crate::accel::router_fsm::RouterNext;

    fn bits_of<D: Direction, T: Synth>(_: &Signal<D, T>) -> usize {
        T::BITS
    }

    /// `#[hdl_gen]` signal types cannot name a constant of another crate: the router's `images − 1`
    /// registers are typed `Bits<16>`, pinned here to the command word's field.
    #[test]
    fn router_images_registers_are_as_wide_as_the_field() {
        let d = RouterData::<16, 16, 8>::default();
        let n = RouterNext::new(4);
        assert_eq!(bits_of(&d.h_images), IMAGES.width as usize);
        assert_eq!(bits_of(&n.h_images), IMAGES.width as usize);
    }
}
