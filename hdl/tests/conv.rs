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
use qtrain_hdl::testbench::{word_stream_connections, word_stream_ports, Testbench};
use qtrain_hdl::tools::require;
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

#[test]
fn back_to_back_layers_under_back_pressure_lose_nothing() {
    // Layers queued in one input stream as a DMA sends them: the next layer's command is already
    // waiting while the previous layer's final words sit in the output under back-pressure. The
    // engine must finish the old layer's output before the new command resets the output unit.
    let cases = [
        make_case(11, 5, 19, 4, 4, 8, 4, false, 1),
        make_case(12, 19, 7, 4, 4, 4, 2, true, 2),
        make_case(13, 7, 70, 3, 5, 2, 3, false, 1),
        make_case(14, 70, 4, 2, 2, 3, 1, false, 1),
    ];
    let input: Vec<u64> = cases.iter().flat_map(|c| c.input.clone()).collect();
    let expect: Vec<u64> = cases.iter().flat_map(|c| c.expect.clone()).collect();
    let cp = params(4, 64);
    for c in &cases {
        c.layer.validate(&cp).unwrap();
    }
    for seed in 0..6 {
        let mut eng = ConvEngine::<4, 1, 4>::new(&cp).unwrap();
        eng.connect_all();
        check_all(&eng).unwrap();
        let stim = Stimulus {
            in_gap: [0.0, 0.2, 0.5][seed as usize % 3],
            out_stall: [0.6, 0.85, 0.95][seed as usize / 2],
            seed: 100 + seed,
        };
        let r = run(&mut eng, &input, expect.len(), stim, 2_000_000, None)
            .unwrap_or_else(|e| panic!("back-to-back layers, {stim:?}: {e}"));
        let mut at = 0;
        for c in &cases {
            let got = &r.out[at..at + c.expect.len()];
            if let Some(m) = first_mismatch(&c.layer, got, &c.expect) {
                panic!("back-to-back layers, {stim:?}, {:?}: {m}", c.layer);
            }
            at += c.expect.len();
        }
    }
}

/// The stream ports at each clock-low sample (the values the rising edge sees), one per cycle, read
/// back from the runner's VCD.
fn read_vcd(path: &std::path::Path) -> Vec<qtrain_hdl::vcd::PortSample> {
    qtrain_hdl::vcd::read_ports(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .port_cycles()
}

#[test]
fn waveform_handshakes_count_last_and_cycles() {
    // small engine so the VCD stays small: P=4, S=64, buffers sized for C ≤ 64, 8×8 maps
    let cp = ConvParams {
        pe: 4,
        simd: 64,
        max_act_bits: 4,
        max_h: 8,
        max_w: 8,
        max_c_in: 64,
        max_c_out: 64,
        line_row_words: 64,
    };
    let c = make_case(11, 32, 16, 6, 6, 2, 2, false, 1);
    c.layer.validate(&cp).unwrap();
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("conv_vcd");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, stim) in [("clean", Stimulus::clean()), ("noisy", noisy(12))] {
        let path = dir.join(format!("engine_{name}.vcd"));
        let mut eng = ConvEngine::<4, 1, 4>::new(&cp).unwrap();
        eng.connect_all();
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        run(
            &mut eng,
            &c.input,
            c.expect.len(),
            stim,
            200_000,
            Some(&mut f),
        )
        .unwrap();
        drop(f);
        let s = read_vcd(&path);
        assert!(!s.is_empty(), "{name}: empty VCD");
        // AXI-Stream rule: once valid is high, valid and data hold until ready.
        for (t, w) in s.windows(2).enumerate() {
            if w[0].out_valid && !w[0].out_ready {
                assert!(
                    w[1].out_valid
                        && w[1].out_data == w[0].out_data
                        && w[1].out_last == w[0].out_last,
                    "{name}: output word changed without a handshake at cycle {t}"
                );
            }
        }
        let ins: Vec<(usize, u64)> = s
            .iter()
            .enumerate()
            .filter(|(_, x)| x.in_valid && x.in_ready)
            .map(|(t, x)| (t, x.in_data))
            .collect();
        let outs: Vec<(usize, u64, bool)> = s
            .iter()
            .enumerate()
            .filter(|(_, x)| x.out_valid && x.out_ready)
            .map(|(t, x)| (t, x.out_data, x.out_last))
            .collect();
        // exactly the golden words, in order, `last` only on the final one
        let got: Vec<u64> = outs.iter().map(|o| o.1).collect();
        assert_eq!(got, c.expect, "{name}: output words at handshakes");
        assert_eq!(ins.len(), c.input.len(), "{name}: input words taken");
        for (i, o) in outs.iter().enumerate() {
            assert_eq!(
                o.2,
                i + 1 == outs.len(),
                "{name}: last flag on output word {i}"
            );
        }
        // nothing leaves before the command word went in
        assert_eq!(ins[0].1, c.layer.command_word());
        assert!(outs[0].0 > ins[0].0, "{name}: output before the command");
        if name == "clean" {
            let acts = ins[1 + c.layer.c_out + c.layer.weight_words()].0;
            let measured = (outs.last().unwrap().0 + 1 - acts) as f64;
            let ideal = c.layer.ideal_cycles(4, 64) as f64;
            assert!(
                measured <= 1.1 * ideal && measured >= ideal,
                "layer took {measured} cycles, ideal {ideal}: not within 10 %"
            );
            let model = c.layer.model_cycles(&cp) as f64;
            assert!(
                (measured - model).abs() <= 0.02 * model,
                "geometry model {model} vs measured {measured}: more than 2 % apart"
            );
        }
    }
}

/// Run a tool on the exported Verilog (present: [`require`] said so).
fn tool(cmd: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"))
}

#[test]
fn verilog_exports_parses_and_lints() {
    let mut eng = qtrain_hdl::conv::DefaultConvEngine::new(&ConvParams::default()).unwrap();
    let v = eng.verilog().unwrap();
    assert!(v.contains("module qtrain_conv_engine("), "top not renamed");
    assert!(!v.contains("module top"), "a module is still called top");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("conv_verilog");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("qtrain_conv_engine.v");
    std::fs::write(&path, &v).unwrap();
    let p = path.to_str().unwrap();
    let args = [
        "--lint-only",
        "-Wall",
        "-Wno-WIDTH",
        "-Wno-DECLFILENAME",
        "--top-module",
        "qtrain_conv_engine",
        p,
    ];
    let test = "verilog_exports_parses_and_lints";
    if require("verilator", test) {
        let o = tool("verilator", &args);
        assert!(
            o.status.success(),
            "verilator lint of {p} failed:\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    if require("iverilog", test) {
        let o = tool("iverilog", &["-g2005", "-o", "/dev/null", p]);
        assert!(
            o.status.success(),
            "iverilog could not compile {p}:\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

/// The exported Verilog runs a layer in Icarus Verilog, under random input gaps and output
/// back-pressure, and produces the golden output stream: the hand-written Verilog of every leaf
/// block agrees with its Rust model.
#[test]
fn verilog_cosim_matches_golden() {
    cosim(&[make_case(21, 3, 20, 4, 4, 2, 2, true, 1)], "c3_pool", 3);
    cosim(
        &[make_case(22, 100, 33, 3, 4, 3, 3, false, 2)],
        "c100_2img",
        3,
    );
}

/// Layers queued back to back in one stream (as a DMA sends them) under heavy back-pressure
/// (`out_ready` high one cycle in eight): the exported Verilog loses no word at a layer boundary.
#[test]
fn verilog_cosim_back_to_back_layers_under_back_pressure() {
    let cases = [
        make_case(31, 5, 19, 4, 4, 8, 4, false, 1),
        make_case(32, 19, 7, 4, 4, 4, 2, true, 2),
        make_case(33, 7, 70, 3, 5, 2, 3, false, 1),
        make_case(34, 70, 4, 2, 2, 3, 1, false, 1),
    ];
    cosim(&cases, "back_to_back", 7);
}

/// Run `cases` back to back through the exported engine in Icarus; `out_ready` is high three cycles
/// in four for `ready_mask` 3, else when `$random & ready_mask` is 0 (7: one cycle in eight).
fn cosim(cases: &[Case], name: &str, ready_mask: u32) {
    let mut eng = qtrain_hdl::conv::DefaultConvEngine::new(&ConvParams::default()).unwrap();
    let v = eng.verilog().unwrap();
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("conv_cosim")
        .join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("engine.v"), &v).unwrap();
    let input: Vec<u64> = cases.iter().flat_map(|c| c.input.clone()).collect();
    let n_expect: usize = cases.iter().map(|c| c.expect.len()).sum();
    let hex: String = input.iter().map(|w| format!("{w:016x}\n")).collect();
    std::fs::write(dir.join("in.hex"), hex).unwrap();
    let mut tb = Testbench::new("tb");
    tb.declare(&word_stream_ports("0"))
        .instance("qtrain_conv_engine", &word_stream_connections())
        .text(&format!(
            "  reg [63:0] mem_in [0:{}];\n  integer i, n_out, cyc, fd, seed;\n",
            input.len() - 1
        ))
        .clock()
        .text(&format!(
            r#"  initial begin
    $readmemh("in.hex", mem_in);
    fd = $fopen("out.hex", "w");
    i = 0; n_out = 0; cyc = 0; seed = 7;
    while (n_out < {nout} && cyc < {maxc}) begin
      @(negedge clock);
      in_valid = (i < {nin}) && (($random(seed) & 3) != 0);
      in_data = (i < {nin}) ? mem_in[i] : 64'd0;
      in_last = (i == {nin} - 1);
      out_ready = {ready};
      #3;
      if (out_valid && out_ready) begin $fwrite(fd, "%016x %0d\n", out_data, out_last); n_out = n_out + 1; end
      if (in_valid && in_ready) i = i + 1;
      cyc = cyc + 1;
    end
    $fclose(fd);
    $finish;
  end
"#,
            nin = input.len(),
            nout = n_expect,
            maxc = 400_000,
            ready = if ready_mask == 3 {
                "(($random(seed) & 3) != 0)".to_string()
            } else {
                format!("(($random(seed) & {ready_mask}) == 0)")
            }
        ));
    let tb = tb.finish();
    std::fs::write(dir.join("tb.v"), tb).unwrap();
    let test = format!("conv co-simulation {name}");
    if !(require("iverilog", &test) && require("vvp", &test)) {
        return;
    }
    let o = std::process::Command::new("iverilog")
        .current_dir(&dir)
        .args(["-g2005", "-o", "tb.vvp", "tb.v", "engine.v"])
        .output()
        .unwrap_or_else(|e| panic!("iverilog: {e}"));
    assert!(
        o.status.success(),
        "iverilog: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = std::process::Command::new("vvp")
        .current_dir(&dir)
        .args(["-n", "tb.vvp"])
        .output()
        .expect("vvp (installed with iverilog)");
    assert!(
        o.status.success(),
        "vvp: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = std::fs::read_to_string(dir.join("out.hex")).unwrap();
    let mut got = Vec::new();
    let mut lasts = Vec::new();
    for line in text.lines() {
        let mut f = line.split_whitespace();
        let w = f.next().unwrap();
        assert!(
            !w.contains('x') && !w.contains('z'),
            "undefined bits in output word {line}"
        );
        got.push(u64::from_str_radix(w, 16).unwrap());
        lasts.push(f.next() == Some("1"));
    }
    assert_eq!(
        got.len(),
        n_expect,
        "{name}: Verilog (Icarus) gave {} of {n_expect} output words",
        got.len()
    );
    let mut at = 0;
    for c in cases {
        let (g, l) = (
            &got[at..at + c.expect.len()],
            &lasts[at..at + c.expect.len()],
        );
        if let Some(m) = first_mismatch(&c.layer, g, &c.expect) {
            panic!(
                "{name}: Verilog (Icarus) vs golden, {:?}: first mismatch at {m}",
                c.layer
            );
        }
        let per_img = c.layer.out_words();
        for (i, &last) in l.iter().enumerate() {
            assert_eq!(
                last,
                (i + 1) % per_img == 0,
                "{name}: last flag on word {}",
                at + i
            );
        }
        at += c.expect.len();
    }
}

#[test]
fn skid_buffer_drops_and_duplicates_nothing() {
    use qtrain_hdl::stream::SkidBuffer;
    let mut rng = ChaCha8Rng::seed_from_u64(31);
    let mut sb = SkidBuffer::<Bits<16>>::default();
    sb.connect_all();
    check_all(&sb).unwrap();
    let n = 2000u64;
    let (mut sent, mut got) = (0u64, Vec::new());
    let mut full_rate = 0;
    for cycle in 0..20_000 {
        let all_ready = cycle < 100;
        let valid = sent < n && (all_ready || rng.gen_bool(0.7));
        sb.in_data.next = (sent & 0xFFFF).into();
        sb.in_valid.next = valid;
        sb.in_last.next = sent + 1 == n;
        sb.out_ready.next = all_ready || rng.gen_bool(0.6);
        sb.clock.next = Clock { clk: false };
        assert!(simulate(&mut sb, 100));
        if sb.out_valid.val() && sb.out_ready.val() {
            got.push((sb.out_data.val().index() as u64, sb.out_last.val()));
            if all_ready {
                full_rate += 1;
            }
        }
        if valid && sb.in_ready.val() {
            sent += 1;
        }
        sb.clock.next = Clock { clk: true };
        assert!(simulate(&mut sb, 100));
        if got.len() as u64 == n {
            break;
        }
    }
    let want: Vec<(u64, bool)> = (0..n).map(|i| (i & 0xFFFF, i + 1 == n)).collect();
    assert_eq!(got, want);
    assert!(
        full_rate >= 98,
        "one word a cycle without stalls, got {full_rate} in 100 cycles"
    );
}

/// VGG-BC's six conv layers (C_in, C_out, H=W, A_in, pool).
const VGG_BC: [(usize, usize, usize, u32, bool); 6] = [
    (3, 128, 32, 8, true),
    (128, 128, 32, 2, true),
    (128, 256, 16, 2, false),
    (256, 256, 16, 2, true),
    (256, 512, 8, 2, false),
    (512, 512, 8, 2, true),
];

#[test]
fn geometry_model_within_2_percent_of_runner_and_vgg_utilisation() {
    let cp = ConvParams::default();
    for (i, &(c_in, c_out, hw, a_in, pool)) in VGG_BC.iter().enumerate() {
        // cut down to 4×4 on the runner: the model must agree within 2 %
        let c = make_case(40 + i as u64, c_in, c_out, 4, 4, a_in, 2, pool, 1);
        let r = run_case::<16, 1, 16>(&c, Stimulus::clean());
        let acts = r.in_cycle[1 + c_out + c.layer.weight_words()];
        let measured = (r.out_cycle.last().unwrap() + 1 - acts) as f64;
        let model = c.layer.model_cycles(&cp) as f64;
        assert!(
            (measured - model).abs() <= 0.02 * measured,
            "layer {}: model {model} vs runner {measured}",
            i + 1
        );
        // full size on the model: utilisation ≥ 95 %
        let full = ConvLayer {
            h: hw,
            w: hw,
            ..c.layer.clone()
        };
        let util = full.ideal_cycles(16, 64) as f64 / full.model_cycles(&cp) as f64;
        assert!(util >= 0.95, "layer {}: utilisation {util}", i + 1);
    }
}
