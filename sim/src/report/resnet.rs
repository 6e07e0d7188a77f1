//! The ResNet-only parts of a run's report: what the stride-2 layers cost on a stride-1 engine and
//! what the host's residual steps did.

use serde::Serialize;

/// The cost of running a stride-2 conv at stride 1 on the engine.
#[derive(Clone, Debug, Serialize)]
pub struct StrideCost {
    /// Engine layer name (e.g. "s2b1.conv1").
    pub name: String,
    /// Measured cycles of the stride-1 run (as in the layer table).
    pub cycles: u64,
    /// Ideal cycles of the stride-1 run the engine did.
    pub ideal_cycles_stride1: u64,
    /// Ideal cycles a true stride-2 conv would need (a quarter of the output pixels).
    pub ideal_cycles_stride2: u64,
    /// `ideal_cycles_stride2 / cycles`: the layer's utilisation counted in useful outputs.
    pub useful_utilisation: f64,
}

/// What one host residual step did.
#[derive(Clone, Debug, Serialize)]
pub struct HostStepReport {
    /// Block name + ".add" (e.g. "s2b1.add").
    pub name: String,
    /// "identity" or "conv1x1-s2".
    pub shortcut: String,
    /// Output values computed.
    pub values: usize,
    /// Fraction of outputs at 0 (ReLU or clamp).
    pub zero_fraction: f64,
    /// Fraction of outputs at 2^A − 1 (saturated).
    pub saturated_fraction: f64,
    /// Fraction of the engine's conv2 codes below the zero point (negative residuals carried).
    pub negative_residual_fraction: f64,
}

/// ResNet-only parts of a run's report.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ResNetExtras {
    /// Stride-2 engine layers and what their stride-1 run cost.
    pub stride2: Vec<StrideCost>,
    /// The host's residual steps.
    pub host_steps: Vec<HostStepReport>,
    /// Zero point of the offset-binary conv2 outputs.
    pub zero_point: u32,
    /// Global-average-pooled features of the first image (reals), what the host's FC would take.
    pub features_first_image: Vec<f64>,
}

/// Add a later batch's stride-2 costs and host steps to the run's totals.
pub fn merge_extras(acc: &mut ResNetExtras, e: ResNetExtras) {
    if acc.stride2.is_empty() && acc.host_steps.is_empty() {
        *acc = e;
        return;
    }
    for (a, s) in acc.stride2.iter_mut().zip(e.stride2) {
        a.cycles += s.cycles;
        a.ideal_cycles_stride1 += s.ideal_cycles_stride1;
        a.ideal_cycles_stride2 += s.ideal_cycles_stride2;
        a.useful_utilisation = a.ideal_cycles_stride2 as f64 / a.cycles.max(1) as f64;
    }
    for (a, s) in acc.host_steps.iter_mut().zip(e.host_steps) {
        let (na, ns) = (a.values as f64, s.values as f64);
        let mix = |x: f64, y: f64| (x * na + y * ns) / (na + ns).max(1.0);
        a.zero_fraction = mix(a.zero_fraction, s.zero_fraction);
        a.saturated_fraction = mix(a.saturated_fraction, s.saturated_fraction);
        a.negative_residual_fraction =
            mix(a.negative_residual_fraction, s.negative_residual_fraction);
        a.values += s.values;
    }
}
