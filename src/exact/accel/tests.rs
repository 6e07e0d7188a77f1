//! Unit tests of the accelerator top's wire format and transaction-level model.

use super::*;
use crate::exact::geometry::ConvLayer;
use crate::exact::update::{UpdateCommand, UpdateUnitModel};
use crate::hw::{HwConfig, UpdateParams};

#[test]
fn header_round_trip_and_errors() {
    for (op, len) in [(Op::Conv, 7), (Op::Update, 0xFFFF_FFFF), (Op::Counters, 0)] {
        assert_eq!(parse_header(header(op, len)).unwrap(), (op, len));
    }
    assert!(parse_header(0xC).is_err());
    assert!(parse_header(header(Op::Conv, 1) | 1 << 8).is_err());
    assert!(parse_header(header(Op::Conv, 1) ^ 1 ^ 4).is_err());
    assert_eq!(
        error_word(ERR_LEN, header(Op::Update, 3)) >> 32,
        (1 << 31) | 3
    );
}

#[test]
fn images_field_matches_the_conv_command_word() {
    let l = ConvLayer {
        c_in: 3,
        c_out: 8,
        h: 4,
        w: 4,
        a_in: 1,
        a_out: 1,
        pool: false,
        sh: 0,
        images: 1234,
    };
    assert_eq!(l.command_word() >> CONV_IMAGES_SHIFT, 1233);
}

#[test]
fn update_frame_parses_what_the_golden_top_sends() {
    use crate::exact::update::{pad_filters, UpdateGrid, UpdateMode};
    let hw = HwConfig::default();
    let p = &hw.update;
    let fb = 45;
    let w: Vec<i64> = (0..2 * fb as i64)
        .map(|i| (i * 977) % 30000 - 15000)
        .collect();
    let u: Vec<i64> = (0..2 * fb as i64).map(|i| (i * 31) % 200 - 100).collect();
    let (w, u) = (
        pad_filters(&w, fb, p.lanes, 0).unwrap(),
        pad_filters(&u, fb, p.lanes, 0).unwrap(),
    );
    let cmd = UpdateCommand {
        mode: UpdateMode::Sr,
        grid: UpdateGrid::Binary,
        pack: true,
        filter_bits: fb as u32,
        reseed: Some(3),
        clear_saturation: true,
    };
    let t = update_transaction(p, cmd.encode(p).unwrap(), &w, &u).unwrap();
    let mut top = golden_top(&hw).unwrap();
    let Step::Done(r) = top.step(&t).unwrap() else {
        panic!("waiting")
    };
    assert_eq!(r.consumed, t.len());
    let mut m = UpdateUnitModel::new(p).unwrap();
    m.command(&cmd).unwrap();
    let beats = m.run(&w, &u).unwrap();
    let frame = UpdateFrame::new(p, &cmd, beats.len());
    assert_eq!(frame.len(), r.words.len());
    let reply = frame.parse(p, &r.words).unwrap();
    let lanes = |f: fn(&crate::exact::update::LaneOut) -> i64| -> Vec<i64> {
        beats.iter().flat_map(|b| b.lanes.iter().map(f)).collect()
    };
    assert_eq!(reply.w, lanes(|o| o.w));
    assert_eq!(reply.q, lanes(|o| o.q));
    let packed: Vec<u64> = beats.iter().filter_map(|b| b.pack).collect();
    assert_eq!((reply.packed.len(), &reply.packed), (2, &packed));
    assert_eq!(reply.status.saturations, m.saturation().count);
    assert_eq!(r.kind, ResponseKind::Update(reply.status));
    for i in [0, 17, w.len() - 1] {
        let (k, sh) = frame.w_out_field(i);
        let f = (r.words[k] >> sh) & crate::fixed::mask(p.w_format.total_bits);
        assert_eq!(p.w_format.from_bits(f), reply.w[i], "element {i}");
    }
    // counters after it: one update, its words in and out
    let c = top.step(&counters_transaction()).unwrap();
    let Step::Done(c) = c else { panic!() };
    let c = Counters::parse(&c.words).unwrap();
    assert_eq!(
        (c.update_in, c.update_out, c.transactions, c.errors),
        (t.len() as u64 - 1, r.words.len() as u64, 2, 0)
    );
}

#[test]
fn top_model_answers_bad_headers_drains_and_waits() {
    let hw = HwConfig::default();
    let mut top = golden_top(&hw).unwrap();
    let untagged = 0x1234_5678_0000_000Cu64;
    let bad_op = header(Op::Conv, 2) ^ 1 ^ 7;
    let short_upd = header(Op::Update, 1);
    let stream = [
        vec![untagged],
        vec![bad_op, 0xC, 0xC],
        vec![header(Op::Counters, 1), 99],
        vec![header(Op::Conv, 3), 0xD, 1, 2],
        vec![header(Op::Conv, 0)],
        vec![short_upd, 5],
        vec![header(Op::Update, 2), 1 << 2, 0],
        counters_transaction(),
    ]
    .concat();
    let r = top.run(&stream).unwrap();
    let codes: Vec<Option<u64>> = r
        .iter()
        .map(|x| match x.kind {
            ResponseKind::Error { code, .. } => Some(code),
            _ => None,
        })
        .collect();
    assert_eq!(
        codes,
        [
            Some(ERR_TAG),
            Some(ERR_OP),
            Some(ERR_LEN),
            Some(ERR_CONV_CMD),
            Some(ERR_LEN),
            Some(ERR_LEN),
            None,
            None
        ]
    );
    assert_eq!(r[1].words, [error_word(ERR_OP, bad_op)]);
    assert_eq!(r[5].words, [error_word(ERR_LEN, short_upd)]);
    assert_eq!(r[6].words, [status_word(0, false)]);
    let c = Counters::parse(&r[7].words).unwrap();
    assert_eq!(
        (c.transactions, c.errors, c.update_in, c.update_out),
        (8, 6, 2, 1)
    );
    // a malformed command word is flagged in the status, and a short payload waits
    let r = top.run(&[header(Op::Update, 2), 1 << 40, 0]).unwrap();
    assert!(UpdateStatus::parse(r[0].words[0]).cmd_error);
    assert_eq!(
        top.step(&[header(Op::Update, 4), 0, 0]).unwrap(),
        Step::Waiting {
            header: header(Op::Update, 4),
            missing: 2
        }
    );
    assert!(top.run(&[header(Op::Conv, 2), 0xC]).is_err());
}

#[test]
fn fields_round_trip() {
    let p = UpdateParams::default();
    let lay = UpdateLayout::new(&p);
    assert_eq!(
        (lay.w_words(), lay.u_words(), lay.beat_in_words()),
        (4, 2, 6)
    );
    let f: Vec<u64> = (0..16).map(|i| (i * 37 + 5) & 0xFFFF).collect();
    let words = UpdateLayout::pack_fields(&f, 16, 4);
    assert_eq!(UpdateLayout::unpack_fields(&words, 16, 4, 16), f);
    let odd = UpdateLayout {
        lanes: 4,
        w_bits: 12,
        u_bits: 7,
    };
    assert_eq!((odd.w_per_word(), odd.w_words(), odd.u_words()), (5, 1, 1));
}
