//! Update unit benches (issue 5): the rust-hdl unit against its golden model
//! `qtrain::exact::update::UpdateUnitModel`, bit for bit, under seeded random input gaps and output
//! back-pressure; a waveform bench that reads its VCD back; the paper's behaviours in hardware; and the
//! Verilog export. Every mismatch message names the first differing update by index.

use qtrain::exact::update::{BeatOut, UpdateCommand, UpdateGrid, UpdateMode, UpdateUnitModel};
use qtrain::fixed::FixedFormat;
use qtrain::hw::UpdateParams;
use qtrain::lfsr::LfsrSpec;
use qtrain_hdl::update::runner::{HwBeat, Traffic};
use qtrain_hdl::update::UpdateRunner;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

type Runner = UpdateRunner<16, 16, 8>;

/// Scoreboard: the first update (beat·L + lane) where hardware and model differ, or a pack/last error.
fn compare(model: &[BeatOut], hw: &[HwBeat]) -> Result<(), String> {
    if model.len() != hw.len() {
        return Err(format!("{} model beats, {} hardware beats", model.len(), hw.len()));
    }
    for (b, (m, h)) in model.iter().zip(hw).enumerate() {
        for (l, o) in m.lanes.iter().enumerate() {
            if o.w != h.w[l] || o.q != h.q[l] {
                return Err(format!(
                    "first mismatch at update {} (beat {b}, lane {l}): model (w {}, q {}), hardware (w {}, q {})",
                    b * m.lanes.len() + l,
                    o.w,
                    o.q,
                    h.w[l],
                    h.q[l]
                ));
            }
        }
        if m.pack != h.pack {
            return Err(format!(
                "beat {b}: packed word model {:x?}, hardware {:x?}",
                m.pack, h.pack
            ));
        }
        if h.last != (b + 1 == hw.len()) {
            return Err(format!("beat {b}: out_last = {}", h.last));
        }
    }
    Ok(())
}

/// A stream of `beats·L` (w, u): half uniformly random over both formats (clipping, ties, every bit
/// pattern), half weights on the grid with small steps (what training sends).
fn stimulus(p: &UpdateParams, beats: usize, grid_step: i64, seed: u64) -> (Vec<i64>, Vec<i64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (wf, uf) = (p.w_format, p.u_format);
    let n = beats * p.lanes;
    let mut w = Vec::with_capacity(n);
    let mut u = Vec::with_capacity(n);
    for i in 0..n {
        if (i / p.lanes) % 2 == 0 {
            w.push(rng.gen_range(wf.min_raw()..=wf.max_raw()));
            u.push(rng.gen_range(uf.min_raw()..=uf.max_raw()));
        } else {
            let k = rng.gen_range(wf.min_raw() / grid_step..=wf.max_raw() / grid_step);
            w.push((k * grid_step).clamp(wf.min_raw(), wf.max_raw()));
            u.push(rng.gen_range(uf.min_raw() / 4..=uf.max_raw() / 4));
        }
    }
    (w, u)
}

/// Run one command + stream on hardware and model; compare everything; return updates checked.
fn check_case<const L: usize, const WB: usize, const UB: usize>(
    r: &mut UpdateRunner<L, WB, UB>,
    m: &mut UpdateUnitModel,
    c: &UpdateCommand,
    beats: usize,
    traffic: &mut Traffic,
    seed: u64,
) -> usize {
    let p = m.params().clone();
    r.command(c.encode(&p).unwrap()).unwrap();
    m.command(c).unwrap();
    let step = 1i64 << c.grid_raw(&p).unwrap().d.min(p.w_format.frac_bits);
    let (w, u) = stimulus(&p, beats, step, seed);
    let (hw, _) = r.stream(&w, &u, traffic).unwrap();
    let mo = m.run(&w, &u).unwrap();
    if let Err(e) = compare(&mo, &hw) {
        panic!("{c:?}: {e}");
    }
    assert_eq!(r.sat_count(), m.saturation().count, "{c:?}: saturation counter");
    w.len()
}

fn grids() -> [UpdateGrid; 4] {
    [
        UpdateGrid::Binary,
        UpdateGrid::Fixed { bits: 2, frac: 0 },  // {-2,-1,0,1}, Δ = 1
        UpdateGrid::Fixed { bits: 8, frac: 6 },  // Δ = 1/64, d = 8
        UpdateGrid::Fixed { bits: 16, frac: 14 }, // the whole format, d = 0
    ]
}

/// ≥ 1/3 of 10⁶ updates per mode (three tests run in parallel), every grid, random gaps/stalls.
fn bit_exact_mode(mode: UpdateMode, seed: u64) {
    let p = UpdateParams::default();
    let mut r = Runner::new(&p).unwrap();
    let mut m = UpdateUnitModel::new(&p).unwrap();
    let mut traffic = Traffic::random(0.25, 0.25, seed);
    let filters = [27u32, 1152, 64, 9];
    let mut n = 0;
    for (i, g) in grids().into_iter().enumerate() {
        let c = UpdateCommand {
            mode,
            grid: g,
            pack: true,
            filter_bits: filters[i],
            // the first case runs from the power-on LFSR state, the others reseed
            reseed: (i > 0).then_some(seed * 31 + i as u64),
            clear_saturation: i % 2 == 0,
        };
        n += check_case(&mut r, &mut m, &c, 5_250, &mut traffic, seed + i as u64);
    }
    assert!(n >= 336_000, "{n} updates");
}

#[test]
fn bit_exact_r_every_grid_under_backpressure() {
    bit_exact_mode(UpdateMode::R, 1);
}

#[test]
fn bit_exact_sr_every_grid_under_backpressure() {
    bit_exact_mode(UpdateMode::Sr, 2);
}

#[test]
fn bit_exact_bc_every_grid_under_backpressure() {
    bit_exact_mode(UpdateMode::Bc, 3);
}

/// A second instance (4 lanes, Q2.10 weights, 6-bit steps, 4 random bits, 16-bit LFSR) stays exact.
#[test]
fn bit_exact_other_configuration() {
    let p = UpdateParams {
        lanes: 4,
        w_format: FixedFormat::signed(12, 10),
        u_format: FixedFormat::signed(6, 9),
        sr_bits: 4,
        lfsr: LfsrSpec::maximal(16).unwrap(),
    };
    let mut r = UpdateRunner::<4, 12, 6>::new(&p).unwrap();
    let mut m = UpdateUnitModel::new(&p).unwrap();
    let mut traffic = Traffic::random(0.4, 0.4, 77);
    for (i, mode) in [UpdateMode::R, UpdateMode::Sr, UpdateMode::Bc].into_iter().enumerate() {
        for (j, g) in [UpdateGrid::Binary, UpdateGrid::Fixed { bits: 4, frac: 3 }]
            .into_iter()
            .enumerate()
        {
            let c = UpdateCommand {
                mode,
                grid: g,
                pack: true,
                filter_bits: 18,
                reseed: Some(100 + i as u64),
                clear_saturation: j == 0,
            };
            check_case(&mut r, &mut m, &c, 1_000, &mut traffic, (10 * i + j) as u64);
        }
    }
}
