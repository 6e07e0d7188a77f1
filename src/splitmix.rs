//! SplitMix64 (Steele, Lea, Flood 2014), defined once: the lane-seed hash of the LFSRs
//! ([`crate::lfsr::LfsrSpec::lane_state`], and the hardware seeder that computes it), the update
//! unit's run seed, and the deterministic stimulus of benches and traffic generators.
//!
//! Hardware that computes it (`hdl/src/update/seeder.rs`) takes its constants from here; the
//! C++ Verilator harness (`sim/src/devices/verilator/harness.cpp`) repeats [`GAMMA`] in a literal, pinned to
//! this one by a test (`sim/tests/verilator.rs`).

/// The golden-ratio increment of the state.
pub const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
/// First multiplier of the finaliser.
pub const MUL1: u64 = 0xBF58_476D_1CE4_E5B9;
/// Second multiplier of the finaliser.
pub const MUL2: u64 = 0x94D0_49BB_1331_11EB;
/// Offset of the lane-seed hash (`z = seed + (lane + 1)·GAMMA + LANE_OFFSET`).
pub const LANE_OFFSET: u64 = 0xD1B5_4A32_D192_ED03;

/// The finaliser: a bijective 64-bit mix (`z ^= z >> 30; z *= MUL1; z ^= z >> 27; z *= MUL2;
/// z ^= z >> 31`).
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(MUL1);
    z = (z ^ (z >> 27)).wrapping_mul(MUL2);
    z ^ (z >> 31)
}

/// The generator: state advances by [`GAMMA`], each output is [`mix`] of the state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator whose first output is `mix(seed + GAMMA)`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next output.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GAMMA);
        mix(self.state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference outputs of SplitMix64 seeded with 1234567 (Vigna's splitmix64.c).
    #[test]
    fn matches_the_reference_sequence() {
        let mut g = SplitMix64::new(1234567);
        let want = [
            6457827717110365317u64,
            3203168211198807973,
            9817491932198370423,
            4593380528125082431,
            16408922859458223821,
        ];
        for w in want {
            assert_eq!(g.next_u64(), w);
        }
    }
}
