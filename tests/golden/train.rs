//! Training golden tests: finite-difference checks of every layer and a small network, the methods'
//! update rules on hand-made numbers, the schedule, and end-to-end runs of `qtrain train` (resume
//! equality, NaN detection) on a tiny synthetic CIFAR-format data set.

use ndarray::{ArrayD, IxDyn};
use qtrain::layers::gradcheck::{check_layer, check_layer_sampled, random, rel_error};
use qtrain::layers::*;

fn assert_all_ok(what: &str, errs: &[(String, f64)]) {
    for (name, e) in errs {
        assert!(*e < 1e-4, "{what} {name}: relative error {e:e}");
    }
    assert!(!errs.is_empty());
}

#[test]
fn gradcheck_conv3x3_s1_p1() {
    let mut c = Conv2d::<f64>::new(3, 4, 3, 1, 1);
    c.weight = random(&[4, 3, 3, 3], 1);
    assert_all_ok(
        "conv3x3",
        &check_layer(&mut c, &random(&[2, 3, 5, 6], 2), 3),
    );
}

#[test]
fn gradcheck_conv1x1_s2() {
    let mut c = Conv2d::<f64>::new(3, 5, 1, 2, 0);
    c.weight = random(&[5, 3, 1, 1], 4);
    assert_all_ok(
        "conv1x1s2",
        &check_layer(&mut c, &random(&[3, 3, 6, 6], 5), 6),
    );
}

#[test]
fn gradcheck_conv_more_images_than_a_chunk() {
    let mut c = Conv2d::<f64>::new(2, 3, 3, 1, 1);
    c.weight = random(&[3, 2, 3, 3], 7);
    let n = conv2d::CHUNK + 3;
    assert_all_ok(
        "conv chunks",
        &check_layer(&mut c, &random(&[n, 2, 4, 4], 8), 9),
    );
}

#[test]
fn gradcheck_conv_one_image_per_chunk() {
    // ≥ CHUNK_PIXELS / 2 output pixels: one image per chunk, the banded path (3×3 and 5×5 "same")
    assert_eq!(conv2d::chunk_images(24, 24), 1);
    let mut c = Conv2d::<f64>::new(2, 3, 3, 1, 1);
    c.weight = random(&[3, 2, 3, 3], 60);
    assert_all_ok(
        "conv banded 3x3",
        &check_layer(&mut c, &random(&[2, 2, 24, 24], 61), 62),
    );
    let mut c = Conv2d::<f64>::new(3, 2, 5, 1, 2);
    c.weight = random(&[2, 3, 5, 5], 63);
    assert_all_ok(
        "conv banded 5x5",
        &check_layer_sampled(&mut c, &random(&[2, 3, 24, 23], 64), 65, 400),
    );
}

#[test]
fn gradcheck_batch_norm_2d_and_1d() {
    let mut b = BatchNorm::<f64>::new(3);
    b.gamma = random(&[3], 10);
    b.beta = random(&[3], 11);
    assert_all_ok("bn2d", &check_layer(&mut b, &random(&[4, 3, 3, 3], 12), 13));
    let mut b = BatchNorm::<f64>::new(5);
    b.gamma = random(&[5], 14);
    assert_all_ok("bn1d", &check_layer(&mut b, &random(&[6, 5], 15), 16));
}

#[test]
fn batch_norm_running_stats_follow_pytorch() {
    let mut b = BatchNorm::<f64>::new(1);
    let x = ArrayD::from_shape_vec(IxDyn(&[4, 1]), vec![1.0, 2.0, 3.0, 6.0]).unwrap();
    let y = b.forward(x.clone(), true);
    // mean 3, biased var 3.5, unbiased 14/3
    assert!((b.running_mean[0] - 0.3).abs() < 1e-12);
    assert!((b.running_var[0] - (0.9 + 0.1 * 14.0 / 3.0)).abs() < 1e-12);
    assert!((y[[3, 0]] - 3.0 / (3.5f64 + 1e-5).sqrt()).abs() < 1e-12);
    let e = b.forward(x, false);
    let want = (6.0 - 0.3) / (b.running_var[0] + 1e-5).sqrt();
    assert!((e[[3, 0]] - want).abs() < 1e-12);
}

#[test]
fn gradcheck_relu_pools_linear_flatten() {
    assert_all_ok(
        "relu",
        &check_layer(&mut Relu::<f64>::new(), &random(&[2, 3, 4], 20), 21),
    );
    assert_all_ok(
        "maxpool",
        &check_layer(&mut MaxPool2::new(), &random(&[2, 3, 4, 6], 22), 23),
    );
    assert_all_ok(
        "gap",
        &check_layer(&mut GlobalAvgPool::new(), &random(&[2, 3, 4, 2], 24), 25),
    );
    assert_all_ok(
        "flatten",
        &check_layer(&mut Flatten::new(), &random(&[2, 3, 2, 2], 26), 27),
    );
    let mut l = Linear::<f64>::new(7, 4, true);
    l.weight = random(&[4, 7], 28);
    l.bias = Some((random(&[4], 29), ArrayD::zeros(IxDyn(&[4]))));
    assert_all_ok("linear", &check_layer(&mut l, &random(&[3, 7], 30), 31));
    let mut l = Linear::<f64>::new(5, 2, false);
    l.weight = random(&[2, 5], 32);
    assert_all_ok(
        "linear-nobias",
        &check_layer(&mut l, &random(&[3, 5], 33), 34),
    );
}

#[test]
fn gradcheck_softmax_cross_entropy() {
    let z = random(&[4, 5], 40) * 3.0;
    let labels = [0u16, 4, 2, 2];
    let (_, g, _) = softmax_cross_entropy(&z, &labels);
    let h = 1e-6;
    let mut num = ArrayD::zeros(z.raw_dim());
    for i in 0..z.len() {
        let mut zp = z.clone();
        zp.as_slice_mut().unwrap()[i] += h;
        let mut zm = z.clone();
        zm.as_slice_mut().unwrap()[i] -= h;
        let lp = softmax_cross_entropy(&zp, &labels).0;
        let lm = softmax_cross_entropy(&zm, &labels).0;
        num.as_slice_mut().unwrap()[i] = (lp - lm) / (2.0 * h);
    }
    assert!(rel_error(&g, &num) < 1e-4);
    // a uniform prediction costs ln(classes)
    let (l, _, _) = softmax_cross_entropy(&ArrayD::<f64>::zeros(IxDyn(&[2, 10])), &[3, 7]);
    assert!((l - 10f64.ln()).abs() < 1e-12);
}

use qtrain::models::{Net, NetSpec};

/// γ, β away from 1, 0: with β = 0, ReLU and the next BN cancel γ's scale and its gradient is ~0.
fn randomise_bn(net: &mut Net<f64>, seed: u64) {
    for (i, p) in net.params().into_iter().enumerate() {
        if matches!(p.kind, ParamKind::BnGamma | ParamKind::BnBeta) {
            *p.value = random(p.value.shape(), seed + i as u64) + 0.5;
        }
    }
}

#[test]
fn gradcheck_whole_tiny_vgg_bc() {
    let spec = NetSpec::new("vgg-bc", 1.0 / 128.0, 10).unwrap();
    let mut net = Net::<f64>::new(spec, 5);
    randomise_bn(&mut net, 54);
    assert_all_ok(
        "vgg-bc",
        &check_layer_sampled(&mut net, &random(&[3, 3, 32, 32], 50), 51, 40),
    );
}

#[test]
fn gradcheck_whole_tiny_resnet_with_shortcuts() {
    let spec = NetSpec::new("resnet-8", 1.0 / 8.0, 10).unwrap();
    let mut net = Net::<f64>::new(spec, 6);
    randomise_bn(&mut net, 55);
    let names: Vec<String> = net.params().into_iter().map(|p| p.name).collect();
    assert!(
        names
            .iter()
            .any(|n| n == "stage2.block0.shortcut.conv.weight"),
        "{names:?}"
    );
    assert_all_ok(
        "resnet-8",
        &check_layer(&mut net, &random(&[3, 3, 8, 8], 52), 53),
    );
}

#[test]
fn gradients_do_not_depend_on_the_thread_count() {
    // one f32 training forward/backward of VGG-BC (width 0.25: every conv path, chunks of 1, 4 and
    // 8 images) on 1, 2 and 3 rayon threads: every parameter gradient bit-identical
    let spec = NetSpec::new("vgg-bc", 0.25, 10).unwrap();
    let x = random(&[20, 3, 32, 32], 90).mapv(|v| v as f32);
    let labels: Vec<u16> = (0..20).map(|i| (i * 7 % 10) as u16).collect();
    let grads = |threads: usize| -> Vec<Vec<u32>> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut net = Net::<f32>::new(spec, 3);
            let logits = net.forward(x.clone(), true);
            let (_, d, _) = softmax_cross_entropy(&logits, &labels);
            net.backward_params(d);
            net.params()
                .iter()
                .map(|p| p.grad.iter().map(|v| v.to_bits()).collect())
                .collect()
        })
    };
    let one = grads(1);
    assert_eq!(one, grads(2));
    assert_eq!(one, grads(3));
}

#[test]
fn network_shapes_and_sizes() {
    // full VGG-BC: 4.6 M conv weights (DESIGN.md), logits (N, 10)
    let mut net = Net::<f32>::new(NetSpec::new("vgg-bc", 1.0, 10).unwrap(), 0);
    let conv: usize = net
        .params()
        .iter()
        .filter(|p| p.kind == ParamKind::ConvWeight)
        .map(|p| p.value.len())
        .sum();
    assert_eq!(
        conv,
        3 * 128 * 9 + 128 * 128 * 9 + 128 * 256 * 9 + 256 * 256 * 9 + 256 * 512 * 9 + 512 * 512 * 9
    );
    let mut r56 = Net::<f32>::new(NetSpec::new("resnet-56", 1.0, 100).unwrap(), 0);
    let n = r56.num_params();
    assert!(
        (850_000..870_000).contains(&n),
        "resnet-56 has {n} parameters"
    ); // ≈0.86 M
    let y = r56.forward(ArrayD::zeros(IxDyn(&[2, 3, 32, 32])), false);
    assert_eq!(y.shape(), &[2, 100]);
    let mut w = Net::<f32>::new(NetSpec::new("wrn-56-2", 0.25, 10).unwrap(), 0);
    assert_eq!(w.params()[0].value.shape(), &[8, 3, 3, 3]); // 16·2·0.25
}

// ---------- methods on hand-made numbers ----------

use qtrain::optim::{Method, Optimizer};
use qtrain::quant::Grid;
use qtrain::train::schedule::{lr_at, milestones};

/// One conv-weight tensor with values `w` and gradient `g`; returns the optimizer after `Optimizer::new`.
fn one_step(
    method: &str,
    grid: Grid,
    latent_init: f32,
    w: &mut ArrayD<f32>,
    g: &mut ArrayD<f32>,
    lr: f32,
) -> Optimizer {
    let m = Method::parse(method).unwrap();
    fn mk<'a>(w: &'a mut ArrayD<f32>, g: &'a mut ArrayD<f32>) -> Vec<Param<'a, f32>> {
        vec![Param {
            name: "c".into(),
            kind: ParamKind::ConvWeight,
            value: w,
            grad: g,
        }]
    }
    let mut opt = Optimizer::new(m, grid, latent_init, mk(w, g));
    opt.step(mk(w, g), lr);
    opt
}

fn arr(v: &[f32]) -> ArrayD<f32> {
    ArrayD::from_shape_vec(IxDyn(&[v.len()]), v.to_vec()).unwrap()
}

#[test]
fn r_sgd_stagnates_when_the_step_is_below_half_a_grid_step() {
    // binary: w_b = +1, u = lr·g; Qd(1 − u) stays +1 unless u > 1
    let mut w = arr(&[1.0, 1.0, 1.0, -1.0]);
    let mut g = arr(&[5.0, 9.99, 10.01, -3.0]);
    one_step("r-sgd", Grid::Binary, 1.0, &mut w, &mut g, 0.1);
    assert_eq!(w.as_slice().unwrap(), &[1.0, 1.0, -1.0, -1.0]);
    // k-bit grid Δ = 0.25: |u| < Δ/2 never moves a weight, |u| ≥ Δ/2 moves it one step
    let grid = Grid::k_bit(4, 0.25).unwrap();
    let mut g = arr(&[1.2, 1.3, -1.3]); // u = 0.12 stays, u = ±0.13 moves one step
                                        // Optimizer::new sets w_b = Qd(s·latent_init): pass s = 1, latent_init = 0.5
    let mut w1 = arr(&[1.0, 1.0, 1.0]);
    one_step("r-sgd", grid, 0.5, &mut w1, &mut g, 0.1);
    assert_eq!(w1.as_slice().unwrap(), &[0.5, 0.25, 0.75]);
}

#[test]
fn sr_sgd_rounds_up_with_the_papers_probability() {
    // binary: from +1 with u = 0.5: P(+1) = (clip(0.5) + 1)/2 = 0.75
    let n = 40_000;
    let mut w = ArrayD::from_elem(IxDyn(&[n]), 1.0f32);
    let mut g = ArrayD::from_elem(IxDyn(&[n]), 5.0f32);
    one_step("sr-sgd", Grid::Binary, 1.0, &mut w, &mut g, 0.1);
    assert!(w.iter().all(|&v| v == 1.0 || v == -1.0));
    let p = w.iter().filter(|&&v| v == 1.0).count() as f64 / n as f64;
    let sigma = (0.75f64 * 0.25 / n as f64).sqrt();
    assert!((p - 0.75).abs() < 4.0 * sigma, "P(+1) = {p}");
    // a step past −1 always gives −1; no step keeps +1
    let mut w = arr(&[1.0, 1.0]);
    let mut g = arr(&[30.0, 0.0]);
    one_step("sr-sgd", Grid::Binary, 1.0, &mut w, &mut g, 0.1);
    assert_eq!(w.as_slice().unwrap(), &[-1.0, 1.0]);
}

#[test]
fn bc_clips_the_buffer_and_forwards_its_sign() {
    // latent_init 0.1: w_r = ±0.1, forward sign
    let mut w = arr(&[1.0, 1.0, -1.0, 1.0]);
    let mut g = arr(&[0.5, 2.0, -30.0, -30.0]);
    let opt = one_step("bc-sgd", Grid::Binary, 0.1, &mut w, &mut g, 0.1);
    let wr = opt.latent[0].as_ref().unwrap();
    // 0.1 − 0.05 = 0.05 → +1; 0.1 − 0.2 = −0.1 → −1; −0.1 + 3 → clip 1; 0.1 + 3 → clip 1
    let want = [0.05f32, -0.1, 1.0, 1.0];
    for (a, b) in wr.iter().zip(want) {
        assert!((a - b).abs() < 1e-6, "{wr:?}");
    }
    assert_eq!(w.as_slice().unwrap(), &[1.0, -1.0, 1.0, 1.0]);
}

#[test]
fn adam_first_step_is_lr_times_sign_and_full_precision_moves_freely() {
    let mut w = arr(&[1.0, 1.0, 1.0]);
    let mut g = arr(&[1e-3, -4.0, 0.0]);
    one_step("adam", Grid::Binary, 1.0, &mut w, &mut g, 0.01);
    let s = w.as_slice().unwrap();
    assert!(
        (s[0] - 0.99).abs() < 1e-5 && (s[1] - 1.01).abs() < 1e-5 && s[2] == 1.0,
        "{s:?}"
    );
    // R-ADAM from ±1 with lr 0.01: |u| ≈ 0.01 < 1, no binary weight ever changes
    let mut w = arr(&[1.0, -1.0]);
    let mut g = arr(&[100.0, -100.0]);
    one_step("r-adam", Grid::Binary, 1.0, &mut w, &mut g, 0.01);
    assert_eq!(w.as_slice().unwrap(), &[1.0, -1.0]);
}

#[test]
fn schedule_milestones_scale_with_epochs() {
    assert_eq!(milestones(160), (82, 122));
    assert_eq!(milestones(4), (2, 3));
    assert_eq!(lr_at(0.01, 81, 160), 0.01);
    assert_eq!(lr_at(0.01, 82, 160), 0.001);
    assert_eq!(lr_at(0.01, 121, 160), 0.001);
    assert!((lr_at(0.01, 122, 160) - 1e-4).abs() < 1e-12);
    assert_eq!(lr_at(0.01, 1, 4), 0.01);
    assert_eq!(lr_at(0.01, 2, 4), 0.001);
    assert!((lr_at(0.01, 3, 4) - 1e-4).abs() < 1e-12);
}

// ---------- end to end through the binary ----------

use std::path::{Path, PathBuf};
use std::process::Command;

/// A tiny CIFAR-10 data set written with `qtrain::data::write_cifar`: 60 training and 12 test images of
/// seeded random pixels whose label is learnable from the brightness.
fn tiny_cifar(tag: &str) -> PathBuf {
    use qtrain::data::{write_cifar, CifarKind, CifarSplits, Dataset, IMAGE_BYTES};
    use rand::{Rng, SeedableRng};
    let dir = std::env::temp_dir().join(format!("qtrain-train-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(99);
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
    let splits = CifarSplits {
        kind: CifarKind::Cifar10,
        train: split(60),
        test: split(12),
    };
    write_cifar(&dir, &splits).unwrap();
    dir
}

fn qtrain(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_qtrain"))
        .args(args)
        .output()
        .unwrap()
}

fn train_args<'a>(data: &'a str, out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "train", "--net", "vgg-bc", "--width", "0.03125", "--method", "bc-adam", "--epochs", "3",
        "--batch", "16", "--seed", "5", "--data", data, "--out", out, "--quiet",
    ];
    v.extend_from_slice(extra);
    v
}

fn summary(out: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap()
}

fn loss_column(out: &Path) -> Vec<String> {
    std::fs::read_to_string(out.join("metrics.csv"))
        .unwrap()
        .lines()
        .map(|l| l.split(',').take(5).collect::<Vec<_>>().join(","))
        .collect()
}

#[test]
fn resume_after_a_stop_equals_an_uninterrupted_run() {
    let data = tiny_cifar("resume");
    let d = data.to_str().unwrap();
    let (a, b) = (data.join("a"), data.join("b"));
    let (sa, sb) = (a.to_str().unwrap(), b.to_str().unwrap());
    let o = qtrain(&train_args(d, sa, &[]));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = qtrain(&train_args(d, sb, &["--stop-after-epochs", "1"]));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(summary(&b)["epochs_done"], 1);
    let o = qtrain(&train_args(d, sb, &["--resume"]));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (ja, jb) = (summary(&a), summary(&b));
    assert_eq!(ja["epochs_done"], 3);
    assert_eq!(ja["final_test_error"], jb["final_test_error"]);
    assert_eq!(ja["best_test_error"], jb["best_test_error"]);
    assert_eq!(loss_column(&a), loss_column(&b)); // epoch, lr, loss, train and test error identical
    assert_eq!(loss_column(&a).len(), 4);
    // resuming with different settings is refused
    let o = qtrain(&train_args(d, sb, &["--resume", "--lr", "0.1"]));
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("checkpoint"));
    // export → import round trip keeps every tensor
    let exp = data.join("export");
    let o = qtrain(&["export", "--run", sa, "--out", exp.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (mut t, _) = qtrain::train::Trainer::load(&a.join("checkpoint.bin")).unwrap();
    let mut net = Net::<f32>::new(t.config.net, 123);
    qtrain::train::export::import(&mut net, &exp).unwrap();
    for (p, q) in t.net.params().into_iter().zip(net.params()) {
        assert_eq!(p.value, q.value, "{}", p.name);
    }
    for (p, q) in t.net.buffers().into_iter().zip(net.buffers()) {
        assert_eq!(p.value, q.value, "{}", p.name);
    }
    let conv = qtrain::train::npy::read(&exp.join("conv1.weight.npy")).unwrap();
    assert!(conv.1.iter().all(|&v| v == 1.0 || v == -1.0));
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn nan_loss_stops_with_epoch_and_batch_and_keeps_the_checkpoint() {
    let data = tiny_cifar("nan");
    let d = data.to_str().unwrap();
    let out = data.join("run");
    let o = qtrain(&train_args(
        d,
        out.to_str().unwrap(),
        &["--inject-nan", "2:3"],
    ));
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("epoch 2, batch 3 of 4") && err.contains("last good checkpoint (1 epochs)"),
        "{err}"
    );
    let (h, _) = qtrain::train::checkpoint::load(&out.join("checkpoint.bin")).unwrap();
    assert_eq!(h.epochs_done, 1);
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn bad_user_input_gives_clear_errors() {
    let data = tiny_cifar("bad");
    let d = data.to_str().unwrap();
    let out = data.join("x");
    let mut a = train_args(d, out.to_str().unwrap(), &[]);
    a[2] = "resnet-57";
    let o = qtrain(&a);
    assert!(String::from_utf8_lossy(&o.stderr).contains("6k+2"));
    let mut a = train_args(d, out.to_str().unwrap(), &[]);
    a[6] = "xnor";
    let o = qtrain(&a);
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown method"));
    let bad = data.join("bad.npy");
    std::fs::write(&bad, b"\x93NUMPY\x01\x00\x10\x00{'descr': '<c8'}").unwrap();
    let e = qtrain::train::npy::read(&bad).unwrap_err().to_string();
    assert!(e.contains("not a readable .npy"), "{e}");
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn kill_9_at_random_moments_always_resumes_bit_identically() {
    use rand::{Rng, SeedableRng};
    use std::process::Stdio;
    use std::time::Duration;
    let data = tiny_cifar("kill9");
    let d = data.to_str().unwrap();
    let (a, b) = (data.join("a"), data.join("b"));
    let (sa, sb) = (a.to_str().unwrap(), b.to_str().unwrap());
    let long = |out: &str| -> Vec<String> {
        let mut v: Vec<String> = train_args(d, out, &[])
            .iter()
            .map(|s| s.to_string())
            .collect();
        let e = v.iter().position(|s| s == "--epochs").unwrap();
        v[e + 1] = "40".into();
        v
    };
    let t0 = std::time::Instant::now();
    let o = Command::new(env!("CARGO_BIN_EXE_qtrain"))
        .args(long(sa))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // ten SIGKILLs at seeded random moments, each followed by a --resume of whatever was left;
    // each attempt lives at most 1/15 of the uninterrupted run's wall time, so ten of them cannot
    // finish it however fast this machine is
    let max_ms = (t0.elapsed().as_millis() as u64 / 15).max(6);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2026);
    let mut kills = 0;
    let mut finished = false;
    while kills < 10 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_qtrain"))
            .args(long(sb))
            .arg("--resume")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(rng.gen_range(5..max_ms)));
        if child.try_wait().unwrap().is_some() {
            finished = true;
            break;
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        kills += 1;
        if b.join("checkpoint.bin").exists() {
            // never torn: whatever the kill left loads and passes its checksum
            qtrain::train::checkpoint::load(&b.join("checkpoint.bin")).unwrap();
        }
    }
    assert!(
        !finished,
        "the run finished before 10 kills: make it longer"
    );
    let o = Command::new(env!("CARGO_BIN_EXE_qtrain"))
        .args(long(sb))
        .arg("--resume")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(loss_column(&a), loss_column(&b));
    assert_eq!(loss_column(&a).len(), 41);
    let (ha, ta) = qtrain::train::checkpoint::load(&a.join("checkpoint.bin")).unwrap();
    let (hb, tb) = qtrain::train::checkpoint::load(&b.join("checkpoint.bin")).unwrap();
    assert_eq!((ha.epochs_done, ha.step), (hb.epochs_done, hb.step));
    assert_eq!(ta.len(), tb.len());
    for ((na, va), (nb, vb)) in ta.iter().zip(&tb) {
        assert_eq!(na, nb);
        let same = va.iter().zip(vb).all(|(x, y)| x.to_bits() == y.to_bits());
        assert!(same, "tensor {na} differs after {kills} kills");
    }
    let _ = std::fs::remove_dir_all(&data);
}
