//! The Verilator backend (`sim --backend verilator`): the exported accelerator top `qtrain_accel.v`
//! (what `sim export` writes, [`crate::devices::verilog::verilog`]) compiled by Verilator into a small
//! executable, cycle-accurate, behind the same [`StreamDevice`] as the rust-hdl and model backends.
//!
//! **Harness.** The executable is the verilated top plus `harness.cpp` (its doc has the
//! protocol): the host sends one whole transaction over a pipe (binary, little-endian: the words,
//! the expected response length, the traffic probabilities and seed, the watchdog), the harness runs
//! the clock loop itself — no per-cycle round trips — and answers with the output words, their
//! `last` flags and cycles, or on a stall a diagnosis (which stream, the router's state, words moved)
//! that becomes [`SimError::Stalled`] exactly like the rtl backend's. Its cycle loop and traffic
//! generator are the rust-hdl runner's (`qtrain_hdl::accel::runner`), so a seed gives the same
//! input gaps and back-pressure, and the same cycle counts, on `--backend rtl --rtl-target top`.
//!
//! **Build.** Verilator translates the Verilog to C++ (`--cc`) and this module compiles and links
//! it with the system C++ compiler (no `make`: GNU make cannot build in a directory whose path has a
//! space, so every tool runs in the build directory with relative paths). The model is cached per
//! hardware configuration under `target/verilator/` (override: `QTRAIN_VERILATOR_CACHE`), keyed by a
//! hash of the Verilog text, the harness source, the build flags and `verilator --version`; a build
//! happens in a private temporary directory that is renamed into place when complete, so concurrent
//! first builds never see each other's half-written files (the loser of the rename uses the
//! winner's model). The tool is `verilator` on `PATH` or `QTRAIN_VERILATOR`; when it is missing the
//! error says what to install. The shapes it builds are [`crate::devices::shapes`]' export shapes
//! ([`crate::devices::shapes::Use::Verilator`]).
//!
//! **Waveform.** A model built with `--trace` writes a VCD of the first transaction (the ports and
//! every internal signal, the clock's rising edge at `10·c + 5` ns as the rtl backend's VCD has it).

use std::io::{BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use qtrain::hw::HwConfig;
use qtrain_hdl::accel::router::STATE_NAMES;

use crate::devices::stream::{StreamDevice, Traffic, Transfer};
use crate::error::SimError;

mod build;

use build::tool_err;
pub use build::{
    cache_root, model, verilator_tool, verilator_version, Model, HARNESS, INSTALL_HINT,
};

/// The running harness process.
struct Harness {
    child: Child,
    tx: Option<BufWriter<ChildStdin>>,
    rx: BufReader<ChildStdout>,
    exe: PathBuf,
    /// Out of step with the protocol (it may still be writing): killed, not asked to quit.
    broken: bool,
}

impl Harness {
    fn dead(&mut self, what: &str) -> SimError {
        self.broken = true;
        let status = match self.child.try_wait() {
            Ok(Some(s)) => format!("it exited with {s}"),
            _ => "it stopped answering".into(),
        };
        tool_err(format!(
            "the Verilator model {} failed while {what}: {status} (its messages, if any, are above)",
            self.exe.display()
        ))
    }
    fn send(&mut self, bytes: &[u8]) -> Result<(), SimError> {
        let ok = match self.tx.as_mut() {
            Some(t) => t.write_all(bytes).is_ok(),
            None => false,
        };
        if ok {
            Ok(())
        } else {
            Err(self.dead("taking a transaction"))
        }
    }
    fn flush(&mut self) -> Result<(), SimError> {
        let ok = self.tx.as_mut().is_some_and(|t| t.flush().is_ok());
        if ok {
            Ok(())
        } else {
            Err(self.dead("taking a transaction"))
        }
    }
    fn read<const N: usize>(&mut self) -> Result<[u8; N], SimError> {
        let mut b = [0u8; N];
        match self.rx.read_exact(&mut b) {
            Ok(()) => Ok(b),
            Err(_) => Err(self.dead("running a transaction")),
        }
    }
    fn u32(&mut self) -> Result<u32, SimError> {
        Ok(u32::from_le_bytes(self.read()?))
    }
    fn u64(&mut self) -> Result<u64, SimError> {
        Ok(u64::from_le_bytes(self.read()?))
    }
    fn bytes(&mut self, n: usize) -> Result<Vec<u8>, SimError> {
        let mut b = vec![0u8; n];
        match self.rx.read_exact(&mut b) {
            Ok(()) => Ok(b),
            Err(_) => Err(self.dead("returning a response")),
        }
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if self.broken {
            let _ = self.child.kill();
        } else if let Some(mut t) = self.tx.take() {
            let _ = t.write_all(&0u32.to_le_bytes());
            let _ = t.flush();
        }
        let _ = self.child.wait();
    }
}

/// The Verilator-compiled top behind the host's stream interface.
pub struct VerilatorDevice {
    harness: Harness,
    model: Model,
    traffic: Traffic,
    idle_limit: u64,
    transfers: u64,
    vcd: Option<Box<dyn Write>>,
}

impl VerilatorDevice {
    /// Compile (or take from the cache) `hw`'s top and start it; with `vcd`, the model is built with
    /// `--trace` and the first transaction's waveform is written there.
    pub fn new(
        hw: &HwConfig,
        traffic: Traffic,
        idle_limit: u64,
        vcd: Option<Box<dyn Write>>,
    ) -> Result<Self, SimError> {
        let model = model(hw, vcd.is_some())?;
        let mut child = Command::new(&model.exe)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| {
                tool_err(format!(
                    "cannot start the Verilator model {}: {e}",
                    model.exe.display()
                ))
            })?;
        let tx = child.stdin.take().map(BufWriter::new);
        let rx =
            BufReader::new(child.stdout.take().ok_or_else(|| {
                tool_err("the Verilator model's output pipe is missing".to_string())
            })?);
        Ok(Self {
            harness: Harness {
                child,
                tx,
                rx,
                exe: model.exe.clone(),
                broken: false,
            },
            model,
            traffic,
            idle_limit: idle_limit.max(1),
            transfers: 0,
            vcd,
        })
    }

    /// The compiled model (path, whether it was compiled now and how long that took).
    pub fn model(&self) -> &Model {
        &self.model
    }
}

impl StreamDevice for VerilatorDevice {
    fn backend(&self) -> &'static str {
        "verilator"
    }
    fn cycle_accurate(&self) -> bool {
        true
    }
    fn transfer(&mut self, input: &[u64], n_out: usize) -> Result<Transfer, SimError> {
        if input.is_empty() {
            return Err(SimError::Protocol("empty transaction".into()));
        }
        let seed = self.traffic.seed.wrapping_add(self.transfers);
        self.transfers += 1;
        let scratch = self.vcd.as_ref().map(|_| {
            cache_root().join(format!(
                "vcd-{}-{}.vcd.tmp",
                std::process::id(),
                self.transfers
            ))
        });
        let path = scratch
            .as_ref()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut req = Vec::with_capacity(60 + path.len() + input.len() * 8);
        req.extend_from_slice(&1u32.to_le_bytes());
        req.extend_from_slice(&(input.len() as u64).to_le_bytes());
        req.extend_from_slice(&(n_out as u64).to_le_bytes());
        req.extend_from_slice(&self.traffic.input_gap.to_le_bytes());
        req.extend_from_slice(&self.traffic.output_stall.to_le_bytes());
        req.extend_from_slice(&seed.to_le_bytes());
        req.extend_from_slice(&self.idle_limit.to_le_bytes());
        req.extend_from_slice(&(path.len() as u32).to_le_bytes());
        req.extend_from_slice(path.as_bytes());
        for w in input {
            req.extend_from_slice(&w.to_le_bytes());
        }
        let h = &mut self.harness;
        h.send(&req)?;
        h.flush()?;
        let status = h.u32()?;
        let result = match status {
            0 => {
                let _cycles = h.u64()?;
                let first_in = h.u64()?;
                let last_out = h.u64()?;
                let n = h.u64()? as usize;
                if n != n_out {
                    return Err(h.dead("returning a response of the wrong length"));
                }
                let words = h.bytes(n * 8)?;
                let flags = h.bytes(n)?;
                Ok(Transfer {
                    output: words
                        .chunks_exact(8)
                        .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
                        .collect(),
                    lasts: flags
                        .iter()
                        .enumerate()
                        .filter_map(|(i, &l)| (l != 0).then_some(i))
                        .collect(),
                    cycles: last_out + 1 - first_in,
                })
            }
            1 => {
                let cycle = h.u64()?;
                let idle = h.u64()?;
                let stream = h.u32()?;
                let words_in = h.u64()? as usize;
                let words_out = h.u64()? as usize;
                let state = h.u32()? as usize;
                let remaining = h.u32()?;
                let doing = match STATE_NAMES.get(state) {
                    Some(name) => {
                        format!("the top is {name} with {remaining} payload words to come")
                    }
                    None => "the router's state is not readable in this Verilog".to_string(),
                };
                let (stream, waiting) = if stream == 0 {
                    (
                        "input stream",
                        format!(
                            "the host holds input word {words_in} valid and waits for in_ready; {doing}"
                        ),
                    )
                } else {
                    (
                        "output stream",
                        format!(
                            "the host is ready and waits for out_valid (output word {words_out} of {n_out}); {doing}"
                        ),
                    )
                };
                Err(SimError::Stalled {
                    cycle,
                    idle,
                    stream,
                    waiting,
                    words_in,
                    expected_in: input.len(),
                    words_out,
                    expected_out: n_out,
                })
            }
            2 => {
                let n = h.u32()? as usize;
                let m = h.bytes(n)?;
                Err(tool_err(format!(
                    "the Verilator model: {}",
                    String::from_utf8_lossy(&m)
                )))
            }
            s => Err(h.dead(&format!("answering (unknown status {s})"))),
        };
        if let Some(p) = scratch {
            // The waveform of this (the first) transaction, into the caller's writer.
            let mut w = self.vcd.take().expect("scratch implies a writer");
            let copied = std::fs::File::open(&p)
                .and_then(|mut f| std::io::copy(&mut f, &mut w))
                .and_then(|_| w.flush());
            let _ = std::fs::remove_file(&p);
            if let Err(e) = copied {
                return Err(SimError::Protocol(format!("cannot write the VCD: {e}")));
            }
        }
        result
    }
}
