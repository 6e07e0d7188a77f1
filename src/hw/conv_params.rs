//! Conv engine parameters (P, S, A, buffer limits). The hardware crate instantiates its const generics
//! from these and checks that they agree; the geometry model in [`crate::exact`] uses the same values.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::validate::{self, Origin};

/// Folding and buffer sizes of the XNOR-popcount conv engine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConvParams {
    /// PEs: output channels computed in parallel.
    pub pe: usize,
    /// SIMD: input bits (weights × one activation bit-plane) per PE per cycle.
    pub simd: usize,
    /// Largest activation width in bits the engine accepts (the first layer takes 8-bit pixels).
    pub max_act_bits: u32,
    /// Largest feature-map height.
    pub max_h: usize,
    /// Largest feature-map width.
    pub max_w: usize,
    /// Largest number of input channels.
    pub max_c_in: usize,
    /// Largest number of output channels.
    pub max_c_out: usize,
    /// Words (64-bit) of one line-buffer row slot: a layer needs `W·A_in·ceil(C_in/64)` of them.
    pub line_row_words: usize,
}

impl Default for ConvParams {
    fn default() -> Self {
        Self {
            pe: 16,
            simd: 64,
            max_act_bits: 8,
            max_h: 32,
            max_w: 32,
            max_c_in: 512,
            max_c_out: 512,
            line_row_words: 512,
        }
    }
}

impl ConvParams {
    /// Words of one line-buffer row slot (see the field).
    pub fn line_row_words(&self) -> usize {
        self.line_row_words
    }

    /// Check every field against what the conv engine's RTL can be built with (the errors name
    /// `conv.FIELD`, the value and the allowed range; no origin: see [`ConvParams::validate_at`]).
    pub fn validate(&self) -> Result<()> {
        self.validate_at(&Origin::Flag)
    }

    /// [`ConvParams::validate`] for values read from `origin` (a hardware TOML file). The limits are
    /// the RTL's (`qtrain_hdl::conv::engine`), so a configuration that passes can be generated and a
    /// model-backend run never reports figures of hardware no one can build:
    /// * `pe`: a power of two in 1..=64 (the PE array's channel folding);
    /// * `simd`: a multiple of 64 in 64..=1024 (the engine works on whole 64-bit stream words,
    ///   S = 64·SW lanes);
    /// * `max_act_bits` 1..=8, `max_h`, `max_w` 1..=64, `max_c_in`, `max_c_out` 1..=1024 (the
    ///   ranges of the command word's fields, [`crate::exact::command_word`]);
    /// * `line_row_words` 1..=16383 and the weight and window buffers within 16 address bits.
    pub fn validate_at(&self, origin: &Origin) -> Result<()> {
        let name = |f: &str| format!("conv.{f}");
        if !(self.pe.is_power_of_two() && self.pe <= 64) {
            return Err(origin.invalid(
                name("pe"),
                self.pe,
                "a power of two in 1..=64 (PEs of the conv engine's RTL)",
            ));
        }
        if self.simd == 0 || self.simd % 64 != 0 || self.simd > 1024 {
            return Err(origin.invalid(
                name("simd"),
                self.simd,
                "a multiple of 64 in 64..=1024 (the engine's lanes are whole 64-bit stream words)",
            ));
        }
        use crate::exact::command_word as cw;
        let field = |f: cw::Field| 1..=f.max() as usize;
        validate::count(
            origin,
            &name("max_act_bits"),
            self.max_act_bits as usize,
            1..=cw::A_IN.max().min(cw::A_OUT.max()) as usize,
        )?;
        validate::count(origin, &name("max_h"), self.max_h, field(cw::H))?;
        validate::count(origin, &name("max_w"), self.max_w, field(cw::W))?;
        validate::count(origin, &name("max_c_in"), self.max_c_in, field(cw::C_IN))?;
        validate::count(origin, &name("max_c_out"), self.max_c_out, field(cw::C_OUT))?;
        validate::count(
            origin,
            &name("line_row_words"),
            self.line_row_words,
            1..=16383,
        )?;
        // The weight buffer holds ceil(C_out/P) · ceil(9·C_in/S) chunks a PE, the window buffer two
        // banks of A·ceil(9·C_in/S) chunks of S/64 words; both are addressed with 16 bits.
        let sf = (9 * self.max_c_in).div_ceil(self.simd);
        let rows = self.max_c_out.div_ceil(self.pe) * sf;
        if rows > 65535 {
            return Err(origin.invalid(
                name("max_c_out"),
                self.max_c_out,
                format!(
                    "ceil(max_c_out / pe) · ceil(9 · max_c_in / simd) ≤ 65535 weight-buffer rows \
                     (16 address bits); with pe = {}, simd = {}, max_c_in = {} it is {rows}",
                    self.pe, self.simd, self.max_c_in
                ),
            ));
        }
        Ok(())
    }
}
