//! Learning-rate schedules. The paper's (TRAIN_SPEC), scaled to E epochs: base lr for e < m1, ÷10 for
//! m1 ≤ e < m2, ÷100 after, with m1 = round(82·E/160), m2 = round(122·E/160). And a constant lr, for
//! probes that continue a run at a fixed α (the lr-invariance probe of Theorems 2–3).

use serde::{Deserialize, Serialize};

/// Which schedule a run follows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LrSchedule {
    /// The paper's step schedule ([`lr_at`]).
    #[default]
    Paper,
    /// The base lr in every epoch.
    Constant,
}

impl LrSchedule {
    /// Parse a `--lr-schedule` value (`paper` or `constant`).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "paper" => Some(Self::Paper),
            "constant" => Some(Self::Constant),
            _ => None,
        }
    }

    /// Whether this is the default (files written before the option hold no field).
    pub fn is_paper(&self) -> bool {
        *self == Self::Paper
    }

    /// Learning rate of 0-based epoch `e` of `epochs`.
    pub fn lr(&self, base: f64, e: usize, epochs: usize) -> f64 {
        match self {
            Self::Paper => lr_at(base, e, epochs),
            Self::Constant => base,
        }
    }
}

/// The two milestones for `epochs` total epochs.
pub fn milestones(epochs: usize) -> (usize, usize) {
    let m = |k: f64| (k * epochs as f64 / 160.0).round() as usize;
    (m(82.0), m(122.0))
}

/// Learning rate of 0-based epoch `e` under the paper's schedule.
pub fn lr_at(base: f64, e: usize, epochs: usize) -> f64 {
    let (m1, m2) = milestones(epochs);
    if e < m1 {
        base
    } else if e < m2 {
        base / 10.0
    } else {
        base / 100.0
    }
}
