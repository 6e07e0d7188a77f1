//! Activations on the stream: unsigned A-bit integers sent as bit-planes, so that every plane is one
//! XNOR-popcount operand. A feature map `a[y][x][c]` is sent pixel by pixel (row-major); a pixel is
//! A planes (plane 0 = least significant bit first), a plane is `ceil(C/64)` 64-bit words with bit
//! `c % 64` of word `c / 64` equal to bit j of channel c; unused high bits are zero.
//! The engine's output stream uses the same layout with A_out planes.

use crate::error::{QtrainError, Result};

/// Pack a feature map `a[y][x][c]` (values < 2^bits) into stream words.
pub fn pack_planes(a: &[u32], h: usize, w: usize, c: usize, bits: u32) -> Result<Vec<u64>> {
    if a.len() != h * w * c {
        return Err(QtrainError::Shape(format!(
            "feature map has {} values, expected H·W·C = {h}·{w}·{c}",
            a.len()
        )));
    }
    if let Some(v) = a.iter().find(|&&v| (v as u64) >> bits != 0) {
        return Err(QtrainError::Shape(format!(
            "activation {v} does not fit {bits} bits"
        )));
    }
    let cw = c.div_ceil(64);
    let mut out = vec![0u64; h * w * bits as usize * cw];
    for (px, pix) in a.chunks(c).enumerate() {
        for j in 0..bits as usize {
            let base = (px * bits as usize + j) * cw;
            for (ch, &v) in pix.iter().enumerate() {
                out[base + ch / 64] |= (((v >> j) & 1) as u64) << (ch % 64);
            }
        }
    }
    Ok(out)
}

/// Inverse of [`pack_planes`]: `words` must hold exactly H·W pixels.
pub fn unpack_planes(words: &[u64], h: usize, w: usize, c: usize, bits: u32) -> Result<Vec<u32>> {
    let cw = c.div_ceil(64);
    if words.len() != h * w * bits as usize * cw {
        return Err(QtrainError::Shape(format!(
            "{} words, expected H·W·A·ceil(C/64) = {h}·{w}·{bits}·{cw}",
            words.len()
        )));
    }
    let mut out = vec![0u32; h * w * c];
    for (px, pix) in out.chunks_mut(c).enumerate() {
        for j in 0..bits as usize {
            let base = (px * bits as usize + j) * cw;
            for (ch, v) in pix.iter_mut().enumerate() {
                *v |= (((words[base + ch / 64] >> (ch % 64)) & 1) as u32) << j;
            }
        }
    }
    Ok(out)
}

/// Bit-plane `j` of one pixel's channels as words (bit c of the plane = bit j of `pix[c]`).
pub fn plane_of(pix: &[u32], j: u32) -> Vec<u64> {
    let mut out = vec![0u64; pix.len().div_ceil(64)];
    for (ch, &v) in pix.iter().enumerate() {
        out[ch / 64] |= (((v >> j) & 1) as u64) << (ch % 64);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let a: Vec<u32> = (0..2 * 3 * 70).map(|i| (i * 7 % 8) as u32).collect();
        let p = pack_planes(&a, 2, 3, 70, 3).unwrap();
        assert_eq!(p.len(), 2 * 3 * 3 * 2);
        assert_eq!(unpack_planes(&p, 2, 3, 70, 3).unwrap(), a);
        assert!(pack_planes(&a, 2, 3, 70, 2).is_err());
        assert_eq!(plane_of(&[1, 2, 3], 1), vec![0b110]);
    }
}
