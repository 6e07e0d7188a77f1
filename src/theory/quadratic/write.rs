//! The Corollary 1 experiment's files: the CSV of every curve and the plots
//! ([`QuadraticResult::write`]).

use crate::error::Result;
use crate::plot::{LinePlot, Series};
use crate::theory::report::{ensure_dir, write_csv};
use std::path::Path;

use super::{Method, QuadraticResult};

impl QuadraticResult {
    /// Write `quadratic.csv`, one `quadratic_delta_<Δ>.svg` per grid and `quadratic_floor.svg`.
    pub fn write(&self, dir: &Path) -> Result<()> {
        ensure_dir(dir)?;
        let mut rows = Vec::new();
        for c in &self.curves {
            for (k, &t) in self.checkpoints.iter().enumerate() {
                rows.push(vec![
                    c.method.name().to_string(),
                    c.delta.map_or("".into(), |d| d.to_string()),
                    t.to_string(),
                    c.gap_avg[k].to_string(),
                    c.gap_avg_used[k].to_string(),
                    c.gap_last[k].to_string(),
                    self.problem.cor1_bound(t).to_string(),
                ]);
            }
        }
        write_csv(
            &dir.join("quadratic.csv"),
            &[
                "method",
                "delta",
                "T",
                "gap_avg_iterate",
                "gap_avg_used_weights",
                "gap_last_iterate",
                "cor1_bound",
            ],
            &rows,
        )?;
        let pts = |ys: &[f64]| -> Vec<(f64, f64)> {
            self.checkpoints
                .iter()
                .map(|&t| t as f64)
                .zip(ys.iter().copied())
                .collect()
        };
        for &dl in &self.config.sweep.deltas {
            let mut series = Vec::new();
            for m in Method::ALL {
                if let Some(c) = self.curve(m, dl) {
                    series.push(Series::new(
                        format!("{} (avg iterate)", m.name()),
                        pts(&c.gap_avg),
                    ));
                }
            }
            if let Some(c) = self.curve(Method::BcQd, dl) {
                series.push(Series::new("BC-Qd (avg of Qd(w_r))", pts(&c.gap_avg_used)));
            }
            let bound: Vec<f64> = self
                .checkpoints
                .iter()
                .map(|&t| self.problem.cor1_bound(t))
                .collect();
            series.push(Series::reference(
                "Cor 1 bound (1+log(T+1))G²/(2μT)",
                pts(&bound),
            ));
            LinePlot {
                title: format!(
                    "Least squares d={}, m={}, Δ={dl}: F(w̄_T) − F(w*)",
                    self.problem.d, self.problem.m
                ),
                x_label: "iterations T (log)".into(),
                y_label: "F(w̄_T) − F(w*) (log)".into(),
                log_x: true,
                log_y: true,
                series,
            }
            .write_svg(&dir.join(format!("quadratic_delta_{dl}.svg")))?;
        }
        let mut deltas = self.config.sweep.deltas.clone();
        deltas.sort_by(f64::total_cmp);
        let series = Method::ALL[1..]
            .iter()
            .map(|&m| {
                Series::new(
                    m.name(),
                    deltas.iter().map(|&d| (d, self.final_gap(m, d))).collect(),
                )
            })
            .collect();
        LinePlot {
            title: format!(
                "Gap at T={} against grid step",
                self.checkpoints.last().unwrap_or(&0)
            ),
            x_label: "grid step Δ (log)".into(),
            y_label: "F(w̄_T) − F(w*) (log)".into(),
            log_x: true,
            log_y: true,
            series,
        }
        .write_svg(&dir.join("quadratic_floor.svg"))
    }
}
