//! Accelerator-top benches: conv layers and update runs interleaved in one stream through
//! `AccelTop` (P=4, S=64 engine; 4- and 16-lane update units) under seeded random input gaps and
//! output back-pressure, word for word against the golden top (`qtrain::exact::accel::TopModel` with
//! the golden blocks: the one definition of headers, error words, draining, the gearbox, response
//! framing and counters); bad headers answered without losing the stream; the watchdog; a VCD read
//! back (handshake rules, `last` on exactly each response's final word, nothing leaves before its
//! command).

use qtrain::exact::accel::{
    self as wire, conv_transaction, counters_transaction, golden_top, update_transaction, Counters,
    Op,
};
use qtrain::exact::geometry::{input_stream, ConvLayer};
use qtrain::exact::pack::pack_weights;
use qtrain::exact::requant::Requant;
use qtrain::exact::update::{pad_filters, UpdateCommand, UpdateGrid, UpdateMode};
use qtrain::fixed::FixedFormat;
use qtrain::hw::{ConvParams, HwConfig, UpdateParams};
use qtrain_hdl::accel::runner::{run_watched, RunResult, Stimulus};
use qtrain_hdl::accel::AccelTop;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn conv_params() -> ConvParams {
    ConvParams {
        pe: 4,
        simd: 64,
        max_act_bits: 4,
        max_h: 8,
        max_w: 8,
        max_c_in: 128,
        max_c_out: 64,
        line_row_words: 64,
    }
}

fn hw(update: UpdateParams) -> HwConfig {
    HwConfig {
        conv: conv_params(),
        update,
        ..HwConfig::default()
    }
}

fn four_lanes() -> UpdateParams {
    UpdateParams {
        lanes: 4,
        ..UpdateParams::default()
    }
}

/// 16 lanes of 12-bit w and 7-bit u: fields that do not divide 64 (5 w and 9 u lanes a word).
fn odd_lanes() -> UpdateParams {
    UpdateParams {
        lanes: 16,
        w_format: FixedFormat::signed(12, 10),
        u_format: FixedFormat::signed(7, 9),
        sr_bits: 6,
        ..UpdateParams::default()
    }
}

/// A conv transaction of a seeded layer.
fn conv_case(
    seed: u64,
    c_in: usize,
    c_out: usize,
    hw_: usize,
    pool: bool,
    images: usize,
) -> Vec<u64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (a_in, a_out) = (2, 2);
    let layer = ConvLayer {
        c_in,
        c_out,
        h: hw_,
        w: hw_,
        a_in,
        a_out,
        pool,
        sh: rng.gen_range(4..9),
        images,
    };
    layer.validate(&conv_params()).unwrap();
    let wts: Vec<i8> = (0..c_out * 9 * c_in)
        .map(|_| if rng.gen::<bool>() { 1 } else { -1 })
        .collect();
    let packed = pack_weights(&wts, c_out, 3, c_in).unwrap();
    let rq = Requant {
        m: (0..c_out).map(|_| rng.gen_range(-40..120)).collect(),
        b: (0..c_out)
            .map(|_| rng.gen_range(-2000..6000) << (layer.sh - 4))
            .collect(),
        sh: layer.sh,
        a_out,
    };
    let imgs: Vec<Vec<u32>> = (0..images)
        .map(|_| {
            (0..hw_ * hw_ * c_in)
                .map(|_| rng.gen_range(0..1u32 << a_in))
                .collect()
        })
        .collect();
    conv_transaction(&input_stream(&layer, &rq, &packed, &imgs).unwrap()).unwrap()
}

/// Random raw (w, u) for `beats` beats.
fn update_data(p: &UpdateParams, n: usize, seed: u64) -> (Vec<i64>, Vec<i64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (wf, uf) = (p.w_format, p.u_format);
    let w = (0..n)
        .map(|_| rng.gen_range(wf.min_raw()..=wf.max_raw()))
        .collect();
    let u = (0..n)
        .map(|_| rng.gen_range(uf.min_raw()..=uf.max_raw()))
        .collect();
    (w, u)
}

/// An update transaction.
fn update_case(p: &UpdateParams, c: UpdateCommand, w: &[i64], u: &[i64]) -> Vec<u64> {
    update_transaction(p, c.encode(p).unwrap(), w, u).unwrap()
}

/// The golden top's responses to `t` (the bench's top configuration with update unit `p`).
fn golden(p: &UpdateParams, t: &[Vec<u64>]) -> Vec<Vec<u64>> {
    let r = golden_top(&hw(p.clone()))
        .unwrap()
        .run(&t.concat())
        .unwrap();
    assert_eq!(r.len(), t.len(), "one response per transaction");
    r.into_iter().map(|r| r.words).collect()
}

/// The interleaved session: conv, update (SR, reseed, packing), conv (2 images), update (BC),
/// update (R on a k-bit grid), counters; and the golden top's responses.
fn session(p: &UpdateParams, seed: u64) -> (Vec<Vec<u64>>, Vec<Vec<u64>>) {
    let mut t = vec![conv_case(seed, 5, 19, 6, true, 1)];
    // SR with packing: 2 filters of 9·5 = 45 weights, padded to whole beats.
    let fb = 45;
    let (w, u) = update_data(p, 2 * fb, seed + 1);
    let w = pad_filters(&w, fb, p.lanes, 0).unwrap();
    let u = pad_filters(&u, fb, p.lanes, 0).unwrap();
    let sr = UpdateCommand {
        mode: UpdateMode::Sr,
        grid: UpdateGrid::Binary,
        pack: true,
        filter_bits: fb as u32,
        reseed: Some(seed ^ 0xABCD),
        clear_saturation: true,
    };
    t.push(update_case(p, sr, &w, &u));
    t.push(conv_case(seed + 2, 70, 8, 4, false, 2));
    let (w, u) = update_data(p, 5 * p.lanes, seed + 3);
    let bc = UpdateCommand {
        mode: UpdateMode::Bc,
        ..UpdateCommand::default()
    };
    t.push(update_case(p, bc, &w, &u));
    let (w, u) = update_data(p, 3 * p.lanes, seed + 4);
    let rk = UpdateCommand {
        grid: UpdateGrid::Fixed { bits: 4, frac: 2 },
        ..UpdateCommand::default()
    };
    t.push(update_case(p, rk, &w, &u));
    t.push(counters_transaction());
    let r = golden(p, &t);
    (t, r)
}

fn run<const L: usize, const WB: usize, const UB: usize>(
    p: &UpdateParams,
    t: &[Vec<u64>],
    want: usize,
    stim: Stimulus,
    vcd: Option<&mut dyn std::io::Write>,
) -> RunResult {
    let mut top = AccelTop::<4, 1, 4, L, WB, UB>::new(&hw(p.clone())).unwrap();
    run_watched(&mut top, t, want, stim, 20_000, vcd).unwrap_or_else(|s| panic!("{s:?}"))
}

/// Compare responses word for word, `last` exactly on each response's final word; busy counters
/// bounded by what the host saw.
fn check(r: &RunResult, t: &[Vec<u64>], want: &[Vec<u64>], name: &str) {
    let flat: Vec<u64> = want.concat();
    assert_eq!(r.out.len(), flat.len(), "{name}: output words");
    let mut at = 0;
    for (j, resp) in want.iter().enumerate() {
        let counters = j + 1 == want.len();
        for (k, &w) in resp.iter().enumerate() {
            let i = at + k;
            if !(counters && (k == wire::counter::CONV_BUSY || k == wire::counter::UPDATE_BUSY)) {
                assert_eq!(
                    r.out[i], w,
                    "{name}: response {j} word {k} (stream word {i}): got {:#018x} want {w:#018x}",
                    r.out[i]
                );
            }
            assert_eq!(
                r.last[i],
                k + 1 == resp.len(),
                "{name}: last flag of response {j} word {k}"
            );
        }
        at += resp.len();
    }
    // busy cycles: at least one a response word, at most the host-side span of the transaction
    let c = Counters::parse(&r.out[r.out.len() - wire::COUNTER_WORDS..]).unwrap();
    let (mut at_in, mut at_out) = (0, 0);
    let (mut conv_span, mut upd_span, mut conv_words, mut upd_words) = (0, 0, 0, 0);
    for (tx, rx) in t.iter().zip(want) {
        let span = r.out_cycle[at_out + rx.len() - 1] - r.in_cycle[at_in];
        match wire::parse_header(tx[0]).unwrap().0 {
            Op::Conv => {
                conv_span += span;
                conv_words += rx.len() as u64;
            }
            Op::Update => {
                upd_span += span;
                upd_words += rx.len() as u64;
            }
            Op::Counters => {}
        }
        at_in += tx.len();
        at_out += rx.len();
    }
    assert!(
        (conv_words..=conv_span).contains(&c.conv_busy),
        "{name}: conv busy {} outside {conv_words}..={conv_span}",
        c.conv_busy
    );
    assert!(
        (upd_words..=upd_span).contains(&c.update_busy),
        "{name}: update busy {} outside {upd_words}..={upd_span}",
        c.update_busy
    );
}

fn noisy(seed: u64) -> Stimulus {
    Stimulus {
        in_gap: 0.3,
        out_stall: 0.4,
        seed,
    }
}

/// Conv transactions queued back to back (as a DMA sends them) under heavy output back-pressure: no
/// word is lost or duplicated at a layer boundary, through the router and the engine.
#[test]
fn back_to_back_conv_transactions_under_back_pressure() {
    let p = four_lanes();
    let mut t: Vec<Vec<u64>> = [
        (5, 19, 4, true, 1),
        (19, 7, 4, false, 2),
        (7, 64, 3, false, 1),
        (64, 4, 2, false, 1),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (c_in, c_out, hw, pool, images))| {
        conv_case(40 + i as u64, c_in, c_out, hw, pool, images)
    })
    .collect();
    t.push(counters_transaction());
    let r = golden(&p, &t);
    let n: usize = r.iter().map(Vec::len).sum();
    for seed in 0..3 {
        let stim = Stimulus {
            in_gap: [0.0, 0.3, 0.1][seed as usize],
            out_stall: [0.8, 0.9, 0.95][seed as usize],
            seed: 50 + seed,
        };
        let res = run::<4, 16, 8>(&p, &t, n, stim, None);
        check(&res, &t, &r, &format!("back-to-back {stim:?}"));
    }
}

#[test]
fn interleaved_conv_and_update_bit_exact_4_lanes() {
    let p = four_lanes();
    let (t, want) = session(&p, 7);
    let n: usize = want.iter().map(Vec::len).sum();
    for (name, stim) in [("clean", Stimulus::clean()), ("noisy", noisy(8))] {
        let r = run::<4, 16, 8>(&p, &t, n, stim, None);
        check(&r, &t, &want, name);
    }
}

#[test]
fn interleaved_conv_and_update_bit_exact_odd_gearbox() {
    let p = odd_lanes();
    let (t, want) = session(&p, 21);
    let n: usize = want.iter().map(Vec::len).sum();
    let r = run::<16, 12, 7>(&p, &t, n, noisy(22), None);
    check(&r, &t, &want, "16 lanes, 12/7 bits");
}

/// Bad headers are answered with one error word each and the stream stays in step: a word without
/// the tag (only it is consumed), an unknown op with a payload, counters with a payload, a conv
/// payload that does not start with a conv command, an update too short for its command; then a
/// good update and a counters read.
#[test]
fn bad_headers_answered_and_stream_stays_in_step() {
    let p = four_lanes();
    let untagged = 0x1234_5678_0000_000Cu64;
    let bad_op = wire::header(Op::Conv, 2) ^ 1 ^ 7; // op 7 (unknown), 2 payload words
    let mut t = vec![
        vec![untagged],
        vec![bad_op, 0xC, 0xC],
        vec![wire::header(Op::Counters, 1), 99],
        vec![wire::header(Op::Conv, 3), 0xD, 1, 2],
        vec![wire::header(Op::Update, 1), 5],
    ];
    let (w, u) = update_data(&p, 2 * p.lanes, 3);
    t.push(update_case(&p, UpdateCommand::default(), &w, &u));
    // an update whose payload ends inside a beat: the partial beat is dropped and flagged
    let mut short = update_case(&p, UpdateCommand::default(), &w[..4], &u[..4]);
    short.pop();
    short[0] = wire::header(Op::Update, short.len() as u32 - 1);
    t.push(short);
    t.push(counters_transaction());
    let want = golden(&p, &t);
    // the golden top answers as the wire format says
    for (j, code) in [
        wire::ERR_TAG,
        wire::ERR_OP,
        wire::ERR_LEN,
        wire::ERR_CONV_CMD,
        wire::ERR_LEN,
    ]
    .into_iter()
    .enumerate()
    {
        assert_eq!(want[j], [wire::error_word(code, t[j][0])], "response {j}");
    }
    let status = wire::UpdateStatus::parse(want[6][0]);
    assert!(want[6].len() == 1 && status.truncated && !status.cmd_error);
    let n: usize = want.iter().map(Vec::len).sum();
    let r = run::<4, 16, 8>(&p, &t, n, noisy(5), None);
    let mut at = 0;
    for (j, resp) in want.iter().enumerate().take(want.len() - 1) {
        assert_eq!(&r.out[at..at + resp.len()], &resp[..], "response {j}");
        assert!(r.last[at + resp.len() - 1]);
        at += resp.len();
    }
    let c = Counters::parse(&r.out[at..]).unwrap();
    assert_eq!((c.transactions, c.errors), (t.len() as u64, 5));
    assert_eq!((c.conv_in, c.conv_out), (0, 0));
    assert_eq!(c.update_in as usize, t[5].len() - 1 + t[6].len() - 1);
    let g = Counters::parse(&want[want.len() - 1]).unwrap();
    assert_eq!(
        (c.update_in, c.update_out, c.saturations, c.update_cmd_error),
        (g.update_in, g.update_out, g.saturations, g.update_cmd_error)
    );
}

/// A conv header shorter than the layer's stream: the host has sent everything, the engine waits for
/// activations that never come, and the watchdog names the output stream (nothing comes back) and
/// what the top was doing.
#[test]
fn watchdog_names_the_stalled_stream() {
    let p = four_lanes();
    let mut conv = conv_case(3, 5, 8, 4, false, 1);
    let cut = conv.len() - 10;
    conv.truncate(cut);
    conv[0] = wire::header(Op::Conv, cut as u32 - 1);
    let t = vec![conv, counters_transaction()];
    let mut top = AccelTop::<4, 1, 4, 4, 16, 8>::new(&hw(p)).unwrap();
    let s = run_watched(&mut top, &t, 1000, Stimulus::clean(), 500, None).unwrap_err();
    assert_eq!(s.stream, "output stream", "{s:?}");
    assert!(
        s.waiting
            .contains("running a conv transaction with 0 payload words to come"),
        "{s:?}"
    );
    assert_eq!(s.words_in, cut + 1, "{s:?}");
    assert!(s.words_out < 16, "{s:?}");
    assert!(s.idle >= 500);
}

/// The stream ports at each clock-low sample (the values the rising edge sees), one per cycle, read
/// back from the runner's VCD.
fn read_vcd(path: &std::path::Path) -> Vec<qtrain_hdl::vcd::PortSample> {
    qtrain_hdl::vcd::read_ports(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .port_cycles()
}

/// The waveform of an interleaved session under back-pressure: valid/data/last hold until ready,
/// `last` marks exactly the final word of each response, and no response word leaves before its
/// transaction's command has entered (the header; for conv the layer command word, for update both
/// command words).
#[test]
fn waveform_last_framing_and_causality() {
    let p = four_lanes();
    let (t, want) = session(&p, 31);
    let n: usize = want.iter().map(Vec::len).sum();
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("accel_vcd");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("accel_noisy.vcd");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let r = run::<4, 16, 8>(&p, &t, n, noisy(32), Some(&mut f));
    drop(f);
    check(&r, &t, &want, "vcd run");
    let s = read_vcd(&path);
    assert!(
        s.len() as u64 >= r.cycles,
        "VCD has {} cycles, run {}",
        s.len(),
        r.cycles
    );
    for (c, w) in s.windows(2).enumerate() {
        if w[0].out_valid && !w[0].out_ready {
            assert!(
                w[1].out_valid && w[1].out_data == w[0].out_data && w[1].out_last == w[0].out_last,
                "output word changed without a handshake at cycle {c}"
            );
        }
    }
    let ins: Vec<(usize, u64)> = s
        .iter()
        .enumerate()
        .filter(|(_, x)| x.in_valid && x.in_ready)
        .map(|(c, x)| (c, x.in_data))
        .collect();
    let outs: Vec<(usize, u64, bool)> = s
        .iter()
        .enumerate()
        .filter(|(_, x)| x.out_valid && x.out_ready)
        .map(|(c, x)| (c, x.out_data, x.out_last))
        .collect();
    assert_eq!(
        ins.iter().map(|x| x.1).collect::<Vec<_>>(),
        t.concat(),
        "input words in the VCD"
    );
    assert_eq!(outs.len(), n);
    let (mut at_in, mut at_out) = (0, 0);
    for (j, (tx, rx)) in t.iter().zip(&want).enumerate() {
        let cmd_words = match wire::parse_header(tx[0]).unwrap().0 {
            Op::Conv => 2,
            Op::Update => 3,
            Op::Counters => 1,
        };
        let cmd_in = ins[at_in + cmd_words - 1].0;
        let lasts: Vec<bool> = outs[at_out..at_out + rx.len()]
            .iter()
            .map(|o| o.2)
            .collect();
        assert_eq!(
            lasts.iter().filter(|&&l| l).count(),
            1,
            "response {j}: one last"
        );
        assert!(lasts[rx.len() - 1], "response {j}: last on its final word");
        assert!(
            outs[at_out].0 > cmd_in,
            "response {j} began at cycle {} before its command entered at {cmd_in}",
            outs[at_out].0
        );
        at_in += tx.len();
        at_out += rx.len();
    }
}

#[test]
fn verilog_export_names_the_top() {
    let mut top = AccelTop::<4, 1, 4, 4, 16, 8>::new(&hw(four_lanes())).unwrap();
    let v = top.verilog().unwrap();
    assert!(v.contains("module qtrain_accel("), "top not renamed");
    assert!(!v.contains("module top"), "a module is still called top");
    assert!(v.contains("module qtrain_accel$router("));
    assert!(v.contains("module qtrain_accel$conv("));
    assert!(v.contains("module qtrain_accel$upd("));
}
