//! Golden model of the update unit (`qtrain::exact::update`): the command word layout pinned, the
//! software SR's unbiasedness over the LFSR stream, and a whole binary layer's BC update feeding the
//! conv engine's packed layout.

use qtrain::exact::pack::{pack_weights, words_per_filter};
use qtrain::exact::update::{
    pad_filters, unpad_filters, UpdateCommand, UpdateGrid, UpdateMode, UpdateUnitModel,
};
use qtrain::hw::UpdateParams;

/// The wire format of a command is a contract with the host driver: pin it.
#[test]
fn command_word_layout_is_pinned() {
    let p = UpdateParams::default();
    let c = UpdateCommand {
        mode: UpdateMode::Sr,
        grid: UpdateGrid::Fixed { bits: 4, frac: 3 },
        pack: true,
        filter_bits: 1152,
        reseed: Some(0x1234),
        clear_saturation: true,
    };
    // mode 1 | k 4 << 3 | d 11 << 8 | pack << 13 | reseed << 14 | clear << 15 | 1152 << 16
    assert_eq!(c.encode(&p).unwrap(), [0x0480_EB21, 0x1234]);
    let bin = UpdateCommand {
        mode: UpdateMode::Bc,
        ..Default::default()
    };
    assert_eq!(bin.encode(&p).unwrap(), [0b110, 0]);
}

/// Over the LFSR stream, software SR's mean matches w − u within the r-bit bias plus 4σ.
#[test]
fn model_sr_mean_over_the_lfsr_stream() {
    let p = UpdateParams::default();
    let mut m = UpdateUnitModel::new(&p).unwrap();
    m.command(&UpdateCommand {
        mode: UpdateMode::Sr,
        grid: UpdateGrid::Fixed { bits: 4, frac: 3 },
        reseed: Some(1),
        ..Default::default()
    })
    .unwrap();
    let (w, u) = (3000i64, -50i64); // v = (3000 + 800)/16384
    let n = 200_000 / p.lanes * p.lanes;
    let out = m.run(&vec![w; n], &vec![u; n]).unwrap();
    let mean = out
        .iter()
        .flat_map(|b| b.lanes.iter())
        .map(|o| o.w as f64)
        .sum::<f64>()
        / n as f64
        / 16384.0;
    let v = 3800.0 / 16384.0;
    let delta: f64 = 0.125;
    let frac = (v / delta).fract();
    let tol = delta / 256.0 + 4.0 * delta * (frac * (1.0 - frac) / n as f64).sqrt();
    assert!((mean - v).abs() <= tol, "mean {mean}, v {v}, tol {tol}");
    assert_eq!(m.saturation().count, 0);
}

/// A 3×3×16 → 8 binary layer in BC: the packed signs are `pack_weights` of the forward weights,
/// one `words_per_filter` group per filter, and w_r stays inside [−1, 1].
#[test]
fn bc_layer_update_packs_for_the_conv_engine() {
    let p = UpdateParams::default();
    let (c_out, k, c_in) = (8usize, 3usize, 16usize);
    let n = k * k * c_in;
    let w: Vec<i64> = (0..c_out * n)
        .map(|i| ((i * 7919) % 32768) as i64 - 16384)
        .collect();
    let u: Vec<i64> = (0..c_out * n)
        .map(|i| ((i * 31) % 255) as i64 - 127)
        .collect();
    let mut m = UpdateUnitModel::new(&p).unwrap();
    m.command(&UpdateCommand {
        mode: UpdateMode::Bc,
        pack: true,
        filter_bits: n as u32,
        ..Default::default()
    })
    .unwrap();
    let out = m
        .run(
            &pad_filters(&w, n, p.lanes, 0).unwrap(),
            &pad_filters(&u, n, p.lanes, 0).unwrap(),
        )
        .unwrap();
    let words: Vec<u64> = out.iter().filter_map(|b| b.pack).collect();
    assert_eq!(words.len(), c_out * words_per_filter(k, c_in));
    let q: Vec<i64> = out
        .iter()
        .flat_map(|b| b.lanes.iter().map(|o| o.q))
        .collect();
    let wr: Vec<i64> = out
        .iter()
        .flat_map(|b| b.lanes.iter().map(|o| o.w))
        .collect();
    let signs: Vec<i8> = unpad_filters(&q, n, p.lanes)
        .unwrap()
        .iter()
        .map(|&x| if x >= 0 { 1 } else { -1 })
        .collect();
    assert_eq!(words, pack_weights(&signs, c_out, k, c_in).unwrap());
    assert!(wr.iter().all(|&x| (-16384..=16384).contains(&x)));
    assert!(
        m.saturation().count > 0,
        "some weights start at the clip bound"
    );
}
