//! Outputs that never destroy what exists: a file is written under a temporary name in its own
//! directory and renamed over the target only once complete; a directory output (an export, an
//! import's run directory) is built in a temporary sibling and moved into place at the end, and an
//! existing non-empty target is refused unless the user asked to overwrite it. A failure at any point
//! leaves the target as it was and no temporary behind.
//!
//! File targets are checked before a run starts ([`target`]); a target that exists and is not a
//! regular file (`/dev/null`, `/dev/stdout`, a FIFO) is written in place, never renamed over; a
//! symlink is followed, so the file it points to is replaced.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::error::{QtrainError, Result};
use crate::validate::Origin;

/// A sibling of `path` with a process-unique suffix: same directory, so the final rename is atomic.
fn sibling(path: &Path, what: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "out".into());
    path.with_file_name(format!(".{name}.{what}-{}", std::process::id()))
}

/// Where an output goes, as checked by [`target`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The flag that named it (`--vcd`).
    pub flag: String,
    /// The path as given.
    pub path: PathBuf,
    /// The file to replace (symlinks followed).
    resolved: PathBuf,
    /// Write in place: the target exists and is not a regular file.
    special: bool,
}

/// Check that `path` can take the output named by `flag` (a flag such as `--vcd`, or a description
/// such as `metrics file`): not a directory, and its directory exists.
pub fn target(flag: &str, path: &Path) -> Result<Target> {
    let bad = |expected: String| Origin::Flag.invalid(flag, path.display(), expected);
    let (resolved, special) = match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(bad(
                "a file to write, not a directory: name the file inside it".into(),
            ))
        }
        Ok(m) => {
            let r = std::fs::canonicalize(path).map_err(|e| QtrainError::io(path, e))?;
            (r, !m.is_file())
        }
        Err(_) => (path.to_path_buf(), false),
    };
    if resolved.file_name().is_none() {
        return Err(bad("a file name".into()));
    }
    if !special {
        let dir = match resolved.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(bad(format!(
                "a file in an existing directory; {} is not a directory",
                dir.display()
            )));
        }
    }
    Ok(Target {
        flag: flag.to_string(),
        path: path.to_path_buf(),
        resolved,
        special,
    })
}

/// An output being written: a temporary beside the target until [`OutFile::commit`].
pub struct OutFile {
    target: Target,
    /// The temporary (None: written in place).
    tmp: Option<PathBuf>,
}

impl OutFile {
    /// Create the temporary (or open a special target) and return the file to write into.
    pub fn create(target: &Target) -> Result<(Self, File)> {
        if target.special {
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(&target.resolved)
                .map_err(|e| QtrainError::io(&target.path, e))?;
            return Ok((
                OutFile {
                    target: target.clone(),
                    tmp: None,
                },
                f,
            ));
        }
        let tmp = sibling(&target.resolved, "tmp");
        let _ = std::fs::remove_file(&tmp); // a leftover of a killed run with the same pid
        let f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| QtrainError::io(&tmp, e))?;
        Ok((
            OutFile {
                target: target.clone(),
                tmp: Some(tmp),
            },
            f,
        ))
    }

    /// Move the finished output into place.
    pub fn commit(mut self) -> Result<()> {
        if let Some(tmp) = self.tmp.take() {
            if let Err(e) = std::fs::rename(&tmp, &self.target.resolved) {
                let _ = std::fs::remove_file(&tmp);
                return Err(QtrainError::io(&self.target.path, e));
            }
        }
        Ok(())
    }
}

impl Drop for OutFile {
    fn drop(&mut self) {
        if let Some(tmp) = self.tmp.take() {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// Write `bytes` to `target` whole: temporary, then rename.
pub fn write(target: &Target, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let (out, mut f) = OutFile::create(target)?;
    f.write_all(bytes)
        .and_then(|_| f.flush())
        .map_err(|e| QtrainError::io(&target.path, e))?;
    drop(f);
    out.commit()
}

/// Write `bytes` to `path` via a temporary sibling and a rename: readers see the old file or the
/// new one, never a torn one, and a failed write leaves the old file untouched.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    write(&target("output file", path)?, bytes)
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
    // missing parents are created, and removed again if the output is not made
    let mut created = None;
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        created = parent
            .ancestors()
            .take_while(|a| !a.as_os_str().is_empty() && std::fs::symlink_metadata(a).is_err())
            .last()
            .map(Path::to_path_buf);
        std::fs::create_dir_all(parent).map_err(|e| QtrainError::io(parent, e))?;
    }
    let undo = |tmp: &Path| {
        let _ = std::fs::remove_dir_all(tmp);
        if let Some(c) = &created {
            let _ = std::fs::remove_dir_all(c);
        }
    };
    let tmp = sibling(out, "tmp");
    let _ = std::fs::remove_dir_all(&tmp);
    if let Err(e) = std::fs::create_dir(&tmp) {
        undo(&tmp);
        return Err(QtrainError::io(out, e));
    }
    let value = match fill(&tmp) {
        Ok(v) => v,
        Err(e) => {
            undo(&tmp);
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
        // missing parents made for a failed output are removed again
        let deep = base.join("a/b/model");
        assert!(write_dir(&deep, false, "--overwrite", |d| {
            Err::<(), _>(QtrainError::bad_data(d, "boom"))
        })
        .is_err());
        assert!(!base.join("a").exists());
        // overwrite replaces as a whole
        write_dir(&out, true, "--overwrite", |d| {
            write_file(&d.join("b"), b"2")
        })
        .unwrap();
        assert!(!out.join("a").exists() && out.join("b").exists());
        let _ = std::fs::remove_dir_all(&base);
    }

    #[test]
    fn outputs_replace_whole_files_or_nothing() {
        let d = std::env::temp_dir().join(format!("qtrain-sim-outputs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        let p = d.join("r.json");
        std::fs::write(&p, "old").unwrap();
        let t = target("--json", &p).unwrap();
        // dropped before commit: the old file stays, no temporary is left
        let (out, _f) = OutFile::create(&t).unwrap();
        drop(out);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old");
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 1);
        write(&t, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 1);
        let e = target("--json", &d).unwrap_err().to_string();
        assert!(
            e.starts_with("--json ") && e.contains("not a directory"),
            "{e}"
        );
        let e = target("--vcd", &d.join("nope/x.vcd"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("nope") && e.contains("is not a directory"),
            "{e}"
        );
        // special files are written in place, never replaced
        let t = target("--json", Path::new("/dev/null")).unwrap();
        write(&t, b"x").unwrap();
        assert!(!std::fs::metadata("/dev/null").unwrap().is_file());
        let _ = std::fs::remove_dir_all(&d);
    }
}
