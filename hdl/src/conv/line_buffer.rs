//! Line buffer: four row slots of ROW 64-bit words (row y of the input map lives in slot y mod 4,
//! pixel x, plane j, word cw at `(x·A + j)·ceil(C_in/64) + cw`), one write port (loader) and two
//! read ports (window unit; one cycle latency). Three slots are read while the fourth is written,
//! so loading overlaps computing. Two read ports let the window unit take two short pieces a cycle
//! (C_in ≤ 32), which keeps the 3-channel first layer compute-bound. In block RAM the two read
//! ports cost a second copy.

use rust_hdl::prelude::*;

use crate::conv::shape::Sizes;
use crate::stream::Wide;

/// Line buffer RAM (1 write, 2 read ports).
#[derive(LogicBlock)]
pub struct LineBuffer {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Write enable.
    pub aw_en: Signal<In, Bit>,
    /// Write address (slot·ROW + word).
    pub aw_addr: Signal<In, Bits<16>>,
    /// Write data.
    pub wr_data: Signal<In, Wide<1>>,
    /// Read address, port 0.
    pub ra0: Signal<In, Bits<16>>,
    /// Read address, port 1.
    pub ra1: Signal<In, Bits<16>>,
    /// Read data, port 0.
    pub rd0: Signal<Out, Wide<1>>,
    /// Read data, port 1.
    pub rd1: Signal<Out, Wide<1>>,
    _s: LbState,
}

struct LbState {
    depth: usize,
    mem: Vec<u64>,
}

impl LineBuffer {
    /// A line buffer for an engine of the given sizes.
    pub fn new(sz: Sizes) -> Self {
        LineBuffer {
            clock: Default::default(),
            aw_en: Default::default(),
            aw_addr: Default::default(),
            wr_data: Default::default(),
            ra0: Default::default(),
            ra1: Default::default(),
            rd0: Default::default(),
            rd1: Default::default(),
            _s: LbState {
                depth: 4 * sz.row,
                mem: vec![0; 4 * sz.row],
            },
        }
    }
}

impl Logic for LineBuffer {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let m = &mut self._s.mem;
            self.rd0.next = Wide([m.get(self.ra0.val().index()).copied().unwrap_or(0)]);
            self.rd1.next = Wide([m.get(self.ra1.val().index()).copied().unwrap_or(0)]);
            if self.aw_en.val() {
                if let Some(e) = m.get_mut(self.aw_addr.val().index()) {
                    *e = self.wr_data.val().0[0];
                }
            }
        }
    }

    fn connect(&mut self) {
        self.rd0.connect();
        self.rd1.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(format!(
            "\
reg [63:0] mem [0:{dm}];
wire unused_addr = &{{1'b0, ra0, ra1, aw_addr, 1'b0}};
always @(posedge clock) begin
    rd0 <= mem[ra0];
    rd1 <= mem[ra1];
    if (aw_en) mem[aw_addr] <= wr_data;
end
",
            dm = self._s.depth - 1
        ))
    }
}
