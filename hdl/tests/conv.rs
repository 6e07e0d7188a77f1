//! Conv engine benches: the engine (driven by the fast runner) against the integer golden model
//! `qtrain::exact`, bit for bit, on a case table of (P, S, A, C_in, C_out, H, W) under seeded random
//! input gaps and output back-pressure; a waveform bench that reads its VCD back; Verilog export
//! checks.

use qtrain::exact::geometry::{input_stream, output_stream, ConvLayer};
use qtrain::exact::pack::pack_weights;
use qtrain::exact::requant::Requant;
use qtrain::exact::xnor_conv::conv_layer;
use qtrain::hw::ConvParams;
use qtrain_hdl::conv::runner::{run, RunResult, Stimulus};
use qtrain_hdl::conv::ConvEngine;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_hdl::prelude::*;

/// A random layer instance: its input stream and the golden output stream.
struct Case {
    layer: ConvLayer,
    input: Vec<u64>,
    expect: Vec<u64>,
}

#[allow(clippy::too_many_arguments)]
fn make_case(
    seed: u64,
    c_in: usize,
    c_out: usize,
    h: usize,
    w: usize,
    a_in: u32,
    a_out: u32,
    pool: bool,
    images: usize,
) -> Case {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let layer = ConvLayer {
        c_in,
        c_out,
        h,
        w,
        a_in,
        a_out,
        pool,
        sh: rng.gen_range(4..9),
        images,
    };
    let wts: Vec<i8> = (0..c_out * 9 * c_in)
        .map(|_| if rng.gen::<bool>() { 1 } else { -1 })
        .collect();
    let packed = pack_weights(&wts, c_out, 3, c_in).unwrap();
    // M and B spread the accumulators over the whole output range.
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
            (0..h * w * c_in)
                .map(|_| rng.gen_range(0..1u32 << a_in))
                .collect()
        })
        .collect();
    let outs: Vec<Vec<u32>> = imgs
        .iter()
        .map(|a| conv_layer(&layer, &packed, &rq, a).unwrap())
        .collect();
    Case {
        input: input_stream(&layer, &rq, &packed, &imgs).unwrap(),
        expect: output_stream(&layer, &outs).unwrap(),
        layer,
    }
}

/// The first differing output word, decoded to (image, y, x, plane, channel).
fn first_mismatch(l: &ConvLayer, got: &[u64], want: &[u64]) -> Option<String> {
    let cw = l.c_out.div_ceil(64);
    let per_px = l.a_out as usize * cw;
    let per_img = l.out_words();
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        if g != w {
            let img = i / per_img;
            let px = (i % per_img) / per_px;
            let j = (i % per_px) / cw;
            let k = i % cw;
            let bit = (g ^ w).trailing_zeros() as usize;
            return Some(format!(
                "word {i}: image {img}, output pixel (y {}, x {}), plane {j}, channel {}: got {g:#018x}, want {w:#018x}",
                px / l.out_w(),
                px % l.out_w(),
                64 * k + bit
            ));
        }
    }
    if got.len() != want.len() {
        return Some(format!("{} output words, want {}", got.len(), want.len()));
    }
    None
}

fn params(p: usize, s: usize) -> ConvParams {
    ConvParams {
        pe: p,
        simd: s,
        ..ConvParams::default()
    }
}

fn run_case<const P: usize, const SW: usize, const PSW: usize>(
    c: &Case,
    stim: Stimulus,
) -> RunResult {
    let cp = params(P, 64 * SW);
    c.layer.validate(&cp).unwrap();
    let mut eng = ConvEngine::<P, SW, PSW>::new(&cp).unwrap();
    eng.connect_all();
    check_all(&eng).unwrap();
    let ideal = c.layer.ideal_cycles(P, 64 * SW) * c.layer.images as u64;
    let budget = 20 * (ideal + c.input.len() as u64 + c.expect.len() as u64) + 10_000;
    let r = run(&mut eng, &c.input, c.expect.len(), stim, budget, None)
        .unwrap_or_else(|e| panic!("{:?}: {e}", c.layer));
    if let Some(m) = first_mismatch(&c.layer, &r.out, &c.expect) {
        panic!("P={P} S={} {:?}: first mismatch at {m}", 64 * SW, c.layer);
    }
    let per_img = c.layer.out_words();
    for (i, &l) in r.last.iter().enumerate() {
        assert_eq!(l, (i + 1) % per_img == 0, "last flag on word {i}");
    }
    r
}

fn noisy(seed: u64) -> Stimulus {
    Stimulus {
        in_gap: 0.3,
        out_stall: 0.5,
        seed,
    }
}

#[test]
fn bit_exact_case_table() {
    // (P, S) engines × layers incl. C_in / C_out not divisible by S, P or 64.
    let c = make_case(1, 3, 20, 5, 4, 8, 2, false, 2);
    run_case::<16, 1, 16>(&c, noisy(1));
    let c = make_case(2, 65, 7, 4, 6, 3, 3, true, 1);
    run_case::<4, 1, 4>(&c, noisy(2));
    let c = make_case(3, 17, 9, 3, 3, 2, 1, false, 2);
    run_case::<8, 2, 16>(&c, noisy(3));
    let c = make_case(4, 100, 33, 4, 4, 1, 4, true, 1);
    run_case::<16, 1, 16>(&c, noisy(4));
    let c = make_case(5, 1, 3, 2, 7, 4, 8, false, 1);
    run_case::<2, 1, 2>(&c, noisy(5));
    let c = make_case(6, 64, 64, 3, 2, 2, 2, false, 1);
    run_case::<16, 2, 32>(&c, noisy(6));
}

#[test]
fn bit_exact_vgg_shaped_layer_cut_down() {
    // VGG-BC layer 2 (128 → 128 channels, 2-bit activations, pooled) on a 4×4 map.
    let c = make_case(7, 128, 128, 4, 4, 2, 2, true, 1);
    run_case::<16, 1, 16>(&c, noisy(7));
}
