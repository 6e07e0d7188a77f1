//! `sim export`: the hardware as files a synthesis flow takes — each core's Verilog under a stable
//! top-module name, the parameters it was built with, and golden stimulus/expected-output vectors
//! (`$readmemh` format) with Icarus test benches that replay them against the exported Verilog.
//!
//! Files: `qtrain_accel.v` (the accelerator top: conv engine + update unit behind one stream pair,
//! the module synthesis and `bitstreams/rtl/qtrain_accel_axis.v` use), `qtrain_conv_engine.v` and
//! `qtrain_update_unit.v` (the blocks alone), `params.toml`; `conv_in.hex`/`conv_out.hex` +
//! `tb_conv.v` (one layer on the bare engine); `accel_in.hex`/`accel_in_last.hex`/`accel_out.hex`/
//! `accel_out_flags.hex` + `tb_accel.v` (an interleaved conv + update + counters session through
//! the top, wire format `qtrain::exact::accel`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use qtrain::exact::accel::{
    conv_transaction, counter, counters_transaction, golden_top, update_transaction,
};
use qtrain::exact::geometry::{input_stream, output_stream, ConvLayer};
use qtrain::exact::update::{pad_filters, UpdateCommand, UpdateGrid, UpdateMode};
use qtrain::exact::{pack, xnor_conv};
use qtrain::hw::HwConfig;
use qtrain_hdl::accel::ACCEL_TOP;
use qtrain_hdl::conv::engine::VERILOG_TOP;
use qtrain_hdl::update::verilog::UPDATE_TOP;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub use crate::devices::verilog::verilog;
use crate::error::{usage, SimError};
use crate::host::driver::calibrate;

type Result<T, E = SimError> = std::result::Result<T, E>;

mod testbench;
pub use testbench::{accel_testbench, conv_testbench};

/// What an export wrote.
#[derive(Debug)]
pub struct Exported {
    /// Files written, in order.
    pub files: Vec<PathBuf>,
    /// Input words of the conv vectors.
    pub conv_in_words: usize,
    /// Expected output words of the conv vectors.
    pub conv_out_words: usize,
    /// Input words of the accelerator-top vectors.
    pub accel_in_words: usize,
    /// Expected output words of the accelerator-top vectors.
    pub accel_out_words: usize,
}

/// The small layer of the golden vectors: channel counts that divide neither P nor 64, 2 images,
/// 2-bit activations and pooling, so every path of the engine is exercised in a few thousand cycles.
pub fn vector_layer() -> ConvLayer {
    ConvLayer {
        c_in: 5,
        c_out: 19,
        h: 6,
        w: 6,
        a_in: 2,
        a_out: 2,
        pool: true,
        sh: 0,
        images: 2,
    }
}

/// Stimulus and expected output of [`vector_layer`] (seeded), as stream words.
pub fn conv_vectors(seed: u64) -> Result<(Vec<u64>, Vec<u64>)> {
    let mut l = vector_layer();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let w: Vec<i8> = (0..l.c_out * 9 * l.c_in)
        .map(|_| if rng.gen::<bool>() { 1 } else { -1 })
        .collect();
    let weights = pack::pack_weights(&w, l.c_out, 3, l.c_in)?;
    let images: Vec<Vec<u32>> = (0..l.images)
        .map(|_| {
            (0..l.h * l.w * l.c_in)
                .map(|_| rng.gen_range(0..1u32 << l.a_in))
                .collect()
        })
        .collect();
    let z = images
        .iter()
        .map(|a| xnor_conv::xnor_conv(&l, &weights, a))
        .collect::<Result<Vec<_>, _>>()?;
    let rq = calibrate(&l, &z)?;
    l.sh = rq.sh;
    let outs = images
        .iter()
        .map(|a| xnor_conv::conv_layer(&l, &weights, &rq, a))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((
        input_stream(&l, &rq, &weights, &images)?,
        output_stream(&l, &outs)?,
    ))
}

/// The accelerator top's golden session: transactions (header + payload each) and, per expected
/// output word, (data, `last`, compared?). The busy-cycle counters depend on the bench's traffic, so
/// they are not compared.
#[derive(Debug, Clone)]
pub struct AccelVectors {
    /// Transactions in order.
    pub transactions: Vec<Vec<u64>>,
    /// Expected output words with their `last` flag and whether the bench compares the data.
    pub expect: Vec<(u64, bool, bool)>,
}

/// A seeded conv + update (SR, reseed, sign packing) + conv + update (BC) + counters session for the
/// top of `hw`: every transaction kind, with the expected responses from the golden top
/// (`qtrain::exact::accel::golden_top`, the one definition of the top's behaviour). The first conv
/// is the transaction `first` (e.g. a full-size network layer from [`network_layer_vectors`]) or the
/// small [`vector_layer`].
pub fn accel_vectors(hw: &HwConfig, seed: u64, first: Option<Vec<u64>>) -> Result<AccelVectors> {
    let p = &hw.update;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (wf, uf) = (p.w_format, p.u_format);
    let data = |n: usize, rng: &mut ChaCha8Rng| -> (Vec<i64>, Vec<i64>) {
        (
            (0..n)
                .map(|_| rng.gen_range(wf.min_raw()..=wf.max_raw()))
                .collect(),
            (0..n)
                .map(|_| rng.gen_range(uf.min_raw()..=uf.max_raw()))
                .collect(),
        )
    };
    let mut t: Vec<Vec<u64>> = Vec::new();
    t.push(match first {
        Some(tx) => tx,
        None => conv_transaction(&conv_vectors(seed)?.0)?,
    });
    // SR with reseed and packing: 2 filters of 9·5 weights, each padded to whole beats.
    let fb = 45;
    let (w, u) = data(2 * fb, &mut rng);
    let (w, u) = (
        pad_filters(&w, fb, p.lanes, 0)?,
        pad_filters(&u, fb, p.lanes, 0)?,
    );
    let sr = UpdateCommand {
        mode: UpdateMode::Sr,
        grid: UpdateGrid::Binary,
        pack: true,
        filter_bits: fb as u32,
        reseed: Some(seed ^ 0x5EED),
        clear_saturation: true,
    }
    .encode(p)?;
    t.push(update_transaction(p, sr, &w, &u)?);
    t.push(conv_transaction(&conv_vectors(seed + 1)?.0)?);
    let (w, u) = data(3 * p.lanes, &mut rng);
    let bc = UpdateCommand {
        mode: UpdateMode::Bc,
        ..UpdateCommand::default()
    }
    .encode(p)?;
    t.push(update_transaction(p, bc, &w, &u)?);
    t.push(counters_transaction());
    let r: Vec<Vec<u64>> = golden_top(hw)?
        .run(&t.concat())?
        .into_iter()
        .map(|r| r.words)
        .collect();
    if r.len() != t.len() {
        usage!(
            "the golden top answered {} of {} transactions",
            r.len(),
            t.len()
        );
    }
    // busy cycles depend on the bench's traffic: not compared
    let n = r.len();
    let mut expect = Vec::new();
    for (j, rx) in r.iter().enumerate() {
        for (k, &w) in rx.iter().enumerate() {
            let busy = j + 1 == n && (k == counter::CONV_BUSY || k == counter::UPDATE_BUSY);
            expect.push((w, k + 1 == rx.len(), !busy));
        }
    }
    Ok(AccelVectors {
        transactions: t,
        expect,
    })
}

/// A device that records every transaction a host driver sends through it (and the response), in
/// front of the transaction-level model: how [`network_layer_vectors`] gets a real network layer's
/// transaction with exactly the parameters and inputs `sim` itself would stream.
struct Recorder {
    inner: crate::devices::model::ModelDevice,
    log: Vec<(Vec<u64>, Vec<u64>)>,
}

impl crate::devices::stream::StreamDevice for Recorder {
    fn backend(&self) -> &'static str {
        "recorder"
    }
    fn cycle_accurate(&self) -> bool {
        false
    }
    fn transfer(
        &mut self,
        input: &[u64],
        n_out: usize,
    ) -> Result<crate::devices::stream::Transfer, crate::error::SimError> {
        let t = self.inner.transfer(input, n_out)?;
        self.log.push((input.to_vec(), t.output.clone()));
        Ok(t)
    }
}

/// The conv transaction and golden response of layer `name` (e.g. `conv3`) of full-size VGG-BC with
/// `act_bits`-bit activations, on one synthetic image through the layers before it — the same
/// synthetic weights, calibration and inputs as `sim --net vgg-bc --seed SEED` streams.
pub fn network_layer_vectors(
    hw: &HwConfig,
    name: &str,
    act_bits: u32,
    seed: u64,
) -> Result<(Vec<u64>, Vec<u64>)> {
    let mut plan = crate::host::plan::NetPlan::new("vgg-bc", 1.0, act_bits)?;
    let Some(at) = plan.convs.iter().position(|c| c.name == name) else {
        let names: Vec<&str> = plan.convs.iter().map(|c| c.name.as_str()).collect();
        usage!(
            "--layer {name}: expected a layer of vgg-bc, one of {}",
            names.join(", ")
        );
    };
    plan.convs.truncate(at + 1);
    for pc in &plan.convs {
        pc.layer.validate(&hw.conv).map_err(|e| {
            SimError::Usage(format!(
                "--layer {name}: {} does not fit the engine configuration: {e}",
                pc.name
            ))
        })?;
    }
    let mut dev = Recorder {
        inner: crate::devices::model::ModelDevice::new(hw)?,
        log: Vec::new(),
    };
    let images: Vec<Vec<u32>> = crate::host::driver::synthetic_images(1, seed)
        .iter()
        .map(|i| crate::host::driver::planar_to_hwc(i))
        .collect();
    let mut params = crate::host::driver::ParamSource::Synthetic { seed };
    crate::host::driver::run_batch(
        &plan,
        &mut dev,
        &mut params,
        &images,
        hw.conv.pe,
        hw.conv.simd,
        |_| {},
    )?;
    dev.log
        .pop()
        .ok_or_else(|| SimError::Usage(format!("--layer {name}: no transaction was recorded")))
}

fn hex(words: &[u64]) -> String {
    words.iter().fold(String::new(), |mut s, w| {
        let _ = writeln!(s, "{w:016x}");
        s
    })
}

/// Export everything for the configuration `hw` into `dir`, all or nothing: every file is generated
/// in memory, written into a temporary sibling of `dir` and moved into place only when complete
/// (`qtrain::output::write_dir`). An existing non-empty `dir` is refused unless `overwrite`, and then
/// replaced only once the new export is complete; a failure leaves `dir` as it was and no
/// temporary behind.
///
/// `layer` (e.g. `Some("conv3")`) makes the accelerator-top session's first conv transaction that
/// full-size VGG-BC layer (4-bit activations, 8-bit pixels into conv1) instead of the small vector
/// layer, for benches that must see a real layer (the cocotb AXI4-Stream bench).
pub fn export(dir: &Path, hw: &HwConfig, overwrite: bool, layer: Option<&str>) -> Result<Exported> {
    let [accel_v, conv_v, update_v] = verilog(hw)?;
    let (vin, vout) = conv_vectors(2017)?;
    let l = vector_layer();
    let first = layer
        .map(|name| network_layer_vectors(hw, name, 4, 2017).map(|(tx, _)| tx))
        .transpose()?;
    let av = accel_vectors(hw, 2017, first)?;
    let ain: Vec<u64> = av.transactions.concat();
    let mut ain_last = String::new();
    for tx in &av.transactions {
        for k in 0..tx.len() {
            ain_last.push_str(if k + 1 == tx.len() { "1\n" } else { "0\n" });
        }
    }
    let aout: Vec<u64> = av.expect.iter().map(|e| e.0).collect();
    let flags: String = av
        .expect
        .iter()
        .map(|&(_, last, cmp)| format!("{}\n", (cmp as u8) << 1 | last as u8))
        .collect();
    let contents: Vec<(String, String)> = vec![
        (format!("{ACCEL_TOP}.v"), accel_v),
        (format!("{VERILOG_TOP}.v"), conv_v),
        (format!("{UPDATE_TOP}.v"), update_v),
        (
            "params.toml".into(),
            format!(
                "# Hardware configuration the Verilog in this directory was generated from (qtrain HwConfig).\n{}",
                toml::to_string(hw).map_err(|e| SimError::Usage(format!("params.toml: {e}")))?
            ),
        ),
        ("conv_in.hex".into(), hex(&vin)),
        ("conv_out.hex".into(), hex(&vout)),
        (
            "tb_conv.v".into(),
            conv_testbench(vin.len(), vout.len(), l.out_words()),
        ),
        ("accel_in.hex".into(), hex(&ain)),
        ("accel_in_last.hex".into(), ain_last),
        ("accel_out.hex".into(), hex(&aout)),
        ("accel_out_flags.hex".into(), flags),
        (
            "tb_accel.v".into(),
            accel_testbench(ain.len(), aout.len()),
        ),
    ];
    qtrain::output::write_dir(dir, overwrite, "--overwrite", |tmp| {
        for (name, text) in &contents {
            let p = tmp.join(name);
            std::fs::write(&p, text).map_err(|e| qtrain::QtrainError::io(&p, e))?;
        }
        Ok(())
    })?;
    Ok(Exported {
        files: contents.iter().map(|(n, _)| dir.join(n)).collect(),
        conv_in_words: vin.len(),
        conv_out_words: vout.len(),
        accel_in_words: ain.len(),
        accel_out_words: aout.len(),
    })
}
