//! The `sim` binary against hostile input (issue #15): hardware TOMLs, flags, `--weights` model
//! directories, `--data` directories and output paths, each case table-driven through the shared
//! harness (`tests/harness/hostile.rs`: no panic, no abort, no hang, no silent acceptance, the
//! message names the file / field / value, and no file in the case's directory changes).
//!
//! Every case fails before any long simulation: cases that need to get far run `--backend model` on
//! vgg-bc at width 1/16. Random cases (byte flips into a hardware TOML or a manifest) use fixed
//! seeds and keep only flips the library itself rejects, so each is known to be hostile.

#[path = "../../tests/harness/hostile.rs"]
mod harness;

use std::path::Path;
use std::sync::Arc;

use harness::{run_corpus, Case};
use qtrain::data::{write_cifar, CifarKind, CifarSplits, Dataset, IMAGE_BYTES};
use qtrain::hw::HwConfig;
use qtrain::models::{Net, NetSpec};
use qtrain::quant::Grid;
use qtrain::train::export::{export, Manifest, FORMAT};
use qtrain::train::npy::{self, Dtype};
use qtrain::validate::Origin;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Width of every case that gets as far as building the network.
const W: &str = "0.0625";

fn write(path: &Path, bytes: impl AsRef<[u8]>) {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).unwrap();
    }
    std::fs::write(path, bytes).unwrap();
}

/// An exported vgg-bc model at width 1/16 with `classes` classes, in `dir`.
fn model(dir: &Path, classes: usize) {
    let spec = NetSpec::new("vgg-bc", 0.0625, classes).unwrap();
    export(&mut Net::<f32>::new(spec, 0), "bc-adam", Grid::Binary, dir).unwrap();
}

/// The model's manifest as JSON, edited by `f`.
fn edit_manifest(dir: &Path, f: impl Fn(&mut serde_json::Value)) {
    let p = dir.join("manifest.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    f(&mut v);
    write(&p, serde_json::to_string_pretty(&v).unwrap());
}

/// A tiny CIFAR set in `dir` (train = 5 × test images, as the reader requires).
fn cifar(dir: &Path, kind: CifarKind, test: usize) {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let classes = kind.num_classes();
    let mut split = |n: usize| {
        let labels: Vec<u16> = (0..n).map(|_| rng.gen_range(0..classes as u16)).collect();
        let images: Vec<u8> = (0..n * IMAGE_BYTES).map(|_| rng.gen()).collect();
        let coarse = (kind == CifarKind::Cifar100).then(|| labels.iter().map(|l| l / 5).collect());
        Dataset::new(images, labels, coarse, classes).unwrap()
    };
    let splits = CifarSplits {
        kind,
        train: split(5 * test),
        test: split(test),
    };
    write_cifar(dir, &splits).unwrap();
}

/// A case with a hardware TOML `{d}/hw.toml` holding `text`, run with `args` (before `--hw`).
fn hw(name: &str, text: &str, args: &[&str], has: &[&str]) -> Case {
    let text = text.to_string();
    let mut a: Vec<&str> = args.to_vec();
    a.extend(["--hw", "{d}/hw.toml"]);
    let mut h = vec!["{d}/hw.toml"];
    h.extend(has);
    Case::err(format!("hw-{name}"), &a, &h).with(move |d| write(&d.join("hw.toml"), &text))
}

/// A TOML case on the model backend (the field check must not depend on the backend).
fn hw_model(name: &str, text: &str, has: &[&str]) -> Case {
    hw(name, text, &["--backend", "model", "--width", W], has)
}

/// A run on an exported model `{d}/m` (edited by `f`), on the model backend.
fn weights(
    name: &str,
    extra: &[&str],
    has: &[&str],
    f: impl Fn(&Path) + Send + Sync + 'static,
) -> Case {
    let mut a = vec!["--backend", "model", "--width", W, "--weights", "{d}/m"];
    a.extend(extra);
    Case::err(format!("weights-{name}"), &a, has).with(move |d| {
        model(&d.join("m"), 10);
        f(&d.join("m"));
    })
}

/// A run on a data directory `{d}/data` made by `f`, on the model backend.
fn data(
    name: &str,
    extra: &[&str],
    has: &[&str],
    f: impl Fn(&Path) + Send + Sync + 'static,
) -> Case {
    let mut a = vec!["--backend", "model", "--width", W, "--data", "{d}/data"];
    a.extend(extra);
    Case::err(format!("data-{name}"), &a, has).with(move |d| {
        std::fs::create_dir_all(d.join("data")).unwrap();
        f(&d.join("data"));
    })
}

/// Flip `n` random bytes of `text` (seeded); printable replacements so the file stays text-ish.
fn flip(text: &str, seed: u64, n: usize) -> Vec<u8> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut b = text.as_bytes().to_vec();
    for _ in 0..n {
        let i = rng.gen_range(0..b.len());
        b[i] = rng.gen_range(0x20u8..0x7f);
    }
    b
}

/// Seeded byte flips of the default hardware TOML that the library rejects.
fn toml_flips() -> Vec<Case> {
    let text = toml::to_string(&HwConfig::default()).unwrap();
    let mut out = Vec::new();
    let mut seed = 1000;
    while out.len() < 8 {
        seed += 1;
        let b = flip(&text, seed, 1 + (seed % 3) as usize);
        let hostile = match std::str::from_utf8(&b).ok().map(toml::from_str::<HwConfig>) {
            Some(Ok(cfg)) => cfg.validate().is_err(),
            _ => true,
        };
        if hostile {
            out.push(
                Case::err(
                    format!("hw-flip-seed{seed}"),
                    &["--backend", "model", "--width", W, "--hw", "{d}/hw.toml"],
                    &["{d}/hw.toml"],
                )
                .with(move |d| write(&d.join("hw.toml"), &b)),
            );
        }
    }
    out
}

/// Seeded byte flips of an exported manifest that the library rejects (bad JSON, a wrong format
/// string or an out-of-range net).
fn manifest_flips() -> Vec<Case> {
    let dir = std::env::temp_dir().join(format!(
        "qtrain-sim-hostile-manifest-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    model(&dir, 10);
    let text = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let origin = Origin::file("manifest.json");
    let mut out = Vec::new();
    let mut seed = 2000;
    while out.len() < 6 {
        seed += 1;
        let b = Arc::new(flip(&text, seed, 2));
        let hostile = match serde_json::from_slice::<Manifest>(&b) {
            Ok(m) => m.format != FORMAT || m.net.validate(&origin, "net.").is_err(),
            Err(_) => true,
        };
        if hostile {
            out.push(weights(
                &format!("manifest-flip-seed{seed}"),
                &[],
                &["manifest.json"],
                move |m| write(&m.join("manifest.json"), &*b),
            ));
        }
    }
    out
}

fn hw_cases() -> Vec<Case> {
    let mut v =
        vec![
        // syntax, unknown fields, types
        hw_model("syntax", "[conv\npe = 4\n", &["bad hardware TOML", "line 1"]),
        hw_model("unknown-top", "bogus = 1\n", &["unknown field `bogus`"]),
        hw_model("unknown-conv", "[conv]\nbogus = 3\n", &["unknown field `bogus`"]),
        hw_model("unknown-update", "[update]\nlane = 16\n", &["unknown field `lane`"]),
        hw_model(
            "unknown-lfsr",
            "[update.lfsr]\nwidth = 32\ntaps = 0x80200003\nseed = 3\n",
            &["unknown field `seed`"],
        ),
        hw_model("wrong-type", "[conv]\npe = \"x\"\n", &["pe = \"x\"", "invalid type"]),
        hw_model("negative", "[conv]\npe = -4\n", &["pe = -4"]),
        hw_model("huge-int", "[conv]\npe = 99999999999999999999\n", &["bad hardware TOML"]),
        hw_model("float-for-int", "[conv]\npe = 16.0\n", &["pe = 16.0", "invalid type"]),
        hw_model("lfsr-missing-taps", "[update.lfsr]\nwidth = 16\n", &["missing field `taps`"]),
        hw_model(
            "format-missing-field",
            "[update.u_format]\ntotal_bits = 8\nsigned = true\n",
            &["missing field `frac_bits`"],
        ),
        // every numeric field out of range
        hw_model("clock-zero", "clock_mhz = 0.0\n", &["clock_mhz = 0", "(0, 10000]"]),
        hw_model("clock-nan", "clock_mhz = nan\n", &["clock_mhz = NaN"]),
        hw_model("clock-inf", "clock_mhz = inf\n", &["clock_mhz = inf"]),
        hw_model("clock-huge", "clock_mhz = 1e12\n", &["clock_mhz = 1000000000000"]),
        hw_model("pe-0", "[conv]\npe = 0\n", &["conv.pe = 0", "power of two in 1..=64"]),
        hw_model("pe-3", "[conv]\npe = 3\n", &["conv.pe = 3", "power of two"]),
        hw_model("pe-128", "[conv]\npe = 128\n", &["conv.pe = 128"]),
        hw_model("simd-0", "[conv]\nsimd = 0\n", &["conv.simd = 0", "multiple of 64"]),
        hw_model("simd-3", "[conv]\nsimd = 3\n", &["conv.simd = 3", "multiple of 64 in 64..=1024"]),
        hw_model("simd-96", "[conv]\nsimd = 96\n", &["conv.simd = 96"]),
        hw_model("simd-2048", "[conv]\nsimd = 2048\n", &["conv.simd = 2048"]),
        hw_model("act-bits-0", "[conv]\nmax_act_bits = 0\n", &["conv.max_act_bits = 0", "1..=8"]),
        hw_model("act-bits-9", "[conv]\nmax_act_bits = 9\n", &["conv.max_act_bits = 9"]),
        hw_model("max-h-0", "[conv]\nmax_h = 0\n", &["conv.max_h = 0", "1..=64"]),
        hw_model("max-h-65", "[conv]\nmax_h = 65\n", &["conv.max_h = 65"]),
        hw_model("max-w-100", "[conv]\nmax_w = 100\n", &["conv.max_w = 100"]),
        hw_model("max-c-in-0", "[conv]\nmax_c_in = 0\n", &["conv.max_c_in = 0", "1..=1024"]),
        hw_model("max-c-in-2048", "[conv]\nmax_c_in = 2048\n", &["conv.max_c_in = 2048"]),
        hw_model("max-c-out-1025", "[conv]\nmax_c_out = 1025\n", &["conv.max_c_out = 1025"]),
        hw_model("row-words-0", "[conv]\nline_row_words = 0\n", &["conv.line_row_words = 0"]),
        hw_model(
            "row-words-20000",
            "[conv]\nline_row_words = 20000\n",
            &["conv.line_row_words = 20000", "1..=16383"],
        ),
        hw_model(
            "weight-buffer-rows",
            "[conv]\npe = 1\nmax_c_in = 1024\nmax_c_out = 1024\n",
            &["conv.max_c_out = 1024", "65535"],
        ),
        hw_model("lanes-0", "[update]\nlanes = 0\n", &["update.lanes = 0", "divisor of 64"]),
        hw_model("lanes-3", "[update]\nlanes = 3\n", &["update.lanes = 3"]),
        hw_model("lanes-128", "[update]\nlanes = 128\n", &["update.lanes = 128"]),
        hw_model(
            "w-unsigned",
            "[update.w_format]\ntotal_bits = 16\nfrac_bits = 14\nsigned = false\n",
            &["update.w_format.signed = false"],
        ),
        hw_model(
            "w-bits-30",
            "[update.w_format]\ntotal_bits = 30\nfrac_bits = 14\nsigned = true\n",
            &["update.w_format.total_bits = 30", "2..=24"],
        ),
        hw_model(
            "w-frac-no-one",
            "[update.w_format]\ntotal_bits = 16\nfrac_bits = 15\nsigned = true\n",
            &["update.w_format.frac_bits = 15", "±1"],
        ),
        hw_model(
            "u-frac-above-w",
            "[update.u_format]\ntotal_bits = 8\nfrac_bits = 15\nsigned = true\n",
            &["update.u_format.frac_bits = 15"],
        ),
        hw_model(
            "u-bits-40",
            "[update.u_format]\ntotal_bits = 40\nfrac_bits = 10\nsigned = true\n",
            &["update.u_format.total_bits = 40"],
        ),
        hw_model("sr-bits-0", "[update]\nsr_bits = 0\n", &["update.sr_bits = 0"]),
        hw_model("sr-bits-17", "[update]\nsr_bits = 17\n", &["update.sr_bits = 17", "1..=16"]),
        hw_model(
            "u-aligned-wider-than-w",
            concat!(
                "[update.w_format]\ntotal_bits = 10\nfrac_bits = 8\nsigned = true\n",
                "[update.u_format]\ntotal_bits = 8\nfrac_bits = 4\nsigned = true\n"
            ),
            &["update.u_format.frac_bits = 4", "w_format.total_bits = 10"],
        ),
        hw_model(
            "lfsr-width-2",
            "[update.lfsr]\nwidth = 2\ntaps = 3\n",
            &["update.lfsr.width = 2", "..=32"],
        ),
        hw_model(
            "lfsr-width-40",
            "[update.lfsr]\nwidth = 40\ntaps = 0x80200003\n",
            &["update.lfsr.width = 40"],
        ),
        hw_model(
            "lfsr-width-below-sr-bits",
            "[update.lfsr]\nwidth = 5\ntaps = 0x14\n",
            &["update.lfsr.width = 5", "sr_bits = 16"],
        ),
        hw_model(
            "lfsr-taps-0",
            "[update.lfsr]\nwidth = 32\ntaps = 0\n",
            &["update.lfsr.taps = 0x0", "maximal-length", "0x80200003"],
        ),
        hw_model(
            "lfsr-taps-wider-than-width",
            "[update.lfsr]\nwidth = 16\ntaps = 0x80200003\n",
            &["update.lfsr.taps = 0x80200003", "16-bit", "0..=15"],
        ),
        hw_model(
            "lfsr-taps-not-maximal",
            "[update.lfsr]\nwidth = 32\ntaps = 0x80200002\n",
            &["update.lfsr.taps = 0x80200002", "period 2^32 − 1"],
        ),
        hw_model(
            "lfsr-taps-top-bit-clear",
            "[update.lfsr]\nwidth = 32\ntaps = 0x00200003\n",
            &["update.lfsr.taps = 0x200003", "bit 31 set"],
        ),
        // P/S and update-unit shapes per backend and for export
        hw(
            "rtl-shape-8x128",
            "[conv]\npe = 8\nsimd = 128\n",
            &["--width", W],
            &["conv.pe, conv.simd = (8, 128)", "(16, 64), (4, 64)", "--backend model"],
        ),
        hw(
            "rtl-export-only-shape",
            "[conv]\npe = 32\nsimd = 64\n",
            &["--width", W],
            &["conv.pe, conv.simd = (32, 64)", "the rtl backend"],
        ),
        hw(
            "rtl-top-update-lanes-8",
            "[update]\nlanes = 8\n",
            &["--width", W, "--rtl-target", "top"],
            &["update.lanes, update.w_format.total_bits, update.u_format.total_bits = (8, 16, 8)"],
        ),
        hw(
            "rtl-top-w-12-bits",
            "[update.w_format]\ntotal_bits = 12\nfrac_bits = 10\nsigned = true\n",
            &["--width", W, "--rtl-target", "top"],
            &["(16, 12, 8)", "expected (16, 16, 8)"],
        ),
        hw(
            "train-rtl-update-shape",
            "[update]\nlanes = 4\n",
            &["--width", W, "--train", "sr"],
            &["(4, 16, 8)", "expected (16, 16, 8)"],
        ),
        hw(
            "train-rtl-conv-shape",
            "[conv]\npe = 8\n",
            &["--width", W, "--train", "bc"],
            &["conv.pe, conv.simd = (8, 64)"],
        ),
        hw(
            "act-bits-above-max",
            "[conv]\nmax_act_bits = 4\n",
            &["--backend", "model", "--width", W, "--act-bits", "6"],
            &["--act-bits 6", "1..=4", "conv.max_act_bits of"],
        ),
        hw(
            "layer-does-not-fit",
            "[conv]\nmax_c_out = 16\n",
            &["--backend", "model", "--width", W],
            &["conv5 does not fit the engine configuration", "c_out"],
        ),
        Case::err(
            "hw-missing-file",
            &["--hw", "{d}/nope.toml"],
            &["{d}/nope.toml", "No such file"],
        ),
        Case::err("hw-directory", &["--hw", "{d}"], &["{d}", "directory"]),
        Case::err("hw-not-utf8", &["--hw", "{d}/hw.toml"], &["{d}/hw.toml", "UTF-8"])
            .with(|d| write(&d.join("hw.toml"), [0xff, 0xfe, b'\n'])),
    ];
    for (name, text, has) in [
        (
            "shape-8x128",
            "[conv]\npe = 8\nsimd = 128\n",
            "(16, 64), (4, 64), (32, 64)",
        ),
        (
            "update-lanes-4",
            "[update]\nlanes = 4\n",
            "expected (16, 16, 8)",
        ),
        (
            "bad-taps",
            "[update.lfsr]\nwidth = 32\ntaps = 0\n",
            "update.lfsr.taps = 0x0",
        ),
        ("syntax", "[update\n", "bad hardware TOML"),
    ] {
        let text = text.to_string();
        v.push(
            Case::err(
                format!("export-hw-{name}"),
                &["export", "--out", "{d}/out", "--hw", "{d}/hw.toml"],
                &["{d}/hw.toml", has],
            )
            .with(move |d| write(&d.join("hw.toml"), &text)),
        );
    }
    v.extend(toml_flips());
    v
}

/// A case on the model backend at width 1/16 with `extra` flags.
fn on_model(name: &str, extra: &[&str], has: &[&str]) -> Case {
    let mut a = vec!["--backend", "model", "--width", W];
    a.extend_from_slice(extra);
    Case::err(name, &a, has)
}

fn flag_cases() -> Vec<Case> {
    vec![
        on_model(
            "gap-above-1-model",
            &["--input-gap", "1.5"],
            &["--input-gap 1.5", "[0, 1)"],
        ),
        Case::err(
            "gap-nan",
            &["--input-gap", "NaN"],
            &["--input-gap NaN", "[0, 1)"],
        ),
        Case::err("gap-negative", &["--input-gap=-0.1"], &["--input-gap -0.1"]),
        Case::err(
            "stall-1",
            &["--output-stall", "1"],
            &["--output-stall 1", "[0, 1)"],
        ),
        on_model(
            "stall-inf",
            &["--output-stall", "inf"],
            &["--output-stall inf"],
        ),
        on_model(
            "gap-on-model",
            &["--input-gap", "0.3"],
            &["--input-gap 0.3", "--backend model"],
        ),
        Case::err(
            "steps-0",
            &["--train", "sr", "--steps", "0"],
            &["--steps 0", "1..=1000000000"],
        ),
        Case::err(
            "steps-huge",
            &["--train", "sr", "--steps", "18446744073709551615"],
            &["--steps 18446744073709551615"],
        ),
        Case::err(
            "steps-without-train",
            &["--steps", "3"],
            &["--steps", "--train only"],
        ),
        Case::err(
            "lr-without-train",
            &["--lr", "0.1"],
            &["--lr", "--train only"],
        ),
        Case::err(
            "images-0",
            &["--images", "0"],
            &["--images 0", "1..=100000"],
        ),
        Case::err(
            "images-huge",
            &["--images", "1000000000000"],
            &["--images 1000000000000"],
        ),
        Case::err(
            "images-with-train",
            &["--train", "sr", "--images", "4"],
            &["--images", "--train"],
        ),
        Case::err("batch-0", &["--batch", "0"], &["--batch 0", "1..=8192"]),
        Case::err("batch-huge", &["--batch", "100000"], &["--batch 100000"]),
        Case::err(
            "batch-0-train",
            &["--train", "r", "--batch", "0"],
            &["--batch 0"],
        ),
        Case::err(
            "watchdog-0",
            &["--watchdog", "0"],
            &["--watchdog 0", "1..=1000000000"],
        ),
        Case::err(
            "watchdog-huge",
            &["--watchdog", "10000000000000"],
            &["--watchdog 10000000000000"],
        ),
        Case::err(
            "act-bits-0",
            &["--act-bits", "0"],
            &["--act-bits 0", "1..=8"],
        ),
        on_model(
            "act-bits-9",
            &["--act-bits", "9"],
            &["--act-bits 9", "conv.max_act_bits"],
        ),
        on_model(
            "act-bits-1-resnet",
            &["--net", "resnet-8", "--act-bits", "1"],
            &["--act-bits 1"],
        ),
        Case::err(
            "lr-nan",
            &["--train", "sr", "--lr", "NaN"],
            &["--lr NaN", "(0, 1000]"],
        ),
        Case::err("lr-inf", &["--train", "sr", "--lr", "inf"], &["--lr inf"]),
        Case::err(
            "lr-negative",
            &["--train", "sr", "--lr=-0.01"],
            &["--lr -0.01"],
        ),
        Case::err("lr-zero", &["--train", "bc", "--lr", "0"], &["--lr 0"]),
        Case::err(
            "lr-huge",
            &["--train", "bc", "--lr", "1e6"],
            &["--lr 1000000"],
        ),
        Case::err("width-0", &["--width", "0"], &["--width 0", "(0, 64]"]),
        Case::err("width-negative", &["--width=-1"], &["--width -1"]),
        Case::err("width-nan", &["--width", "nan"], &["--width NaN"]),
        Case::err("width-huge", &["--width", "1e9"], &["--width 1000000000"]),
        Case::err(
            "width-params",
            &["--width", "40"],
            &["--width 40", "parameters"],
        ),
        Case::err(
            "width-does-not-fit",
            &["--backend", "model", "--width", "4"],
            &["does not fit"],
        ),
        Case::err(
            "net-unknown",
            &["--net", "alexnet"],
            &["\"alexnet\": unknown network", "vgg-bc"],
        ),
        Case::err(
            "net-resnet-9",
            &["--net", "resnet-9"],
            &["resnet-9", "6k+2"],
        ),
        Case::err(
            "net-resnet-deep",
            &["--net", "resnet-200000"],
            &["--net 200000", "8..=2000"],
        ),
        Case::err("net-wrn-wide", &["--net", "wrn-20-1000"], &["--net 1000"]),
        Case::err("net-wrn-k-x", &["--net", "wrn-16-x"], &["wrn-16-x"]),
        Case::usage(
            "backend-enum",
            &["--backend", "fpga"],
            &["fpga", "--backend"],
        ),
        Case::usage("rtl-target-enum", &["--rtl-target", "gpu"], &["gpu"]),
        Case::usage("train-enum", &["--train", "adam"], &["adam", "--train"]),
        Case::usage("seed-negative", &["--seed=-1"], &["--seed"]),
        Case::usage(
            "seed-overflow",
            &["--seed", "99999999999999999999999"],
            &["--seed"],
        ),
        Case::usage("images-word", &["--images", "ten"], &["--images", "ten"]),
        Case::usage("unknown-flag", &["--frobnicate"], &["--frobnicate"]),
        on_model(
            "rtl-target-on-model",
            &["--rtl-target", "top"],
            &["--rtl-target top", "--backend rtl"],
        ),
        on_model(
            "vcd-on-model",
            &["--vcd", "{d}/w.vcd"],
            &["--vcd", "--backend rtl"],
        ),
        // --train misuse
        Case::err(
            "train-resnet",
            &["--train", "sr", "--net", "resnet-8"],
            &["--net resnet-8", "vgg-bc with --train"],
        ),
        Case::err(
            "train-weights",
            &["--train", "sr", "--weights", "{d}"],
            &["--weights"],
        ),
        Case::err(
            "train-vcd",
            &["--train", "sr", "--vcd", "{d}/w.vcd"],
            &["--vcd"],
        ),
        Case::err(
            "train-too-wide",
            &["--train", "sr", "--backend", "model", "--width", "2"],
            &["conv5 does not fit the engine configuration"],
        ),
        Case::err(
            "train-data-missing",
            &["--train", "sr", "--width", W, "--data", "{d}/nope"],
            &["{d}/nope", "does not exist"],
        ),
        Case::err(
            "corrupt-garbage",
            &["--train", "sr", "--corrupt-update", "garbage"],
            &["--corrupt-update garbage", "STEP:LAYER:INDEX"],
        ),
        Case::err(
            "corrupt-not-number",
            &["--train", "sr", "--corrupt-update", "1:x:3"],
            &["--corrupt-update 1:x:3", "LAYER"],
        ),
        Case::err(
            "corrupt-step-0",
            &["--train", "sr", "--corrupt-update", "0:0:0"],
            &["--corrupt-update 0:0:0", "STEP in 1..=1"],
        ),
        Case::err(
            "corrupt-step-beyond",
            &["--train", "sr", "--steps", "2", "--corrupt-update", "5:0:0"],
            &["STEP in 1..=2"],
        ),
        Case::err(
            "corrupt-layer-beyond",
            &["--train", "sr", "--corrupt-update", "1:6:0"],
            &["LAYER in 0..=5"],
        ),
        Case::err(
            "corrupt-index-beyond",
            &[
                "--train",
                "sr",
                "--width",
                W,
                "--corrupt-update",
                "1:0:99999999",
            ],
            &["--corrupt-update 1:0:99999999", "INDEX in 0..="],
        ),
        Case::err(
            "corrupt-without-train",
            &["--corrupt-update", "1:0:0"],
            &["--corrupt-update", "--train only"],
        ),
    ]
}

fn model_and_data_cases() -> Vec<Case> {
    let mut v = vec![
        Case::err(
            "weights-missing-dir",
            &["--backend", "model", "--width", W, "--weights", "{d}/nope"],
            &["--weights {d}/nope", "No such file"],
        ),
        Case::err(
            "weights-is-file",
            &["--backend", "model", "--width", W, "--weights", "{d}/f"],
            &["--weights {d}/f", "not a directory"],
        )
        .with(|d| write(&d.join("f"), "x")),
        Case::err(
            "weights-no-manifest",
            &["--backend", "model", "--width", W, "--weights", "{d}"],
            &["no manifest.json"],
        ),
        weights("manifest-truncated", &[], &["manifest.json", "EOF"], |m| {
            let p = m.join("manifest.json");
            let t = std::fs::read_to_string(&p).unwrap();
            write(&p, &t[..t.len() / 2]);
        }),
        weights("manifest-not-json", &[], &["manifest.json"], |m| {
            write(&m.join("manifest.json"), "hello")
        }),
        weights(
            "manifest-width-1e9",
            &[],
            &["manifest.json", "net.width = 1000000000"],
            |m| edit_manifest(m, |v| v["net"]["width"] = 1e9.into()),
        ),
        weights("manifest-width-nan", &[], &["manifest.json"], |m| {
            // JSON has no NaN: a string where a number belongs
            edit_manifest(m, |v| v["net"]["width"] = "NaN".into())
        }),
        weights(
            "manifest-depth-huge",
            &[],
            &["manifest.json", "net.kind.depth = 1000000000"],
            |m| {
                edit_manifest(m, |v| {
                    v["net"]["kind"] =
                        serde_json::json!({"family": "res_net", "depth": 1_000_000_000u64})
                })
            },
        ),
        weights(
            "manifest-classes-0",
            &[],
            &["manifest.json", "net.classes = 0"],
            |m| edit_manifest(m, |v| v["net"]["classes"] = 0.into()),
        ),
        weights(
            "manifest-classes-huge",
            &[],
            &["manifest.json", "net.classes = 1000000"],
            |m| edit_manifest(m, |v| v["net"]["classes"] = 1_000_000.into()),
        ),
        weights(
            "manifest-format",
            &[],
            &["manifest.json", "qtrain-model-9"],
            |m| edit_manifest(m, |v| v["format"] = "qtrain-model-9".into()),
        ),
        weights(
            "manifest-other-width",
            &[],
            &["at width 0.125", "--width 0.0625"],
            |m| edit_manifest(m, |v| v["net"]["width"] = 0.125.into()),
        ),
        weights("manifest-other-net", &[], &["the model is resnet-8"], |m| {
            edit_manifest(m, |v| {
                v["net"]["kind"] = serde_json::json!({"family": "res_net", "depth": 8})
            })
        }),
        weights(
            "tensor-missing",
            &[],
            &["missing tensor conv1.weight"],
            |m| std::fs::remove_file(m.join("conv1.weight.npy")).unwrap(),
        ),
        weights(
            "tensor-wrong-shape",
            &[],
            &["conv1.weight.npy", "shape [4, 3, 3, 3]"],
            |m| {
                npy::write(
                    &m.join("conv1.weight.npy"),
                    &[4, 3, 3, 3],
                    &[1.0; 108],
                    Dtype::I8,
                )
                .unwrap()
            },
        ),
        weights("tensor-nan", &[], &["bn1.gamma.npy", "non-finite"], |m| {
            npy::write(&m.join("bn1.gamma.npy"), &[8], &[f32::NAN; 8], Dtype::F32).unwrap()
        }),
        weights("tensor-truncated", &[], &["conv2.weight.npy"], |m| {
            let p = m.join("conv2.weight.npy");
            let b = std::fs::read(&p).unwrap();
            write(&p, &b[..b.len() - 7]);
        }),
        weights("tensor-not-npy", &[], &["fc1.weight.npy", "NUMPY"], |m| {
            write(&m.join("fc1.weight.npy"), "not an array")
        }),
        weights("tensor-not-binary", &[], &["weight 0.5 is not ±1"], |m| {
            npy::write(
                &m.join("conv1.weight.npy"),
                &[8, 3, 3, 3],
                &[0.5; 216],
                Dtype::F32,
            )
            .unwrap()
        }),
        weights(
            "classes-10-on-cifar100",
            &["--data", "{d}/c100"],
            &["10 classes", "CIFAR-100 with 100 classes", "{d}/c100"],
            |m| cifar(&m.with_file_name("c100"), CifarKind::Cifar100, 2),
        ),
        Case::err(
            "weights-classes-100-on-cifar10",
            &[
                "--backend",
                "model",
                "--width",
                W,
                "--weights",
                "{d}/m",
                "--data",
                "{d}/c10",
            ],
            &["100 classes", "CIFAR-10 with 10 classes"],
        )
        .with(|d| {
            model(&d.join("m"), 100);
            cifar(&d.join("c10"), CifarKind::Cifar10, 2);
        }),
        Case::err(
            "weights-resnet",
            &["--net", "resnet-8", "--weights", "{d}"],
            &["--weights supports vgg-bc only"],
        ),
        // data directories
        Case::err(
            "data-missing",
            &["--backend", "model", "--width", W, "--data", "{d}/nope"],
            &["{d}/nope", "does not exist"],
        ),
        data("empty", &[], &["{d}/data", "empty directory"], |_| {}),
        Case::err(
            "data-is-file",
            &["--backend", "model", "--width", W, "--data", "{d}/f"],
            &["{d}/f", "not a directory"],
        )
        .with(|d| write(&d.join("f"), "x")),
        data("unrelated-files", &[], &["neither CIFAR layout"], |d| {
            write(&d.join("x.txt"), "x")
        }),
        data("truncated-test", &[], &["test_batch.bin"], |d| {
            cifar(d, CifarKind::Cifar10, 2);
            let p = d.join("cifar-10-batches-bin/test_batch.bin");
            let b = std::fs::read(&p).unwrap();
            write(&p, &b[..b.len() - 100]);
        }),
        data("short-batch-file", &[], &["data_batch_3.bin"], |d| {
            cifar(d, CifarKind::Cifar10, 2);
            let p = d.join("cifar-10-batches-bin/data_batch_3.bin");
            let b = std::fs::read(&p).unwrap();
            write(&p, &b[..b.len() / 2]);
        }),
        data("both-layouts", &[], &["holds both"], |d| {
            std::fs::create_dir_all(d.join("cifar-10-batches-bin")).unwrap();
            std::fs::create_dir_all(d.join("cifar-100-binary")).unwrap();
        }),
        data("cifar100-no-train", &[], &["train.bin"], |d| {
            cifar(d, CifarKind::Cifar100, 2);
            std::fs::remove_file(d.join("cifar-100-binary/train.bin")).unwrap();
        }),
        data(
            "more-images-than-test",
            &["--images", "5"],
            &["--images 5", "has 2 images"],
            |d| cifar(d, CifarKind::Cifar10, 2),
        ),
    ];
    v.extend(manifest_flips());
    v
}

fn output_cases() -> Vec<Case> {
    let old = |d: &Path| write(&d.join("w.vcd"), "old waveform\n");
    vec![
        Case::err(
            "vcd-missing-dir",
            &["--vcd", "{d}/no/w.vcd"],
            &["--vcd {d}/no/w.vcd", "is not a directory"],
        ),
        Case::err(
            "vcd-is-dir",
            &["--vcd", "{d}"],
            &["--vcd {d}", "not a directory"],
        ),
        Case::err(
            "vcd-existing-bad-data",
            &["--width", W, "--vcd", "{d}/w.vcd", "--data", "{d}/nope"],
            &["{d}/nope"],
        )
        .with(old),
        Case::err(
            "vcd-existing-bad-hw",
            &["--width", W, "--vcd", "{d}/w.vcd", "--hw", "{d}/hw.toml"],
            &["{d}/hw.toml", "conv.pe = 5"],
        )
        .with(move |d| {
            old(d);
            write(&d.join("hw.toml"), "[conv]\npe = 5\n");
        }),
        Case::err(
            "vcd-existing-bad-weights",
            &["--width", W, "--vcd", "{d}/w.vcd", "--weights", "{d}/m"],
            &["missing tensor bn3.beta"],
        )
        .with(move |d| {
            old(d);
            model(&d.join("m"), 10);
            std::fs::remove_file(d.join("m/bn3.beta.npy")).unwrap();
        }),
        Case::err(
            "vcd-existing-does-not-fit",
            &["--width", "4", "--vcd", "{d}/w.vcd"],
            &["does not fit"],
        )
        .with(old),
        Case::err(
            "json-dir",
            &["--json", "{d}"],
            &["--json {d}", "not a directory"],
        ),
        Case::err(
            "json-missing-dir",
            &["--json", "{d}/no/r.json"],
            &["--json {d}/no/r.json"],
        ),
        Case::err(
            "json-under-file",
            &["--json", "{d}/f/r.json"],
            &["--json {d}/f/r.json", "is not a directory"],
        )
        .with(|d| write(&d.join("f"), "x")),
        Case::err(
            "json-existing-bad-weights",
            &[
                "--backend",
                "model",
                "--width",
                W,
                "--json",
                "{d}/r.json",
                "--weights",
                "{d}/nope",
            ],
            &["{d}/nope"],
        )
        .with(|d| write(&d.join("r.json"), "{\"old\": true}\n")),
        Case::err(
            "json-existing-bad-train",
            &["--train", "sr", "--json", "{d}/r.json", "--lr", "nan"],
            &["--lr NaN"],
        )
        .with(|d| write(&d.join("r.json"), "{\"old\": true}\n")),
        Case::err(
            "vcd-same-as-json",
            &["--vcd", "{d}/x", "--json", "{d}/x"],
            &["same file"],
        ),
        Case::err(
            "export-out-nonempty",
            &["export", "--out", "{d}/out"],
            &["{d}/out", "already holds files", "--overwrite"],
        )
        .with(|d| write(&d.join("out/keep.v"), "module keep; endmodule\n")),
        Case::err(
            "export-out-is-file",
            &["export", "--out", "{d}/f"],
            &["{d}/f", "not a directory"],
        )
        .with(|d| write(&d.join("f"), "x")),
        Case::err(
            "export-out-under-file",
            &["export", "--out", "{d}/f/sub"],
            &["--out {d}/f/sub", "{d}/f is not a directory"],
        )
        .with(|d| write(&d.join("f"), "x")),
        Case::err(
            "export-overwrite-bad-hw",
            &[
                "export",
                "--out",
                "{d}/out",
                "--overwrite",
                "--hw",
                "{d}/hw.toml",
            ],
            &["{d}/hw.toml", "update.lanes = 5"],
        )
        .with(|d| {
            write(&d.join("out/keep.v"), "module keep; endmodule\n");
            write(&d.join("hw.toml"), "[update]\nlanes = 5\n");
        }),
        Case::err(
            "export-hw-missing",
            &["export", "--out", "{d}/out", "--hw", "{d}/nope.toml"],
            &["{d}/nope.toml"],
        ),
        Case::usage("export-no-out", &["export"], &["--out"]),
        Case::usage(
            "export-unknown-flag",
            &["export", "--out", "{d}/o", "--bogus"],
            &["--bogus"],
        ),
    ]
}

/// `sim train` (a tiny CIFAR set in `{d}/data`: 20 training images; every case fails before the
/// first step).
fn train_cases() -> Vec<Case> {
    let base = [
        "train", "--data", "{d}/data", "--out", "{d}/run", "--width", W, "--batch", "4",
    ];
    let t = move |name: &str, extra: &[&str], has: &[&str]| {
        let mut a = base.to_vec();
        a.extend(extra);
        Case::err(format!("train-{name}"), &a, has)
            .with(|d| cifar(&d.join("data"), CifarKind::Cifar10, 4))
    };
    let with_run = |f: fn(&Path)| {
        move |d: &Path| {
            cifar(&d.join("data"), CifarKind::Cifar10, 4);
            f(d)
        }
    };
    vec![
        t(
            "method",
            &["--method", "xr"],
            &["--method xr", "r, sr or bc"],
        ),
        t(
            "act-bits-0",
            &["--method", "sr", "--act-bits", "0"],
            &["--act-bits 0", "1..=8"],
        ),
        t(
            "latent-nan",
            &["--method", "bc", "--latent-init", "nan"],
            &["--latent-init NaN"],
        ),
        t(
            "latent-beyond",
            &["--method", "bc", "--latent-init", "2.5"],
            &["--latent-init 2.5"],
        ),
        Case::usage(
            "train-w-bits-alone",
            &[
                "train", "--data", "{d}", "--out", "{d}/run", "--method", "bc", "--w-bits", "8",
            ],
            &["--w-frac"],
        ),
        t(
            "w-cannot-hold-one",
            &["--method", "bc", "--w-bits", "8", "--w-frac", "7"],
            &["w_format"],
        ),
        t(
            "epochs-0",
            &["--method", "sr", "--epochs", "0"],
            &["--epochs 0"],
        ),
        Case::err(
            "train-batch-beyond-data",
            &[
                "train", "--data", "{d}/data", "--out", "{d}/run", "--method", "sr", "--batch",
                "64",
            ],
            &["--batch 64", "20 training"],
        )
        .with(|d| cifar(&d.join("data"), CifarKind::Cifar10, 4)),
        t(
            "rtl-other-update-unit",
            &[
                "--method",
                "bc",
                "--w-bits",
                "12",
                "--w-frac",
                "10",
                "--check-steps",
                "1",
            ],
            &["update"],
        ),
        t(
            "resume-garbage",
            &["--method", "sr", "--resume"],
            &["{d}/run/checkpoint.bin", "magic"],
        )
        .with(with_run(|d| {
            write(&d.join("run/checkpoint.bin"), "not a checkpoint, really")
        })),
        t(
            "resume-metrics-only",
            &["--method", "sr", "--resume"],
            &["{d}/run", "no checkpoint.bin"],
        )
        .with(with_run(|d| write(&d.join("run/metrics.csv"), "epoch\n"))),
        t(
            "out-is-file",
            &["--method", "sr"],
            &["{d}/run", "not a directory"],
        )
        .with(with_run(|d| write(&d.join("run"), "x"))),
        t(
            "fresh-over-a-run",
            &["--method", "sr", "--check-steps", "0"],
            &["{d}/run", "--resume"],
        )
        .with(with_run(|d| write(&d.join("run/metrics.csv"), "epoch\n"))),
    ]
}

#[test]
fn sim_hostile_corpus() {
    let mut cases = hw_cases();
    cases.extend(train_cases());
    cases.extend(flag_cases());
    cases.extend(model_and_data_cases());
    cases.extend(output_cases());
    let n = run_corpus(Path::new(env!("CARGO_BIN_EXE_sim")), "sim", cases);
    assert!(n >= 70, "the corpus shrank to {n} cases");
}

/// Print every case's message, for reviewing them (`cargo test --release -p qtrain-sim --test
/// hostile -- --ignored --nocapture show_messages`).
#[test]
#[ignore]
fn show_messages() {
    let mut cases = hw_cases();
    cases.extend(train_cases());
    cases.extend(flag_cases());
    cases.extend(model_and_data_cases());
    cases.extend(output_cases());
    let base = std::env::temp_dir().join(format!("qtrain-hostile-show-{}", std::process::id()));
    for c in &cases {
        let dir = base.join(&c.name);
        std::fs::create_dir_all(&dir).unwrap();
        (c.setup)(&dir);
        let d = dir.to_string_lossy().to_string();
        let args: Vec<String> = c.args.iter().map(|a| a.replace("{d}", &d)).collect();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sim"))
            .args(&args)
            .current_dir(&dir)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr).replace(&d, "{d}");
        let first = err.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        eprintln!("{:<36} {:?} {first}", c.name, out.status.code());
    }
    let _ = std::fs::remove_dir_all(&base);
}
