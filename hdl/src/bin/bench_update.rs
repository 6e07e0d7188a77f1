//! `bench_update`: updates per second of the fast direct-`simulate()` runner of the update unit (and of
//! the golden model, for scale), and the Verilog export.
//!
//! ```text
//! cargo run --release -p qtrain-hdl --bin bench_update -- [--beats N] [--mode r|sr|bc] [--verilog OUT.v]
//! cargo run --release -p qtrain-hdl --bin bench_update -- --lane-verilog OUT.v \
//!     [--w-bits B --w-frac F] [--u-bits B --u-frac F]
//! cargo run --release -p qtrain-hdl --bin bench_update -- --lane-study DIR
//! ```
//! `--lane-verilog` writes one update lane at the given formats (default `UpdateParams`' otherwise);
//! `--lane-study` writes every `qtrain_hdl::update::verilog::LANE_STUDY` lane into DIR with a
//! `lanes.tsv` index (file, w_format, u_format), for `bitstreams/update-lane-area`.
//! Default: 20 000 beats (320 000 updates) of SR on the binary grid at full speed, L = 16, Q2.14 weights,
//! 8-bit steps. Every hardware output is compared with the golden model after timing.

use std::time::Instant;

use anyhow::{bail, Context};
use qtrain::exact::update::{UpdateCommand, UpdateGrid, UpdateMode, UpdateUnitModel};
use qtrain::hw::UpdateParams;
use qtrain_hdl::update::runner::Traffic;
use qtrain_hdl::update::verilog::{update_lane_verilog, update_unit_verilog, LANE_STUDY};
use qtrain_hdl::update::UpdateRunner;

fn main() -> anyhow::Result<()> {
    let mut beats = 20_000usize;
    let mut mode = UpdateMode::Sr;
    let mut verilog = None;
    let mut lane_verilog = None;
    let mut lane_study = None;
    let mut lp = UpdateParams::default();
    let mut args = std::env::args().skip(1);
    fn num(args: &mut impl Iterator<Item = String>, flag: &str) -> anyhow::Result<u32> {
        let v = args
            .next()
            .with_context(|| format!("{flag} needs a value"))?;
        v.parse()
            .with_context(|| format!("{flag} {v}: expected a non-negative integer"))
    }
    while let Some(a) = args.next() {
        match a.as_str() {
            "--beats" => beats = args.next().context("--beats N")?.parse()?,
            "--mode" => {
                mode = match args.next().context("--mode r|sr|bc")?.as_str() {
                    "r" => UpdateMode::R,
                    "sr" => UpdateMode::Sr,
                    "bc" => UpdateMode::Bc,
                    m => bail!("unknown mode {m}"),
                }
            }
            "--verilog" => verilog = Some(args.next().context("--verilog OUT.v")?),
            "--lane-verilog" => lane_verilog = Some(args.next().context("--lane-verilog OUT.v")?),
            "--lane-study" => lane_study = Some(args.next().context("--lane-study DIR")?),
            "--w-bits" => lp.w_format.total_bits = num(&mut args, "--w-bits")?,
            "--w-frac" => lp.w_format.frac_bits = num(&mut args, "--w-frac")?,
            "--u-bits" => lp.u_format.total_bits = num(&mut args, "--u-bits")?,
            "--u-frac" => lp.u_format.frac_bits = num(&mut args, "--u-frac")?,
            _ => bail!(
                "usage: bench_update [--beats N] [--mode r|sr|bc] [--verilog OUT.v] \
                 [--lane-verilog OUT.v [--w-bits B --w-frac F --u-bits B --u-frac F]] [--lane-study DIR]"
            ),
        }
    }
    if let Some(dir) = lane_study {
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {dir}"))?;
        let mut index = String::from("file\tw_format\tu_format\n");
        for (w, u) in LANE_STUDY {
            let p = UpdateParams {
                w_format: w,
                u_format: u,
                ..UpdateParams::default()
            };
            let file = format!("lane-w{}-u{}.v", w.total_bits, u.total_bits);
            let path = std::path::Path::new(&dir).join(&file);
            std::fs::write(&path, update_lane_verilog(&p)?)
                .with_context(|| format!("writing {}", path.display()))?;
            index.push_str(&format!("{file}\t{w}\t{u}\n"));
        }
        let path = std::path::Path::new(&dir).join("lanes.tsv");
        std::fs::write(&path, index).with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {} lanes and {}", LANE_STUDY.len(), path.display());
        return Ok(());
    }
    if let Some(path) = lane_verilog {
        let v = update_lane_verilog(&lp)?;
        std::fs::write(&path, v).with_context(|| format!("writing {path}"))?;
        println!("wrote {path} (w {}, u {})", lp.w_format, lp.u_format);
        return Ok(());
    }
    let p = UpdateParams::default();
    if let Some(path) = verilog {
        let v = update_unit_verilog::<16, 16, 8>(&p)?;
        std::fs::write(&path, v).with_context(|| format!("writing {path}"))?;
        println!("wrote {path}");
        return Ok(());
    }
    let c = UpdateCommand {
        mode,
        grid: UpdateGrid::Binary,
        reseed: Some(2017),
        ..Default::default()
    };
    // Deterministic stimulus (SplitMix64).
    let mut g = qtrain::splitmix::SplitMix64::new(1);
    let mut next = || g.next_u64();
    let n = beats * p.lanes;
    let w: Vec<i64> = (0..n).map(|_| (next() % 65536) as i64 - 32768).collect();
    let u: Vec<i64> = (0..n).map(|_| (next() % 256) as i64 - 128).collect();

    let mut r = UpdateRunner::<16, 16, 8>::new(&p)?;
    r.command(c.encode(&p)?)?;
    let c0 = r.cycles();
    let t0 = Instant::now();
    let (hw, _) = r.stream(&w, &u, &mut Traffic::full_speed())?;
    let dt = t0.elapsed().as_secs_f64();
    let cycles = r.cycles() - c0;

    let mut m = UpdateUnitModel::new(&p)?;
    m.command(&c)?;
    let t1 = Instant::now();
    let golden = m.run(&w, &u)?;
    let dt_gold = t1.elapsed().as_secs_f64();
    for (b, (g, h)) in golden.iter().zip(&hw).enumerate() {
        for (l, o) in g.lanes.iter().enumerate() {
            if o.w != h.w[l] || o.q != h.q[l] {
                bail!("mismatch at update {}", b * p.lanes + l);
            }
        }
    }
    println!(
        "mode {mode:?}, {n} updates ({beats} beats of {} lanes) in {cycles} cycles, {dt:.2} s: \
         {:.0} updates/s, {:.0} cycles/s (rust-hdl direct simulate()); golden model {:.0} updates/s; \
         all outputs equal",
        p.lanes,
        n as f64 / dt,
        cycles as f64 / dt,
        n as f64 / dt_gold
    );
    Ok(())
}
