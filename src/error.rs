//! The library's one error type. Every variant names what was wrong and where, so a binary can print it
//! as-is; binaries add their own context with `anyhow`.

use std::path::PathBuf;

/// Errors the golden model reports instead of panicking.
#[derive(Debug, thiserror::Error)]
pub enum QtrainError {
    /// A file could not be opened or read. The OS error is part of the message (and deliberately not
    /// a `source`), so a binary printing the error chain shows it once.
    #[error("{path}: {error}")]
    Io {
        /// The file that failed.
        path: PathBuf,
        /// The operating system's error.
        error: std::io::Error,
    },
    /// A value from a flag, a TOML field, a manifest or a checkpoint header is outside what it may be
    /// (see [`crate::validate`]).
    #[error("{}", crate::validate::invalid_message(.origin, .field, .value, .expected))]
    Invalid {
        /// Where the value came from.
        origin: crate::validate::Origin,
        /// The field's name where the user finds it (`--width`, `net.width`).
        field: String,
        /// The value as written.
        value: String,
        /// What was expected (range, and for sizes the memory it would take).
        expected: String,
    },
    /// A data file exists but its contents are not what the format requires.
    #[error("{path}: {msg}")]
    BadData {
        /// The offending file (or directory).
        path: PathBuf,
        /// What was expected and what was found.
        msg: String,
    },
    /// A configuration value (flag, TOML field) is out of range.
    #[error("invalid {field}: {msg}")]
    Config {
        /// The field's name as the user wrote it.
        field: String,
        /// What was expected.
        msg: String,
    },
    /// Tensor shapes do not fit together.
    #[error("shape mismatch: {0}")]
    Shape(String),
    /// A non-finite number where a finite one is required (NaN loss, NaN to fixed point).
    #[error("numeric error: {0}")]
    Numeric(String),
    /// A checked accelerator returned something other than the golden model (the message names the
    /// step, layer and value).
    #[error("the hardware path differs from the golden integer path at {0}")]
    Mismatch(String),
}

impl QtrainError {
    /// Wrap an I/O error with the path it happened on.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            error: source,
        }
    }
    /// A malformed-data error for `path`.
    pub fn bad_data(path: impl Into<PathBuf>, msg: impl Into<String>) -> Self {
        Self::BadData {
            path: path.into(),
            msg: msg.into(),
        }
    }
}

/// Result with [`QtrainError`].
pub type Result<T, E = QtrainError> = std::result::Result<T, E>;
