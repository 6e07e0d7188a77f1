//! The update unit's command ([`UpdateCommand`]): mode, grid, sign packing, reseed and saturation
//! clear, and its two-word encoding (bit positions in [`cmd_bits`]).

use crate::error::{QtrainError, Result};
use crate::hw::UpdateParams;

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
