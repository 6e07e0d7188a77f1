//! Which network to build: parsed from the names the command line accepts.

use serde::{Deserialize, Serialize};

use crate::error::{QtrainError, Result};
use crate::validate::{self, Origin};

/// Architecture family and depth.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "family", rename_all = "snake_case")]
pub enum NetKind {
    /// BinaryConnect's VGG-like net: 2×128C3–MP2–2×256C3–MP2–2×512C3–MP2–2×1024FC–classes.
    VggBc,
    /// He et al.'s CIFAR ResNet with `depth = 6k + 2`.
    ResNet {
        /// Total depth N.
        depth: usize,
    },
    /// Wide ResNet: the ResNet with every stage's channels × `k`.
    Wrn {
        /// Total depth N.
        depth: usize,
        /// Widening factor.
        k: usize,
    },
    /// A binary MLP (`models::mlp`): `depth` hidden layers, the hidden-to-hidden ones quantized.
    Mlp {
        /// Hidden layers N (≥ 2).
        depth: usize,
    },
}

/// A network name with its width multiplier and class count.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetSpec {
    /// Family and depth.
    pub kind: NetKind,
    /// Channel multiplier W: a layer of x channels gets `max(1, round(x·W))`.
    pub width: f64,
    /// Output classes (10 or 100).
    pub classes: usize,
    /// vgg-bc only: the conv layers' ReLUs clipped and quantised to this many bits, as the engine
    /// passes activations (`layers::QuantRelu`); none: float activations (the paper's setting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act_bits: Option<u32>,
}

fn bad(name: &str, msg: &str) -> QtrainError {
    QtrainError::Config {
        field: "net".into(),
        msg: format!("{name:?}: {msg} (known: vgg-bc, resnet-N with N = 6k+2 e.g. resnet-56, wrn-N-k e.g. wrn-56-2, mlp-N with N ≥ 2 hidden layers e.g. mlp-4)"),
    }
}

fn resnet_depth(name: &str, s: &str) -> Result<usize> {
    let d: usize = s.parse().map_err(|_| bad(name, "depth is not a number"))?;
    if d < 8 || (d - 2) % 6 != 0 {
        return Err(bad(name, "ResNet depth must be 6k+2 with k ≥ 1"));
    }
    Ok(d)
}

impl NetKind {
    /// Parse `vgg-bc`, `resnet-N` or `wrn-N-k`.
    pub fn parse(name: &str) -> Result<Self> {
        let lower = name.to_ascii_lowercase();
        let parts: Vec<&str> = lower.split('-').collect();
        match parts.as_slice() {
            ["vgg", "bc"] => Ok(NetKind::VggBc),
            ["resnet", d] => Ok(NetKind::ResNet {
                depth: resnet_depth(name, d)?,
            }),
            ["wrn", d, k] => {
                let k: usize = k
                    .parse()
                    .map_err(|_| bad(name, "widening factor is not a number"))?;
                if k == 0 {
                    return Err(bad(name, "widening factor must be ≥ 1"));
                }
                Ok(NetKind::Wrn {
                    depth: resnet_depth(name, d)?,
                    k,
                })
            }
            ["mlp", d] => {
                let depth: usize = d.parse().map_err(|_| bad(name, "depth is not a number"))?;
                if depth < super::mlp::MIN_DEPTH {
                    return Err(bad(name, "an MLP needs at least 2 hidden layers"));
                }
                Ok(NetKind::Mlp { depth })
            }
            _ => Err(bad(name, "unknown network")),
        }
    }

    /// The canonical name (`vgg-bc`, `resnet-56`, `wrn-56-2`).
    pub fn name(&self) -> String {
        match *self {
            NetKind::VggBc => "vgg-bc".into(),
            NetKind::ResNet { depth } => format!("resnet-{depth}"),
            NetKind::Wrn { depth, k } => format!("wrn-{depth}-{k}"),
            NetKind::Mlp { depth } => format!("mlp-{depth}"),
        }
    }
}

impl NetSpec {
    /// Parse a name and validate it (flags: the errors name `--net`, `--width`, `--classes`).
    pub fn new(name: &str, width: f64, classes: usize) -> Result<Self> {
        let spec = Self {
            kind: NetKind::parse(name)?,
            width,
            classes,
            act_bits: None,
        };
        spec.validate(&Origin::Flag, "")?;
        Ok(spec)
    }

    /// Check width, classes, depth and the memory the network would take against the bounds of
    /// [`crate::validate`], before anything is allocated. `prefix` is where the spec sits in a file
    /// (`net.` in a manifest, `config.net.` in a checkpoint header).
    pub fn validate(&self, origin: &Origin, prefix: &str) -> Result<()> {
        let f = |path: &str, flag: &str| origin.field(&format!("{prefix}{path}"), flag);
        validate::positive(
            origin,
            &f("width", "--width"),
            self.width,
            0.0,
            validate::MAX_WIDTH,
        )?;
        validate::count(
            origin,
            &f("classes", "--classes"),
            self.classes,
            2..=validate::MAX_CLASSES,
        )?;
        if let Some(a) = self.act_bits {
            if self.kind != NetKind::VggBc {
                return Err(origin.invalid(
                    f("act_bits", "--act-bits"),
                    a,
                    "no value: quantised activations are for vgg-bc (the engine's network) only",
                ));
            }
            validate::count(origin, &f("act_bits", "--act-bits"), a as usize, 1..=8)?;
        }
        match self.kind {
            NetKind::VggBc => {}
            NetKind::Mlp { depth } => {
                if !(super::mlp::MIN_DEPTH..=validate::MAX_DEPTH).contains(&depth) {
                    return Err(origin.invalid(
                        f("kind.depth", "--net"),
                        depth,
                        format!(
                            "a hidden-layer count in {}..={}",
                            super::mlp::MIN_DEPTH,
                            validate::MAX_DEPTH
                        ),
                    ));
                }
            }
            NetKind::ResNet { depth } | NetKind::Wrn { depth, .. } => {
                if depth < 8 || (depth - 2) % 6 != 0 || depth > validate::MAX_DEPTH {
                    return Err(origin.invalid(
                        f("kind.depth", "--net"),
                        depth,
                        format!("a depth 6k+2 in 8..={}", validate::MAX_DEPTH),
                    ));
                }
            }
        }
        if let NetKind::Wrn { k, .. } = self.kind {
            validate::count(origin, &f("kind.k", "--net"), k, 1..=validate::MAX_WIDEN)?;
        }
        let n = self.storage_count();
        if n > validate::MAX_PARAMS as f64 {
            return Err(origin.invalid(
                f("width", "--width"),
                self.width,
                format!(
                    "a width at which {} has at most {} parameters; it would have {n:.3e}, {} of \
                     f32 values before gradients and optimizer state",
                    self.kind.name(),
                    validate::MAX_PARAMS,
                    validate::human_bytes(4.0 * n)
                ),
            ));
        }
        Ok(())
    }

    /// Refuse data the network cannot score: its class count must be the network's (a 10-class
    /// model on CIFAR-100 would be "evaluated" on labels it has no output for). `data` names the
    /// directory in the error.
    pub fn check_data(&self, data_classes: usize, data: &std::path::Path) -> Result<()> {
        if data_classes != self.classes {
            return Err(QtrainError::bad_data(
                data,
                format!(
                    "holds {data_classes}-class data, but the model ({} at width {}) has {} \
                     classes: use data with {} classes or a model trained on this data",
                    self.kind.name(),
                    self.width,
                    self.classes,
                    self.classes
                ),
            ));
        }
        Ok(())
    }

    /// Scalars the built network holds (parameters + BN running statistics), without building it.
    pub fn storage_count(&self) -> f64 {
        match self.kind {
            NetKind::VggBc => super::vgg_bc::storage_count(self),
            NetKind::ResNet { depth } => super::resnet::storage_count(self, depth, 1),
            NetKind::Wrn { depth, k } => super::resnet::storage_count(self, depth, k),
            NetKind::Mlp { depth } => super::mlp::storage_count(self, depth),
        }
    }

    /// Channels for a nominal count x: `max(1, round(x·W))`.
    pub fn ch(&self, x: usize) -> usize {
        width_channels(x, self.width)
    }
}

/// `x` channels under width multiplier `width`: rounded, at least 1 (every net's rounding, the
/// simulator's network plans included).
pub fn width_channels(x: usize, width: f64) -> usize {
    ((x as f64 * width).round() as usize).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_and_rejects_unknown() {
        assert_eq!(NetKind::parse("vgg-bc").unwrap(), NetKind::VggBc);
        assert_eq!(
            NetKind::parse("resnet-56").unwrap(),
            NetKind::ResNet { depth: 56 }
        );
        assert_eq!(
            NetKind::parse("wrn-56-2").unwrap(),
            NetKind::Wrn { depth: 56, k: 2 }
        );
        let e = NetKind::parse("resnet-55").unwrap_err().to_string();
        assert!(e.contains("6k+2"), "{e}");
        let e = NetKind::parse("alexnet").unwrap_err().to_string();
        assert!(e.contains("unknown network") && e.contains("vgg-bc"), "{e}");
        assert!(NetSpec::new("vgg-bc", 0.0, 10).is_err());
        assert_eq!(NetSpec::new("vgg-bc", 0.25, 10).unwrap().ch(128), 32);
        assert_eq!(NetSpec::new("vgg-bc", 0.001, 10).unwrap().ch(128), 1);
    }

    #[test]
    fn storage_count_is_the_built_networks() {
        use crate::models::Net;
        for (name, w, c) in [
            ("vgg-bc", 0.0625, 10),
            ("vgg-bc", 0.1, 100),
            ("resnet-8", 0.5, 10),
            ("resnet-14", 0.25, 100),
            ("wrn-8-2", 0.3, 10),
        ] {
            let spec = NetSpec::new(name, w, c).unwrap();
            let mut net = Net::<f32>::new(spec, 0);
            let built: usize = net.params().iter().map(|p| p.value.len()).sum::<usize>()
                + net.buffers().iter().map(|b| b.value.len()).sum::<usize>();
            assert_eq!(spec.storage_count(), built as f64, "{name} w{w} c{c}");
        }
    }

    #[test]
    fn huge_or_odd_specs_are_refused_before_allocation() {
        let e = NetSpec::new("vgg-bc", 1e9, 10).unwrap_err().to_string();
        assert!(
            e.starts_with("--width 1000000000:") && e.contains("(0, 64]"),
            "{e}"
        );
        let e = NetSpec::new("vgg-bc", 32.0, 10).unwrap_err().to_string();
        assert!(e.contains("parameters") && e.contains("GB"), "{e}");
        let e = NetSpec::new("resnet-20000", 1.0, 10)
            .unwrap_err()
            .to_string();
        assert!(e.contains("8..=2000"), "{e}");
        let e = NetSpec::new("wrn-8-1000", 1.0, 10).unwrap_err().to_string();
        assert!(e.contains("--net 1000"), "{e}");
        let spec = NetSpec {
            kind: NetKind::VggBc,
            width: f64::NAN,
            classes: 10,
            act_bits: None,
        };
        let e = spec
            .validate(&Origin::file("m/manifest.json"), "net.")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("m/manifest.json: net.width = NaN"), "{e}");
    }
}
