//! The golden integer training path (`qtrain::train::integer`): deterministic from the seed, ADAM's
//! step quantised to the update unit's `u_format` with saturation counted, and the paper's methods
//! behaving as they must on the binary grid (SR moves weights, R stagnates, BC moves its buffer).

use qtrain::exact::geometry::ConvLayer;
use qtrain::exact::update::UpdateMode;
use qtrain::fixed::Saturation;
use qtrain::hw::UpdateParams;
use qtrain::train::integer::{
    quantise_steps, GoldenAccelerator, IntegerConfig, IntegerTrainer, StepRecord,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn layer(c_in: usize, c_out: usize, hw: usize, a_in: u32, pool: bool) -> ConvLayer {
    ConvLayer {
        c_in,
        c_out,
        h: hw,
        w: hw,
        a_in,
        a_out: 4,
        pool,
        sh: 0,
        images: 1,
    }
}

fn config(mode: UpdateMode, seed: u64, lr: f32) -> IntegerConfig {
    IntegerConfig {
        convs: vec![layer(3, 8, 8, 8, false), layer(8, 16, 8, 4, true)],
        mode,
        update: UpdateParams::default(),
        fc_hidden: 16,
        classes: 10,
        lr,
        seed,
    }
}

fn batch(n: usize) -> (Vec<Vec<u32>>, Vec<u16>) {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    (
        (0..n)
            .map(|_| (0..8 * 8 * 3).map(|_| rng.gen_range(0..256)).collect())
            .collect(),
        (0..n).map(|i| (i % 10) as u16).collect(),
    )
}

/// Train `steps` steps; the trainer and every step's record.
fn train(cfg: IntegerConfig, steps: usize) -> (IntegerTrainer, Vec<StepRecord>) {
    let (x, y) = batch(4);
    let mut t = IntegerTrainer::new(cfg.clone(), &x).unwrap();
    let mut acc = GoldenAccelerator::new(&cfg.update).unwrap();
    let recs = (0..steps)
        .map(|_| t.step(&mut acc, &x, &y).unwrap())
        .collect();
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
            assert_eq!(x.conv_outputs, y.conv_outputs);
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
