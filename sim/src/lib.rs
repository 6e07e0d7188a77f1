//! # qtrain-sim — host driver and simulator of the qtrain accelerator
//!
//! The host side of the stream interface ([`stream::StreamDevice`]) with two devices behind it (the
//! cycle-accurate rust-hdl simulation and the transaction-level golden model), the host driver that
//! streams networks through it ([`driver`]; ResNets: [`resnet`] with the host steps in [`host_ops`]),
//! what runs where ([`plan`]), the reports ([`report`]) and hardware-in-the-loop training ([`hil`]).

pub mod bench;
pub mod driver;
pub mod error;
pub mod export;
pub mod hil;
pub mod host_ops;
pub mod model_backend;
pub mod plan;
pub mod report;
pub mod resnet;
pub mod rtl_backend;
pub mod shapes;
pub mod stream;
pub mod train_cmd;
pub mod trained;
pub mod verilator_backend;
