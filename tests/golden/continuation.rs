//! The pieces of issue 16's iteration-matched experiments: the binary MLP (`mlp-N`), starting a run
//! from another run's checkpoint (`--from`, the lr-invariance probe), the constant lr schedule and the
//! training-set evaluation after each epoch (`--eval-train`).

use std::path::{Path, PathBuf};

use ndarray::{ArrayD, IxDyn};
use qtrain::data::{CifarKind, CifarSplits, Dataset, IMAGE_BYTES};
use qtrain::layers::ParamKind;
use qtrain::models::{Net, NetSpec};
use qtrain::optim::Method;
use qtrain::quant::Grid;
use qtrain::train::schedule::LrSchedule;
use qtrain::train::warm_start::WarmStart;
use qtrain::train::{run, RunOptions, TrainConfig, Trainer};
use rand::{Rng, SeedableRng};

/// 48 training and 12 test images of seeded pixels whose label is learnable from the brightness.
fn tiny() -> CifarSplits {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let mut split = |n: usize| {
        let (mut images, mut labels) = (Vec::new(), Vec::new());
        for _ in 0..n {
            let label: u16 = rng.gen_range(0..10);
            labels.push(label);
            images
                .extend((0..IMAGE_BYTES).map(|_| (label as u32 * 20 + rng.gen_range(0..60)) as u8));
        }
        Dataset::new(images, labels, None, 10).unwrap()
    };
    CifarSplits {
        kind: CifarKind::Cifar10,
        train: split(48),
        test: split(12),
    }
}

fn config(net: &str, width: f64, method: &str, epochs: usize) -> TrainConfig {
    TrainConfig {
        net: NetSpec::new(net, width, 10).unwrap(),
        method: Method::parse(method).unwrap(),
        grid: Grid::Binary,
        bc_stochastic: false,
        epochs,
        batch: 16,
        lr: 0.01,
        seed: 3,
        train_limit: None,
        latent_init: 1.0,
        bc_latent: Default::default(),
        schedule: LrSchedule::Paper,
        from: None,
        eval_train: false,
        data: String::new(),
    }
}

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("qtrain-cont-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn quiet() -> RunOptions {
    RunOptions {
        quiet: true,
        ..Default::default()
    }
}

fn binary(v: &ArrayD<f32>) -> bool {
    v.iter().all(|&x| x == 1.0 || x == -1.0)
}

#[test]
fn mlp_quantizes_its_hidden_to_hidden_layers_only() {
    let spec = NetSpec::new("mlp-3", 0.03125, 10).unwrap(); // 32 hidden units
    let mut net = Net::<f32>::new(spec, 0);
    let kinds: Vec<(String, ParamKind, Vec<usize>)> = net
        .params()
        .iter()
        .filter(|p| p.name.ends_with("weight") && p.name.starts_with("fc"))
        .map(|p| (p.name.clone(), p.kind, p.value.shape().to_vec()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("fc1.weight".into(), ParamKind::LinearWeight, vec![32, 3072]),
            (
                "fc2.weight".into(),
                ParamKind::QuantLinearWeight,
                vec![32, 32]
            ),
            (
                "fc3.weight".into(),
                ParamKind::QuantLinearWeight,
                vec![32, 32]
            ),
            ("fc4.weight".into(), ParamKind::LinearWeight, vec![10, 32]),
        ]
    );
    let y = net.forward(ArrayD::zeros(IxDyn(&[2, 3, 32, 32])), false);
    assert_eq!(y.shape(), &[2, 10]);
    let built: usize = net.params().iter().map(|p| p.value.len()).sum::<usize>()
        + net.buffers().iter().map(|b| b.value.len()).sum::<usize>();
    assert_eq!(spec.storage_count(), built as f64);
    // the names the command line refuses
    let e = NetSpec::new("mlp-1", 1.0, 10).unwrap_err().to_string();
    assert!(e.contains("at least 2 hidden layers"), "{e}");
    let e = NetSpec::new("mlp-x", 1.0, 10).unwrap_err().to_string();
    assert!(e.contains("not a number") && e.contains("mlp-N"), "{e}");

    // SR trains it: the quantized layers stay binary, the full-precision ones do not
    let dir = scratch("mlp");
    let data = tiny();
    let s = run(
        config("mlp-3", 0.03125, "sr-adam", 2),
        &data,
        &dir,
        &quiet(),
    )
    .unwrap();
    assert!(s.complete && s.final_test_error.is_finite());
    let (mut t, _) = Trainer::load(&dir.join("checkpoint.bin")).unwrap();
    for p in t.net.params() {
        match p.kind {
            ParamKind::QuantLinearWeight => assert!(binary(p.value), "{}", p.name),
            ParamKind::LinearWeight => assert!(!binary(p.value), "{}", p.name),
            _ => {}
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn params_of(t: &mut Trainer) -> Vec<Vec<f32>> {
    t.net
        .params()
        .iter()
        .map(|p| p.value.iter().copied().collect())
        .collect()
}

#[test]
fn a_run_from_a_checkpoint_starts_from_its_weights_and_optimizer_state() {
    let dir = scratch("from");
    let data = tiny();
    let src_dir = dir.join("bc");
    run(
        config("vgg-bc", 0.03125, "bc-adam", 2),
        &data,
        &src_dir,
        &quiet(),
    )
    .unwrap();
    let ck = src_dir.join("checkpoint.bin");
    let (mut src, _) = Trainer::load(&ck).unwrap();
    let ws = WarmStart::inspect(&ck).unwrap();
    assert_eq!((ws.method.as_str(), ws.epochs_done), ("bc-adam", 2));

    // BC → BC: weights, buffers, ADAM moments and step, the latent buffer
    let mut bc = Trainer::new(config("vgg-bc", 0.03125, "bc-adam", 1));
    ws.apply(&mut bc).unwrap();
    assert_eq!(params_of(&mut bc), params_of(&mut src));
    assert_eq!(bc.opt.t, src.opt.t);
    assert_eq!(bc.opt.latent, src.opt.latent);
    assert_eq!(bc.opt.adam[0].m, src.opt.adam[0].m);
    assert!(bc
        .opt
        .latent
        .iter()
        .flatten()
        .any(|l| l.iter().any(|&v| v.abs() < 1.0)));

    // BC → SR: the forward weights Qd(w_r) (binary), no latent buffer
    let mut sr = Trainer::new(config("vgg-bc", 0.03125, "sr-adam", 1));
    ws.apply(&mut sr).unwrap();
    assert_eq!(params_of(&mut sr), params_of(&mut src));
    assert!(sr.opt.latent.iter().all(Option::is_none));
    let buffers = |t: &mut Trainer| -> Vec<Vec<f32>> {
        t.net
            .buffers()
            .iter()
            .map(|b| b.value.iter().copied().collect())
            .collect()
    };
    assert_eq!(buffers(&mut sr), buffers(&mut src));

    // SR → BC: the latent buffer starts at the forward weights; SGD → ADAM starts ADAM fresh
    let sgd_dir = dir.join("sr-sgd");
    run(
        config("vgg-bc", 0.03125, "sr-sgd", 1),
        &data,
        &sgd_dir,
        &quiet(),
    )
    .unwrap();
    let ws_sgd = WarmStart::inspect(&sgd_dir.join("checkpoint.bin")).unwrap();
    let mut bc2 = Trainer::new(config("vgg-bc", 0.03125, "bc-adam", 1));
    ws_sgd.apply(&mut bc2).unwrap();
    assert_eq!(bc2.opt.t, 0);
    let p = params_of(&mut bc2);
    for (i, l) in bc2.opt.latent.iter().enumerate() {
        if let Some(l) = l {
            assert_eq!(l, &p[i]);
        }
    }

    // a whole run from the checkpoint, constant lr, with the training set scored after each epoch
    let mut cfg = config("vgg-bc", 0.03125, "sr-adam", 3);
    cfg.schedule = LrSchedule::Constant;
    cfg.eval_train = true;
    cfg.lr = 0.003;
    cfg.from = Some(ws.clone());
    let cont = dir.join("cont");
    run(cfg.clone(), &data, &cont, &quiet()).unwrap();
    let csv = std::fs::read_to_string(cont.join("metrics.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].ends_with(",eval_train_loss,eval_train_error"),
        "{}",
        lines[0]
    );
    assert_eq!(lines.len(), 4);
    for l in &lines[1..] {
        let f: Vec<&str> = l.split(',').collect();
        assert_eq!(f[1], "0.003", "constant lr: {l}");
        let loss: f64 = f[7].parse().unwrap();
        assert!(loss.is_finite() && loss > 0.0, "{l}");
    }
    // a run stopped after one epoch and resumed ends where the uninterrupted one did
    let part = dir.join("part");
    let stop = RunOptions {
        stop_after_epochs: Some(1),
        ..quiet()
    };
    run(cfg.clone(), &data, &part, &stop).unwrap();
    let resume = RunOptions {
        resume: true,
        ..quiet()
    };
    run(cfg.clone(), &data, &part, &resume).unwrap();
    let cols = |d: &Path| -> Vec<String> {
        std::fs::read_to_string(d.join("metrics.csv"))
            .unwrap()
            .lines()
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                [&f[..5], &f[7..]].concat().join(",")
            })
            .collect()
    };
    assert_eq!(cols(&cont), cols(&part));

    // the start is checked: a changed file, or a checkpoint of another network, is refused
    let copy = dir.join("copy.bin");
    std::fs::copy(&ck, &copy).unwrap();
    let ws_copy = WarmStart::inspect(&copy).unwrap();
    std::fs::copy(sgd_dir.join("checkpoint.bin"), &copy).unwrap();
    let e = ws_copy
        .apply(&mut Trainer::new(config("vgg-bc", 0.03125, "sr-adam", 1)))
        .unwrap_err()
        .to_string();
    assert!(e.contains("copy.bin") && e.contains("changed since"), "{e}");
    let e = ws
        .apply(&mut Trainer::new(config("vgg-bc", 0.0625, "sr-adam", 1)))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("config.net") && e.contains("same network"),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The benches scripts that ran the committed iteration-matched results spell the presets' settings
/// as flags (a shell script cannot read `qtrain::train::preset`): this pins them to the presets.
#[test]
fn the_benches_scripts_run_the_presets() {
    use qtrain::train::preset;
    for (script, name) in [
        ("benches/iter_matched.sh", "vgg-20k"),
        ("benches/mlp_matched.sh", "mlp-64k"),
    ] {
        let p = preset::find(name).unwrap();
        let text =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(script)).unwrap();
        let flags = format!(
            "--net {} --width {} --epochs {} --batch {} --lr {}",
            p.net, p.width, p.epochs, p.batch, p.lr
        );
        assert!(
            text.contains(&flags),
            "{script} does not run preset {name} ({flags})"
        );
    }
}
