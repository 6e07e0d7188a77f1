//! A layer's weights on the update stream: the sign packer's schedule ([`pack_advance`]) and the
//! padding of each filter to whole beats ([`pad_filters`], [`unpad_filters`]).

use crate::error::{QtrainError, Result};
use crate::exact::pack::STREAM_WORD_BITS;

/// The sign packer's schedule, shared by the model and the host's view of an update response
/// (`exact::accel::UpdateFrame`): a beat of `lanes` signs at position `pos` of a `filter_bits`-long
/// filter puts its signs at bit `slot` of the current word and emits the word when the beat fills it
/// or ends the filter. Returns `(slot, emit, next position)`.
pub fn pack_advance(pos: u32, lanes: u32, filter_bits: u32) -> (u32, bool, u32) {
    let slot = pos % STREAM_WORD_BITS as u32;
    let filter_end = pos + lanes >= filter_bits;
    let word_full = slot + lanes == STREAM_WORD_BITS as u32;
    let next = if filter_end { 0 } else { pos + lanes };
    (slot, filter_end || word_full, next)
}

/// Host side of packing: pad each filter of `filter_bits` values to a multiple of `lanes` with `fill`.
pub fn pad_filters(
    values: &[i64],
    filter_bits: usize,
    lanes: usize,
    fill: i64,
) -> Result<Vec<i64>> {
    if filter_bits == 0 || lanes == 0 || values.len() % filter_bits != 0 {
        return Err(QtrainError::Shape(format!(
            "{} values are not whole filters of {filter_bits}",
            values.len()
        )));
    }
    let padded = filter_bits.div_ceil(lanes) * lanes;
    let mut out = Vec::with_capacity(values.len() / filter_bits * padded);
    for f in values.chunks(filter_bits) {
        out.extend_from_slice(f);
        out.resize(out.len() + padded - filter_bits, fill);
    }
    Ok(out)
}

/// Inverse of [`pad_filters`]: drop the padding lanes.
pub fn unpad_filters(values: &[i64], filter_bits: usize, lanes: usize) -> Result<Vec<i64>> {
    if filter_bits == 0 || lanes == 0 {
        return Err(QtrainError::Shape(
            "filter_bits and lanes must be ≥ 1".into(),
        ));
    }
    let padded = filter_bits.div_ceil(lanes) * lanes;
    if values.len() % padded != 0 {
        return Err(QtrainError::Shape(format!(
            "{} values are not whole padded filters of {padded}",
            values.len()
        )));
    }
    Ok(values
        .chunks(padded)
        .flat_map(|f| f[..filter_bits].iter().copied())
        .collect())
}
