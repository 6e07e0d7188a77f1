//! A conv layer as the engine sees it: its shape, the command word that starts it, the order of the
//! words on the input and output streams, and the FINN-style folding arithmetic (P, S, A tiling,
//! folds, ideal cycles), written once here and used by the golden model, the hardware and the benches.
//!
//! Folding: `NF = ceil(C_out / P)` output-channel folds, `SF = ceil(K²·C_in / S)` SIMD folds of the
//! window, one fold per activation bit-plane. Ideal cycles per image:
//! `H·W · NF · SF · A_in` (3×3 kernel, stride 1, zero padding 1, so the output is H×W before pooling).

use crate::error::{QtrainError, Result};
use crate::exact::command_word::{self as cw, OPCODE};
use crate::exact::pack::STREAM_WORD_BITS;
use crate::hw::ConvParams;

pub use crate::exact::command_word::OPCODE_CONV;

/// Kernel size (the engine is 3×3 only).
pub const K: usize = 3;

/// One conv layer's shape and flags: what the command word carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvLayer {
    /// Input channels (1..=[`cw::C_IN`]`.max()`).
    pub c_in: usize,
    /// Output channels (1..=[`cw::C_OUT`]`.max()`).
    pub c_out: usize,
    /// Feature-map height (1..=[`cw::H`]`.max()`).
    pub h: usize,
    /// Feature-map width (1..=[`cw::W`]`.max()`).
    pub w: usize,
    /// Input activation bits A (1..=[`cw::A_IN`]`.max()`).
    pub a_in: u32,
    /// Output activation bits after requantisation (1..=[`cw::A_OUT`]`.max()`).
    pub a_out: u32,
    /// 2×2 max-pool after requantisation (H and W must be even).
    pub pool: bool,
    /// Requantisation right shift `sh` (0..=[`cw::SH`]`.max()`).
    pub sh: u32,
    /// Images streamed after the weights (1..=[`cw::IMAGES`]`.max()`).
    pub images: usize,
}

/// The folding of one layer onto a P×S engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Folding {
    /// Output-channel folds `ceil(C_out/P)`.
    pub nf: usize,
    /// SIMD folds of one window bit-plane `ceil(K²·C_in/S)`.
    pub sf: usize,
    /// 64-bit words of one pixel's bit-plane on the stream `ceil(C_in/64)`.
    pub cw_in: usize,
    /// 64-bit words of one output pixel's bit-plane `ceil(C_out/64)`.
    pub cw_out: usize,
}

impl ConvLayer {
    /// A square `hw`×`hw` layer of one image with requant shift 0: what a network plan lists
    /// (`qtrain::models`, the simulator's plans) before a run sets the batch and calibrates the shift.
    pub fn planned(
        c_in: usize,
        c_out: usize,
        hw: usize,
        a_in: u32,
        a_out: u32,
        pool: bool,
    ) -> Self {
        Self {
            c_in,
            c_out,
            h: hw,
            w: hw,
            a_in,
            a_out,
            pool,
            sh: 0,
            images: 1,
        }
    }

    /// Window length N = K²·C_in.
    pub fn window_bits(&self) -> usize {
        K * K * self.c_in
    }

    /// Output height (after the optional pool).
    pub fn out_h(&self) -> usize {
        if self.pool {
            self.h / 2
        } else {
            self.h
        }
    }

    /// Output width (after the optional pool).
    pub fn out_w(&self) -> usize {
        if self.pool {
            self.w / 2
        } else {
            self.w
        }
    }

    /// Folding on `p` PEs × `s` SIMD lanes.
    pub fn folding(&self, p: usize, s: usize) -> Folding {
        Folding {
            nf: self.c_out.div_ceil(p),
            sf: self.window_bits().div_ceil(s),
            cw_in: self.c_in.div_ceil(64),
            cw_out: self.c_out.div_ceil(64),
        }
    }

    /// Ideal cycles of one image: `H·W · NF · SF · A` (the DESIGN formula).
    pub fn ideal_cycles(&self, p: usize, s: usize) -> u64 {
        let f = self.folding(p, s);
        (self.h * self.w * f.nf * f.sf) as u64 * self.a_in as u64
    }

    /// Issue cycles the engine's window unit spends on one bit-plane of a window: the pieces
    /// ([`next_piece`] order, [`piece_bits`] each), two a cycle when both fit in 64 bits, plus one
    /// flush cycle.
    pub fn window_plane_cycles(&self) -> u64 {
        let cw_in = self.c_in.div_ceil(STREAM_WORD_BITS);
        let mut piece = Some((0, 0, 0));
        let mut cycles = 1u64;
        while let Some(p) = piece {
            let next = next_piece(p, cw_in);
            piece = match next {
                Some(q) if piece_bits(self.c_in, p.2) + piece_bits(self.c_in, q.2) <= 64 => {
                    next_piece(q, cw_in)
                }
                _ => next,
            };
            cycles += 1;
        }
        cycles
    }

    /// Model of the engine's cycles for one image, from its first activation word entering the
    /// engine to its last output word leaving (no back-pressure): loading the first two rows, building
    /// the first window, then one pixel every `max(NF·A·SF, A·window_plane_cycles)` cycles, then
    /// the pipeline tail and the last pixel's output words. Checked against the cycle-accurate runner
    /// by `bench_conv util` and hdl/tests/conv.rs.
    pub fn model_cycles(&self, p: &ConvParams) -> u64 {
        let f = self.folding(p.pe, p.simd);
        let a = self.a_in as u64;
        let compute = (f.nf * f.sf) as u64 * a;
        let build = a * self.window_plane_cycles();
        let row = (self.w * f.cw_in) as u64 * a;
        let startup = self.h.min(2) as u64 * row + build + 6;
        let tail = 6 + (self.a_out as usize * f.cw_out) as u64;
        startup + (self.h * self.w) as u64 * compute.max(build) + tail
    }

    /// Words of the per-channel requantisation parameters on the stream (one per output channel).
    pub fn param_words(&self) -> usize {
        self.c_out
    }

    /// Words of the weights on the stream (the [`crate::exact::pack`] layout).
    pub fn weight_words(&self) -> usize {
        self.c_out * crate::exact::pack::words_per_filter(K, self.c_in)
    }

    /// Activation words of one image on the stream (H·W pixels × A planes × `cw_in`).
    pub fn act_words(&self) -> usize {
        self.h * self.w * self.a_in as usize * self.c_in.div_ceil(64)
    }

    /// Output words of one image (out_h·out_w pixels × A_out planes × `cw_out`).
    pub fn out_words(&self) -> usize {
        self.out_h() * self.out_w() * self.a_out as usize * self.c_out.div_ceil(64)
    }

    /// Check the shape against the command-word field ranges and the engine's limits in `p`.
    pub fn validate(&self, p: &ConvParams) -> Result<()> {
        let bad = |field: &str, msg: String| {
            Err(QtrainError::Config {
                field: format!("layer.{field}"),
                msg,
            })
        };
        let field_max = |f: &cw::Field| f.max() as usize;
        let lim = [
            ("c_in", self.c_in, p.max_c_in.min(field_max(&cw::C_IN))),
            ("c_out", self.c_out, p.max_c_out.min(field_max(&cw::C_OUT))),
            ("h", self.h, p.max_h.min(field_max(&cw::H))),
            ("w", self.w, p.max_w.min(field_max(&cw::W))),
            ("images", self.images, field_max(&cw::IMAGES)),
        ];
        for (f, v, hi) in lim {
            if v == 0 || v > hi {
                return bad(f, format!("{v} is outside 1..={hi}"));
            }
        }
        for (f, v) in [("a_in", self.a_in), ("a_out", self.a_out)] {
            if v == 0 || v > p.max_act_bits {
                return bad(f, format!("{v} is outside 1..={}", p.max_act_bits));
            }
        }
        if self.sh as u64 > cw::SH.max() {
            return bad("sh", format!("{} is outside 0..={}", self.sh, cw::SH.max()));
        }
        if self.pool && (self.h % 2 != 0 || self.w % 2 != 0) {
            return bad(
                "pool",
                format!("needs even H, W, got {}×{}", self.h, self.w),
            );
        }
        let row = self.w * self.a_in as usize * self.c_in.div_ceil(64);
        if row > p.line_row_words() {
            return bad(
                "w",
                format!(
                    "a row of W·A·ceil(C_in/64) = {row} words exceeds the line buffer's {} words a row",
                    p.line_row_words()
                ),
            );
        }
        Ok(())
    }

    /// The command word that starts this layer: [`OPCODE_CONV`] and the fields of
    /// [`cw::CONV_FIELDS`].
    pub fn command_word(&self) -> u64 {
        OPCODE.put(OPCODE_CONV)
            | cw::C_IN.put(self.c_in as u64)
            | cw::C_OUT.put(self.c_out as u64)
            | cw::H.put(self.h as u64)
            | cw::W.put(self.w as u64)
            | cw::A_IN.put(self.a_in as u64)
            | cw::A_OUT.put(self.a_out as u64)
            | cw::POOL.put(self.pool as u64)
            | cw::SH.put(self.sh as u64)
            | cw::IMAGES.put(self.images as u64)
    }

    /// Decode a command word; errors on a wrong opcode.
    pub fn from_command_word(word: u64) -> Result<Self> {
        let op = OPCODE.get(word);
        if op != OPCODE_CONV {
            return Err(QtrainError::Shape(format!(
                "command word {word:#018x} has opcode {op:#x}, expected {OPCODE_CONV:#x}"
            )));
        }
        Ok(Self::decode_fields(word))
    }

    /// The layer fields of a command word whatever its opcode, without range checks: what the
    /// hardware's registers hold (`qtrain_hdl::conv::shape`).
    #[inline]
    pub fn decode_fields(word: u64) -> Self {
        Self {
            c_in: cw::C_IN.get(word) as usize,
            c_out: cw::C_OUT.get(word) as usize,
            h: cw::H.get(word) as usize,
            w: cw::W.get(word) as usize,
            a_in: cw::A_IN.get(word) as u32,
            a_out: cw::A_OUT.get(word) as u32,
            pool: cw::POOL.get(word) == 1,
            sh: cw::SH.get(word) as u32,
            images: cw::IMAGES.get(word) as usize,
        }
    }
}

/// The input pixel `(yy, xx)` that tap `(ky, kx)` of output pixel `(y, x)` reads on an `h`×`w` map
/// (K×K, stride 1, zero padding K/2), or `None` where the tap falls in the padding: the window walk
/// of the golden convolution and of the engine's window unit.
#[inline]
pub fn tap_source(
    (h, w): (usize, usize),
    (y, x): (usize, usize),
    (ky, kx): (usize, usize),
) -> Option<(usize, usize)> {
    let yy = (y + ky).checked_sub(K / 2)?;
    let xx = (x + kx).checked_sub(K / 2)?;
    (yy < h && xx < w).then_some((yy, xx))
}

/// The piece after `(ky, kx, cw)` in window order, `None` after the last: taps row-major, each
/// tap's `cw_in` stream words of one pixel bit-plane in order. The engine's window unit issues
/// pieces in this order; [`ConvLayer::window_plane_cycles`] counts them.
#[inline]
pub fn next_piece(
    (ky, kx, cw): (usize, usize, usize),
    cw_in: usize,
) -> Option<(usize, usize, usize)> {
    if cw + 1 < cw_in {
        Some((ky, kx, cw + 1))
    } else if kx + 1 < K {
        Some((ky, kx + 1, 0))
    } else if ky + 1 < K {
        Some((ky + 1, 0, 0))
    } else {
        None
    }
}

/// Valid bits of word `cw` of a `c_in`-channel pixel bit-plane: `min(64, C_in − 64·cw)`.
#[inline]
pub fn piece_bits(c_in: usize, cw: usize) -> usize {
    (c_in - STREAM_WORD_BITS * cw).min(STREAM_WORD_BITS)
}

/// The whole input stream of a layer: the command word, C_out requant parameter words, the packed
/// weights (pack.rs layout), then every image's activations as bit-planes (bitplanes.rs layout).
pub fn input_stream(
    l: &ConvLayer,
    rq: &crate::exact::requant::Requant,
    weights: &[u64],
    images: &[Vec<u32>],
) -> Result<Vec<u64>> {
    if images.len() != l.images || weights.len() != l.weight_words() || rq.m.len() != l.c_out {
        return Err(QtrainError::Shape(format!(
            "input_stream: {} images, {} weight words, {} requant channels for layer {l:?}",
            images.len(),
            weights.len(),
            rq.m.len()
        )));
    }
    let mut s = vec![l.command_word()];
    s.extend((0..l.c_out).map(|c| rq.param_word(c)));
    s.extend_from_slice(weights);
    for a in images {
        s.extend(crate::exact::bitplanes::pack_planes(
            a, l.h, l.w, l.c_in, l.a_in,
        )?);
    }
    Ok(s)
}

/// The expected output stream: each image's `a'[y][x][o]` as A_out bit-planes.
pub fn output_stream(l: &ConvLayer, outputs: &[Vec<u32>]) -> Result<Vec<u64>> {
    let mut s = Vec::new();
    for o in outputs {
        s.extend(crate::exact::bitplanes::pack_planes(
            o,
            l.out_h(),
            l.out_w(),
            l.c_out,
            l.a_out,
        )?);
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_round_trip_and_folds() {
        let l = ConvLayer {
            c_in: 3,
            c_out: 128,
            h: 32,
            w: 32,
            a_in: 8,
            a_out: 2,
            pool: true,
            sh: 17,
            images: 300,
        };
        assert_eq!(ConvLayer::from_command_word(l.command_word()).unwrap(), l);
        assert!(ConvLayer::from_command_word(l.command_word() ^ 1).is_err());
        let f = l.folding(16, 64);
        assert_eq!((f.nf, f.sf, f.cw_in, f.cw_out), (8, 1, 1, 2));
        assert_eq!(l.ideal_cycles(16, 64), 32 * 32 * 8 * 8);
        l.validate(&ConvParams::default()).unwrap();
        let odd = ConvLayer { h: 31, ..l.clone() };
        assert!(odd.validate(&ConvParams::default()).is_err());
    }

    #[test]
    fn window_walk_pads_and_pairs_pieces() {
        assert_eq!(tap_source((4, 5), (0, 0), (0, 1)), None);
        assert_eq!(tap_source((4, 5), (0, 0), (1, 1)), Some((0, 0)));
        assert_eq!(tap_source((4, 5), (3, 4), (2, 1)), None);
        assert_eq!(tap_source((4, 5), (3, 4), (1, 0)), Some((3, 3)));
        assert_eq!(next_piece((0, 2, 1), 2), Some((1, 0, 0)));
        assert_eq!(next_piece((2, 2, 0), 1), None);
        let cycles = |c_in| {
            ConvLayer {
                c_in,
                ..ConvLayer::decode_fields(0)
            }
            .window_plane_cycles()
        };
        // Plus one flush: 3 and 20 bits, nine pieces two a cycle; 64, one a cycle; 100, 64 + 36 pieces
        // that never pair.
        assert_eq!(
            [cycles(3), cycles(64), cycles(100), cycles(20)],
            [6, 10, 19, 6]
        );
    }
}
