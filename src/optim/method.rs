//! The eight training methods as the command line names them: `adam|sgd|r-adam|r-sgd|sr-adam|sr-sgd|
//! bc-adam|bc-sgd` — a base optimizer times a way of keeping the conv weights.

use serde::{Deserialize, Serialize};

use crate::error::{QtrainError, Result};

/// The base step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Base {
    /// u = lr·g.
    Sgd,
    /// u = lr·m̂/(sqrt(v̂)+ε).
    Adam,
}

/// How the conv weights are kept and updated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quant {
    /// Full precision: w ← w − u.
    Full,
    /// Deterministic rounding (eq. 4): w_b ← Qd(w_b − u).
    R,
    /// Stochastic rounding (eq. 6): w_b ← Qs(w_b − u).
    Sr,
    /// BinaryConnect (eq. 7): w_r ← clip(w_r − u), forward with Qd(w_r).
    Bc,
}

/// A training method: base optimizer × weight handling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Method {
    /// Base step.
    pub base: Base,
    /// Weight handling.
    pub quant: Quant,
}

/// Every accepted method name, in the order `--help` lists them.
pub const METHOD_NAMES: [&str; 8] = [
    "adam", "sgd", "r-adam", "r-sgd", "sr-adam", "sr-sgd", "bc-adam", "bc-sgd",
];

impl Method {
    /// Parse one of [`METHOD_NAMES`].
    pub fn parse(s: &str) -> Result<Self> {
        let lower = s.to_ascii_lowercase();
        let (q, b) = match lower.rsplit_once('-') {
            Some((q, b)) => (q, b),
            None => ("", lower.as_str()),
        };
        let base = match b {
            "adam" => Base::Adam,
            "sgd" => Base::Sgd,
            _ => return Err(Self::unknown(s)),
        };
        let quant = match q {
            "" => Quant::Full,
            "r" => Quant::R,
            "sr" => Quant::Sr,
            "bc" => Quant::Bc,
            _ => return Err(Self::unknown(s)),
        };
        Ok(Self { base, quant })
    }

    fn unknown(s: &str) -> QtrainError {
        QtrainError::Config {
            field: "method".into(),
            msg: format!("unknown method {s:?}; known: {}", METHOD_NAMES.join(", ")),
        }
    }

    /// The command-line name (`bc-adam`, …).
    pub fn name(&self) -> String {
        let b = match self.base {
            Base::Adam => "adam",
            Base::Sgd => "sgd",
        };
        match self.quant {
            Quant::Full => b.to_string(),
            Quant::R => format!("r-{b}"),
            Quant::Sr => format!("sr-{b}"),
            Quant::Bc => format!("bc-{b}"),
        }
    }

    /// The paper's label (`BC-ADAM`, …).
    pub fn label(&self) -> String {
        self.name().to_ascii_uppercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_is_clear() {
        for n in METHOD_NAMES {
            assert_eq!(Method::parse(n).unwrap().name(), n);
        }
        let e = Method::parse("xnor-adam").unwrap_err().to_string();
        assert!(e.contains("unknown method") && e.contains("bc-sgd"), "{e}");
        assert!(Method::parse("bc-").is_err());
    }
}
