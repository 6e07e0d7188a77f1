//! The hardware shapes this binary instantiates, listed once. rust-hdl fixes the conv engine's P and S
//! and the update unit's lanes and word widths as const generics, so the rtl backend, hardware-in-the-
//! loop training and `sim export` can only build the shapes compiled in; every other legal
//! configuration ([`qtrain::hw::HwConfig::validate_at`]: what the RTL generators accept) runs on
//! `--backend model`. [`check`] refuses a configuration a use cannot build, naming the TOML file,
//! the fields and the shapes that are available, before anything is simulated or written.
//!
//! | use | conv (pe, simd) | update (lanes, w bits, u bits) |
//! |---|---|---|
//! | `--backend rtl --rtl-target engine` | (16, 64), (4, 64) | any legal (simulated only when (16, 16, 8); other shapes take no update transactions) |
//! | `--backend rtl --rtl-target top`, `--train --backend rtl` (either target) | (16, 64), (4, 64) | (16, 16, 8) |
//! | `sim export`, `--backend verilator` (the exported Verilog, compiled) | (16, 64), (4, 64), (32, 64) | (16, 16, 8) |
//! | `--backend model` (also with `--train`) | any legal | any legal |
//!
//! The matches that instantiate these shapes (`rtl_backend.rs`, `export.rs`, `hil.rs`) are tested
//! against this table (`every_listed_shape_is_instantiated`).

use qtrain::hw::HwConfig;
use qtrain::validate::Origin;
use qtrain::QtrainError;

/// A conv engine shape compiled into this binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvShape {
    /// PEs P.
    pub pe: usize,
    /// SIMD lanes S.
    pub simd: usize,
    /// Simulated by the rtl backend (engine and top); every listed shape is exported.
    pub rtl: bool,
}

/// Every conv shape instantiated: (16, 64) is the default, (4, 64) the small configuration, (32, 64)
/// the large one of `bitstreams/reports/xc7-utilisation.md` (export only).
pub const CONV_SHAPES: [ConvShape; 3] = [
    ConvShape {
        pe: 16,
        simd: 64,
        rtl: true,
    },
    ConvShape {
        pe: 4,
        simd: 64,
        rtl: true,
    },
    ConvShape {
        pe: 32,
        simd: 64,
        rtl: false,
    },
];

/// The update unit instantiated: lanes, `w_format` bits, `u_format` bits.
pub const UPDATE_SHAPE: (usize, u32, u32) = (16, 16, 8);

/// The update unit's shape as const-generic arguments (lanes, `w_format` bits, `u_format` bits).
pub const UPDATE_LANES: usize = UPDATE_SHAPE.0;
/// `w_format` bits of [`UPDATE_SHAPE`].
pub const UPDATE_W_BITS: usize = UPDATE_SHAPE.1 as usize;
/// `u_format` bits of [`UPDATE_SHAPE`].
pub const UPDATE_U_BITS: usize = UPDATE_SHAPE.2 as usize;

/// `match (pe, simd)` with one arm per listed P (SIMD 64: one 64-bit word per PE row, so the
/// engine's `SW = 1` and `PSW = P`), binding the const `$p` for `$body`; `$other` for any other shape.
macro_rules! dispatch_conv {
    (($pe:expr, $simd:expr), |$p:ident| $body:expr, else $other:expr; $($n:literal),+) => {
        match ($pe, $simd) {
            $(($n, 64) => {
                const $p: usize = $n;
                $body
            })+
            _ => $other,
        }
    };
}

/// [`dispatch_conv`] over the conv shapes the rtl backend simulates ([`CONV_SHAPES`] with `rtl`;
/// pinned by `every_listed_shape_is_instantiated`).
macro_rules! rtl_conv_shapes {
    ($pe:expr, $simd:expr, |$p:ident| $body:expr, else $other:expr) => {
        $crate::devices::shapes::dispatch_conv!(($pe, $simd), |$p| $body, else $other; 16, 4)
    };
}

/// [`dispatch_conv`] over every exported conv shape (all of [`CONV_SHAPES`]; pinned by
/// `every_listed_shape_is_instantiated`).
macro_rules! export_conv_shapes {
    ($pe:expr, $simd:expr, |$p:ident| $body:expr, else $other:expr) => {
        $crate::devices::shapes::dispatch_conv!(($pe, $simd), |$p| $body, else $other; 16, 4, 32)
    };
}

pub(crate) use {dispatch_conv, export_conv_shapes, rtl_conv_shapes};

/// What a configuration is going to be used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Use {
    /// The transaction-level model (any legal configuration).
    Model,
    /// The rtl backend's bare conv engine behind the host-side shim.
    RtlEngine,
    /// The rtl backend's whole accelerator top (also hardware-in-the-loop training on rtl).
    RtlTop,
    /// `sim export`: Verilog of the top, the engine and the update unit.
    Export,
    /// `--backend verilator`: the exported top compiled by Verilator (every exported shape).
    Verilator,
}

impl Use {
    fn what(self) -> &'static str {
        match self {
            Use::Model => "the model backend",
            Use::RtlEngine => "the rtl backend",
            Use::RtlTop => "the rtl backend's accelerator top (--rtl-target top, --train)",
            Use::Export => "sim export",
            Use::Verilator => "the verilator backend (the exported Verilog)",
        }
    }
}

fn list(shapes: &[ConvShape]) -> String {
    shapes
        .iter()
        .map(|s| format!("({}, {})", s.pe, s.simd))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The conv shapes `u` can build.
pub fn conv_shapes(u: Use) -> Vec<ConvShape> {
    CONV_SHAPES
        .iter()
        .copied()
        .filter(|s| match u {
            Use::Model | Use::Export | Use::Verilator => true,
            Use::RtlEngine | Use::RtlTop => s.rtl,
        })
        .collect()
}

/// Whether `hw` (read from `origin`) can be built for `u`; the error names the fields, their values
/// and the shapes this binary has.
pub fn check(hw: &HwConfig, origin: &Origin, u: Use) -> Result<(), QtrainError> {
    hw.validate_at(origin)?;
    if u == Use::Model {
        return Ok(());
    }
    let shapes = conv_shapes(u);
    let (p, s) = (hw.conv.pe, hw.conv.simd);
    if !shapes.iter().any(|c| (c.pe, c.simd) == (p, s)) {
        let hint = if u == Use::Export {
            ""
        } else {
            "; --backend model simulates any shape the RTL can build"
        };
        return Err(origin.invalid(
            "conv.pe, conv.simd",
            format!("({p}, {s})"),
            format!(
                "one of {}: the (pe, simd) shapes {} instantiates{hint}",
                list(&shapes),
                u.what()
            ),
        ));
    }
    if matches!(u, Use::RtlTop | Use::Export | Use::Verilator) {
        let up = &hw.update;
        let got = (up.lanes, up.w_format.total_bits, up.u_format.total_bits);
        if got != UPDATE_SHAPE {
            let (l, w, b) = UPDATE_SHAPE;
            let hint = if u == Use::Export {
                ""
            } else {
                "; --backend model runs any legal update unit"
            };
            return Err(origin.invalid(
                "update.lanes, update.w_format.total_bits, update.u_format.total_bits",
                format!("({}, {}, {})", got.0, got.1, got.2),
                format!(
                    "({l}, {w}, {b}): the update unit {} instantiates{hint}",
                    u.what()
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::rtl::{RtlDevice, RtlTarget};
    use crate::devices::stream::Traffic;

    fn hw(pe: usize, simd: usize) -> HwConfig {
        let mut h = HwConfig::default();
        h.conv.pe = pe;
        h.conv.simd = simd;
        h
    }

    #[test]
    fn every_listed_shape_is_instantiated() {
        for s in CONV_SHAPES {
            let h = hw(s.pe, s.simd);
            for (target, u) in [
                (RtlTarget::Engine, Use::RtlEngine),
                (RtlTarget::Top, Use::RtlTop),
            ] {
                let built = RtlDevice::new(&h, target, Traffic::FULL_SPEED, 10).is_ok();
                assert_eq!(built, s.rtl, "{s:?} {target:?}");
                assert_eq!(check(&h, &Origin::Flag, u).is_ok(), s.rtl, "{s:?} {u:?}");
            }
            assert!(check(&h, &Origin::Flag, Use::Export).is_ok());
            crate::devices::verilog::verilog(&h).unwrap_or_else(|e| panic!("{s:?}: {e}"));
        }
        // a legal shape that is not compiled in: model only, and the error lists the shapes
        let h = hw(8, 128);
        assert!(check(&h, &Origin::Flag, Use::Model).is_ok());
        assert!(RtlDevice::new(&h, RtlTarget::Engine, Traffic::FULL_SPEED, 10).is_err());
        let e = check(&h, &Origin::file("x.toml"), Use::RtlEngine)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("x.toml: conv.pe, conv.simd = (8, 128)") && e.contains("(16, 64), (4, 64)"),
            "{e}"
        );
        let mut h = HwConfig::default();
        h.update.lanes = 8;
        assert!(check(&h, &Origin::Flag, Use::RtlEngine).is_ok());
        assert!(check(&h, &Origin::Flag, Use::RtlTop).is_err());
        assert!(check(&h, &Origin::Flag, Use::Export).is_err());
        assert!(RtlDevice::new(&h, RtlTarget::Top, Traffic::FULL_SPEED, 10).is_err());
    }
}
