//! The `qtrain` hostile-input corpus (issue 15): malformed flags, data directories, checkpoints,
//! manifests, `.npy` files and output paths against the release binary. Each row must end in a
//! clear error (exit 1, or 2 for what the argument parser refuses) that names the file and the
//! field, never a panic, an abort, a hang or a silent success, and must leave every file it was
//! given untouched. The harness (`tests/harness/hostile.rs`) says how to add a case.

#[path = "../harness/hostile.rs"]
mod harness;

use std::path::Path;

use harness::Case;
use qtrain::data::{write_cifar, CifarKind, CifarSplits, Dataset, IMAGE_BYTES};
use qtrain::models::{Net, NetSpec};
use qtrain::optim::Method;
use qtrain::quant::Grid;
use qtrain::train::checkpoint::{fnv1a64, MAGIC};
use qtrain::train::{export, npy, TrainConfig, Trainer};
use rand::{Rng, SeedableRng};

// ---------- fixtures (written by a case's setup into its own directory) ----------

fn dataset(n: usize, classes: usize, coarse: bool, seed: u64) -> Dataset {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let labels: Vec<u16> = (0..n).map(|_| rng.gen_range(0..classes as u16)).collect();
    let images = (0..n * IMAGE_BYTES).map(|_| rng.gen::<u8>()).collect();
    let coarse = coarse.then(|| labels.iter().map(|&l| l % 20).collect());
    Dataset::new(images, labels, coarse, classes).unwrap()
}

/// Tiny CIFAR-10 under `dir/data` (60 train, 12 test images).
fn cifar10(dir: &Path) {
    let s = CifarSplits {
        kind: CifarKind::Cifar10,
        train: dataset(60, 10, false, 1),
        test: dataset(12, 10, false, 2),
    };
    write_cifar(&dir.join("data"), &s).unwrap();
}

/// Tiny CIFAR-100 under `dir/data100`.
fn cifar100(dir: &Path) {
    let s = CifarSplits {
        kind: CifarKind::Cifar100,
        train: dataset(60, 100, true, 3),
        test: dataset(12, 100, true, 4),
    };
    write_cifar(&dir.join("data100"), &s).unwrap();
}

/// The config the `train` rows' flags ask for (so a checkpoint made from it is "this run's").
fn base_config() -> TrainConfig {
    TrainConfig {
        net: NetSpec::new("vgg-bc", 0.03125, 10).unwrap(),
        method: Method::parse("bc-adam").unwrap(),
        grid: Grid::Binary,
        bc_stochastic: false,
        epochs: 3,
        batch: 16,
        lr: 0.01,
        seed: 5,
        train_limit: None,
        latent_init: 1.0,
        bc_latent: Default::default(),
        schedule: Default::default(),
        from: None,
        eval_train: false,
        data: String::new(),
    }
}

/// A run directory `dir/run` holding a real checkpoint of `cfg` after 1 epoch plus metrics and summary.
fn run_dir(dir: &Path, cfg: TrainConfig) {
    let run = dir.join("run");
    std::fs::create_dir_all(&run).unwrap();
    let mut t = Trainer::new(cfg);
    t.history.push(qtrain::train::EpochMetrics {
        epoch: 1,
        lr: 0.01,
        train_loss: 2.0,
        train_error: 80.0,
        test_error: 80.0,
        train_eval: None,
        seconds: 1.0,
        images_per_second: 60.0,
    });
    t.save(&run.join("checkpoint.bin"), 1).unwrap();
    std::fs::write(run.join("metrics.csv"), "epoch,lr\n1,0.01\n").unwrap();
    std::fs::write(run.join("summary.json"), "{\"epochs_done\": 1}\n").unwrap();
}

/// A checkpoint file with a hand-made header (JSON) and tensor bytes, with a valid checksum: what
/// a hostile (not merely damaged) file looks like.
fn forged_checkpoint(path: &Path, header: &serde_json::Value, data: &[u8]) {
    let json = serde_json::to_vec(header).unwrap();
    let mut b = MAGIC.to_vec();
    b.extend_from_slice(&(json.len() as u64).to_le_bytes());
    b.extend_from_slice(&json);
    b.extend_from_slice(data);
    let sum = fnv1a64(&b);
    b.extend_from_slice(&sum.to_le_bytes());
    std::fs::write(path, b).unwrap();
}

/// The real header of `cfg`'s checkpoint (after 1 epoch) as JSON, and its tensor bytes.
fn real_header(cfg: TrainConfig) -> (serde_json::Value, Vec<u8>) {
    let dir = std::env::temp_dir().join(format!(
        "qtrain-hostile-hdr-{}-{}",
        std::process::id(),
        rand::random::<u64>()
    ));
    run_dir(&dir, cfg);
    let bytes = std::fs::read(dir.join("run/checkpoint.bin")).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let hl = u64::from_le_bytes(bytes[8..16].try_into().unwrap()) as usize;
    let header = serde_json::from_slice(&bytes[16..16 + hl]).unwrap();
    (header, bytes[16 + hl..bytes.len() - 8].to_vec())
}

/// A run dir whose checkpoint header was edited by `edit` (checksum recomputed).
fn forged_run(dir: &Path, edit: impl Fn(&mut serde_json::Value, &mut Vec<u8>)) {
    run_dir(dir, base_config());
    let (mut h, mut data) = real_header(base_config());
    edit(&mut h, &mut data);
    forged_checkpoint(&dir.join("run/checkpoint.bin"), &h, &data);
}

/// A `qtrain export` directory `dir/model` of a fresh `spec` network.
fn model_dir(dir: &Path, spec: NetSpec) {
    let mut net = Net::<f32>::new(spec, 0);
    export::export(&mut net, "bc-adam", Grid::Binary, &dir.join("model")).unwrap();
}

fn small_model(dir: &Path) {
    model_dir(dir, NetSpec::new("vgg-bc", 0.03125, 10).unwrap());
}

/// Edit `dir/model/manifest.json` as JSON.
fn edit_manifest(dir: &Path, edit: impl Fn(&mut serde_json::Value)) {
    small_model(dir);
    let p = dir.join("model/manifest.json");
    let mut m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    edit(&mut m);
    std::fs::write(&p, serde_json::to_string_pretty(&m).unwrap()).unwrap();
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

/// `qtrain train` with the base run's flags, `extra` replacing a flag's value or appended.
fn train_args(extra: &[&str]) -> Vec<String> {
    let mut v = s(&[
        "train", "--net", "vgg-bc", "--width", "0.03125", "--method", "bc-adam", "--epochs", "3",
        "--batch", "16", "--seed", "5", "--data", "{d}/data", "--out", "{d}/run", "--quiet",
    ]);
    let mut i = 0;
    while i < extra.len() {
        // "--flag=value" (how a negative value must be written) replaces the flag as one token
        if let Some((flag, _)) = extra[i].split_once('=') {
            if let Some(p) = v.iter().position(|x| x == flag) {
                v.drain(p..p + 2);
            }
            v.push(extra[i].to_string());
            i += 1;
            continue;
        }
        let flag = extra[i];
        match (v.iter().position(|x| x == flag), extra.get(i + 1)) {
            (Some(p), Some(val)) if !val.starts_with("--") => {
                v[p + 1] = val.to_string();
                i += 2;
            }
            (None, Some(val)) if !val.starts_with("--") => {
                v.extend([flag.to_string(), val.to_string()]);
                i += 2;
            }
            _ => {
                v.push(flag.to_string());
                i += 1;
            }
        }
    }
    v
}

fn train(name: &str, extra: &[&str], has: &[&str]) -> Case {
    let mut c = Case::err(name, &[], has).with(cifar10);
    c.args = train_args(extra);
    c
}

fn train_usage(name: &str, extra: &[&str], has: &[&str]) -> Case {
    let mut c = Case::usage(name, &[], has).with(cifar10);
    c.args = train_args(extra);
    c
}

// ---------- the corpus ----------

fn flag_cases() -> Vec<Case> {
    let mut v = vec![
        train(
            "width-1e9",
            &["--width", "1e9"],
            &["--width", "1000000000", "(0, 64]"],
        ),
        train(
            "width-huge-memory",
            &["--width", "30"],
            &["--width 30", "parameters", "GB"],
        ),
        train("width-zero", &["--width", "0"], &["--width 0", "(0, 64]"]),
        train(
            "width-negative",
            &["--width=-1"],
            &["--width -1", "(0, 64]"],
        ),
        train("width-nan", &["--width", "NaN"], &["--width NaN"]),
        train("width-inf", &["--width", "inf"], &["--width inf"]),
        train(
            "epochs-zero",
            &["--epochs", "0"],
            &["--epochs 0", "1..=100000"],
        ),
        train(
            "epochs-huge",
            &["--epochs", "1000000"],
            &["--epochs 1000000", "1..=100000"],
        ),
        train("batch-zero", &["--batch", "0"], &["--batch 0", "2..=8192"]),
        train("batch-one", &["--batch", "1"], &["--batch 1", "2..=8192"]),
        train(
            "batch-huge",
            &["--batch", "100000"],
            &["--batch 100000", "2..=8192"],
        ),
        train("lr-zero", &["--lr", "0"], &["--lr 0"]),
        train("lr-negative", &["--lr=-0.1"], &["--lr -0.1"]),
        train("lr-nan", &["--lr", "nan"], &["--lr NaN"]),
        train("lr-huge", &["--lr", "1e9"], &["--lr 1000000000"]),
        train(
            "latent-init-zero",
            &["--latent-init", "0"],
            &["--latent-init 0"],
        ),
        train(
            "latent-init-nan",
            &["--latent-init", "NaN"],
            &["--latent-init NaN"],
        ),
        train(
            "train-limit-zero",
            &["--train-limit", "0"],
            &["--train-limit 0"],
        ),
        train(
            "train-limit-one",
            &["--train-limit", "1"],
            &["--train-limit 1"],
        ),
        train(
            "grid-bits-one",
            &["--grid-bits", "1", "--grid-step", "0.5"],
            &["bits", "binary grid"],
        ),
        train(
            "grid-bits-alone",
            &["--grid-bits", "4"],
            &["--grid-bits and --grid-step"],
        ),
        train(
            "grid-step-alone",
            &["--grid-step", "0.5"],
            &["--grid-bits and --grid-step"],
        ),
        train(
            "grid-step-negative",
            &["--grid-bits", "4", "--grid-step=-1"],
            &["grid step"],
        ),
        train(
            "grid-step-nan",
            &["--grid-bits", "4", "--grid-step", "NaN"],
            &["grid step"],
        ),
        train(
            "grid-bits-40",
            &["--grid-bits", "40", "--grid-step", "0.5"],
            &["2..=24"],
        ),
        train(
            "net-resnet-57",
            &["--net", "resnet-57"],
            &["resnet-57", "6k+2"],
        ),
        train(
            "net-resnet-depth-huge",
            &["--net", "resnet-200000"],
            &["--net 200000", "8..=2000"],
        ),
        train(
            "net-wrn-k-zero",
            &["--net", "wrn-16-0"],
            &["wrn-16-0", "widening factor"],
        ),
        train(
            "net-wrn-k-huge",
            &["--net", "wrn-14-1000"],
            &["--net 1000", "1..=64"],
        ),
        train(
            "net-unknown",
            &["--net", "alexnet"],
            &["alexnet", "unknown network", "vgg-bc"],
        ),
        train("net-empty", &["--net", ""], &["unknown network"]),
        train(
            "net-depth-not-number",
            &["--net", "resnet-x"],
            &["depth is not a number"],
        ),
        train(
            "method-unknown",
            &["--method", "xnor"],
            &["unknown method", "xnor"],
        ),
        train("method-empty", &["--method", ""], &["unknown method"]),
        train_usage("seed-negative", &["--seed=-1"], &["--seed"]),
        train_usage("epochs-not-number", &["--epochs", "abc"], &["--epochs"]),
        train_usage("epochs-float", &["--epochs", "1.5"], &["--epochs"]),
        train_usage(
            "resume-and-overwrite",
            &["--resume", "--overwrite"],
            &["--overwrite"],
        ),
        train_usage("unknown-flag", &["--bogus"], &["--bogus"]),
        Case::usage(
            "train-missing-data",
            &[
                "train", "--net", "vgg-bc", "--method", "adam", "--out", "{d}/x",
            ],
            &["--data"],
        ),
        Case::usage("no-subcommand", &[], &["Usage"]),
        Case::usage("unknown-subcommand", &["fly"], &["fly"]),
    ];
    // bench
    v.extend([
        Case::err(
            "bench-batch-zero",
            &["bench", "--batch", "0"],
            &["--batch 0", "2..=8192"],
        ),
        Case::err(
            "bench-batch-one",
            &["bench", "--batch", "1"],
            &["--batch 1"],
        ),
        Case::err(
            "bench-steps-zero",
            &["bench", "--steps", "0"],
            &["--steps 0"],
        ),
        Case::err(
            "bench-width-huge",
            &["bench", "--width", "1e9"],
            &["--width 1000000000"],
        ),
        Case::err(
            "bench-method-unknown",
            &["bench", "--methods", "adam,xnor"],
            &["unknown method", "xnor"],
        ),
        Case::err(
            "bench-methods-empty",
            &["bench", "--methods", ""],
            &["unknown method"],
        ),
        Case::err(
            "bench-net-unknown",
            &["bench", "--net", "lenet"],
            &["lenet"],
        ),
    ]);
    // table1
    v.extend([
        Case::err(
            "table1-nets-empty",
            &[
                "table1", "--nets", ",", "--data", "{d}/data", "--out", "{d}/t1", "--epochs", "1",
            ],
            &["--nets is empty"],
        )
        .with(cifar10),
        Case::err(
            "table1-net-unknown",
            &[
                "table1", "--nets", "alexnet", "--data", "{d}/data", "--out", "{d}/t1", "--epochs",
                "1",
            ],
            &["alexnet"],
        )
        .with(cifar10),
        Case::err(
            "table1-epochs-zero",
            &[
                "table1", "--nets", "vgg-bc", "--data", "{d}/data", "--out", "{d}/t1", "--epochs",
                "0",
            ],
            &["--epochs 0"],
        )
        .with(cifar10),
        Case::err(
            "table1-width-huge",
            &[
                "table1", "--nets", "vgg-bc", "--width", "1e9", "--data", "{d}/data", "--out",
                "{d}/t1",
            ],
            &["--width 1000000000"],
        )
        .with(cifar10),
    ]);
    // theory
    v.extend([
        Case::err(
            "theory-quadratic-m-huge",
            &[
                "theory",
                "quadratic",
                "--out",
                "{d}/q",
                "--m",
                "1000000000000",
            ],
            &["--m 1000000000000"],
        ),
        Case::err(
            "theory-quadratic-md-huge",
            &[
                "theory",
                "quadratic",
                "--out",
                "{d}/q",
                "--m",
                "1000000",
                "--d",
                "10000",
            ],
            &["--m × --d", "GB"],
        ),
        Case::err(
            "theory-quadratic-d-zero",
            &["theory", "quadratic", "--out", "{d}/q", "--d", "0"],
            &["--d 0"],
        ),
        Case::err(
            "theory-quadratic-runs-zero",
            &["theory", "quadratic", "--out", "{d}/q", "--runs", "0"],
            &["--runs 0"],
        ),
        Case::err(
            "theory-quadratic-tmax-small",
            &["theory", "quadratic", "--out", "{d}/q", "--t-max", "3"],
            &["t-max"],
        ),
        Case::err(
            "theory-quadratic-delta-negative",
            &["theory", "quadratic", "--out", "{d}/q", "--deltas=-0.25"],
            &["grid step"],
        ),
        Case::err(
            "theory-lemma1-steps-zero",
            &["theory", "lemma1", "--out", "{d}/q", "--steps", "0"],
            &["steps"],
        ),
        Case::err(
            "theory-mixing-eps-big",
            &["theory", "mixing", "--out", "{d}/q", "--eps", "0.7"],
            &["0.7"],
        ),
        Case::err(
            "theory-mixing-eps-nan",
            &["theory", "mixing", "--out", "{d}/q", "--eps", "NaN"],
            &["NaN"],
        ),
    ]);
    v
}

fn data_cases() -> Vec<Case> {
    let truncate = |rel: &'static str, keep: usize| {
        move |d: &Path| {
            cifar10(d);
            let p = d.join("data/cifar-10-batches-bin").join(rel);
            let b = std::fs::read(&p).unwrap();
            std::fs::write(&p, &b[..keep.min(b.len())]).unwrap();
        }
    };
    vec![
        train(
            "data-missing",
            &["--data", "{d}/nothing"],
            &["{d}/nothing", "does not exist"],
        ),
        train("data-empty-dir", &["--data", "{d}/empty"], &["{d}/empty"]).with(|d| {
            std::fs::create_dir_all(d.join("empty")).unwrap();
        }),
        train("data-is-a-file", &["--data", "{d}/f"], &["{d}/f"]).with(|d| {
            std::fs::write(d.join("f"), "x").unwrap();
        }),
        train("data-test-truncated", &[], &["test_batch.bin", "3073"])
            .with(truncate("test_batch.bin", 30000)),
        train("data-train-truncated", &[], &["data_batch_3.bin"])
            .with(truncate("data_batch_3.bin", 3072)),
        train("data-train-empty-file", &[], &["data_batch_1.bin"])
            .with(truncate("data_batch_1.bin", 0)),
        train("data-batch-missing", &[], &["data_batch_4.bin"]).with(|d| {
            cifar10(d);
            std::fs::remove_file(d.join("data/cifar-10-batches-bin/data_batch_4.bin")).unwrap();
        }),
        train("data-label-out-of-range", &[], &["test_batch.bin", "label"]).with(|d| {
            cifar10(d);
            let p = d.join("data/cifar-10-batches-bin/test_batch.bin");
            let mut b = std::fs::read(&p).unwrap();
            b[3073 * 5] = 200;
            std::fs::write(&p, b).unwrap();
        }),
        train("data-batch-is-dir", &[], &["test_batch.bin"]).with(|d| {
            cifar10(d);
            let p = d.join("data/cifar-10-batches-bin/test_batch.bin");
            std::fs::remove_file(&p).unwrap();
            std::fs::create_dir(&p).unwrap();
        }),
        Case::err(
            "stats-data-missing",
            &["data", "stats", "--data", "{d}/none"],
            &["{d}/none"],
        ),
        Case::err(
            "stats-truncated",
            &["data", "stats", "--data", "{d}/data"],
            &["test_batch.bin"],
        )
        .with(truncate("test_batch.bin", 100)),
        Case::usage(
            "data-bench-repeat-zero",
            &["data", "bench", "--data", "{d}/data", "--repeat", "0"],
            &["--repeat"],
        )
        .with(cifar10),
    ]
}

fn run_dir_cases() -> Vec<Case> {
    let other = |edit: fn(&mut TrainConfig)| {
        move |d: &Path| {
            cifar10(d);
            let mut c = base_config();
            edit(&mut c);
            run_dir(d, c);
        }
    };
    let forged = |edit: fn(&mut serde_json::Value, &mut Vec<u8>)| {
        move |d: &Path| {
            cifar10(d);
            forged_run(d, edit);
        }
    };
    let ck = "{d}/run/checkpoint.bin";
    vec![
        train(
            "out-holds-a-run",
            &[],
            &["{d}/run", "already holds a run", "--resume", "--overwrite"],
        )
        .with(other(|_| {})),
        train(
            "out-holds-only-metrics",
            &[],
            &["{d}/run", "metrics.csv", "--overwrite"],
        )
        .with(|d| {
            cifar10(d);
            std::fs::create_dir_all(d.join("run")).unwrap();
            std::fs::write(d.join("run/metrics.csv"), "epoch\n").unwrap();
        }),
        train("out-is-a-file", &[], &["{d}/run", "not a directory"]).with(|d| {
            cifar10(d);
            std::fs::write(d.join("run"), "mine").unwrap();
        }),
        train(
            "resume-out-is-a-file",
            &["--resume"],
            &["{d}/run", "not a directory"],
        )
        .with(|d| {
            cifar10(d);
            std::fs::write(d.join("run"), "mine").unwrap();
        }),
        train("resume-broken-symlink", &["--resume"], &[ck]).with(|d| {
            cifar10(d);
            std::fs::create_dir_all(d.join("run")).unwrap();
            std::fs::write(d.join("run/metrics.csv"), "epoch\n1\n").unwrap();
            std::os::unix::fs::symlink(d.join("gone.bin"), d.join("run/checkpoint.bin")).unwrap();
        }),
        train(
            "no-resume-broken-symlink",
            &[],
            &["{d}/run", "checkpoint.bin", "--overwrite"],
        )
        .with(|d| {
            cifar10(d);
            std::fs::create_dir_all(d.join("run")).unwrap();
            std::os::unix::fs::symlink(d.join("gone.bin"), d.join("run/checkpoint.bin")).unwrap();
        }),
        train(
            "resume-metrics-without-checkpoint",
            &["--resume"],
            &["{d}/run", "no checkpoint.bin", "--overwrite"],
        )
        .with(|d| {
            cifar10(d);
            std::fs::create_dir_all(d.join("run")).unwrap();
            std::fs::write(d.join("run/metrics.csv"), "epoch\n1\n").unwrap();
            std::fs::write(d.join("run/summary.json"), "{}").unwrap();
        }),
        train(
            "resume-checkpoint-is-dir",
            &["--resume"],
            &[ck, "not a regular file"],
        )
        .with(|d| {
            cifar10(d);
            std::fs::create_dir_all(d.join("run/checkpoint.bin")).unwrap();
        }),
        train("resume-garbage", &["--resume"], &[ck, "wrong magic"]).with(|d| {
            cifar10(d);
            std::fs::create_dir_all(d.join("run")).unwrap();
            std::fs::write(d.join("run/checkpoint.bin"), vec![7u8; 4096]).unwrap();
        }),
        train("resume-empty-file", &["--resume"], &[ck, "wrong magic"]).with(|d| {
            cifar10(d);
            std::fs::create_dir_all(d.join("run")).unwrap();
            std::fs::write(d.join("run/checkpoint.bin"), b"").unwrap();
        }),
        train("resume-v1-checkpoint", &["--resume"], &[ck, "version 1"]).with(|d| {
            cifar10(d);
            run_dir(d, base_config());
            let p = d.join("run/checkpoint.bin");
            let mut b = std::fs::read(&p).unwrap();
            b[..8].copy_from_slice(b"QTRCKPT1");
            std::fs::write(&p, b).unwrap();
        }),
        train(
            "resume-foreign-seed",
            &["--resume"],
            &[ck, "another run", "seed: checkpoint 6, flags 5"],
        )
        .with(other(|c| c.seed = 6)),
        train(
            "resume-foreign-net",
            &["--resume"],
            &[ck, "another run", "net"],
        )
        .with(other(|c| {
            c.net = NetSpec::new("resnet-8", 0.125, 10).unwrap()
        })),
        train(
            "resume-foreign-method",
            &["--resume"],
            &[ck, "another run", "method"],
        )
        .with(other(|c| c.method = Method::parse("sr-adam").unwrap())),
        train(
            "resume-foreign-width",
            &["--resume"],
            &[ck, "another run", "net"],
        )
        .with(other(|c| {
            c.net = NetSpec::new("vgg-bc", 0.0625, 10).unwrap()
        })),
        train(
            "resume-foreign-epochs",
            &["--resume"],
            &[ck, "epochs: checkpoint 5, flags 3"],
        )
        .with(other(|c| c.epochs = 5)),
        train(
            "resume-foreign-lr",
            &["--resume"],
            &[ck, "lr: checkpoint 0.1"],
        )
        .with(other(|c| c.lr = 0.1)),
        train(
            "forged-width-1e9",
            &["--resume"],
            &[ck, "config.net.width = 1000000000"],
        )
        .with(forged(|h, _| {
            h["config"]["net"]["width"] = 1e9.into();
        })),
        train(
            "forged-width-negative",
            &["--resume"],
            &[ck, "config.net.width = -1"],
        )
        .with(forged(|h, _| {
            h["config"]["net"]["width"] = (-1.0).into();
        })),
        train(
            "forged-classes-zero",
            &["--resume"],
            &[ck, "config.net.classes = 0"],
        )
        .with(forged(|h, _| {
            h["config"]["net"]["classes"] = 0.into();
        })),
        train(
            "forged-depth-huge",
            &["--resume"],
            &[ck, "config.net.kind.depth = 2000000"],
        )
        .with(forged(|h, _| {
            h["config"]["net"]["kind"] = serde_json::json!({"family": "res_net", "depth": 2000000});
        })),
        train(
            "forged-batch-zero",
            &["--resume"],
            &[ck, "config.batch = 0"],
        )
        .with(forged(|h, _| {
            h["config"]["batch"] = 0.into();
        })),
        train(
            "forged-epochs-done-beyond",
            &["--resume"],
            &[ck, "epochs_done = 9", "config.epochs = 3"],
        )
        .with(forged(|h, _| {
            h["epochs_done"] = 9.into();
        })),
        train(
            "forged-history-mismatch",
            &["--resume"],
            &[ck, "history", "epochs_done = 2"],
        )
        .with(forged(|h, _| {
            h["epochs_done"] = 2.into();
        })),
        train(
            "forged-tensor-2pow62",
            &["--resume"],
            &[ck, "claims 4611686018427387904 values"],
        )
        .with(forged(|h, _| {
            h["tensors"][0][1] = serde_json::json!(1u64 << 62);
        })),
        train("forged-tensor-usize-max", &["--resume"], &[ck, "claims"]).with(forged(|h, _| {
            h["tensors"][0][1] = serde_json::json!(u64::MAX);
        })),
        train(
            "forged-tensor-missing",
            &["--resume"],
            &[ck, "lacks tensor param.conv1.weight"],
        )
        .with(forged(|h, _| {
            h["tensors"][0][0] = "param.other".into();
        })),
        train(
            "forged-tensor-wrong-size",
            &["--resume"],
            &[ck, "param.conv1.weight has"],
        )
        .with(forged(|h, data| {
            let n = h["tensors"][0][1].as_u64().unwrap();
            h["tensors"][0][1] = (n - 1).into();
            data.truncate(data.len() - 4);
        })),
        train(
            "forged-extra-tensor",
            &["--resume"],
            &[ck, "holds tensor zzz"],
        )
        .with(forged(|h, data| {
            h["tensors"]
                .as_array_mut()
                .unwrap()
                .push(serde_json::json!(["zzz", 1]));
            data.extend_from_slice(&1f32.to_le_bytes());
        })),
        train(
            "forged-trailing-bytes",
            &["--resume"],
            &[ck, "bytes after the last tensor"],
        )
        .with(forged(|_, data| {
            data.extend_from_slice(&[0; 12]);
        })),
        train("forged-header-not-json", &["--resume"], &[ck, "header"]).with(|d| {
            cifar10(d);
            run_dir(d, base_config());
            let mut b = MAGIC.to_vec();
            b.extend_from_slice(&5u64.to_le_bytes());
            b.extend_from_slice(b"{oops");
            let sum = fnv1a64(&b);
            b.extend_from_slice(&sum.to_le_bytes());
            std::fs::write(d.join("run/checkpoint.bin"), b).unwrap();
        }),
        train(
            "forged-header-length-huge",
            &["--resume"],
            &[ck, "header length"],
        )
        .with(|d| {
            cifar10(d);
            run_dir(d, base_config());
            let mut b = MAGIC.to_vec();
            b.extend_from_slice(&u64::MAX.to_le_bytes());
            b.extend_from_slice(b"{}");
            let sum = fnv1a64(&b);
            b.extend_from_slice(&sum.to_le_bytes());
            std::fs::write(d.join("run/checkpoint.bin"), b).unwrap();
        }),
    ]
}

/// Seeded damage to a real checkpoint: every flip and every cut must be caught by the checksum.
fn damage_cases() -> Vec<Case> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(15);
    let mut v = Vec::new();
    for i in 0..20 {
        let at: f64 = rng.gen();
        let bit: u8 = 1 << rng.gen_range(0..8);
        v.push(
            train(
                &format!("damage-flip-{i:02}"),
                &["--resume"],
                &["{d}/run/checkpoint.bin", "checksum mismatch"],
            )
            .with(move |d| {
                cifar10(d);
                run_dir(d, base_config());
                let p = d.join("run/checkpoint.bin");
                let mut b = std::fs::read(&p).unwrap();
                // past the magic: a flipped magic is "wrong magic", tested above
                let k = 8 + ((b.len() - 8) as f64 * at) as usize % (b.len() - 8);
                b[k] ^= bit;
                std::fs::write(&p, b).unwrap();
            }),
        );
    }
    for i in 0..10 {
        let keep: f64 = rng.gen_range(0.3..0.9999);
        v.push(
            train(
                &format!("damage-cut-{i:02}"),
                &["--resume"],
                &["{d}/run/checkpoint.bin", "checksum mismatch"],
            )
            .with(move |d| {
                cifar10(d);
                run_dir(d, base_config());
                let p = d.join("run/checkpoint.bin");
                let b = std::fs::read(&p).unwrap();
                std::fs::write(&p, &b[..(b.len() as f64 * keep) as usize]).unwrap();
            }),
        );
    }
    // the same damage through `qtrain export`
    v.push(
        Case::err(
            "export-damaged-checkpoint",
            &["export", "--run", "{d}/run", "--out", "{d}/m"],
            &["{d}/run/checkpoint.bin", "checksum"],
        )
        .with(|d| {
            run_dir(d, base_config());
            let p = d.join("run/checkpoint.bin");
            let mut b = std::fs::read(&p).unwrap();
            let k = b.len() / 2;
            b[k] ^= 0x10;
            std::fs::write(&p, b).unwrap();
        }),
    );
    v
}

fn export_import_cases() -> Vec<Case> {
    let man = "{d}/model/manifest.json";
    let import = |name: &str, has: &[&str]| {
        Case::err(
            name,
            &["import", "--npy", "{d}/model", "--out", "{d}/new"],
            has,
        )
    };
    let manifest = |edit: fn(&mut serde_json::Value)| move |d: &Path| edit_manifest(d, edit);
    let npy_file = |bytes: fn() -> Vec<u8>| {
        move |d: &Path| {
            small_model(d);
            std::fs::write(d.join("model/conv2.weight.npy"), bytes()).unwrap();
        }
    };
    let npy_header = |h: &str| {
        let mut head = format!("{{'descr': {h}, }}").into_bytes();
        while (head.len() + 11) % 64 != 0 {
            head.push(b' ');
        }
        head.push(b'\n');
        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        b.extend_from_slice(&(head.len() as u16).to_le_bytes());
        b.extend_from_slice(&head);
        b
    };
    let hdr_fortran = npy_header("'<f4', 'fortran_order': True, 'shape': (4, 1, 3, 3)");
    let hdr_complex = npy_header("'<c8', 'fortran_order': False, 'shape': (4,)");
    let hdr_huge = npy_header("'<f4', 'fortran_order': False, 'shape': (4611686018427387904, 8)");
    vec![
        Case::err(
            "export-run-missing",
            &["export", "--run", "{d}/nope", "--out", "{d}/m"],
            &["{d}/nope"],
        ),
        Case::err(
            "export-run-garbage",
            &["export", "--run", "{d}/x.bin", "--out", "{d}/m"],
            &["{d}/x.bin", "wrong magic"],
        )
        .with(|d| {
            std::fs::write(d.join("x.bin"), b"not a checkpoint at all").unwrap();
        }),
        Case::err(
            "export-out-not-empty",
            &["export", "--run", "{d}/run", "--out", "{d}/m"],
            &["{d}/m", "--overwrite"],
        )
        .with(|d| {
            run_dir(d, base_config());
            std::fs::create_dir_all(d.join("m")).unwrap();
            std::fs::write(d.join("m/manifest.json"), "precious").unwrap();
        }),
        Case::err(
            "export-out-is-file",
            &["export", "--run", "{d}/run", "--out", "{d}/m"],
            &["{d}/m", "not a directory"],
        )
        .with(|d| {
            run_dir(d, base_config());
            std::fs::write(d.join("m"), "precious").unwrap();
        }),
        Case::err(
            "export-out-under-a-file",
            &["export", "--run", "{d}/run", "--out", "{d}/f/m"],
            &["{d}/f"],
        )
        .with(|d| {
            run_dir(d, base_config());
            std::fs::write(d.join("f"), "precious").unwrap();
        }),
        Case::err(
            "import-npy-missing",
            &[
                "import", "--npy", "{d}/none", "--net", "vgg-bc", "--out", "{d}/new",
            ],
            &["missing tensor", "conv1.weight"],
        ),
        Case::err(
            "import-no-manifest-no-net",
            &["import", "--npy", "{d}/empty", "--out", "{d}/new"],
            &["--net"],
        )
        .with(|d| {
            std::fs::create_dir_all(d.join("empty")).unwrap();
        }),
        Case::err(
            "import-flag-width-huge",
            &[
                "import",
                "--npy",
                "{d}/empty",
                "--net",
                "vgg-bc",
                "--width",
                "1e9",
                "--out",
                "{d}/new",
            ],
            &["--width 1000000000"],
        )
        .with(|d| {
            std::fs::create_dir_all(d.join("empty")).unwrap();
        }),
        Case::err(
            "import-flag-classes-zero",
            &[
                "import",
                "--npy",
                "{d}/empty",
                "--net",
                "vgg-bc",
                "--classes",
                "0",
                "--out",
                "{d}/new",
            ],
            &["--classes 0"],
        )
        .with(|d| {
            std::fs::create_dir_all(d.join("empty")).unwrap();
        }),
        Case::err(
            "import-method-unknown",
            &[
                "import",
                "--npy",
                "{d}/model",
                "--method",
                "xnor",
                "--out",
                "{d}/new",
            ],
            &["unknown method"],
        )
        .with(small_model),
        import("manifest-width-1e9", &[man, "net.width = 1000000000"])
            .with(manifest(|m| m["net"]["width"] = 1e9.into())),
        import("manifest-width-30", &[man, "net.width = 30", "GB"])
            .with(manifest(|m| m["net"]["width"] = 30.0.into())),
        import("manifest-width-negative", &[man, "net.width = -0.5"])
            .with(manifest(|m| m["net"]["width"] = (-0.5).into())),
        import("manifest-width-null", &[man])
            .with(manifest(|m| m["net"]["width"] = serde_json::Value::Null)),
        import("manifest-classes-zero", &[man, "net.classes = 0"])
            .with(manifest(|m| m["net"]["classes"] = 0.into())),
        import("manifest-classes-huge", &[man, "net.classes = 1000000"])
            .with(manifest(|m| m["net"]["classes"] = 1_000_000.into())),
        import("manifest-depth-huge", &[man, "net.kind.depth = 600002"]).with(manifest(|m| {
            m["net"]["kind"] = serde_json::json!({"family": "res_net", "depth": 600002})
        })),
        import("manifest-depth-not-6k2", &[man, "net.kind.depth = 9"]).with(manifest(|m| {
            m["net"]["kind"] = serde_json::json!({"family": "res_net", "depth": 9})
        })),
        import("manifest-wrn-k-huge", &[man, "net.kind.k = 100000"]).with(manifest(|m| {
            m["net"]["kind"] = serde_json::json!({"family": "wrn", "depth": 8, "k": 100000})
        })),
        import("manifest-family-unknown", &[man, "unknown variant"]).with(manifest(|m| {
            m["net"]["kind"] = serde_json::json!({"family": "alexnet"})
        })),
        import("manifest-format-wrong", &[man, "qtrain-model-1"])
            .with(manifest(|m| m["format"] = "qtrain-model-9".into())),
        import("manifest-truncated", &[man, "EOF"]).with(|d| {
            small_model(d);
            let p = d.join("model/manifest.json");
            let t = std::fs::read_to_string(&p).unwrap();
            std::fs::write(&p, &t[..t.len() / 2]).unwrap();
        }),
        import("manifest-is-dir", &["{d}/model/manifest.json"]).with(|d| {
            small_model(d);
            std::fs::remove_file(d.join("model/manifest.json")).unwrap();
            std::fs::create_dir(d.join("model/manifest.json")).unwrap();
        }),
        import("tensor-file-missing", &["missing tensor bn3.gamma"]).with(|d| {
            small_model(d);
            std::fs::remove_file(d.join("model/bn3.gamma.npy")).unwrap();
        }),
        import(
            "tensor-wrong-shape",
            &["{d}/model/conv2.weight.npy", "the network needs"],
        )
        .with(|d| {
            small_model(d);
            npy::write(
                &d.join("model/conv2.weight.npy"),
                &[2, 2],
                &[1.0; 4],
                npy::Dtype::F32,
            )
            .unwrap();
        }),
        import("tensor-nan", &["{d}/model/bn1.gamma.npy", "non-finite"]).with(|d| {
            small_model(d);
            let p = d.join("model/bn1.gamma.npy");
            let (shape, mut v) = npy::read(&p).unwrap();
            v[0] = f32::NAN;
            npy::write(&p, &shape, &v, npy::Dtype::F32).unwrap();
        }),
        import("tensor-inf", &["{d}/model/fc3.bias.npy", "non-finite"]).with(|d| {
            small_model(d);
            let p = d.join("model/fc3.bias.npy");
            let (shape, mut v) = npy::read(&p).unwrap();
            v[1] = f32::INFINITY;
            npy::write(&p, &shape, &v, npy::Dtype::F32).unwrap();
        }),
        import(
            "npy-garbage",
            &["{d}/model/conv2.weight.npy", "not a readable .npy"],
        )
        .with(npy_file(|| b"garbage bytes".to_vec())),
        import(
            "npy-empty",
            &["{d}/model/conv2.weight.npy", "not a readable .npy"],
        )
        .with(npy_file(Vec::new)),
        import(
            "npy-header-truncated",
            &["{d}/model/conv2.weight.npy", "truncated header"],
        )
        .with(npy_file(|| {
            let mut b = b"\x93NUMPY\x01\x00".to_vec();
            b.extend_from_slice(&60000u16.to_le_bytes());
            b.extend_from_slice(b"{'descr'");
            b
        })),
        import(
            "npy-version-9",
            &["{d}/model/conv2.weight.npy", "version 9"],
        )
        .with(npy_file(|| b"\x93NUMPY\x09\x00\x10\x00{}".to_vec())),
        import("npy-fortran", &["{d}/model/conv2.weight.npy", "Fortran"]).with({
            let h = hdr_fortran.clone();
            move |d: &Path| {
                small_model(d);
                let mut b = h.clone();
                b.extend_from_slice(&[0u8; 4 * 36]);
                std::fs::write(d.join("model/conv2.weight.npy"), b).unwrap();
            }
        }),
        import("npy-dtype-complex", &["{d}/model/conv2.weight.npy", "<c8"]).with({
            let h = hdr_complex.clone();
            move |d: &Path| {
                small_model(d);
                let mut b = h.clone();
                b.extend_from_slice(&[0u8; 32]);
                std::fs::write(d.join("model/conv2.weight.npy"), b).unwrap();
            }
        }),
        import(
            "npy-shape-overflow",
            &["{d}/model/conv2.weight.npy", "overflows"],
        )
        .with({
            let h = hdr_huge.clone();
            move |d: &Path| {
                small_model(d);
                std::fs::write(d.join("model/conv2.weight.npy"), h.clone()).unwrap();
            }
        }),
        import(
            "npy-data-short",
            &["{d}/model/conv2.weight.npy", "data bytes"],
        )
        .with(|d| {
            small_model(d);
            let p = d.join("model/conv2.weight.npy");
            let b = std::fs::read(&p).unwrap();
            std::fs::write(&p, &b[..b.len() - 3]).unwrap();
        }),
        import(
            "import-out-holds-a-run",
            &["{d}/new", "already holds a run", "--overwrite"],
        )
        .with(|d| {
            small_model(d);
            std::fs::create_dir_all(d.join("new")).unwrap();
            std::fs::write(d.join("new/checkpoint.bin"), "trained for a week").unwrap();
            std::fs::write(d.join("new/metrics.csv"), "epoch\n1\n").unwrap();
        }),
        import("import-out-holds-metrics", &["{d}/new", "metrics.csv"]).with(|d| {
            small_model(d);
            std::fs::create_dir_all(d.join("new")).unwrap();
            std::fs::write(d.join("new/metrics.csv"), "epoch\n1\n").unwrap();
        }),
        import("import-out-is-file", &["{d}/new", "not a directory"]).with(|d| {
            small_model(d);
            std::fs::write(d.join("new"), "precious").unwrap();
        }),
        Case::err(
            "import-cifar100-into-10-class",
            &[
                "import",
                "--npy",
                "{d}/model",
                "--out",
                "{d}/new",
                "--data",
                "{d}/data100",
            ],
            &["{d}/data100", "100-class", "10 classes"],
        )
        .with(|d| {
            small_model(d);
            cifar100(d);
        }),
        Case::err(
            "import-data-missing",
            &[
                "import",
                "--npy",
                "{d}/model",
                "--out",
                "{d}/new",
                "--data",
                "{d}/nothing",
            ],
            &["{d}/nothing"],
        )
        .with(small_model),
    ]
}

#[test]
fn hostile_inputs_to_qtrain_fail_cleanly_and_touch_nothing() {
    let mut cases = flag_cases();
    cases.extend(data_cases());
    cases.extend(run_dir_cases());
    cases.extend(damage_cases());
    cases.extend(export_import_cases());
    let n = harness::run_corpus(Path::new(env!("CARGO_BIN_EXE_qtrain")), "qtrain", cases);
    assert!(n >= 150, "the qtrain corpus shrank to {n} cases");
}
