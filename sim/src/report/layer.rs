//! What one layer and the whole top measured: the per-layer figures every network kind reports, the
//! top's counters beside the host's tally, and how batches add up.

use serde::Serialize;

/// Everything measured on one layer.
#[derive(Clone, Debug, Serialize)]
pub struct LayerReport {
    /// Layer name.
    pub name: String,
    /// Input channels.
    pub c_in: usize,
    /// Output channels.
    pub c_out: usize,
    /// Input height = width.
    pub h: usize,
    /// Input width.
    pub w: usize,
    /// Input activation bits.
    pub a_in: u32,
    /// Output activation bits.
    pub a_out: u32,
    /// 2×2 max-pool after the layer.
    pub pool: bool,
    /// Images streamed through the layer.
    pub images: usize,
    /// Input words streamed: the transactions' header words and payloads (command, parameters,
    /// weights, activations).
    pub words_in: usize,
    /// Conv transactions sent (one per batch).
    pub transactions: usize,
    /// Output words received.
    pub words_out: usize,
    /// Clock cycles of the transaction (measured on rtl, the formula on model).
    pub cycles: u64,
    /// The ideal-cycle formula `H·W·ceil(C_out/P)·ceil(9·C_in/S)·A` × images.
    pub ideal_cycles: u64,
    /// ideal / measured.
    pub utilisation: f64,
    /// Output values compared with the golden model.
    pub values_checked: usize,
    /// Output values that differed.
    pub mismatches: usize,
    /// Where the first difference was, if any.
    pub first_mismatch: Option<String>,
    /// Wall-clock seconds spent in the device for this layer.
    pub wall_seconds: f64,
}

/// Add a later batch's layer reports to the run's totals (same layers, same order).
pub fn merge_layer_reports(acc: &mut Vec<LayerReport>, reps: Vec<LayerReport>) {
    if acc.is_empty() {
        *acc = reps;
        return;
    }
    for (a, r) in acc.iter_mut().zip(reps) {
        a.images += r.images;
        a.words_in += r.words_in;
        a.transactions += r.transactions;
        a.words_out += r.words_out;
        a.cycles += r.cycles;
        a.ideal_cycles += r.ideal_cycles;
        a.values_checked += r.values_checked;
        a.mismatches += r.mismatches;
        a.first_mismatch = a.first_mismatch.take().or(r.first_mismatch);
        a.wall_seconds += r.wall_seconds;
        a.utilisation = a.ideal_cycles as f64 / a.cycles.max(1) as f64;
    }
}

/// The top's counters after a run (a read-counters transaction, `qtrain::exact::accel::Counters`)
/// beside what the host counted; the driver checks that they agree (`driver::read_counters`).
#[derive(Clone, Debug, Serialize)]
pub struct TopCounters {
    /// Cycles the top spent on conv transactions (header taken → final response word handed out;
    /// the model backend counts the ideal-cycle formula).
    pub conv_busy_cycles: u64,
    /// Payload words the top passed to the conv engine.
    pub conv_words_in: u64,
    /// Words the conv engine produced.
    pub conv_words_out: u64,
    /// Cycles spent on update transactions.
    pub update_busy_cycles: u64,
    /// Payload words of update transactions.
    pub update_words_in: u64,
    /// Response words of update transactions.
    pub update_words_out: u64,
    /// Headers the top took (the counters read included).
    pub transactions: u64,
    /// Error responses the top sent.
    pub errors: u64,
    /// Conv payload words the host sent (headers not counted).
    pub host_conv_payload_words: u64,
    /// Conv response words the host received.
    pub host_words_received: u64,
    /// Update payload words the host sent (command words included, headers not).
    pub host_update_payload_words: u64,
    /// Update response words the host received (status words included).
    pub host_update_words_received: u64,
    /// Transactions the host sent (the counters read included).
    pub host_transactions: u64,
}
