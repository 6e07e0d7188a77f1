//! What every theory experiment hands back: verdict lines computed from its numbers, and CSV tables
//! written next to its plots.

use std::fmt;
use std::io::Write;
use std::path::Path;

use crate::error::{QtrainError, Result};

/// One claim of the paper checked against measured numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// Which statement: "Cor 1", "Lemma 1", "Thm 2 (a)", ….
    pub claim: String,
    /// The numbers behind the verdict, in words.
    pub detail: String,
    /// Whether the numbers agree with the paper.
    pub holds: bool,
}

impl Verdict {
    /// A verdict from a claim name, the measured detail and the test outcome.
    pub fn new(claim: impl Into<String>, detail: impl Into<String>, holds: bool) -> Self {
        Self {
            claim: claim.into(),
            detail: detail.into(),
            holds,
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = if self.holds { "holds" } else { "DOES NOT HOLD" };
        write!(f, "{}: {}: {}", self.claim, self.detail, v)
    }
}

/// Write a CSV file: a header line and one line per row, numbers in shortest round-trip form.
pub fn write_csv(path: &Path, header: &[&str], rows: &[Vec<String>]) -> Result<()> {
    let io = |e| QtrainError::io(path, e);
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).map_err(io)?);
    writeln!(f, "{}", header.join(",")).map_err(io)?;
    for r in rows {
        writeln!(f, "{}", r.join(",")).map_err(io)?;
    }
    f.flush().map_err(io)
}

/// Create the output directory if needed.
pub fn ensure_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| QtrainError::io(dir, e))
}

/// Format a number compactly for verdict lines (`3.2e-5`).
pub fn sci(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else if (1e-2..1e4).contains(&x.abs()) {
        format!("{x:.3}")
    } else {
        format!("{x:.2e}")
    }
}
