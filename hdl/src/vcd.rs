//! Reading a waveform back: the one VCD reader of the test benches (`hdl/tests`, `sim/tests`), for the
//! VCDs the runners write ([`crate::stream::harness`]: clock low at `c·10 000` ps, high at
//! `c·10 000 + 5 000`) and the ones the Verilator model writes on the same time grid.

use std::io::BufRead;
use std::path::Path;

use vcd06::{Command, Parser, ScopeItem, Value};

use crate::error::HdlError;
use crate::stream::harness::CYCLE_PS;

/// The values of chosen signals after every timestamp of a VCD.
#[derive(Clone, Debug)]
pub struct Wave {
    /// The signal names asked for, in order (paths below the top scope, `.`-separated).
    pub names: Vec<String>,
    /// `(time, values)` for every timestamp, the values in [`Wave::names`] order (vectors as
    /// unsigned integers, `x`/`z` bits as 0).
    pub samples: Vec<(u64, Vec<u64>)>,
}

/// Read `names` (paths below the VCD's first top-level scope, e.g. `in_valid` or `lane$0.w_out`)
/// from the VCD at `path`.
pub fn read(path: &Path, names: &[&str]) -> Result<Wave, HdlError> {
    let f = std::fs::File::open(path)?;
    read_from(std::io::BufReader::new(f), names)
}

/// [`read`] from any buffered reader.
pub fn read_from(r: impl BufRead, names: &[&str]) -> Result<Wave, HdlError> {
    let mut parser = Parser::new(r);
    let header = parser.parse_header()?;
    let top = header
        .items
        .iter()
        .find_map(|i| match i {
            ScopeItem::Scope(s) => Some(s.identifier.clone()),
            ScopeItem::Var(_) => None,
        })
        .ok_or_else(|| HdlError::Waveform("the VCD has no scope".into()))?;
    let codes = names
        .iter()
        .map(|n| {
            let path: Vec<&str> = std::iter::once(top.as_str()).chain(n.split('.')).collect();
            header
                .find_var(&path)
                .map(|v| v.code)
                .ok_or_else(|| HdlError::Waveform(format!("{top}.{n} is not in the VCD")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut cur = vec![0u64; names.len()];
    let mut samples = Vec::new();
    let mut time: Option<u64> = None;
    let set = |cur: &mut Vec<u64>, id, v: u64| {
        for (i, c) in codes.iter().enumerate() {
            if *c == id {
                cur[i] = v;
            }
        }
    };
    for cmd in parser {
        match cmd? {
            Command::Timestamp(t) => {
                if let Some(tp) = time {
                    samples.push((tp, cur.clone()));
                }
                time = Some(t);
            }
            Command::ChangeScalar(id, v) => set(&mut cur, id, u64::from(v == Value::V1)),
            Command::ChangeVector(id, v) => {
                let x = v
                    .iter()
                    .fold(0u64, |a, b| (a << 1) | u64::from(*b == Value::V1));
                set(&mut cur, id, x)
            }
            _ => {}
        }
    }
    if let Some(tp) = time {
        samples.push((tp, cur));
    }
    Ok(Wave {
        names: names.iter().map(|s| s.to_string()).collect(),
        samples,
    })
}

impl Wave {
    /// Column of `name` in the samples. Panics on a name that was not read (a test's own mistake).
    pub fn col(&self, name: &str) -> usize {
        self.names
            .iter()
            .position(|n| n == name)
            .unwrap_or_else(|| panic!("{name} was not read from the VCD"))
    }

    /// `(cycle, values)` at the clock-low sample of every cycle (time `cycle·10 000` ps): the values
    /// the rising edge sees.
    pub fn cycles(&self) -> Vec<(u64, Vec<u64>)> {
        self.samples
            .iter()
            .filter(|(t, _)| t % CYCLE_PS == 0)
            .map(|(t, v)| (t / CYCLE_PS, v.clone()))
            .collect()
    }

    /// Cycles in which `valid` and `ready` were both high at the clock-low sample.
    pub fn transfers(&self, valid: &str, ready: &str) -> Vec<u64> {
        let (v, r) = (self.col(valid), self.col(ready));
        self.cycles()
            .into_iter()
            .filter(|(_, x)| x[v] == 1 && x[r] == 1)
            .map(|(c, _)| c)
            .collect()
    }
}

/// The word-stream ports of a top (the conv engine, `qtrain_accel`, the Verilator model), in
/// [`PortSample`] order: what [`read_ports`] reads.
pub const PORTS: [&str; 9] = [
    "clock",
    "in_data",
    "in_valid",
    "in_last",
    "in_ready",
    "out_data",
    "out_valid",
    "out_last",
    "out_ready",
];

/// The word-stream ports at one sample.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PortSample {
    /// `clock`.
    pub clock: bool,
    /// `in_data`.
    pub in_data: u64,
    /// `in_valid`.
    pub in_valid: bool,
    /// `in_last`.
    pub in_last: bool,
    /// `in_ready`.
    pub in_ready: bool,
    /// `out_data`.
    pub out_data: u64,
    /// `out_valid`.
    pub out_valid: bool,
    /// `out_last`.
    pub out_last: bool,
    /// `out_ready`.
    pub out_ready: bool,
}

impl PortSample {
    fn from_row(v: &[u64]) -> Self {
        PortSample {
            clock: v[0] == 1,
            in_data: v[1],
            in_valid: v[2] == 1,
            in_last: v[3] == 1,
            in_ready: v[4] == 1,
            out_data: v[5],
            out_valid: v[6] == 1,
            out_last: v[7] == 1,
            out_ready: v[8] == 1,
        }
    }
}

/// Read the [`PORTS`] of the VCD's top scope.
pub fn read_ports(path: &Path) -> Result<Wave, HdlError> {
    read(path, &PORTS)
}

impl Wave {
    /// The ports at every timestamp, for a wave read by [`read_ports`].
    pub fn port_samples(&self) -> Vec<(u64, PortSample)> {
        self.samples
            .iter()
            .map(|(t, v)| (*t, PortSample::from_row(v)))
            .collect()
    }

    /// The ports at the clock-low sample of every cycle (one per cycle, in order), for a wave read by
    /// [`read_ports`].
    pub fn port_cycles(&self) -> Vec<PortSample> {
        self.cycles()
            .iter()
            .map(|(_, v)| PortSample::from_row(v))
            .collect()
    }
}
