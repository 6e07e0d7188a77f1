//! Compiling the exported top with Verilator and caching the model per hardware configuration
//! (the **Build** paragraph of [`super`]).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use qtrain::hw::HwConfig;
use qtrain_hdl::accel::ACCEL_TOP;

use crate::devices::shapes::Use;
use crate::error::SimError;

/// The harness compiled with every model (its doc comment has the pipe protocol).
pub const HARNESS: &str = include_str!("harness.cpp");

/// Verilator configuration: the router's packed state register (state, remaining payload, …) is
/// readable by the harness (for the watchdog's diagnosis); nothing else is made public.
const VLT: &str = "`verilator_config\n\
public_flat_rd -module \"qtrain_accel$router\" -var \"regs$q\"\n";

/// Verilator's options (part of the cache key). Registers start at 0, as in rust-hdl.
const VERILATOR_FLAGS: &[&str] = &[
    "--cc",
    "-O3",
    "--x-assign",
    "0",
    "--x-initial",
    "0",
    "--noassert",
    "-Wno-fatal",
    "-Wno-lint",
    "-Wno-style",
];

/// C++ flags of every object (verilated.mk's, without `make`); hot code `-Os` (Verilator's own
/// default: the model is one long straight-line function per clock edge, and on this design `-Os`
/// measured a few per cent faster than `-O2`, `-O3 -march=native` 30 % slower, PGO 1.5 % faster),
/// the model's once-run (`__Slow`) code unoptimised for a faster build.
const CXX_FLAGS: &[&str] = &[
    "-std=gnu++17",
    "-faligned-new",
    "-fcf-protection=none",
    "-Wno-bool-operation",
    "-Wno-sign-compare",
    "-Wno-uninitialized",
    "-Wno-unused-but-set-variable",
    "-Wno-unused-parameter",
    "-Wno-unused-variable",
    "-Wno-shadow",
    "-DVM_COVERAGE=0",
    "-DVM_SC=0",
    "-DVM_TRACE_FST=0",
];
const OPT_FAST: &str = "-Os";
const OPT_SLOW: &str = "-O0";
const LINK_LIBS: &[&str] = &["-pthread", "-lpthread", "-latomic"];

/// What to install when a tool is missing.
pub const INSTALL_HINT: &str = "apt-get install -y verilator g++";

const EXE: &str = "qtrain_accel_sim";

/// The Verilator executable: `QTRAIN_VERILATOR` or `verilator` on `PATH`.
pub fn verilator_tool() -> PathBuf {
    std::env::var_os("QTRAIN_VERILATOR")
        .map(PathBuf::from)
        .unwrap_or_else(|| "verilator".into())
}

pub(super) fn tool_err(msg: String) -> SimError {
    SimError::Tool(msg)
}

/// `verilator --version`, or the error that says what to install.
pub fn verilator_version() -> Result<String, SimError> {
    let tool = verilator_tool();
    let out = Command::new(&tool).arg("--version").output().map_err(|e| {
        tool_err(format!(
            "--backend verilator needs Verilator, but `{}` cannot be run ({e}); install it with \
             `{INSTALL_HINT}` (or point QTRAIN_VERILATOR at the executable)",
            tool.display()
        ))
    })?;
    if !out.status.success() {
        return Err(tool_err(format!(
            "`{} --version` failed ({}): {}; install Verilator with `{INSTALL_HINT}`",
            tool.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Where compiled models are kept: `QTRAIN_VERILATOR_CACHE`, else `verilator/` in the cargo target
/// directory this binary was built in (found by its `CACHEDIR.TAG`), else the workspace's `target/`.
pub fn cache_root() -> PathBuf {
    if let Some(d) = std::env::var_os("QTRAIN_VERILATOR_CACHE") {
        return d.into();
    }
    if let Ok(exe) = std::env::current_exe() {
        if let Some(t) = exe
            .ancestors()
            .skip(1)
            .find(|a| a.join("CACHEDIR.TAG").is_file())
        {
            return t.join("verilator");
        }
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/verilator")
}

fn fnv1a64(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for &b in p.iter().chain(&[0xFFu8]) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// A compiled model.
#[derive(Clone, Debug)]
pub struct Model {
    /// The harness executable.
    pub exe: PathBuf,
    /// Seconds this call spent compiling it (`None`: it was cached).
    pub compile_seconds: Option<f64>,
    /// Built with `--trace` (can write a VCD).
    pub trace: bool,
}

/// The compiled model of `hw`'s top (with `--trace` when `trace`): from the cache, or built now.
pub fn model(hw: &HwConfig, trace: bool) -> Result<Model, SimError> {
    crate::devices::shapes::check(hw, &qtrain::validate::Origin::Flag, Use::Verilator)?;
    let version = verilator_version()?;
    let [verilog, ..] =
        crate::devices::verilog::verilog(hw).map_err(|e| SimError::Protocol(e.to_string()))?;
    let flags = format!(
        "{VERILATOR_FLAGS:?} {CXX_FLAGS:?} {OPT_FAST} {OPT_SLOW} {LINK_LIBS:?} trace={trace}"
    );
    let key = fnv1a64(&[
        verilog.as_bytes(),
        HARNESS.as_bytes(),
        VLT.as_bytes(),
        flags.as_bytes(),
        version.as_bytes(),
    ]);
    let root = cache_root();
    let name = format!(
        "{ACCEL_TOP}-p{}-s{}{}-{key:016x}",
        hw.conv.pe,
        hw.conv.simd,
        if trace { "-trace" } else { "" }
    );
    let dir = root.join(&name);
    let exe = dir.join(EXE);
    if exe.is_file() {
        return Ok(Model {
            exe,
            compile_seconds: None,
            trace,
        });
    }
    std::fs::create_dir_all(&root)
        .map_err(|e| {
            tool_err(format!(
                "cannot create the Verilator model cache {}: {e} (QTRAIN_VERILATOR_CACHE names another directory)",
                root.display()
            ))
        })?;
    // One builder per model at a time (the others wait for it and then use its model); the
    // temporary directory + rename below keeps even a broken lock from mixing two builds.
    let Some(_lock) = BuildLock::take(&root.join(format!(".lock-{name}")), &exe)? else {
        return Ok(Model {
            exe,
            compile_seconds: None,
            trace,
        });
    };
    let t0 = Instant::now();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let tmp = root.join(format!(".build-{name}-{}-{nanos}", std::process::id()));
    eprintln!(
        "verilator: compiling the exported top for P={} S={}{} (once per configuration, cached in {})",
        hw.conv.pe,
        hw.conv.simd,
        if trace { " with --trace" } else { "" },
        dir.display()
    );
    let built = build(&tmp, &verilog, trace);
    if let Err(e) = built {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if let Err(e) = std::fs::rename(&tmp, &dir) {
        // Another process finished the same model first: use it.
        let _ = std::fs::remove_dir_all(&tmp);
        if !exe.is_file() {
            return Err(tool_err(format!(
                "cannot move the compiled model into {}: {e}",
                dir.display()
            )));
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    eprintln!("verilator: compiled in {secs:.1} s");
    Ok(Model {
        exe,
        compile_seconds: Some(secs),
        trace,
    })
}

/// A lock file held while one process compiles a model (removed on drop).
struct BuildLock(PathBuf);

impl BuildLock {
    /// Take the lock at `path`, or wait while another live process holds it; `None` when `exe`
    /// appeared meanwhile (the other process built it). A lock whose process is gone (or that is
    /// older than 30 minutes) is stale and taken over.
    fn take(path: &Path, exe: &Path) -> Result<Option<Self>, SimError> {
        let mut told = false;
        loop {
            if exe.is_file() {
                return Ok(None);
            }
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
            {
                Ok(mut f) => {
                    let _ = write!(f, "{}", std::process::id());
                    return Ok(Some(BuildLock(path.to_path_buf())));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(path).unwrap_or_default();
                    let pid = holder.trim();
                    let gone = Path::new("/proc/self").exists()
                        && !pid.is_empty()
                        && !Path::new("/proc").join(pid).exists();
                    let old = std::fs::metadata(path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|a| a.as_secs() > 1800);
                    if gone || old {
                        let _ = std::fs::remove_file(path);
                        continue;
                    }
                    if !told {
                        eprintln!(
                            "verilator: waiting for process {pid} to finish compiling the same model ({})",
                            path.display()
                        );
                        told = true;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(250));
                }
                Err(e) => {
                    return Err(tool_err(format!(
                        "cannot create the build lock {}: {e}",
                        path.display()
                    )))
                }
            }
        }
    }
}

impl Drop for BuildLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Run `cmd` in `dir`; on failure the error names the step and shows the tool's output.
fn run_step(cmd: &mut Command, what: &str, log: &mut String) -> Result<(), SimError> {
    let out = cmd.output().map_err(|e| {
        tool_err(format!(
            "{what}: cannot run {:?} ({e}); --backend verilator needs Verilator and a C++ compiler: \
             `{INSTALL_HINT}`",
            cmd.get_program()
        ))
    })?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    log.push_str(&format!("$ {cmd:?}\n{text}\n"));
    if !out.status.success() {
        let tail: Vec<&str> = text.lines().rev().take(30).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(tool_err(format!(
            "{what} failed ({}):\n{}",
            out.status,
            tail.join("\n")
        )));
    }
    Ok(())
}

/// The names listed under `var +=` in Verilator's `*_classes.mk`.
fn mk_list(mk: &str, var: &str) -> Vec<String> {
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

/// Verilate and compile into `dir` (created); every tool runs inside `dir` with relative paths.
fn build(dir: &Path, verilog: &str, trace: bool) -> Result<(), SimError> {
    let io = |p: &Path, e: std::io::Error| tool_err(format!("{}: {e}", p.display()));
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    for (f, text) in [
        (format!("{ACCEL_TOP}.v"), verilog),
        ("qtrain.vlt".to_string(), VLT),
        ("harness.cpp".to_string(), HARNESS),
    ] {
        let p = dir.join(f);
        std::fs::write(&p, text).map_err(|e| io(&p, e))?;
    }
    let mut log = String::new();
    let tool = verilator_tool();
    let mut v = Command::new(&tool);
    v.current_dir(dir)
        .args(VERILATOR_FLAGS)
        .args(if trace { &["--trace"][..] } else { &[] })
        .args(["--top-module", ACCEL_TOP, "--Mdir", "obj", "qtrain.vlt"])
        .arg(format!("{ACCEL_TOP}.v"));
    let r = run_step(&mut v, "verilator (Verilog to C++)", &mut log);
    let save_log = |log: &str| {
        let _ = std::fs::write(dir.join("build.log"), log);
    };
    r.inspect_err(|_| save_log(&log))?;
    let root = Command::new(&tool)
        .args(["--getenv", "VERILATOR_ROOT"])
        .output()
        .map_err(|e| tool_err(format!("verilator --getenv VERILATOR_ROOT: {e}")))?;
    let root = PathBuf::from(String::from_utf8_lossy(&root.stdout).trim());
    let inc = root.join("include");
    // The watchdog's diagnosis reads the router's state where the Verilog has it (the harness is
    // compiled without that read otherwise, so a reworked router never breaks the build).
    let rooth = dir.join(format!("obj/V{ACCEL_TOP}___024root.h"));
    let rooth = std::fs::read_to_string(&rooth).map_err(|e| io(&rooth, e))?;
    // Where the state and the remaining count sit in the packed register, as the Verilog reads
    // them (`ctl$r_state = regs$q[(64'h0)+:(4)];`).
    let offset = |field: &str| -> Option<u64> {
        let pat = format!("ctl$r_{field} = regs$q[(64'h");
        let rest = &verilog[verilog.find(&pat)? + pat.len()..];
        u64::from_str_radix(&rest[..rest.find(')')?], 16).ok()
    };
    let router_offsets = offset("state").zip(offset("remaining"));
    let router_state = router_offsets.is_some()
        && rooth.contains(&format!("{ACCEL_TOP}__DOT__router__DOT__regs__024q;"));
    let mkp = dir.join(format!("obj/V{ACCEL_TOP}_classes.mk"));
    let mk = std::fs::read_to_string(&mkp).map_err(|e| io(&mkp, e))?;
    // (source, optimisation) of every object
    let mut jobs: Vec<(PathBuf, &str)> = Vec::new();
    for (var, opt) in [
        ("VM_CLASSES_FAST", OPT_FAST),
        ("VM_SUPPORT_FAST", OPT_FAST),
        ("VM_CLASSES_SLOW", OPT_SLOW),
        ("VM_SUPPORT_SLOW", OPT_SLOW),
    ] {
        for n in mk_list(&mk, var) {
            jobs.push((PathBuf::from(format!("obj/{n}.cpp")), opt));
        }
    }
    for var in ["VM_GLOBAL_FAST", "VM_GLOBAL_SLOW"] {
        for n in mk_list(&mk, var) {
            jobs.push((inc.join(format!("{n}.cpp")), OPT_FAST));
        }
    }
    if jobs.is_empty() {
        save_log(&log);
        return Err(tool_err(format!(
            "{} lists no sources: unexpected Verilator output",
            mkp.display()
        )));
    }
    jobs.push((PathBuf::from("harness.cpp"), OPT_FAST));
    let mut harness_defs: Vec<String> = Vec::new();
    if trace {
        harness_defs.push("-DQTRAIN_TRACE".into());
    }
    if let (true, Some((st, rem))) = (router_state, router_offsets) {
        harness_defs.push("-DQTRAIN_ROUTER_STATE".into());
        harness_defs.push(format!("-DQTRAIN_STATE_OFF={st}"));
        harness_defs.push(format!("-DQTRAIN_REMAINING_OFF={rem}"));
    }
    // The biggest files first, so the parallel compile ends together.
    jobs.sort_by_key(|(p, _)| {
        std::cmp::Reverse(std::fs::metadata(dir.join(p)).map(|m| m.len()).unwrap_or(0))
    });
    let cxx = std::env::var_os("CXX").unwrap_or_else(|| "c++".into());
    let trace_def = format!("-DVM_TRACE={}", trace as u8);
    let trace_vcd = format!("-DVM_TRACE_VCD={}", trace as u8);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let logs = std::sync::Mutex::new(Vec::<(usize, Result<String, SimError>)>::new());
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 8);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some((src, opt)) = jobs.get(k) else { break };
                let mut c = Command::new(&cxx);
                c.current_dir(dir)
                    .args(CXX_FLAGS)
                    .args([&trace_def, &trace_vcd, *opt])
                    .args(if src.as_os_str() == "harness.cpp" {
                        &harness_defs[..]
                    } else {
                        &[]
                    })
                    .args(["-I", "obj", "-I"])
                    .arg(&inc)
                    .arg("-I")
                    .arg(inc.join("vltstd"))
                    .arg("-c")
                    .arg("-o")
                    .arg(format!("o{k}.o"))
                    .arg(src);
                let mut l = String::new();
                let r = run_step(&mut c, &format!("compiling {}", src.display()), &mut l);
                let failed = r.is_err();
                logs.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((k, r.map(|_| l)));
                if failed {
                    // let the other workers stop early
                    next.store(usize::MAX / 2, std::sync::atomic::Ordering::SeqCst);
                    break;
                }
            });
        }
    });
    let mut results = logs.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_by_key(|(k, _)| *k);
    for (_, r) in results.iter() {
        if let Ok(l) = r {
            log.push_str(l);
        }
    }
    if let Some((_, Err(e))) = results.into_iter().find(|(_, r)| r.is_err()) {
        save_log(&log);
        return Err(e);
    }
    let mut link = Command::new(&cxx);
    link.current_dir(dir).arg("-o").arg(EXE);
    for k in 0..jobs.len() {
        link.arg(format!("o{k}.o"));
    }
    link.args(LINK_LIBS);
    let r = run_step(&mut link, "linking the Verilator model", &mut log);
    save_log(&log);
    r?;
    // Objects and generated C++ are not needed any more (the Verilog stays for reference).
    for k in 0..jobs.len() {
        let _ = std::fs::remove_file(dir.join(format!("o{k}.o")));
    }
    let _ = std::fs::remove_dir_all(dir.join("obj"));
    Ok(())
}
