//! The blocks under lockstep: configuration and legal stimulus of each, from its contract (its doc
//! comment and how `hdl/src/conv/engine.rs` / `hdl/src/accel/top.rs` drive it).

use rand::Rng as _;
use rust_hdl::prelude::*;

use qtrain::hw::ConvParams;
use qtrain_hdl::accel::router::Router;
use qtrain_hdl::conv::filter_constant::FilterConstant;
use qtrain_hdl::conv::line_buffer::LineBuffer;
use qtrain_hdl::conv::loader::Loader;
use qtrain_hdl::conv::max_pool::MaxPool;
use qtrain_hdl::conv::output::OutputUnit;
use qtrain_hdl::conv::pe_array::PeArray;
use qtrain_hdl::conv::requant::RequantUnit;
use qtrain_hdl::conv::sequencer::Sequencer;
use qtrain_hdl::conv::shape::{Shape, Sizes};
use qtrain_hdl::conv::weight_buffer::WeightBuffer;
use qtrain_hdl::conv::window::WindowUnit;
use qtrain_hdl::conv::window_buffer::WindowBuffer;
use qtrain_hdl::stream::{SkidBuffer, Wide};

use crate::lockstep::harness::{run, LockstepBlock, Rng};

/// Cycles of every bench.
const CYCLES: usize = 100_000;

/// Probability that changes every few hundred cycles (idle stretches, bursts, everything between).
struct Phase {
    left: usize,
    p: f64,
}

impl Phase {
    fn new() -> Self {
        Phase { left: 0, p: 0.5 }
    }
    fn draw(&mut self, rng: &mut Rng) -> bool {
        if self.left == 0 {
            self.left = rng.gen_range(20..600);
            self.p = [0.0, 0.1, 0.5, 0.9, 1.0, rng.gen::<f64>()][rng.gen_range(0..6)];
        }
        self.left -= 1;
        rng.gen_bool(self.p)
    }
}

/// The small engine configuration the conv blocks are built for (P = 4: 256-bit `Wide<4>` ports).
fn conv_params() -> ConvParams {
    ConvParams {
        pe: 4,
        simd: 64,
        max_act_bits: 8,
        max_h: 8,
        max_w: 8,
        max_c_in: 128,
        max_c_out: 40,
        line_row_words: 64,
    }
}

/// A random legal command word for an engine of `cp` (shape within its limits).
fn random_cmd(rng: &mut Rng, cp: &ConvParams) -> u64 {
    let c_in = rng.gen_range(1..=cp.max_c_in) as u64;
    let c_out = rng.gen_range(1..=cp.max_c_out) as u64;
    let h = rng.gen_range(1..=cp.max_h) as u64;
    let w = rng.gen_range(1..=cp.max_w) as u64;
    let a_in = rng.gen_range(1..=cp.max_act_bits) as u64;
    let a_out = rng.gen_range(1..=cp.max_act_bits) as u64;
    let pool = rng.gen_bool(0.5) as u64;
    let sh = rng.gen_range(0..32u64);
    let images = rng.gen_range(1..=3u64);
    0xC | (c_in - 1) << 4
        | (c_out - 1) << 14
        | (h - 1) << 24
        | (w - 1) << 30
        | (a_in - 1) << 36
        | (a_out - 1) << 39
        | pool << 42
        | sh << 43
        | (images - 1) << 48
}

// ---------------------------------------------------------------- skid buffer

/// Skid buffer on 64-bit words. Upstream holds a word (data, last) until it is taken; valid and
/// `out_ready` follow random phases.
#[derive(Default)]
struct Skid {
    word: (u64, bool),
    valid: bool,
    fired: bool,
    pv: Option<Phase>,
    pr: Option<Phase>,
}

impl LockstepBlock for Skid {
    type B = SkidBuffer<Wide<1>>;
    fn make(&self) -> Self::B {
        Default::default()
    }
    ports!(
        name: "skid_buffer",
        in: [in_data: Wide<1>, in_last: Bit, in_valid: Bit, out_ready: Bit],
        out: [in_ready: Bit, out_data: Wide<1>, out_last: Bit, out_valid: Bit]
    );
    fn drive(&mut self, b: &mut Self::B, rng: &mut Rng) {
        let pv = self.pv.get_or_insert_with(Phase::new);
        if !self.valid || self.fired {
            self.valid = pv.draw(rng);
            self.word = (rng.gen(), rng.gen_bool(0.2));
        }
        let pr = self.pr.get_or_insert_with(Phase::new);
        b.in_data.next = Wide([self.word.0]);
        b.in_last.next = self.word.1;
        b.in_valid.next = self.valid;
        b.out_ready.next = pr.draw(rng);
    }
    fn observe(&mut self, b: &Self::B) {
        self.fired = b.in_valid.val() && b.in_ready.val();
    }
}

#[test]
fn skid_buffer() {
    run(Skid::default(), CYCLES, 1);
}

// ---------------------------------------------------------------- requant

/// Requant unit, as the loader and PE array drive it: a layer is a new `cmd` with a `start`
/// pulse, then the C_out parameter words (channel order, random gaps), then ≥ 2 idle cycles, then
/// folds (random full 32-bit accumulators, random gaps), never during `start`.
struct Requant {
    cp: ConvParams,
    cmd: u64,
    state: RqPhase,
    addr: usize,
    wait: usize,
    folds: usize,
    gaps: Phase,
}

#[derive(PartialEq)]
enum RqPhase {
    Start,
    Params,
    Idle,
    Folds,
}

const P: usize = 4;

impl LockstepBlock for Requant {
    type B = RequantUnit<P>;
    fn make(&self) -> Self::B {
        RequantUnit::new(Sizes::new(&self.cp))
    }
    ports!(
        name: "requant",
        in: [cmd: Wide<1>, start: Bit, pw_en: Bit, pw_addr: Bits<10>, wr_data: Wide<1>,
             in_vals: Wide<P>, in_valid: Bit],
        out: [out_vals: Wide<P>, out_valid: Bit]
    );
    fn drive(&mut self, b: &mut Self::B, rng: &mut Rng) {
        b.start.next = false;
        b.pw_en.next = false;
        b.in_valid.next = false;
        b.pw_addr.next = Bits::from(rng.gen_range(0..1024u64));
        b.wr_data.next = Wide([rng.gen()]);
        b.in_vals.next = Wide(std::array::from_fn(|_| rng.gen()));
        let sh = Shape::decode(self.cmd, P, self.cp.simd);
        match self.state {
            RqPhase::Start => {
                self.cmd = random_cmd(rng, &self.cp);
                b.start.next = true;
                self.addr = 0;
                self.state = RqPhase::Params;
            }
            RqPhase::Params => {
                if self.addr == sh.c_out {
                    self.wait = rng.gen_range(2..6);
                    self.state = RqPhase::Idle;
                } else if self.gaps.draw(rng) {
                    b.pw_en.next = true;
                    b.pw_addr.next = Bits::from(self.addr as u64);
                    self.addr += 1;
                }
            }
            RqPhase::Idle => {
                self.wait -= 1;
                if self.wait == 0 {
                    self.folds = sh.nf * rng.gen_range(1..40);
                    self.state = RqPhase::Folds;
                }
            }
            RqPhase::Folds => {
                if self.folds == 0 {
                    self.state = RqPhase::Start;
                } else if self.gaps.draw(rng) {
                    // small accumulators too, where the clamp is not always hit
                    if rng.gen_bool(0.5) {
                        b.in_vals.next = Wide(std::array::from_fn(|_| {
                            rng.gen_range(-2000i64..2000) as u64
                        }));
                    }
                    b.in_valid.next = true;
                    self.folds -= 1;
                }
            }
        }
        b.cmd.next = Wide([self.cmd]);
    }
}

#[test]
fn requant() {
    let cp = conv_params();
    run(
        Requant {
            cmd: random_cmd(&mut <Rng as rand::SeedableRng>::seed_from_u64(0), &cp),
            cp,
            state: RqPhase::Start,
            addr: 0,
            wait: 0,
            folds: 0,
            gaps: Phase::new(),
        },
        CYCLES,
        2,
    );
}

// ---------------------------------------------------------------- max-pool

/// A random legal command whose pool flag, when set, comes with an even H and W (what the
/// engine's layers satisfy: a 2×2 pool of an odd map is refused by `ConvLayer`).
fn random_pool_cmd(rng: &mut Rng, cp: &ConvParams) -> u64 {
    let mut c = random_cmd(rng, cp);
    if c >> 42 & 1 == 1 {
        let (h, w) = ((c >> 24 & 0x3F) + 1, (c >> 30 & 0x3F) + 1);
        let (h, w) = (h + h % 2, w + w % 2);
        let (h, w) = (h.min(cp.max_h as u64 & !1), w.min(cp.max_w as u64 & !1));
        c = c & !(0xFFF << 24) | (h - 1) << 24 | (w - 1) << 30;
    }
    c
}

/// Values of one fold below 2^bits (requantised values).
fn vals<const N: usize>(rng: &mut Rng, bits: u32) -> Wide<N> {
    Wide(std::array::from_fn(|_| rng.gen_range(0..1u64 << bits)))
}

/// Max-pool, as the requant unit drives it: `cmd` + `start`, then the layer's H·W·images pixels
/// of NF folds each (values < 2^A_out, random gaps), then the next layer.
struct Pool {
    cp: ConvParams,
    cmd: u64,
    folds: usize,
    gaps: Phase,
}

impl LockstepBlock for Pool {
    type B = MaxPool<P>;
    fn make(&self) -> Self::B {
        MaxPool::new(Sizes::new(&self.cp))
    }
    ports!(
        name: "max_pool",
        in: [cmd: Wide<1>, start: Bit, in_vals: Wide<P>, in_valid: Bit],
        out: [out_vals: Wide<P>, out_valid: Bit]
    );
    fn drive(&mut self, b: &mut Self::B, rng: &mut Rng) {
        b.start.next = false;
        b.in_valid.next = false;
        let sh = Shape::decode(self.cmd, P, self.cp.simd);
        b.in_vals.next = vals(rng, sh.a_out as u32);
        if self.folds == 0 {
            self.cmd = random_pool_cmd(rng, &self.cp);
            let sh = Shape::decode(self.cmd, P, self.cp.simd);
            self.folds = sh.nf * sh.h * sh.w * sh.images;
            b.start.next = true;
        } else if self.gaps.draw(rng) {
            b.in_valid.next = true;
            self.folds -= 1;
        }
        b.cmd.next = Wide([self.cmd]);
    }
}

#[test]
fn max_pool() {
    let cp = conv_params();
    run(
        Pool {
            cp,
            cmd: 0xC,
            folds: 0,
            gaps: Phase::new(),
        },
        CYCLES,
        3,
    );
}

// ---------------------------------------------------------------- output unit

/// Output unit, as the sequencer/max-pool and the output skid drive it: `start` (new `cmd`) only
/// while `busy` is low; then the layer's output pixels (NF folds each, values < 2^A_out, random
/// gaps), a pixel begun only with a credit (2 at start, one back per `freed`); `o_ready` random.
struct Output {
    cp: ConvParams,
    cmd: u64,
    pixels: usize,
    fold: usize,
    credits: usize,
    busy: bool,
    idle: usize,
    gaps: Phase,
    ready: Phase,
}

impl LockstepBlock for Output {
    type B = OutputUnit<P>;
    fn make(&self) -> Self::B {
        OutputUnit::new(Sizes::new(&self.cp))
    }
    ports!(
        name: "output",
        in: [cmd: Wide<1>, start: Bit, in_vals: Wide<P>, in_valid: Bit, o_ready: Bit],
        out: [o_data: Wide<1>, o_valid: Bit, o_last: Bit, freed: Bit, busy: Bit]
    );
    fn drive(&mut self, b: &mut Self::B, rng: &mut Rng) {
        b.start.next = false;
        b.in_valid.next = false;
        let sh = Shape::decode(self.cmd, P, self.cp.simd);
        b.in_vals.next = vals(rng, sh.a_out as u32);
        b.o_ready.next = self.ready.draw(rng);
        if self.pixels == 0 && self.fold == 0 {
            // layer done on the producer side: wait until the unit is idle, then a gap
            if !self.busy && !b.busy.val() {
                if self.idle == 0 {
                    self.cmd = random_pool_cmd(rng, &self.cp);
                    let sh = Shape::decode(self.cmd, P, self.cp.simd);
                    let opix = if sh.pool {
                        sh.h * sh.w / 4
                    } else {
                        sh.h * sh.w
                    };
                    self.pixels = opix.max(1) * sh.images;
                    self.credits = 2;
                    self.idle = rng.gen_range(1..8);
                    b.start.next = true;
                } else {
                    self.idle -= 1;
                }
            }
        } else if (self.fold > 0 || self.credits > 0) && self.gaps.draw(rng) {
            if self.fold == 0 {
                self.credits -= 1;
            }
            b.in_valid.next = true;
            self.fold += 1;
            if self.fold == sh.nf {
                self.fold = 0;
                self.pixels -= 1;
            }
        }
        b.cmd.next = Wide([self.cmd]);
    }
    fn observe(&mut self, b: &Self::B) {
        if b.freed.val() {
            self.credits += 1;
        }
        self.busy = b.busy.val();
    }
}

#[test]
fn output() {
    let cp = conv_params();
    run(
        Output {
            cp,
            cmd: 0xC,
            pixels: 0,
            fold: 0,
            credits: 0,
            busy: false,
            idle: 0,
            gaps: Phase::new(),
            ready: Phase::new(),
        },
        CYCLES,
        4,
    );
}

// ---------------------------------------------------------------- RAMs

/// Line buffer: random writes and reads anywhere in its 4 row slots.
struct Lines {
    sz: Sizes,
}

impl LockstepBlock for Lines {
    type B = LineBuffer;
    fn make(&self) -> Self::B {
        LineBuffer::new(self.sz)
    }
    ports!(
        name: "line_buffer",
        in: [aw_en: Bit, aw_addr: Bits<16>, wr_data: Wide<1>, ra0: Bits<16>, ra1: Bits<16>],
        out: [rd0: Wide<1>, rd1: Wide<1>]
    );
    fn drive(&mut self, b: &mut Self::B, rng: &mut Rng) {
        let d = 4 * self.sz.row as u64;
        b.aw_en.next = rng.gen_bool(0.6);
        b.aw_addr.next = Bits::from(rng.gen_range(0..d));
        b.wr_data.next = Wide([rng.gen()]);
        b.ra0.next = Bits::from(rng.gen_range(0..d));
        b.ra1.next = Bits::from(rng.gen_range(0..d));
    }
}

#[test]
fn line_buffer() {
    run(
        Lines {
            sz: Sizes::new(&conv_params()),
        },
        CYCLES,
        5,
    );
}

/// Window buffer with S = 128 (a 128-bit read port): random word writes and chunk reads in range.
struct WinBuf {
    sz: Sizes,
}

impl LockstepBlock for WinBuf {
    type B = WindowBuffer<2>;
    fn make(&self) -> Self::B {
        WindowBuffer::new(self.sz)
    }
    ports!(
        name: "window_buffer",
        in: [wb_en: Bit, wb_addr: Bits<16>, wb_data: Wide<1>, rd_addr: Bits<16>],
        out: [rd_data: Wide<2>]
    );
    fn drive(&mut self, b: &mut Self::B, rng: &mut Rng) {
        let chunks = 2 * self.sz.bank_chunks as u64;
        b.wb_en.next = rng.gen_bool(0.6);
        b.wb_addr.next = Bits::from(rng.gen_range(0..chunks * 2));
        b.wb_data.next = Wide([rng.gen()]);
        b.rd_addr.next = Bits::from(rng.gen_range(0..chunks));
    }
}

#[test]
fn window_buffer() {
    let cp = ConvParams {
        simd: 128,
        ..conv_params()
    };
    run(
        WinBuf {
            sz: Sizes::new(&cp),
        },
        CYCLES,
        6,
    );
}

/// A layer's weight stream as the loader writes it: per filter o < C_out, words k < wpf
/// (`ww_last` on the final one), random gaps; then a new command. Reads at random legal addresses.
struct Weights {
    cp: ConvParams,
    cmd: u64,
    o: usize,
    k: usize,
    gaps: Phase,
}

impl Weights {
    fn new(cp: ConvParams) -> Self {
        Weights {
            cp,
            cmd: 0xC,
            o: usize::MAX,
            k: 0,
            gaps: Phase::new(),
        }
    }
    /// This cycle's write (filter, word, last) or None; a new layer when the last one is done.
    fn next(&mut self, rng: &mut Rng) -> Option<(usize, usize, bool)> {
        let sh = Shape::decode(self.cmd, self.cp.pe, self.cp.simd);
        if self.o >= sh.c_out {
            self.cmd = random_cmd(rng, &self.cp);
            self.o = 0;
            self.k = 0;
            return None;
        }
        if !self.gaps.draw(rng) {
            return None;
        }
        let w = (self.o, self.k, self.k + 1 == sh.wpf);
        self.k += 1;
        if self.k == sh.wpf {
            self.k = 0;
            self.o += 1;
        }
        Some(w)
    }
}

struct WeightBuf(Weights);

const PSW: usize = P * 2;

impl LockstepBlock for WeightBuf {
    type B = WeightBuffer<PSW>;
    fn make(&self) -> Self::B {
        WeightBuffer::new(Sizes::new(&self.0.cp))
    }
    ports!(
        name: "weight_buffer",
        in: [cmd: Wide<1>, ww_en: Bit, ww_filter: Bits<10>, ww_word: Bits<8>, wr_data: Wide<1>,
             rd_addr: Bits<16>],
        out: [rd_data: Wide<PSW>]
    );
    fn drive(&mut self, b: &mut Self::B, rng: &mut Rng) {
        let w = self.0.next(rng);
        let sh = Shape::decode(self.0.cmd, self.0.cp.pe, self.0.cp.simd);
        b.cmd.next = Wide([self.0.cmd]);
        b.ww_en.next = w.is_some();
        let (o, k, _) = w.unwrap_or((rng.gen_range(0..1024), rng.gen_range(0..256), false));
        b.ww_filter.next = Bits::from(o as u64);
        b.ww_word.next = Bits::from(k as u64);
        b.wr_data.next = Wide([rng.gen()]);
        b.rd_addr.next = Bits::from(rng.gen_range(0..(sh.nf * sh.sf) as u64));
    }
}

#[test]
fn weight_buffer() {
    let cp = ConvParams {
        simd: 128,
        ..conv_params()
    };
    run(WeightBuf(Weights::new(cp)), CYCLES, 7);
}

struct Konst(Weights);

impl LockstepBlock for Konst {
    type B = FilterConstant<P>;
    fn make(&self) -> Self::B {
        FilterConstant::new(Sizes::new(&self.0.cp))
    }
    ports!(
        name: "filter_constant",
        in: [cmd: Wide<1>, ww_en: Bit, ww_filter: Bits<10>, ww_word: Bits<8>, ww_last: Bit,
             wr_data: Wide<1>, rd_nf: Bits<10>],
        out: [rd_data: Wide<P>]
    );
    fn drive(&mut self, b: &mut Self::B, rng: &mut Rng) {
        let w = self.0.next(rng);
        let sh = Shape::decode(self.0.cmd, self.0.cp.pe, self.0.cp.simd);
        b.cmd.next = Wide([self.0.cmd]);
        b.ww_en.next = w.is_some();
        let (o, k, last) = w.unwrap_or((rng.gen_range(0..1024), rng.gen_range(0..256), false));
        b.ww_filter.next = Bits::from(o as u64);
        b.ww_word.next = Bits::from(k as u64);
        b.ww_last.next = last;
        b.wr_data.next = Wide([rng.gen()]);
        b.rd_nf.next = Bits::from(rng.gen_range(0..sh.nf as u64));
    }
}

#[test]
fn filter_constant() {
    run(Konst(Weights::new(conv_params())), CYCLES, 8);
}

// ---------------------------------------------------------------- router

const RL: usize = 8;
const RWB: usize = 16;
const RUB: usize = 8;
/// Input words of an update beat for (RL, RWB, RUB): 2 of w, 1 of u.
const RNBI: usize = 3;

/// A stream source that holds its word until it is taken (valid/ready).
#[derive(Default)]
struct Src {
    q: std::collections::VecDeque<(u64, bool)>,
    valid: bool,
}

/// One output beat the mock update unit owes: (w_out lanes, q_out lanes, last, pack_valid, pack).
type Beat = ([u64; RL], [u64; RL], bool, bool, u64);

/// The router between a random host stream and mock conv engine / update unit that keep their
/// contracts: host transactions (conv with a command word, update, counters, bad headers of every
/// kind, each `len` payload words) with random gaps and `last` on a transaction's final word; the
/// mock engine owes `images` output images (1..6 words, `last` on the final) per command word it
/// takes; the mock unit takes commands and beats when ready (random) and answers each beat with
/// one output beat (`last` on the beat of the input's `u_in_last`), held until taken; every
/// producer holds its word until it is taken; `out_ready`, `c_in_ready` random.
struct Route {
    host: Src,
    hv: Phase,
    conv_cmds: std::collections::VecDeque<u64>,
    conv_owed: std::collections::VecDeque<usize>,
    conv_word: Option<(u64, bool)>,
    conv_left: usize,
    beats: std::collections::VecDeque<Beat>,
    beat: Option<Beat>,
    sat: u64,
    cerr: bool,
    or: Phase,
    cr: Phase,
    ur: Phase,
    uo: Phase,
    /// The reserved header bit (8..=31) the next single-bit bad header sets: each in turn.
    rsvd_bit: u32,
}

impl Route {
    fn new() -> Self {
        Route {
            host: Src::default(),
            hv: Phase::new(),
            conv_cmds: Default::default(),
            conv_owed: Default::default(),
            conv_word: None,
            conv_left: 0,
            beats: Default::default(),
            beat: None,
            sat: 0,
            cerr: false,
            or: Phase::new(),
            cr: Phase::new(),
            ur: Phase::new(),
            uo: Phase::new(),
            rsvd_bit: 7,
        }
    }

    /// Queue one random host transaction.
    fn transaction(&mut self, rng: &mut Rng) {
        let hdr = |op: u64, len: u64| op | 0xA << 4 | len << 32;
        let mut words = Vec::new();
        match rng.gen_range(0..10) {
            0..=3 => {
                let len = rng.gen_range(1..10);
                words.push(hdr(1, len));
                let images = rng.gen_range(0..3u64);
                let first = if rng.gen_bool(0.9) {
                    (rng.gen::<u64>() & !0xF & !(0xFFFF << 48)) | 0xC | images << 48
                } else {
                    rng.gen::<u64>() & !0xF | 0x3
                };
                words.push(first);
                if first & 0xF == 0xC {
                    self.conv_cmds.push_back(first);
                }
                for _ in 1..len {
                    words.push(rng.gen());
                }
            }
            4..=6 => {
                let len = rng.gen_range(0..(3 + 4 * RNBI as u64));
                words.push(hdr(2, len));
                for _ in 0..len {
                    words.push(rng.gen());
                }
            }
            7 => {
                let len = if rng.gen_bool(0.8) {
                    0
                } else {
                    rng.gen_range(1..4)
                };
                words.push(hdr(3, len));
                for _ in 0..len {
                    words.push(rng.gen());
                }
            }
            _ => {
                let len = rng.gen_range(0..5u64);
                let h = match rng.gen_range(0..3) {
                    0 => hdr(rng.gen_range(1..4), len) ^ (rng.gen_range(1..16u64) << 4),
                    // any reserved bits, or exactly one, each of bits 31:8 in turn
                    1 if rng.gen_bool(0.5) => {
                        hdr(rng.gen_range(1..4), len) | rng.gen_range(1..0xFF_FFFFu64) << 8
                    }
                    1 => {
                        self.rsvd_bit = 8 + (self.rsvd_bit + 1 - 8) % 24;
                        hdr(rng.gen_range(1..4), len) | 1 << self.rsvd_bit
                    }
                    _ => hdr([0, 4, 7, 15][rng.gen_range(0..4)], len),
                };
                words.push(h);
                for _ in 0..len {
                    words.push(rng.gen());
                }
            }
        }
        let n = words.len();
        for (i, w) in words.into_iter().enumerate() {
            self.host.q.push_back((w, i + 1 == n));
        }
    }
}

impl LockstepBlock for Route {
    type B = Router<RL, RWB, RUB>;
    fn name(&self) -> String {
        "router".into()
    }
    fn make(&self) -> Self::B {
        Router::default()
    }
    fn inputs(&self) -> Vec<crate::lockstep::harness::Port> {
        use crate::lockstep::harness::Port;
        let mut v = vec![
            Port::new("in_data", 64),
            Port::new("in_valid", 1),
            Port::new("in_last", 1),
            Port::new("out_ready", 1),
            Port::new("c_in_ready", 1),
            Port::new("c_out_data", 64),
            Port::new("c_out_valid", 1),
            Port::new("c_out_last", 1),
            Port::new("u_cmd_ready", 1),
            Port::new("u_in_ready", 1),
            Port::new("u_out_valid", 1),
            Port::new("u_out_last", 1),
        ];
        for l in 0..RL {
            v.push(Port::new(format!("u_w_out${l}"), RWB));
            v.push(Port::new(format!("u_q_out${l}"), RWB));
        }
        v.push(Port::new("u_pack_valid", 1));
        v.push(Port::new("u_pack_word", 64));
        v.push(Port::new("u_sat_count", 32));
        v.push(Port::new("u_cmd_error", 1));
        v
    }
    fn outputs(&self) -> Vec<crate::lockstep::harness::Port> {
        use crate::lockstep::harness::Port;
        let mut v = vec![
            Port::new("in_ready", 1),
            Port::new("out_data", 64),
            Port::new("out_valid", 1),
            Port::new("out_last", 1),
            Port::new("c_in_data", 64),
            Port::new("c_in_valid", 1),
            Port::new("c_in_last", 1),
            Port::new("c_out_ready", 1),
            Port::new("u_cmd_valid", 1),
            Port::new("u_cmd_word", 64),
            Port::new("u_cmd_seed", 64),
            Port::new("u_in_valid", 1),
            Port::new("u_in_last", 1),
        ];
        for l in 0..RL {
            v.push(Port::new(format!("u_w${l}"), RWB));
            v.push(Port::new(format!("u_u${l}"), RUB));
        }
        v.push(Port::new("u_out_ready", 1));
        v
    }
    fn read_inputs(b: &Self::B, o: &mut Vec<u64>) {
        use crate::lockstep::harness::PortVal;
        b.in_data.val().put(o);
        b.in_valid.val().put(o);
        b.in_last.val().put(o);
        b.out_ready.val().put(o);
        b.c_in_ready.val().put(o);
        b.c_out_data.val().put(o);
        b.c_out_valid.val().put(o);
        b.c_out_last.val().put(o);
        b.u_cmd_ready.val().put(o);
        b.u_in_ready.val().put(o);
        b.u_out_valid.val().put(o);
        b.u_out_last.val().put(o);
        for l in 0..RL {
            b.u_w_out[l].val().put(o);
            b.u_q_out[l].val().put(o);
        }
        b.u_pack_valid.val().put(o);
        b.u_pack_word.val().put(o);
        b.u_sat_count.val().put(o);
        b.u_cmd_error.val().put(o);
    }
    fn read_outputs(b: &Self::B, o: &mut Vec<u64>) {
        use crate::lockstep::harness::PortVal;
        b.in_ready.val().put(o);
        b.out_data.val().put(o);
        b.out_valid.val().put(o);
        b.out_last.val().put(o);
        b.c_in_data.val().put(o);
        b.c_in_valid.val().put(o);
        b.c_in_last.val().put(o);
        b.c_out_ready.val().put(o);
        b.u_cmd_valid.val().put(o);
        b.u_cmd_word.val().put(o);
        b.u_cmd_seed.val().put(o);
        b.u_in_valid.val().put(o);
        b.u_in_last.val().put(o);
        for l in 0..RL {
            b.u_w[l].val().put(o);
            b.u_u[l].val().put(o);
        }
        b.u_out_ready.val().put(o);
    }
    fn clock(b: &mut Self::B) -> &mut Signal<In, Clock> {
        &mut b.clock
    }
    fn drive(&mut self, b: &mut Self::B, rng: &mut Rng) {
        // host stream
        if self.host.q.len() < 4 {
            self.transaction(rng);
        }
        if !self.host.valid {
            self.host.valid = self.hv.draw(rng);
        }
        let (w, l) = self.host.q[0];
        b.in_data.next = Wide([w]);
        b.in_last.next = l;
        b.in_valid.next = self.host.valid;
        b.out_ready.next = self.or.draw(rng);
        // mock conv engine
        b.c_in_ready.next = self.cr.draw(rng);
        if self.conv_word.is_none() {
            if self.conv_left == 0 {
                if let Some(n) = self.conv_owed.front_mut() {
                    if *n == 0 {
                        self.conv_owed.pop_front();
                    } else {
                        *n -= 1;
                        self.conv_left = rng.gen_range(1..7);
                    }
                }
            }
            if self.conv_left > 0 && rng.gen_bool(0.6) {
                self.conv_left -= 1;
                self.conv_word = Some((rng.gen(), self.conv_left == 0));
            }
        }
        let cw = self.conv_word.unwrap_or((rng.gen(), rng.gen()));
        b.c_out_valid.next = self.conv_word.is_some();
        b.c_out_data.next = Wide([cw.0]);
        b.c_out_last.next = cw.1;
        // mock update unit
        b.u_cmd_ready.next = self.ur.draw(rng);
        b.u_in_ready.next = self.ur.draw(rng);
        if self.beat.is_none() && !self.beats.is_empty() && self.uo.draw(rng) {
            self.beat = self.beats.pop_front();
        }
        let bt = self.beat.unwrap_or(([0; RL], [0; RL], false, false, 0));
        b.u_out_valid.next = self.beat.is_some();
        b.u_out_last.next = bt.2;
        for l in 0..RL {
            b.u_w_out[l].next = Bits::from(bt.0[l]);
            b.u_q_out[l].next = Bits::from(bt.1[l]);
        }
        b.u_pack_valid.next = bt.3;
        b.u_pack_word.next = Bits::from(bt.4);
        if rng.gen_bool(0.01) {
            self.sat = rng.gen::<u32>() as u64;
            self.cerr = rng.gen();
        }
        b.u_sat_count.next = Bits::from(self.sat);
        b.u_cmd_error.next = self.cerr;
    }
    fn observe(&mut self, b: &Self::B) {
        if b.in_valid.val() && b.in_ready.val() {
            self.host.q.pop_front();
            self.host.valid = false;
        }
        if b.c_in_valid.val() && b.c_in_ready.val() {
            let w = b.c_in_data.val().0[0];
            // the engine takes a command only as a conv transaction's first word
            if self.conv_cmds.front() == Some(&w) {
                self.conv_cmds.pop_front();
                self.conv_owed.push_back((w >> 48) as usize + 1);
            }
        }
        if b.c_out_valid.val() && b.c_out_ready.val() {
            self.conv_word = None;
        }
        if b.u_in_valid.val() && b.u_in_ready.val() {
            let mask = (1u64 << RWB) - 1;
            let w: u64 = b.u_w[0].val().to_u64();
            let beat: Beat = (
                std::array::from_fn(|l| (w.rotate_left(l as u32 * 7) ^ l as u64) & mask),
                std::array::from_fn(|l| (w.rotate_left(l as u32 * 3 + 1)) & mask),
                b.u_in_last.val(),
                w & 3 == 0,
                w.rotate_left(17) ^ 0x5a5a,
            );
            self.beats.push_back(beat);
        }
        if b.u_out_valid.val() && b.u_out_ready.val() {
            self.beat = None;
        }
    }
}

#[test]
fn router() {
    run(Route::new(), CYCLES, 9);
}

// ---------------------------------------------------------------- PE array

/// PE array (P = 4, S = 128), as the sequencer and the RAMs drive it: folds of A_in·SF chunks
/// (`c_first` on the first, `c_last` on the last, `c_tail` on each plane's last SIMD fold,
/// `c_plane` = plane), random gaps between chunks; a new command between folds; weights and
/// windows random, the per-filter constants in their legal range `(2^A_in − 1)·(pop − N)`.
struct Pes {
    cp: ConvParams,
    cmd: u64,
    chunk: usize,
    gaps: Phase,
}

impl LockstepBlock for Pes {
    type B = PeArray<P, 2, PSW>;
    fn make(&self) -> Self::B {
        PeArray::new(Sizes::new(&self.cp))
    }
    ports!(
        name: "pe_array",
        in: [cmd: Wide<1>, wgt: Wide<PSW>, win: Wide<2>, konst: Wide<P>, c_valid: Bit,
             c_first: Bit, c_last: Bit, c_tail: Bit, c_plane: Bits<3>],
        out: [acc_out: Wide<P>, out_valid: Bit]
    );
    fn drive(&mut self, b: &mut Self::B, rng: &mut Rng) {
        let sh = Shape::decode(self.cmd, P, self.cp.simd);
        b.wgt.next = Wide(std::array::from_fn(|_| rng.gen()));
        b.win.next = Wide(std::array::from_fn(|_| rng.gen()));
        let top = ((1i64 << sh.a_in) - 1) * sh.n as i64;
        b.konst.next = Wide(std::array::from_fn(|_| rng.gen_range(-top..=0) as u64));
        b.c_valid.next = false;
        b.c_first.next = rng.gen();
        b.c_last.next = rng.gen();
        b.c_tail.next = rng.gen();
        b.c_plane.next = Bits::from(rng.gen_range(0..8u64));
        if self.chunk == 0 && rng.gen_bool(0.05) {
            self.cmd = random_cmd(rng, &self.cp);
        } else if self.gaps.draw(rng) {
            let n = sh.a_in * sh.sf;
            let (j, sf) = (self.chunk / sh.sf, self.chunk % sh.sf);
            b.c_valid.next = true;
            b.c_first.next = self.chunk == 0;
            b.c_last.next = self.chunk + 1 == n;
            b.c_tail.next = sf + 1 == sh.sf;
            b.c_plane.next = Bits::from(j as u64);
            self.chunk = (self.chunk + 1) % n;
        }
        b.cmd.next = Wide([self.cmd]);
    }
}

#[test]
fn pe_array() {
    let cp = ConvParams {
        simd: 128,
        ..conv_params()
    };
    run(
        Pes {
            cp,
            cmd: 0xC,
            chunk: 0,
            gaps: Phase::new(),
        },
        CYCLES,
        10,
    );
}

// ---------------------------------------------------------------- loader

/// A random legal command whose shape also fits the line buffer (W·A_in·ceil(C_in/64) ≤
/// `line_row_words`), what `ConvLayer` guarantees of every layer the engine is given.
fn random_layer_cmd(rng: &mut Rng, cp: &ConvParams) -> u64 {
    loop {
        let c = random_pool_cmd(rng, cp);
        let sh = Shape::decode(c, cp.pe, cp.simd);
        if sh.w * sh.a_in * sh.cw_in <= cp.line_row_words {
            return c;
        }
    }
}

/// Loader, inside a mock engine: the input skid holds each word until it is taken (random valid
/// phases); a layer is its command word, C_out parameter words, C_out·wpf weight words and the
/// images' activations (payload random: the loader routes words, it never reads them), `last` on
/// its final word, and between layers now and then words whose opcode is not 0xC (dropped while
/// idle). The output unit's `busy` rises the cycle after `start` and falls a random while after
/// the layer's last activation word is taken. The window unit (`img_r`, `win_row`) walks the rows
/// of each image at a random pace, a row y only once rows ≥ min(y + 2, H) of its image are loaded
/// (or the loader is on a later image), back to 0 on `start`.
struct Load {
    cp: ConvParams,
    /// (word, last, final word of a layer)
    q: std::collections::VecDeque<(u64, bool, bool)>,
    valid: bool,
    hv: Phase,
    /// Drain times of the output unit after a layer's last input word (drawn when queued).
    delays: std::collections::VecDeque<usize>,
    busy: bool,
    busy_rise: bool,
    busy_left: Option<usize>,
    img_r: usize,
    win_row: usize,
    wcmd: u64,
    wpace: Phase,
}

impl Load {
    fn new(cp: ConvParams) -> Self {
        Load {
            cp,
            q: Default::default(),
            valid: false,
            hv: Phase::new(),
            delays: Default::default(),
            busy: false,
            busy_rise: false,
            busy_left: None,
            img_r: 0,
            win_row: 0,
            wcmd: 0xC,
            wpace: Phase::new(),
        }
    }

    /// Queue one layer's stream (and maybe some junk words before it).
    fn layer(&mut self, rng: &mut Rng) {
        for _ in 0..[0, 0, 0, 1, 3][rng.gen_range(0..5)] {
            let junk = rng.gen::<u64>() & !0xF | rng.gen_range(0..0xCu64);
            self.q.push_back((junk, rng.gen(), false));
        }
        let cmd = random_layer_cmd(rng, &self.cp);
        let sh = Shape::decode(cmd, self.cp.pe, self.cp.simd);
        let n = 1 + sh.c_out * (1 + sh.wpf) + sh.images * sh.h * sh.w * sh.a_in * sh.cw_in;
        self.q.push_back((cmd, false, false));
        for i in 1..n {
            self.q.push_back((rng.gen(), i + 1 == n, i + 1 == n));
        }
        self.delays
            .push_back([0, 1, 2, 5, 40, 300][rng.gen_range(0..6)]);
    }
}

impl LockstepBlock for Load {
    type B = Loader;
    fn make(&self) -> Self::B {
        Loader::new(Sizes::new(&self.cp))
    }
    ports!(
        name: "loader",
        in: [in_data: Wide<1>, in_valid: Bit, in_last: Bit, busy: Bit, win_row: Bits<8>,
             img_r: Bits<17>],
        out: [in_ready: Bit, cmd: Wide<1>, start: Bit, wr_data: Wide<1>, pw_en: Bit,
              pw_addr: Bits<10>, ww_en: Bit, ww_filter: Bits<10>, ww_word: Bits<8>, ww_last: Bit,
              aw_en: Bit, aw_addr: Bits<16>, rows_done: Bits<8>, img_w: Bits<17>]
    );
    fn drive(&mut self, b: &mut Self::B, rng: &mut Rng) {
        if self.q.len() < 8 {
            self.layer(rng);
        }
        if !self.valid {
            self.valid = self.hv.draw(rng);
        }
        let (w, l, _) = self.q[0];
        b.in_data.next = Wide([w]);
        b.in_last.next = l;
        b.in_valid.next = self.valid;
        // mock output unit
        if self.busy_rise {
            self.busy = true;
            self.busy_rise = false;
        }
        if b.start.val() {
            self.busy_rise = true;
            self.wcmd = b.cmd.val().0[0];
            self.img_r = 0;
            self.win_row = 0;
        }
        if let Some(n) = self.busy_left.as_mut() {
            if *n == 0 {
                self.busy = false;
                self.busy_left = None;
            } else {
                *n -= 1;
            }
        }
        b.busy.next = self.busy;
        // mock window unit
        let sh = Shape::decode(self.wcmd, self.cp.pe, self.cp.simd);
        let (rows, img_w) = (b.rows_done.val().index(), b.img_w.val().index());
        let loaded = img_w > self.img_r || rows >= (self.win_row + 2).min(sh.h);
        if self.img_r < sh.images && loaded && self.wpace.draw(rng) {
            self.win_row += 1;
            if self.win_row == sh.h {
                self.win_row = 0;
                self.img_r += 1;
            }
        }
        b.win_row.next = Bits::from(self.win_row as u64);
        b.img_r.next = Bits::from(self.img_r as u64);
    }
    fn observe(&mut self, b: &Self::B) {
        if b.in_valid.val() && b.in_ready.val() {
            let (_, _, end) = self.q.pop_front().unwrap();
            self.valid = false;
            if end {
                self.busy_left = self.delays.pop_front();
            }
        }
    }
}

#[test]
fn loader() {
    run(Load::new(conv_params()), CYCLES, 11);
}

// ---------------------------------------------------------------- sequencer

/// Sequencer, inside a mock engine: a layer is a new `cmd` with `start`, given only once the
/// previous one is over (every pixel issued, every credit back) and a random idle after it. The
/// window unit finishes the layer's images·H·W pixels at a random pace, never more than two
/// ahead of `sp` (its two window-buffer banks). The output unit returns one `freed` per output
/// pixel (every pixel, or with pooling the odd-row odd-column ones), in order, a random while
/// (≥ the PE/requant/pool latency) after the pixel's last chunk was issued.
struct Seq {
    cp: ConvParams,
    cmd: u64,
    total: usize,
    /// Pixels the mock window has finished.
    wfin: usize,
    /// Chunks the sequencer has issued this layer.
    chunks: usize,
    /// Cycles until each owed `freed` pulse (in order, counted from the previous pulse).
    owed: std::collections::VecDeque<usize>,
    idle: usize,
    wpace: Phase,
}

impl Seq {
    fn new(cp: ConvParams) -> Self {
        Seq {
            cp,
            cmd: 0xC,
            total: 0,
            wfin: 0,
            chunks: 0,
            owed: Default::default(),
            idle: 3,
            wpace: Phase::new(),
        }
    }
}

impl LockstepBlock for Seq {
    type B = Sequencer;
    fn make(&self) -> Self::B {
        Sequencer::new(Sizes::new(&self.cp))
    }
    ports!(
        name: "sequencer",
        in: [cmd: Wide<1>, start: Bit, wp: Bits<3>, freed: Bit],
        out: [sp: Bits<3>, w_ra: Bits<16>, win_ra: Bits<16>, k_ra: Bits<10>, c_valid: Bit,
              c_first: Bit, c_last: Bit, c_tail: Bit, c_plane: Bits<3>]
    );
    fn drive(&mut self, b: &mut Self::B, rng: &mut Rng) {
        let sh = Shape::decode(self.cmd, P, self.cp.simd);
        b.start.next = false;
        b.freed.next = false;
        let per_pix = sh.nf * sh.a_in * sh.sf;
        // the chunk issued at the last edge
        if b.c_valid.val() {
            self.chunks += 1;
            if self.chunks % per_pix == 0 {
                let p = self.chunks / per_pix - 1;
                let (y, x) = (p % (sh.h * sh.w) / sh.w, p % sh.w);
                if !sh.pool || (y % 2 == 1 && x % 2 == 1) {
                    let d = [4, 5, 6, 8, 12, 30, 200][rng.gen_range(0..7)];
                    self.owed.push_back(d);
                }
            }
        }
        if let Some(d) = self.owed.front_mut() {
            if *d == 0 {
                b.freed.next = true;
                self.owed.pop_front();
            } else {
                *d -= 1;
            }
        }
        let done = self.chunks == self.total * per_pix && self.owed.is_empty();
        if done {
            if self.idle == 0 {
                self.cmd = random_pool_cmd(rng, &self.cp);
                let sh = Shape::decode(self.cmd, P, self.cp.simd);
                self.total = sh.images * sh.h * sh.w;
                self.wfin = 0;
                self.chunks = 0;
                self.idle = rng.gen_range(1..30);
                b.start.next = true;
            } else {
                self.idle -= 1;
            }
        } else if self.wfin < self.total
            && (self.wfin + 8 - b.sp.val().index()) % 8 < 2
            && self.wpace.draw(rng)
        {
            self.wfin += 1;
        }
        b.wp.next = Bits::from((self.wfin % 8) as u64);
        b.cmd.next = Wide([self.cmd]);
    }
}

#[test]
fn sequencer() {
    // small layers (a pixel ≤ 3·4·5 chunks): dozens of layers, many credit stalls
    let cp = ConvParams {
        max_act_bits: 4,
        max_c_in: 32,
        max_c_out: 12,
        ..conv_params()
    };
    run(Seq::new(cp), CYCLES, 12);
}

// ---------------------------------------------------------------- window unit

/// Window unit, inside a mock engine: a layer (legal shape: its rows fit the line buffer) is a new
/// `cmd` with `start`, given once the previous layer's pixels are all finished and consumed, after
/// a random idle. The loader (`rows_done`, `img_w`) loads the rows of each image at a random pace,
/// row r only while the window is on that image at a row ≥ r − 2. The sequencer consumes each
/// finished pixel (`sp`) a random while later. The line buffer answers each read address one cycle
/// later with the word of a memory the loader keeps rewriting (random words).
struct Win {
    cp: ConvParams,
    cmd: u64,
    total: usize,
    /// Pixels finished by the window (counted from `wp`) and consumed by the mock sequencer.
    fin: usize,
    used: usize,
    rows: usize,
    img_w: usize,
    mem: Vec<u64>,
    ra: (usize, usize),
    idle: usize,
    lpace: Phase,
    space: Phase,
}

impl Win {
    fn new(cp: ConvParams) -> Self {
        let n = 4 * Sizes::new(&cp).row;
        let mut r = <Rng as rand::SeedableRng>::seed_from_u64(13);
        Win {
            cp,
            cmd: 0xC,
            total: 0,
            fin: 0,
            used: 0,
            rows: 0,
            img_w: 0,
            mem: (0..n).map(|_| r.gen()).collect(),
            ra: (0, 0),
            idle: 3,
            lpace: Phase::new(),
            space: Phase::new(),
        }
    }
}

impl LockstepBlock for Win {
    type B = WindowUnit;
    fn make(&self) -> Self::B {
        WindowUnit::new(Sizes::new(&self.cp))
    }
    ports!(
        name: "window",
        in: [cmd: Wide<1>, start: Bit, rows_done: Bits<8>, img_w: Bits<17>, sp: Bits<3>,
             rd0: Wide<1>, rd1: Wide<1>],
        out: [ra0: Bits<16>, ra1: Bits<16>, wb_en: Bit, wb_addr: Bits<16>, wb_data: Wide<1>,
              wp: Bits<3>, win_row: Bits<8>, img_r: Bits<17>]
    );
    fn drive(&mut self, b: &mut Self::B, rng: &mut Rng) {
        let sh = Shape::decode(self.cmd, P, self.cp.simd);
        b.start.next = false;
        // mock line buffer: one cycle of read latency, rows rewritten as they are loaded
        let n = self.mem.len();
        b.rd0.next = Wide([self.mem[self.ra.0 % n]]);
        b.rd1.next = Wide([self.mem[self.ra.1 % n]]);
        self.ra = (b.ra0.val().index(), b.ra1.val().index());
        if rng.gen_bool(0.5) {
            let a = rng.gen_range(0..n);
            self.mem[a] = rng.gen();
        }
        // pixels the window finished at the last edge
        let wp = b.wp.val().index();
        if wp != self.fin % 8 {
            self.fin += 1;
            assert_eq!(wp, self.fin % 8, "window: wp moved by more than one");
        }
        if self.fin == self.total && self.used == self.total {
            if self.idle == 0 {
                self.cmd = random_layer_cmd(rng, &self.cp);
                let sh = Shape::decode(self.cmd, P, self.cp.simd);
                self.total = sh.images * sh.h * sh.w;
                self.fin = 0;
                self.used = 0;
                self.rows = 0;
                self.img_w = 0;
                self.idle = rng.gen_range(1..30);
                b.start.next = true;
            } else {
                self.idle -= 1;
            }
        } else {
            // mock sequencer
            if self.used < self.fin && self.space.draw(rng) {
                self.used += 1;
            }
            // mock loader
            let (img_r, win_row) = (b.img_r.val().index(), b.win_row.val().index());
            if self.img_w < sh.images
                && self.img_w == img_r
                && self.rows <= win_row + 2
                && self.lpace.draw(rng)
            {
                self.rows += 1;
                if self.rows == sh.h {
                    self.rows = 0;
                    self.img_w += 1;
                }
            }
        }
        b.sp.next = Bits::from((self.used % 8) as u64);
        b.rows_done.next = Bits::from(self.rows as u64);
        b.img_w.next = Bits::from(self.img_w as u64);
        b.cmd.next = Wide([self.cmd]);
    }
}

#[test]
fn window() {
    run(Win::new(conv_params()), CYCLES, 13);
}
