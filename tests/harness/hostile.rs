//! The hostile-input harness shared by the `qtrain` corpus (`tests/golden/hostile.rs`) and the `sim`
//! corpus (`sim/tests/hostile.rs`), included by `#[path]` so both crates run the same checks.
//!
//! A [`Case`] is a row of a table: a name, the binary's arguments (`{d}` stands for the case's own
//! fresh directory), a setup that writes the files the case needs, and what must come back: the exit
//! code and substrings the message must contain (the file, the field, the value). For every case the
//! harness checks that the process
//! * exits by itself within [`TIMEOUT`] (no hang),
//! * is not killed by a signal (no abort) and does not panic (no exit 101, no "panicked" on stderr),
//! * exits with the expected code (0 where a failure was expected is a *silent acceptance*),
//! * names what it must name on stderr, and
//! * leaves every file in its directory byte for byte as the setup left it, creates none and
//!   deletes none (nothing overwritten, nothing half-written).
//!
//! To add a case: append a `Case` to the table of the binary it exercises (give it a unique name,
//! a setup that writes only under the directory it is given, and the substrings its error must
//! carry); the tally printed at the end counts it.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A case that runs longer than this is a hang.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// Exit code of a run-time error (the binaries' `error: ...` path).
pub const ERR: i32 = 1;
/// Exit code of a flag the argument parser (clap) refuses.
pub const USAGE: i32 = 2;

/// Files a case's setup writes into its directory.
pub type Setup = Box<dyn Fn(&Path) + Send + Sync>;

/// One hostile input.
pub struct Case {
    /// Unique, descriptive name (also the name of its directory).
    pub name: String,
    /// Arguments; `{d}` is replaced by the case's directory.
    pub args: Vec<String>,
    /// Writes the case's files.
    pub setup: Setup,
    /// Expected exit code.
    pub code: i32,
    /// Substrings stderr must contain (`{d}` replaced as in `args`).
    pub stderr_has: Vec<String>,
}

impl Case {
    /// A case expecting a run-time error whose message contains every one of `has`.
    pub fn err(name: impl Into<String>, args: &[&str], has: &[&str]) -> Self {
        Case {
            name: name.into(),
            args: args.iter().map(|s| s.to_string()).collect(),
            setup: Box::new(|_| {}),
            code: ERR,
            stderr_has: has.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// A case the argument parser refuses (exit 2).
    pub fn usage(name: impl Into<String>, args: &[&str], has: &[&str]) -> Self {
        Case {
            code: USAGE,
            ..Case::err(name, args, has)
        }
    }

    /// The same case with a setup.
    pub fn with(mut self, setup: impl Fn(&Path) + Send + Sync + 'static) -> Self {
        self.setup = Box::new(setup);
        self
    }
}

/// What went wrong with one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Failure {
    /// Exit 101 or "panicked" on stderr.
    Panic,
    /// Killed by a signal (abort, out of memory).
    Abort,
    /// Still running after [`TIMEOUT`].
    Hang,
    /// Exit 0 where an error was expected.
    SilentAcceptance,
    /// Another non-zero exit code than expected.
    WrongCode,
    /// The message lacks an expected substring.
    Message,
    /// A file in the case's directory was changed, created or removed.
    FileChanged,
}

/// A file tree's contents: path → bytes (symlinks as their target, marked).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let rel = p.strip_prefix(dir).unwrap_or(&p).to_path_buf();
            let Ok(meta) = std::fs::symlink_metadata(&p) else {
                continue;
            };
            if meta.file_type().is_symlink() {
                let t = std::fs::read_link(&p).unwrap_or_default();
                let mut v = b"symlink->".to_vec();
                v.extend_from_slice(t.to_string_lossy().as_bytes());
                out.insert(rel, v);
            } else if meta.is_dir() {
                out.insert(rel, b"dir".to_vec());
                stack.push(p);
            } else {
                out.insert(rel, std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    out
}

fn diff(before: &BTreeMap<PathBuf, Vec<u8>>, after: &BTreeMap<PathBuf, Vec<u8>>) -> Vec<String> {
    let mut v = Vec::new();
    for (p, b) in before {
        match after.get(p) {
            None => v.push(format!("removed {}", p.display())),
            Some(a) if a != b => v.push(format!("changed {}", p.display())),
            _ => {}
        }
    }
    for p in after.keys().filter(|p| !before.contains_key(*p)) {
        v.push(format!("created {}", p.display()));
    }
    v
}

/// The result of one case.
pub struct Outcome {
    /// The case's name.
    pub name: String,
    /// What went wrong (empty: passed).
    pub failures: Vec<(Failure, String)>,
}

fn run_one(bin: &Path, base: &Path, case: &Case) -> Outcome {
    let dir = base.join(&case.name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("case directory");
    (case.setup)(&dir);
    let before = snapshot(&dir);
    let d = dir.to_string_lossy().to_string();
    let args: Vec<String> = case.args.iter().map(|a| a.replace("{d}", &d)).collect();
    let mut failures = Vec::new();
    let mut child = Command::new(bin)
        .args(&args)
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the binary");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let t0 = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break Some(s);
        }
        if t0.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let err = reader.join().unwrap_or_default();
    let short: String = err.chars().take(600).collect();
    match status.map(|s| s.code()) {
        None => failures.push((Failure::Hang, format!("still running after {TIMEOUT:?}"))),
        Some(None) => failures.push((Failure::Abort, format!("killed by a signal: {short}"))),
        Some(Some(101)) => failures.push((Failure::Panic, short.clone())),
        Some(Some(0)) if case.code != 0 => {
            failures.push((Failure::SilentAcceptance, format!("exit 0: {short}")))
        }
        Some(Some(c)) if c != case.code => failures.push((
            Failure::WrongCode,
            format!("exit {c}, expected {}: {short}", case.code),
        )),
        _ => {}
    }
    if err.contains("panicked") && !failures.iter().any(|f| f.0 == Failure::Panic) {
        failures.push((Failure::Panic, short.clone()));
    }
    for want in &case.stderr_has {
        let want = want.replace("{d}", &d);
        if !err.contains(&want) {
            failures.push((Failure::Message, format!("stderr lacks {want:?}: {short}")));
        }
    }
    let changes = diff(&before, &snapshot(&dir));
    if !changes.is_empty() {
        failures.push((Failure::FileChanged, changes.join(", ")));
    }
    if failures.is_empty() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Outcome {
        name: case.name.clone(),
        failures,
    }
}

/// Run every case against `bin` (two at a time), print a tally by failure class and every failure,
/// and panic if any case failed. Returns the number of cases run.
pub fn run_corpus(bin: &Path, tag: &str, cases: Vec<Case>) -> usize {
    let mut names = std::collections::HashSet::new();
    for c in &cases {
        assert!(
            names.insert(c.name.clone()),
            "duplicate case name {}",
            c.name
        );
    }
    let base = std::env::temp_dir().join(format!("qtrain-hostile-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let t0 = Instant::now();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let outcomes = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(case) = cases.get(i) else { break };
                let o = run_one(bin, &base, case);
                outcomes.lock().unwrap().push(o);
            });
        }
    });
    let outcomes = outcomes.into_inner().unwrap();
    let mut tally: BTreeMap<Failure, usize> = BTreeMap::new();
    let mut bad = Vec::new();
    for o in &outcomes {
        for (f, msg) in &o.failures {
            *tally.entry(*f).or_default() += 1;
            bad.push(format!("  {} [{f:?}] {msg}", o.name));
        }
    }
    let failed = outcomes.iter().filter(|o| !o.failures.is_empty()).count();
    eprintln!(
        "hostile corpus {tag}: {} cases, {} passed, {failed} failed in {:.1} s; by class: {tally:?}",
        outcomes.len(),
        outcomes.len() - failed,
        t0.elapsed().as_secs_f64()
    );
    if failed == 0 {
        let _ = std::fs::remove_dir_all(&base);
    }
    assert!(failed == 0, "hostile corpus {tag}:\n{}", bad.join("\n"));
    outcomes.len()
}
