//! Which network to build: parsed from the names the command line accepts.

use serde::{Deserialize, Serialize};

use crate::error::{QtrainError, Result};

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
}

fn bad(name: &str, msg: &str) -> QtrainError {
    QtrainError::Config {
        field: "net".into(),
        msg: format!("{name:?}: {msg} (known: vgg-bc, resnet-N with N = 6k+2 e.g. resnet-56, wrn-N-k e.g. wrn-56-2)"),
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
            _ => Err(bad(name, "unknown network")),
        }
    }

    /// The canonical name (`vgg-bc`, `resnet-56`, `wrn-56-2`).
    pub fn name(&self) -> String {
        match *self {
            NetKind::VggBc => "vgg-bc".into(),
            NetKind::ResNet { depth } => format!("resnet-{depth}"),
            NetKind::Wrn { depth, k } => format!("wrn-{depth}-{k}"),
        }
    }
}

impl NetSpec {
    /// Parse a name and validate width (> 0, finite) and classes (10 or 100).
    pub fn new(name: &str, width: f64, classes: usize) -> Result<Self> {
        if !(width.is_finite() && width > 0.0) {
            return Err(QtrainError::Config {
                field: "width".into(),
                msg: format!("must be a positive number, got {width}"),
            });
        }
        if classes < 2 {
            return Err(QtrainError::Config {
                field: "classes".into(),
                msg: format!("need at least 2 classes, got {classes}"),
            });
        }
        Ok(Self {
            kind: NetKind::parse(name)?,
            width,
            classes,
        })
    }

    /// Channels for a nominal count x: `max(1, round(x·W))`.
    pub fn ch(&self, x: usize) -> usize {
        ((x as f64 * self.width).round() as usize).max(1)
    }
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
}
