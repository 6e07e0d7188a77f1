//! The golden integer training path (`qtrain::train::integer`): deterministic from the seed, its
//! GEMM-speed forward and its update equal job for job to the per-bit golden model, ADAM's step
//! quantised to the update unit's `u_format` with saturation counted, the paper's methods behaving as
//! they must on the binary grid (SR moves weights, R stagnates, BC moves its buffer), and a run
//! stopped at an epoch boundary and resumed giving the metrics of an uninterrupted one.

use qtrain::exact::geometry::ConvLayer;
use qtrain::exact::update::UpdateMode;
use qtrain::fixed::Saturation;
use qtrain::hw::UpdateParams;
use qtrain::train::integer::layout::hwc_batch_to_nchw;
use qtrain::train::integer::{
    quantise_steps, GoldenAccelerator, IntegerConfig, IntegerTrainer, StepRecord,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn layer(c_in: usize, c_out: usize, hw: usize, a_in: u32, pool: bool) -> ConvLayer {
    ConvLayer::planned(c_in, c_out, hw, a_in, 4, pool)
}

fn config(mode: UpdateMode, seed: u64, lr: f32) -> IntegerConfig {
    IntegerConfig {
        convs: vec![layer(3, 8, 8, 8, false), layer(8, 16, 8, 4, true)],
        mode,
        update: UpdateParams::default(),
        fc_hidden: 16,
        classes: 10,
        lr,
        latent_init: 1.0,
        bc_latent: Default::default(),
        seed,
    }
}

/// A batch of `n` random 8×8 RGB images as `(N, C, H, W)` codes, and labels.
fn batch(n: usize) -> (Vec<f32>, Vec<u16>) {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let imgs: Vec<Vec<u32>> = (0..n)
        .map(|_| (0..8 * 8 * 3).map(|_| rng.gen_range(0..256)).collect())
        .collect();
    (
        hwc_batch_to_nchw(&imgs, 3, 64),
        (0..n).map(|i| (i % 10) as u16).collect(),
    )
}

/// Train `steps` steps; the trainer and every step's record.
fn train(cfg: IntegerConfig, steps: usize) -> (IntegerTrainer, Vec<StepRecord>) {
    let (x, y) = batch(4);
    let mut t = IntegerTrainer::new(cfg.clone(), &x).unwrap();
    let recs = (0..steps).map(|_| t.step(&x, &y).unwrap()).collect();
    (t, recs)
}

fn state(t: &IntegerTrainer) -> Vec<(Vec<i64>, Vec<u64>)> {
    t.convs()
        .iter()
        .map(|c| (c.w.clone(), c.packed.clone()))
        .collect()
}

#[test]
fn same_seed_same_run_other_seed_other_run() {
    for mode in [UpdateMode::Sr, UpdateMode::Bc] {
        let (a, ra) = train(config(mode, 7, 0.01), 3);
        let (b, rb) = train(config(mode, 7, 0.01), 3);
        assert_eq!(state(&a), state(&b), "{mode:?}");
        for (x, y) in ra.iter().zip(&rb) {
            assert_eq!(x.loss.to_bits(), y.loss.to_bits());
            assert_eq!((x.flipped, x.changed), (y.flipped, y.changed));
        }
        let (c, _) = train(config(mode, 8, 0.01), 3);
        assert_ne!(state(&a), state(&c), "{mode:?}: the seed must matter");
    }
}

#[test]
fn methods_move_the_weights_as_the_paper_says() {
    let (_, sr) = train(config(UpdateMode::Sr, 3, 0.01), 3);
    assert!(sr.iter().all(|r| r.loss.is_finite()));
    assert!(
        sr.iter().map(|r| r.flipped).sum::<u64>() > 0,
        "SR flips some signs"
    );
    assert!(sr.iter().all(|r| r.flipped == r.changed));
    // R on the binary grid: |u| ≤ 0.125 < Δ/2 = 1, so no weight ever moves (the paper's stagnation).
    let (_, r) = train(config(UpdateMode::R, 3, 0.01), 3);
    assert!(r.iter().all(|r| r.changed == 0 && r.flipped == 0));
    assert!(r.iter().all(|r| r.clip_saturations > 0));
    // BC moves its buffer every step, long before a sign flips from ±1.
    let (t, bc) = train(config(UpdateMode::Bc, 3, 0.01), 2);
    assert!(bc.iter().all(|r| r.changed > 0));
    let one = UpdateParams::default().w_format.one_raw().unwrap();
    assert!(t.convs()[0].w.iter().any(|&w| w.abs() < one));
}

#[test]
fn adam_steps_are_quantised_and_saturated_as_documented() {
    let p = UpdateParams::default(); // u: signed 8 bits, 10 fraction bits: LSB 2^-10, range [-128, 127]
    let lsb = p.u_format.lsb() as f32;
    let mut sat = Saturation::new();
    let u = [
        0.0,
        lsb,
        2.5 * lsb,
        -2.5 * lsb,
        0.49 * lsb,
        126.6 * lsb,
        0.2,
        -0.2,
        f32::INFINITY,
    ];
    let q = quantise_steps(&p, &u, &mut sat).unwrap();
    assert_eq!(q, vec![0, 1, 3, -3, 0, 127, 127, -128, 127]);
    assert_eq!(sat.count, 3);
    assert!(quantise_steps(&p, &[f32::NAN], &mut sat).is_err());
    // In training: lr 0.01 keeps ADAM's first step (|u| ≈ lr) inside the format; lr 1 saturates.
    let (_, ok) = train(config(UpdateMode::Sr, 5, 0.01), 1);
    assert_eq!(ok[0].u_saturations, 0);
    let (_, big) = train(config(UpdateMode::Sr, 5, 1.0), 1);
    assert!(big[0].u_saturations > 0);
}

/// The training path's own forward (GEMM accumulators, folded requantisation, pool) and update are
/// what the per-bit golden model computes: every job of several steps, every method, checked value
/// for value (a difference is a Mismatch error naming step, layer and value).
#[test]
fn the_gemm_path_is_the_per_bit_model_job_for_job() {
    for mode in [UpdateMode::Sr, UpdateMode::Bc, UpdateMode::R] {
        let cfg = config(mode, 11, 0.01);
        let (x, y) = batch(3);
        let mut t = IntegerTrainer::new(cfg.clone(), &x).unwrap();
        let mut per_bit = GoldenAccelerator::new(&cfg.update).unwrap();
        for _ in 0..3 {
            let r = t.step_at(Some(&mut per_bit), &x, &y, 0.01).unwrap();
            assert!(r.outputs_compared > 0 && r.weights_compared > 0, "{mode:?}");
        }
    }
    // and a checked device that differs is caught and named
    struct OffByOne(GoldenAccelerator);
    impl qtrain::train::integer::Accelerator for OffByOne {
        type Error = qtrain::QtrainError;
        fn conv(
            &mut self,
            step: u64,
            layer: usize,
            l: &ConvLayer,
            w: &[u64],
            rq: &qtrain::exact::requant::Requant,
            acts: &[Vec<u32>],
        ) -> qtrain::Result<qtrain::train::integer::ConvRun> {
            let mut r = self.0.conv(step, layer, l, w, rq, acts)?;
            if layer == 1 {
                r.outputs[0][5] ^= 1;
            }
            Ok(r)
        }
        fn update(
            &mut self,
            step: u64,
            layer: usize,
            cmd: &qtrain::exact::update::UpdateCommand,
            w: &[i64],
            u: &[i64],
        ) -> qtrain::Result<qtrain::train::integer::UpdateRun> {
            self.0.update(step, layer, cmd, w, u)
        }
    }
    let cfg = config(UpdateMode::Sr, 11, 0.01);
    let (x, y) = batch(3);
    let mut t = IntegerTrainer::new(cfg.clone(), &x).unwrap();
    let mut bad = OffByOne(GoldenAccelerator::new(&cfg.update).unwrap());
    let e = t
        .step_at(Some(&mut bad), &x, &y, 0.01)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("step 1, conv2 forward output, image 0, y 0, x 0, channel 5"),
        "{e}"
    );
}

fn tiny_cifar(seed: u64) -> qtrain::data::CifarSplits {
    use qtrain::data::{CifarKind, CifarSplits, Dataset, IMAGE_BYTES};
    let ds = |n: usize, s: u64| {
        let mut rng = ChaCha8Rng::seed_from_u64(s);
        let labels: Vec<u16> = (0..n).map(|_| rng.gen_range(0..10)).collect();
        let images = (0..n * IMAGE_BYTES).map(|_| rng.gen::<u8>()).collect();
        Dataset::new(images, labels, None, 10).unwrap()
    };
    CifarSplits {
        kind: CifarKind::Cifar10,
        train: ds(40, seed),
        test: ds(8, seed + 1),
    }
}

/// The metrics that do not depend on the wall clock.
fn deterministic(csv: &str) -> Vec<String> {
    csv.lines()
        .map(|l| l.split(',').take(10).collect::<Vec<_>>().join(","))
        .collect()
}

#[test]
fn a_run_stopped_at_an_epoch_boundary_and_resumed_is_the_uninterrupted_run() {
    use qtrain::train::integer::run::{run, OnchipConfig, OnchipOptions};
    let data = tiny_cifar(5);
    let dir = std::env::temp_dir().join(format!("qtrain-onchip-resume-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for method in ["sr", "bc"] {
        let cfg = OnchipConfig {
            width: 0.03125,
            act_bits: 2,
            method: method.into(),
            update: UpdateParams::default(),
            epochs: 3,
            batch: 8,
            lr: 0.01,
            seed: 4,
            train_limit: Some(24),
            latent_init: 0.25,
            bc_latent: Default::default(),
            data: "memory".into(),
        };
        let quiet = OnchipOptions {
            quiet: true,
            ..OnchipOptions::default()
        };
        let (a, b) = (
            dir.join(format!("{method}-a")),
            dir.join(format!("{method}-b")),
        );
        let sa = run::<GoldenAccelerator>(cfg.clone(), &data, &a, &quiet, None).unwrap();
        assert!(sa.complete && sa.epochs_done == 3);
        let stop = OnchipOptions {
            stop_after_epochs: Some(1),
            ..quiet.clone()
        };
        let s1 = run::<GoldenAccelerator>(cfg.clone(), &data, &b, &stop, None).unwrap();
        assert_eq!(s1.epochs_done, 1);
        // a second fresh start over it is refused; --resume continues it
        assert!(run::<GoldenAccelerator>(cfg.clone(), &data, &b, &quiet, None).is_err());
        let resume = OnchipOptions {
            resume: true,
            ..quiet.clone()
        };
        let sb = run::<GoldenAccelerator>(cfg.clone(), &data, &b, &resume, None).unwrap();
        assert!(sb.complete);
        let read = |d: &std::path::Path| std::fs::read_to_string(d.join("metrics.csv")).unwrap();
        assert_eq!(
            deterministic(&read(&a)),
            deterministic(&read(&b)),
            "{method}"
        );
        assert_eq!(sa.final_test_error, sb.final_test_error);
        assert_eq!(sa.flipped_from_init, sb.flipped_from_init);
        // resuming with another configuration is refused, naming the checkpoint
        let mut other = cfg.clone();
        other.seed = 5;
        let e = run::<GoldenAccelerator>(other, &data, &b, &resume, None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("checkpoint.bin") && e.contains("another run"),
            "{e}"
        );
        // a damaged checkpoint is refused
        let ck = b.join("checkpoint.bin");
        let mut bytes = std::fs::read(&ck).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 1;
        std::fs::write(&ck, bytes).unwrap();
        let mut longer = cfg.clone();
        longer.epochs = 3;
        let e = run::<GoldenAccelerator>(longer, &data, &b, &resume, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("checksum"), "{e}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// BC as the original code ran it, on both paths: the uniform start keeps the seeded signs and
/// spreads the magnitudes over (0, H]; the Glorot scale makes the buffer move faster.
#[test]
fn bc_uniform_start_and_glorot_scale_do_what_they_say() {
    use qtrain::optim::BcLatent;
    let both = BcLatent {
        uniform: true,
        glorot_lr: true,
    };
    // integer path
    let lit = config(UpdateMode::Bc, 3, 0.01);
    let mut orig = lit.clone();
    orig.bc_latent = both;
    let (x, _) = batch(2);
    let a = IntegerTrainer::new(lit.clone(), &x).unwrap();
    let b = IntegerTrainer::new(orig.clone(), &x).unwrap();
    let one = UpdateParams::default().w_format.one_raw().unwrap();
    for (ca, cb) in a.convs().iter().zip(b.convs()) {
        assert_eq!(ca.packed, cb.packed, "same first forward weights");
        assert!(ca.w.iter().all(|w| w.abs() == one));
        assert!(cb.w.iter().all(|w| w.abs() >= 1 && w.abs() <= one));
        let mean = cb.w.iter().map(|w| w.abs() as f64).sum::<f64>() / cb.w.len() as f64;
        assert!((mean / one as f64 - 0.5).abs() < 0.1, "{mean}");
    }
    let moved = |cfg: IntegerConfig| {
        let (t, _) = train(cfg, 3);
        t.convs()
            .iter()
            .flat_map(|c| c.w.iter().map(|w| (one - w.abs()).abs()))
            .sum::<i64>()
    };
    let mut glorot_only = lit.clone();
    glorot_only.bc_latent.glorot_lr = true;
    glorot_only.update.u_format = qtrain::fixed::FixedFormat::signed(8, 6);
    let mut lit_wide = lit.clone();
    lit_wide.update.u_format = qtrain::fixed::FixedFormat::signed(8, 6);
    let (g, l) = (moved(glorot_only), moved(lit_wide));
    assert!(
        g > 4 * l,
        "Glorot-scaled steps move the buffer further: {g} vs {l}"
    );
    // float path
    use qtrain::models::{Net, NetSpec};
    use qtrain::optim::{Method, Optimizer};
    let mut net = Net::<f32>::new(NetSpec::new("vgg-bc", 0.0625, 10).unwrap(), 1);
    let mut opt = Optimizer::new(
        Method::parse("bc-adam").unwrap(),
        qtrain::quant::Grid::Binary,
        1.0,
        net.params(),
    );
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    opt.apply_bc_latent(both, 1.0, net.params(), &mut rng);
    let bufs: Vec<f32> = opt.latent.iter().flatten().flatten().copied().collect();
    assert!(bufs.iter().all(|v| v.abs() > 0.0 && v.abs() <= 1.0));
    assert!(bufs.iter().any(|v| v.abs() < 0.5));
    assert!(opt.lr_scale.iter().any(|&s| s > 10.0));
}
