//! The layer registers every block derives from the command word (format: the engine's module doc),
//! plus the engine's build-time sizes. Each block's Verilog derives the same values from `cmd`.

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
    pub fn decode(cmd: u64, p: usize, s: usize) -> Self {
        let f = |lo: u32, bits: u32| ((cmd >> lo) & ((1 << bits) - 1)) as usize;
        let c_in = f(4, 10) + 1;
        let c_out = f(14, 10) + 1;
        let n = 9 * c_in;
        let sf = n.div_ceil(s);
        Shape {
            c_in,
            c_out,
            h: f(24, 6) + 1,
            w: f(30, 6) + 1,
            a_in: f(36, 3) + 1,
            a_out: f(39, 3) + 1,
            pool: f(42, 1) == 1,
            sh: f(43, 5) as u32,
            images: f(48, 16) + 1,
            nf: c_out.div_ceil(p),
            sf,
            cw_in: c_in.div_ceil(64),
            cw_out: c_out.div_ceil(64),
            n,
            wpf: n.div_ceil(64),
            rem: n - (sf - 1) * s,
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
        let sf_max = (9 * cp.max_c_in).div_ceil(s);
        Sizes {
            p,
            s,
            sw: s / 64,
            nf_max: cp.max_c_out.div_ceil(p),
            sf_max,
            a_max: cp.max_act_bits as usize,
            row: cp.line_row_words,
            bank_chunks: cp.max_act_bits as usize * sf_max,
            cwo_max: cp.max_c_out.div_ceil(64),
            half_w: cp.max_w.div_ceil(2),
            c_out_max: cp.max_c_out,
        }
    }
}

/// Bits needed to address `n` entries (at least 1).
pub fn addr_bits(n: usize) -> usize {
    (usize::BITS - n.saturating_sub(1).leading_zeros()).max(1) as usize
}

/// Verilog text that derives the layer registers from a 64-bit `cmd` port (shared by every block).
pub fn verilog_decode(p: usize, s: usize) -> String {
    let lp = addr_bits(p);
    let ls = addr_bits(s);
    format!(
        "\
wire [10:0] c_in = {{1'b0, cmd[13:4]}} + 11'd1;
wire [10:0] c_out = {{1'b0, cmd[23:14]}} + 11'd1;
wire [6:0] h = {{1'b0, cmd[29:24]}} + 7'd1;
wire [6:0] w = {{1'b0, cmd[35:30]}} + 7'd1;
wire [3:0] a_in = {{1'b0, cmd[38:36]}} + 4'd1;
wire [3:0] a_out = {{1'b0, cmd[41:39]}} + 4'd1;
wire pool = cmd[42];
wire [4:0] sh = cmd[47:43];
wire [16:0] images = {{1'b0, cmd[63:48]}} + 17'd1;
wire [14:0] n_bits = 15'd9 * {{4'd0, c_in}};
wire [14:0] sf = (n_bits + 15'd{sm1}) >> {ls_};
wire [10:0] nf = (c_out + 11'd{pm1}) >> {lp_};
wire [4:0] cw_in = (c_in + 11'd63) >> 6;
wire [4:0] cw_out = (c_out + 11'd63) >> 6;
wire [8:0] wpf = (n_bits + 15'd63) >> 6;
wire [14:0] rem = n_bits - ((sf - 15'd1) << {ls_});
",
        sm1 = s - 1,
        pm1 = p - 1,
        ls_ = if s == 1 { 0 } else { ls },
        lp_ = if p == 1 { 0 } else { lp },
    )
}

/// Verilog that marks the decoded layer registers as used (Verilator's `*unused*` convention), for
/// blocks that need only some of them.
pub const VERILOG_DECODE_SINK: &str = "wire unused_decode = &{1'b0, c_in, c_out, h, w, a_in, a_out, pool, sh, images, n_bits, sf, nf, cw_in, cw_out, wpf, rem, cmd, 1'b0};\n";
