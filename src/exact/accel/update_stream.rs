//! An update transaction on the stream: the gearbox layout of beats in 64-bit words
//! ([`UpdateLayout`]), the transaction the host sends, the status word that closes the response, and
//! the host's framing of the response ([`UpdateFrame`]).

use super::header::{header, Op};
use crate::error::{QtrainError, Result};
use crate::exact::update::{pack_advance, BeatOut, UpdateCommand};
use crate::hw::UpdateParams;

/// How update beats sit in 64-bit stream words (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UpdateLayout {
    /// Lanes of a beat.
    pub lanes: usize,
    /// Bits of a w (and w_out, q_out) field.
    pub w_bits: u32,
    /// Bits of a u field.
    pub u_bits: u32,
}

impl UpdateLayout {
    /// The layout of the unit `p`.
    pub fn new(p: &UpdateParams) -> Self {
        Self {
            lanes: p.lanes,
            w_bits: p.w_format.total_bits,
            u_bits: p.u_format.total_bits,
        }
    }
    /// w lanes per word.
    pub fn w_per_word(&self) -> usize {
        crate::exact::pack::STREAM_WORD_BITS / self.w_bits as usize
    }
    /// u lanes per word.
    pub fn u_per_word(&self) -> usize {
        crate::exact::pack::STREAM_WORD_BITS / self.u_bits as usize
    }
    /// Words of a beat's w (or w_out, or q_out).
    pub fn w_words(&self) -> usize {
        self.lanes.div_ceil(self.w_per_word())
    }
    /// Words of a beat's u.
    pub fn u_words(&self) -> usize {
        self.lanes.div_ceil(self.u_per_word())
    }
    /// Input words of one beat.
    pub fn beat_in_words(&self) -> usize {
        self.w_words() + self.u_words()
    }
    /// Lane fields (raw bits) → words, `per` fields a word.
    pub fn pack_fields(fields: &[u64], bits: u32, per: usize) -> Vec<u64> {
        fields
            .chunks(per)
            .map(|c| {
                c.iter().enumerate().fold(0u64, |acc, (i, &f)| {
                    acc | (f & crate::fixed::mask(bits)) << (i as u32 * bits)
                })
            })
            .collect()
    }
    /// Words → `n` lane fields (raw bits).
    pub fn unpack_fields(words: &[u64], bits: u32, per: usize, n: usize) -> Vec<u64> {
        (0..n)
            .map(|l| (words[l / per] >> ((l % per) as u32 * bits)) & crate::fixed::mask(bits))
            .collect()
    }
    /// Cycles the stream needs at best for an update of `beats` beats carrying `packs` sign words:
    /// the two command words, then per beat its input words and the bubble or its output words,
    /// whichever is more, then the status word (hardware timing, not part of the words).
    pub fn stream_cycles(&self, beats: usize, packs: usize) -> u64 {
        let input = beats * (self.beat_in_words() + 1);
        let output = beats * 2 * self.w_words() + packs;
        (2 + input.max(output) + 1) as u64
    }
}

/// An update transaction: header, the two command words, then `w`, `u` (raw, a multiple of
/// `lanes` long) as beats.
pub fn update_transaction(
    p: &UpdateParams,
    cmd: [u64; 2],
    w: &[i64],
    u: &[i64],
) -> Result<Vec<u64>> {
    let lay = UpdateLayout::new(p);
    if w.len() != u.len() || w.len() % lay.lanes != 0 {
        return Err(QtrainError::Shape(format!(
            "{} weights / {} steps are not whole {}-lane beats",
            w.len(),
            u.len(),
            lay.lanes
        )));
    }
    let (wf, uf) = (p.w_format, p.u_format);
    if let Some((a, b)) = w
        .iter()
        .zip(u)
        .find(|(a, b)| !wf.contains(**a) || !uf.contains(**b))
    {
        return Err(QtrainError::Shape(format!(
            "w = {a} or u = {b} is outside {wf} / {uf}"
        )));
    }
    let beats = w.len() / lay.lanes;
    let len = 2 + beats * lay.beat_in_words();
    let len = u32::try_from(len)
        .map_err(|_| QtrainError::Shape("update payload longer than 2^32 words".into()))?;
    let mut t = vec![header(Op::Update, len), cmd[0], cmd[1]];
    for (wb, ub) in w.chunks(lay.lanes).zip(u.chunks(lay.lanes)) {
        let wbits: Vec<u64> = wb.iter().map(|&x| wf.to_bits(x)).collect();
        let ubits: Vec<u64> = ub.iter().map(|&x| uf.to_bits(x)).collect();
        t.extend(UpdateLayout::pack_fields(
            &wbits,
            lay.w_bits,
            lay.w_per_word(),
        ));
        t.extend(UpdateLayout::pack_fields(
            &ubits,
            lay.u_bits,
            lay.u_per_word(),
        ));
    }
    Ok(t)
}

/// Status-word bit: the payload ended inside a beat; that partial beat was dropped, not updated.
pub const STATUS_TRUNCATED: u64 = 1 << 33;

/// The update response's closing word: `[31:0]` the unit's saturation counter, `[32]` its sticky
/// command-error flag, `[33]` [`STATUS_TRUNCATED`].
pub fn status_word(saturations: u64, cmd_error: bool) -> u64 {
    saturations.min(u32::MAX as u64) | (cmd_error as u64) << 32
}

/// A parsed status word ([`status_word`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UpdateStatus {
    /// The unit's saturation counter (saturating at 2^32 − 1).
    pub saturations: u64,
    /// The unit's sticky command-error flag.
    pub cmd_error: bool,
    /// The payload ended inside a beat ([`STATUS_TRUNCATED`]).
    pub truncated: bool,
}

impl UpdateStatus {
    /// The word.
    pub fn word(&self) -> u64 {
        status_word(self.saturations, self.cmd_error)
            | if self.truncated { STATUS_TRUNCATED } else { 0 }
    }
    /// Parse a status word.
    pub fn parse(w: u64) -> Self {
        Self {
            saturations: w & 0xFFFF_FFFF,
            cmd_error: w & 1 << 32 != 0,
            truncated: w & STATUS_TRUNCATED != 0,
        }
    }
}

/// Where the words of an update response sit, as the host knows it from the command it sent (the
/// sign packer's schedule, [`pack_advance`]): per beat `w_words` of `w_out`, `w_words` of `q_out`,
/// the sign word if the beat completed one; then the status word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateFrame {
    layout: UpdateLayout,
    /// Per beat: it carries a sign word.
    packs: Vec<bool>,
}

/// A decoded update response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateReply {
    /// `w_out` of every lane of every beat (raw `w_format`), in stream order.
    pub w: Vec<i64>,
    /// `q_out` likewise.
    pub q: Vec<i64>,
    /// The packed sign words in order.
    pub packed: Vec<u64>,
    /// The status word.
    pub status: UpdateStatus,
}

impl UpdateFrame {
    /// The response to `beats` beats after the (well-formed) command `cmd`.
    pub fn new(p: &UpdateParams, cmd: &UpdateCommand, beats: usize) -> Self {
        let layout = UpdateLayout::new(p);
        let mut pos = 0;
        let packs = (0..beats)
            .map(|_| {
                let (_, emit, next) = pack_advance(pos, layout.lanes as u32, cmd.filter_bits);
                pos = next;
                cmd.pack && emit
            })
            .collect();
        Self { layout, packs }
    }
    /// Beats of the response.
    pub fn beats(&self) -> usize {
        self.packs.len()
    }
    /// Words of the response, the status word included.
    pub fn len(&self) -> usize {
        self.beat_offset(self.beats()) + 1
    }
    /// Always false: a response has at least its status word.
    pub fn is_empty(&self) -> bool {
        false
    }
    /// Index of beat `b`'s first word (`b = beats()`: the status word).
    pub fn beat_offset(&self, b: usize) -> usize {
        b * 2 * self.layout.w_words() + self.packs[..b].iter().filter(|&&p| p).count()
    }
    /// The word and bit where lane element `i` (beat `i / lanes`) has its `w_out` field.
    pub fn w_out_field(&self, i: usize) -> (usize, u32) {
        let (b, l) = (i / self.layout.lanes, i % self.layout.lanes);
        let per = self.layout.w_per_word();
        (
            self.beat_offset(b) + l / per,
            (l % per) as u32 * self.layout.w_bits,
        )
    }
    /// Decode a response (`len()` words) with `p`'s formats.
    pub fn parse(&self, p: &UpdateParams, words: &[u64]) -> Result<UpdateReply> {
        if words.len() != self.len() {
            return Err(QtrainError::Shape(format!(
                "an update response of {} beats has {} words, got {}",
                self.beats(),
                self.len(),
                words.len()
            )));
        }
        let lay = &self.layout;
        let (ww, per, n) = (lay.w_words(), lay.w_per_word(), lay.lanes);
        let field = |w: &[u64]| -> Vec<i64> {
            UpdateLayout::unpack_fields(w, lay.w_bits, per, n)
                .into_iter()
                .map(|b| p.w_format.from_bits(b))
                .collect()
        };
        let mut r = UpdateReply {
            w: Vec::with_capacity(self.beats() * n),
            q: Vec::with_capacity(self.beats() * n),
            packed: Vec::new(),
            status: UpdateStatus::parse(words[words.len() - 1]),
        };
        let mut at = 0;
        for &pk in &self.packs {
            r.w.extend(field(&words[at..at + ww]));
            r.q.extend(field(&words[at + ww..at + 2 * ww]));
            at += 2 * ww;
            if pk {
                r.packed.push(words[at]);
                at += 1;
            }
        }
        Ok(r)
    }
}

/// The words the top sends for `beats` (the unit's outputs), without the status word.
pub fn update_response_words(p: &UpdateParams, beats: &[BeatOut]) -> Vec<u64> {
    let lay = UpdateLayout::new(p);
    let wf = p.w_format;
    let mut out = Vec::new();
    for b in beats {
        let w: Vec<u64> = b.lanes.iter().map(|o| wf.to_bits(o.w)).collect();
        let q: Vec<u64> = b.lanes.iter().map(|o| wf.to_bits(o.q)).collect();
        out.extend(UpdateLayout::pack_fields(&w, lay.w_bits, lay.w_per_word()));
        out.extend(UpdateLayout::pack_fields(&q, lay.w_bits, lay.w_per_word()));
        out.extend(b.pack);
    }
    out
}
