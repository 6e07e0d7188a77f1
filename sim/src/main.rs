//! `sim`: run a network's conv layers through the accelerator, cycle by cycle, check every layer
//! against the golden model bit for bit, and report cycles, utilisation and accuracy. Flags become
//! validated configurations in `qtrain_sim::cli`; the applications are `qtrain_sim::app`'s; this file
//! only wires them together and prints.

use anyhow::{bail, Result};
use clap::Parser;
use qtrain::output::{self as outputs, Target};
use qtrain_sim::app::{self, progress};
use qtrain_sim::cli::run::{RunArgs, RunMode};
use qtrain_sim::cli::{BenchArgs, Cli, ExportArgs, SimCmd};

fn main() {
    // Errors are for users: the message chain, no backtrace, exit status 1.
    let cli = Cli::parse();
    let result = match cli.cmd {
        Some(SimCmd::Run(a)) => run(a),
        None => run(cli.run),
        Some(SimCmd::Train(a)) => a.validate().and_then(app::train::run).map_err(Into::into),
        Some(SimCmd::Export(a)) => export(a),
        Some(SimCmd::Bench(a)) => bench(a),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

/// `sim run`: an inference session or hardware-in-the-loop steps.
fn run(args: RunArgs) -> Result<()> {
    let c = args.validate()?;
    match &c.mode {
        RunMode::Session(s) => {
            let pb = progress::bar(s.layer_batches(), "layer-batches");
            let (report, vcd) = app::session::run(s, &c.hw.cfg, &c.device, |name| {
                pb.set_message(name.to_string());
                pb.inc(1);
            })?;
            pb.finish_and_clear();
            // the table, the waveform and the JSON also when the hardware differs: they are what
            // the difference is debugged with
            print!("{}", report.table());
            if let Some(v) = vcd {
                v.commit()?;
            }
            write_json(c.json.as_ref(), &report)?;
            if !report.all_match {
                for l in report.layers.iter().filter(|l| l.mismatches > 0) {
                    let at = l.first_mismatch.as_deref().unwrap_or("?");
                    eprintln!("{}: {} mismatches, first at {at}", l.name, l.mismatches);
                }
                bail!("the hardware differs from the golden model");
            }
        }
        RunMode::Train(h) => {
            // the same device as a session's: conv and update transactions on its one stream pair
            let (device, _) = c.device.open(&h.hw, None)?;
            let pb = progress::bar(h.steps, "steps");
            let report = app::hil::run(h, device, |st| {
                pb.set_message(format!("loss {:.4}", st.loss));
                pb.inc(1);
            })?;
            pb.finish_and_clear();
            print!("{}", report.table());
            write_json(c.json.as_ref(), &report)?;
            if let Some(m) = &report.first_mismatch {
                bail!("the hardware path differs from the golden integer training path at {m}");
            }
        }
    }
    Ok(())
}

/// `--json FILE`, when given.
fn write_json(target: Option<&Target>, value: &impl serde::Serialize) -> Result<()> {
    if let Some(j) = target {
        outputs::write(j, serde_json::to_string_pretty(value)?.as_bytes())?;
    }
    Ok(())
}

/// `sim export`: the files written and how to replay the vectors.
fn export(args: ExportArgs) -> Result<()> {
    let c = args.validate()?;
    let e = app::export::export(&c.out, &c.hw.cfg, c.overwrite, c.layer.as_deref())?;
    for f in &e.files {
        println!("wrote {}", f.display());
    }
    let out = c.out.display();
    let replay = |tb: &str, top: &str| {
        format!("replay: cd {out} && iverilog -g2005 -o tb {tb} {top}.v && vvp -n tb")
    };
    println!(
        "conv vectors: {} input words, {} expected output words ({})",
        e.conv_in_words,
        e.conv_out_words,
        replay("tb_conv.v", qtrain_hdl::conv::engine::VERILOG_TOP)
    );
    println!(
        "accelerator-top vectors: {} input words, {} expected output words ({})",
        e.accel_in_words,
        e.accel_out_words,
        replay("tb_accel.v", qtrain_hdl::accel::ACCEL_TOP)
    );
    Ok(())
}

/// `sim bench`: the cycle-accurate backends' simulated cycles/s side by side.
fn bench(args: BenchArgs) -> Result<()> {
    let c = args.validate()?;
    let b = app::bench::run(&c.hw.cfg, c.layers)?;
    print!("{}", b.table());
    write_json(c.json.as_ref(), &b)
}
