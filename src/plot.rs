//! Line plots as SVG, shared by `qtrain table1` and `qtrain theory`: labelled axes, optional log
//! scales, one coloured series per method. Kept to one function so every figure looks the same.

use std::path::Path;

use plotters::prelude::*;

use crate::error::{QtrainError, Result};

/// One named curve.
#[derive(Clone, Debug)]
pub struct Series {
    /// Legend label.
    pub name: String,
    /// (x, y) points in drawing order; non-finite points and, on log axes, non-positive ones are skipped.
    pub points: Vec<(f64, f64)>,
    /// Draw as a dashed reference line (a bound) rather than a measurement.
    pub dashed: bool,
}

impl Series {
    /// A solid measured curve.
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Self {
            name: name.into(),
            points,
            dashed: false,
        }
    }
    /// A dashed reference curve (e.g. a theoretical bound).
    pub fn reference(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Self {
            name: name.into(),
            points,
            dashed: true,
        }
    }
}

/// A figure: title, axis labels and scales, and its curves.
#[derive(Clone, Debug, Default)]
pub struct LinePlot {
    /// Caption above the plot.
    pub title: String,
    /// X axis label (with units).
    pub x_label: String,
    /// Y axis label (with units).
    pub y_label: String,
    /// Logarithmic x axis.
    pub log_x: bool,
    /// Logarithmic y axis.
    pub log_y: bool,
    /// The curves.
    pub series: Vec<Series>,
}

const COLORS: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(23, 190, 207),
];

impl LinePlot {
    /// Write the figure as an SVG file (800×500).
    pub fn write_svg(&self, path: &Path) -> Result<()> {
        let err = |e: String| QtrainError::bad_data(path, format!("cannot draw plot: {e}"));
        let keep = |&(x, y): &(f64, f64)| {
            x.is_finite() && y.is_finite() && (!self.log_x || x > 0.0) && (!self.log_y || y > 0.0)
        };
        let pts: Vec<(f64, f64)> = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().copied().filter(keep))
            .collect();
        if pts.is_empty() {
            return Err(err("no finite points to plot".into()));
        }
        let (mut x0, mut x1, mut y0, mut y1) = pts.iter().fold(
            (
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
            ),
            |(a, b, c, d), &(x, y)| (a.min(x), b.max(x), c.min(y), d.max(y)),
        );
        if x1 <= x0 {
            x1 = x0 + 1.0;
        }
        if self.log_y {
            y0 /= 1.5;
            y1 *= 1.5;
        } else {
            let pad = ((y1 - y0) * 0.05).max(1e-12);
            y0 -= pad;
            y1 += pad;
        }
        if self.log_x {
            x0 = x0.max(f64::MIN_POSITIVE);
        }
        let root = SVGBackend::new(path, (800, 500)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
        let mut b = ChartBuilder::on(&root);
        b.caption(&self.title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(70);
        macro_rules! draw {
            ($chart:expr) => {{
                let mut chart = $chart.map_err(|e| err(e.to_string()))?;
                chart
                    .configure_mesh()
                    .x_desc(self.x_label.as_str())
                    .y_desc(self.y_label.as_str())
                    .draw()
                    .map_err(|e| err(e.to_string()))?;
                for (i, s) in self.series.iter().enumerate() {
                    let c = COLORS[i % COLORS.len()];
                    let data: Vec<(f64, f64)> = s.points.iter().copied().filter(keep).collect();
                    let style = ShapeStyle::from(&c).stroke_width(if s.dashed { 1 } else { 2 });
                    let series = if s.dashed {
                        chart.draw_series(DashedLineSeries::new(data, 6, 4, style))
                    } else {
                        chart.draw_series(LineSeries::new(data, style))
                    };
                    series
                        .map_err(|e| err(e.to_string()))?
                        .label(s.name.as_str())
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c));
                }
                chart
                    .configure_series_labels()
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK)
                    .draw()
                    .map_err(|e| err(e.to_string()))?;
            }};
        }
        match (self.log_x, self.log_y) {
            (false, false) => draw!(b.build_cartesian_2d(x0..x1, y0..y1)),
            (true, false) => draw!(b.build_cartesian_2d((x0..x1).log_scale(), y0..y1)),
            (false, true) => draw!(b.build_cartesian_2d(x0..x1, (y0..y1).log_scale())),
            (true, true) => draw!(b.build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())),
        }
        root.present().map_err(|e| err(e.to_string()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_log_log_svg_with_labels() {
        let dir = std::env::temp_dir().join(format!("qtrain-plot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("x.svg");
        let plot = LinePlot {
            title: "gap".into(),
            x_label: "iterations T".into(),
            y_label: "F(w) - F*".into(),
            log_x: true,
            log_y: true,
            series: vec![
                Series::new("BC", (1..50).map(|t| (t as f64, 1.0 / t as f64)).collect()),
                Series::reference(
                    "bound",
                    (1..50).map(|t| (t as f64, 2.0 / t as f64)).collect(),
                ),
            ],
        };
        plot.write_svg(&p).unwrap();
        let svg = std::fs::read_to_string(&p).unwrap();
        assert!(svg.contains("<svg") && svg.contains("iterations T") && svg.contains("bound"));
        let empty = LinePlot::default();
        assert!(empty.write_svg(&dir.join("e.svg")).is_err());
    }
}
