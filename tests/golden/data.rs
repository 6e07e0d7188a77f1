//! CIFAR data layer: readers (round trip, layout, every error naming its file), batcher, augmentation,
//! normalisation, statistics, and the `qtrain data` binary end to end. Synthetic data sets are written
//! under `CARGO_TARGET_TMPDIR`; the real CIFAR-10 test reads `$QTRAIN_CIFAR10` (prepared by
//! `../shared/data/prepare-cifar10 DIR`, which `.ci/run` does) and says so when it skips.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use qtrain::data::{
    augment, load_cifar, normalize_into, split_stats, write_cifar, Augment, Batcher, CifarKind,
    CifarSplits, Dataset, IMAGE_BYTES, PLANE_BYTES,
};
use qtrain::QtrainError;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A fresh, empty directory for one test.
fn fresh_dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("golden-data")
        .join(name);
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

/// `n` seeded random images with labels; CIFAR-100 coarse labels follow the fine ones (`fine / 5`).
fn synthetic_split(kind: CifarKind, n: usize, seed: u64) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut images = vec![0u8; n * IMAGE_BYTES];
    rng.fill(&mut images[..]);
    let k = kind.num_classes() as u16;
    let labels: Vec<u16> = (0..n).map(|_| rng.gen_range(0..k)).collect();
    let coarse = (kind == CifarKind::Cifar100).then(|| labels.iter().map(|l| l / 5).collect());
    Dataset::new(images, labels, coarse, kind.num_classes()).unwrap()
}

/// Train has 5× the test images, as the official layouts (and the reader's count check) require.
fn synthetic(kind: CifarKind, n_test: usize, seed: u64) -> CifarSplits {
    CifarSplits {
        kind,
        train: synthetic_split(kind, 5 * n_test, seed),
        test: synthetic_split(kind, n_test, seed + 1),
    }
}

/// Load `dir`, expecting an error whose message names `file` and contains every one of `parts`.
fn expect_err(dir: &Path, file: &str, parts: &[&str]) -> String {
    let e = load_cifar(dir).expect_err("malformed data set must not load");
    assert!(
        matches!(e, QtrainError::BadData { .. } | QtrainError::Io { .. }),
        "untyped error {e:?}"
    );
    let msg = e.to_string();
    assert!(msg.contains(file), "message does not name {file}: {msg}");
    for p in parts {
        assert!(msg.contains(p), "message lacks {p:?}: {msg}");
    }
    msg
}

fn set_len(path: &Path, len: u64) {
    fs::OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap()
        .set_len(len)
        .unwrap();
}

fn poke(path: &Path, offset: usize, value: u8) {
    let mut b = fs::read(path).unwrap();
    b[offset] = value;
    fs::write(path, b).unwrap();
}

// ---------------------------------------------------------------- readers: round trip and layout

#[test]
fn cifar10_round_trip_from_parent_and_layout_dir() {
    let dir = fresh_dir("c10-roundtrip");
    let s = synthetic(CifarKind::Cifar10, 7, 1);
    let layout = write_cifar(&dir, &s).unwrap();
    assert_eq!(layout, dir.join("cifar-10-batches-bin"));
    for f in ["data_batch_1.bin", "data_batch_5.bin", "test_batch.bin"] {
        assert_eq!(fs::metadata(layout.join(f)).unwrap().len(), 7 * 3073, "{f}");
    }
    assert_eq!(load_cifar(&dir).unwrap(), s);
    assert_eq!(load_cifar(&layout).unwrap(), s);
    assert_eq!(s.train.coarse, None);
}

#[test]
fn cifar100_round_trip_with_coarse_labels() {
    let dir = fresh_dir("c100-roundtrip");
    let s = synthetic(CifarKind::Cifar100, 6, 2);
    let layout = write_cifar(&dir, &s).unwrap();
    assert_eq!(layout, dir.join("cifar-100-binary"));
    let raw = fs::read(layout.join("test.bin")).unwrap();
    assert_eq!(raw.len(), 6 * 3074);
    // Record layout: coarse byte, fine byte, pixels.
    assert_eq!(raw[0] as u16, s.test.coarse.as_ref().unwrap()[0]);
    assert_eq!(raw[1] as u16, s.test.labels[0]);
    assert_eq!(&raw[3074 + 2..2 * 3074], s.test.image(1));
    let back = load_cifar(&dir).unwrap();
    assert_eq!(back.kind, CifarKind::Cifar100);
    assert_eq!(back.train.num_classes, 100);
    assert_eq!(back, s);
    assert_eq!(load_cifar(&layout).unwrap(), s);
}

#[test]
fn cifar10_hand_written_bytes_decode_planar_rgb() {
    // Written by hand, not by write_cifar, so the layout is checked independently of the writer.
    let dir = fresh_dir("c10-hand");
    let layout = dir.join("cifar-10-batches-bin");
    fs::create_dir_all(&layout).unwrap();
    let mut rec = vec![0u8; 3073];
    rec[0] = 7; // label
    rec[1] = 11; // R(0,0)
    rec[1 + 32 + 2] = 12; // R(1,2)
    rec[1 + 1024] = 21; // G(0,0)
    rec[1 + 2048 + 1023] = 33; // B(31,31)
    let mut other = vec![200u8; 3073];
    other[0] = 9;
    for f in [
        "data_batch_1.bin",
        "data_batch_2.bin",
        "data_batch_3.bin",
        "data_batch_4.bin",
    ] {
        fs::write(layout.join(f), [other.clone(), other.clone()].concat()).unwrap();
    }
    fs::write(
        layout.join("data_batch_5.bin"),
        [other.clone(), rec.clone()].concat(),
    )
    .unwrap();
    fs::write(
        layout.join("test_batch.bin"),
        [rec.clone(), other.clone()].concat(),
    )
    .unwrap();
    let s = load_cifar(&dir).unwrap();
    assert_eq!(
        (s.kind, s.train.len(), s.test.len()),
        (CifarKind::Cifar10, 10, 2)
    );
    assert_eq!(s.train.labels, vec![9, 9, 9, 9, 9, 9, 9, 9, 9, 7]);
    assert_eq!(s.test.labels, vec![7, 9]);
    for img in [s.train.image(9), s.test.image(0)] {
        assert_eq!(
            (img[0], img[32 + 2], img[1024], img[3071]),
            (11, 12, 21, 33)
        );
        assert_eq!(
            img.iter().map(|&v| v as u32).sum::<u32>(),
            11 + 12 + 21 + 33
        );
    }
    assert!(s.test.image(1).iter().all(|&v| v == 200));
}

// ---------------------------------------------------------------- readers: every error names its file

#[test]
fn directory_errors() {
    let root = fresh_dir("dir-errors");
    let missing = root.join("nope");
    let msg = load_cifar(&missing).unwrap_err().to_string();
    assert!(
        msg.contains("nope") && msg.contains("does not exist"),
        "{msg}"
    );

    let empty = root.join("empty");
    fs::create_dir_all(&empty).unwrap();
    expect_err(
        &empty,
        "empty",
        &["empty directory", "cifar-10-batches-bin"],
    );

    let other = root.join("other");
    fs::create_dir_all(&other).unwrap();
    fs::write(other.join("readme.txt"), "hi").unwrap();
    expect_err(&other, "other", &["neither CIFAR layout", "readme.txt"]);

    let file = root.join("afile");
    fs::write(&file, "x").unwrap();
    expect_err(&file, "afile", &["not a directory"]);

    let both = root.join("both");
    fs::create_dir_all(both.join("cifar-10-batches-bin")).unwrap();
    fs::create_dir_all(both.join("cifar-100-binary")).unwrap();
    expect_err(&both, "both", &["both"]);

    let mixed = root.join("mixed");
    fs::create_dir_all(&mixed).unwrap();
    fs::write(mixed.join("test_batch.bin"), "").unwrap();
    fs::write(mixed.join("train.bin"), "").unwrap();
    expect_err(&mixed, "mixed", &["mixes"]);

    // An empty layout folder: CIFAR-10 detected, first missing file named.
    let bare = root.join("bare");
    fs::create_dir_all(bare.join("cifar-10-batches-bin")).unwrap();
    expect_err(&bare, "data_batch_1.bin", &["missing file"]);
}

#[test]
fn missing_file_is_named() {
    let dir = fresh_dir("missing-file");
    let layout = write_cifar(&dir, &synthetic(CifarKind::Cifar10, 3, 3)).unwrap();
    fs::remove_file(layout.join("data_batch_3.bin")).unwrap();
    expect_err(
        &dir,
        "data_batch_3.bin",
        &["missing file", "test_batch.bin"],
    );

    let dir = fresh_dir("missing-file-100");
    let layout = write_cifar(&dir, &synthetic(CifarKind::Cifar100, 3, 3)).unwrap();
    fs::remove_file(layout.join("test.bin")).unwrap();
    expect_err(&dir, "test.bin", &["missing file", "CIFAR-100"]);

    let dir = fresh_dir("dir-as-file");
    let layout = write_cifar(&dir, &synthetic(CifarKind::Cifar10, 3, 3)).unwrap();
    fs::remove_file(layout.join("test_batch.bin")).unwrap();
    fs::create_dir(layout.join("test_batch.bin")).unwrap();
    expect_err(&dir, "test_batch.bin", &["not a regular file"]);
}

#[test]
fn truncated_and_odd_sizes_give_expected_size() {
    let dir = fresh_dir("sizes");
    let s = synthetic(CifarKind::Cifar10, 4, 4);
    let layout = write_cifar(&dir, &s).unwrap();
    let test = layout.join("test_batch.bin");
    // Cut mid-record: not a multiple, and the expected size comes from the other batch files.
    set_len(&test, 4 * 3073 - 100);
    expect_err(
        &dir,
        "test_batch.bin",
        &[
            "12192 bytes",
            "not a multiple of the 3073-byte record",
            "expected 12292 bytes",
        ],
    );
    // Cut at a record boundary: caught by the count check.
    set_len(&test, 2 * 3073);
    expect_err(
        &dir,
        "test_batch.bin",
        &[
            "holds 2 records",
            "expected 12292 bytes",
            "same number of records",
        ],
    );
    set_len(&test, 0);
    expect_err(
        &dir,
        "test_batch.bin",
        &["empty file", "expected 12292 bytes"],
    );
    // A longer file (extra bytes) is as wrong as a shorter one.
    fs::write(&test, vec![0u8; 4 * 3073 + 1]).unwrap();
    expect_err(&dir, "test_batch.bin", &["not a multiple"]);
    // The first batch cut short: the other five outvote it.
    write_cifar(&dir, &s).unwrap();
    set_len(&layout.join("data_batch_1.bin"), 3 * 3073);
    expect_err(
        &dir,
        "data_batch_1.bin",
        &["holds 3 records", "expected 12292 bytes"],
    );
    // All files wrong: fall back to the official size.
    for f in [
        "data_batch_1.bin",
        "data_batch_2.bin",
        "data_batch_3.bin",
        "data_batch_4.bin",
        "data_batch_5.bin",
        "test_batch.bin",
    ] {
        set_len(&layout.join(f), 5);
    }
    expect_err(
        &dir,
        "data_batch_1.bin",
        &["expected 30730000 bytes (10000 records"],
    );
}

#[test]
fn cifar100_sizes() {
    let dir = fresh_dir("sizes-100");
    let s = synthetic(CifarKind::Cifar100, 2, 5);
    let layout = write_cifar(&dir, &s).unwrap();
    set_len(&layout.join("test.bin"), 3074 + 5);
    expect_err(
        &dir,
        "test.bin",
        &[
            "not a multiple of the 3074-byte record",
            "2 label bytes",
            "expected 6148 bytes",
        ],
    );
    write_cifar(&dir, &s).unwrap();
    set_len(&layout.join("train.bin"), 9 * 3074);
    expect_err(
        &dir,
        "train.bin",
        &[
            "holds 9 records",
            "expected 30740 bytes",
            "5 records per test.bin record",
        ],
    );
}

#[test]
fn labels_out_of_range_name_the_record() {
    let dir = fresh_dir("labels");
    let layout = write_cifar(&dir, &synthetic(CifarKind::Cifar10, 5, 6)).unwrap();
    poke(&layout.join("data_batch_2.bin"), 3 * 3073, 10);
    expect_err(
        &dir,
        "data_batch_2.bin",
        &["record 3 ", "label 10 is out of range 0..10"],
    );

    let dir = fresh_dir("labels-100");
    let s = synthetic(CifarKind::Cifar100, 5, 7);
    let layout = write_cifar(&dir, &s).unwrap();
    poke(&layout.join("train.bin"), 17 * 3074 + 1, 100);
    expect_err(
        &dir,
        "train.bin",
        &[
            "record 17 ",
            "fine label (2nd byte) 100 is out of range 0..100",
        ],
    );
    write_cifar(&dir, &s).unwrap();
    poke(&layout.join("test.bin"), 2 * 3074, 20);
    expect_err(
        &dir,
        "test.bin",
        &[
            "record 2 ",
            "coarse label (1st byte) 20 is out of range 0..20",
        ],
    );
}

#[test]
fn arbitrary_bytes_never_panic() {
    // Seeded garbage of every kind of size: the reader must return (Ok or a typed error), not panic.
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    for case in 0..40 {
        let kind = if case % 2 == 0 {
            CifarKind::Cifar10
        } else {
            CifarKind::Cifar100
        };
        let dir = fresh_dir("garbage");
        let layout = dir.join(kind.dir_name());
        fs::create_dir_all(&layout).unwrap();
        let rec = kind.record_bytes();
        let names: Vec<&str> = kind
            .train_files()
            .iter()
            .copied()
            .chain([kind.test_file()])
            .collect();
        for name in names {
            let len = match rng.gen_range(0..4) {
                0 => rng.gen_range(0..3 * rec),
                1 => rec * rng.gen_range(1..3),
                2 => rec * rng.gen_range(1..3) + rng.gen_range(1..rec),
                _ => 0,
            };
            let mut b = vec![0u8; len];
            rng.fill(&mut b[..]);
            if rng.gen_bool(0.5) {
                // Mostly valid labels, so parsing gets past the first record sometimes.
                for r in b.chunks_mut(rec) {
                    r[0] %= 10;
                }
            }
            fs::write(layout.join(name), b).unwrap();
        }
        match load_cifar(&dir) {
            Ok(s) => assert!(s.train.len() == 5 * s.test.len() && !s.test.is_empty()),
            Err(e) => assert!(matches!(e, QtrainError::BadData { .. }), "{e:?}"),
        }
    }
}

#[test]
fn writer_rejects_unreadable_shapes() {
    let dir = fresh_dir("writer");
    let mut s = synthetic(CifarKind::Cifar10, 2, 9);
    s.train.truncate(9);
    assert!(write_cifar(&dir, &s).is_err());
    let mut s = synthetic(CifarKind::Cifar100, 2, 9);
    s.test.coarse = None;
    assert!(write_cifar(&dir, &s).is_err());
}

// ---------------------------------------------------------------- batcher

#[test]
fn batcher_is_seeded_complete_and_resumable() {
    let collect = |b: &mut Batcher, e: u64| b.epoch(e).map(<[usize]>::to_vec).collect::<Vec<_>>();
    let mut a = Batcher::new(103, 10, 42);
    let mut b = Batcher::new(103, 10, 42);
    let e0 = collect(&mut a, 0);
    assert_eq!(e0, collect(&mut b, 0), "same seed, same order");
    // Sizes: 10 full batches and the partial one kept.
    assert_eq!(e0.len(), 11);
    assert_eq!(a.num_batches(), 11);
    assert!(e0[..10].iter().all(|x| x.len() == 10));
    assert_eq!(e0[10].len(), 3);
    // Every index exactly once, in an order that is not the identity.
    let mut flat: Vec<usize> = e0.concat();
    assert_ne!(flat, (0..103).collect::<Vec<_>>());
    flat.sort_unstable();
    assert_eq!(flat, (0..103).collect::<Vec<_>>());
    // Epochs differ and each is again a permutation.
    let e1 = collect(&mut a, 1);
    assert_ne!(e0, e1);
    let mut f1 = e1.concat();
    f1.sort_unstable();
    assert_eq!(f1, (0..103).collect::<Vec<_>>());
    // Another seed gives another order.
    assert_ne!(collect(&mut Batcher::new(103, 10, 43), 0), e0);
    // Resuming: a fresh batcher asked for epoch 5 sees what the running one sees at epoch 5.
    for e in 2..5 {
        collect(&mut a, e);
    }
    assert_eq!(
        collect(&mut a, 5),
        collect(&mut Batcher::new(103, 10, 42), 5)
    );
    assert_eq!(a.permutation(5), collect(&mut a, 5).concat());
    // Many epochs: all distinct.
    let orders: HashSet<Vec<usize>> = (0..50).map(|e| a.permutation(e)).collect();
    assert_eq!(orders.len(), 50);
}

#[test]
fn batcher_edge_sizes() {
    let mut b = Batcher::new(0, 4, 1);
    assert_eq!(b.epoch(0).count(), 0);
    let mut b = Batcher::new(5, 8, 1);
    let batches: Vec<Vec<usize>> = b.epoch(3).map(<[usize]>::to_vec).collect();
    assert_eq!(batches.len(), 1);
    assert_eq!(batches[0].len(), 5);
    let mut b = Batcher::new(1, 1, 1);
    assert_eq!(b.epoch(0).collect::<Vec<_>>(), vec![&[0usize][..]]);
}

// ---------------------------------------------------------------- augmentation

/// A test image without zeros whose neighbouring pixels differ.
fn coded_image() -> Vec<u8> {
    // Values 1..=255, never 0, so a 0 in the output can only be padding.
    (0..IMAGE_BYTES).map(|i| (i % 255 + 1) as u8).collect()
}

fn px(img: &[u8], c: usize, y: i32, x: i32) -> u8 {
    if (0..32).contains(&y) && (0..32).contains(&x) {
        img[c * PLANE_BYTES + (y * 32 + x) as usize]
    } else {
        0
    }
}

#[test]
fn augment_moves_pixels_as_specified() {
    let src = coded_image();
    let mut dst = vec![0xAAu8; IMAGE_BYTES];
    Augment::IDENTITY.apply(&src, &mut dst);
    assert_eq!(dst, src);
    for dy in -4..=4 {
        for dx in -4..=4 {
            for flip in [false, true] {
                let a = Augment { dy, dx, flip };
                a.apply(&src, &mut dst);
                for c in 0..3 {
                    for y in 0..32 {
                        for x in 0..32 {
                            let sx = if flip { 31 - x } else { x } + dx;
                            assert_eq!(
                                px(&dst, c, y, x),
                                px(&src, c, y + dy, sx),
                                "{a:?} c{c} y{y} x{x}"
                            );
                        }
                    }
                }
            }
        }
    }
    // Spot checks of the direction conventions.
    Augment {
        dy: 1,
        dx: 0,
        flip: false,
    }
    .apply(&src, &mut dst);
    assert_eq!(
        &dst[..32],
        &src[32..64],
        "dy = +1: output row 0 is input row 1"
    );
    assert!(
        dst[31 * 32..32 * 32].iter().all(|&v| v == 0),
        "last row is padding"
    );
    Augment {
        dy: 0,
        dx: -2,
        flip: false,
    }
    .apply(&src, &mut dst);
    assert_eq!(
        (dst[0], dst[1], dst[2]),
        (0, 0, src[0]),
        "dx = −2: two zero columns on the left"
    );
    Augment {
        dy: 0,
        dx: 0,
        flip: true,
    }
    .apply(&src, &mut dst);
    assert_eq!(
        (dst[0], dst[31]),
        (src[31], src[0]),
        "flip mirrors each row"
    );
}

#[test]
fn augment_draws_cover_the_range_and_pad_with_zeros() {
    let src = vec![255u8; IMAGE_BYTES];
    let mut dst = vec![0u8; IMAGE_BYTES];
    let mut rng = ChaCha8Rng::seed_from_u64(10);
    let mut seen = HashSet::new();
    let mut flips = 0;
    for _ in 0..2000 {
        let mut r2 = rng.clone();
        let a = Augment::draw(&mut r2);
        augment(&src, &mut dst, &mut rng);
        // augment() is exactly draw + apply from the same RNG state.
        let mut expect = vec![0u8; IMAGE_BYTES];
        a.apply(&src, &mut expect);
        assert_eq!(dst, expect);
        assert_eq!(dst.len(), IMAGE_BYTES);
        // A white image shifted by (dy, dx) keeps (32−|dy|)(32−|dx|) white pixels a plane.
        let white = dst.iter().filter(|&&v| v == 255).count();
        let kept = (32 - a.dy.unsigned_abs() as usize) * (32 - a.dx.unsigned_abs() as usize);
        assert_eq!(white, 3 * kept, "{a:?}");
        assert!(dst.iter().all(|&v| v == 0 || v == 255));
        seen.insert((a.dy, a.dx));
        flips += a.flip as usize;
    }
    assert_eq!(seen.len(), 81, "every crop offset is drawn");
    assert!(
        (900..1100).contains(&flips),
        "flip probability ½: {flips} of 2000"
    );
}

// ---------------------------------------------------------------- normalisation and stats

#[test]
fn normalization_of_a_loaded_image() {
    let mut img = vec![0u8; IMAGE_BYTES];
    img[..PLANE_BYTES].fill(125 + 32);
    img[PLANE_BYTES..2 * PLANE_BYTES].fill(123 - 64);
    img[2 * PLANE_BYTES..].fill(114);
    let mut out = vec![0f32; IMAGE_BYTES];
    normalize_into(&img, &mut out);
    assert!(out[..PLANE_BYTES].iter().all(|&v| v == 0.5));
    assert!(out[PLANE_BYTES..2 * PLANE_BYTES].iter().all(|&v| v == -1.0));
    assert!(out[2 * PLANE_BYTES..].iter().all(|&v| v == 0.0));
}

#[test]
fn stats_on_known_data() {
    // Class c images are filled with the value 10·c in R, 5 in G, and alternate 0/100 in B.
    let n = 20;
    let mut images = vec![0u8; n * IMAGE_BYTES];
    let labels: Vec<u16> = (0..n).map(|i| (i % 4) as u16).collect();
    for (i, img) in images.chunks_mut(IMAGE_BYTES).enumerate() {
        img[..PLANE_BYTES].fill(10 * labels[i] as u8);
        img[PLANE_BYTES..2 * PLANE_BYTES].fill(5);
        for (j, v) in img[2 * PLANE_BYTES..].iter_mut().enumerate() {
            *v = if j % 2 == 0 { 0 } else { 100 };
        }
    }
    let ds = Dataset::new(images, labels, None, 10).unwrap();
    let s = split_stats(&ds);
    assert_eq!(s.images, 20);
    assert_eq!(s.per_class, vec![5, 5, 5, 5, 0, 0, 0, 0, 0, 0]);
    assert_eq!(s.mean, [15.0, 5.0, 50.0]);
    // R: 0, 10, 20, 30 equally often → variance 125.
    assert!((s.std[0] - 125f64.sqrt()).abs() < 1e-9);
    assert!(s.std[1].abs() < 1e-9);
    assert!((s.std[2] - 50.0).abs() < 1e-9);
}

// ---------------------------------------------------------------- real CIFAR-10

/// numpy 2.4.6 on the files written by `../shared/data/prepare-cifar10` (2026-11-26):
/// `r = np.concatenate([np.fromfile(f, np.uint8).reshape(-1, 3073) for f in files])`,
/// `x = r[:, 1:].reshape(-1, 3, 1024).astype(np.float64)`, `x.mean(axis=(0, 2))`, `x.std(axis=(0, 2))`.
const NUMPY_TRAIN_MEAN: [f64; 3] = [125.2688, 122.9330, 113.8628];
const NUMPY_TRAIN_STD: [f64; 3] = [62.5341, 61.9093, 66.4603];
const NUMPY_TEST_MEAN: [f64; 3] = [125.9868, 123.6912, 114.8474];
const NUMPY_TEST_STD: [f64; 3] = [62.4356, 61.7605, 66.4483];

/// The issue asks for means within 0.5 of numpy's; both sides are exact sums, so check far tighter
/// (the reference numbers are rounded to 4 decimals).
const TOL: f64 = 1e-3;

fn real_cifar10() -> Option<PathBuf> {
    match std::env::var_os("QTRAIN_CIFAR10") {
        Some(d) => Some(PathBuf::from(d)),
        None => {
            println!("skipping: QTRAIN_CIFAR10 not set (prepare with ../shared/data/prepare-cifar10 DIR)");
            None
        }
    }
}

fn close(a: &[f64], b: &[f64; 3], what: &str) {
    for c in 0..3 {
        assert!(
            (a[c] - b[c]).abs() < TOL,
            "{what}[{c}]: {} vs numpy {}",
            a[c],
            b[c]
        );
    }
}

#[test]
fn real_cifar10_loads_with_numpy_statistics() {
    let Some(dir) = real_cifar10() else { return };
    let s = load_cifar(&dir).unwrap();
    assert_eq!(
        (s.kind, s.train.len(), s.test.len()),
        (CifarKind::Cifar10, 50_000, 10_000)
    );
    let (tr, te) = (split_stats(&s.train), split_stats(&s.test));
    assert_eq!(tr.per_class, vec![5000; 10]);
    assert_eq!(te.per_class, vec![1000; 10]);
    close(&tr.mean, &NUMPY_TRAIN_MEAN, "train mean");
    close(&tr.std, &NUMPY_TRAIN_STD, "train std");
    close(&te.mean, &NUMPY_TEST_MEAN, "test mean");
    close(&te.std, &NUMPY_TEST_STD, "test std");

    // And what the binary reports (the "done when"), through --json.
    let out = qtrain(&["data", "stats", "--json", "--data"], &dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["train"]["images"], 50_000);
    assert_eq!(j["test"]["images"], 10_000);
    let arr = |v: &serde_json::Value| -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    assert_eq!(arr(&j["train"]["per_class"]), vec![5000.0; 10]);
    assert_eq!(arr(&j["test"]["per_class"]), vec![1000.0; 10]);
    close(
        &arr(&j["train"]["mean"]),
        &NUMPY_TRAIN_MEAN,
        "json train mean",
    );
    close(&arr(&j["test"]["mean"]), &NUMPY_TEST_MEAN, "json test mean");
}

// ---------------------------------------------------------------- the binary end to end

fn qtrain(args: &[&str], data: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qtrain"))
        .args(args)
        .arg(data)
        .output()
        .expect("run qtrain")
}

#[test]
fn binary_stats_json_table_and_bench() {
    let dir = fresh_dir("bin-ok");
    let s = synthetic(CifarKind::Cifar100, 4, 11);
    write_cifar(&dir, &s).unwrap();
    let out = qtrain(&["data", "stats", "--json", "--data"], &dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["kind"], "cifar100");
    assert_eq!(j["num_classes"], 100);
    let expect = serde_json::to_value(split_stats(&s.train)).unwrap();
    assert_eq!(j["train"], expect);
    assert_eq!(j["test"]["images"], 4);
    assert_eq!(j["train"]["per_coarse_class"].as_array().unwrap().len(), 20);

    let out = qtrain(&["data", "stats", "--data"], &dir);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        text.contains("CIFAR-100") && text.contains("train") && text.contains("coarse class"),
        "{text}"
    );

    let out = qtrain(&["data", "bench", "--repeat", "1", "--data"], &dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("images/s"));
}

#[test]
fn binary_truncated_test_batch_fails_naming_file_and_size() {
    let dir = fresh_dir("bin-truncated");
    let layout = write_cifar(&dir, &synthetic(CifarKind::Cifar10, 3, 12)).unwrap();
    set_len(&layout.join("test_batch.bin"), 3 * 3073 - 1000);
    for json in [false, true] {
        let args: &[&str] = if json {
            &["data", "stats", "--json", "--data"]
        } else {
            &["data", "stats", "--data"]
        };
        let out = qtrain(args, &dir);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "truncated data must fail");
        assert!(
            err.contains("test_batch.bin") && err.contains("expected 9219 bytes"),
            "{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
        assert!(out.stdout.is_empty(), "no partial report on failure");
    }
    let out = qtrain(&["data", "stats", "--data"], &dir.join("missing"));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
}
