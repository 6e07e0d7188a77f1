//! The conv command word's field table: the one place that says where each field of the 64-bit
//! word that starts a conv layer sits, how wide it is and how its value is stored. The golden
//! model's encoder and decoder ([`crate::exact::geometry::ConvLayer::command_word`] and
//! `from_command_word`), the shape limits, the hardware's decoder (`qtrain_hdl::conv::shape`) and
//! its Verilog decoder are all built from [`CONV_FIELDS`].
//!
//! Each field starts where the previous one ends ([`Field::after`]), so widening one field is one
//! edit of its width here; the compile-time check below fails when the table no longer fits the word.

use crate::exact::pack::STREAM_WORD_BITS;

/// How a field stores its value: counts that are never zero are sent as value − 1, so a field of
/// `width` bits carries 1..=2^width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// The value itself (flags, shifts, the opcode).
    Raw,
    /// The value minus one (channel counts, sizes, activation bits, images).
    MinusOne,
}

/// One field of the command word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    /// Name, as the `ConvLayer` field and the Verilog wire are called.
    pub name: &'static str,
    /// Lowest bit.
    pub lsb: u32,
    /// Bits.
    pub width: u32,
    /// How the value is stored.
    pub encoding: Encoding,
}

impl Field {
    /// The field of `width` bits right above `prev`.
    pub const fn after(prev: &Field, name: &'static str, width: u32, encoding: Encoding) -> Self {
        Field {
            name,
            lsb: prev.lsb + prev.width,
            width,
            encoding,
        }
    }

    /// Highest bit.
    pub const fn msb(&self) -> u32 {
        self.lsb + self.width - 1
    }

    /// The field's bits, right-aligned.
    pub const fn mask(&self) -> u64 {
        if self.width >= 64 {
            !0
        } else {
            (1 << self.width) - 1
        }
    }

    /// Smallest value the field carries.
    pub const fn min(&self) -> u64 {
        match self.encoding {
            Encoding::Raw => 0,
            Encoding::MinusOne => 1,
        }
    }

    /// Largest value the field carries.
    pub const fn max(&self) -> u64 {
        self.mask() + self.min()
    }

    /// Bits a register needs to hold every decoded value (one more than the field for value − 1).
    pub const fn value_bits(&self) -> u32 {
        match self.encoding {
            Encoding::Raw => self.width,
            Encoding::MinusOne => self.width + 1,
        }
    }

    /// `value` placed in the field (bits outside the field's range are dropped, as the hardware
    /// would see them).
    #[inline]
    pub const fn put(&self, value: u64) -> u64 {
        (value.wrapping_sub(self.min()) & self.mask()) << self.lsb
    }

    /// The value the field of `word` carries.
    #[inline]
    pub const fn get(&self, word: u64) -> u64 {
        ((word >> self.lsb) & self.mask()) + self.min()
    }
}

/// Opcode `[3:0]`; a conv command carries [`OPCODE_CONV`].
pub const OPCODE: Field = Field {
    name: "opcode",
    lsb: 0,
    width: 4,
    encoding: Encoding::Raw,
};
/// Opcode of a conv layer's command word.
pub const OPCODE_CONV: u64 = 0xC;
/// Whether `word` carries the conv opcode (what the engine and the top check first).
#[inline]
pub const fn is_conv_command(word: u64) -> bool {
    OPCODE.get(word) == OPCODE_CONV
}

/// Input channels.
pub const C_IN: Field = Field::after(&OPCODE, "c_in", 10, Encoding::MinusOne);
/// Output channels.
pub const C_OUT: Field = Field::after(&C_IN, "c_out", 10, Encoding::MinusOne);
/// Feature-map height.
pub const H: Field = Field::after(&C_OUT, "h", 6, Encoding::MinusOne);
/// Feature-map width.
pub const W: Field = Field::after(&H, "w", 6, Encoding::MinusOne);
/// Input activation bits.
pub const A_IN: Field = Field::after(&W, "a_in", 3, Encoding::MinusOne);
/// Output activation bits.
pub const A_OUT: Field = Field::after(&A_IN, "a_out", 3, Encoding::MinusOne);
/// 2×2 max-pool flag.
pub const POOL: Field = Field::after(&A_OUT, "pool", 1, Encoding::Raw);
/// Requantisation right shift.
pub const SH: Field = Field::after(&POOL, "sh", 5, Encoding::Raw);
/// Images streamed after the weights.
pub const IMAGES: Field = Field::after(&SH, "images", 16, Encoding::MinusOne);

/// The layer fields in word order (the opcode below them is [`OPCODE`]).
pub const CONV_FIELDS: [Field; 9] = [C_IN, C_OUT, H, W, A_IN, A_OUT, POOL, SH, IMAGES];

// The table tiles the word: fields adjacent from the opcode up, the last one inside the word.
const _: () = {
    let mut prev = OPCODE;
    let mut i = 0;
    while i < CONV_FIELDS.len() {
        assert!(CONV_FIELDS[i].width > 0 && CONV_FIELDS[i].lsb == prev.lsb + prev.width);
        prev = CONV_FIELDS[i];
        i += 1;
    }
    assert!(prev.msb() < STREAM_WORD_BITS as u32);
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip_and_fill_the_word() {
        // No spare bit: a wider field takes its bit from another one.
        assert_eq!(
            CONV_FIELDS[CONV_FIELDS.len() - 1].msb() + 1,
            STREAM_WORD_BITS as u32
        );
        for f in CONV_FIELDS {
            for v in [f.min(), f.max()] {
                assert_eq!(f.get(f.put(v)), v, "{}", f.name);
            }
            assert_eq!(f.put(f.max()), f.mask() << f.lsb);
        }
        assert_eq!((POOL.max(), POOL.value_bits()), (1, 1));
    }
}
