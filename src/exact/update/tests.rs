//! Unit tests of the update unit's arithmetic.

use super::*;
use crate::exact::pack::pack_weights;
use crate::fixed::FixedFormat;
use crate::fixed::Saturation;
use crate::hw::UpdateParams;
use crate::quant::{binary_qd_raw, binary_qs_raw, Grid};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn params() -> UpdateParams {
    UpdateParams::default()
}

fn cmd(mode: UpdateMode, grid: UpdateGrid) -> UpdateCommand {
    UpdateCommand {
        mode,
        grid,
        ..Default::default()
    }
}

#[test]
fn binary_grid_matches_the_quantizer_library() {
    let p = params();
    let wf = p.w_format.frac_bits;
    let g = cmd(UpdateMode::R, UpdateGrid::Binary).grid_raw(&p).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let mut sat = Saturation::new();
    for _ in 0..20_000 {
        let w = rng.gen_range(p.w_format.min_raw()..=p.w_format.max_raw());
        let u = rng.gen_range(p.u_format.min_raw()..=p.u_format.max_raw());
        let v = w - align_step(&p, u);
        let one = 1i64 << wf;
        let r = lane_update(&p, UpdateMode::R, &g, w, u, 0, &mut sat);
        assert_eq!(r.q, binary_qd_raw(v) * one, "R w={w} u={u}");
        let draw = rng.gen_range(0..1u64 << p.sr_bits);
        let s = lane_update(&p, UpdateMode::Sr, &g, w, u, draw, &mut sat);
        assert_eq!(s.q, binary_qs_raw(v, wf, draw, p.sr_bits) * one);
        let b = lane_update(&p, UpdateMode::Bc, &g, w, u, 0, &mut sat);
        assert_eq!(b.w, v.clamp(-one, one));
        assert_eq!(b.q, binary_qd_raw(b.w) * one);
    }
}

#[test]
fn fixed_grid_r_matches_float_qd() {
    let p = params();
    let (k, f) = (4u32, 3u32); // Δ = 1/8, range [-1, 7/8]
    let c = cmd(UpdateMode::R, UpdateGrid::Fixed { bits: k, frac: f });
    let g = c.grid_raw(&p).unwrap();
    assert_eq!((g.d, g.lo, g.hi), (11, -(1 << 14), 7 << 11));
    let fg = Grid::k_bit(k, 0.125).unwrap();
    let mut sat = Saturation::new();
    for w in (p.w_format.min_raw()..=p.w_format.max_raw()).step_by(7) {
        for u in [-128i64, -37, -1, 0, 1, 64, 127] {
            let v = w - align_step(&p, u);
            let real = p.w_format.to_f64(v) as f32;
            let r = lane_update(&p, UpdateMode::R, &g, w, u, 0, &mut sat);
            assert_eq!(p.w_format.to_f64(r.q) as f32, fg.qd(real), "w={w} u={u}");
        }
    }
}

#[test]
fn sr_rounds_up_for_exactly_the_dropped_fraction_of_draws() {
    let p = params();
    let g = cmd(UpdateMode::Sr, UpdateGrid::Fixed { bits: 6, frac: 4 })
        .grid_raw(&p)
        .unwrap();
    let mut sat = Saturation::new();
    // d = 10 dropped bits; w = 5 grid steps + 300/1024 of a step.
    let w = (5 << 10) + 300;
    let ups = (0..1u64 << p.sr_bits)
        .filter(|&dr| lane_update(&p, UpdateMode::Sr, &g, w, 0, dr, &mut sat).q == 6 << 10)
        .count();
    assert_eq!(ups as u64, (300u64 << p.sr_bits) >> 10);
    assert_eq!(sat.count, 0);
}

#[test]
fn clipping_counts_saturation() {
    let p = params();
    let g = cmd(UpdateMode::Bc, UpdateGrid::Binary)
        .grid_raw(&p)
        .unwrap();
    let one = 1i64 << p.w_format.frac_bits;
    let mut sat = Saturation::new();
    let o = lane_update(&p, UpdateMode::Bc, &g, one, -1, 0, &mut sat);
    assert_eq!((o.w, o.q, sat.count), (one, one, 1));
    let o = lane_update(&p, UpdateMode::Bc, &g, one, 1, 0, &mut sat);
    assert_eq!((o.w, sat.count), (one - 16, 1));
}

#[test]
fn command_words_round_trip_and_bad_ones_are_refused() {
    let p = params();
    for c in [
        UpdateCommand {
            mode: UpdateMode::Sr,
            grid: UpdateGrid::Fixed { bits: 5, frac: 9 },
            pack: true,
            filter_bits: 1152,
            reseed: Some(0xDEAD_BEEF_0123_4567),
            clear_saturation: true,
        },
        cmd(UpdateMode::Bc, UpdateGrid::Binary),
    ] {
        let words = c.encode(&p).unwrap();
        assert_eq!(UpdateCommand::decode(words, &p).unwrap(), c);
    }
    assert!(cmd(UpdateMode::R, UpdateGrid::Fixed { bits: 4, frac: 15 })
        .encode(&p)
        .is_err());
    assert!(cmd(UpdateMode::R, UpdateGrid::Fixed { bits: 8, frac: 4 })
        .encode(&p)
        .is_err()); // 8 + 10 > 16
    assert!(UpdateCommand::decode([3, 0], &p).is_err());
    assert!(UpdateCommand::decode([1 << 40, 0], &p).is_err());
    let mut c = cmd(UpdateMode::R, UpdateGrid::Binary);
    c.pack = true;
    assert!(c.encode(&p).is_err());
    let narrow = UpdateParams {
        w_format: FixedFormat::signed(8, 7),
        ..params()
    };
    assert!(cmd(UpdateMode::R, UpdateGrid::Binary)
        .grid_raw(&narrow)
        .is_err());
}

#[test]
fn packed_signs_are_the_conv_engines_layout() {
    let p = params();
    for &(c_out, k, c_in) in &[(3usize, 3usize, 3usize), (2, 3, 16), (2, 1, 64), (1, 3, 1)] {
        let n = k * k * c_in;
        let mut rng = ChaCha8Rng::seed_from_u64(n as u64);
        let one = 1i64 << p.w_format.frac_bits;
        let w: Vec<i64> = (0..c_out * n).map(|_| rng.gen_range(-one..=one)).collect();
        let u: Vec<i64> = (0..c_out * n).map(|_| rng.gen_range(-128..=127)).collect();
        let (wp, up) = (
            pad_filters(&w, n, p.lanes, 0).unwrap(),
            pad_filters(&u, n, p.lanes, 0).unwrap(),
        );
        let mut m = UpdateUnitModel::new(&p).unwrap();
        m.command(&UpdateCommand {
            mode: UpdateMode::Bc,
            grid: UpdateGrid::Binary,
            pack: true,
            filter_bits: n as u32,
            ..Default::default()
        })
        .unwrap();
        let out = m.run(&wp, &up).unwrap();
        let words: Vec<u64> = out.iter().filter_map(|b| b.pack).collect();
        let q: Vec<i64> = out
            .iter()
            .flat_map(|b| b.lanes.iter().map(|o| o.q))
            .collect();
        let signs: Vec<i8> = unpad_filters(&q, n, p.lanes)
            .unwrap()
            .iter()
            .map(|&x| if x >= 0 { 1 } else { -1 })
            .collect();
        assert_eq!(
            words,
            pack_weights(&signs, c_out, k, c_in).unwrap(),
            "{c_out}x{k}x{c_in}"
        );
    }
}

#[test]
fn sr_consumes_one_draw_per_lane_per_beat_and_reseed_restarts() {
    let p = params();
    let mut m = UpdateUnitModel::new(&p).unwrap();
    let mut c = cmd(UpdateMode::Sr, UpdateGrid::Binary);
    c.reseed = Some(9);
    m.command(&c).unwrap();
    let zeros = vec![0i64; p.lanes];
    let a = m.run(&zeros.repeat(4), &zeros.repeat(4)).unwrap();
    let mut lf = p.lfsr.lane(9, 3);
    for _ in 0..4 {
        lf.draw(p.sr_bits);
    }
    assert_eq!(m.lane_states()[3], lf.state());
    m.command(&c).unwrap();
    let b = m.run(&zeros.repeat(4), &zeros.repeat(4)).unwrap();
    assert_eq!(a, b);
    assert!(m.beat(&zeros[1..], &zeros).is_err());
    assert!(m.run(&zeros[1..], &zeros[1..]).is_err());
}
