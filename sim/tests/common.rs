//! What every module of the test binary shares: the binary under test and a scratch directory.

use std::path::PathBuf;
use std::process::Command;

/// The `sim` binary cargo built for this test run.
pub fn sim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sim"))
}

/// `name` inside the scratch folder `group` of this test run (created).
pub fn scratch(group: &str, name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(group);
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}
