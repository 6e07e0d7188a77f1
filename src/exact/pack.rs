//! How binary weights travel on the 64-bit stream: the one layout the host driver, the conv engine's
//! weight buffer and the update unit's BC sign output all agree on.
//!
//! A layer's weights `w[o][ky][kx][c] ∈ {−1,+1}` (output channel, kernel row, kernel column, input
//! channel) are sent filter by filter. Filter `o` is the bit vector `b_i = (w_i + 1)/2` with
//! `i = (ky·K + kx)·C_in + c`, packed LSB-first into 64-bit words; each filter starts on a fresh word,
//! so a filter takes [`words_per_filter`] words and unused high bits of its last word are zero.

use crate::error::{QtrainError, Result};

/// Data bits of one stream word.
pub const STREAM_WORD_BITS: usize = 64;

/// Words one filter of `k×k×c_in` binary weights occupies on the stream.
pub fn words_per_filter(k: usize, c_in: usize) -> usize {
    (k * k * c_in).div_ceil(STREAM_WORD_BITS)
}

/// Pack ±1 weights laid out `[o][ky][kx][c]` into stream words (see the module doc).
pub fn pack_weights(w: &[i8], c_out: usize, k: usize, c_in: usize) -> Result<Vec<u64>> {
    let n = k * k * c_in;
    if w.len() != c_out * n {
        return Err(QtrainError::Shape(format!(
            "weights have {} values, expected c_out·k·k·c_in = {c_out}·{k}·{k}·{c_in} = {}",
            w.len(),
            c_out * n
        )));
    }
    let wpf = words_per_filter(k, c_in);
    let mut out = vec![0u64; c_out * wpf];
    for (o, filt) in w.chunks(n).enumerate() {
        for (i, &v) in filt.iter().enumerate() {
            match v {
                1 => out[o * wpf + i / STREAM_WORD_BITS] |= 1 << (i % STREAM_WORD_BITS),
                -1 => {}
                _ => {
                    return Err(QtrainError::Shape(format!(
                        "weight {i} of filter {o} is {v}, binary weights must be ±1"
                    )))
                }
            }
        }
    }
    Ok(out)
}

/// Inverse of [`pack_weights`].
pub fn unpack_weights(words: &[u64], c_out: usize, k: usize, c_in: usize) -> Result<Vec<i8>> {
    let n = k * k * c_in;
    let wpf = words_per_filter(k, c_in);
    if words.len() != c_out * wpf {
        return Err(QtrainError::Shape(format!(
            "{} stream words, expected c_out·words_per_filter = {c_out}·{wpf}",
            words.len()
        )));
    }
    Ok((0..c_out * n)
        .map(|j| {
            let (o, i) = (j / n, j % n);
            if (words[o * wpf + i / STREAM_WORD_BITS] >> (i % STREAM_WORD_BITS)) & 1 == 1 {
                1
            } else {
                -1
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_layout() {
        // 2 filters, k=3, c_in=8: 72 bits → 2 words each
        let w: Vec<i8> = (0..144).map(|i| if i % 3 == 0 { 1 } else { -1 }).collect();
        let p = pack_weights(&w, 2, 3, 8).unwrap();
        assert_eq!(p.len(), 4);
        assert_eq!(p[0] & 0b1111, 0b1001); // bits 0 and 3 set
        assert_eq!(p[1] >> 8, 0, "unused high bits are zero");
        assert_eq!(unpack_weights(&p, 2, 3, 8).unwrap(), w);
        assert!(pack_weights(&w[1..], 2, 3, 8).is_err());
        assert!(pack_weights(&[0i8; 9], 1, 3, 1).is_err());
        assert!(unpack_weights(&p[1..], 2, 3, 8).is_err());
    }
}
