//! The Theorem 2 experiment's files: per-α CSVs, the distributions, the simulation cross-check and
//! the plots ([`MarkovResult::write`]).

use crate::error::Result;
use crate::plot::{LinePlot, Series};
use crate::theory::report::{ensure_dir, sci, write_csv};
use std::path::Path;

use super::{MarkovResult, FLOOR};

impl MarkovResult {
    /// Write `markov_<dim>.csv` (per α), `markov_<dim>_states.csv` (distributions),
    /// `markov_<dim>_sim.csv`, and the plots `markov_tv.svg`, `markov_mass.svg`, `markov_1d_dist.svg`.
    pub fn write(&self, dir: &Path) -> Result<()> {
        ensure_dir(dir)?;
        let a = &self.config.alphas;
        let ba = &self.config.bc_alphas;
        let mut tv_series = Vec::new();
        let mut mass_series = Vec::new();
        for l in &self.lattices {
            let name = l.chain.landscape.name();
            let tvs = l.tv_successive();
            let tvl = l.tv_limit();
            let rows: Vec<Vec<String>> = (0..a.len())
                .map(|i| {
                    vec![
                        a[i].to_string(),
                        tvs.get(i).map_or(String::new(), |x| x.to_string()),
                        tvl[i].to_string(),
                        l.mass_near_min(&l.pi[i]).to_string(),
                        l.pi[i]
                            .iter()
                            .cloned()
                            .fold(f64::INFINITY, f64::min)
                            .to_string(),
                        l.residuals[i].to_string(),
                    ]
                })
                .collect();
            write_csv(
                &dir.join(format!("markov_{name}.csv")),
                &[
                    "alpha",
                    "tv_pi_alpha_vs_pi_half_alpha",
                    "tv_pi_alpha_vs_pi_tilde",
                    "sr_mass_near_min",
                    "min_pi_alpha",
                    "residual",
                ],
                &rows,
            )?;
            let bc_rows: Vec<Vec<String>> = ba
                .iter()
                .zip(&l.bc_hist)
                .map(|(al, h)| vec![al.to_string(), l.mass_near_min(h).to_string()])
                .collect();
            write_csv(
                &dir.join(format!("markov_{name}_bc.csv")),
                &["alpha", "bc_mass_near_min"],
                &bc_rows,
            )?;
            let ns = l.chain.n_states();
            let mut header: Vec<String> = vec!["x".into()];
            if l.chain.dim() == 2 {
                header.push("y".into());
            }
            header.extend(["f", "near_minimiser", "pi_tilde"].map(String::from));
            header.extend(a.iter().map(|x| format!("pi_alpha_{x}")));
            header.extend(ba.iter().map(|x| format!("bc_alpha_{x}")));
            let rows: Vec<Vec<String>> = (0..ns)
                .map(|s| {
                    let x = l.chain.point(s);
                    let mut r: Vec<String> = x.iter().map(|v| v.to_string()).collect();
                    r.push(l.chain.landscape.f(&x).to_string());
                    r.push(u8::from(l.near_min[s]).to_string());
                    r.push(l.pi_tilde[s].to_string());
                    r.extend(l.pi.iter().map(|p| p[s].to_string()));
                    r.extend(l.bc_hist.iter().map(|p| p[s].to_string()));
                    r
                })
                .collect();
            let hdr: Vec<&str> = header.iter().map(String::as_str).collect();
            write_csv(&dir.join(format!("markov_{name}_states.csv")), &hdr, &rows)?;
            let rows: Vec<Vec<String>> = (0..ns)
                .map(|s| {
                    let mut r: Vec<String> =
                        l.chain.point(s).iter().map(|v| v.to_string()).collect();
                    r.push(l.sim_pi[s].to_string());
                    r.push(l.sim_freq[s].to_string());
                    r.push(l.sim_sd[s].to_string());
                    r
                })
                .collect();
            let mut hdr: Vec<&str> = if l.chain.dim() == 2 {
                vec!["x", "y"]
            } else {
                vec!["x"]
            };
            hdr.extend(["pi_exact", "freq_simulated", "sd_of_freq"]);
            write_csv(&dir.join(format!("markov_{name}_sim.csv")), &hdr, &rows)?;
            // Round-off values (< FLOOR) are left out of the log plot; the CSV keeps them.
            let shown = |x: f64, y: f64| (x, if y < FLOOR { f64::NAN } else { y });
            tv_series.push(Series::new(
                format!("{name}: TV(π_α, π_α/2)"),
                a.iter().zip(&tvs).map(|(x, y)| shown(*x, *y)).collect(),
            ));
            tv_series.push(Series::new(
                format!("{name}: TV(π_α, π̃)"),
                a.iter().zip(&tvl).map(|(x, y)| shown(*x, *y)).collect(),
            ));
            mass_series.push(Series::new(
                format!("{name}: SR π_α (exact)"),
                a.iter()
                    .zip(&l.pi)
                    .map(|(x, p)| (*x, l.mass_near_min(p)))
                    .collect(),
            ));
            mass_series.push(Series::new(
                format!("{name}: BC Qd(w_r) (simulated)"),
                ba.iter()
                    .zip(&l.bc_hist)
                    .map(|(x, p)| (*x, l.mass_near_min(p)))
                    .collect(),
            ));
            if l.chain.dim() == 1 {
                let xs: Vec<f64> = (0..ns).map(|s| l.chain.point(s)[0]).collect();
                let pts = |p: &[f64]| {
                    xs.iter()
                        .copied()
                        .zip(p.iter().copied())
                        .collect::<Vec<_>>()
                };
                let fmin = (0..ns)
                    .map(|s| l.chain.landscape.f(&[xs[s]]))
                    .fold(f64::INFINITY, f64::min);
                let fmax = (0..ns)
                    .map(|s| l.chain.landscape.f(&[xs[s]]))
                    .fold(f64::NEG_INFINITY, f64::max);
                let pmax = l.bc_hist[l.bc_hist.len() - 1]
                    .iter()
                    .cloned()
                    .fold(0.0, f64::max);
                LinePlot {
                    title: format!(
                        "1-D double well, Δ={}, σ={}: where the iterates live",
                        l.chain.delta(),
                        l.chain.sigma
                    ),
                    x_label: "weight x".into(),
                    y_label: "probability".into(),
                    log_x: false,
                    log_y: false,
                    series: vec![
                        Series::new("SR limit π̃ (Thm 2)", pts(&l.pi_tilde)),
                        Series::new(format!("SR π_α, α={}", a[0]), pts(&l.pi[0])),
                        Series::new(format!("BC, α={}", ba[0]), pts(&l.bc_hist[0])),
                        Series::new(
                            format!("BC, α={}", sci(ba[ba.len() - 1])),
                            pts(&l.bc_hist[l.bc_hist.len() - 1]),
                        ),
                        Series::reference(
                            "f(x) (rescaled)",
                            xs.iter()
                                .map(|&x| {
                                    (x, pmax * (l.chain.landscape.f(&[x]) - fmin) / (fmax - fmin))
                                })
                                .collect(),
                        ),
                    ],
                }
                .write_svg(&dir.join("markov_1d_dist.svg"))?;
            }
        }
        LinePlot {
            title: "Thm 2: SR's stationary distribution converges as α → 0 (TV < 1e-9 not drawn)"
                .into(),
            x_label: "learning rate α (log)".into(),
            y_label: "total-variation distance (log)".into(),
            log_x: true,
            log_y: true,
            series: tv_series,
        }
        .write_svg(&dir.join("markov_tv.svg"))?;
        LinePlot {
            title: "Mass within Δ of a local minimiser: BC concentrates, SR does not".into(),
            x_label: "learning rate α (log)".into(),
            y_label: "probability near a minimiser".into(),
            log_x: true,
            log_y: false,
            series: mass_series,
        }
        .write_svg(&dir.join("markov_mass.svg"))
    }
}
