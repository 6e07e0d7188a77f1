//! The generic lockstep harness: one block's rust-hdl model against its own Verilog compiled by
//! Verilator, every output port compared on every cycle.
//!
//! A block under test implements [`LockstepBlock`]: it builds the block for a configuration, names
//! its input and output ports (the [`ports!`] macro writes the port list and the typed accessors),
//! and drives legal inputs cycle by cycle, seeded, possibly reacting to the model's outputs
//! (`drive` sees the model after the last rising edge; `observe` sees it just before the edge,
//! with this cycle's inputs applied — where a valid/ready handshake is decided).
//!
//! [`run`] then
//! 1. runs the rust-hdl model (direct `simulate()` loop) and records per cycle the inputs it was
//!    given and every output port, sampled with the clock low and this cycle's inputs settled (so
//!    combinational outputs are compared too), before the rising edge;
//! 2. emits the block's Verilog alone (`generate_verilog` of the block: its ports are the module
//!    `top`'s ports), generates a C++ Verilator harness from the port list (ports wider than 64 bits
//!    as `VlWide` words) that reads the recorded input vectors from a file and writes every output
//!    port per cycle, and builds it — cached under `target/tmp/lockstep/` (override:
//!    `QTRAIN_LOCKSTEP_CACHE`), keyed by a hash of the Verilog, the harness and the Verilator
//!    version; the Verilator runtime is compiled once per cache and shared by every block;
//! 3. replays the inputs to the Verilator model and compares its outputs with the recorded ones;
//!    the first difference fails the test naming block, port, cycle and both values in hex.
//!
//! Without `verilator` on `PATH` (or `QTRAIN_VERILATOR`) a bench prints SKIP, unless
//! `QTRAIN_REQUIRE_TOOLS` is set (CI), where it fails. Every tool runs inside its build directory
//! with relative paths, so the cache may live under /tmp or in a path with a space.

use std::path::{Path, PathBuf};
use std::process::Command;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rust_hdl::prelude::*;

use qtrain_hdl::stream::Wide;

/// The seeded generator every stimulus draws from.
pub type Rng = ChaCha8Rng;

/// 64-bit words that hold `bits` bits.
pub fn words(bits: usize) -> usize {
    bits.div_ceil(64)
}

/// A port value as little-endian 64-bit words (bit `64·i + b` = bit b of word i).
pub trait PortVal: Sized {
    /// Width in bits.
    const BITS: usize;
    /// Append the value's words.
    fn put(&self, out: &mut Vec<u64>);
}

impl PortVal for bool {
    const BITS: usize = 1;
    fn put(&self, out: &mut Vec<u64>) {
        out.push(*self as u64);
    }
}

impl<const N: usize> PortVal for Bits<N> {
    const BITS: usize = N;
    fn put(&self, out: &mut Vec<u64>) {
        assert!(N <= 64, "Bits<{N}> port: use Wide for wide buses");
        out.push(self.to_u64());
    }
}

impl<const N: usize> PortVal for Wide<N> {
    const BITS: usize = 64 * N;
    fn put(&self, out: &mut Vec<u64>) {
        out.extend_from_slice(&self.0);
    }
}

/// A module port: its Verilog name and width.
#[derive(Clone, Debug)]
pub struct Port {
    /// Name in the Verilog (`u_w$0` for element 0 of an array port).
    pub name: String,
    /// Width in bits.
    pub bits: usize,
}

impl Port {
    /// A port.
    pub fn new(name: impl Into<String>, bits: usize) -> Self {
        Port {
            name: name.into(),
            bits,
        }
    }

    /// Verilator's C++ name of the port (`$` becomes `__024`).
    fn cxx(&self) -> String {
        self.name.replace('$', "__024")
    }
}

/// Writes a block's name, port list, typed accessors and clock (its `clock` field):
/// `ports!(name: "skid_buffer", in: [a: Bit, b: Wide<4>], out: [..])`. Array ports are listed
/// element by element as `name[index]: Type`.
macro_rules! ports {
    (name: $name:literal, in: [$($i:ident $([$ii:literal])? : $it:ty),* $(,)?], out: [$($o:ident $([$oi:literal])? : $ot:ty),* $(,)?]) => {
        fn inputs(&self) -> Vec<crate::lockstep::harness::Port> {
            vec![$(crate::lockstep::harness::Port::new(
                concat!(stringify!($i) $(, "$", stringify!($ii))?),
                <$it as crate::lockstep::harness::PortVal>::BITS,
            )),*]
        }
        fn outputs(&self) -> Vec<crate::lockstep::harness::Port> {
            vec![$(crate::lockstep::harness::Port::new(
                concat!(stringify!($o) $(, "$", stringify!($oi))?),
                <$ot as crate::lockstep::harness::PortVal>::BITS,
            )),*]
        }
        fn read_inputs(b: &Self::B, out: &mut Vec<u64>) {
            $( crate::lockstep::harness::PortVal::put(&b.$i $([$ii])?.val(), out); )*
        }
        fn read_outputs(b: &Self::B, out: &mut Vec<u64>) {
            $( crate::lockstep::harness::PortVal::put(&b.$o $([$oi])?.val(), out); )*
        }
        fn name(&self) -> String {
            $name.into()
        }
        fn clock(b: &mut Self::B) -> &mut Signal<In, Clock> {
            &mut b.clock
        }
    };
}

/// A block with hand-written Verilog, its configuration and its legal stimulus.
pub trait LockstepBlock {
    /// The rust-hdl block.
    type B: Block;
    /// Name in messages and in the cache.
    fn name(&self) -> String;
    /// The block, built for this configuration (not yet connected).
    fn make(&self) -> Self::B;
    /// Input ports (the clock excluded), in `read_inputs` order.
    fn inputs(&self) -> Vec<Port>;
    /// Output ports, in `read_outputs` order.
    fn outputs(&self) -> Vec<Port>;
    /// Every input port's value (`val()`), as words.
    fn read_inputs(b: &Self::B, out: &mut Vec<u64>);
    /// Every output port's value, as words.
    fn read_outputs(b: &Self::B, out: &mut Vec<u64>);
    /// The clock input.
    fn clock(b: &mut Self::B) -> &mut Signal<In, Clock>;
    /// Set this cycle's inputs (`.next`); the model shows its state after the last rising edge.
    fn drive(&mut self, b: &mut Self::B, rng: &mut Rng);
    /// The model just before the rising edge, this cycle's inputs settled.
    fn observe(&mut self, _b: &Self::B) {}
}

fn settle<B: Block>(b: &mut B) {
    assert!(simulate(b, 200), "the rust-hdl model did not settle");
}

/// What the rust-hdl model did: per cycle the input words and the output words.
struct Trace {
    ins: Vec<u64>,
    outs: Vec<u64>,
    n_in: usize,
    n_out: usize,
    cycles: usize,
}

fn run_model<T: LockstepBlock>(t: &mut T, b: &mut T::B, cycles: usize, seed: u64) -> Trace {
    let n_in: usize = t.inputs().iter().map(|p| words(p.bits)).sum();
    let n_out: usize = t.outputs().iter().map(|p| words(p.bits)).sum();
    let mut rng = Rng::seed_from_u64(seed);
    let mut ins = Vec::with_capacity(n_in * cycles);
    let mut outs = Vec::with_capacity(n_out * cycles);
    T::clock(b).next = Clock { clk: false };
    settle(b);
    for _ in 0..cycles {
        t.drive(b, &mut rng);
        T::clock(b).next = Clock { clk: false };
        settle(b);
        let (i0, o0) = (ins.len(), outs.len());
        T::read_inputs(b, &mut ins);
        T::read_outputs(b, &mut outs);
        assert_eq!(ins.len() - i0, n_in, "read_inputs and inputs() disagree");
        assert_eq!(
            outs.len() - o0,
            n_out,
            "read_outputs and outputs() disagree"
        );
        t.observe(b);
        T::clock(b).next = Clock { clk: true };
        settle(b);
    }
    Trace {
        ins,
        outs,
        n_in,
        n_out,
        cycles,
    }
}

/// The C++ harness for a port list: `./sim IN OUT`; IN = u64 cycles, then per cycle the input
/// words; OUT = per cycle the output words (little-endian u64 each).
fn cxx_harness(inputs: &[Port], outputs: &[Port]) -> String {
    let mut set = String::new();
    let mut k = 0;
    for p in inputs {
        let n = p.cxx();
        if p.bits <= 64 {
            set.push_str(&format!("        top->{n} = in[{k}];\n"));
        } else {
            for i in 0..p.bits.div_ceil(32) {
                set.push_str(&format!(
                    "        top->{n}[{i}] = (uint32_t)(in[{}] >> {});\n",
                    k + i / 2,
                    32 * (i % 2)
                ));
            }
        }
        k += words(p.bits);
    }
    let n_in = k;
    let mut get = String::new();
    k = 0;
    for p in outputs {
        let n = p.cxx();
        if p.bits <= 64 {
            get.push_str(&format!("        out[{k}] = (uint64_t)top->{n};\n"));
        } else {
            for w in 0..words(p.bits) {
                let hi = if 2 * w + 1 < p.bits.div_ceil(32) {
                    format!(" | ((uint64_t)top->{n}[{}] << 32)", 2 * w + 1)
                } else {
                    String::new()
                };
                get.push_str(&format!(
                    "        out[{}] = (uint64_t)top->{n}[{}]{hi};\n",
                    k + w,
                    2 * w
                ));
            }
        }
        k += words(p.bits);
    }
    let n_out = k;
    format!(
        "\
// generated by hdl/tests/lockstep/harness.rs
#include \"Vtop.h\"
#include \"verilated.h\"
#include <cstdint>
#include <cstdio>
#include <vector>
double sc_time_stamp() {{ return 0; }}
int main(int argc, char **argv) {{
    if (argc < 3) {{ fprintf(stderr, \"usage: sim IN OUT\\n\"); return 2; }}
    FILE *fi = fopen(argv[1], \"rb\");
    FILE *fo = fopen(argv[2], \"wb\");
    if (!fi || !fo) {{ perror(\"open\"); return 2; }}
    uint64_t n = 0;
    if (fread(&n, 8, 1, fi) != 1) {{ fprintf(stderr, \"short input\\n\"); return 2; }}
    std::vector<uint64_t> in({n_in} + 1), out({n_out} + 1);
    VerilatedContext ctx;
    Vtop *top = new Vtop{{&ctx}};
    top->clock = 0;
    top->eval();
    for (uint64_t c = 0; c < n; c++) {{
        if ({n_in} && fread(in.data(), 8, {n_in}, fi) != {n_in}) {{ fprintf(stderr, \"short input\\n\"); return 2; }}
{set}        top->clock = 0;
        top->eval();
{get}        if (fwrite(out.data(), 8, {n_out}, fo) != {n_out}) {{ perror(\"write\"); return 2; }}
        top->clock = 1;
        top->eval();
    }}
    top->final();
    delete top;
    if (fclose(fo) != 0) {{ perror(\"close\"); return 2; }}
    return 0;
}}
"
    )
}

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
    "--top-module",
    "top",
];
const CXX_FLAGS: &[&str] = &[
    "-std=gnu++17",
    "-faligned-new",
    "-w",
    "-DVM_COVERAGE=0",
    "-DVM_SC=0",
    "-DVM_TRACE=0",
    "-DVM_TRACE_FST=0",
    "-DVM_TRACE_VCD=0",
];
/// The model's code is run for 10^5 cycles only: a fast compile matters more than fast code.
const OPT: &str = "-O1";

fn fnv(parts: &[&[u8]]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for p in parts {
        for &b in *p {
            h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
        }
        h = (h ^ 0xff).wrapping_mul(0x100_0000_01b3);
    }
    h
}

fn verilator() -> PathBuf {
    std::env::var_os("QTRAIN_VERILATOR")
        .map(PathBuf::from)
        .unwrap_or_else(|| "verilator".into())
}

fn cxx() -> PathBuf {
    std::env::var_os("CXX")
        .map(PathBuf::from)
        .unwrap_or_else(|| "c++".into())
}

/// `verilator --version`, or None when it cannot run.
fn verilator_version() -> Option<String> {
    let o = Command::new(verilator()).arg("--version").output().ok()?;
    o.status
        .success()
        .then(|| String::from_utf8_lossy(&o.stdout).trim().to_string())
}

fn step(cmd: &mut Command, what: &str) {
    let o = cmd
        .output()
        .unwrap_or_else(|e| panic!("lockstep: {what}: cannot run {:?}: {e}", cmd.get_program()));
    assert!(
        o.status.success(),
        "lockstep: {what} failed ({}):\n{}\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

fn cache_root() -> PathBuf {
    std::env::var_os("QTRAIN_LOCKSTEP_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("lockstep"))
}

/// A fresh private directory next to `final_dir`, renamed into place by [`publish`].
fn scratch(final_dir: &Path) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let tid = format!("{:?}", std::thread::current().id())
        .chars()
        .filter(|c| c.is_ascii_digit())
        .collect::<String>();
    let d = final_dir.with_extension(format!("tmp{}-{tid}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
    d
}

/// Move a finished build into place; when another process won the race, keep its copy.
fn publish(tmp: &Path, final_dir: &Path) {
    if std::fs::rename(tmp, final_dir).is_err() {
        let _ = std::fs::remove_dir_all(tmp);
        assert!(
            final_dir.is_dir(),
            "lockstep: could not publish {}",
            final_dir.display()
        );
    }
}

/// Lists `VAR += a b \` continuation lines of a Verilator `_classes.mk`.
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

fn verilator_include() -> PathBuf {
    let o = Command::new(verilator())
        .args(["--getenv", "VERILATOR_ROOT"])
        .output()
        .expect("verilator --getenv VERILATOR_ROOT");
    PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()).join("include")
}

fn compile(dir: &Path, inc: &Path, src: &Path, obj: &str) {
    let mut c = Command::new(cxx());
    c.current_dir(dir)
        .args(CXX_FLAGS)
        .arg(OPT)
        .args(["-I", "obj", "-I"])
        .arg(inc)
        .arg("-I")
        .arg(inc.join("vltstd"))
        .args(["-c", "-o", obj])
        .arg(src);
    step(&mut c, &format!("compiling {}", src.display()));
}

/// The Verilator runtime (`VM_GLOBAL_*` sources), compiled once per cache and Verilator version.
fn runtime(version: &str, globals: &[String], inc: &Path) -> PathBuf {
    let key = fnv(&[
        version.as_bytes(),
        globals.join(" ").as_bytes(),
        CXX_FLAGS.join(" ").as_bytes(),
        OPT.as_bytes(),
    ]);
    let dir = cache_root().join(format!("runtime-{key:016x}"));
    if dir.join("done").is_file() {
        return dir;
    }
    let tmp = scratch(&dir);
    for g in globals {
        compile(&tmp, inc, &inc.join(format!("{g}.cpp")), &format!("{g}.o"));
    }
    std::fs::write(tmp.join("done"), globals.join("\n")).unwrap();
    publish(&tmp, &dir);
    dir
}

/// Build (or find in the cache) the Verilator model of `verilog` with the harness `cpp`.
fn model(name: &str, verilog: &str, cpp: &str, version: &str) -> PathBuf {
    let key = fnv(&[
        verilog.as_bytes(),
        cpp.as_bytes(),
        version.as_bytes(),
        VERILATOR_FLAGS.join(" ").as_bytes(),
        CXX_FLAGS.join(" ").as_bytes(),
        OPT.as_bytes(),
    ]);
    let dir = cache_root().join(format!("{name}-{key:016x}"));
    let exe = dir.join("sim");
    if exe.is_file() {
        return exe;
    }
    std::fs::create_dir_all(cache_root()).unwrap();
    let tmp = scratch(&dir);
    std::fs::write(tmp.join("top.v"), verilog).unwrap();
    std::fs::write(tmp.join("harness.cpp"), cpp).unwrap();
    let mut v = Command::new(verilator());
    v.current_dir(&tmp)
        .args(VERILATOR_FLAGS)
        .args(["--Mdir", "obj", "top.v"]);
    step(&mut v, &format!("verilator on {name}'s Verilog"));
    let mk = std::fs::read_to_string(tmp.join("obj/Vtop_classes.mk")).unwrap();
    let inc = verilator_include();
    let mut globals = mk_list(&mk, "VM_GLOBAL_FAST");
    globals.extend(mk_list(&mk, "VM_GLOBAL_SLOW"));
    let rt = runtime(version, &globals, &inc);
    let mut objs = Vec::new();
    for var in [
        "VM_CLASSES_FAST",
        "VM_SUPPORT_FAST",
        "VM_CLASSES_SLOW",
        "VM_SUPPORT_SLOW",
    ] {
        for n in mk_list(&mk, var) {
            let o = format!("{n}.o");
            compile(&tmp, &inc, Path::new(&format!("obj/{n}.cpp")), &o);
            objs.push(PathBuf::from(o));
        }
    }
    compile(&tmp, &inc, Path::new("harness.cpp"), "harness.o");
    objs.push("harness.o".into());
    let mut link = Command::new(cxx());
    link.current_dir(&tmp).args(["-o", "sim"]).args(&objs);
    for g in &globals {
        link.arg(rt.join(format!("{g}.o")));
    }
    link.args(["-pthread", "-latomic"]);
    step(&mut link, &format!("linking {name}'s model"));
    for o in &objs {
        let _ = std::fs::remove_file(tmp.join(o));
    }
    let _ = std::fs::remove_dir_all(tmp.join("obj"));
    publish(&tmp, &dir);
    exe
}

fn hex(w: &[u64], bits: usize) -> String {
    let mut s = String::from("0x");
    for (i, x) in w.iter().enumerate().rev() {
        if i == w.len() - 1 {
            let top = bits - 64 * i;
            s.push_str(&format!("{:0d$x}", x, d = top.div_ceil(4)));
        } else {
            s.push_str(&format!("_{x:016x}"));
        }
    }
    s
}

/// Whether Verilator can run ([`qtrain_hdl::tools::require`]: without it, fail under
/// `QTRAIN_REQUIRE_TOOLS`, else print SKIP), and its version.
pub fn tools(bench: &str) -> Option<String> {
    if !qtrain_hdl::tools::require(verilator(), &format!("lockstep {bench}")) {
        return None;
    }
    Some(verilator_version().unwrap_or_else(|| {
        panic!(
            "lockstep {bench}: `{} --version` failed",
            verilator().to_string_lossy()
        )
    }))
}

/// Run `t` for `cycles` cycles on both views and compare every output port on every cycle.
/// `QTRAIN_LOCKSTEP_VERILOG=FILE` replaces the block's Verilog by FILE's text (fault injection).
pub fn run<T: LockstepBlock>(mut t: T, cycles: usize, seed: u64) {
    let name = t.name();
    let Some(version) = tools(&name) else { return };
    let t0 = std::time::Instant::now();
    let mut b = t.make();
    b.connect_all();
    check_all(&b).unwrap_or_else(|e| panic!("lockstep {name}: check_all: {e:?}"));
    let mut v = generate_verilog(&b);
    if let Some(f) = std::env::var_os("QTRAIN_LOCKSTEP_VERILOG") {
        let f = PathBuf::from(f);
        let want = std::env::var("QTRAIN_LOCKSTEP_BLOCK").unwrap_or_default();
        if want == name {
            v = std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            eprintln!("lockstep {name}: Verilog from {}", f.display());
        }
    }
    let (inputs, outputs) = (t.inputs(), t.outputs());
    let trace = run_model(&mut t, &mut b, cycles, seed);
    let t_model = t0.elapsed();
    let cpp = cxx_harness(&inputs, &outputs);
    let exe = model(&name, &v, &cpp, &version);
    let t_build = t0.elapsed();
    // stimulus and response files in a private scratch directory
    let work = scratch(&cache_root().join(format!("run-{name}")));
    let (fin, fout) = (work.join("in.bin"), work.join("out.bin"));
    let mut bytes = Vec::with_capacity(8 + 8 * trace.ins.len());
    bytes.extend_from_slice(&(trace.cycles as u64).to_le_bytes());
    for w in &trace.ins {
        bytes.extend_from_slice(&w.to_le_bytes());
    }
    std::fs::write(&fin, &bytes).unwrap();
    drop(bytes);
    let mut c = Command::new(&exe);
    c.current_dir(&work).args(["in.bin", "out.bin"]);
    step(&mut c, &format!("running {name}'s Verilator model"));
    let raw = std::fs::read(&fout).unwrap();
    let _ = std::fs::remove_dir_all(&work);
    let got: Vec<u64> = raw
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(
        got.len(),
        trace.n_out * trace.cycles,
        "lockstep {name}: the Verilator model wrote {} words, expected {}",
        got.len(),
        trace.n_out * trace.cycles
    );
    // cycles on which some output changed: a bench whose outputs never move proves nothing
    let active = (1..trace.cycles)
        .filter(|&c| {
            trace.outs[c * trace.n_out..(c + 1) * trace.n_out]
                != trace.outs[(c - 1) * trace.n_out..c * trace.n_out]
        })
        .count();
    assert!(
        active * 100 >= trace.cycles,
        "lockstep {name}: outputs changed on only {active} of {} cycles: the stimulus exercises nothing",
        trace.cycles
    );
    let mut first: Option<String> = None;
    let mut bad_cycles = 0usize;
    for cyc in 0..trace.cycles {
        let (r, g) = (
            &trace.outs[cyc * trace.n_out..(cyc + 1) * trace.n_out],
            &got[cyc * trace.n_out..(cyc + 1) * trace.n_out],
        );
        if r == g {
            continue;
        }
        bad_cycles += 1;
        if first.is_none() {
            let mut k = 0;
            let mut msg = Vec::new();
            for p in &outputs {
                let n = words(p.bits);
                if r[k..k + n] != g[k..k + n] {
                    msg.push(format!(
                        "port {} ({} bits): rust-hdl {} verilator {}",
                        p.name,
                        p.bits,
                        hex(&r[k..k + n], p.bits),
                        hex(&g[k..k + n], p.bits)
                    ));
                }
                k += n;
            }
            first = Some(format!(
                "lockstep {name}: outputs differ at cycle {cyc}: {}",
                msg.join("; ")
            ));
        }
    }
    if let Some(m) = first {
        panic!(
            "{m} (first of {bad_cycles} differing cycles of {})",
            trace.cycles
        );
    }
    eprintln!(
        "lockstep {name}: {} cycles equal on every output port ({} ports, {} input words/cycle, outputs changed on {active} cycles); model {:.2} s, build {:.1} s, total {:.1} s",
        trace.cycles,
        outputs.len(),
        trace.n_in,
        t_model.as_secs_f64(),
        (t_build - t_model).as_secs_f64(),
        t0.elapsed().as_secs_f64()
    );
}
