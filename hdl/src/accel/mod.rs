//! The accelerator top (issue 6 item 1): the conv engine and the update unit behind one input and one
//! output valid/ready stream, Verilog module `qtrain_accel`. Wire format: [`qtrain::exact::accel`].
//!
//! * [`top::AccelTop`]: wiring and ports (module doc: the command format in brief).
//! * [`router::Router`]: headers, routing, the update gearbox, response framing, counters — the
//!   state machine [`router_fsm`] (`#[hdl_gen]`: one description, its halves [`router_ctl::RouterCtl`]
//!   and [`router_next::RouterNext`]) beside the data path
//!   [`router_data::RouterData`] (a hand-written leaf that only moves wide words).
//! * [`runner`]: direct-`simulate()` runner with an idle watchdog that names the stalled stream.
//!
//! Bench: `cargo test --release -p qtrain-hdl --test hdl accel::`.

pub mod router;
pub mod router_ctl;
pub mod router_data;
pub mod router_fsm;
pub mod router_next;
pub mod runner;
pub mod top;

pub use top::{AccelTop, DefaultAccelTop, ACCEL_TOP};
