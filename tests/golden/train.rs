//! Training golden tests: finite-difference checks of every layer and a small network, the methods'
//! update rules on hand-made numbers, the schedule, and end-to-end runs of `qtrain train` (resume
//! equality, NaN detection) on a tiny synthetic CIFAR-format data set.

use ndarray::{ArrayD, IxDyn};
use qtrain::layers::gradcheck::{check_layer, check_layer_sampled, random, rel_error};
use qtrain::layers::*;

fn assert_all_ok(what: &str, errs: &[(String, f64)]) {
    for (name, e) in errs {
        assert!(*e < 1e-4, "{what} {name}: relative error {e:e}");
    }
    assert!(!errs.is_empty());
}

#[test]
fn gradcheck_conv3x3_s1_p1() {
    let mut c = Conv2d::<f64>::new(3, 4, 3, 1, 1);
    c.weight = random(&[4, 3, 3, 3], 1);
    assert_all_ok("conv3x3", &check_layer(&mut c, &random(&[2, 3, 5, 6], 2), 3));
}

#[test]
fn gradcheck_conv1x1_s2() {
    let mut c = Conv2d::<f64>::new(3, 5, 1, 2, 0);
    c.weight = random(&[5, 3, 1, 1], 4);
    assert_all_ok("conv1x1s2", &check_layer(&mut c, &random(&[3, 3, 6, 6], 5), 6));
}

#[test]
fn gradcheck_conv_more_images_than_a_chunk() {
    let mut c = Conv2d::<f64>::new(2, 3, 3, 1, 1);
    c.weight = random(&[3, 2, 3, 3], 7);
    let n = conv2d::CHUNK + 3;
    assert_all_ok("conv chunks", &check_layer(&mut c, &random(&[n, 2, 4, 4], 8), 9));
}

#[test]
fn gradcheck_batch_norm_2d_and_1d() {
    let mut b = BatchNorm::<f64>::new(3);
    b.gamma = random(&[3], 10);
    b.beta = random(&[3], 11);
    assert_all_ok("bn2d", &check_layer(&mut b, &random(&[4, 3, 3, 3], 12), 13));
    let mut b = BatchNorm::<f64>::new(5);
    b.gamma = random(&[5], 14);
    assert_all_ok("bn1d", &check_layer(&mut b, &random(&[6, 5], 15), 16));
}

#[test]
fn batch_norm_running_stats_follow_pytorch() {
    let mut b = BatchNorm::<f64>::new(1);
    let x = ArrayD::from_shape_vec(IxDyn(&[4, 1]), vec![1.0, 2.0, 3.0, 6.0]).unwrap();
    let y = b.forward(x.clone(), true);
    // mean 3, biased var 3.5, unbiased 14/3
    assert!((b.running_mean[0] - 0.3).abs() < 1e-12);
    assert!((b.running_var[0] - (0.9 + 0.1 * 14.0 / 3.0)).abs() < 1e-12);
    assert!((y[[3, 0]] - 3.0 / (3.5f64 + 1e-5).sqrt()).abs() < 1e-12);
    let e = b.forward(x, false);
    let want = (6.0 - 0.3) / (b.running_var[0] + 1e-5).sqrt();
    assert!((e[[3, 0]] - want).abs() < 1e-12);
}

#[test]
fn gradcheck_relu_pools_linear_flatten() {
    assert_all_ok("relu", &check_layer(&mut Relu::<f64>::new(), &random(&[2, 3, 4], 20), 21));
    assert_all_ok("maxpool", &check_layer(&mut MaxPool2::new(), &random(&[2, 3, 4, 6], 22), 23));
    assert_all_ok("gap", &check_layer(&mut GlobalAvgPool::new(), &random(&[2, 3, 4, 2], 24), 25));
    assert_all_ok("flatten", &check_layer(&mut Flatten::new(), &random(&[2, 3, 2, 2], 26), 27));
    let mut l = Linear::<f64>::new(7, 4, true);
    l.weight = random(&[4, 7], 28);
    l.bias = Some((random(&[4], 29), ArrayD::zeros(IxDyn(&[4]))));
    assert_all_ok("linear", &check_layer(&mut l, &random(&[3, 7], 30), 31));
    let mut l = Linear::<f64>::new(5, 2, false);
    l.weight = random(&[2, 5], 32);
    assert_all_ok("linear-nobias", &check_layer(&mut l, &random(&[3, 5], 33), 34));
}

#[test]
fn gradcheck_softmax_cross_entropy() {
    let z = random(&[4, 5], 40) * 3.0;
    let labels = [0u16, 4, 2, 2];
    let (_, g, _) = softmax_cross_entropy(&z, &labels);
    let h = 1e-6;
    let mut num = ArrayD::zeros(z.raw_dim());
    for i in 0..z.len() {
        let mut zp = z.clone();
        zp.as_slice_mut().unwrap()[i] += h;
        let mut zm = z.clone();
        zm.as_slice_mut().unwrap()[i] -= h;
        let lp = softmax_cross_entropy(&zp, &labels).0;
        let lm = softmax_cross_entropy(&zm, &labels).0;
        num.as_slice_mut().unwrap()[i] = (lp - lm) / (2.0 * h);
    }
    assert!(rel_error(&g, &num) < 1e-4);
    // a uniform prediction costs ln(classes)
    let (l, _, _) = softmax_cross_entropy(&ArrayD::<f64>::zeros(IxDyn(&[2, 10])), &[3, 7]);
    assert!((l - 10f64.ln()).abs() < 1e-12);
}

use qtrain::models::{Net, NetSpec};

/// γ, β away from 1, 0: with β = 0, ReLU and the next BN cancel γ's scale and its gradient is ~0.
fn randomise_bn(net: &mut Net<f64>, seed: u64) {
    for (i, p) in net.params().into_iter().enumerate() {
        if matches!(p.kind, ParamKind::BnGamma | ParamKind::BnBeta) {
            *p.value = random(p.value.shape(), seed + i as u64) + 0.5;
        }
    }
}

#[test]
fn gradcheck_whole_tiny_vgg_bc() {
    let spec = NetSpec::new("vgg-bc", 1.0 / 128.0, 10).unwrap();
    let mut net = Net::<f64>::new(spec, 5);
    randomise_bn(&mut net, 54);
    assert_all_ok("vgg-bc", &check_layer_sampled(&mut net, &random(&[3, 3, 32, 32], 50), 51, 40));
}

#[test]
fn gradcheck_whole_tiny_resnet_with_shortcuts() {
    let spec = NetSpec::new("resnet-8", 1.0 / 8.0, 10).unwrap();
    let mut net = Net::<f64>::new(spec, 6);
    randomise_bn(&mut net, 55);
    let names: Vec<String> = net.params().into_iter().map(|p| p.name).collect();
    assert!(names.iter().any(|n| n == "stage2.block0.shortcut.conv.weight"), "{names:?}");
    assert_all_ok("resnet-8", &check_layer(&mut net, &random(&[3, 3, 8, 8], 52), 53));
}

#[test]
fn network_shapes_and_sizes() {
    // full VGG-BC: 4.6 M conv weights (DESIGN.md), logits (N, 10)
    let mut net = Net::<f32>::new(NetSpec::new("vgg-bc", 1.0, 10).unwrap(), 0);
    let conv: usize = net
        .params()
        .iter()
        .filter(|p| p.kind == ParamKind::ConvWeight)
        .map(|p| p.value.len())
        .sum();
    assert_eq!(conv, 3 * 128 * 9 + 128 * 128 * 9 + 128 * 256 * 9 + 256 * 256 * 9 + 256 * 512 * 9 + 512 * 512 * 9);
    let mut r56 = Net::<f32>::new(NetSpec::new("resnet-56", 1.0, 100).unwrap(), 0);
    let n = r56.num_params();
    assert!((850_000..870_000).contains(&n), "resnet-56 has {n} parameters"); // ≈0.86 M
    let y = r56.forward(ArrayD::zeros(IxDyn(&[2, 3, 32, 32])), false);
    assert_eq!(y.shape(), &[2, 100]);
    let mut w = Net::<f32>::new(NetSpec::new("wrn-56-2", 0.25, 10).unwrap(), 0);
    assert_eq!(w.params()[0].value.shape(), &[8, 3, 3, 3]); // 16·2·0.25
}
