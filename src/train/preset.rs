//! Named `qtrain table1` configurations (issue 16 item 4): the smallest settings at which this
//! machine can run the paper's experiment for a comparable number of iterations. One definition: the
//! command line (`qtrain table1 --preset NAME`), the benches scripts and the results README read them
//! from here.

use crate::error::{QtrainError, Result};

/// A Table 1 configuration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Preset {
    /// Its name on the command line.
    pub name: &'static str,
    /// What it is for, one line (`--help`, the results README).
    pub about: &'static str,
    /// Network name (`NetKind::parse`).
    pub net: &'static str,
    /// Width multiplier.
    pub width: f64,
    /// Epochs over all 50,000 training images (TRAIN_SPEC's schedule scales with them).
    pub epochs: usize,
    /// Mini-batch size.
    pub batch: usize,
    /// Base learning rate.
    pub lr: f64,
}

impl Preset {
    /// Iterations over the full CIFAR training set (`n` images; a last batch of fewer than
    /// [`super::run::MIN_BATCH`] images is skipped, as the training loop does).
    pub fn iterations(&self, n: usize) -> usize {
        let per_epoch = n / self.batch + usize::from(n % self.batch >= super::run::MIN_BATCH);
        per_epoch * self.epochs
    }
}

/// Every preset.
pub const PRESETS: [Preset; 2] = [
    Preset {
        name: "vgg-20k",
        about:
            "vgg-bc at width 0.125, batch 50, 20 epochs = 20,000 iterations (lr ÷10 at epochs 10 \
                and 15)",
        net: "vgg-bc",
        width: 0.125,
        epochs: 20,
        batch: 50,
        lr: 0.01,
    },
    Preset {
        name: "mlp-64k",
        about: "the binary MLP mlp-4 at width 0.25 (256 units), batch 128, 164 epochs = 64,124 \
                iterations, the paper's count (lr ÷10 at epochs 84 and 125)",
        net: "mlp-4",
        width: 0.25,
        epochs: 164,
        batch: 128,
        lr: 0.01,
    },
];

/// The preset called `name`, or an error naming the known ones.
pub fn find(name: &str) -> Result<Preset> {
    PRESETS
        .iter()
        .find(|p| p.name == name)
        .copied()
        .ok_or_else(|| QtrainError::Config {
            field: "preset".into(),
            msg: format!(
                "{name:?}: unknown preset (known: {})",
                PRESETS
                    .iter()
                    .map(|p| p.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::NetSpec;

    #[test]
    fn presets_are_valid_and_count_their_iterations() {
        for p in PRESETS {
            NetSpec::new(p.net, p.width, 10).unwrap();
            assert_eq!(find(p.name).unwrap(), p);
        }
        assert_eq!(find("vgg-20k").unwrap().iterations(50_000), 20_000);
        assert_eq!(find("mlp-64k").unwrap().iterations(50_000), 64_124);
        let e = find("huge").unwrap_err().to_string();
        assert!(e.contains("unknown preset") && e.contains("vgg-20k"), "{e}");
    }
}
