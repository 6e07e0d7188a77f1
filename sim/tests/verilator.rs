//! `sim --backend verilator` end to end: the exported `qtrain_accel.v` compiled by Verilator, driven
//! through the same host driver as the other backends. Full-size VGG-BC under random traffic,
//! cycle-for-cycle agreement with the rust-hdl top, ResNet-20, a trained model, hardware-in-the-loop
//! training (conv and update transactions), the watchdog, the waveform read back (valid/ready/last
//! timing), a cache directory whose path has a space, and the message when Verilator is missing.
//!
//! These need Verilator: without it a test prints SKIP, unless `QTRAIN_REQUIRE_TOOLS` is set (CI
//! sets it), when it fails.

use std::path::{Path, PathBuf};
use std::process::Output;

use qtrain_hdl::vcd::PortSample;

use crate::common::{scratch, sim};

fn tmp(name: &str) -> PathBuf {
    scratch("verilator-tests", name)
}

/// Whether Verilator can run ([`qtrain_hdl::tools::require`]: without it, fail under
/// `QTRAIN_REQUIRE_TOOLS`, else print SKIP).
fn have_verilator(test: &str) -> bool {
    let tool = std::env::var_os("QTRAIN_VERILATOR").unwrap_or_else(|| "verilator".into());
    qtrain_hdl::tools::require(tool, test)
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Run `sim ARGS --json FILE` (with extra environment), require success, return the JSON.
fn run_json_env(args: &[&str], name: &str, env: &[(&str, &str)]) -> serde_json::Value {
    let json = tmp(name);
    let _ = std::fs::remove_file(&json);
    let mut c = sim();
    c.args(args).arg("--json").arg(&json);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    assert!(out.status.success(), "sim {args:?} failed:\n{}", text(&out));
    serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap()
}

fn run_json(args: &[&str], name: &str) -> serde_json::Value {
    run_json_env(args, name, &[])
}

/// A run's report: every layer checked and equal, the top's counters agree with the host.
fn check_run(r: &serde_json::Value, layers: usize) {
    assert_eq!(r["all_match"], true, "{r}");
    assert_eq!(r["backend"], "verilator");
    assert_eq!(r["cycle_accurate"], true);
    let ls = r["layers"].as_array().unwrap();
    assert_eq!(ls.len(), layers);
    for l in ls {
        assert_eq!(l["mismatches"], 0, "{l}");
        assert!(l["values_checked"].as_u64().unwrap() > 0, "{l}");
        assert!(
            l["cycles"].as_u64().unwrap() >= l["ideal_cycles"].as_u64().unwrap(),
            "{l}"
        );
    }
    let c = &r["counters"];
    assert_eq!(c["errors"], 0, "{c}");
    assert_eq!(c["conv_words_in"], c["host_conv_payload_words"], "{c}");
    assert_eq!(c["conv_words_out"], c["host_words_received"], "{c}");
    assert!(r["simulated_cycles_per_second"].as_f64().unwrap() > 0.0);
}

/// The main job on the exported Verilog: full-size VGG-BC under random input gaps and
/// output back-pressure, every value of every layer equal to the golden model.
#[test]
fn full_size_vgg_under_traffic_matches_the_golden_model() {
    if !have_verilator("full_size_vgg_under_traffic_matches_the_golden_model") {
        return;
    }
    let r = run_json(
        &[
            "--net",
            "vgg-bc",
            "--backend",
            "verilator",
            "--input-gap",
            "0.3",
            "--output-stall",
            "0.4",
        ],
        "full.json",
    );
    check_run(&r, 6);
    assert_eq!(r["width"], 1.0);
    let cycles: u64 = r["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["cycles"].as_u64().unwrap())
        .sum();
    assert!(cycles > 2_424_832, "{cycles} cycles: below the ideal");
    // the top counts its conv engine busy for (nearly) every cycle of the transactions
    assert!(r["counters"]["conv_busy_cycles"].as_u64().unwrap() > cycles / 10 * 9);
}

/// The harness runs the rust-hdl runner's cycle loop and traffic generator, so the compiled
/// Verilog and the rust-hdl top take the same number of cycles for every layer, word for word the
/// same responses (both checked against the golden model) and the same counters.
#[test]
fn cycles_equal_the_rust_hdl_top() {
    if !have_verilator("cycles_equal_the_rust_hdl_top") {
        return;
    }
    let common = [
        "--width",
        "0.125",
        "--input-gap",
        "0.3",
        "--output-stall",
        "0.4",
        "--seed",
        "7",
    ];
    let v = run_json(
        &[&common[..], &["--backend", "verilator"]].concat(),
        "eq-verilator.json",
    );
    let t = run_json(
        &[&common[..], &["--backend", "rtl", "--rtl-target", "top"]].concat(),
        "eq-rtl-top.json",
    );
    check_run(&v, 6);
    assert_eq!(t["all_match"], true);
    for (a, b) in v["layers"]
        .as_array()
        .unwrap()
        .iter()
        .zip(t["layers"].as_array().unwrap())
    {
        for k in ["name", "cycles", "words_in", "words_out", "values_checked"] {
            assert_eq!(a[k], b[k], "{k}: verilator {a} vs rtl top {b}");
        }
    }
    assert_eq!(v["counters"], t["counters"]);
}

#[test]
fn resnet_20_runs_bit_exact() {
    if !have_verilator("resnet_20_runs_bit_exact") {
        return;
    }
    let r = run_json(
        &[
            "--net",
            "resnet-20",
            "--width",
            "0.25",
            "--backend",
            "verilator",
        ],
        "resnet20.json",
    );
    check_run(&r, 19);
    assert!(r["resnet"]["stride2"].as_array().unwrap().len() == 2);
}

/// A model from `qtrain export` on the compiled top, on real test images when `QTRAIN_CIFAR10` is
/// set (accuracy of both paths reported), else on synthetic images.
#[test]
fn trained_model_runs_on_the_compiled_top() {
    if !have_verilator("trained_model_runs_on_the_compiled_top") {
        return;
    }
    use qtrain::models::{Net, NetSpec};
    let dir = tmp("model-w0.25");
    let _ = std::fs::remove_dir_all(&dir);
    let mut net = Net::<f32>::new(NetSpec::new("vgg-bc", 0.25, 10).unwrap(), 5);
    qtrain::train::export::export(&mut net, "bc-adam", qtrain::quant::Grid::Binary, &dir).unwrap();
    let d = dir.display().to_string();
    let mut args = vec![
        "--width",
        "0.25",
        "--backend",
        "verilator",
        "--weights",
        &d,
        "--images",
        "4",
        "--batch",
        "2",
    ];
    let data = std::env::var("QTRAIN_CIFAR10").ok();
    match &data {
        Some(data) => args.extend(["--data", data.as_str()]),
        None => eprintln!("accuracy part skipped: QTRAIN_CIFAR10 not set (../shared/data absent)"),
    }
    let r = run_json(&args, "weights.json");
    check_run(&r, 6);
    if data.is_some() {
        for k in ["hw_accuracy", "float_accuracy", "prediction_agreement"] {
            let v = r[k].as_f64().unwrap_or(-1.0);
            assert!((0.0..=1.0).contains(&v), "{k} = {v}");
        }
    }
}

/// `--train` on the compiled top: conv forward passes (op 1) and weight updates (op 2) as
/// transactions, every step bit-identical to the golden integer training path.
#[test]
fn training_steps_are_bit_identical_to_the_golden_path() {
    if !have_verilator("training_steps_are_bit_identical_to_the_golden_path") {
        return;
    }
    for (m, traffic) in [
        ("sr", &[][..]),
        ("bc", &["--input-gap", "0.2", "--output-stall", "0.3"][..]),
    ] {
        let args = [
            &[
                "--net",
                "vgg-bc",
                "--width",
                "0.0625",
                "--batch",
                "2",
                "--train",
                m,
                "--steps",
                "3",
                "--backend",
                "verilator",
            ][..],
            traffic,
        ]
        .concat();
        let v = run_json(&args, &format!("train-{m}.json"));
        assert_eq!(v["all_match"], true, "{v}");
        assert_eq!(v["backend"], "verilator");
        let steps = v["steps"].as_array().unwrap();
        assert_eq!(steps.len(), 3);
        for s in steps {
            assert_eq!(s["matched"], true, "{s}");
            assert_eq!(s["loss"], s["golden_loss"], "{s}");
            assert!(s["outputs_compared"].as_u64().unwrap() > 0, "{s}");
            assert!(s["weights_compared"].as_u64().unwrap() >= 18_072, "{s}");
            assert!(s["conv_cycles"].as_u64().unwrap() > 0, "{s}");
            assert!(s["update_cycles"].as_u64().unwrap() > 0, "{s}");
        }
    }
}

#[test]
fn watchdog_names_the_stalled_stream() {
    if !have_verilator("watchdog_names_the_stalled_stream") {
        return;
    }
    let out = sim()
        .args([
            "--width",
            "0.125",
            "--backend",
            "verilator",
            "--output-stall",
            "0.9999",
            "--watchdog",
            "300",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("watchdog: no stream moved for 300 cycles"),
        "{err}"
    );
    assert!(
        err.contains("stream stalled") && err.contains("running a conv transaction"),
        "{err}"
    );
    assert!(err.contains("output words received"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// Read a VCD: the top-level ports (the first scope) sampled at every time `10 000·c` (cycle c, clock
/// low: after the host has driven its side and the logic has settled, where the harness samples the
/// handshakes); also checks that no cycle is missing and that the clock is high at every
/// `10 000·c + 5 000`.
fn read_vcd(path: &Path) -> Vec<PortSample> {
    let wave =
        qtrain_hdl::vcd::read_ports(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    for (t, cur) in wave.port_samples() {
        if t % 10_000 == 0 {
            assert_eq!(
                out.len() as u64,
                t / 10_000,
                "a cycle missing before time {t}"
            );
            assert!(!cur.clock, "clock high at {t}");
            out.push(cur);
        } else {
            assert_eq!(t % 10_000, 5_000, "time {t}");
            assert!(cur.clock, "clock low at {t}");
        }
    }
    out
}

/// `--vcd` on the compiled top (built with `--trace`, here into a cache directory whose path has a
/// space): the waveform of the first transaction, read back and checked against the report —
/// every handshake counted, `last` exactly on each stream's final word, back-pressure holding
/// `out_valid` and `out_data`, input gaps visible, and the transaction's cycle count.
#[test]
fn vcd_of_the_first_transaction_has_stream_timing() {
    if !have_verilator("vcd_of_the_first_transaction_has_stream_timing") {
        return;
    }
    let cache = tmp("cache with space");
    let vcd = tmp("first layer.vcd");
    let _ = std::fs::remove_file(&vcd);
    let r = run_json_env(
        &[
            "--width",
            "0.0625",
            "--backend",
            "verilator",
            "--input-gap",
            "0.3",
            "--output-stall",
            "0.5",
            "--vcd",
            vcd.to_str().unwrap(),
        ],
        "vcd.json",
        &[("QTRAIN_VERILATOR_CACHE", cache.to_str().unwrap())],
    );
    check_run(&r, 6);
    let l0 = &r["layers"][0];
    let s = read_vcd(&vcd);
    let ins: Vec<usize> = (0..s.len())
        .filter(|&c| s[c].in_valid && s[c].in_ready)
        .collect();
    let outs: Vec<usize> = (0..s.len())
        .filter(|&c| s[c].out_valid && s[c].out_ready)
        .collect();
    assert_eq!(ins.len() as u64, l0["words_in"].as_u64().unwrap());
    assert_eq!(outs.len() as u64, l0["words_out"].as_u64().unwrap());
    let lasts_in: Vec<usize> = ins.iter().copied().filter(|&c| s[c].in_last).collect();
    let lasts_out: Vec<usize> = outs.iter().copied().filter(|&c| s[c].out_last).collect();
    assert_eq!(
        lasts_in,
        [*ins.last().unwrap()],
        "in_last only on the final input word"
    );
    assert_eq!(
        lasts_out,
        [*outs.last().unwrap()],
        "out_last only on the final output word"
    );
    assert_eq!(
        (outs.last().unwrap() + 1 - ins[0]) as u64,
        l0["cycles"].as_u64().unwrap(),
        "first input word to last output word"
    );
    // Back-pressure: a word offered and not taken stays offered, unchanged, with its `last`.
    let mut held = 0;
    for c in 0..s.len() - 1 {
        if s[c].out_valid && !s[c].out_ready {
            held += 1;
            assert!(
                s[c + 1].out_valid,
                "out_valid dropped under back-pressure at cycle {c}"
            );
            assert_eq!(
                s[c + 1].out_data,
                s[c].out_data,
                "out_data changed at cycle {c}"
            );
            assert_eq!(
                s[c + 1].out_last,
                s[c].out_last,
                "out_last changed at cycle {c}"
            );
        }
    }
    assert!(
        held > 100,
        "back-pressure visible in the waveform ({held} cycles)"
    );
    let gaps = (ins[0]..*ins.last().unwrap())
        .filter(|&c| !s[c].in_valid)
        .count();
    assert!(
        gaps > 100,
        "input gaps visible in the waveform ({gaps} cycles)"
    );
    // The waveform covers the first transaction only.
    assert!(
        s.len() <= outs.last().unwrap() + 2,
        "{} cycles traced",
        s.len()
    );
}

/// Without Verilator the backend says what to install, whether the tool is looked up on `PATH` or
/// named by `QTRAIN_VERILATOR`; nothing panics.
#[test]
fn missing_verilator_says_what_to_install() {
    let empty = tmp("no-tools");
    std::fs::create_dir_all(&empty).unwrap();
    let missing = tmp("no such dir/verilator");
    for (what, env) in [
        (
            "QTRAIN_VERILATOR",
            vec![("QTRAIN_VERILATOR", missing.as_os_str())],
        ),
        ("PATH", vec![("PATH", empty.as_os_str())]),
    ] {
        let mut c = sim();
        c.args(["--width", "0.125", "--backend", "verilator"]);
        c.env_remove("QTRAIN_VERILATOR");
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{what}: {err}");
        assert!(
            err.contains("--backend verilator needs Verilator")
                && err.contains("apt-get install -y verilator"),
            "{what}: {err}"
        );
        assert!(!err.contains("panicked"), "{what}: {err}");
    }
}

/// `sim bench`: the three cycle-accurate backends on the same layer, one table; the two
/// simulations of the top take the same cycles; a bad `--layers` names the flag and the range.
#[test]
fn bench_puts_the_backends_side_by_side() {
    let bad = sim().args(["bench", "--layers", "7"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("--layers 7") && err.contains("1..=6"), "{err}");
    if !have_verilator("bench_puts_the_backends_side_by_side") {
        return;
    }
    let json = tmp("bench.json");
    let out = sim()
        .args(["bench", "--layers", "1", "--json"])
        .arg(&json)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("cycles/s") && table.contains("verilator"),
        "{table}"
    );
    let b: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let rows = b["rows"].as_array().unwrap();
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r["backend"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["rtl-engine", "rtl", "verilator"]);
    assert_eq!(rows[1]["cycles"], rows[2]["cycles"], "{b}");
    for r in rows {
        assert!(r["cycles_per_second"].as_f64().unwrap() > 0.0, "{r}");
    }
}

/// The backend's flags are checked before anything is built: `--rtl-target` belongs to rtl, and
/// a legal shape that is not exported names the shapes the verilator backend can compile.
#[test]
fn verilator_flags_are_checked_up_front() {
    let out = sim()
        .args(["--backend", "verilator", "--rtl-target", "top"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--rtl-target top applies to --backend rtl, not --backend verilator"),
        "{err}"
    );
    let hw = tmp("p8-s128.toml");
    std::fs::write(&hw, "[conv]\npe = 8\nsimd = 128\n").unwrap();
    let out = sim()
        .args(["--backend", "verilator", "--hw"])
        .arg(&hw)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("conv.pe, conv.simd = (8, 128)")
            && err.contains("(16, 64), (4, 64), (32, 64)")
            && err.contains("the verilator backend"),
        "{err}"
    );
}

/// The harness's traffic generator seeds with the same SplitMix64 increment as the rust-hdl
/// runners (`qtrain::splitmix::GAMMA`), written as a C++ literal: pinned here.
#[test]
fn harness_seeds_traffic_with_the_library_gamma() {
    let lit = format!("0x{:X}ULL", qtrain::splitmix::GAMMA);
    assert!(
        qtrain_sim::devices::verilator::HARNESS.contains(&format!("(seed * {lit}) | 1")),
        "sim/src/devices/verilator/harness.cpp must seed its XorShift with seed * {lit} | 1 (the rust-hdl runners' seeding)"
    );
}
