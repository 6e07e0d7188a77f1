//! The host driver: the software a board's host would run. For each conv layer it packs the layer's
//! command, requantisation parameters and weights once per batch, then every image of the batch, into
//! stream words, wraps them in the accelerator top's conv transaction (`qtrain::exact::accel`: header
//! op 1 + length); sends that to a [`StreamDevice`]; decodes the returned feature maps (kept in host
//! memory, like a board's DRAM); and checks them against the integer golden model, value by value.
//! After a run, [`read_counters`] reads the top's counters and checks them against what the host
//! sent and received.

use std::time::Instant;

use qtrain::exact::accel::{conv_transaction, counters_transaction, Counters, COUNTER_WORDS};
use qtrain::exact::geometry::{input_stream, ConvLayer, K};
use qtrain::exact::requant::Requant;
use qtrain::exact::{bitplanes, pack, xnor_conv};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::devices::stream::{StreamDevice, Transfer};
use crate::error::SimError;
use crate::host::plan::NetPlan;
use crate::report::{LayerReport, TopCounters};

/// A conv layer's parameters as the engine holds them.
#[derive(Clone, Debug)]
pub struct LayerParams {
    /// Binary weights in the stream layout of `qtrain::exact::pack`.
    pub weights: Vec<u64>,
    /// Folded BN + ReLU + output quantisation.
    pub requant: Requant,
}

/// Where the layers' parameters come from.
pub enum ParamSource {
    /// Seeded ±1 weights; requantisation calibrated like batch norm on the batch's own statistics
    /// (per-channel mean and variance of the accumulator), so every layer uses its output range.
    Synthetic {
        /// Seed of the weights.
        seed: u64,
    },
    /// Parameters of a trained model, one entry per planned conv layer.
    Given(Vec<LayerParams>),
}

/// Convert CIFAR's planar `[c][y][x]` u8 image into the engine's `[y][x][c]` integers.
pub fn planar_to_hwc(img: &[u8]) -> Vec<u32> {
    use qtrain::data::{IMAGE_BYTES, IMAGE_CHANNELS, PLANE_BYTES};
    let mut out = vec![0u32; IMAGE_BYTES];
    for c in 0..IMAGE_CHANNELS {
        for p in 0..PLANE_BYTES {
            out[p * IMAGE_CHANNELS + c] = img[c * PLANE_BYTES + p] as u32;
        }
    }
    out
}

/// A deterministic CIFAR-shaped batch (smooth colour gradients plus seeded noise), for runs without data.
pub fn synthetic_images(n: usize, seed: u64) -> Vec<Vec<u8>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|i| {
            use qtrain::data::{IMAGE_BYTES, IMAGE_CHANNELS, IMAGE_SIDE, PLANE_BYTES};
            let mut img = vec![0u8; IMAGE_BYTES];
            for c in 0..IMAGE_CHANNELS {
                for y in 0..IMAGE_SIDE {
                    for x in 0..IMAGE_SIDE {
                        let base = 128.0
                            + 60.0 * (((x + 3 * i + 7 * c) as f64) * 0.2).sin()
                            + 40.0 * (((y + 5 * c) as f64) * 0.15).cos();
                        let v = base + rng.gen_range(-30.0..30.0);
                        img[c * PLANE_BYTES + y * IMAGE_SIDE + x] = v.clamp(0.0, 255.0) as u8;
                    }
                }
            }
            img
        })
        .collect()
}

/// Calibrate a layer's requantisation from the accumulators of the batch
/// ([`Requant::calibrate`]: BN on the batch's own statistics, one output unit = 3σ / (2^A − 1)).
pub fn calibrate(l: &ConvLayer, z: &[Vec<i64>]) -> Result<Requant, SimError> {
    Ok(Requant::calibrate(l, z)?)
}

/// Compare a layer's decoded outputs with the golden ones; count differences, describe the first.
fn compare(l: &ConvLayer, hw: &[Vec<u32>], golden: &[Vec<u32>]) -> (usize, usize, Option<String>) {
    let (mut checked, mut bad, mut first) = (0, 0, None);
    let ow = l.out_w();
    for (img, (h, g)) in hw.iter().zip(golden).enumerate() {
        for (i, (a, b)) in h.iter().zip(g).enumerate() {
            checked += 1;
            if a != b {
                bad += 1;
                if first.is_none() {
                    let (px, c) = (i / l.c_out, i % l.c_out);
                    first = Some(format!(
                        "image {img}, y {}, x {}, channel {c}: hardware {a}, golden {b}",
                        px / ow,
                        px % ow
                    ));
                }
            }
        }
    }
    (checked, bad, first)
}

/// Run a batch of images (`[y][x][c]`, 8-bit) through every planned conv layer on `device`, checking
/// each layer against the golden model. Returns the per-layer reports and the last layer's
/// hardware outputs (for the host's linear layers).
pub fn run_batch(
    plan: &NetPlan,
    device: &mut dyn StreamDevice,
    params: &mut ParamSource,
    images: &[Vec<u32>],
    pe: usize,
    simd: usize,
    mut progress: impl FnMut(&str),
) -> Result<(Vec<LayerReport>, Vec<Vec<u32>>), SimError> {
    let mut rng = match params {
        ParamSource::Synthetic { seed } => Some(ChaCha8Rng::seed_from_u64(*seed)),
        ParamSource::Given(_) => None,
    };
    // Each layer's golden output is computed from the same input the hardware received, so every
    // layer is checked on its own and a difference is reported where it arises.
    let mut hw_act: Vec<Vec<u32>> = images.to_vec();
    let mut reports = Vec::new();
    for (li, pc) in plan.convs.iter().enumerate() {
        progress(&pc.name);
        let mut l = pc.layer.clone();
        l.images = images.len();
        let lp = match (&mut *params, rng.as_mut()) {
            (ParamSource::Given(v), _) => v.get(li).cloned().ok_or_else(|| {
                SimError::Protocol(format!("no parameters given for layer {}", pc.name))
            })?,
            (ParamSource::Synthetic { .. }, Some(rng)) => {
                let w: Vec<i8> = (0..l.c_out * 9 * l.c_in)
                    .map(|_| if rng.gen::<bool>() { 1 } else { -1 })
                    .collect();
                let weights = pack::pack_weights(&w, l.c_out, K, l.c_in)?;
                let z = hw_act
                    .iter()
                    .map(|a| xnor_conv::xnor_conv(&l, &weights, a))
                    .collect::<Result<Vec<_>, _>>()?;
                let requant = calibrate(&l, &z)?;
                LayerParams { weights, requant }
            }
            _ => unreachable!("rng exists exactly for synthetic parameters"),
        };
        let (report, hw_out) = run_engine_layer(&pc.name, &l, &lp, device, &hw_act, pe, simd)?;
        reports.push(report);
        hw_act = hw_out;
    }
    Ok((reports, hw_act))
}

/// Send conv layer `l` (`l.images == acts.len()`, `l.sh == rq.sh`) as one conv transaction on
/// `device` and decode the response into every image's output map; also the transfer and the input
/// words sent (header included). Errors, naming `name`, when the response is not every image's
/// output words with `last` on the final one only.
pub fn conv_transfer(
    device: &mut dyn StreamDevice,
    name: &str,
    l: &ConvLayer,
    rq: &Requant,
    weights: &[u64],
    acts: &[Vec<u32>],
) -> Result<(Vec<Vec<u32>>, Transfer, usize), SimError> {
    let input = conv_transaction(&input_stream(l, rq, weights, acts)?)?;
    let n_out = l.out_words() * l.images;
    let t = device.transfer(&input, n_out)?;
    if t.output.len() != n_out || t.lasts != [n_out - 1] {
        return Err(SimError::Protocol(format!(
            "{name}: expected {n_out} output words with `last` on the final one, got {} words, `last` at {:?}",
            t.output.len(),
            t.lasts
        )));
    }
    let out = t
        .output
        .chunks(l.out_words())
        .map(|c| bitplanes::unpack_planes(c, l.out_h(), l.out_w(), l.c_out, l.a_out))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((out, t, input.len()))
}

/// Seeded ±1 weights of a 3×3 conv from `c_in` to `c_out` channels, packed for the engine (the same
/// draws, in the same order, as [`run_batch`]'s synthetic parameters).
pub fn synthetic_weights(
    rng: &mut ChaCha8Rng,
    c_out: usize,
    c_in: usize,
) -> Result<Vec<u64>, SimError> {
    let w: Vec<i8> = (0..c_out * 9 * c_in)
        .map(|_| if rng.gen::<bool>() { 1 } else { -1 })
        .collect();
    Ok(pack::pack_weights(&w, c_out, K, c_in)?)
}

/// One engine layer for a batch: pack `l`'s command, `lp` and the images `acts` into stream words,
/// wrap them in a conv transaction, run it on `device`, decode, and check every value against the golden model computed from the
/// same inputs. `l.images` must equal `acts.len()`; `l.sh` is taken from `lp`. Returns the layer's
/// report and the hardware outputs. (The same steps as one iteration of [`run_batch`], for drivers
/// whose layers are not a linear chain, such as the ResNet driver in `crate::host::resnet`.)
pub fn run_engine_layer(
    name: &str,
    l: &ConvLayer,
    lp: &LayerParams,
    device: &mut dyn StreamDevice,
    acts: &[Vec<u32>],
    pe: usize,
    simd: usize,
) -> Result<(LayerReport, Vec<Vec<u32>>), SimError> {
    let mut l = l.clone();
    l.images = acts.len();
    l.sh = lp.requant.sh;
    let t0 = Instant::now();
    let (hw_out, t, words_in) = conv_transfer(device, name, &l, &lp.requant, &lp.weights, acts)?;
    let wall = t0.elapsed().as_secs_f64();
    let gold_out = acts
        .iter()
        .map(|a| xnor_conv::conv_layer(&l, &lp.weights, &lp.requant, a))
        .collect::<Result<Vec<_>, _>>()?;
    let (checked, bad, first) = compare(&l, &hw_out, &gold_out);
    let ideal = l.ideal_cycles(pe, simd) * l.images as u64;
    let report = LayerReport {
        name: name.into(),
        c_in: l.c_in,
        c_out: l.c_out,
        h: l.h,
        w: l.w,
        a_in: l.a_in,
        a_out: l.a_out,
        pool: l.pool,
        images: l.images,
        words_in,
        transactions: 1,
        words_out: t.output.len(),
        cycles: t.cycles,
        ideal_cycles: ideal,
        utilisation: ideal as f64 / t.cycles.max(1) as f64,
        values_checked: checked,
        mismatches: bad,
        first_mismatch: first,
        wall_seconds: wall,
    };
    Ok((report, hw_out))
}

/// What the host sent and received through the top's transactions (headers not counted as payload),
/// to check the top's counters against ([`check_counters`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostTally {
    /// Conv payload words sent.
    pub conv_payload: u64,
    /// Conv response words received.
    pub conv_received: u64,
    /// Update payload words sent (command words included).
    pub update_payload: u64,
    /// Update response words received (status words included).
    pub update_received: u64,
    /// Transactions sent (before the counters read).
    pub transactions: u64,
}

impl HostTally {
    /// Count a conv transaction of `input` words (header included) and its `received` words.
    pub fn conv(&mut self, input: usize, received: usize) {
        self.conv_payload += input as u64 - 1;
        self.conv_received += received as u64;
        self.transactions += 1;
    }
    /// Count an update transaction of `input` words (header included) and its `received` words.
    pub fn update(&mut self, input: usize, received: usize) {
        self.update_payload += input as u64 - 1;
        self.update_received += received as u64;
        self.transactions += 1;
    }
}

/// Read the top's counters with a read-counters transaction and check them against what the host
/// sent and received over the run (`layers`, merged over batches): conv payload words in = the
/// layers' words in less one header each, conv words out = the words the host received, headers
/// taken = the conv transactions plus this read, no error responses. Call it once, after a run, on
/// a device that has carried only that run's conv transactions.
pub fn read_counters(
    device: &mut dyn StreamDevice,
    layers: &[LayerReport],
) -> Result<TopCounters, SimError> {
    let transactions: usize = layers.iter().map(|l| l.transactions).sum();
    let sent = layers.iter().map(|l| l.words_in).sum::<usize>() - transactions;
    let received: usize = layers.iter().map(|l| l.words_out).sum();
    check_counters(
        device,
        &HostTally {
            conv_payload: sent as u64,
            conv_received: received as u64,
            transactions: transactions as u64,
            ..HostTally::default()
        },
    )
}

/// Read the top's counters and check them against `host`: words in and out of each block, headers
/// taken (the host's transactions plus this read), no error responses, no update command error.
pub fn check_counters(
    device: &mut dyn StreamDevice,
    host: &HostTally,
) -> Result<TopCounters, SimError> {
    let t = device.transfer(&counters_transaction(), COUNTER_WORDS)?;
    if t.lasts != [COUNTER_WORDS - 1] {
        return Err(SimError::Protocol(format!(
            "counters response: expected `last` on word {}, got it at {:?}",
            COUNTER_WORDS - 1,
            t.lasts
        )));
    }
    let c = Counters::parse(&t.output)?;
    let report = TopCounters {
        conv_busy_cycles: c.conv_busy,
        conv_words_in: c.conv_in,
        conv_words_out: c.conv_out,
        update_busy_cycles: c.update_busy,
        update_words_in: c.update_in,
        update_words_out: c.update_out,
        transactions: c.transactions,
        errors: c.errors,
        host_conv_payload_words: host.conv_payload,
        host_words_received: host.conv_received,
        host_update_payload_words: host.update_payload,
        host_update_words_received: host.update_received,
        host_transactions: host.transactions + 1,
    };
    let top = (
        c.conv_in,
        c.conv_out,
        c.update_in,
        c.update_out,
        c.transactions,
    );
    let want = (
        host.conv_payload,
        host.conv_received,
        host.update_payload,
        host.update_received,
        host.transactions + 1,
    );
    if top != want || c.errors != 0 || c.update_cmd_error {
        return Err(SimError::Protocol(format!(
            "the top's counters disagree with the host: conv words in {} (host sent {} payload words), \
             conv words out {} (host received {}), update words in {} (host sent {}), update words \
             out {} (host received {}), {} transactions (host sent {}), {} error responses, update \
             command error {}",
            c.conv_in,
            host.conv_payload,
            c.conv_out,
            host.conv_received,
            c.update_in,
            host.update_payload,
            c.update_out,
            host.update_received,
            c.transactions,
            host.transactions + 1,
            c.errors,
            c.update_cmd_error
        )));
    }
    Ok(report)
}
