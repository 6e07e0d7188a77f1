//! The run's results as a table people read and JSON programs parse (`--json FILE`).

use serde::Serialize;

pub mod layer;
pub mod resnet;

pub use layer::{merge_layer_reports, LayerReport, TopCounters};
pub use resnet::{merge_extras, HostStepReport, ResNetExtras, StrideCost};

/// Totals and settings of a whole run.
#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    /// Network and width.
    pub net: String,
    /// Width multiplier.
    pub width: f64,
    /// "rtl" or "model".
    pub backend: String,
    /// Whether cycles are measured (rtl) or the formula (model).
    pub cycle_accurate: bool,
    /// PEs and SIMD of the engine.
    pub pe: usize,
    /// SIMD lanes per PE.
    pub simd: usize,
    /// Clock used to turn cycles into images/s.
    pub clock_mhz: f64,
    /// Images streamed.
    pub images: usize,
    /// Per-layer results.
    pub layers: Vec<LayerReport>,
    /// Engine cycles per image, all conv layers.
    pub cycles_per_image: f64,
    /// Ideal cycles per image.
    pub ideal_cycles_per_image: f64,
    /// ideal / measured over all layers.
    pub utilisation: f64,
    /// Images per second at `clock_mhz` (conv layers only).
    pub images_per_second_at_clock: f64,
    /// Simulated cycles per wall-clock second.
    pub simulated_cycles_per_second: f64,
    /// Wall-clock seconds of the whole run.
    pub wall_seconds: f64,
    /// True when every value of every layer matched the golden model.
    pub all_match: bool,
    /// Top-1 accuracy of the hardware path, when labels and trained weights were given.
    pub hw_accuracy: Option<f64>,
    /// Top-1 accuracy of the float golden model on the same images.
    pub float_accuracy: Option<f64>,
    /// Fraction of images where the hardware path and the float model predict the same class.
    pub prediction_agreement: Option<f64>,
    /// The accelerator top's counters, read after the run and checked against the host's tally.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counters: Option<TopCounters>,
    /// ResNet/WRN runs only: stride-2 costs, host residual steps, zero point.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resnet: Option<ResNetExtras>,
}

impl RunReport {
    /// Fill the totals from the layers.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        net: String,
        width: f64,
        backend: &str,
        cycle_accurate: bool,
        pe: usize,
        simd: usize,
        clock_mhz: f64,
        images: usize,
        layers: Vec<LayerReport>,
        wall_seconds: f64,
    ) -> Self {
        let cycles: u64 = layers.iter().map(|l| l.cycles).sum();
        let ideal: u64 = layers.iter().map(|l| l.ideal_cycles).sum();
        let device_wall: f64 = layers.iter().map(|l| l.wall_seconds).sum();
        let per_image = cycles as f64 / images.max(1) as f64;
        Self {
            net,
            width,
            backend: backend.into(),
            cycle_accurate,
            pe,
            simd,
            clock_mhz,
            images,
            all_match: layers.iter().all(|l| l.mismatches == 0),
            cycles_per_image: per_image,
            ideal_cycles_per_image: ideal as f64 / images.max(1) as f64,
            utilisation: ideal as f64 / cycles.max(1) as f64,
            images_per_second_at_clock: clock_mhz * 1e6 / per_image.max(1.0),
            simulated_cycles_per_second: cycles as f64 / device_wall.max(1e-9),
            wall_seconds,
            layers,
            hw_accuracy: None,
            float_accuracy: None,
            prediction_agreement: None,
            counters: None,
            resnet: None,
        }
    }

    /// The per-layer table and totals as text.
    pub fn table(&self) -> String {
        let mut s = format!(
            "{} (width {}) on the {} backend, P={} S={}, {} image(s)\n",
            self.net, self.width, self.backend, self.pe, self.simd, self.images
        );
        // Stride-2 layers (run at stride 1 on the engine, subsampled on the host) are flagged "/s2".
        let strided = |name: &str| {
            self.resnet
                .as_ref()
                .is_some_and(|r| r.stride2.iter().any(|s| s.name == name))
        };
        let nw = self
            .layers
            .iter()
            .map(|l| l.name.len() + if strided(&l.name) { 3 } else { 0 })
            .max()
            .unwrap_or(0)
            .max(7);
        s += &format!(
            "{:<nw$} {:>16} {:>6} {:>5} {:>12} {:>12} {:>6} {:>10}\n",
            "layer", "shape", "A", "pool", "cycles", "ideal", "util", "match"
        );
        for l in &self.layers {
            s += &format!(
                "{:<nw$} {:>16} {:>6} {:>5} {:>12} {:>12} {:>5.1}% {:>10}\n",
                if strided(&l.name) {
                    format!("{}/s2", l.name)
                } else {
                    l.name.clone()
                },
                format!("{}x{}x{}>{}", l.h, l.w, l.c_in, l.c_out),
                format!("{}>{}", l.a_in, l.a_out),
                if l.pool { "yes" } else { "no" },
                l.cycles,
                l.ideal_cycles,
                100.0 * l.utilisation,
                if l.mismatches == 0 {
                    format!("{}/{}", l.values_checked, l.values_checked)
                } else {
                    format!("{} BAD", l.mismatches)
                }
            );
        }
        s += &format!(
            "total: {:.0} cycles/image ({:.0} ideal, utilisation {:.1}%), {:.1} images/s at {} MHz{}\n",
            self.cycles_per_image,
            self.ideal_cycles_per_image,
            100.0 * self.utilisation,
            self.images_per_second_at_clock,
            self.clock_mhz,
            if self.cycle_accurate { "" } else { " (model backend: cycles are the ideal formula)" }
        );
        s += &format!(
            "simulation: {:.0} cycles/s, wall {:.1} s; golden model check: {}\n",
            self.simulated_cycles_per_second,
            self.wall_seconds,
            if self.all_match {
                "every value matches"
            } else {
                "MISMATCH"
            }
        );
        if let Some(c) = &self.counters {
            s += &format!(
                "{}: conv busy {} cycles, {} words in / {} words out (host sent {} / received {}), \
                 {} transactions, {} errors\n",
                if self.backend == "rtl-engine" {
                    "shim counters (engine-only target: the top's definition, qtrain::exact::accel, on the host side)"
                } else {
                    "top counters"
                },
                c.conv_busy_cycles,
                c.conv_words_in,
                c.conv_words_out,
                c.host_conv_payload_words,
                c.host_words_received,
                c.transactions,
                c.errors
            );
        }
        if let Some(r) = &self.resnet {
            let (c, i1, i2) = r.stride2.iter().fold((0, 0, 0), |(c, a, b), x| {
                (
                    c + x.cycles,
                    a + x.ideal_cycles_stride1,
                    b + x.ideal_cycles_stride2,
                )
            });
            s += &format!(
                "stride-2 convs (/s2) run at stride 1, host keeps every other row/column: {c} cycles measured, \
                 {i1} ideal at stride 1, {i2} ideal for a true stride-2 conv ({:.1}% useful)\n",
                100.0 * i2 as f64 / c.max(1) as f64
            );
            let n = r.host_steps.len().max(1) as f64;
            let avg = |f: &dyn Fn(&HostStepReport) -> f64| {
                100.0 * r.host_steps.iter().map(f).sum::<f64>() / n
            };
            s += &format!(
                "host: {} residual steps (zero point {}; {} with a 1x1 stride-2 shortcut conv), \
                 mean {:.1}% negative residuals carried, {:.1}% outputs 0, {:.1}% saturated\n",
                r.host_steps.len(),
                r.zero_point,
                r.host_steps
                    .iter()
                    .filter(|h| h.shortcut != "identity")
                    .count(),
                avg(&|h| h.negative_residual_fraction),
                avg(&|h| h.zero_fraction),
                avg(&|h| h.saturated_fraction)
            );
        }
        if let (Some(h), Some(f), Some(a)) = (
            self.hw_accuracy,
            self.float_accuracy,
            self.prediction_agreement,
        ) {
            s += &format!(
                "top-1 accuracy: hardware path {:.2}%, float golden model {:.2}%; same prediction on {:.2}% of images\n",
                100.0 * h,
                100.0 * f,
                100.0 * a
            );
        }
        s
    }
}
