//! The accelerator top's transaction router: parses each header word, routes its payload to the
//! conv engine or (through the gearbox) to the update unit, frames the response with `last`, answers
//! counters reads and bad headers, and counts. Wire format: [`qtrain::exact::accel`].
//!
//! A hand-written leaf block (Rust model in `update()`, Verilog in `hdl()`, kept in step by the
//! Icarus co-simulation of `sim export`'s `tb_accel.v`). Both are written as one combinational
//! function of (registers, inputs) that yields the outputs and every register's next value, and a
//! clock edge that copies the next values.
//!
//! States: `HDR` (take a header) · `DROP` (consume a bad header's payload) · `ERR` (send the error
//! word) · `CONV_FIRST` / `CONV` (forward `len` words to the conv engine, pass its output through
//! until its `images`-th `last`) · `UCMD` / `UOFFER` (take the 2 command words, offer them to the
//! unit) · `URUN` (assemble beats, hand them over, serialise output beats) · `USTAT` (status word) ·
//! `CNT` (counter words). One transaction at a time: the next header is taken only after the
//! response's final word has been handed to the output buffer.

use rust_hdl::prelude::*;

use qtrain::exact::accel::{self as wire, counter, COUNTER_WORDS};

use crate::stream::Wide;

const S_HDR: u8 = 0;
const S_DROP: u8 = 1;
const S_ERR: u8 = 2;
const S_CONV_FIRST: u8 = 3;
const S_CONV: u8 = 4;
const S_UCMD: u8 = 5;
const S_UOFFER: u8 = 6;
const S_URUN: u8 = 7;
const S_USTAT: u8 = 8;
const S_CNT: u8 = 9;

/// The router's state names (for the runner's stall report), indexed by state code.
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

/// The router for an update unit of `L` lanes, `WB`-bit weights and `UB`-bit steps.
#[derive(LogicBlock)]
pub struct Router<const L: usize, const WB: usize, const UB: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Host word.
    pub in_data: Signal<In, Wide<1>>,
    /// Host word valid.
    pub in_valid: Signal<In, Bit>,
    /// Host `last` (accepted, not interpreted: headers carry lengths).
    pub in_last: Signal<In, Bit>,
    /// Router takes the host word.
    pub in_ready: Signal<Out, Bit>,
    /// Response word.
    pub out_data: Signal<Out, Wide<1>>,
    /// Response word valid.
    pub out_valid: Signal<Out, Bit>,
    /// Final word of a response.
    pub out_last: Signal<Out, Bit>,
    /// The output buffer takes the response word.
    pub out_ready: Signal<In, Bit>,
    /// Conv engine input word.
    pub c_in_data: Signal<Out, Wide<1>>,
    /// Conv engine input valid.
    pub c_in_valid: Signal<Out, Bit>,
    /// Conv engine input last (final payload word).
    pub c_in_last: Signal<Out, Bit>,
    /// Conv engine takes the word.
    pub c_in_ready: Signal<In, Bit>,
    /// Conv engine output word.
    pub c_out_data: Signal<In, Wide<1>>,
    /// Conv engine output valid.
    pub c_out_valid: Signal<In, Bit>,
    /// Conv engine output last (final word of an image).
    pub c_out_last: Signal<In, Bit>,
    /// Router takes the conv output word.
    pub c_out_ready: Signal<Out, Bit>,
    /// Update command offered.
    pub u_cmd_valid: Signal<Out, Bit>,
    /// Update unit takes the command.
    pub u_cmd_ready: Signal<In, Bit>,
    /// Update command word 0.
    pub u_cmd_word: Signal<Out, Bits<64>>,
    /// Update command word 1 (seed).
    pub u_cmd_seed: Signal<Out, Bits<64>>,
    /// An assembled beat is offered.
    pub u_in_valid: Signal<Out, Bit>,
    /// The unit takes the beat.
    pub u_in_ready: Signal<In, Bit>,
    /// The beat is the transaction's final one.
    pub u_in_last: Signal<Out, Bit>,
    /// Beat weights, lane l.
    pub u_w: [Signal<Out, Bits<WB>>; L],
    /// Beat steps, lane l.
    pub u_u: [Signal<Out, Bits<UB>>; L],
    /// The unit offers an output beat.
    pub u_out_valid: Signal<In, Bit>,
    /// Router takes the output beat (after its final word went out).
    pub u_out_ready: Signal<Out, Bit>,
    /// The unit's `out_last` (not interpreted).
    pub u_out_last: Signal<In, Bit>,
    /// Updated weights, lane l.
    pub u_w_out: [Signal<In, Bits<WB>>; L],
    /// Forward weights, lane l.
    pub u_q_out: [Signal<In, Bits<WB>>; L],
    /// The beat carries a packed sign word.
    pub u_pack_valid: Signal<In, Bit>,
    /// The packed sign word.
    pub u_pack_word: Signal<In, Bits<64>>,
    /// The unit's saturation counter.
    pub u_sat_count: Signal<In, Bits<32>>,
    /// The unit's sticky command-error flag.
    pub u_cmd_error: Signal<In, Bit>,
    _s: Regs,
}

/// Every register of the router.
#[derive(Clone, Debug, Default)]
struct Regs {
    state: u8,
    remaining: u32,
    images: u32,
    cmd0: u64,
    cmd1: u64,
    ibuf: Vec<u64>,
    icnt: u8,
    ifull: bool,
    ilast: bool,
    pend: u8,
    ocnt: u8,
    pk: bool,
    trunc: bool,
    err: u8,
    hdr_lo: u32,
    cidx: u8,
    n: [u64; 6],
    n_trans: u32,
    n_err: u32,
}

/// Combinational outputs.
#[derive(Clone, Copy, Default)]
struct Comb {
    in_ready: bool,
    out_valid: bool,
    out_data: u64,
    out_last: bool,
    c_in_valid: bool,
    c_out_ready: bool,
    u_cmd_valid: bool,
    u_in_valid: bool,
    u_out_ready: bool,
}

impl<const L: usize, const WB: usize, const UB: usize> Default for Router<L, WB, UB> {
    fn default() -> Self {
        Self {
            clock: Default::default(),
            in_data: Default::default(),
            in_valid: Default::default(),
            in_last: Default::default(),
            in_ready: Default::default(),
            out_data: Default::default(),
            out_valid: Default::default(),
            out_last: Default::default(),
            out_ready: Default::default(),
            c_in_data: Default::default(),
            c_in_valid: Default::default(),
            c_in_last: Default::default(),
            c_in_ready: Default::default(),
            c_out_data: Default::default(),
            c_out_valid: Default::default(),
            c_out_last: Default::default(),
            c_out_ready: Default::default(),
            u_cmd_valid: Default::default(),
            u_cmd_ready: Default::default(),
            u_cmd_word: Default::default(),
            u_cmd_seed: Default::default(),
            u_in_valid: Default::default(),
            u_in_ready: Default::default(),
            u_in_last: Default::default(),
            u_w: std::array::from_fn(|_| Default::default()),
            u_u: std::array::from_fn(|_| Default::default()),
            u_out_valid: Default::default(),
            u_out_ready: Default::default(),
            u_out_last: Default::default(),
            u_w_out: std::array::from_fn(|_| Default::default()),
            u_q_out: std::array::from_fn(|_| Default::default()),
            u_pack_valid: Default::default(),
            u_pack_word: Default::default(),
            u_sat_count: Default::default(),
            u_cmd_error: Default::default(),
            _s: Regs {
                ibuf: vec![0; Self::NBI],
                ..Default::default()
            },
        }
    }
}

impl<const L: usize, const WB: usize, const UB: usize> Router<L, WB, UB> {
    /// w lanes per word.
    const WPW: usize = 64 / WB;
    /// u lanes per word.
    const UPW: usize = 64 / UB;
    /// Words of a beat's w.
    const NWW: usize = L.div_ceil(Self::WPW);
    /// Input words of a beat.
    const NBI: usize = Self::NWW + L.div_ceil(Self::UPW);
    /// Output words of a beat without the pack word.
    const NWO: usize = 2 * Self::NWW;

    /// The current state's description (for stall reports).
    pub fn state_name(&self) -> &'static str {
        STATE_NAMES[self._s.state as usize]
    }

    /// Payload words the current transaction still expects.
    pub fn remaining(&self) -> u32 {
        self._s.remaining
    }

    fn w_out_word(&self, j: usize, q: bool) -> u64 {
        let src = if q { &self.u_q_out } else { &self.u_w_out };
        let mut x = 0u64;
        for k in 0..Self::WPW {
            let l = j * Self::WPW + k;
            if l < L {
                x |= src[l].val().to_u64() << (k * WB);
            }
        }
        x
    }

    fn counter(&self, i: u8) -> u64 {
        let s = &self._s;
        match i as usize {
            counter::UPDATE_STATUS => {
                self.u_sat_count.val().to_u64() | (self.u_cmd_error.val() as u64) << 32
            }
            counter::TRANSACTIONS => s.n_trans as u64 | (s.n_err as u64) << 32,
            k => s.n[k],
        }
    }

    fn comb(&self) -> Comb {
        let s = &self._s;
        let w = self.in_data.val().0[0];
        let mut c = Comb::default();
        match s.state {
            S_HDR | S_DROP | S_UCMD => c.in_ready = true,
            S_ERR => {
                c.out_valid = true;
                c.out_data = wire::ERROR_FLAG | (s.err as u64) << 32 | s.hdr_lo as u64;
                c.out_last = true;
            }
            S_CONV_FIRST => {
                let is_cmd = w & 0xF == qtrain::exact::geometry::OPCODE_CONV;
                c.c_in_valid = self.in_valid.val() && is_cmd;
                c.in_ready = !is_cmd || self.c_in_ready.val();
            }
            S_CONV => {
                c.c_in_valid = self.in_valid.val() && s.remaining != 0;
                c.in_ready = s.remaining != 0 && self.c_in_ready.val();
                c.out_valid = self.c_out_valid.val();
                c.out_data = self.c_out_data.val().0[0];
                c.out_last = self.c_out_last.val() && s.images == 1;
                c.c_out_ready = self.out_ready.val();
            }
            S_UOFFER => c.u_cmd_valid = true,
            S_URUN => {
                c.in_ready = s.remaining != 0 && !s.ifull;
                c.u_in_valid = s.ifull;
                c.out_valid = self.u_out_valid.val();
                let k = s.ocnt as usize;
                c.out_data = if k < Self::NWW {
                    self.w_out_word(k, false)
                } else if k < Self::NWO {
                    self.w_out_word(k - Self::NWW, true)
                } else {
                    self.u_pack_word.val().to_u64()
                };
                // `pk`: the beat's pack_valid, registered with its first word (ocnt ≥ 1 here), so
                // that u_out_ready does not depend combinationally on the unit's packer.
                let lastk = if s.pk { Self::NWO } else { Self::NWO - 1 };
                c.u_out_ready = self.out_ready.val() && k == lastk;
            }
            S_USTAT => {
                c.out_valid = true;
                c.out_data = self.u_sat_count.val().to_u64()
                    | (self.u_cmd_error.val() as u64) << 32
                    | if s.trunc { wire::STATUS_TRUNCATED } else { 0 };
                c.out_last = true;
            }
            S_CNT => {
                c.out_valid = true;
                c.out_data = self.counter(s.cidx);
                c.out_last = s.cidx as usize == COUNTER_WORDS - 1;
            }
            _ => {}
        }
        c
    }

    fn next(&self, c: &Comb) -> Regs {
        let mut n = self._s.clone();
        let s = &self._s;
        let w = self.in_data.val().0[0];
        let in_fire = self.in_valid.val() && c.in_ready;
        let out_fire = c.out_valid && self.out_ready.val();
        match s.state {
            S_HDR if in_fire => {
                n.n_trans = s.n_trans.wrapping_add(1);
                n.hdr_lo = w as u32;
                n.remaining = (w >> wire::LEN_SHIFT) as u32;
                let (op, len) = (w & 0xF, (w >> wire::LEN_SHIFT) as u32);
                let err = |n: &mut Regs, code: u64, drop: bool| {
                    n.err = code as u8;
                    n.state = if drop && len != 0 { S_DROP } else { S_ERR };
                };
                if (w >> 4) & 0xF != wire::TAG {
                    err(&mut n, wire::ERR_TAG, false);
                } else if (w >> 8) & 0xFF_FFFF != 0 || !(1..=3).contains(&op) {
                    err(&mut n, wire::ERR_OP, true);
                } else if op == 1 {
                    if len == 0 {
                        err(&mut n, wire::ERR_LEN, false);
                    } else {
                        n.state = S_CONV_FIRST;
                    }
                } else if op == 2 {
                    if len < 2 {
                        err(&mut n, wire::ERR_LEN, true);
                    } else {
                        n.state = S_UCMD;
                        n.icnt = 0;
                        n.ocnt = 0;
                        n.pend = 0;
                        n.ifull = false;
                        n.trunc = false;
                    }
                } else if len != 0 {
                    err(&mut n, wire::ERR_LEN, true);
                } else {
                    n.state = S_CNT;
                    n.cidx = 0;
                }
            }
            S_DROP if in_fire => {
                n.remaining = s.remaining - 1;
                if s.remaining == 1 {
                    n.state = S_ERR;
                }
            }
            S_ERR if out_fire => {
                n.n_err = s.n_err.wrapping_add(1);
                n.state = S_HDR;
            }
            S_CONV_FIRST => {
                n.n[counter::CONV_BUSY] += 1;
                if in_fire {
                    n.remaining = s.remaining - 1;
                    if w & 0xF == qtrain::exact::geometry::OPCODE_CONV {
                        n.n[counter::CONV_IN] += 1;
                        n.images = (w >> wire::CONV_IMAGES_SHIFT) as u32 + 1;
                        n.state = S_CONV;
                    } else {
                        n.err = wire::ERR_CONV_CMD as u8;
                        n.state = if s.remaining == 1 { S_ERR } else { S_DROP };
                    }
                }
            }
            S_CONV => {
                n.n[counter::CONV_BUSY] += 1;
                if in_fire {
                    n.n[counter::CONV_IN] += 1;
                    n.remaining = s.remaining - 1;
                }
                if out_fire {
                    n.n[counter::CONV_OUT] += 1;
                    if self.c_out_last.val() {
                        n.images = s.images - 1;
                    }
                }
                if n.remaining == 0 && n.images == 0 {
                    n.state = S_HDR;
                }
            }
            S_UCMD => {
                n.n[counter::UPDATE_BUSY] += 1;
                if in_fire {
                    n.n[counter::UPDATE_IN] += 1;
                    n.remaining = s.remaining - 1;
                    if s.icnt == 0 {
                        n.cmd0 = w;
                        n.icnt = 1;
                    } else {
                        n.cmd1 = w;
                        n.icnt = 0;
                        n.state = S_UOFFER;
                    }
                }
            }
            S_UOFFER => {
                n.n[counter::UPDATE_BUSY] += 1;
                if self.u_cmd_ready.val() {
                    n.state = S_URUN;
                }
            }
            S_URUN => {
                n.n[counter::UPDATE_BUSY] += 1;
                if in_fire {
                    n.n[counter::UPDATE_IN] += 1;
                    n.remaining = s.remaining - 1;
                    n.ibuf[s.icnt as usize] = w;
                    if s.icnt as usize == Self::NBI - 1 {
                        n.icnt = 0;
                        n.ifull = true;
                        n.ilast = s.remaining == 1;
                    } else {
                        n.icnt = s.icnt + 1;
                    }
                }
                let handed = c.u_in_valid && self.u_in_ready.val();
                if handed {
                    n.ifull = false;
                }
                let done = c.u_out_ready && self.u_out_valid.val();
                if out_fire {
                    n.n[counter::UPDATE_OUT] += 1;
                    n.ocnt = if done { 0 } else { s.ocnt + 1 };
                    if s.ocnt == 0 {
                        n.pk = self.u_pack_valid.val();
                    }
                }
                n.pend = s.pend + handed as u8 - done as u8;
                if n.remaining == 0 && !n.ifull && n.pend == 0 {
                    if n.icnt != 0 {
                        n.trunc = true;
                        n.icnt = 0;
                    }
                    n.state = S_USTAT;
                }
            }
            S_USTAT => {
                n.n[counter::UPDATE_BUSY] += 1;
                if out_fire {
                    n.n[counter::UPDATE_OUT] += 1;
                    n.state = S_HDR;
                }
            }
            S_CNT if out_fire => {
                n.cidx = s.cidx + 1;
                if s.cidx as usize == COUNTER_WORDS - 1 {
                    n.state = S_HDR;
                }
            }
            _ => {}
        }
        n
    }
}

impl<const L: usize, const WB: usize, const UB: usize> Logic for Router<L, WB, UB> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let c = self.comb();
            self._s = self.next(&c);
        }
        let c = self.comb();
        let s = &self._s;
        self.in_ready.next = c.in_ready;
        self.out_valid.next = c.out_valid;
        self.out_data.next = Wide([c.out_data]);
        self.out_last.next = c.out_last;
        self.c_in_data.next = self.in_data.val();
        self.c_in_valid.next = c.c_in_valid;
        self.c_in_last.next = s.remaining == 1;
        self.c_out_ready.next = c.c_out_ready;
        self.u_cmd_valid.next = c.u_cmd_valid;
        self.u_cmd_word.next = s.cmd0.into();
        self.u_cmd_seed.next = s.cmd1.into();
        self.u_in_valid.next = c.u_in_valid;
        self.u_in_last.next = s.ilast;
        self.u_out_ready.next = c.u_out_ready;
        let (wm, um) = ((1u64 << WB) - 1, (1u64 << UB) - 1);
        for l in 0..L {
            let ww = s.ibuf[l / Self::WPW] >> ((l % Self::WPW) * WB);
            let uw = s.ibuf[Self::NWW + l / Self::UPW] >> ((l % Self::UPW) * UB);
            self.u_w[l].next = (ww & wm).into();
            self.u_u[l].next = (uw & um).into();
        }
    }

    fn connect(&mut self) {
        self.in_ready.connect();
        self.out_data.connect();
        self.out_valid.connect();
        self.out_last.connect();
        self.c_in_data.connect();
        self.c_in_valid.connect();
        self.c_in_last.connect();
        self.c_out_ready.connect();
        self.u_cmd_valid.connect();
        self.u_cmd_word.connect();
        self.u_cmd_seed.connect();
        self.u_in_valid.connect();
        self.u_in_last.connect();
        self.u_out_ready.connect();
        for l in 0..L {
            self.u_w[l].connect();
            self.u_u[l].connect();
        }
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(super::router_verilog::body(
            L,
            WB,
            UB,
            Self::WPW,
            Self::UPW,
            Self::NWW,
            Self::NBI,
        ))
    }
}
