//! The integer conv model (`qtrain::exact`) against a plain integer convolution of the same ±1
//! weights and integer activations, on random shapes including channel counts that are not
//! multiples of S, P or 64.

use qtrain::exact::bitplanes::{pack_planes, unpack_planes};
use qtrain::exact::geometry::{input_stream, output_stream, ConvLayer};
use qtrain::exact::pack::pack_weights;
use qtrain::exact::pool::max_pool2;
use qtrain::exact::requant::Requant;
use qtrain::exact::xnor_conv::{conv_layer, xnor_conv};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Plain 3×3, stride 1, zero-padded convolution: `z[y][x][o] = Σ w[o][ky][kx][c]·a[y+ky−1][x+kx−1][c]`.
fn plain_conv(w: &[i8], a: &[u32], h: usize, wd: usize, c_in: usize, c_out: usize) -> Vec<i64> {
    let mut z = vec![0i64; h * wd * c_out];
    for y in 0..h {
        for x in 0..wd {
            for o in 0..c_out {
                let mut s = 0i64;
                for ky in 0..3 {
                    for kx in 0..3 {
                        let (yy, xx) = (y as isize + ky as isize - 1, x as isize + kx as isize - 1);
                        if yy < 0 || xx < 0 || yy >= h as isize || xx >= wd as isize {
                            continue;
                        }
                        for c in 0..c_in {
                            let wv = w[((o * 3 + ky) * 3 + kx) * c_in + c] as i64;
                            s += wv * a[(yy as usize * wd + xx as usize) * c_in + c] as i64;
                        }
                    }
                }
                z[(y * wd + x) * c_out + o] = s;
            }
        }
    }
    z
}

fn random_layer(rng: &mut ChaCha8Rng) -> ConvLayer {
    ConvLayer {
        c_in: *[1, 3, 5, 17, 63, 64, 65, 100, 130]
            .get(rng.gen_range(0..9))
            .unwrap(),
        c_out: rng.gen_range(1..40),
        h: rng.gen_range(1..7),
        w: rng.gen_range(1..7),
        a_in: rng.gen_range(1..=8),
        a_out: rng.gen_range(1..=4),
        pool: false,
        sh: rng.gen_range(0..8),
        images: 1,
    }
}

#[test]
fn xnor_conv_equals_plain_integer_conv() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    for case in 0..60 {
        let l = random_layer(&mut rng);
        let w: Vec<i8> = (0..l.c_out * 9 * l.c_in)
            .map(|_| if rng.gen::<bool>() { 1 } else { -1 })
            .collect();
        let a: Vec<u32> = (0..l.h * l.w * l.c_in)
            .map(|_| rng.gen_range(0..1u32 << l.a_in))
            .collect();
        let packed = pack_weights(&w, l.c_out, 3, l.c_in).unwrap();
        let got = xnor_conv(&l, &packed, &a).unwrap();
        let want = plain_conv(&w, &a, l.h, l.w, l.c_in, l.c_out);
        assert_eq!(got, want, "case {case}: {l:?}");
    }
}

#[test]
fn layer_requant_pool_and_streams() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for case in 0..20 {
        let mut l = random_layer(&mut rng);
        l.h = 2 * rng.gen_range(1..4);
        l.w = 2 * rng.gen_range(1..4);
        l.pool = rng.gen();
        l.images = 2;
        let w: Vec<i8> = (0..l.c_out * 9 * l.c_in)
            .map(|_| if rng.gen::<bool>() { 1 } else { -1 })
            .collect();
        let packed = pack_weights(&w, l.c_out, 3, l.c_in).unwrap();
        let rq = Requant {
            m: (0..l.c_out).map(|_| rng.gen_range(-300..300)).collect(),
            b: (0..l.c_out).map(|_| rng.gen_range(-5000..5000)).collect(),
            sh: l.sh,
            a_out: l.a_out,
        };
        let imgs: Vec<Vec<u32>> = (0..2)
            .map(|_| {
                (0..l.h * l.w * l.c_in)
                    .map(|_| rng.gen_range(0..1u32 << l.a_in))
                    .collect()
            })
            .collect();
        let mut outs = Vec::new();
        for a in &imgs {
            let got = conv_layer(&l, &packed, &rq, a).unwrap();
            let z = plain_conv(&w, a, l.h, l.w, l.c_in, l.c_out);
            let q: Vec<u32> = z
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    let c = i % l.c_out;
                    ((v * rq.m[c] as i64 + rq.b[c] as i64) >> rq.sh).clamp(0, (1 << l.a_out) - 1)
                        as u32
                })
                .collect();
            let want = if l.pool {
                max_pool2(&q, l.h, l.w, l.c_out).unwrap()
            } else {
                q
            };
            assert_eq!(got, want, "case {case}: {l:?}");
            outs.push(got);
        }
        let s = input_stream(&l, &rq, &packed, &imgs).unwrap();
        assert_eq!(s.len(), 1 + l.c_out + l.weight_words() + 2 * l.act_words());
        assert_eq!(ConvLayer::from_command_word(s[0]).unwrap(), l);
        let o = output_stream(&l, &outs).unwrap();
        assert_eq!(o.len(), 2 * l.out_words());
        let back =
            unpack_planes(&o[..l.out_words()], l.out_h(), l.out_w(), l.c_out, l.a_out).unwrap();
        assert_eq!(back, outs[0]);
        assert_eq!(
            pack_planes(&back, l.out_h(), l.out_w(), l.c_out, l.a_out).unwrap(),
            o[..l.out_words()]
        );
    }
}
