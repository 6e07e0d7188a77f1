//! Hardware-in-the-loop training end to end (`sim --train`): conv forward passes and weight updates
//! both go to the device as the top's transactions (op 1 and op 2) — on the rtl default (the rust-hdl
//! engine and update unit behind the top's transaction-level definition), on the rust-hdl top itself
//! (`--rtl-target top`) and on the golden top (`--backend model`) — and every step ends bit-identical
//! to the golden integer training path on all three; the runs are not vacuous (finite loss, weights
//! move), the top's counters read at the end show every update transaction, and a bit flipped in an
//! update response coming back through the top is caught.

use std::path::PathBuf;

use crate::common::scratch;
use std::process::{Command, Output};

fn tmp(name: &str) -> PathBuf {
    scratch("hil-tests", name)
}

fn sim(args: &[&str], json: &str) -> (Output, serde_json::Value) {
    let j = tmp(json);
    let _ = std::fs::remove_file(&j);
    let out = Command::new(env!("CARGO_BIN_EXE_sim"))
        .args(["--net", "vgg-bc", "--width", "0.0625", "--batch", "2"])
        .args(args)
        .arg("--json")
        .arg(&j)
        .output()
        .unwrap();
    let v = serde_json::from_str(&std::fs::read_to_string(&j).unwrap_or_else(|_| {
        panic!(
            "sim {args:?} wrote no JSON:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    }))
    .unwrap();
    (out, v)
}

/// The three devices: (extra flags, backend name in the report).
const BACKENDS: [(&[&str], &str); 3] = [
    (&[], "rtl-engine"),
    (&["--rtl-target", "top"], "rtl"),
    (&["--backend", "model"], "model"),
];

/// The top's counters agree with the host's tally of both kinds of transaction: one conv and one
/// update transaction per layer per step (vgg-bc: 6 conv layers) plus the counters read.
fn check_counters(v: &serde_json::Value, steps: u64) {
    check_counters_n(v, steps * 12 + 1, steps);
}

/// As [`check_counters`] for a run that sent `transactions` transactions in all.
fn check_counters_n(v: &serde_json::Value, transactions: u64, steps: u64) {
    let c = &v["counters"];
    let n = |k: &str| {
        c[k].as_u64()
            .unwrap_or_else(|| panic!("no counters.{k}: {c}"))
    };
    assert_eq!(n("transactions"), n("host_transactions"), "{c}");
    assert_eq!(n("transactions"), transactions, "{c}");
    assert_eq!(n("errors"), 0, "{c}");
    assert_eq!(n("conv_words_in"), n("host_conv_payload_words"), "{c}");
    assert_eq!(n("conv_words_out"), n("host_words_received"), "{c}");
    assert_eq!(n("update_words_in"), n("host_update_payload_words"), "{c}");
    assert_eq!(
        n("update_words_out"),
        n("host_update_words_received"),
        "{c}"
    );
    // every conv weight's w and u went in (≥ 18,072 lanes of 16 + 8 bits: 4 + 2 words a beat of 16),
    // w_out and q_out came back
    if transactions == steps * 12 + 1 {
        assert!(n("update_words_in") >= steps * 18_072 * 6 / 16, "{c}");
        assert!(n("update_words_out") >= steps * 18_072 * 8 / 16, "{c}");
    }
    assert!(n("update_busy_cycles") > 0, "{c}");
}

fn ok(args: &[&str], backend: (&[&str], &str), json: &str) -> serde_json::Value {
    let mut a = args.to_vec();
    a.extend(backend.0);
    let (out, v) = sim(&a, json);
    assert!(
        out.status.success(),
        "sim {a:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(v["all_match"], true);
    assert_eq!(v["backend"], backend.1);
    let steps = v["steps"].as_array().unwrap();
    for s in steps {
        assert_eq!(s["matched"], true, "{s}");
        assert!(s["loss"].as_f64().unwrap().is_finite(), "{s}");
        assert_eq!(s["loss"], s["golden_loss"]);
        assert!(s["outputs_compared"].as_u64().unwrap() > 0);
        assert!(s["weights_compared"].as_u64().unwrap() >= 18_072);
        assert!(s["conv_cycles"].as_u64().unwrap() > 0 && s["update_cycles"].as_u64().unwrap() > 0);
    }
    check_counters(&v, steps.len() as u64);
    v
}

fn sum(v: &serde_json::Value, key: &str) -> u64 {
    v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s[key].as_u64().unwrap())
        .sum()
}

/// The figures of every step that do not depend on timing: equal on every backend.
fn same_training(runs: &[serde_json::Value]) {
    let figures = |v: &serde_json::Value| -> Vec<String> {
        v["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let k = [
                    "loss",
                    "errors",
                    "flipped",
                    "changed",
                    "u_saturations",
                    "clip_saturations",
                    "outputs_compared",
                    "weights_compared",
                ];
                k.map(|k| s[k].to_string()).join(" ")
            })
            .collect()
    };
    for r in &runs[1..] {
        assert_eq!(
            figures(r),
            figures(&runs[0]),
            "{} vs {}",
            r["backend"],
            runs[0]["backend"]
        );
    }
}

/// `--train sr --steps 3` on a small net ends bit-identical on every backend, and SR flipped signs
/// on the way.
#[test]
fn sr_three_steps_end_bit_identical() {
    let args = ["--train", "sr", "--steps", "3", "--seed", "5"];
    let runs: Vec<_> = BACKENDS
        .iter()
        .map(|&b| ok(&args, b, &format!("sr-{}.json", b.1)))
        .collect();
    for v in &runs {
        assert_eq!(v["steps"].as_array().unwrap().len(), 3);
        assert!(sum(v, "flipped") > 0);
    }
    same_training(&runs);
}

/// BC moves its fixed-point buffer (checked bit for bit), R on the binary grid moves nothing.
#[test]
fn bc_and_r_steps_are_bit_identical() {
    for (method, moves) in [("bc", true), ("r", false)] {
        let runs: Vec<_> = BACKENDS
            .iter()
            .map(|&b| {
                ok(
                    &["--train", method, "--steps", "1"],
                    b,
                    &format!("{method}-{}.json", b.1),
                )
            })
            .collect();
        for v in &runs {
            assert_eq!(sum(v, "changed") > 0, moves, "{method} {}", v["backend"]);
            assert!(sum(v, "clip_saturations") > 0);
        }
        same_training(&runs);
    }
}

/// One `w_out` field flipped in the update response as it comes back through the top (the rust-hdl
/// top, and the engine target's shim): the run stops, exits non-zero and names the step, the layer
/// and the weight.
#[test]
fn a_corrupted_update_beat_is_caught() {
    for (extra, name) in [(&["--rtl-target", "top"][..], "top"), (&[][..], "engine")] {
        let mut args = vec!["--train", "sr", "--steps", "2", "--corrupt-update", "1:1:3"];
        args.extend(extra);
        let (out, v) = sim(&args, &format!("corrupt-{name}.json"));
        assert!(!out.status.success(), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("step 1, conv2 weight #3"), "{name}: {err}");
        assert_eq!(v["all_match"], false);
        assert_eq!(v["steps"].as_array().unwrap().len(), 1);
        assert_eq!(v["steps"][0]["matched"], false);
        // the flip happened on the host's side of the stream: the top's counters still agree; the
        // run stopped at the first differing job: step 1's six conv transactions and the updates
        // of conv1 and conv2, then the counters read
        check_counters_n(&v, 6 + 2 + 1, 1);
    }
}

/// A tiny CIFAR-10 directory (`train` training images, a fifth as many test images) under `dir`.
fn tiny_cifar(dir: &std::path::Path, train: usize) {
    use qtrain::data::{write_cifar, CifarKind, CifarSplits, Dataset, IMAGE_BYTES};
    use rand::{Rng, SeedableRng};
    let ds = |n: usize, s: u64| {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(s);
        let labels: Vec<u16> = (0..n).map(|_| rng.gen_range(0..10)).collect();
        let images = (0..n * IMAGE_BYTES).map(|_| rng.gen::<u8>()).collect();
        Dataset::new(images, labels, None, 10).unwrap()
    };
    let s = CifarSplits {
        kind: CifarKind::Cifar10,
        train: ds(train, 1),
        test: ds(train / 5, 2),
    };
    write_cifar(dir, &s).unwrap();
}

/// `sim train` killed with SIGKILL after its first epoch's checkpoint and resumed ends with the
/// metrics of an uninterrupted run (every column but the wall-clock ones), and its first step was
/// checked on the device in both.
#[test]
fn sim_train_killed_and_resumed_is_the_uninterrupted_run() {
    let root = tmp("train-kill");
    let _ = std::fs::remove_dir_all(&root);
    tiny_cifar(&root.join("data"), 800);
    let args = |out: &std::path::Path| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_sim"));
        c.args([
            "train",
            "--method",
            "sr",
            "--width",
            "0.03125",
            "--act-bits",
            "2",
        ])
        .args(["--epochs", "6", "--batch", "8", "--check-steps", "1"])
        .args(["--backend", "model", "--quiet", "--data"])
        .arg(root.join("data"))
        .arg("--out")
        .arg(out);
        c
    };
    let (a, b) = (root.join("a"), root.join("b"));
    let out = args(&a).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut child = args(&b).spawn().unwrap();
    let metrics = b.join("metrics.csv");
    let t0 = std::time::Instant::now();
    while std::fs::read_to_string(&metrics).map_or(0, |s| s.lines().count()) < 2 {
        assert!(t0.elapsed().as_secs() < 600, "no epoch finished");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let cut = std::fs::read_to_string(&metrics).unwrap().lines().count() - 1;
    assert!(cut < 6, "the run finished before the kill ({cut} epochs)");
    let out = args(&b).arg("--resume").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cols = |d: &std::path::Path| -> Vec<String> {
        std::fs::read_to_string(d.join("metrics.csv"))
            .unwrap()
            .lines()
            .map(|l| l.split(',').take(10).collect::<Vec<_>>().join(","))
            .collect()
    };
    let (ma, mb) = (cols(&a), cols(&b));
    assert_eq!(ma.len(), 7);
    assert_eq!(ma, mb, "killed after epoch {cut} and resumed");
    // the first step was checked on the device (column 10: checked_steps)
    assert!(ma[1].ends_with(",1"), "{}", ma[1]);
}

/// `sim train`'s first steps go to the default cycle-accurate backend (the rust-hdl engine and
/// update unit) as the top's transactions, every job compared; the counters read at the end agree.
#[test]
fn sim_train_checks_its_first_steps_on_rtl() {
    let root = tmp("train-rtl");
    let _ = std::fs::remove_dir_all(&root);
    tiny_cifar(&root.join("data"), 40);
    let out = Command::new(env!("CARGO_BIN_EXE_sim"))
        .args([
            "train", "--method", "bc", "--width", "0.0625", "--epochs", "1",
        ])
        .args(["--batch", "4", "--check-steps", "2", "--quiet", "--data"])
        .arg(root.join("data"))
        .arg("--out")
        .arg(root.join("run"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("2 checked steps on rtl-engine") && err.contains(", 0 errors"),
        "{err}"
    );
    let m = std::fs::read_to_string(root.join("run/metrics.csv")).unwrap();
    let row: Vec<&str> = m.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(row[9], "2", "{m}");
}
