//! PE array: P processing elements, each an S-lane XNOR + popcount with a bit-plane shift and a
//! 32-bit accumulator: `acc ← (first ? k_o : acc) + (popcount(XNOR(b, a_j) ∧ mask) << j)`.
//! `mask` keeps the N − (SF−1)·S valid bits of the last SIMD fold (the tail), so stale weight and
//! window bits past N never count. Inputs arrive one cycle after the sequencer's control (the RAM
//! latency), so the control is delayed by one register here; at a fold's last chunk the P sums
//! (= `qtrain::exact::xnor_conv::xnor_conv` values) leave on `acc_out` with an `out_valid` pulse.
//! Throughput: one chunk a cycle; latency 2 cycles from the sequencer's issue.
//!
//! The datapath is a leaf block (Rust `update` + hand-written Verilog) because rust-hdl's own
//! simulation of a `#[hdl_gen]` popcount tree is 19× slower (notes/rust-hdl.md §4).

use rust_hdl::prelude::*;

use crate::conv::shape::{addr_bits, verilog_decode, Shape, Sizes, VERILOG_DECODE_SINK};
use crate::stream::Wide;

/// PE array: P PEs × S lanes (SW = S/64, PSW = P·SW).
#[derive(LogicBlock)]
pub struct PeArray<const P: usize, const SW: usize, const PSW: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Layer command.
    pub cmd: Signal<In, Wide<1>>,
    /// Weights of the P filters for this chunk (lane p = words p·SW ..).
    pub wgt: Signal<In, Wide<PSW>>,
    /// Window chunk (one bit-plane, S bits).
    pub win: Signal<In, Wide<SW>>,
    /// Per-filter constants of this fold.
    pub konst: Signal<In, Wide<P>>,
    /// Control (one cycle ahead of the data): chunk valid.
    pub c_valid: Signal<In, Bit>,
    /// Control: first chunk of the fold.
    pub c_first: Signal<In, Bit>,
    /// Control: last chunk of the fold.
    pub c_last: Signal<In, Bit>,
    /// Control: last SIMD fold (mask the tail).
    pub c_tail: Signal<In, Bit>,
    /// Control: bit-plane j.
    pub c_plane: Signal<In, Bits<3>>,
    /// The P accumulators of a finished fold (64-bit two's-complement lanes).
    pub acc_out: Signal<Out, Wide<P>>,
    /// One-cycle pulse with `acc_out`.
    pub out_valid: Signal<Out, Bit>,
    _s: PeState<P>,
}

struct PeState<const P: usize> {
    sz: Sizes,
    d: (bool, bool, bool, bool, u32),
    acc: [i64; P],
    mask_cmd: u64,
    tail: Vec<u64>,
}

impl<const P: usize, const SW: usize, const PSW: usize> PeArray<P, SW, PSW> {
    /// A PE array for an engine of the given sizes.
    pub fn new(sz: Sizes) -> Self {
        assert!(
            sz.p == P && sz.sw == SW && P * SW == PSW,
            "PeArray: P, SW, PSW mismatch"
        );
        PeArray {
            clock: Default::default(),
            cmd: Default::default(),
            wgt: Default::default(),
            win: Default::default(),
            konst: Default::default(),
            c_valid: Default::default(),
            c_first: Default::default(),
            c_last: Default::default(),
            c_tail: Default::default(),
            c_plane: Default::default(),
            acc_out: Default::default(),
            out_valid: Default::default(),
            _s: PeState {
                sz,
                d: (false, false, false, false, 0),
                acc: [0; P],
                mask_cmd: u64::MAX,
                tail: vec![!0; SW],
            },
        }
    }
}

impl<const P: usize, const SW: usize, const PSW: usize> Logic for PeArray<P, SW, PSW> {
    fn update(&mut self) {
        if !self.clock.pos_edge() {
            return;
        }
        let s = &mut self._s;
        let cmd = self.cmd.val().0[0];
        if cmd != s.mask_cmd {
            // cache the tail mask per layer
            let rem = Shape::decode(cmd, s.sz.p, s.sz.s).rem;
            for (w, m) in s.tail.iter_mut().enumerate() {
                let lo = 64 * w;
                *m = if rem >= lo + 64 {
                    !0
                } else if rem <= lo {
                    0
                } else {
                    (1u64 << (rem - lo)) - 1
                };
            }
            s.mask_cmd = cmd;
        }
        let (valid, first, last, tail, plane) = s.d;
        self.out_valid.next = false;
        if valid {
            let wgt = self.wgt.val();
            let win = self.win.val();
            let konst = self.konst.val();
            for p in 0..P {
                let mut pop = 0u32;
                for w in 0..SW {
                    let m = if tail { s.tail[w] } else { !0 };
                    pop += (!(wgt.0[p * SW + w] ^ win.0[w]) & m).count_ones();
                }
                let base = if first { konst.0[p] as i64 } else { s.acc[p] };
                s.acc[p] = base + ((pop as i64) << plane);
            }
            if last {
                let mut o = [0u64; P];
                for (x, a) in o.iter_mut().zip(s.acc.iter()) {
                    *x = *a as u64;
                }
                self.acc_out.next = Wide(o);
                self.out_valid.next = true;
            }
        }
        s.d = (
            self.c_valid.val(),
            self.c_first.val(),
            self.c_last.val(),
            self.c_tail.val(),
            self.c_plane.val().index() as u32,
        );
    }

    fn connect(&mut self) {
        self.acc_out.connect();
        self.out_valid.connect();
    }

    fn hdl(&self) -> Verilog {
        let sz = self._s.sz;
        let s = SW * 64;
        let lb = addr_bits(s + 1);
        let mut pes = String::new();
        for p in 0..P {
            pes.push_str(&format!(
                "wire [{sm}:0] xn{p} = ~(wgt[{lo}:{lo0}] ^ win) & tmask;\n",
                sm = s - 1,
                lo = p * s + s - 1,
                lo0 = p * s
            ));
            pes.push_str(&popcount_tree(&format!("xn{p}"), s, &format!("pc{p}")));
            pes.push_str(&format!(
                "wire [31:0] nx{p} = (d_first ? konst[{k0}:{k1}] : acc_q[{a0}:{a1}]) + ({{{pad}'d0, pc{p}}} << d_plane);\n",
                k0 = p * 64 + 31,
                k1 = p * 64,
                a0 = p * 32 + 31,
                a1 = p * 32,
                pad = 32 - lb
            ));
        }
        let cat: Vec<String> = (0..P).rev().map(|p| format!("nx{p}")).collect();
        let ext: Vec<String> = (0..P)
            .rev()
            .map(|p| format!("{{{{32{{nx{p}[31]}}}}, nx{p}}}"))
            .collect();
        Verilog::Custom(format!(
            "\
{dec}{sink}wire unused_konst = &{{1'b0, konst, 1'b0}};
reg d_valid, d_first, d_last, d_tail;
reg [2:0] d_plane;
reg [{am}:0] acc_q;
initial begin d_valid = 1'b0; d_first = 1'b0; d_last = 1'b0; d_tail = 1'b0; d_plane = 3'd0; acc_q = {aw}'d0; out_valid = 1'b0; end
// lanes of the last SIMD fold that hold real bits: the low `rem` (1 ≤ rem ≤ S), a thermometer
wire [{sm}:0] tmask = d_tail ? ~({{{s}{{1'b1}}}} << rem) : {{{s}{{1'b1}}}};
{pes}wire [{am}:0] nxt_all = {{{cat}}};
always @(posedge clock) begin
    out_valid <= 1'b0;
    if (d_valid) begin
        acc_q <= nxt_all;
        if (d_last) begin
            out_valid <= 1'b1;
            acc_out <= {{{ext}}};
        end
    end
    d_valid <= c_valid; d_first <= c_first; d_last <= c_last; d_tail <= c_tail; d_plane <= c_plane;
end
",
            dec = verilog_decode(sz.p, sz.s),
            sink = VERILOG_DECODE_SINK,
            am = 32 * P - 1,
            aw = 32 * P,
            sm = s - 1,
            s = s,
            pes = pes,
            cat = cat.join(", "),
            ext = ext.join(", ")
        ))
    }
}

/// Verilog for a popcount of the `n`-bit wire `x` into wire `out` as an adder tree: full adders
/// over bit triples (with the XNOR in front, one LUT6 each for sum and carry), then pairwise sums
/// one bit wider a level. A `for`-loop popcount makes a chain of growing adders instead.
///
/// Full adder `i` takes bits `i`, `i + t` and `i + 2t` (`t = n / 3`; which bits share an adder does not
/// change a popcount), so the whole first level is written on three contiguous slices — `a ^ b ^ c`
/// and `maj(a, b, c)` — which a simulator computes in a few word operations instead of one per bit
/// (the same adders in hardware). The `n − 3t` leftover bits form one more leaf.
fn popcount_tree(x: &str, n: usize, out: &str) -> String {
    let mut v = String::new();
    let mut level: Vec<(String, usize)> = Vec::new();
    let t = n / 3;
    if t > 0 {
        let sl = |i: usize| format!("{x}[{}:{}]", (i + 1) * t - 1, i * t);
        let (a, b, c) = (sl(0), sl(1), sl(2));
        v.push_str(&format!(
            "wire [{m}:0] {out}_s = {a} ^ {b} ^ {c};\nwire [{m}:0] {out}_c = ({a} & {b}) | ({a} & {c}) | ({b} & {c});\n",
            m = t - 1
        ));
        for i in 0..t {
            level.push((format!("{{{out}_c[{i}], {out}_s[{i}]}}"), 2));
        }
    }
    if n > 3 * t {
        let terms: Vec<String> = (3 * t..n).map(|b| format!("{{1'b0, {x}[{b}]}}")).collect();
        let name = format!("{out}_f{}", 3 * t);
        v.push_str(&format!("wire [1:0] {name} = {};\n", terms.join(" + ")));
        level.push((name, 2));
    }
    let mut depth = 0;
    while level.len() > 1 {
        depth += 1;
        let mut next = Vec::new();
        for (k, pair) in level.chunks(2).enumerate() {
            let w = pair.iter().map(|p| p.1).max().unwrap_or(1) + 1;
            let name = format!("{out}_l{depth}_{k}");
            let ext = |(nm, wd): &(String, usize)| format!("{{{}'d0, {nm}}}", w - wd);
            let rhs = if pair.len() == 2 {
                format!("{} + {}", ext(&pair[0]), ext(&pair[1]))
            } else {
                ext(&pair[0])
            };
            v.push_str(&format!("wire [{}:0] {name} = {rhs};\n", w - 1));
            next.push((name, w));
        }
        level = next;
    }
    let bits = addr_bits(n + 1);
    let (name, w) = &level[0];
    if *w >= bits {
        v.push_str(&format!(
            "wire [{}:0] {out} = {name}[{}:0];\n",
            bits - 1,
            bits - 1
        ));
        if *w > bits {
            v.push_str(&format!(
                "wire unused_{out} = &{{1'b0, {name}[{}:{bits}], 1'b0}};\n",
                w - 1
            ));
        }
    } else {
        v.push_str(&format!(
            "wire [{}:0] {out} = {{{}'d0, {name}}};\n",
            bits - 1,
            bits - w
        ));
    }
    v
}
