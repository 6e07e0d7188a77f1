//! The router's state machine, one `#[hdl_gen]` description (its Rust model and its Verilog are
//! the same code), in two combinational halves around one register [`FsmRegs`] that
//! [`super::router::Router`] holds: [`RouterCtl`] (outputs from the registers and the handshake
//! inputs) and [`RouterNext`] (the registers' next value). Kept apart because the update unit's
//! `in_ready` depends on the router's `u_out_ready`: in one block, the outputs would appear to
//! depend on the unit's ready signals (Verilator: UNOPTFLAT). It takes each header, routes the payload to the conv engine or into the update
//! gearbox, frames the response with `last`, answers counter reads and bad headers, and counts.
//! It decides; [`super::router_data::RouterData`] moves the wide words it selects. Wire format and
//! every field, op and error code: [`qtrain::exact::accel`].
//!
//! States ([`route_state`]): `HDR` (take a header) · `DROP` (consume a bad header's payload) · `ERR`
//! (send the error word) · `CONV_FIRST` / `CONV` (forward `len` words to the conv engine, pass its
//! output through until its `images`-th `last`) · `UCMD` / `UOFFER` (take the 2 command words, offer
//! them to the unit) · `URUN` (assemble beats, hand them over, serialise output beats) · `USTAT`
//! (status word) · `CNT` (counter words). One transaction at a time: the next header is taken only
//! after the response's final word has been handed to the output buffer.

pub use super::router_ctl::RouterCtl;
pub use super::router_next::RouterNext;

/// Router state codes (plain constants, as in the seeder: an enum's localparams would be
/// re-declared, unused, in the state register's own module, which `verilator -Wall` flags).
pub mod route_state {
    /// Waiting for a header.
    pub const HDR: u64 = 0;
    /// Dropping a bad header's payload.
    pub const DROP: u64 = 1;
    /// Sending an error word.
    pub const ERR: u64 = 2;
    /// Waiting for the conv command word.
    pub const CONV_FIRST: u64 = 3;
    /// Running a conv transaction.
    pub const CONV: u64 = 4;
    /// Taking the update command words.
    pub const UCMD: u64 = 5;
    /// Waiting for the update unit to take its command.
    pub const UOFFER: u64 = 6;
    /// Running an update transaction.
    pub const URUN: u64 = 7;
    /// Sending the update status word.
    pub const USTAT: u64 = 8;
    /// Sending counters.
    pub const CNT: u64 = 9;
}

/// The router's state names (for stall reports), indexed by state code.
pub const STATE_NAMES: [&str; 10] = [
    "waiting for a header",
    "dropping a bad header's payload",
    "sending an error word",
    "waiting for the conv command word",
    "running a conv transaction",
    "taking the update command words",
    "waiting for the update unit to take its command",
    "running an update transaction",
    "sending the update status word",
    "sending counters",
];

/// [`FsmRegs`] in a module of its own: `#[derive(LogicStruct)]` writes public accessor methods
/// without docs, which `missing_docs` would flag; the struct and its fields are documented.
#[allow(missing_docs)]
mod regs {
    use rust_hdl::prelude::*;

    /// Every register of the state machine, one packed word.
    #[derive(Clone, Copy, Debug, PartialEq, Default, LogicStruct)]
    pub struct FsmRegs {
        /// State code ([`route_state`](super::route_state)).
        pub state: Bits<4>,
        /// Payload words still expected.
        pub remaining: Bits<32>,
        /// Conv output images still owed.
        pub images: Bits<32>,
        /// The last header's low half (for the error word).
        pub hdr_lo: Bits<32>,
        /// Words of the beat (or command) taken.
        pub icnt: Bits<8>,
        /// Beats handed to the unit, output not yet sent.
        pub pend: Bits<8>,
        /// Word of the output beat on the stream.
        pub ocnt: Bits<8>,
        /// Error code.
        pub err: Bits<8>,
        /// A whole beat is assembled.
        pub ifull: Bit,
        /// The assembled beat is the transaction's last.
        pub ilast: Bit,
        /// The transaction ended inside a beat.
        pub trunc: Bit,
        /// The output beat carries a pack word.
        pub pk: Bit,
        /// Counter word on the stream.
        pub cidx: Bits<4>,
        /// Counter: conv busy cycles.
        pub c_busy: Bits<64>,
        /// Counter: conv words in.
        pub c_in: Bits<64>,
        /// Counter: conv words out.
        pub c_out: Bits<64>,
        /// Counter: update busy cycles.
        pub u_busy: Bits<64>,
        /// Counter: update words in.
        pub u_in: Bits<64>,
        /// Counter: update words out.
        pub u_out: Bits<64>,
        /// Counter: transactions.
        pub trans: Bits<32>,
        /// Counter: bad transactions.
        pub errs: Bits<32>,
    }
}
pub use regs::FsmRegs;

/// The state's description (for stall reports).
pub fn state_name(r: &FsmRegs) -> &'static str {
    STATE_NAMES
        .get(r.state.index())
        .copied()
        .unwrap_or("in an unknown state")
}
