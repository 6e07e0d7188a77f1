//! End-to-end tests of the `sim` binary: the README's main job, both backends, back-pressure, the
//! watchdog and bad input. They run the release binary cargo built for this test run.

use std::path::PathBuf;

use crate::common::{scratch, sim};
use std::process::Command;

fn tmp(name: &str) -> PathBuf {
    scratch("sim-tests", name)
}

fn run_json(args: &[&str], name: &str) -> serde_json::Value {
    let json = tmp(name);
    let out = sim().args(args).arg("--json").arg(&json).output().unwrap();
    assert!(
        out.status.success(),
        "sim {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap()
}

/// The README's main command: full-size VGG-BC, one synthetic image, cycle-accurate, every layer
/// bit-exact, and the engine busy ≥ 95 % of the time over the network.
#[test]
fn default_run_is_bit_exact_and_utilised() {
    let r = run_json(&["--net", "vgg-bc"], "default.json");
    assert_eq!(r["backend"], "rtl-engine");
    assert_eq!(r["all_match"], true);
    let layers = r["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 6);
    for l in layers {
        assert_eq!(l["mismatches"], 0, "{l}");
        assert!(l["values_checked"].as_u64().unwrap() > 0);
        // one image per batch: the layer's weight load is included in its cycles
        assert!(l["utilisation"].as_f64().unwrap() >= 0.90, "{l}");
    }
    assert!(
        r["utilisation"].as_f64().unwrap() >= 0.95,
        "{}",
        r["utilisation"]
    );
    check_counters(&r);
}

/// The top's counters (read after the run) agree with the host's tally: every conv payload word
/// sent and response word received, one header per layer plus the counters read, no errors.
fn check_counters(r: &serde_json::Value) {
    let c = &r["counters"];
    let layers = r["layers"].as_array().unwrap();
    let sum = |k: &str| layers.iter().map(|l| l[k].as_u64().unwrap()).sum::<u64>();
    assert_eq!(
        c["conv_words_out"].as_u64().unwrap(),
        sum("words_out"),
        "{c}"
    );
    assert_eq!(
        c["conv_words_in"].as_u64().unwrap(),
        sum("words_in") - sum("transactions"),
        "{c}"
    );
    assert_eq!(
        c["transactions"].as_u64().unwrap(),
        sum("transactions") + 1,
        "{c}"
    );
    assert_eq!(c["errors"], 0, "{c}");
    assert!(
        c["conv_busy_cycles"].as_u64().unwrap() >= sum("ideal_cycles"),
        "{c}"
    );
}

/// Both backends behind the same host driver agree with the golden model under random input gaps
/// and output back-pressure, and the model backend reports exactly the ideal cycles.
#[test]
fn rtl_under_backpressure_and_model_agree_with_golden() {
    let common = [
        "--width", "0.125", "--images", "3", "--batch", "2", "--seed", "7",
    ];
    let mut rtl_args = common.to_vec();
    rtl_args.extend(["--input-gap", "0.3", "--output-stall", "0.4"]);
    let rtl = run_json(&rtl_args, "rtl-bp.json");
    let mut model_args = common.to_vec();
    model_args.extend(["--backend", "model"]);
    let model = run_json(&model_args, "model.json");
    for r in [&rtl, &model] {
        assert_eq!(r["all_match"], true, "{r}");
        assert_eq!(r["images"], 3);
        check_counters(r);
    }
    // one conv transaction per layer per batch of 2 images
    assert_eq!(rtl["layers"][0]["transactions"], 2);
    for (a, b) in rtl["layers"]
        .as_array()
        .unwrap()
        .iter()
        .zip(model["layers"].as_array().unwrap())
    {
        assert_eq!(a["values_checked"], b["values_checked"]);
        assert_eq!(a["words_out"], b["words_out"]);
        assert_eq!(b["cycles"], b["ideal_cycles"]);
        assert!(a["cycles"].as_u64().unwrap() > a["ideal_cycles"].as_u64().unwrap());
    }
}

/// `--rtl-target engine` (the bare engine behind the host-side shim) gives the same words as the top;
/// at full speed the top's header word and skid buffers cost a few cycles a layer, no more.
#[test]
fn engine_target_matches_the_top() {
    let top = run_json(
        &["--width", "0.125", "--seed", "3", "--rtl-target", "top"],
        "top.json",
    );
    let eng = run_json(
        &["--width", "0.125", "--seed", "3", "--rtl-target", "engine"],
        "engine.json",
    );
    assert_eq!(eng["backend"], "rtl-engine");
    assert_eq!(eng["all_match"], true);
    check_counters(&eng);
    for (a, b) in top["layers"]
        .as_array()
        .unwrap()
        .iter()
        .zip(eng["layers"].as_array().unwrap())
    {
        assert_eq!(a["words_in"], b["words_in"]);
        assert_eq!(a["words_out"], b["words_out"]);
        let (ct, ce) = (a["cycles"].as_u64().unwrap(), b["cycles"].as_u64().unwrap());
        assert!(ct > ce && ct - ce <= 4, "top {ct} vs engine {ce} cycles");
    }
}

/// A run whose output is almost never read stops with the watchdog's diagnosis, not a hang.
#[test]
fn watchdog_names_the_stalled_stream() {
    let out = sim()
        .args([
            "--width",
            "0.125",
            "--output-stall",
            "0.9999",
            "--watchdog",
            "300",
            "--rtl-target",
            "top",
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
        err.contains("stalled") && err.contains("running a conv transaction"),
        "{err}"
    );
    assert!(err.contains("output words received"), "{err}");
}

/// `--vcd` writes a waveform of the first layer that names the engine's stream ports.
#[test]
fn vcd_of_the_first_layer() {
    let vcd = tmp("first.vcd");
    let out = sim()
        .args(["--width", "0.125", "--vcd"])
        .arg(&vcd)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&vcd).unwrap();
    assert!(text.contains("$enddefinitions"));
    assert!(text.contains("in_valid") && text.contains("out_ready"));
}

#[test]
fn bad_input_gets_a_clear_error() {
    for (args, needle) in [
        (
            vec!["--net", "alexnet"],
            "\"alexnet\": unknown network (known: vgg-bc",
        ),
        (
            vec!["--width=-1"],
            "--width -1: expected a number in (0, 64]",
        ),
        (
            vec!["--act-bits", "9"],
            "--act-bits 9: expected an integer in 1..=8",
        ),
        (
            vec!["--input-gap", "1.5"],
            "--input-gap 1.5: expected a probability in [0, 1)",
        ),
        (vec!["--hw", "/nonexistent/hw.toml"], "/nonexistent/hw.toml"),
    ] {
        let out = sim().args(&args).output().unwrap();
        assert!(!out.status.success(), "{args:?} succeeded");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

/// Real CIFAR-10 test images through every layer, bit-exact under back-pressure
/// (needs `$QTRAIN_CIFAR10`, which `.ci/run` prepares from ../shared/data).
#[test]
fn real_cifar_images_are_bit_exact() {
    let Some(dir) = std::env::var_os("QTRAIN_CIFAR10") else {
        eprintln!("skipping: QTRAIN_CIFAR10 not set (../shared/data absent)");
        return;
    };
    let dir = dir.to_string_lossy().into_owned();
    let r = run_json(
        &[
            "--width",
            "0.25",
            "--data",
            &dir,
            "--images",
            "3",
            "--batch",
            "3",
            "--input-gap",
            "0.2",
            "--output-stall",
            "0.2",
        ],
        "real.json",
    );
    assert_eq!(r["all_match"], true, "{r}");
    assert_eq!(r["images"], 3);
}

/// Export `hw` (the built-in default for `None`) into `dir` and run both generated Icarus benches on
/// the golden vectors: the conv engine alone and the accelerator top on an interleaved conv + update +
/// counters session, both under the benches' random gaps and back-pressure.
fn export_and_cosimulate(dir: &std::path::Path, hw: Option<&std::path::Path>) {
    let _ = std::fs::remove_dir_all(dir);
    let mut cmd = sim();
    cmd.arg("export").arg("--out").arg(dir);
    if let Some(h) = hw {
        cmd.arg("--hw").arg(h);
    }
    let out = cmd.output().unwrap();
    let what = hw.map_or("the default configuration".to_string(), |h| {
        h.display().to_string()
    });
    assert!(
        out.status.success(),
        "sim export of {what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in [
        "qtrain_accel.v",
        "qtrain_conv_engine.v",
        "qtrain_update_unit.v",
        "params.toml",
        "conv_in.hex",
        "conv_out.hex",
        "tb_conv.v",
        "accel_in.hex",
        "accel_in_last.hex",
        "accel_out.hex",
        "accel_out_flags.hex",
        "tb_accel.v",
    ] {
        assert!(dir.join(f).is_file(), "{what}: {f} missing");
    }
    let n_out = std::fs::read_to_string(dir.join("accel_out.hex"))
        .unwrap()
        .lines()
        .count();
    for (tb, top, pass) in [
        ("tb_conv", "qtrain_conv_engine", "PASS 36 words".to_string()),
        ("tb_accel", "qtrain_accel", format!("PASS {n_out} words")),
    ] {
        let c = Command::new("iverilog")
            .current_dir(dir)
            .args([
                "-g2005",
                "-o",
                &format!("{tb}.vvp"),
                &format!("{tb}.v"),
                &format!("{top}.v"),
            ])
            .output()
            .unwrap();
        assert!(
            c.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&c.stderr)
        );
        let r = Command::new("vvp")
            .current_dir(dir)
            .args(["-n", &format!("{tb}.vvp")])
            .output()
            .unwrap();
        let log = String::from_utf8_lossy(&r.stdout);
        assert!(
            log.contains(&pass),
            "{what}: Icarus co-simulation of {top}: {log}"
        );
    }
}

/// `sim export` writes Verilog that Icarus runs bit-exact on the golden vectors, for the default
/// configuration and for every configuration in `bitstreams/configs/`, and that lints clean under
/// Verilator, the top together with the AXI4-Stream board wrapper.
#[test]
fn exported_verilog_cosimulates_in_icarus_and_lints() {
    let test = "exported_verilog_cosimulates_in_icarus_and_lints";
    // CI installs these (.ci/run); the rule for a missing tool is the one of every bench
    if !["iverilog", "vvp", "verilator"]
        .into_iter()
        .all(|t| qtrain_hdl::tools::require(t, test))
    {
        return;
    }
    let dir = tmp("export");
    export_and_cosimulate(&dir, None);
    let configs = concat!(env!("CARGO_MANIFEST_DIR"), "/../bitstreams/configs");
    let mut tomls: Vec<PathBuf> = std::fs::read_dir(configs)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    tomls.sort();
    assert!(tomls.len() >= 3, "bitstreams/configs holds {tomls:?}");
    for t in &tomls {
        let name = t.file_stem().unwrap().to_string_lossy().to_string();
        export_and_cosimulate(&tmp(&format!("export-{name}")), Some(t));
    }
    let wrapper = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../bitstreams/rtl/qtrain_accel_axis.v"
    );
    for (top, files) in [
        (
            "qtrain_accel_axis",
            vec![
                wrapper.to_string(),
                dir.join("qtrain_accel.v").display().to_string(),
            ],
        ),
        (
            "qtrain_conv_engine",
            vec![dir.join("qtrain_conv_engine.v").display().to_string()],
        ),
        (
            "qtrain_update_unit",
            vec![dir.join("qtrain_update_unit.v").display().to_string()],
        ),
    ] {
        let l = Command::new("verilator")
            .args([
                "--lint-only",
                "-Wall",
                "-Wno-WIDTH",
                "-Wno-DECLFILENAME",
                "--top-module",
                top,
            ])
            .args(&files)
            .output()
            .unwrap();
        assert!(
            l.status.success(),
            "verilator lint of {top}: {}",
            String::from_utf8_lossy(&l.stderr)
        );
    }
}

/// Compare `got` with the pinned file `name` under `tests/expect/` (`QTRAIN_BLESS=1` rewrites it).
fn expect_file(got: &str, name: &str) {
    let pinned = format!("{}/tests/expect/{name}", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("QTRAIN_BLESS").is_some() {
        std::fs::write(&pinned, got).unwrap();
    }
    let want =
        std::fs::read_to_string(&pinned).expect("pinned Verilog missing: run with QTRAIN_BLESS=1");
    if got != want {
        let line = got
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        panic!(
            "exported Verilog differs from {pinned} at line {}: got {:?}, pinned {:?} (QTRAIN_BLESS=1 to accept)",
            line + 1,
            got.lines().nth(line),
            want.lines().nth(line)
        );
    }
}

/// The module `name` (from `module name(` to its `endmodule`) of a Verilog file.
fn verilog_module<'a>(v: &'a str, name: &str) -> &'a str {
    let start = v
        .find(&format!("module {name}("))
        .unwrap_or_else(|| panic!("no module {name}"));
    let end = start + v[start..].find("endmodule").unwrap() + "endmodule".len();
    &v[start..end]
}

/// The generated Verilog of the small (P=4, S=64) engine is pinned, and so are the accelerator top's
/// own modules of that configuration (the wiring `qtrain_accel` and the router; the blocks inside are
/// the pinned engine and the update unit): a change to the hardware shows up as a reviewable diff.
/// Regenerate with `QTRAIN_BLESS=1 cargo test -p qtrain-sim --release expect`.
#[test]
fn expect_small_engine_verilog() {
    let hw = tmp("small.toml");
    std::fs::write(&hw, "[conv]\npe = 4\nsimd = 64\n").unwrap();
    let dir = tmp("export-small");
    let _ = std::fs::remove_dir_all(&dir);
    let out = sim()
        .args(["export", "--hw"])
        .arg(&hw)
        .arg("--out")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = std::fs::read_to_string(dir.join("qtrain_conv_engine.v")).unwrap();
    expect_file(&got, "qtrain_conv_engine_p4_s64.v");
    let top = std::fs::read_to_string(dir.join("qtrain_accel.v")).unwrap();
    let own = format!(
        "{}\n\n{}\n",
        verilog_module(&top, "qtrain_accel"),
        verilog_module(&top, "qtrain_accel$router")
    );
    expect_file(&own, "qtrain_accel_p4_s64_l16_top_router.v");
}

/// A model exported by the golden model runs on the engine bit-exact; with real data both paths'
/// accuracies and their agreement are reported.
#[test]
fn exported_model_runs_on_the_engine() {
    use qtrain::models::{Net, NetSpec};
    let dir = tmp("model-w0.125");
    let _ = std::fs::remove_dir_all(&dir);
    let mut net = Net::<f32>::new(NetSpec::new("vgg-bc", 0.125, 10).unwrap(), 3);
    qtrain::train::export::export(&mut net, "bc-adam", qtrain::quant::Grid::Binary, &dir).unwrap();
    let d = dir.display().to_string();
    let r = run_json(
        &[
            "--width",
            "0.125",
            "--weights",
            &d,
            "--images",
            "2",
            "--batch",
            "2",
        ],
        "weights.json",
    );
    assert_eq!(r["all_match"], true, "{r}");
    assert!(r["hw_accuracy"].is_null(), "no labels without --data");
    let wrong = sim()
        .args(["--width", "0.25", "--weights", &d])
        .output()
        .unwrap();
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("at width 0.125"));
    let Some(data) = std::env::var_os("QTRAIN_CIFAR10") else {
        eprintln!("skipping the accuracy part: QTRAIN_CIFAR10 not set (../shared/data absent)");
        return;
    };
    let data = data.to_string_lossy().into_owned();
    let r = run_json(
        &[
            "--width",
            "0.125",
            "--weights",
            &d,
            "--data",
            &data,
            "--images",
            "8",
            "--batch",
            "8",
        ],
        "weights-data.json",
    );
    assert_eq!(r["all_match"], true, "{r}");
    for k in ["hw_accuracy", "float_accuracy", "prediction_agreement"] {
        let v = r[k].as_f64().unwrap_or(-1.0);
        assert!((0.0..=1.0).contains(&v), "{k} = {v}");
    }
}

/// ResNet-8 at width 0.25, one image, on both backends: every engine layer (stem, conv1 and conv2 of
/// each block, the stride-2 conv1s run at stride 1) matches the golden model bit for bit; the host's
/// residual steps ran with both kinds of shortcut and carried negative residuals (offset binary);
/// the two backends agree on every value and the host's features are identical.
#[test]
fn resnet_runs_on_both_backends_bit_exact() {
    let rtl = run_json(
        &["--net", "resnet-8", "--width", "0.25"],
        "resnet8-rtl.json",
    );
    let model = run_json(
        &["--net", "resnet-8", "--width", "0.25", "--backend", "model"],
        "resnet8-model.json",
    );
    let names: Vec<&str> = rtl["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "conv0",
            "s1b1.conv1",
            "s1b1.conv2",
            "s2b1.conv1",
            "s2b1.conv2",
            "s3b1.conv1",
            "s3b1.conv2"
        ]
    );
    for r in [&rtl, &model] {
        assert_eq!(r["all_match"], true, "{r}");
        for l in r["layers"].as_array().unwrap() {
            assert_eq!(l["mismatches"], 0, "{l}");
            assert!(l["values_checked"].as_u64().unwrap() > 0, "{l}");
        }
        let ex = &r["resnet"];
        assert_eq!(ex["zero_point"], 8);
        let s2: Vec<&str> = ex["stride2"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        assert_eq!(s2, ["s2b1.conv1", "s3b1.conv1"]);
        for s in ex["stride2"].as_array().unwrap() {
            assert_eq!(
                4 * s["ideal_cycles_stride2"].as_u64().unwrap(),
                s["ideal_cycles_stride1"].as_u64().unwrap()
            );
        }
        let steps = ex["host_steps"].as_array().unwrap();
        let kinds: Vec<&str> = steps
            .iter()
            .map(|s| s["shortcut"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["identity", "conv1x1-s2", "conv1x1-s2"]);
        for s in steps {
            let neg = s["negative_residual_fraction"].as_f64().unwrap();
            assert!(neg > 0.05 && neg < 0.95, "{s}");
            assert!(s["zero_fraction"].as_f64().unwrap() < 0.9, "{s}");
        }
        assert_eq!(ex["features_first_image"].as_array().unwrap().len(), 16);
    }
    assert_eq!(
        rtl["resnet"]["features_first_image"],
        model["resnet"]["features_first_image"]
    );
    for (a, b) in rtl["layers"]
        .as_array()
        .unwrap()
        .iter()
        .zip(model["layers"].as_array().unwrap())
    {
        assert_eq!(a["words_out"], b["words_out"]);
        assert_eq!(b["cycles"], b["ideal_cycles"]);
    }
}

/// `wrn-N-k` parses and doubles (k = 2) every stage's channels relative to `resnet-N`; bad depths,
/// factors and `--weights` get clear errors.
#[test]
fn wrn_plans_wider_stages_and_bad_resnets_are_refused() {
    let chans = |net: &str| -> Vec<(String, u64, u64)> {
        let r = run_json(
            &["--net", net, "--width", "0.125", "--backend", "model"],
            &format!("{net}.json"),
        );
        assert_eq!(r["all_match"], true, "{r}");
        r["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["name"].as_str().unwrap().to_string(),
                    l["c_in"].as_u64().unwrap(),
                    l["c_out"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let res = chans("resnet-14");
    let wrn = chans("wrn-14-2");
    assert_eq!(res.len(), 1 + 2 * 6);
    assert_eq!(res.len(), wrn.len());
    for ((n1, _, c1), (n2, _, c2)) in res.iter().zip(&wrn) {
        assert_eq!(n1, n2);
        assert_eq!(2 * c1, *c2, "{n1}");
    }
    // stage widths 16/32/64 × 0.125 × k
    let outs: Vec<u64> = wrn.iter().map(|l| l.2).collect();
    assert_eq!(outs, [4, 4, 4, 4, 4, 8, 8, 8, 8, 16, 16, 16, 16]);
    for (args, needle) in [
        (vec!["--net", "resnet-9"], "6k+2"),
        (vec!["--net", "resnet-2"], "6k+2"),
        (vec!["--net", "wrn-16-0"], "widening factor must be"),
        (vec!["--net", "wrn-16-x"], "widening factor is not a number"),
        (vec!["--net", "resnet-8", "--act-bits", "1"], "A ≥ 2"),
        (
            vec!["--net", "resnet-8", "--weights", "/nonexistent"],
            "--weights supports vgg-bc only",
        ),
        (
            vec!["--net", "wrn-8-40", "--backend", "model"],
            "does not fit the engine configuration",
        ),
    ] {
        let out = sim().args(&args).output().unwrap();
        assert!(!out.status.success(), "{args:?} succeeded");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}
