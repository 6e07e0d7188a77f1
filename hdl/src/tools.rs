//! External tools of the test benches (Verilator, Icarus Verilog, a C++ compiler): one rule for a
//! missing tool in every bench — skip with a message, unless `QTRAIN_REQUIRE_TOOLS` is set (CI sets
//! it in `.ci/run`), where a missing tool fails the test.

use std::ffi::OsStr;
use std::io::ErrorKind;
use std::process::Command;

/// The environment variable under which a missing tool fails a test instead of skipping it.
pub const REQUIRE_ENV: &str = "QTRAIN_REQUIRE_TOOLS";

/// Whether `tool` (a name on `PATH` or a path) can be started: spawning it does not fail with
/// "not found". What it then prints or returns is the bench's to judge.
pub fn present(tool: impl AsRef<OsStr>) -> bool {
    match Command::new(tool.as_ref()).arg("--version").output() {
        Ok(_) => true,
        Err(e) => e.kind() != ErrorKind::NotFound,
    }
}

/// Whether the test `test` can use `tool`: `true` when it is there. When it is not, panics naming it
/// if `QTRAIN_REQUIRE_TOOLS` is set, else prints `SKIP test: …` and returns `false` (the test then
/// returns early).
pub fn require(tool: impl AsRef<OsStr>, test: &str) -> bool {
    let tool = tool.as_ref();
    if present(tool) {
        return true;
    }
    let name = tool.to_string_lossy();
    let package = match std::path::Path::new(tool)
        .file_name()
        .and_then(OsStr::to_str)
    {
        Some("vvp") => "iverilog",
        Some("g++") | Some("c++") => "g++",
        Some(n) => n,
        None => "it",
    }
    .to_string();
    let msg =
        format!("{name} is not installed (apt-get install -y {package}; .ci/run installs it)");
    assert!(
        std::env::var_os(REQUIRE_ENV).is_none(),
        "{test}: {msg} and {REQUIRE_ENV} is set"
    );
    eprintln!("SKIP {test}: {msg}");
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A missing tool skips (`false`), or fails the test where `QTRAIN_REQUIRE_TOOLS` is set.
    #[test]
    fn a_missing_tool_skips_or_fails_as_the_environment_says() {
        let missing = "qtrain-no-such-tool-here";
        assert!(!present(missing));
        if std::env::var_os(REQUIRE_ENV).is_some() {
            assert!(std::panic::catch_unwind(|| require(missing, "tools self-test")).is_err());
        } else {
            assert!(!require(missing, "tools self-test"));
        }
        assert!(present("cargo") || present("rustc") || present("sh"));
    }
}
