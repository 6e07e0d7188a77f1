//! Update unit benches (issue 5): the rust-hdl unit against its golden model
//! `qtrain::exact::update::UpdateUnitModel`, bit for bit, under seeded random input gaps and output
//! back-pressure; a waveform bench that reads its VCD back; the paper's behaviours in hardware; and the
//! Verilog export. Every mismatch message names the first differing update by index.

use qtrain::exact::update::{BeatOut, UpdateCommand, UpdateGrid, UpdateMode, UpdateUnitModel};
use qtrain::fixed::FixedFormat;
use qtrain::hw::UpdateParams;
use qtrain::lfsr::LfsrSpec;
use qtrain_hdl::testbench::{TbPort, Testbench};
use qtrain_hdl::tools::require;
use qtrain_hdl::update::runner::{HwBeat, Traffic};
use qtrain_hdl::update::UpdateRunner;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

type Runner = UpdateRunner<16, 16, 8>;

/// Scoreboard: the first update (beat·L + lane) where hardware and model differ, or a pack/last error.
fn compare(model: &[BeatOut], hw: &[HwBeat]) -> Result<(), String> {
    if model.len() != hw.len() {
        return Err(format!(
            "{} model beats, {} hardware beats",
            model.len(),
            hw.len()
        ));
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
    assert_eq!(
        r.sat_count(),
        m.saturation().count,
        "{c:?}: saturation counter"
    );
    w.len()
}

fn grids() -> [UpdateGrid; 4] {
    [
        UpdateGrid::Binary,
        UpdateGrid::Fixed { bits: 2, frac: 0 }, // {-2,-1,0,1}, Δ = 1
        UpdateGrid::Fixed { bits: 8, frac: 6 }, // Δ = 1/64, d = 8
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
    for (i, mode) in [UpdateMode::R, UpdateMode::Sr, UpdateMode::Bc]
        .into_iter()
        .enumerate()
    {
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

/// Signal values read back from a VCD written by the runner; names are paths below the top scope
/// `uut` ([`qtrain_hdl::vcd::Wave::cycles`]: the clock-low sample of every cycle, what the rising
/// edge sees).
fn read_vcd(path: &std::path::Path, names: &[&str]) -> qtrain_hdl::vcd::Wave {
    qtrain_hdl::vcd::read(path, names).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Waveform bench: writes target/tmp/update_unit_*.vcd, reads it back, checks the handshake rules,
/// throughput (one beat = L words per cycle without back-pressure) and latency (3 cycles).
#[test]
fn waveform_handshakes_throughput_latency() {
    let p = UpdateParams::default();
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let names = [
        "in_valid",
        "in_ready",
        "out_valid",
        "out_ready",
        "out_last",
        "pack_valid",
        "sat_count",
        "lane$0.w_out",
        "lane$15.q_out",
    ];
    for (tag, traffic) in [
        ("full_speed", Traffic::full_speed()),
        ("backpressure", Traffic::random(0.3, 0.4, 99)),
    ] {
        let mut traffic = traffic;
        let mut r = Runner::new(&p).unwrap();
        let mut m = UpdateUnitModel::new(&p).unwrap();
        let c = UpdateCommand {
            mode: UpdateMode::Sr,
            grid: UpdateGrid::Binary,
            pack: true,
            filter_bits: 64,
            ..Default::default()
        };
        r.command(c.encode(&p).unwrap()).unwrap();
        m.command(&c).unwrap();
        let beats = 64;
        let (w, u) = stimulus(&p, beats, 1 << 14, 5);
        let path = dir.join(format!("update_unit_{tag}.vcd"));
        r.trace_to(&path).unwrap();
        let (hw, log) = r.stream(&w, &u, &mut traffic).unwrap();
        r.idle(2).unwrap();
        r.finish_trace();
        compare(&m.run(&w, &u).unwrap(), &hw).unwrap();
        let wave = read_vcd(&path, &names);
        // Handshakes seen in the waveform are exactly the ones the host counted.
        let ins = wave.transfers("in_valid", "in_ready");
        let outs = wave.transfers("out_valid", "out_ready");
        assert_eq!(ins, log.in_cycles, "{tag}: input handshakes");
        assert_eq!(outs, log.out_cycles, "{tag}: output handshakes");
        assert_eq!((ins.len(), outs.len()), (beats, beats), "{tag}");
        // AXI-Stream rule: a stalled output beat stays valid and unchanged until taken.
        let (ov, or) = (wave.col("out_valid"), wave.col("out_ready"));
        let data = [
            wave.col("out_last"),
            wave.col("pack_valid"),
            wave.col("lane$0.w_out"),
            wave.col("lane$15.q_out"),
        ];
        let mut stalls = 0;
        let rows = wave.cycles();
        for pair in rows.windows(2) {
            let (a, b) = (&pair[0].1, &pair[1].1);
            if a[ov] == 1 && a[or] == 0 {
                stalls += 1;
                assert_eq!(
                    b[ov], 1,
                    "{tag}: out_valid dropped without a transfer at cycle {}",
                    pair[0].0
                );
                for &d in &data {
                    assert_eq!(a[d], b[d], "{tag}: {} changed while stalled", wave.names[d]);
                }
            }
        }
        // Latency: with no stall between, every beat leaves 3 cycles after it entered.
        if tag == "full_speed" {
            assert_eq!(stalls, 0);
            for (i, o) in ins.iter().zip(&outs) {
                assert_eq!(o - i, 3, "full_speed: latency");
            }
            // Throughput: 64 beats in 64 consecutive cycles = 16 words per cycle.
            assert_eq!(outs.last().unwrap() - outs[0] + 1, beats as u64);
            assert_eq!(ins.last().unwrap() - ins[0] + 1, beats as u64);
        } else {
            assert!(stalls > 10, "the back-pressure run must stall ({stalls})");
            for (i, o) in ins.iter().zip(&outs) {
                assert!(
                    o - i >= 3,
                    "backpressure: a beat left after {} cycles",
                    o - i
                );
            }
        }
        let sat = wave.col("sat_count");
        assert_eq!(rows.last().unwrap().1[sat], m.saturation().count);
    }
}

/// Streams `rounds` beats of one repeated (w, u) through SR and returns the mean of w' (real value).
fn sr_mean(p: &UpdateParams, grid: UpdateGrid, w: i64, u: i64, beats: usize, seed: u64) -> f64 {
    let mut r = Runner::new(p).unwrap();
    let c = UpdateCommand {
        mode: UpdateMode::Sr,
        grid,
        reseed: Some(seed),
        ..Default::default()
    };
    r.command(c.encode(p).unwrap()).unwrap();
    let n = beats * p.lanes;
    let (hw, _) = r
        .stream(&vec![w; n], &vec![u; n], &mut Traffic::full_speed())
        .unwrap();
    let sum: i64 = hw.iter().flat_map(|b| b.w.iter()).sum();
    p.w_format.to_f64(sum) / n as f64
}

/// (a) SR is unbiased in hardware. Over n = 16·4096 updates of the same (w, u), each lane drawing
/// fresh r-bit LFSR values, E[w'] = lo + Δ·⌊frac·2^r⌋/2^r, so |E[w'] − (w − u)| < Δ·2^−r (the r-bit
/// bias), and the sample mean adds σ = Δ·√(p(1−p)/n); tolerance = Δ·2^−r + 4σ. R on the same input
/// is off by far more (it always rounds the same way). Figures print with `--nocapture`.
#[test]
fn behaviour_sr_is_unbiased() {
    let p = UpdateParams::default();
    let beats = 4096;
    let n = (beats * p.lanes) as f64;
    let wf = p.w_format;
    let cases = [
        (UpdateGrid::Binary, 4096i64, 100i64), // v = 0.25 − 0.0977
        (UpdateGrid::Binary, -8192, -37),      // v = −0.5 + 0.0361
        (UpdateGrid::Fixed { bits: 4, frac: 3 }, 2048, 77), // Δ = 1/8, v = 0.125 − 0.0752
        (UpdateGrid::Fixed { bits: 8, frac: 6 }, -9000, -13),
    ];
    for (i, &(grid, w, u)) in cases.iter().enumerate() {
        let c = UpdateCommand {
            grid,
            ..Default::default()
        };
        let g = c.grid_raw(&p).unwrap();
        let delta = wf.to_f64(1 << g.d);
        let v = wf.to_f64(w - (u << (wf.frac_bits - p.u_format.frac_bits)));
        let lo = wf.to_f64(g.lo) + delta * ((v - wf.to_f64(g.lo)) / delta).floor();
        let frac = (v - lo) / delta;
        let sigma = delta * (frac * (1.0 - frac) / n).sqrt();
        let tol = delta * (-(p.sr_bits as f64)).exp2() + 4.0 * sigma;
        let mean = sr_mean(&p, grid, w, u, beats, 1000 + i as u64);
        // The exact expectation with r-bit draws: P(up) = ⌊frac·2^r⌋/2^r.
        let r_scale = (p.sr_bits as f64).exp2();
        let e_r = lo + delta * (frac * r_scale + 1e-9).floor() / r_scale;
        let r_out = qtrain::exact::update::lane_update(
            &p,
            UpdateMode::R,
            &g,
            w,
            u,
            0,
            &mut Default::default(),
        );
        let r_err = (wf.to_f64(r_out.q) - v).abs();
        eprintln!(
            "SR unbiased: grid {grid:?} w−u = {v:.6}: mean of {n} w' = {mean:.6} (r-bit expectation {e_r:.6}), |error| = {:.6} ≤ tol {tol:.6} (Δ·2^-r = {:.6}, 4σ = {:.6}); R error {r_err:.6}",
            (mean - v).abs(),
            delta * (-(p.sr_bits as f64)).exp2(),
            4.0 * sigma
        );
        assert!(
            (mean - v).abs() <= tol,
            "SR mean {mean} vs {v}, tolerance {tol}"
        );
        assert!(
            (mean - e_r).abs() <= 4.0 * sigma,
            "SR mean {mean} vs the r-bit expectation {e_r}, 4σ = {}",
            4.0 * sigma
        );
        assert!(r_err > 5.0 * tol, "R should be visibly biased here");
    }
}

/// (b) R stagnates: on the k-bit grid Δ = 1/8, every |u| < Δ/2 leaves every grid weight where it
/// is, round after round, while SR moves them. On the binary grid a weight flips only when one step
/// exceeds 1 (sign(0) = +1): checked for every 8-bit step of a Q2.6 step format.
#[test]
fn behaviour_r_stagnates() {
    let p = UpdateParams::default();
    let grid = UpdateGrid::Fixed { bits: 4, frac: 3 };
    let delta_raw = 1i64 << 11;
    let shift = p.w_format.frac_bits - p.u_format.frac_bits;
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let beats = 32;
    let n = beats * p.lanes;
    let w0: Vec<i64> = (0..n)
        .map(|_| rng.gen_range(-8i64..=7) * delta_raw)
        .collect();
    let max_u = (delta_raw / 2 - 1) >> shift; // |u·2^shift| < Δ/2
    let mut moved = [0usize; 2];
    for (m, mode) in [UpdateMode::R, UpdateMode::Sr].into_iter().enumerate() {
        let mut r = Runner::new(&p).unwrap();
        let c = UpdateCommand {
            mode,
            grid,
            reseed: Some(3),
            ..Default::default()
        };
        r.command(c.encode(&p).unwrap()).unwrap();
        let mut w = w0.clone();
        for _round in 0..20 {
            let u: Vec<i64> = (0..n).map(|_| rng.gen_range(-max_u..=max_u)).collect();
            let (hw, _) = r.stream(&w, &u, &mut Traffic::random(0.2, 0.2, 4)).unwrap();
            w = hw.iter().flat_map(|b| b.w.iter().copied()).collect();
        }
        moved[m] = w.iter().zip(&w0).filter(|(a, b)| a != b).count();
    }
    assert_eq!(moved[0], 0, "R moved a weight with |u| < Δ/2");
    assert!(
        moved[1] > n / 4,
        "SR should move weights ({} of {n})",
        moved[1]
    );

    // Binary: steps up to ±2 (Q2.6). w = +1 flips iff u > 1; w = −1 flips iff u ≤ −1.
    let wide = UpdateParams {
        u_format: FixedFormat::signed(8, 6),
        ..UpdateParams::default()
    };
    let mut r = Runner::new(&wide).unwrap();
    let c = UpdateCommand::default(); // R, binary
    r.command(c.encode(&wide).unwrap()).unwrap();
    let one = 1i64 << 14;
    for &w in &[one, -one] {
        let u: Vec<i64> = (-128..128).collect();
        let (hw, _) = r
            .stream(&vec![w; 256], &u, &mut Traffic::full_speed())
            .unwrap();
        let out: Vec<i64> = hw.iter().flat_map(|b| b.w.iter().copied()).collect();
        for (&uu, &o) in u.iter().zip(&out) {
            let flips = if w > 0 { uu > 64 } else { uu <= -64 };
            assert_eq!(o != w, flips, "w = {w}, u = {uu}/64: w' = {o}");
        }
    }
}

/// (c) BC accumulates: small steps (|u| < 0.125) whose running sum crosses zero flip the packed sign
/// bit exactly in the round where the real-valued w_r0 − Σu changes sign (sign(0) = +1); R with the
/// same steps never flips a binary weight.
#[test]
fn behaviour_bc_accumulates() {
    let p = UpdateParams::default();
    let (wf, uf) = (p.w_format, p.u_format);
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let n = 4 * p.lanes; // 4 beats, filter length 64: one packed word per round
    let w0: Vec<i64> = (0..n).map(|_| rng.gen_range(-6000i64..=6000)).collect();
    // Each weight drifts in one direction, with noise, so most cross zero within the rounds.
    let drift: Vec<i64> = (0..n).map(|i| if w0[i] > 0 { 40 } else { -40 }).collect();
    let mut r = Runner::new(&p).unwrap();
    let bc = UpdateCommand {
        mode: UpdateMode::Bc,
        grid: UpdateGrid::Binary,
        pack: true,
        filter_bits: 64,
        ..Default::default()
    };
    r.command(bc.encode(&p).unwrap()).unwrap();
    let (mut w, mut real) = (
        w0.clone(),
        w0.iter().map(|&x| wf.to_f64(x)).collect::<Vec<f64>>(),
    );
    let mut flips = 0;
    let mut steps_all = Vec::new();
    for round in 0..60 {
        let u: Vec<i64> = (0..n)
            .map(|i| (drift[i] + rng.gen_range(-30..=30)).clamp(uf.min_raw(), uf.max_raw()))
            .collect();
        steps_all.push(u.clone());
        let (hw, _) = r
            .stream(&w, &u, &mut Traffic::random(0.3, 0.3, round))
            .unwrap();
        let new_w: Vec<i64> = hw.iter().flat_map(|b| b.w.iter().copied()).collect();
        let words: Vec<u64> = hw.iter().filter_map(|b| b.pack).collect();
        assert_eq!(words.len(), 1);
        for i in 0..n {
            let before = real[i] >= 0.0;
            real[i] = (real[i] - uf.to_f64(u[i])).clamp(-1.0, 1.0);
            let after = real[i] >= 0.0;
            assert_eq!(
                wf.to_f64(new_w[i]),
                real[i],
                "w_r is exact (round {round}, weight {i})"
            );
            let bit = (words[0] >> i) & 1 == 1;
            assert_eq!(
                bit, after,
                "round {round}, weight {i}: sign bit vs real sum {}",
                real[i]
            );
            flips += usize::from(before != after);
        }
        w = new_w;
    }
    assert!(
        flips >= n / 2,
        "only {flips} sign changes: the test would not show accumulation"
    );
    // R with the same steps: every binary weight keeps its sign.
    let mut r = Runner::new(&p).unwrap();
    r.command(UpdateCommand::default().encode(&p).unwrap())
        .unwrap();
    let one = 1i64 << wf.frac_bits;
    let mut wb: Vec<i64> = w0
        .iter()
        .map(|&x| if x >= 0 { one } else { -one })
        .collect();
    let start = wb.clone();
    for u in &steps_all {
        let (hw, _) = r.stream(&wb, u, &mut Traffic::full_speed()).unwrap();
        wb = hw.iter().flat_map(|b| b.w.iter().copied()).collect();
    }
    assert_eq!(wb, start, "R flipped a binary weight with steps < 1");
}

/// A malformed command (reserved bits, mode 3) is taken, ignored and flagged; a valid command with
/// the clear bit clears the flag; the unit keeps its previous configuration meanwhile.
#[test]
fn malformed_command_is_flagged_and_ignored() {
    let p = UpdateParams::default();
    let mut r = Runner::new(&p).unwrap();
    let mut m = UpdateUnitModel::new(&p).unwrap();
    let good = UpdateCommand {
        mode: UpdateMode::Bc,
        grid: UpdateGrid::Fixed { bits: 6, frac: 5 },
        ..Default::default()
    };
    r.command(good.encode(&p).unwrap()).unwrap();
    m.command(&good).unwrap();
    assert!(!r.uut().cmd_error.val());
    for bad in [[1u64 << 40, 0], [3, 0]] {
        assert!(UpdateCommand::decode(bad, &p).is_err());
        r.command(bad).unwrap();
        assert!(r.uut().cmd_error.val());
        let (w, u) = stimulus(&p, 50, 1 << 9, 6);
        let (hw, _) = r.stream(&w, &u, &mut Traffic::random(0.2, 0.2, 1)).unwrap();
        compare(&m.run(&w, &u).unwrap(), &hw).unwrap();
    }
    let clear = UpdateCommand {
        clear_saturation: true,
        ..good
    };
    r.command(clear.encode(&p).unwrap()).unwrap();
    assert!(!r.uut().cmd_error.val());
    assert_eq!(r.sat_count(), 0);
}

/// Verilog export: top module renamed, no Verilog keyword used as a name, and
/// `verilator --lint-only -Wall -Wno-WIDTH -Wno-DECLFILENAME` passes (needs verilator on PATH;
/// `.ci/run` installs it). The file is left at target/tmp/qtrain_update_unit.v.
#[test]
fn verilog_export_lints_clean_with_verilator() {
    let p = UpdateParams::default();
    let v = qtrain_hdl::update::verilog::update_unit_verilog::<16, 16, 8>(&p).unwrap();
    assert!(v.contains("module qtrain_update_unit("));
    assert!(!v.contains("module top"), "a module is still called top");
    let path = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("qtrain_update_unit.v");
    std::fs::write(&path, &v).unwrap();
    if !require("verilator", "verilog_export_lints_clean_with_verilator") {
        return;
    }
    let out = std::process::Command::new("verilator")
        .args([
            "--lint-only",
            "-Wall",
            "-Wno-WIDTH",
            "-Wno-DECLFILENAME",
            "--top-module",
            "qtrain_update_unit",
        ])
        .arg(&path)
        .output()
        .expect("verilator is required for this test (apt-get install verilator; .ci/run does)");
    assert!(
        out.status.success(),
        "verilator lint failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Generated Icarus testbench for the exported Verilog: one command, `n` beats at full speed, every
/// output beat written as hex (`w_out`, `q_out` lanes packed LSB-first, pack_valid, pack_word).
fn iverilog_tb(words: [u64; 2], n: usize, lanes: usize) -> String {
    let c = |port: &str, signal: &str| (port.to_string(), signal.to_string());
    let mut groups: Vec<Vec<(String, String)>> = (0..lanes)
        .map(|l| {
            let (h, lo, uh, ul) = (16 * l + 15, 16 * l, 8 * l + 7, 8 * l);
            vec![
                c(&format!("w_in${l}"), &format!("wbus[{h}:{lo}]")),
                c(&format!("u_in${l}"), &format!("ubus[{uh}:{ul}]")),
                c(&format!("w_out${l}"), &format!("wo[{h}:{lo}]")),
                c(&format!("q_out${l}"), &format!("qo[{h}:{lo}]")),
            ]
        })
        .collect();
    let same = |names: &[&str]| names.iter().map(|n| c(n, n)).collect::<Vec<_>>();
    groups.push(same(&[
        "clock",
        "cmd_valid",
        "cmd_ready",
        "cmd_word",
        "cmd_seed",
    ]));
    let mut g = same(&["in_valid", "in_ready", "in_last", "out_valid"]);
    g.push(c("out_ready", "1'b1"));
    groups.push(g);
    groups.push(same(&[
        "out_last",
        "pack_valid",
        "pack_word",
        "sat_count",
        "cmd_error",
    ]));
    let ports = [
        TbPort::reg("clock", 1, "0"),
        TbPort::reg("cmd_valid", 1, "0"),
        TbPort::wire("cmd_ready", 1),
        TbPort::reg("cmd_word", 64, &format!("64'h{:x}", words[0])),
        TbPort::reg("cmd_seed", 64, &format!("64'h{:x}", words[1])),
        TbPort::reg("in_valid", 1, "0"),
        TbPort::wire("in_ready", 1),
        TbPort::reg("in_last", 1, "0"),
        TbPort::reg("wbus", 16 * lanes, "0"),
        TbPort::reg("ubus", 8 * lanes, "0"),
        TbPort::wire("wo", 16 * lanes),
        TbPort::wire("qo", 16 * lanes),
        TbPort::wire("out_valid", 1),
        TbPort::wire("out_last", 1),
        TbPort::wire("pack_valid", 1),
        TbPort::wire("pack_word", 64),
        TbPort::wire("sat_count", 32),
        TbPort::wire("cmd_error", 1),
    ];
    let mut tb = Testbench::new("tb");
    tb.declare(&ports)
        .text(&format!(
            "  reg [{}:0] stim [0:{}];\n  integer fd, i, o, cyc, taken;\n",
            24 * lanes - 1,
            n - 1
        ))
        .instance("qtrain_update_unit", &groups)
        .clock()
        .text(&format!(
            r#"  initial begin
    $readmemh("stim.hex", stim);
    fd = $fopen("out.txt", "w");
    i = 0; o = 0; cyc = 0; taken = 0;
    while (!taken) begin
      @(negedge clock); cmd_valid = 1; #4;
      if (cmd_ready) taken = 1;
    end
    @(negedge clock); cmd_valid = 0;
    while (o < {n}) begin
      @(negedge clock);
      in_valid = (i < {n});
      if (i < {n}) begin {{ubus, wbus}} = stim[i]; in_last = (i == {last}); end
      #4;
      if (in_valid && in_ready) i = i + 1;
      if (out_valid) begin $fwrite(fd, "%h %h %b %h\n", wo, qo, pack_valid, pack_word); o = o + 1; end
      cyc = cyc + 1;
      if (cyc > 100000) begin $display("HANG"); $finish; end
    end
    @(negedge clock);
    $fwrite(fd, "sat %h\n", sat_count);
    $fclose(fd);
    $finish;
  end
"#,
            last = n - 1,
        ));
    tb.finish()
}

/// The exported Verilog itself (not only rust-hdl's simulation of it) is bit-exact: Icarus Verilog
/// runs it for SR with a hardware reseed and for BC with packing, and every output beat and the
/// saturation count equal the golden model's. Needs `iverilog` on PATH ([`qtrain_hdl::tools::require`]).
#[test]
fn exported_verilog_matches_golden_in_icarus() {
    let test = "exported_verilog_matches_golden_in_icarus";
    if !(require("iverilog", test) && require("vvp", test)) {
        return;
    }
    let p = UpdateParams::default();
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("update_iverilog");
    std::fs::create_dir_all(&dir).unwrap();
    let v = qtrain_hdl::update::verilog::update_unit_verilog::<16, 16, 8>(&p).unwrap();
    std::fs::write(dir.join("qtrain_update_unit.v"), v).unwrap();
    let n = 200;
    for (i, c) in [
        UpdateCommand {
            mode: UpdateMode::Sr,
            grid: UpdateGrid::Fixed { bits: 6, frac: 5 },
            reseed: Some(0xC0FFEE),
            ..Default::default()
        },
        UpdateCommand {
            mode: UpdateMode::Bc,
            grid: UpdateGrid::Binary,
            pack: true,
            filter_bits: 27,
            ..Default::default()
        },
    ]
    .into_iter()
    .enumerate()
    {
        let (w, u) = stimulus(&p, n, 1 << 9, 40 + i as u64);
        let mut hex = String::new();
        for b in 0..n {
            for l in (0..16).rev() {
                hex += &format!("{:02x}", p.u_format.to_bits(u[b * 16 + l]));
            }
            for l in (0..16).rev() {
                hex += &format!("{:04x}", p.w_format.to_bits(w[b * 16 + l]));
            }
            hex += "\n";
        }
        std::fs::write(dir.join("stim.hex"), hex).unwrap();
        std::fs::write(dir.join("tb.v"), iverilog_tb(c.encode(&p).unwrap(), n, 16)).unwrap();
        let run = |cmd: &mut std::process::Command| {
            let out = cmd
                .current_dir(&dir)
                .output()
                .expect("iverilog/vvp are required for this test (apt-get install iverilog)");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        run(std::process::Command::new("iverilog").args([
            "-g2005",
            "-o",
            "sim.vvp",
            "tb.v",
            "qtrain_update_unit.v",
        ]));
        run(std::process::Command::new("vvp").args(["-n", "sim.vvp"]));
        let text = std::fs::read_to_string(dir.join("out.txt")).unwrap();
        let mut m = UpdateUnitModel::new(&p).unwrap();
        m.command(&c).unwrap();
        let golden = m.run(&w, &u).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines.len(),
            n + 1,
            "{c:?}: Icarus produced {} lines",
            lines.len()
        );
        let lane = |hexs: &str, l: usize| {
            let digits = &hexs[hexs.len() - 4 * (l + 1)..hexs.len() - 4 * l];
            p.w_format
                .from_bits(u64::from_str_radix(digits, 16).unwrap())
        };
        for (b, (line, g)) in lines.iter().zip(&golden).enumerate() {
            let f: Vec<&str> = line.split_whitespace().collect();
            for (l, o) in g.lanes.iter().enumerate() {
                assert_eq!(
                    (lane(f[0], l), lane(f[1], l)),
                    (o.w, o.q),
                    "{c:?}: Verilog differs at update {} (beat {b}, lane {l})",
                    b * 16 + l
                );
            }
            let pack = (f[2] == "1").then(|| u64::from_str_radix(f[3], 16).unwrap());
            assert_eq!(pack, g.pack, "{c:?}: packed word at beat {b}");
        }
        let sat = u64::from_str_radix(lines[n].trim_start_matches("sat "), 16).unwrap();
        assert_eq!(sat, m.saturation().count, "{c:?}: saturation counter");
    }
}

/// The latent-buffer study's narrow formats stay exact: 8-bit weights with 16 random bits (the SR
/// threshold is shifted left, `r > WB`) and 10-bit weights, every mode, binary and a fixed grid,
/// full-range stimulus (so `w − u` overflows the format) under random gaps and stalls.
#[test]
fn bit_exact_narrow_latent_formats() {
    fn run<const WB: usize, const UB: usize>(p: &UpdateParams, seed: u64) {
        let mut r = UpdateRunner::<16, WB, UB>::new(p).unwrap();
        let mut m = UpdateUnitModel::new(p).unwrap();
        let mut traffic = Traffic::random(0.3, 0.3, seed);
        for (i, mode) in [UpdateMode::R, UpdateMode::Sr, UpdateMode::Bc]
            .into_iter()
            .enumerate()
        {
            for (j, g) in [UpdateGrid::Binary, UpdateGrid::Fixed { bits: 3, frac: 2 }]
                .into_iter()
                .enumerate()
            {
                let c = UpdateCommand {
                    mode,
                    grid: g,
                    pack: true,
                    filter_bits: 27,
                    reseed: Some(seed + i as u64),
                    clear_saturation: j == 0,
                };
                check_case(
                    &mut r,
                    &mut m,
                    &c,
                    600,
                    &mut traffic,
                    seed + (10 * i + j) as u64,
                );
            }
        }
    }
    let q = |w: (u32, u32), u: (u32, u32)| UpdateParams {
        w_format: FixedFormat::signed(w.0, w.1),
        u_format: FixedFormat::signed(u.0, u.1),
        ..UpdateParams::default()
    };
    run::<8, 8>(&q((8, 6), (8, 6)), 5);
    run::<10, 8>(&q((10, 8), (8, 8)), 6);
}

/// Every lane instance of the area study exports (and names its top module).
#[test]
fn lane_instances_export() {
    use qtrain_hdl::update::verilog::{update_lane_verilog, LANE_STUDY, LANE_TOP};
    for (w, u) in LANE_STUDY {
        let p = UpdateParams {
            w_format: w,
            u_format: u,
            ..UpdateParams::default()
        };
        let v = update_lane_verilog(&p).unwrap_or_else(|e| panic!("({w}, {u}): {e}"));
        assert!(v.contains(&format!("module {LANE_TOP}")), "({w}, {u})");
    }
    let odd = UpdateParams {
        w_format: FixedFormat::signed(14, 12),
        ..UpdateParams::default()
    };
    let e = update_lane_verilog(&odd).unwrap_err().to_string();
    assert!(e.contains("no lane instance for 14-bit weights"), "{e}");
}
