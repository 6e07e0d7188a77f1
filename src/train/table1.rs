//! `qtrain table1`: the paper's Table 1 experiment — ADAM, R-ADAM, BC-ADAM, SR-ADAM on each network —
//! as resumable runs under `out/<net>/<method>/`, summarised in `table1.csv` and `table1.md` next to the
//! paper's numbers, with `table1-<net>.svg` plotting test error per epoch for each method.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::config::{Summary, TrainConfig};
use super::run::{run, RunOptions};
use crate::data::CifarSplits;
use crate::error::Result;
use crate::models::{NetKind, NetSpec};
use crate::optim::Method;
use crate::plot::{LinePlot, Series};

/// The four methods of Table 1, in the paper's column order.
pub const TABLE1_METHODS: [&str; 4] = ["adam", "r-adam", "bc-adam", "sr-adam"];

/// The paper's Table 1 test error % (full width, 160 epochs) for `net` on `classes` classes, by method.
pub fn paper_error(kind: NetKind, classes: usize, method: &str) -> Option<f64> {
    let col = match (kind, classes) {
        (NetKind::VggBc, 10) => 0,
        (NetKind::ResNet { depth: 56 }, 10) => 1,
        (NetKind::Wrn { depth: 56, k: 2 }, 10) => 2,
        (NetKind::ResNet { depth: 56 }, 100) => 3,
        _ => return None,
    };
    let row: [f64; 4] = match method {
        "adam" => [7.12, 8.10, 6.62, 33.98],
        "r-adam" => [21.88, 33.56, 27.90, 68.39],
        "bc-adam" => [8.21, 8.83, 7.17, 35.34],
        "sr-adam" => [20.56, 26.49, 21.58, 58.06],
        _ => return None,
    };
    Some(row[col])
}

/// One finished (or partly finished) cell of the grid.
pub struct Cell {
    /// Run directory.
    pub dir: PathBuf,
    /// Its summary.
    pub summary: Summary,
    /// (epoch, test error %) per finished epoch.
    pub curve: Vec<(f64, f64)>,
}

/// Run the grid for `nets` × `methods` (names from [`TABLE1_METHODS`]) with the shared settings in
/// `base` (its `net` and `method` are replaced). Runs already complete are left as they are, so
/// several processes may each run some methods of one grid, and a last call with all of them writes
/// the whole table.
pub fn table1(
    nets: &[String],
    methods: &[&str],
    base: &TrainConfig,
    data: &CifarSplits,
    out: &Path,
    quiet: bool,
) -> Result<Vec<Cell>> {
    let mut cells = Vec::new();
    for name in nets {
        let spec = NetSpec::new(name, base.net.width, data.train.num_classes)?;
        for &m in methods {
            let mut cfg = base.clone();
            cfg.net = spec;
            cfg.method = Method::parse(m)?;
            let dir = out.join(spec.kind.name()).join(m);
            if !quiet {
                eprintln!("table1: {} {m} → {}", spec.kind.name(), dir.display());
            }
            let opts = RunOptions {
                resume: true,
                quiet,
                ..Default::default()
            };
            let summary = run(cfg, data, &dir, &opts)?;
            let (hdr, _) = super::checkpoint::load(&dir.join("checkpoint.bin"))?;
            let curve = hdr
                .history
                .iter()
                .map(|h| (h.epoch as f64, h.test_error))
                .collect();
            cells.push(Cell {
                dir,
                summary,
                curve,
            });
        }
        let cells_net: Vec<&Cell> = cells
            .iter()
            .filter(|c| c.summary.config.net == spec)
            .collect();
        let plot = LinePlot {
            title: format!(
                "{} width {} on {} training images: test error per epoch",
                spec.kind.name(),
                spec.width,
                cells_net.first().map_or(0, |c| c.summary.train_images)
            ),
            x_label: "epoch".into(),
            y_label: "test error (%)".into(),
            series: cells_net
                .iter()
                .map(|c| Series::new(c.summary.config.method.label(), c.curve.clone()))
                .collect(),
            ..Default::default()
        };
        plot.write_svg(&out.join(format!("table1-{}.svg", spec.kind.name())))?;
    }
    write_tables(&cells, data.train.num_classes, out)?;
    Ok(cells)
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map_or("–".into(), |x| format!("{x:.2}"))
}

fn write_tables(cells: &[Cell], classes: usize, out: &Path) -> Result<()> {
    let mut csv = String::from(
        "net,width,classes,method,epochs,train_images,final_test_error,best_test_error,paper_test_error\n",
    );
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# Table 1 reproduction (test error %, CIFAR-{classes})\n"
    );
    let _ = writeln!(
        md,
        "Paper: full width, 160 epochs, 50,000 training images (Li, De et al. 2017, Table 1). \
         Ours: the settings in each row. Shorter or narrower runs are not expected to match the paper's \
         numbers; compare the ordering of the methods.\n"
    );
    let _ = writeln!(
        md,
        "| net | width | epochs | train images | method | ours final | ours best | paper |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|");
    for c in cells {
        let s = &c.summary;
        let m = s.config.method.name();
        let paper = paper_error(s.config.net.kind, classes, &m);
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{},{:.2},{:.2},{}",
            s.config.net.kind.name(),
            s.config.net.width,
            classes,
            m,
            s.epochs_done,
            s.train_images,
            s.final_test_error,
            s.best_test_error,
            paper.map_or(String::new(), |p| format!("{p:.2}"))
        );
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {:.2} | {:.2} | {} |",
            s.config.net.kind.name(),
            s.config.net.width,
            s.epochs_done,
            s.train_images,
            s.config.method.label(),
            s.final_test_error,
            s.best_test_error,
            fmt_opt(paper)
        );
    }
    for (name, text) in [("table1.csv", csv), ("table1.md", md)] {
        crate::output::write_file(&out.join(name), text.as_bytes())?;
    }
    Ok(())
}
