//! Unit tests of the parent module.

use super::*;

fn record(labels: &[u8], fill: u8) -> Vec<u8> {
    let mut r = labels.to_vec();
    r.extend(std::iter::repeat(fill).take(IMAGE_BYTES));
    r
}

#[test]
fn parses_cifar100_coarse_then_fine() {
    let mut bytes = record(&[3, 42], 7);
    bytes.extend(record(&[19, 99], 8));
    let mut acc = Accum::with_capacity(CifarKind::Cifar100, 2);
    parse_records(Path::new("x.bin"), &bytes, CifarKind::Cifar100, &mut acc).unwrap();
    let d = acc.finish(CifarKind::Cifar100);
    assert_eq!(d.labels, vec![42, 99]);
    assert_eq!(d.coarse, Some(vec![3, 19]));
    assert_eq!(d.image(1), &[8u8; IMAGE_BYTES][..]);
}

#[test]
fn label_errors_name_record() {
    let mut bytes = record(&[1], 0);
    bytes.extend(record(&[10], 0));
    let mut acc = Accum::with_capacity(CifarKind::Cifar10, 2);
    let e = parse_records(Path::new("b.bin"), &bytes, CifarKind::Cifar10, &mut acc)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("b.bin") && e.contains("record 1 ") && e.contains("label 10"),
        "{e}"
    );
    let bytes = record(&[20, 5], 0);
    let mut acc = Accum::with_capacity(CifarKind::Cifar100, 1);
    let e = parse_records(Path::new("t.bin"), &bytes, CifarKind::Cifar100, &mut acc)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("record 0 ") && e.contains("coarse label (1st byte) 20"),
        "{e}"
    );
}

#[test]
fn expected_counts_single_out_the_short_file() {
    let r10 = CifarKind::Cifar10.record_bytes() as u64;
    let mut sizes = vec![10 * r10; 6];
    sizes[5] = 4 * r10;
    assert_eq!(expected_records(CifarKind::Cifar10, &sizes), vec![10; 6]);
    sizes[0] = 7;
    assert_eq!(expected_records(CifarKind::Cifar10, &sizes), vec![10; 6]);
    assert_eq!(
        expected_records(CifarKind::Cifar10, &[1; 6]),
        vec![10_000; 6]
    );
    let r = CifarKind::Cifar100.record_bytes() as u64;
    let k = CifarKind::Cifar100;
    assert_eq!(expected_records(k, &[50 * r, 10 * r]), vec![50, 10]);
    assert_eq!(expected_records(k, &[50 * r, 9 * r]), vec![50, 10]);
    assert_eq!(expected_records(k, &[49 * r, 10 * r]), vec![50, 10]);
    assert_eq!(expected_records(k, &[50 * r, 3]), vec![50, 10]);
    assert_eq!(expected_records(k, &[3, 10 * r]), vec![50, 10]);
    assert_eq!(expected_records(k, &[3, 3]), vec![50_000, 10_000]);
}
