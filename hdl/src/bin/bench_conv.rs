//! Conv engine benchmark and export tool.
//!
//! * `bench_conv speed [RUNS]`: cycles/s of the fast runner on the default engine (P=16, S=64)
//!   running a VGG-BC-shaped layer (128→128 channels, A=2, cut down to 8×8).
//! * `bench_conv util [--full]`: utilisation (ideal/measured cycles) per VGG-BC conv layer: measured on
//!   the runner for cut-down shapes next to the geometry model, and (with --full) on the runner at
//!   full size.
//! * `bench_conv verilog OUT.v`: write the default engine's Verilog (top `qtrain_conv_engine`).

use std::time::Instant;

use qtrain::exact::geometry::{input_stream, ConvLayer};
use qtrain::exact::pack::pack_weights;
use qtrain::exact::requant::Requant;
use qtrain::hw::ConvParams;
use qtrain_hdl::conv::runner::{run, Stimulus};
use qtrain_hdl::conv::DefaultConvEngine;
use rust_hdl::prelude::*;

fn lcg(s: &mut u64) -> u64 {
    *s = s
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    *s >> 33
}

fn stream_for(l: &ConvLayer) -> Vec<u64> {
    let mut s = 7u64;
    let w: Vec<i8> = (0..l.c_out * 9 * l.c_in)
        .map(|_| if lcg(&mut s) & 1 == 1 { 1 } else { -1 })
        .collect();
    let packed = pack_weights(&w, l.c_out, 3, l.c_in).expect("weights");
    let rq = Requant {
        m: vec![3; l.c_out],
        b: vec![100; l.c_out],
        sh: l.sh,
        a_out: l.a_out,
    };
    let imgs: Vec<Vec<u32>> = (0..l.images)
        .map(|_| {
            (0..l.h * l.w * l.c_in)
                .map(|_| (lcg(&mut s) % (1 << l.a_in)) as u32)
                .collect()
        })
        .collect();
    input_stream(l, &rq, &packed, &imgs).expect("stream")
}

/// CPU time of this thread in seconds (Linux `/proc/thread-self/schedstat`, ns), so the rate is
/// meaningful on a shared, loaded machine; `None` elsewhere.
fn cpu_seconds() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns * 1e-9)
}

/// Cycles from the command word entering to the last output word leaving.
fn measure(l: &ConvLayer) -> (u64, f64, f64, f64) {
    let cp = ConvParams::default();
    let mut eng = DefaultConvEngine::new(&cp).expect("engine");
    eng.connect_all();
    let input = stream_for(l);
    let t0 = Instant::now();
    let c0 = cpu_seconds();
    let r = run(
        &mut eng,
        &input,
        l.out_words() * l.images,
        Stimulus::clean(),
        u64::MAX,
        None,
    )
    .expect("run");
    let dt = t0.elapsed().as_secs_f64();
    let cpu = match (c0, cpu_seconds()) {
        (Some(a), Some(b)) => b - a,
        _ => f64::NAN,
    };
    let acts_start = r.in_cycle[1 + l.c_out + l.weight_words()];
    let cycles = r.out_cycle.last().copied().unwrap_or(0) + 1 - acts_start;
    (
        cycles,
        r.cycles as f64 / dt,
        r.cycles as f64 / cpu,
        r.passes as f64 / r.cycles as f64,
    )
}

fn vgg(full: bool) -> Vec<ConvLayer> {
    let shapes = [
        (3, 128, 32, 8, true),
        (128, 128, 32, 2, true),
        (128, 256, 16, 2, false),
        (256, 256, 16, 2, true),
        (256, 512, 8, 2, false),
        (512, 512, 8, 2, true),
    ];
    shapes
        .iter()
        .map(|&(c_in, c_out, hw, a_in, pool)| {
            let hw = if full { hw } else { hw.min(4) };
            ConvLayer {
                sh: 4,
                ..ConvLayer::planned(c_in, c_out, hw, a_in, 2, pool)
            }
        })
        .collect()
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let cp = ConvParams::default();
    match args.get(1).map(String::as_str) {
        Some("speed") => {
            let l = ConvLayer {
                c_in: 128,
                c_out: 128,
                h: 8,
                w: 8,
                a_in: 2,
                a_out: 2,
                pool: true,
                sh: 4,
                images: 8,
            };
            let reps: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(3);
            let mut rates = Vec::new();
            for _ in 0..reps {
                let (cycles, rate, cpu_rate, passes) = measure(&l);
                println!(
                    "default engine P=16 S=64 (1024 lanes), layer {}x{}x{}->{} A={} ×{} images: {cycles} cycles from first activation, runner {rate:.0} cycles/s wall, {cpu_rate:.0} cycles/s of CPU time, {passes:.2} settle passes/cycle",
                    l.h, l.w, l.c_in, l.c_out, l.a_in, l.images
                );
                rates.push(cpu_rate);
            }
            rates.sort_by(f64::total_cmp);
            println!(
                "median {:.0} cycles per CPU-second over {reps} runs",
                rates[reps / 2]
            );
        }
        Some("util") => {
            let full = args.iter().any(|a| a == "--full");
            println!("| layer | H×W | C_in→C_out | A | ideal | measured | utilisation | model | model util |");
            println!("|---|---|---|---|---|---|---|---|---|");
            for (i, l) in vgg(full).iter().enumerate() {
                let ideal = l.ideal_cycles(cp.pe, cp.simd);
                let (cycles, _, _, _) = measure(l);
                let m = l.model_cycles(&cp);
                println!(
                    "| {} | {}×{} | {}→{} | {} | {ideal} | {cycles} | {:.2} % | {m} | {:.2} % |",
                    i + 1,
                    l.h,
                    l.w,
                    l.c_in,
                    l.c_out,
                    l.a_in,
                    100.0 * ideal as f64 / cycles as f64,
                    100.0 * ideal as f64 / m as f64
                );
            }
            if !full {
                println!("full-size layers (geometry model):");
                for (i, l) in vgg(true).iter().enumerate() {
                    let ideal = l.ideal_cycles(cp.pe, cp.simd);
                    let m = l.model_cycles(&cp);
                    println!(
                        "| {} | {}×{} | {}→{} | {} | {ideal} | – | – | {m} | {:.2} % |",
                        i + 1,
                        l.h,
                        l.w,
                        l.c_in,
                        l.c_out,
                        l.a_in,
                        100.0 * ideal as f64 / m as f64
                    );
                }
            }
        }
        Some("verilog") => {
            let out = args
                .get(2)
                .map(String::as_str)
                .unwrap_or("qtrain_conv_engine.v");
            let mut eng = DefaultConvEngine::new(&cp)?;
            let v = eng.verilog()?;
            std::fs::write(out, v)?;
            println!("wrote {out}");
        }
        _ => {
            eprintln!("usage: bench_conv speed | util [--full] | verilog OUT.v");
            std::process::exit(2);
        }
    }
    Ok(())
}
