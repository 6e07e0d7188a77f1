//! Which parts of a network run on the conv engine and which on the host: the engine takes every
//! 3×3 stride-1 binary conv layer (with its BN + ReLU folded into the requantisation and the 2×2
//! max-pool after it); the host keeps the full-precision linear layers and the softmax, as the paper
//! and DESIGN.md split them.

use anyhow::{bail, Result};
use qtrain::exact::geometry::ConvLayer;

/// One conv layer of the plan, as the engine will be commanded to run it.
#[derive(Clone, Debug)]
pub struct PlannedConv {
    /// Name in reports, e.g. "conv3".
    pub name: String,
    /// Shape and flags (the command word); `images` is set per batch, `sh` by the requantisation.
    pub layer: ConvLayer,
}

/// The engine's part of a network.
#[derive(Clone, Debug)]
pub struct NetPlan {
    /// Network name as the user wrote it.
    pub net: String,
    /// Conv layers in order; each one's output is the next one's input.
    pub convs: Vec<PlannedConv>,
}

/// Channel count under a width multiplier (the same rounding as the golden model's nets).
pub fn width_ch(x: usize, width: f64) -> usize {
    ((x as f64 * width).round() as usize).max(1)
}

impl NetPlan {
    /// The plan of `net` at `width`, with `act_bits`-bit activations between layers (8-bit pixels in).
    pub fn new(net: &str, width: f64, act_bits: u32) -> Result<Self> {
        if !(width.is_finite() && width > 0.0) {
            bail!("--width must be a positive number, got {width}");
        }
        match net {
            "vgg-bc" => {
                // BinaryConnect's VGG: 2×128C3–MP2–2×256C3–MP2–2×512C3–MP2, then the FC layers on the host.
                let chans = [128, 128, 256, 256, 512, 512];
                let mut convs = Vec::new();
                let (mut c_in, mut hw, mut a_in) = (3usize, 32usize, 8u32);
                for (i, &c) in chans.iter().enumerate() {
                    let c_out = width_ch(c, width);
                    let pool = i % 2 == 1;
                    convs.push(PlannedConv {
                        name: format!("conv{}", i + 1),
                        layer: ConvLayer {
                            c_in,
                            c_out,
                            h: hw,
                            w: hw,
                            a_in,
                            a_out: act_bits,
                            pool,
                            sh: 0,
                            images: 1,
                        },
                    });
                    c_in = c_out;
                    a_in = act_bits;
                    if pool {
                        hw /= 2;
                    }
                }
                Ok(Self {
                    net: net.into(),
                    convs,
                })
            }
            other => bail!(
                "unknown or unsupported net '{other}': the engine path supports vgg-bc so far \
                 (resnet-N and wrn-N-k need the host-side shortcuts; see the open issue)"
            ),
        }
    }
}
