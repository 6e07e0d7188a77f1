//! `Wide<N>`: an N×64-bit bus stored as `[u64; N]`.
//!
//! rust-hdl stores `Bits<N>` with N > 32 as one byte per bit, so a 1024-bit weight word would cost
//! a kilobyte copy and a bit loop on every settle pass. `Wide` implements [`Synth`] directly on
//! machine words (a copy is N words, a compare is a `memcmp`), and exports to Verilog as a plain
//! `[64N-1:0]` vector, bit `64·i + b` = bit b of word i.

use qtrain::exact::pack::STREAM_WORD_BITS;
use rust_hdl::prelude::*;

// A `Wide` word is one stream word.
const _: () = assert!(STREAM_WORD_BITS == u64::BITS as usize);

/// An N×64-bit bus.
#[derive(Clone, Copy, Eq, Debug)]
pub struct Wide<const N: usize>(pub [u64; N]);

impl<const N: usize> PartialEq for Wide<N> {
    /// Branch-free (vectorisable) compare: every settle pass compares every signal, and the
    /// derived `==` calls `memcmp` for wide arrays (18 % of the runner's profile).
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        let mut d = 0u64;
        for i in 0..N {
            d |= self.0[i] ^ other.0[i];
        }
        d == 0
    }
}

impl<const N: usize> Default for Wide<N> {
    fn default() -> Self {
        Wide([0; N])
    }
}

impl<const N: usize> Wide<N> {
    /// Bit `i` (word `i / 64`, bit `i % 64`).
    pub fn bit(&self, i: usize) -> bool {
        (self.0[i / 64] >> (i % 64)) & 1 == 1
    }
}

impl<const N: usize> Synth for Wide<N> {
    const BITS: usize = STREAM_WORD_BITS * N;

    fn descriptor() -> TypeDescriptor {
        TypeDescriptor {
            name: format!("Wide::<{}>", 64 * N),
            kind: TypeKind::Bits(64 * N),
        }
    }

    fn vcd(self) -> VCDValue {
        VCDValue::Vector(
            (0..64 * N)
                .rev()
                .map(|i| {
                    if self.bit(i) {
                        vcd06::Value::V1
                    } else {
                        vcd06::Value::V0
                    }
                })
                .collect(),
        )
    }

    fn verilog(self) -> VerilogLiteral {
        // Only used for power-on values; the engine never instantiates a DFF of a Wide, so the low
        // 128 bits (zero-extended by Verilog) are enough.
        let lo = self.0[0] as u128 | ((if N > 1 { self.0[1] } else { 0 }) as u128) << 64;
        lo.into()
    }
}
