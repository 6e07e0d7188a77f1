//! Two-entry skid buffer: registers a valid/ready stream in both directions at full throughput.
//!
//! Ports: `in_{data,last,valid}` → `in_ready`; `out_{data,last,valid}` ← `out_ready`.
//! `out_valid/out_data/out_last` come from the main register and `in_ready = !skid_valid`, so no
//! combinational path crosses the buffer. Latency 1 cycle; one word a cycle when never stalled; no
//! word is dropped or duplicated under any pattern of `out_ready` (bench: `hdl/tests/conv.rs`).

use rust_hdl::prelude::*;

/// Skid buffer on a stream of `D` words with a `last` flag.
#[derive(LogicBlock, Default)]
pub struct SkidBuffer<D: Synth> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Upstream word.
    pub in_data: Signal<In, D>,
    /// Upstream end-of-packet flag.
    pub in_last: Signal<In, Bit>,
    /// Upstream offers a word.
    pub in_valid: Signal<In, Bit>,
    /// This buffer takes the word (registered: `!skid_valid`).
    pub in_ready: Signal<Out, Bit>,
    /// Downstream word.
    pub out_data: Signal<Out, D>,
    /// Downstream end-of-packet flag.
    pub out_last: Signal<Out, Bit>,
    /// This buffer offers a word.
    pub out_valid: Signal<Out, Bit>,
    /// Downstream takes the word.
    pub out_ready: Signal<In, Bit>,
    _s: SkidState<D>,
}

#[derive(Default)]
struct SkidState<D: Synth> {
    main: (D, bool, bool),
    skid: (D, bool, bool),
}

impl<D: Synth> Logic for SkidBuffer<D> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let s = &mut self._s;
            let in_fire = self.in_valid.val() && !s.skid.2;
            let inw = (self.in_data.val(), self.in_last.val(), true);
            if s.main.2 && !self.out_ready.val() {
                if in_fire {
                    s.skid = inw;
                }
            } else if s.skid.2 {
                s.main = s.skid;
                s.skid.2 = false;
            } else {
                s.main = (inw.0, inw.1, in_fire);
            }
        }
        self.in_ready.next = !self._s.skid.2;
        self.out_data.next = self._s.main.0;
        self.out_last.next = self._s.main.1;
        self.out_valid.next = self._s.main.2;
    }

    fn connect(&mut self) {
        self.in_ready.connect();
        self.out_data.connect();
        self.out_last.connect();
        self.out_valid.connect();
    }

    fn hdl(&self) -> Verilog {
        let w = D::BITS;
        Verilog::Custom(format!(
            "\
reg [{m}:0] main_d, skid_d;
reg main_l, main_v, skid_l, skid_v;
initial begin main_v = 1'b0; skid_v = 1'b0; main_d = {w}'d0; skid_d = {w}'d0; main_l = 1'b0; skid_l = 1'b0; end
always @(posedge clock) begin
    if (main_v && !out_ready) begin
        if (in_valid && !skid_v) begin skid_d <= in_data; skid_l <= in_last; skid_v <= 1'b1; end
    end else if (skid_v) begin
        main_d <= skid_d; main_l <= skid_l; main_v <= 1'b1; skid_v <= 1'b0;
    end else begin
        main_d <= in_data; main_l <= in_last; main_v <= in_valid;
    end
end
always @(*) begin
    in_ready = !skid_v;
    out_data = main_d;
    out_last = main_l;
    out_valid = main_v;
end",
            m = w - 1
        ))
    }
}
