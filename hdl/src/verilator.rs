//! Facts about the Verilator tool chain that every Verilator build here shares (the `sim` backend's
//! model of the exported top, the per-block lockstep benches): where the tools are, where
//! Verilator's runtime headers are, which sources its generated makefile lists, and the cache key
//! of a compiled model. Both builds compile without `make` (GNU make cannot build in a directory
//! whose path has a space), so they read the makefile's lists themselves.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;

use crate::error::HdlError;

/// The Verilator executable: `QTRAIN_VERILATOR`, else `verilator` on `PATH`.
pub fn tool() -> PathBuf {
    std::env::var_os("QTRAIN_VERILATOR")
        .map(PathBuf::from)
        .unwrap_or_else(|| "verilator".into())
}

/// The C++ compiler: `CXX`, else `c++` on `PATH`.
pub fn cxx() -> OsString {
    std::env::var_os("CXX").unwrap_or_else(|| "c++".into())
}

/// Verilator's runtime include directory (`$VERILATOR_ROOT/include`, asked of the tool).
pub fn include_dir() -> Result<PathBuf, HdlError> {
    let o = Command::new(tool())
        .args(["--getenv", "VERILATOR_ROOT"])
        .output()
        .map_err(|e| HdlError::Tool(format!("verilator --getenv VERILATOR_ROOT: {e}")))?;
    Ok(PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()).join("include"))
}

/// The names listed under `var +=` (with `\` continuation lines) in Verilator's `*_classes.mk`.
pub fn mk_list(mk: &str, var: &str) -> Vec<String> {
    let mut v = Vec::new();
    let mut on = false;
    for line in mk.lines() {
        let t = line.trim();
        if t.starts_with(var) && t[var.len()..].trim_start().starts_with("+=") {
            on = true;
            continue;
        }
        if on {
            let name = t.trim_end_matches('\\').trim();
            if !name.is_empty() {
                v.push(name.to_string());
            }
            if !t.ends_with('\\') {
                on = false;
            }
        }
    }
    v
}

/// The cache key of a compiled model: FNV-1a over its inputs
/// ([`qtrain::train::checkpoint::fnv1a64_parts`]).
pub fn cache_key(parts: &[&[u8]]) -> u64 {
    qtrain::train::checkpoint::fnv1a64_parts(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn makefile_lists_and_keys() {
        let mk = "VM_CLASSES_FAST += \\\n\tVtop \\\n\tVtop__1 \\\n\nVM_SUPPORT_FAST += \\\n";
        assert_eq!(mk_list(mk, "VM_CLASSES_FAST"), ["Vtop", "Vtop__1"]);
        assert!(mk_list(mk, "VM_SUPPORT_FAST").is_empty());
        assert_ne!(cache_key(&[b"ab", b"c"]), cache_key(&[b"a", b"bc"]));
    }
}
