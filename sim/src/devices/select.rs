//! Which device runs a session, as one validated value ([`DeviceConfig`]) the command line builds
//! once and every application opens the same way.

use qtrain::hw::HwConfig;
use qtrain::output::{OutFile, Target};

use crate::devices::model::ModelDevice;
use crate::devices::rtl::{RtlDevice, RtlTarget};
use crate::devices::shapes::Use;
use crate::devices::stream::{StreamDevice, Traffic};
use crate::devices::verilator::VerilatorDevice;
use crate::error::SimError;

/// The default watchdog: idle cycles before a stalled stream stops the run with a diagnosis.
pub const DEFAULT_WATCHDOG: u64 = 200_000;

/// The device behind the host's stream pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// The transaction-level golden model (no clock).
    Model,
    /// rust-hdl, cycle by cycle: the whole top or the bare blocks behind the top's definition.
    Rtl(RtlTarget),
    /// The exported Verilog top compiled by Verilator.
    Verilator,
}

impl Backend {
    /// What a configuration is checked against before this device is built (`shapes::check`):
    /// `training` sends update transactions, so the rtl update unit's shape matters on either target.
    pub fn shape_use(self, training: bool) -> Use {
        match self {
            Backend::Model => Use::Model,
            Backend::Rtl(RtlTarget::Engine) if !training => Use::RtlEngine,
            Backend::Rtl(_) => Use::RtlTop,
            Backend::Verilator => Use::Verilator,
        }
    }

    /// Whether the device has a clock (input gaps, back-pressure and waveforms need one).
    pub fn clocked(self) -> bool {
        self != Backend::Model
    }
}

/// A device and the traffic the host drives it with.
#[derive(Clone, Copy, Debug)]
pub struct DeviceConfig {
    /// Which device.
    pub backend: Backend,
    /// Input gaps and output back-pressure (clocked devices only).
    pub traffic: Traffic,
    /// Watchdog: idle cycles before a stalled stream stops the run.
    pub watchdog: u64,
}

impl DeviceConfig {
    /// `backend` at full speed with the default watchdog.
    pub fn full_speed(backend: Backend) -> Self {
        DeviceConfig {
            backend,
            traffic: Traffic::FULL_SPEED,
            watchdog: DEFAULT_WATCHDOG,
        }
    }

    /// Build the device for `hw`; with `vcd`, also the waveform file it writes (committed by the
    /// caller once the run is over, so a failed run leaves no half-written file behind).
    pub fn open(
        &self,
        hw: &HwConfig,
        vcd: Option<&Target>,
    ) -> Result<(Box<dyn StreamDevice>, Option<OutFile>), SimError> {
        Ok(match self.backend {
            Backend::Model => (Box::new(ModelDevice::new(hw)?), None),
            Backend::Rtl(target) => {
                let mut d = RtlDevice::new(hw, target, self.traffic, self.watchdog)?;
                let vcd = match vcd {
                    Some(t) => {
                        let (out, f) = OutFile::create(t)?;
                        d.trace_next(Box::new(std::io::BufWriter::new(f)));
                        Some(out)
                    }
                    None => None,
                };
                (Box::new(d), vcd)
            }
            Backend::Verilator => {
                let (vcd, w): (_, Option<Box<dyn std::io::Write>>) = match vcd {
                    Some(t) => {
                        let (out, f) = OutFile::create(t)?;
                        (Some(out), Some(Box::new(std::io::BufWriter::new(f))))
                    }
                    None => (None, None),
                };
                let d = VerilatorDevice::new(hw, self.traffic, self.watchdog, w)?;
                (Box::new(d), vcd)
            }
        })
    }
}
