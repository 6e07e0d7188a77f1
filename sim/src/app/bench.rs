//! `sim bench`: simulated clock cycles per second of the cycle-accurate backends, side by side on the
//! same work — the first `layers` conv layers of full-size VGG-BC on one synthetic image, full-speed
//! streams, every output value still checked against the golden model — so the figures compare
//! simulators, not workloads:
//!
//! * `rtl-engine`: the rust-hdl conv engine alone behind the host-side shim (`--rtl-target engine`);
//! * `rtl`: the rust-hdl accelerator top `qtrain_accel` (`--rtl-target top`);
//! * `verilator`: the exported `qtrain_accel.v` compiled by Verilator (`--backend verilator`).
//!
//! Cycles/s counts only the time inside the device (as the run report's figure does): not the host's
//! packing and golden-model checks, nor the Verilator model's one-time compile, reported apart.

use std::time::Instant;

use qtrain::hw::HwConfig;

use crate::devices::rtl::{RtlDevice, RtlTarget};
use crate::devices::stream::{StreamDevice, Traffic};
use crate::devices::verilator::VerilatorDevice;
use crate::error::SimError;
use crate::host::driver::{planar_to_hwc, run_batch, synthetic_images, ParamSource};
use crate::host::plan::NetPlan;

/// Idle cycles before a benchmark run counts as stalled.
const WATCHDOG: u64 = 200_000;

/// One backend's figures.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BenchRow {
    /// Backend name as the run report prints it.
    pub backend: String,
    /// What it simulates.
    pub simulates: &'static str,
    /// Clock cycles simulated.
    pub cycles: u64,
    /// Seconds inside the device.
    pub device_seconds: f64,
    /// cycles / device_seconds.
    pub cycles_per_second: f64,
}

/// The whole benchmark.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Bench {
    /// Conv layers run (conv1 ..).
    pub layers: Vec<String>,
    /// PEs P.
    pub pe: usize,
    /// SIMD lanes S.
    pub simd: usize,
    /// One row per backend.
    pub rows: Vec<BenchRow>,
    /// Seconds the Verilator model took to compile in this run (`None`: it came from the cache).
    pub verilator_compile_seconds: Option<f64>,
    /// Seconds to start the Verilator device (compile or cache look-up, process start).
    pub verilator_start_seconds: f64,
}

fn measure(
    name: &str,
    simulates: &'static str,
    dev: &mut dyn StreamDevice,
    plan: &NetPlan,
    hw: &HwConfig,
) -> Result<BenchRow, SimError> {
    let images: Vec<Vec<u32>> = synthetic_images(1, 1)
        .iter()
        .map(|i| planar_to_hwc(i))
        .collect();
    let mut params = ParamSource::Synthetic { seed: 1 };
    let (reps, _) = run_batch(
        plan,
        dev,
        &mut params,
        &images,
        hw.conv.pe,
        hw.conv.simd,
        |_| {},
    )?;
    if let Some(l) = reps.iter().find(|l| l.mismatches > 0) {
        return Err(SimError::Protocol(format!(
            "{name}: {} differs from the golden model ({} values, first at {})",
            l.name,
            l.mismatches,
            l.first_mismatch.as_deref().unwrap_or("?")
        )));
    }
    let cycles: u64 = reps.iter().map(|l| l.cycles).sum();
    let secs: f64 = reps.iter().map(|l| l.wall_seconds).sum();
    Ok(BenchRow {
        backend: name.into(),
        simulates,
        cycles,
        device_seconds: secs,
        cycles_per_second: cycles as f64 / secs.max(1e-9),
    })
}

/// Run the first `layers` (1..=6) conv layers of full-size VGG-BC on each backend for `hw` (a shape
/// the rtl top and export both instantiate; the caller checks it).
pub fn run(hw: &HwConfig, layers: usize) -> Result<Bench, SimError> {
    let mut plan = NetPlan::new("vgg-bc", 1.0, 4).map_err(|e| SimError::Protocol(e.to_string()))?;
    plan.convs.truncate(layers.max(1));
    let full = Traffic::FULL_SPEED;
    let mut rows = Vec::new();
    let mut eng = RtlDevice::new(hw, RtlTarget::Engine, full, WATCHDOG)?;
    rows.push(measure(
        "rtl-engine",
        "rust-hdl conv engine (host-side shim)",
        &mut eng,
        &plan,
        hw,
    )?);
    let mut top = RtlDevice::new(hw, RtlTarget::Top, full, WATCHDOG)?;
    rows.push(measure(
        "rtl",
        "rust-hdl accelerator top",
        &mut top,
        &plan,
        hw,
    )?);
    let t0 = Instant::now();
    let mut ver = VerilatorDevice::new(hw, full, WATCHDOG, None)?;
    let start = t0.elapsed().as_secs_f64();
    let compile = ver.model().compile_seconds;
    rows.push(measure(
        "verilator",
        "exported qtrain_accel.v, Verilator",
        &mut ver,
        &plan,
        hw,
    )?);
    Ok(Bench {
        layers: plan.convs.iter().map(|c| c.name.clone()).collect(),
        pe: hw.conv.pe,
        simd: hw.conv.simd,
        rows,
        verilator_compile_seconds: compile,
        verilator_start_seconds: start,
    })
}

impl Bench {
    /// The table for people.
    pub fn table(&self) -> String {
        let mut s = format!(
            "sim bench: full-size VGG-BC {} (1 synthetic image, full-speed streams, every value checked), P={} S={}\n",
            self.layers.join(", "),
            self.pe,
            self.simd
        );
        s += &format!(
            "{:<11} {:<38} {:>10} {:>9} {:>12} {:>10}\n",
            "backend", "simulates", "cycles", "device s", "cycles/s", "vs rtl top"
        );
        let top = self
            .rows
            .iter()
            .find(|r| r.backend == "rtl")
            .map(|r| r.cycles_per_second)
            .unwrap_or(1.0);
        for r in &self.rows {
            s += &format!(
                "{:<11} {:<38} {:>10} {:>9.2} {:>12.0} {:>9.1}x\n",
                r.backend,
                r.simulates,
                r.cycles,
                r.device_seconds,
                r.cycles_per_second,
                r.cycles_per_second / top.max(1e-9)
            );
        }
        s += &match self.verilator_compile_seconds {
            Some(c) => format!(
                "verilator model: compiled in {c:.1} s in this run (once per hardware configuration, then cached)\n"
            ),
            None => format!(
                "verilator model: from the cache (started in {:.2} s; the first run compiles it)\n",
                self.verilator_start_seconds
            ),
        };
        s
    }
}
