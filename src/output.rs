//! Outputs that never destroy what exists: a file is written under a temporary name in its own
//! directory and renamed over the target only once complete; a directory output (an export, an
//! import's run directory) is built in a temporary sibling and moved into place at the end, and an
//! existing non-empty target is refused unless the user asked to overwrite it. A failure at any point
//! leaves the target as it was and no temporary behind.

use std::path::{Path, PathBuf};

use crate::error::{QtrainError, Result};

/// A sibling of `path` with a process-unique suffix: same directory, so the final rename is atomic.
fn sibling(path: &Path, what: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "out".into());
    path.with_file_name(format!(".{name}.{what}-{}", std::process::id()))
}

/// Write `bytes` to `path` via a temporary sibling and a rename: readers see the old file or the
/// new one, never a torn one, and a failed write leaves the old file untouched.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if path.is_dir() {
        return Err(QtrainError::bad_data(
            path,
            "is a directory; give a file name to write",
        ));
    }
    let tmp = sibling(path, "tmp");
    if let Err(e) = std::fs::write(&tmp, bytes) {
        let _ = std::fs::remove_file(&tmp);
        return Err(QtrainError::io(path, e));
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        QtrainError::io(path, e)
    })
}

/// Whether `dir` exists with anything in it (a broken symlink or a file counts as "something").
pub fn holds_anything(dir: &Path) -> bool {
    match std::fs::symlink_metadata(dir) {
        Err(_) => false,
        Ok(m) if m.is_dir() => std::fs::read_dir(dir)
            .map(|mut r| r.next().is_some())
            .unwrap_or(true),
        Ok(_) => true,
    }
}

/// Build a directory output: refuse an existing non-empty `out` unless `overwrite`, let `fill`
/// write into a fresh temporary sibling, and move it into place only when `fill` succeeded (an
/// overwritten `out` is replaced only then). `flag` names the option that allows overwriting.
pub fn write_dir<T>(
    out: &Path,
    overwrite: bool,
    flag: &str,
    fill: impl FnOnce(&Path) -> Result<T>,
) -> Result<T> {
    let exists = std::fs::symlink_metadata(out).is_ok();
    if exists && !out.is_dir() {
        return Err(QtrainError::bad_data(
            out,
            "exists and is not a directory; choose another output directory",
        ));
    }
    if holds_anything(out) && !overwrite {
        return Err(QtrainError::bad_data(
            out,
            format!("already holds files; refusing to overwrite them (pass {flag} to replace it)"),
        ));
    }
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| QtrainError::io(parent, e))?;
    }
    let tmp = sibling(out, "tmp");
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir(&tmp).map_err(|e| QtrainError::io(out, e))?;
    let value = match fill(&tmp) {
        Ok(v) => v,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    let old = sibling(out, "old");
    if exists {
        if let Err(e) = std::fs::rename(out, &old) {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(QtrainError::io(out, e));
        }
    }
    if let Err(e) = std::fs::rename(&tmp, out) {
        if exists {
            let _ = std::fs::rename(&old, out);
        }
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(QtrainError::io(out, e));
    }
    if exists {
        let _ = std::fs::remove_dir_all(&old);
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_outputs_are_all_or_nothing() {
        let base = std::env::temp_dir().join(format!("qtrain-output-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base).unwrap();
        let out = base.join("model");
        write_dir(&out, false, "--overwrite", |d| {
            write_file(&d.join("a"), b"1")
        })
        .unwrap();
        assert_eq!(std::fs::read(out.join("a")).unwrap(), b"1");
        // refused without overwrite; untouched
        let e = write_dir(&out, false, "--overwrite", |_| Ok(()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("--overwrite") && e.contains("model"), "{e}");
        // a failing fill leaves the old directory and no temporary
        let e = write_dir(&out, true, "--overwrite", |d| {
            write_file(&d.join("b"), b"2")?;
            Err::<(), _>(QtrainError::bad_data(d, "boom"))
        });
        assert!(e.is_err());
        assert_eq!(std::fs::read(out.join("a")).unwrap(), b"1");
        assert!(!out.join("b").exists());
        let names: Vec<_> = std::fs::read_dir(&base).unwrap().flatten().collect();
        assert_eq!(names.len(), 1, "a temporary was left behind");
        // overwrite replaces as a whole
        write_dir(&out, true, "--overwrite", |d| {
            write_file(&d.join("b"), b"2")
        })
        .unwrap();
        assert!(!out.join("a").exists() && out.join("b").exists());
        let _ = std::fs::remove_dir_all(&base);
    }
}
