//! Window buffer: two banks (double buffering: the window unit fills one pixel's window while the
//! PE array reads the other's). A bank holds A_max·SF_max chunks of S bits; plane j's chunk sf is
//! chunk `j·SF + sf`. Write port: one 64-bit word (word `chunk·S/64 + i`); read port: one S-bit
//! chunk, one cycle latency.

use rust_hdl::prelude::*;

use crate::conv::shape::{addr_bits, Sizes};
use crate::stream::Wide;

/// Double-buffered window RAM, SW = S/64 words a chunk.
#[derive(LogicBlock)]
pub struct WindowBuffer<const SW: usize> {
    /// Clock.
    pub clock: Signal<In, Clock>,
    /// Write enable.
    pub wb_en: Signal<In, Bit>,
    /// Word address (bank·bank_chunks·SW + word).
    pub wb_addr: Signal<In, Bits<16>>,
    /// Word.
    pub wb_data: Signal<In, Wide<1>>,
    /// Chunk address (bank·bank_chunks + chunk).
    pub rd_addr: Signal<In, Bits<16>>,
    /// Chunk read at the previous cycle's address.
    pub rd_data: Signal<Out, Wide<SW>>,
    _s: WinBufState<SW>,
}

struct WinBufState<const SW: usize> {
    sz: Sizes,
    mem: Vec<[u64; SW]>,
}

impl<const SW: usize> WindowBuffer<SW> {
    /// A window buffer for an engine of the given sizes.
    pub fn new(sz: Sizes) -> Self {
        assert_eq!(sz.sw, SW, "WindowBuffer: SW must be S/64");
        WindowBuffer {
            clock: Default::default(),
            wb_en: Default::default(),
            wb_addr: Default::default(),
            wb_data: Default::default(),
            rd_addr: Default::default(),
            rd_data: Default::default(),
            _s: WinBufState {
                sz,
                mem: vec![[0; SW]; 2 * sz.bank_chunks],
            },
        }
    }
}

impl<const SW: usize> Logic for WindowBuffer<SW> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let m = &mut self._s.mem;
            self.rd_data.next = Wide(
                m.get(self.rd_addr.val().index())
                    .copied()
                    .unwrap_or([0; SW]),
            );
            if self.wb_en.val() {
                let a = self.wb_addr.val().index();
                if let Some(e) = m.get_mut(a / SW) {
                    e[a % SW] = self.wb_data.val().0[0];
                }
            }
        }
    }

    fn connect(&mut self) {
        self.rd_data.connect();
    }

    fn hdl(&self) -> Verilog {
        let lsw = addr_bits(SW);
        Verilog::Custom(format!(
            "\
reg [{wm}:0] mem [0:{dm}];
wire unused_addr = &{{1'b0, rd_addr, wb_addr, 1'b0}};
always @(posedge clock) begin
    rd_data <= mem[rd_addr];
    if (wb_en) mem[wb_addr >> {lsw_}][(wb_addr & 16'd{swm})*64 +: 64] <= wb_data;
end
",
            wm = SW * 64 - 1,
            dm = 2 * self._s.sz.bank_chunks - 1,
            lsw_ = if SW == 1 { 0 } else { lsw },
            swm = SW - 1
        ))
    }
}
