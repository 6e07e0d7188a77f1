//! One update lane: `w' = Q(clip(w − u))` for R, SR and BC, three register stages, one weight per clock.
//!
//! Stage 1 registers the inputs (w sign-extended, u sign-extended and aligned by the fixed shift
//! `w.frac − u.frac`, the LFSR draw). Stage 2 registers `vc = clamp(w − u, lo, hi)`, `t = vc + off` and
//! the saturation flag. Stage 3 rounds `t` on the grid of step `2^d` (R/BC: nearest, ties away from zero;
//! SR: floor plus one when `draw < (frac·2^r) >> d`) and registers `w_out` (`q`, or `vc` in BC), `q_out`,
//! `sign` (= q ≥ 0) and `sat`. Latency 3 edges; everything advances when `en` is high.
//! **Width**: the whole datapath is `WB` bits (the weight format), nothing wider. That is exact because
//! every value it must represent fits `WB` bits modulo `2^WB`: the aligned step fits by
//! [`UpdateParams::validate`] (the step's integer bits ≤ the weight's); `w − u` can leave the range,
//! which the signed-overflow flag catches (such a value is clipped anyway); `t = vc + off` is used
//! only through its low `d` bits and its sign, and its one out-of-range value (`t = 2.0` on the binary
//! grid when `w` has exactly two integer bits) has no fraction, so the tie rule never reads its sign;
//! `q` lies in `[lo, hi]`. The SR threshold `⌊frac·2^r / 2^d⌋` is computed as `frac` left-aligned to
//! `WB` bits and then shifted by the constant `WB − r`, so it never needs `d + r` bits.
//! Signed compares flip the top bit first.
//! The grid arrives as configuration ports (`off`, `lo`, `hi`, `step`, `fmask`, `half`, `d`) that the
//! unit derives from its command; they must not change while the lane holds data.
//! Software twin: [`qtrain::exact::update::lane_update`].

use qtrain::hw::UpdateParams;
use rust_hdl::prelude::*;

/// One lane, `WB`-bit weights, `UB`-bit steps.
#[derive(LogicBlock)]
pub struct UpdateLane<const WB: usize, const UB: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Pipeline enable: every stage register loads when high.
    pub en: Signal<In, Bit>,
    /// Weight (`w` or `w_r`), raw two's complement in `w_format`.
    pub w_in: Signal<In, Bits<WB>>,
    /// Step `u`, raw two's complement in `u_format`.
    pub u_in: Signal<In, Bits<UB>>,
    /// This update's `r`-bit LFSR draw.
    pub draw_in: Signal<In, Bits<16>>,
    /// Mode SR (stochastic rounding) when high.
    pub sr: Signal<In, Bit>,
    /// Mode BC (output the clipped full-precision value) when high.
    pub bc: Signal<In, Bit>,
    /// Grid offset added before rounding (raw; 1.0 for the binary grid).
    pub off: Signal<In, Bits<WB>>,
    /// Smallest grid value (raw, two's complement).
    pub lo: Signal<In, Bits<WB>>,
    /// Largest grid value (raw, two's complement).
    pub hi: Signal<In, Bits<WB>>,
    /// Grid step `2^d`.
    pub step: Signal<In, Bits<WB>>,
    /// `2^d − 1`: the dropped bits.
    pub fmask: Signal<In, Bits<WB>>,
    /// `2^(d−1)` (0 when d = 0): the tie point.
    pub half: Signal<In, Bits<WB>>,
    /// Dropped bits d.
    pub d: Signal<In, Bits<5>>,
    /// Updated value written back (`w'`, or `w_r'` in BC).
    pub w_out: Signal<Out, Bits<WB>>,
    /// The quantized weight for the next forward pass.
    pub q_out: Signal<Out, Bits<WB>>,
    /// `q_out ≥ 0` (the binary weight bit: 1 = +1).
    pub sign: Signal<Out, Bit>,
    /// This weight was clipped.
    pub sat: Signal<Out, Bit>,
    w1: DFF<Bits<WB>>,
    u1: DFF<Bits<WB>>,
    draw1: DFF<Bits<16>>,
    t2: DFF<Bits<WB>>,
    vc2: DFF<Bits<WB>>,
    sat2: DFF<Bit>,
    draw2: DFF<Bits<16>>,
    w3: DFF<Bits<WB>>,
    q3: DFF<Bits<WB>>,
    sign3: DFF<Bit>,
    sat3: DFF<Bit>,
    v: Signal<Local, Bits<WB>>,
    w_neg: Signal<Local, Bit>,
    u_neg: Signal<Local, Bit>,
    v_neg: Signal<Local, Bit>,
    ovf: Signal<Local, Bit>,
    below: Signal<Local, Bit>,
    above: Signal<Local, Bit>,
    vc: Signal<Local, Bits<WB>>,
    fl: Signal<Local, Bits<WB>>,
    frac: Signal<Local, Bits<WB>>,
    frac_top: Signal<Local, Bits<WB>>,
    thr: Signal<Local, Bits<16>>,
    up: Signal<Local, Bit>,
    q: Signal<Local, Bits<WB>>,
    w_msb: Constant<Bits<WB>>,
    u_msb: Constant<Bits<UB>>,
    u_ext: Constant<Bits<WB>>,
    u_shift: Constant<Bits<5>>,
    wb: Constant<Bits<5>>,
    thr_right: Constant<Bits<5>>,
    thr_left: Constant<Bits<5>>,
}

impl<const WB: usize, const UB: usize> UpdateLane<WB, UB> {
    /// A lane for `p` (whose formats must be `WB` and `UB` bits; `p` validated by the caller).
    pub fn new(p: &UpdateParams) -> Self {
        assert_eq!(
            p.w_format.total_bits as usize, WB,
            "WB must equal w_format bits"
        );
        assert_eq!(
            p.u_format.total_bits as usize, UB,
            "UB must equal u_format bits"
        );
        // Sign extension of a UB-bit step to WB bits.
        let u_ext = ((1u64 << WB) - 1) & !((1u64 << UB) - 1);
        let r = p.sr_bits as usize;
        Self {
            clock: Default::default(),
            en: Default::default(),
            w_in: Default::default(),
            u_in: Default::default(),
            draw_in: Default::default(),
            sr: Default::default(),
            bc: Default::default(),
            off: Default::default(),
            lo: Default::default(),
            hi: Default::default(),
            step: Default::default(),
            fmask: Default::default(),
            half: Default::default(),
            d: Default::default(),
            w_out: Default::default(),
            q_out: Default::default(),
            sign: Default::default(),
            sat: Default::default(),
            w1: Default::default(),
            u1: Default::default(),
            draw1: Default::default(),
            t2: Default::default(),
            vc2: Default::default(),
            sat2: Default::default(),
            draw2: Default::default(),
            w3: Default::default(),
            q3: Default::default(),
            sign3: Default::default(),
            sat3: Default::default(),
            v: Default::default(),
            w_neg: Default::default(),
            u_neg: Default::default(),
            v_neg: Default::default(),
            ovf: Default::default(),
            below: Default::default(),
            above: Default::default(),
            vc: Default::default(),
            fl: Default::default(),
            frac: Default::default(),
            frac_top: Default::default(),
            thr: Default::default(),
            up: Default::default(),
            q: Default::default(),
            w_msb: Constant::new(bits(1u64 << (WB - 1))),
            u_msb: Constant::new(bits(1u64 << (UB - 1))),
            u_ext: Constant::new(bits(u_ext)),
            u_shift: Constant::new(bits((p.w_format.frac_bits - p.u_format.frac_bits) as u64)),
            wb: Constant::new(bits(WB as u64)),
            thr_right: Constant::new(bits(WB.saturating_sub(r) as u64)),
            thr_left: Constant::new(bits(r.saturating_sub(WB) as u64)),
        }
    }
}

impl<const WB: usize, const UB: usize> Logic for UpdateLane<WB, UB> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, w1, u1, draw1, t2, vc2, sat2, draw2, w3, q3, sign3, sat3);
        // Every stage advances only when `en` is high, so all of the lane's logic sits under one
        // `if en` (the Locals get constant defaults first: no latches). The hardware is the same
        // clock-enabled pipeline; a simulator skips the whole datapath while the unit is idle.
        self.v.next = 0.into();
        self.w_neg.next = false;
        self.u_neg.next = false;
        self.v_neg.next = false;
        self.ovf.next = false;
        self.below.next = false;
        self.above.next = false;
        self.vc.next = 0.into();
        self.fl.next = 0.into();
        self.frac.next = 0.into();
        self.frac_top.next = 0.into();
        self.thr.next = 0.into();
        self.up.next = false;
        self.q.next = 0.into();
        if self.en.val() {
            // Stage 1: take w, sign-extend and align u (fits WB bits by validation), take the draw.
            self.w1.d.next = self.w_in.val();
            if self.u_in.val() >= self.u_msb.val() {
                self.u1.d.next =
                    (bit_cast::<WB, UB>(self.u_in.val()) | self.u_ext.val()) << self.u_shift.val();
            } else {
                self.u1.d.next = bit_cast::<WB, UB>(self.u_in.val()) << self.u_shift.val();
            }
            self.draw1.d.next = self.draw_in.val();
            // Stage 2: v = w − u modulo 2^WB; a signed overflow means the true v is beyond the
            // format on w's side, so it is clipped there. Else clip to [lo, hi] (signed compares).
            self.v.next = self.w1.q.val() - self.u1.q.val();
            self.w_neg.next = self.w1.q.val() >= self.w_msb.val();
            self.u_neg.next = self.u1.q.val() >= self.w_msb.val();
            self.v_neg.next = self.v.val() >= self.w_msb.val();
            self.ovf.next =
                (self.w_neg.val() != self.u_neg.val()) && (self.v_neg.val() != self.w_neg.val());
            if self.ovf.val() {
                self.below.next = self.w_neg.val();
                self.above.next = !self.w_neg.val();
            } else {
                self.below.next =
                    (self.v.val() ^ self.w_msb.val()) < (self.lo.val() ^ self.w_msb.val());
                self.above.next =
                    (self.v.val() ^ self.w_msb.val()) > (self.hi.val() ^ self.w_msb.val());
            }
            self.vc.next = self.v.val();
            if self.below.val() {
                self.vc.next = self.lo.val();
            }
            if self.above.val() {
                self.vc.next = self.hi.val();
            }
            self.t2.d.next = self.vc.val() + self.off.val();
            self.vc2.d.next = self.vc.val();
            self.sat2.d.next = self.below.val() || self.above.val();
            self.draw2.d.next = self.draw1.q.val();
            // Stage 3: round on the grid of step 2^d.
            self.fl.next = self.t2.q.val() & !self.fmask.val();
            self.frac.next = self.t2.q.val() & self.fmask.val();
            if self.sr.val() {
                // ⌊frac·2^r / 2^d⌋: frac moved to the top of WB bits, then the constant shift.
                self.frac_top.next = self.frac.val() << (self.wb.val() - self.d.val());
                self.thr.next = bit_cast::<16, WB>(self.frac_top.val() >> self.thr_right.val())
                    << self.thr_left.val();
                self.up.next = self.draw2.q.val() < self.thr.val();
            } else {
                self.up.next = self.frac.val().any()
                    && ((self.frac.val() > self.half.val())
                        || ((self.frac.val() == self.half.val())
                            && (self.t2.q.val() < self.w_msb.val())));
            }
            self.q.next = self.fl.val() - self.off.val();
            if self.up.val() {
                self.q.next = self.fl.val() + self.step.val() - self.off.val();
            }
            self.q3.d.next = self.q.val();
            self.sign3.d.next = self.q.val() < self.w_msb.val();
            self.sat3.d.next = self.sat2.q.val();
            if self.bc.val() {
                self.w3.d.next = self.vc2.q.val();
            } else {
                self.w3.d.next = self.q.val();
            }
        }
        self.w_out.next = self.w3.q.val();
        self.q_out.next = self.q3.q.val();
        self.sign.next = self.sign3.q.val();
        self.sat.next = self.sat3.q.val();
    }
}
