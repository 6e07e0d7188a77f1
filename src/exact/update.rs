//! The weight-update unit's arithmetic, in integers, beat by beat: the oracle of `qtrain-hdl`'s update
//! unit (`hdl/src/update/`). DESIGN.md, "The update unit's arithmetic", is the specification; this file
//! fixes every rounding and clipping detail of it.
//!
//! One **lane** updates one weight `w` (raw, in `w_format`) with one step `u` (raw, in `u_format`):
//! 1. `ua = u · 2^(w.frac − u.frac)` (the step aligned to w's fraction bits; exact),
//!    `v = w − ua` (exact).
//! 2. **Clip** `v` to the grid's range `[lo, hi]`: `vc = clamp(v, lo, hi)`. A lane whose `v` lay
//!    outside counts one saturation. (Clipping before or after rounding gives the same weight because
//!    `lo` and `hi` are grid points; clipping first makes the count deterministic.)
//! 3. **Round** on the grid of step `2^d` raw units, offset by `off`: `t = vc + off`, then
//!    * R and BC: `k = qd_index(t, d)` (nearest, ties away from zero),
//!    * SR: `k = qs_index(t, d, draw, r)` (floor, plus one when the lane's `r`-bit LFSR draw is below
//!      the dropped fraction),
//!
//!    and `q = k · 2^d − off`.
//! 4. Output `w_out = q` (R, SR) or `w_out = vc` (BC: the high-precision buffer `w_r'`), and `q`, the
//!    weight the next forward pass uses (`Q(w_r')` with deterministic rounding in BC).
//!
//! Grids ([`UpdateGrid`]): **binary** {−1,+1}: `off = 1.0`, `d = w.frac + 1` (Δ = 2), `[lo, hi] = [−1, 1]`;
//! this is DESIGN.md's "quantize v = (w+1)/2 on the unit grid, map back". **Fixed { bits: k, frac: F }**:
//! `off = 0`, `d = w.frac − F` (Δ = 2^−F), `[lo, hi] = [−2^(k−1), 2^(k−1) − 1] · Δ`.
//!
//! The **unit** ([`UpdateUnitModel`]) processes beats of `lanes` weights: lane `l` takes element `l` of
//! each beat. In SR mode every beat consumes one `r`-bit draw per lane from lane `l`'s LFSR
//! ([`crate::lfsr`]; R and BC consume none). A command ([`UpdateCommand`], two 64-bit words) sets the mode,
//! the grid, optionally reseeds every lane from `lane_state(seed, l)`, clears the saturation counter, and
//! enables the **sign packer**: with packing on, the input stream is the layer filter by filter, each
//! filter padded to a multiple of `lanes` weights, and the unit emits the signs of `q` (1 = +1) as the
//! 64-bit words [`crate::exact::pack`] defines (bits past the filter length are zero), so an updated
//! binary layer goes straight back into the conv engine.

use crate::error::{QtrainError, Result};
use crate::exact::pack::STREAM_WORD_BITS;
use crate::fixed::Saturation;
use crate::hw::UpdateParams;
use crate::lfsr::Lfsr;
use crate::quant::{qd_index, qs_index};

/// Which update rule the unit applies (the paper's three methods).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateMode {
    /// Deterministic rounding `w' = Qd(w − u)` (ties away from zero).
    R,
    /// Stochastic rounding `w' = Qs(w − u)` with the lane's LFSR draw.
    Sr,
    /// BinaryConnect: keep `w_r' = clip(w_r − u)` at full precision, forward with `Qd(w_r')`.
    Bc,
}

impl UpdateMode {
    /// Two-bit code in the command word.
    pub fn code(self) -> u64 {
        match self {
            UpdateMode::R => 0,
            UpdateMode::Sr => 1,
            UpdateMode::Bc => 2,
        }
    }
}

/// The weight grid the unit quantizes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateGrid {
    /// {−1, +1} (Δ = 2).
    Binary,
    /// k-bit two's-complement grid with `frac` fraction bits: values `[−2^(k−1), 2^(k−1)−1] · 2^−frac`.
    Fixed {
        /// k, the grid's width in bits (2..=w.total_bits − (w.frac − frac)).
        bits: u32,
        /// F, the grid's fraction bits (≤ w.frac): Δ = 2^−F.
        frac: u32,
    },
}

/// A grid in raw units of `w_format`: what the hardware's configuration registers hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GridRaw {
    /// Offset added before rounding and removed after (`1.0` for the binary grid, else 0).
    pub off: i64,
    /// Raw bits the grid drops: Δ = 2^d raw units.
    pub d: u32,
    /// Smallest grid value (raw).
    pub lo: i64,
    /// Largest grid value (raw).
    pub hi: i64,
}

/// One command to the unit (two 64-bit words on the wire, see [`UpdateCommand::encode`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UpdateCommand {
    /// Update rule.
    pub mode: UpdateMode,
    /// Grid.
    pub grid: UpdateGrid,
    /// Emit packed sign words (requires `filter_bits ≥ 1`).
    pub pack: bool,
    /// Filter length in bits (`k·k·c_in`) for the packer, ≤ 65535.
    pub filter_bits: u32,
    /// Reseed every lane from `lane_state(seed, lane)`.
    pub reseed: Option<u64>,
    /// Reset the saturation counter to zero.
    pub clear_saturation: bool,
}

impl Default for UpdateCommand {
    fn default() -> Self {
        Self {
            mode: UpdateMode::R,
            grid: UpdateGrid::Binary,
            pack: false,
            filter_bits: 0,
            reseed: None,
            clear_saturation: false,
        }
    }
}

/// Command word 0 bit positions (word 1 is the 64-bit seed).
pub mod cmd_bits {
    /// Bits 0..=1: mode (0 R, 1 SR, 2 BC).
    pub const MODE: u32 = 0;
    /// Bit 2: 1 = binary grid, 0 = k-bit grid.
    pub const BINARY: u32 = 2;
    /// Bits 3..=7: k, the k-bit grid's width.
    pub const K: u32 = 3;
    /// Bits 8..=12: d = w.frac − F, raw bits the k-bit grid drops (Δ = 2^d raw LSBs).
    pub const D: u32 = 8;
    /// Bit 13: pack enable.
    pub const PACK: u32 = 13;
    /// Bit 14: reseed every lane from word 1.
    pub const RESEED: u32 = 14;
    /// Bit 15: clear the saturation counter.
    pub const CLEAR_SAT: u32 = 15;
    /// Bits 16..=31: filter length in bits.
    pub const FILTER_BITS: u32 = 16;
}

fn cfg_err(field: &str, msg: String) -> QtrainError {
    QtrainError::Config {
        field: format!("update command {field}"),
        msg,
    }
}

impl UpdateCommand {
    /// The grid in raw units of `p.w_format`; errors when the grid does not fit the format.
    pub fn grid_raw(&self, p: &UpdateParams) -> Result<GridRaw> {
        let (wb, wf) = (p.w_format.total_bits, p.w_format.frac_bits);
        match self.grid {
            UpdateGrid::Binary => {
                if wf + 2 > wb {
                    return Err(cfg_err(
                        "grid",
                        format!("binary grid needs ±1 representable in {}", p.w_format),
                    ));
                }
                let one = 1i64 << wf;
                Ok(GridRaw {
                    off: one,
                    d: wf + 1,
                    lo: -one,
                    hi: one,
                })
            }
            UpdateGrid::Fixed { bits, frac } => {
                if frac > wf {
                    return Err(cfg_err(
                        "grid.frac",
                        format!("{frac} exceeds w_format's {wf} fraction bits"),
                    ));
                }
                let d = wf - frac;
                if bits < 2 || bits + d > wb || d > 31 || bits > 31 {
                    return Err(cfg_err(
                        "grid.bits",
                        format!(
                            "a {bits}-bit grid with {frac} fraction bits must have 2 ≤ bits and bits + {d} ≤ {wb}"
                        ),
                    ));
                }
                Ok(GridRaw {
                    off: 0,
                    d,
                    lo: -(1i64 << (bits - 1 + d)),
                    hi: ((1i64 << (bits - 1)) - 1) << d,
                })
            }
        }
    }

    /// Check the command against the unit's parameters.
    pub fn validate(&self, p: &UpdateParams) -> Result<()> {
        self.grid_raw(p)?;
        if self.filter_bits > 0xFFFF || (self.pack && self.filter_bits == 0) {
            return Err(cfg_err(
                "filter_bits",
                format!("{} is outside 1..=65535", self.filter_bits),
            ));
        }
        Ok(())
    }

    /// The two command words: word 0 = fields at [`cmd_bits`] positions, word 1 = seed.
    pub fn encode(&self, p: &UpdateParams) -> Result<[u64; 2]> {
        self.validate(p)?;
        let (binary, k, d) = match self.grid {
            UpdateGrid::Binary => (1u64, 0u64, 0u64),
            UpdateGrid::Fixed { bits, frac } => {
                (0, bits as u64, (p.w_format.frac_bits - frac) as u64)
            }
        };
        let w0 = self.mode.code() << cmd_bits::MODE
            | binary << cmd_bits::BINARY
            | k << cmd_bits::K
            | d << cmd_bits::D
            | (self.pack as u64) << cmd_bits::PACK
            | (self.reseed.is_some() as u64) << cmd_bits::RESEED
            | (self.clear_saturation as u64) << cmd_bits::CLEAR_SAT
            | (self.filter_bits as u64) << cmd_bits::FILTER_BITS;
        Ok([w0, self.reseed.unwrap_or(0)])
    }

    /// Inverse of [`Self::encode`]; rejects reserved bits, mode 3 and grids that do not fit.
    pub fn decode(words: [u64; 2], p: &UpdateParams) -> Result<Self> {
        let w0 = words[0];
        if w0 >> 32 != 0 {
            return Err(cfg_err("word 0", format!("reserved bits set in {w0:#x}")));
        }
        let field = |pos: u32, bits: u32| (w0 >> pos) & ((1 << bits) - 1);
        let mode = match field(cmd_bits::MODE, 2) {
            0 => UpdateMode::R,
            1 => UpdateMode::Sr,
            2 => UpdateMode::Bc,
            m => {
                return Err(cfg_err(
                    "mode",
                    format!("{m} is not 0 (R), 1 (SR) or 2 (BC)"),
                ))
            }
        };
        let grid = if field(cmd_bits::BINARY, 1) == 1 {
            UpdateGrid::Binary
        } else {
            let (k, d) = (field(cmd_bits::K, 5) as u32, field(cmd_bits::D, 5) as u32);
            if d > p.w_format.frac_bits {
                return Err(cfg_err(
                    "d",
                    format!("{d} exceeds w_format's fraction bits"),
                ));
            }
            UpdateGrid::Fixed {
                bits: k,
                frac: p.w_format.frac_bits - d,
            }
        };
        let c = Self {
            mode,
            grid,
            pack: field(cmd_bits::PACK, 1) == 1,
            filter_bits: field(cmd_bits::FILTER_BITS, 16) as u32,
            reseed: (field(cmd_bits::RESEED, 1) == 1).then_some(words[1]),
            clear_saturation: field(cmd_bits::CLEAR_SAT, 1) == 1,
        };
        c.validate(p)?;
        Ok(c)
    }
}

/// What one lane produces for one weight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LaneOut {
    /// The value written back: `w'` (R, SR) or `w_r'` (BC), raw in `w_format`.
    pub w: i64,
    /// The weight for the next forward pass (`= w` in R and SR), raw in `w_format`.
    pub q: i64,
}

/// Step `u` (raw, `u_format`) aligned to `w_format`'s fraction bits.
pub fn align_step(p: &UpdateParams, u: i64) -> i64 {
    u << (p.w_format.frac_bits - p.u_format.frac_bits)
}

/// One lane's update (steps 1–4 of the module doc). `draw` is only read in SR mode.
pub fn lane_update(
    p: &UpdateParams,
    mode: UpdateMode,
    g: &GridRaw,
    w: i64,
    u: i64,
    draw: u64,
    sat: &mut Saturation,
) -> LaneOut {
    let v = w - align_step(p, u);
    let vc = v.clamp(g.lo, g.hi);
    if vc != v {
        sat.add(1);
    }
    let t = vc + g.off;
    let k = match mode {
        UpdateMode::R | UpdateMode::Bc => qd_index(t, g.d),
        UpdateMode::Sr => qs_index(t, g.d, draw, p.sr_bits),
    };
    let q = (k << g.d) - g.off;
    LaneOut {
        w: if mode == UpdateMode::Bc { vc } else { q },
        q,
    }
}

/// What the unit emits for one beat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BeatOut {
    /// One result per lane.
    pub lanes: Vec<LaneOut>,
    /// A completed packed sign word, on the beat that completes it (packing on).
    pub pack: Option<u64>,
}

/// The whole unit, beat by beat: command state, one LFSR per lane, saturation counter, sign packer.
#[derive(Clone, Debug)]
pub struct UpdateUnitModel {
    p: UpdateParams,
    cmd: UpdateCommand,
    grid: GridRaw,
    lfsrs: Vec<Lfsr>,
    sat: Saturation,
    pack_pos: u32,
    pack_acc: u64,
}

impl UpdateUnitModel {
    /// The unit after power-on: mode R, binary grid, packing off, lanes seeded with seed 0.
    pub fn new(p: &UpdateParams) -> Result<Self> {
        p.validate()?;
        let cmd = UpdateCommand::default();
        Ok(Self {
            grid: cmd.grid_raw(p)?,
            lfsrs: (0..p.lanes as u32).map(|l| p.lfsr.lane(0, l)).collect(),
            p: p.clone(),
            cmd,
            sat: Saturation::new(),
            pack_pos: 0,
            pack_acc: 0,
        })
    }

    /// The unit's parameters.
    pub fn params(&self) -> &UpdateParams {
        &self.p
    }

    /// Apply a command (the hardware accepts one only when its pipeline is empty).
    pub fn command(&mut self, c: &UpdateCommand) -> Result<()> {
        self.grid = c.grid_raw(&self.p)?;
        c.validate(&self.p)?;
        self.cmd = *c;
        if let Some(seed) = c.reseed {
            for (l, lf) in self.lfsrs.iter_mut().enumerate() {
                *lf = self.p.lfsr.lane(seed, l as u32);
            }
        }
        if c.clear_saturation {
            self.sat = Saturation::new();
        }
        self.pack_pos = 0;
        self.pack_acc = 0;
        Ok(())
    }

    /// Saturations counted since power-on or the last clearing command.
    pub fn saturation(&self) -> Saturation {
        self.sat
    }

    /// Current LFSR state of every lane.
    pub fn lane_states(&self) -> Vec<u64> {
        self.lfsrs.iter().map(Lfsr::state).collect()
    }

    /// Restore every lane's LFSR state (a resumed run; one state per lane, each a valid state of
    /// the unit's LFSR).
    pub fn set_lane_states(&mut self, states: &[u64]) -> Result<()> {
        if states.len() != self.lfsrs.len() {
            return Err(QtrainError::Shape(format!(
                "{} lane states for a unit of {} lanes",
                states.len(),
                self.lfsrs.len()
            )));
        }
        self.lfsrs = states
            .iter()
            .map(|&s| Lfsr::with_state(self.p.lfsr, s))
            .collect::<Result<_>>()?;
        Ok(())
    }

    /// Process one beat of `lanes` (w, u) pairs (raw values; errors if one is out of its format).
    pub fn beat(&mut self, w: &[i64], u: &[i64]) -> Result<BeatOut> {
        let n = self.p.lanes;
        if w.len() != n || u.len() != n {
            return Err(QtrainError::Shape(format!(
                "a beat has {n} lanes, got {} weights and {} steps",
                w.len(),
                u.len()
            )));
        }
        let mut lanes = Vec::with_capacity(n);
        for l in 0..n {
            if !self.p.w_format.contains(w[l]) || !self.p.u_format.contains(u[l]) {
                return Err(QtrainError::Shape(format!(
                    "lane {l}: w = {} or u = {} is outside {} / {}",
                    w[l], u[l], self.p.w_format, self.p.u_format
                )));
            }
            let draw = if self.cmd.mode == UpdateMode::Sr {
                self.lfsrs[l].draw(self.p.sr_bits)
            } else {
                0
            };
            lanes.push(lane_update(
                &self.p,
                self.cmd.mode,
                &self.grid,
                w[l],
                u[l],
                draw,
                &mut self.sat,
            ));
        }
        let pack = if self.cmd.pack {
            self.pack_step(&lanes)
        } else {
            None
        };
        Ok(BeatOut { lanes, pack })
    }

    /// The packer: place this beat's sign bits at the filter position, emit a word when it is full or
    /// the filter ends.
    fn pack_step(&mut self, lanes: &[LaneOut]) -> Option<u64> {
        let len = self.cmd.filter_bits;
        let (slot, emit, next) = pack_advance(self.pack_pos, lanes.len() as u32, len);
        for (l, o) in lanes.iter().enumerate() {
            if self.pack_pos + (l as u32) < len && o.q >= 0 {
                self.pack_acc |= 1 << (slot + l as u32);
            }
        }
        self.pack_pos = next;
        emit.then(|| std::mem::take(&mut self.pack_acc))
    }

    /// Process a whole stream (length a multiple of `lanes`), beat by beat.
    pub fn run(&mut self, w: &[i64], u: &[i64]) -> Result<Vec<BeatOut>> {
        let n = self.p.lanes;
        if w.len() != u.len() || w.len() % n != 0 {
            return Err(QtrainError::Shape(format!(
                "stream of {} weights and {} steps is not a whole number of {n}-lane beats",
                w.len(),
                u.len()
            )));
        }
        w.chunks(n)
            .zip(u.chunks(n))
            .map(|(wb, ub)| self.beat(wb, ub))
            .collect()
    }
}

/// The sign packer's schedule, shared by the model and the host's view of an update response
/// (`exact::accel::UpdateFrame`): a beat of `lanes` signs at position `pos` of a `filter_bits`-long
/// filter puts its signs at bit `slot` of the current word and emits the word when the beat fills it
/// or ends the filter. Returns `(slot, emit, next position)`.
pub fn pack_advance(pos: u32, lanes: u32, filter_bits: u32) -> (u32, bool, u32) {
    let slot = pos % STREAM_WORD_BITS as u32;
    let filter_end = pos + lanes >= filter_bits;
    let word_full = slot + lanes == STREAM_WORD_BITS as u32;
    let next = if filter_end { 0 } else { pos + lanes };
    (slot, filter_end || word_full, next)
}

/// Host side of packing: pad each filter of `filter_bits` values to a multiple of `lanes` with `fill`.
pub fn pad_filters(
    values: &[i64],
    filter_bits: usize,
    lanes: usize,
    fill: i64,
) -> Result<Vec<i64>> {
    if filter_bits == 0 || lanes == 0 || values.len() % filter_bits != 0 {
        return Err(QtrainError::Shape(format!(
            "{} values are not whole filters of {filter_bits}",
            values.len()
        )));
    }
    let padded = filter_bits.div_ceil(lanes) * lanes;
    let mut out = Vec::with_capacity(values.len() / filter_bits * padded);
    for f in values.chunks(filter_bits) {
        out.extend_from_slice(f);
        out.resize(out.len() + padded - filter_bits, fill);
    }
    Ok(out)
}

/// Inverse of [`pad_filters`]: drop the padding lanes.
pub fn unpad_filters(values: &[i64], filter_bits: usize, lanes: usize) -> Result<Vec<i64>> {
    if filter_bits == 0 || lanes == 0 {
        return Err(QtrainError::Shape(
            "filter_bits and lanes must be ≥ 1".into(),
        ));
    }
    let padded = filter_bits.div_ceil(lanes) * lanes;
    if values.len() % padded != 0 {
        return Err(QtrainError::Shape(format!(
            "{} values are not whole padded filters of {padded}",
            values.len()
        )));
    }
    Ok(values
        .chunks(padded)
        .flat_map(|f| f[..filter_bits].iter().copied())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::pack::pack_weights;
    use crate::fixed::FixedFormat;
    use crate::quant::{binary_qd_raw, binary_qs_raw, Grid};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn params() -> UpdateParams {
        UpdateParams::default()
    }

    fn cmd(mode: UpdateMode, grid: UpdateGrid) -> UpdateCommand {
        UpdateCommand {
            mode,
            grid,
            ..Default::default()
        }
    }

    #[test]
    fn binary_grid_matches_the_quantizer_library() {
        let p = params();
        let wf = p.w_format.frac_bits;
        let g = cmd(UpdateMode::R, UpdateGrid::Binary).grid_raw(&p).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut sat = Saturation::new();
        for _ in 0..20_000 {
            let w = rng.gen_range(p.w_format.min_raw()..=p.w_format.max_raw());
            let u = rng.gen_range(p.u_format.min_raw()..=p.u_format.max_raw());
            let v = w - align_step(&p, u);
            let one = 1i64 << wf;
            let r = lane_update(&p, UpdateMode::R, &g, w, u, 0, &mut sat);
            assert_eq!(r.q, binary_qd_raw(v) * one, "R w={w} u={u}");
            let draw = rng.gen_range(0..1u64 << p.sr_bits);
            let s = lane_update(&p, UpdateMode::Sr, &g, w, u, draw, &mut sat);
            assert_eq!(s.q, binary_qs_raw(v, wf, draw, p.sr_bits) * one);
            let b = lane_update(&p, UpdateMode::Bc, &g, w, u, 0, &mut sat);
            assert_eq!(b.w, v.clamp(-one, one));
            assert_eq!(b.q, binary_qd_raw(b.w) * one);
        }
    }

    #[test]
    fn fixed_grid_r_matches_float_qd() {
        let p = params();
        let (k, f) = (4u32, 3u32); // Δ = 1/8, range [-1, 7/8]
        let c = cmd(UpdateMode::R, UpdateGrid::Fixed { bits: k, frac: f });
        let g = c.grid_raw(&p).unwrap();
        assert_eq!((g.d, g.lo, g.hi), (11, -(1 << 14), 7 << 11));
        let fg = Grid::k_bit(k, 0.125).unwrap();
        let mut sat = Saturation::new();
        for w in (p.w_format.min_raw()..=p.w_format.max_raw()).step_by(7) {
            for u in [-128i64, -37, -1, 0, 1, 64, 127] {
                let v = w - align_step(&p, u);
                let real = p.w_format.to_f64(v) as f32;
                let r = lane_update(&p, UpdateMode::R, &g, w, u, 0, &mut sat);
                assert_eq!(p.w_format.to_f64(r.q) as f32, fg.qd(real), "w={w} u={u}");
            }
        }
    }

    #[test]
    fn sr_rounds_up_for_exactly_the_dropped_fraction_of_draws() {
        let p = params();
        let g = cmd(UpdateMode::Sr, UpdateGrid::Fixed { bits: 6, frac: 4 })
            .grid_raw(&p)
            .unwrap();
        let mut sat = Saturation::new();
        // d = 10 dropped bits; w = 5 grid steps + 300/1024 of a step.
        let w = (5 << 10) + 300;
        let ups = (0..1u64 << p.sr_bits)
            .filter(|&dr| lane_update(&p, UpdateMode::Sr, &g, w, 0, dr, &mut sat).q == 6 << 10)
            .count();
        assert_eq!(ups as u64, (300u64 << p.sr_bits) >> 10);
        assert_eq!(sat.count, 0);
    }

    #[test]
    fn clipping_counts_saturation() {
        let p = params();
        let g = cmd(UpdateMode::Bc, UpdateGrid::Binary)
            .grid_raw(&p)
            .unwrap();
        let one = 1i64 << p.w_format.frac_bits;
        let mut sat = Saturation::new();
        let o = lane_update(&p, UpdateMode::Bc, &g, one, -1, 0, &mut sat);
        assert_eq!((o.w, o.q, sat.count), (one, one, 1));
        let o = lane_update(&p, UpdateMode::Bc, &g, one, 1, 0, &mut sat);
        assert_eq!((o.w, sat.count), (one - 16, 1));
    }

    #[test]
    fn command_words_round_trip_and_bad_ones_are_refused() {
        let p = params();
        for c in [
            UpdateCommand {
                mode: UpdateMode::Sr,
                grid: UpdateGrid::Fixed { bits: 5, frac: 9 },
                pack: true,
                filter_bits: 1152,
                reseed: Some(0xDEAD_BEEF_0123_4567),
                clear_saturation: true,
            },
            cmd(UpdateMode::Bc, UpdateGrid::Binary),
        ] {
            let words = c.encode(&p).unwrap();
            assert_eq!(UpdateCommand::decode(words, &p).unwrap(), c);
        }
        assert!(cmd(UpdateMode::R, UpdateGrid::Fixed { bits: 4, frac: 15 })
            .encode(&p)
            .is_err());
        assert!(cmd(UpdateMode::R, UpdateGrid::Fixed { bits: 8, frac: 4 })
            .encode(&p)
            .is_err()); // 8 + 10 > 16
        assert!(UpdateCommand::decode([3, 0], &p).is_err());
        assert!(UpdateCommand::decode([1 << 40, 0], &p).is_err());
        let mut c = cmd(UpdateMode::R, UpdateGrid::Binary);
        c.pack = true;
        assert!(c.encode(&p).is_err());
        let narrow = UpdateParams {
            w_format: FixedFormat::signed(8, 7),
            ..params()
        };
        assert!(cmd(UpdateMode::R, UpdateGrid::Binary)
            .grid_raw(&narrow)
            .is_err());
    }

    #[test]
    fn packed_signs_are_the_conv_engines_layout() {
        let p = params();
        for &(c_out, k, c_in) in &[(3usize, 3usize, 3usize), (2, 3, 16), (2, 1, 64), (1, 3, 1)] {
            let n = k * k * c_in;
            let mut rng = ChaCha8Rng::seed_from_u64(n as u64);
            let one = 1i64 << p.w_format.frac_bits;
            let w: Vec<i64> = (0..c_out * n).map(|_| rng.gen_range(-one..=one)).collect();
            let u: Vec<i64> = (0..c_out * n).map(|_| rng.gen_range(-128..=127)).collect();
            let (wp, up) = (
                pad_filters(&w, n, p.lanes, 0).unwrap(),
                pad_filters(&u, n, p.lanes, 0).unwrap(),
            );
            let mut m = UpdateUnitModel::new(&p).unwrap();
            m.command(&UpdateCommand {
                mode: UpdateMode::Bc,
                grid: UpdateGrid::Binary,
                pack: true,
                filter_bits: n as u32,
                ..Default::default()
            })
            .unwrap();
            let out = m.run(&wp, &up).unwrap();
            let words: Vec<u64> = out.iter().filter_map(|b| b.pack).collect();
            let q: Vec<i64> = out
                .iter()
                .flat_map(|b| b.lanes.iter().map(|o| o.q))
                .collect();
            let signs: Vec<i8> = unpad_filters(&q, n, p.lanes)
                .unwrap()
                .iter()
                .map(|&x| if x >= 0 { 1 } else { -1 })
                .collect();
            assert_eq!(
                words,
                pack_weights(&signs, c_out, k, c_in).unwrap(),
                "{c_out}x{k}x{c_in}"
            );
        }
    }

    #[test]
    fn sr_consumes_one_draw_per_lane_per_beat_and_reseed_restarts() {
        let p = params();
        let mut m = UpdateUnitModel::new(&p).unwrap();
        let mut c = cmd(UpdateMode::Sr, UpdateGrid::Binary);
        c.reseed = Some(9);
        m.command(&c).unwrap();
        let zeros = vec![0i64; p.lanes];
        let a = m.run(&zeros.repeat(4), &zeros.repeat(4)).unwrap();
        let mut lf = p.lfsr.lane(9, 3);
        for _ in 0..4 {
            lf.draw(p.sr_bits);
        }
        assert_eq!(m.lane_states()[3], lf.state());
        m.command(&c).unwrap();
        let b = m.run(&zeros.repeat(4), &zeros.repeat(4)).unwrap();
        assert_eq!(a, b);
        assert!(m.beat(&zeros[1..], &zeros).is_err());
        assert!(m.run(&zeros[1..], &zeros[1..]).is_err());
    }
}
