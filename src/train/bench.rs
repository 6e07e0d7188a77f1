//! `qtrain bench`: training throughput (images/s) of full training steps — forward, backward and the
//! method's update — on a fixed synthetic batch, so it needs no data set and measures only compute.

use std::time::Instant;

use ndarray::{ArrayD, IxDyn};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::layers::softmax_cross_entropy;
use crate::models::{Net, NetSpec};
use crate::optim::{Method, Optimizer};
use crate::quant::Grid;

/// One method's measurement.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BenchResult {
    /// Method name.
    pub method: String,
    /// Images per timed step.
    pub batch: usize,
    /// Timed steps.
    pub steps: usize,
    /// Wall seconds of the timed steps.
    pub seconds: f64,
    /// batch·steps / seconds.
    pub images_per_second: f64,
    /// CPU seconds (all threads) of the timed steps, where the OS reports them (Linux).
    pub cpu_seconds: Option<f64>,
}

/// This process's user + system CPU seconds from `/proc/self/stat` (Linux, USER_HZ = 100), so that a
/// benchmark on shared cores can say how much CPU it actually got.
pub fn process_cpu_seconds() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Time `steps` training steps (after one untimed warm-up step) of `spec` with `method`.
pub fn bench(spec: NetSpec, method: Method, batch: usize, steps: usize) -> BenchResult {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let x = ArrayD::from_shape_fn(IxDyn(&[batch, 3, 32, 32]), |_| rng.gen::<f32>() * 2.0 - 1.0);
    let labels: Vec<u16> = (0..batch)
        .map(|_| rng.gen_range(0..spec.classes as u16))
        .collect();
    let mut net = Net::<f32>::new(spec, 0);
    let mut opt = Optimizer::new(method, Grid::Binary, 1.0, net.params());
    let mut step = |net: &mut Net<f32>| {
        let logits = net.forward(x.clone(), true);
        let (_, d, _) = softmax_cross_entropy(&logits, &labels);
        net.backward_params(d);
        opt.step(net.params(), 0.01);
    };
    step(&mut net);
    let cpu0 = process_cpu_seconds();
    let t0 = Instant::now();
    for _ in 0..steps {
        step(&mut net);
    }
    let seconds = t0.elapsed().as_secs_f64();
    let cpu_seconds = process_cpu_seconds().zip(cpu0).map(|(b, a)| b - a);
    BenchResult {
        method: method.name(),
        batch,
        steps,
        seconds,
        images_per_second: (batch * steps) as f64 / seconds,
        cpu_seconds,
    }
}

/// The integer training path's name of `mode` in the benchmark's method list (`accel-sr`, …).
pub fn accel_method(s: &str) -> Option<crate::exact::update::UpdateMode> {
    s.strip_prefix("accel-")
        .and_then(super::integer::run::parse_method)
}

/// Time `steps` steps of the integer training path — the engine's arithmetic for every conv forward
/// and weight update, the host's backward, ADAM and learned BN: what `sim train` runs — on vgg-bc at
/// `width` with `act_bits`-bit activations, on a fixed synthetic batch of raw-pixel codes.
pub fn bench_integer(
    width: f64,
    act_bits: u32,
    mode: crate::exact::update::UpdateMode,
    batch: usize,
    steps: usize,
) -> crate::error::Result<BenchResult> {
    use super::integer::{IntegerConfig, IntegerTrainer};
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let x: Vec<f32> = (0..batch * 3 * 32 * 32)
        .map(|_| rng.gen_range(0..256u32) as f32)
        .collect();
    let labels: Vec<u16> = (0..batch).map(|_| rng.gen_range(0..10)).collect();
    let cfg = IntegerConfig {
        convs: crate::models::vgg_bc::engine_convs(width, act_bits),
        mode,
        update: crate::hw::UpdateParams::default(),
        fc_hidden: crate::models::width_channels(crate::models::vgg_bc::HIDDEN, width),
        classes: 10,
        lr: 0.01,
        latent_init: 1.0,
        bc_latent: Default::default(),
        seed: 0,
    };
    let mut t = IntegerTrainer::new(cfg, &x)?;
    t.step(&x, &labels)?;
    let cpu0 = process_cpu_seconds();
    let t0 = Instant::now();
    for _ in 0..steps {
        t.step(&x, &labels)?;
    }
    let seconds = t0.elapsed().as_secs_f64();
    let cpu_seconds = process_cpu_seconds().zip(cpu0).map(|(b, a)| b - a);
    let name = match mode {
        crate::exact::update::UpdateMode::R => "accel-r",
        crate::exact::update::UpdateMode::Sr => "accel-sr",
        crate::exact::update::UpdateMode::Bc => "accel-bc",
    };
    Ok(BenchResult {
        method: format!("{name}/A{act_bits}"),
        batch,
        steps,
        seconds,
        images_per_second: (batch * steps) as f64 / seconds,
        cpu_seconds,
    })
}
