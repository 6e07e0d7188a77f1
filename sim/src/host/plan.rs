//! Which parts of a network run on the conv engine and which on the host: the engine takes every
//! 3×3 stride-1 binary conv layer (with its BN + ReLU folded into the requantisation and the 2×2
//! max-pool after it); the host keeps the full-precision linear layers and the softmax, as the paper
//! and DESIGN.md split them.
//!
//! ## ResNet-N and WRN-N-k ([`ResNetPlan`])
//! The engine computes only 3×3, stride-1, pad-1 binary convs with a per-channel requantisation
//! `clamp((z·M + B) >> sh, 0, 2^A − 1)`. A ResNet is mapped onto it as a board's host would do it:
//!
//! | part of the net | where | how |
//! |---|---|---|
//! | stem conv0 + BN + ReLU | engine | as vgg-bc's first layer (8-bit pixels in, A bits out) |
//! | block conv1 + BN + ReLU, stride 1 | engine | unsigned A-bit codes out |
//! | block conv1, stride 2 (first block of stages 2, 3) | engine + host | the engine runs it at stride 1 on the full map; the host keeps rows and columns 0, 2, 4, … (3 of every 4 outputs are computed and thrown away: reported per layer as the ideal cycles of a true stride-2 conv vs measured) |
//! | block conv2 + BN (signed, before the add) | engine | offset binary: a zero point `zp = 2^(A−1)` folded into the requant offset (β' = β + zp·s_out), so the engine's clamp at 0 is a clamp at −zp and code u means `(u − zp)·s_out` |
//! | 1×1 stride-2 shortcut conv (where the shape changes) | host | exact integer `Σ_c w·x` with ±1 weights on the block input's codes at even rows/columns |
//! | identity shortcut | host | the block input's codes |
//! | residual add + shortcut BN + ReLU + requantise to A bits | host | one integer step (`host_ops::ResidualStep`): `clamp(((u − zp)·M_r + t·M_s + B) >> sh, 0, 2^A − 1)` per channel |
//! | global average pool + FC | host | as vgg-bc's FC layers |
//!
//! Every engine layer is checked bit for bit against `qtrain::exact::xnor_conv::conv_layer` (the
//! stride-1 command it actually ran); the host steps are the same code whichever backend runs.

use qtrain::exact::geometry::ConvLayer;
use qtrain::models::NetKind;

use crate::error::{usage, SimError};

type Result<T> = std::result::Result<T, SimError>;

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

/// Channel count under a width multiplier ([`qtrain::models::width_channels`]: the golden model's
/// rounding).
pub fn width_ch(x: usize, width: f64) -> usize {
    qtrain::models::width_channels(x, width)
}

impl NetPlan {
    /// The plan of `net` at `width`, with `act_bits`-bit activations between layers (8-bit pixels in).
    pub fn new(net: &str, width: f64, act_bits: u32) -> Result<Self> {
        if !(width.is_finite() && width > 0.0) {
            usage!("--width must be a positive number, got {width}");
        }
        match NetKind::parse(net)? {
            NetKind::VggBc => {
                // BinaryConnect's VGG (qtrain::models::vgg_bc), the FC layers on the host.
                let convs = qtrain::models::vgg_bc::engine_convs(width, act_bits)
                    .into_iter()
                    .enumerate()
                    .map(|(i, layer)| PlannedConv {
                        name: format!("conv{}", i + 1),
                        layer,
                    })
                    .collect();
                Ok(Self {
                    net: net.into(),
                    convs,
                })
            }
            _ => usage!("{net} is not vgg-bc (resnet-N and wrn-N-k are planned by ResNetPlan)"),
        }
    }
}

/// How a residual block's shortcut reaches the add (both run on the host).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shortcut {
    /// The block input itself (same shape).
    Identity,
    /// A 1×1 stride-2 binary conv + BN from `c_in` to `c_out` channels, computed on the host in
    /// integer arithmetic from the block input's codes.
    Conv1x1 {
        /// Input channels.
        c_in: usize,
        /// Output channels.
        c_out: usize,
    },
}

/// One basic block: two engine convs, a host shortcut and the host's residual step.
#[derive(Clone, Debug)]
pub struct PlannedBlock {
    /// Name prefix in reports, e.g. "s2b1" (stage 2, block 1).
    pub name: String,
    /// First conv (BN + ReLU folded, unsigned output); run at stride 1 on the engine.
    pub conv1: PlannedConv,
    /// Stride of the network's conv1 (1 or 2): at 2 the host keeps every other row and column.
    pub stride: usize,
    /// Second conv (BN folded with the zero point, offset-binary output).
    pub conv2: PlannedConv,
    /// The shortcut.
    pub shortcut: Shortcut,
}

/// The engine's and the host's parts of a CIFAR ResNet-N or WRN-N-k (table in the module doc).
#[derive(Clone, Debug)]
pub struct ResNetPlan {
    /// Network name as the user wrote it.
    pub net: String,
    /// The stem conv (BN + ReLU folded), 8-bit pixels in.
    pub stem: PlannedConv,
    /// The basic blocks in order.
    pub blocks: Vec<PlannedBlock>,
    /// Activation bits A between layers.
    pub act_bits: u32,
    /// Zero point of the signed conv2 outputs, `2^(A−1)`.
    pub zero_point: u32,
    /// Features into the host's FC layer (channels of the last stage).
    pub fc_in: usize,
}

impl ResNetPlan {
    /// The plan of `resnet-N` (N = 6k+2) or `wrn-N-k` at `width`, with `act_bits`-bit activations.
    /// Channels follow `qtrain::models::resnet`: stem and stage 1 16·k·W, stage 2 32·k·W, stage 3
    /// 64·k·W (k = 1 for plain ResNets), each `max(1, round(·))`.
    pub fn new(net: &str, width: f64, act_bits: u32) -> Result<Self> {
        if !(width.is_finite() && width > 0.0) {
            usage!("--width must be a positive number, got {width}");
        }
        if act_bits < 2 {
            usage!(
                "--act-bits {act_bits}: a ResNet's signed pre-activations need A ≥ 2 \
                 (zero point 2^(A−1) in an A-bit offset-binary code)"
            );
        }
        let (depth, widen) = match NetKind::parse(net)? {
            NetKind::ResNet { depth } => (depth, 1),
            NetKind::Wrn { depth, k } => (depth, k),
            NetKind::VggBc | NetKind::Mlp { .. } => usage!("{net} is not a ResNet (use NetPlan)"),
        };
        let per_stage = (depth - 2) / 6;
        let conv = |name: String, c_in: usize, c_out: usize, hw: usize, a_in: u32| PlannedConv {
            name,
            layer: ConvLayer::planned(c_in, c_out, hw, a_in, act_bits, false),
        };
        use qtrain::models::resnet::STAGE_CHANNELS;
        let c0 = width_ch(STAGE_CHANNELS[0] * widen, width);
        use qtrain::data::{IMAGE_CHANNELS, IMAGE_SIDE, PIXEL_BITS};
        let stem = conv("conv0".into(), IMAGE_CHANNELS, c0, IMAGE_SIDE, PIXEL_BITS);
        let (mut c_in, mut hw) = (c0, IMAGE_SIDE);
        let mut blocks = Vec::new();
        for (s, base) in STAGE_CHANNELS.into_iter().enumerate() {
            let c = width_ch(base * widen, width);
            for b in 0..per_stage {
                let stride = if s > 0 && b == 0 { 2 } else { 1 };
                let name = format!("s{}b{}", s + 1, b + 1);
                let conv1 = conv(format!("{name}.conv1"), c_in, c, hw, act_bits);
                let out_hw = hw / stride;
                let conv2 = conv(format!("{name}.conv2"), c, c, out_hw, act_bits);
                let shortcut = if stride != 1 || c_in != c {
                    Shortcut::Conv1x1 { c_in, c_out: c }
                } else {
                    Shortcut::Identity
                };
                blocks.push(PlannedBlock {
                    name,
                    conv1,
                    stride,
                    conv2,
                    shortcut,
                });
                c_in = c;
                hw = out_hw;
            }
        }
        Ok(Self {
            net: net.into(),
            stem,
            blocks,
            act_bits,
            zero_point: 1 << (act_bits - 1),
            fc_in: c_in,
        })
    }

    /// Every engine layer in the order the host runs them: stem, then conv1, conv2 of each block.
    pub fn convs(&self) -> Vec<&PlannedConv> {
        std::iter::once(&self.stem)
            .chain(self.blocks.iter().flat_map(|b| [&b.conv1, &b.conv2]))
            .collect()
    }
}

/// A network's plan, whichever its kind: the one value a session runs.
#[derive(Clone, Debug)]
pub enum Plan {
    /// vgg-bc: every conv on the engine, the FC layers on the host.
    Vgg(NetPlan),
    /// resnet-N / wrn-N-k: the 3×3 convs on the engine, shortcuts and adds on the host.
    ResNet(ResNetPlan),
}

impl Plan {
    /// The plan of `net` (parsed once, [`NetKind::parse`]) at `width` with `act_bits`-bit activations.
    pub fn new(net: &str, width: f64, act_bits: u32) -> Result<Self> {
        Ok(match NetKind::parse(net)? {
            NetKind::VggBc => Plan::Vgg(NetPlan::new(net, width, act_bits)?),
            NetKind::ResNet { .. } | NetKind::Wrn { .. } => {
                Plan::ResNet(ResNetPlan::new(net, width, act_bits)?)
            }
            NetKind::Mlp { .. } => {
                usage!("{net}: an MLP has no conv layers for the engine (vgg-bc, resnet-N, wrn-N-k run on it)")
            }
        })
    }

    /// Every engine layer in the order the host runs them.
    pub fn convs(&self) -> Vec<&PlannedConv> {
        match self {
            Plan::Vgg(p) => p.convs.iter().collect(),
            Plan::ResNet(p) => p.convs(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resnet_56_plan_has_the_golden_models_shape() {
        let p = ResNetPlan::new("resnet-56", 1.0, 4).unwrap();
        assert_eq!(p.blocks.len(), 27);
        assert_eq!(p.convs().len(), 55);
        assert_eq!((p.zero_point, p.fc_in), (8, 64));
        let strided: Vec<&str> = p
            .blocks
            .iter()
            .filter(|b| b.stride == 2)
            .map(|b| b.name.as_str())
            .collect();
        assert_eq!(strided, ["s2b1", "s3b1"]);
        for b in &p.blocks {
            let projected = matches!(b.shortcut, Shortcut::Conv1x1 { .. });
            assert_eq!(projected, b.stride == 2, "{}", b.name);
            assert_eq!(b.conv2.layer.h, b.conv1.layer.h / b.stride);
        }
        assert!(ResNetPlan::new("resnet-56", 1.0, 1).is_err());
        assert!(ResNetPlan::new("wrn-56-x", 1.0, 4).is_err());
        assert!(matches!(Plan::new("WRN-20-4", 1.0, 4), Ok(Plan::ResNet(_))));
        assert!(matches!(Plan::new("vgg-bc", 1.0, 4), Ok(Plan::Vgg(_))));
    }
}
