//! Every fast path against the naive loop on random problems, and the dot-product query against the output.

use super::*;
use crate::ops::testutil::{on_one_and_two_threads, rand_vec};
use crate::tensor::max_rel_err;

fn problem(s: ConvSpec, seed: u64) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    (rand_vec(seed, s.c_in * s.h * s.w), rand_vec(seed + 1, s.weight_len()), rand_vec(seed + 2, s.c_out))
}

const CASES: &[ConvSpec] = &[
    // conv1-like: big kernel, stride 4, no padding.
    ConvSpec { c_in: 3, h: 35, w: 35, c_out: 8, k: 11, stride: 4, pad: 0, groups: 1 },
    // conv2-like: groups 2, pad 2.
    ConvSpec { c_in: 8, h: 9, w: 9, c_out: 6, k: 5, stride: 1, pad: 2, groups: 2 },
    // conv4-like: 3×3 pad 1, groups 2.
    ConvSpec { c_in: 6, h: 7, w: 7, c_out: 4, k: 3, stride: 1, pad: 1, groups: 2 },
    // Non-square input, stride 2 with padding, odd sizes.
    ConvSpec { c_in: 4, h: 7, w: 10, c_out: 6, k: 3, stride: 2, pad: 1, groups: 2 },
    // The seed's toy example: 5×5×3, 3×3×3, stride 1, pad 0 → 3×3×1.
    ConvSpec { c_in: 3, h: 5, w: 5, c_out: 1, k: 3, stride: 1, pad: 0, groups: 1 },
];

#[test]
fn fast_matches_naive_on_random_problems() {
    for (i, s) in CASES.iter().enumerate() {
        let (x, w, b) = problem(*s, 10 * i as u64);
        let want = conv2d_naive(s, &x, &w, &b);
        let packed = Packed::new(s, &w);
        on_one_and_two_threads(|| {
            let layer = conv2d_layer(s, &x, &w, &packed, &b);
            for (name, got) in
                [("packed", conv2d_packed(s, &x, &w, &b)), ("blas", conv2d_blas(s, &x, &w, &b)), ("layer", layer)]
            {
                let e = max_rel_err(&got, &want);
                assert!(e < 1e-5, "case {i} {s:?} {name}: rel err {e}");
            }
        });
    }
}

#[test]
fn seed_toy_example_shape() {
    let s = CASES[4];
    assert_eq!((s.out_h(), s.out_w(), s.c_out), (3, 3, 1));
    assert_eq!(s.kernel_len(), 27);
}

#[test]
fn groups_read_only_their_half() {
    // Changing the second half of the input channels must leave group 0's outputs untouched.
    let s = CASES[1];
    let (mut x, w, b) = problem(s, 3);
    let before = conv2d(&s, &x, &w, &b);
    let half = s.c_in / 2 * s.h * s.w;
    for v in &mut x[half..] {
        *v += 1.0;
    }
    let after = conv2d(&s, &x, &w, &b);
    let per_group = s.c_out / 2 * s.out_h() * s.out_w();
    assert_eq!(before[..per_group], after[..per_group]);
    assert_ne!(before[per_group..], after[per_group..]);
}

#[test]
fn dot_at_reproduces_every_output() {
    for (i, s) in CASES.iter().enumerate() {
        let (x, w, b) = problem(*s, 100 + i as u64);
        let out = conv2d_naive(s, &x, &w, &b);
        for oc in 0..s.c_out {
            for y in 0..s.out_h() {
                for xx in 0..s.out_w() {
                    let d = dot_at(s, &x, &w, &b, oc, y, xx).unwrap();
                    let want = out[(oc * s.out_h() + y) * s.out_w() + xx];
                    assert!((d.value - want).abs() <= 1e-5 * want.abs().max(1.0), "case {i}");
                    assert_eq!(d.products.len(), s.kernel_len());
                }
            }
        }
        assert!(dot_at(s, &x, &w, &b, s.c_out, 0, 0).is_none());
        assert!(dot_at(s, &x, &w, &b, 0, s.out_h(), 0).is_none());
    }
}

#[test]
fn dot_at_marks_padding_as_zero() {
    let s = CASES[2];
    let (x, w, b) = problem(s, 9);
    let d = dot_at(&s, &x, &w, &b, 3, 0, 0).unwrap();
    assert_eq!((d.y0, d.x0, d.group, d.ic_start), (-1, -1, 1, 3));
    // The first kernel row and column lie in the padding.
    for ic in 0..d.c_in_group {
        assert_eq!(d.patch[ic * 9], 0.0);
        assert_eq!(d.patch[ic * 9 + 1], 0.0);
        assert_eq!(d.patch[ic * 9 + 3], 0.0);
        assert_eq!(d.patch[ic * 9 + 4], x[((3 + ic) * 7) * 7]);
    }
}

/// The layers Winograd serves, by name (conv2–5 as the spec table has them), and small shapes that probe its
/// edges for both kernel sizes: an even output (no half tile), no padding, a wide and a one-pixel-high image, odd
/// channel counts, padding wider than the kernel's reach.
fn winograd_cases() -> Vec<(String, ConvSpec)> {
    let mut v: Vec<(String, ConvSpec)> = ["conv2", "conv3", "conv4", "conv5"]
        .into_iter()
        .map(|id| {
            let l = crate::spec::derive().into_iter().find(|l| l.id == id).expect("conv2-5 are in the spec");
            let [c, h, w] = l.in_shape[..] else { panic!("{id} input is [c, h, w]") };
            (id.to_string(), crate::spec::layer(id).expect("in the spec").conv_spec((c, h, w)))
        })
        .collect();
    for (i, s) in [
        ConvSpec { c_in: 5, h: 8, w: 8, c_out: 7, k: 3, stride: 1, pad: 1, groups: 1 },
        ConvSpec { c_in: 3, h: 9, w: 6, c_out: 2, k: 3, stride: 1, pad: 0, groups: 1 },
        ConvSpec { c_in: 6, h: 3, w: 21, c_out: 4, k: 3, stride: 1, pad: 1, groups: 2 },
        ConvSpec { c_in: 2, h: 1, w: 5, c_out: 3, k: 3, stride: 1, pad: 1, groups: 1 },
        ConvSpec { c_in: 10, h: 5, w: 7, c_out: 6, k: 3, stride: 1, pad: 2, groups: 2 },
        ConvSpec { c_in: 5, h: 8, w: 8, c_out: 7, k: 5, stride: 1, pad: 2, groups: 1 },
        ConvSpec { c_in: 3, h: 9, w: 6, c_out: 2, k: 5, stride: 1, pad: 0, groups: 1 },
        ConvSpec { c_in: 6, h: 3, w: 21, c_out: 4, k: 5, stride: 1, pad: 2, groups: 2 },
        ConvSpec { c_in: 2, h: 1, w: 5, c_out: 3, k: 5, stride: 1, pad: 2, groups: 1 },
        ConvSpec { c_in: 10, h: 5, w: 7, c_out: 6, k: 5, stride: 1, pad: 3, groups: 2 },
    ]
    .into_iter()
    .enumerate()
    {
        v.push((format!("small {i}"), s));
    }
    v
}

#[test]
fn winograd_matches_the_naive_loop_on_conv2_to_conv5_and_edge_shapes() {
    for (i, (name, s)) in winograd_cases().into_iter().enumerate() {
        assert!(winograd::applies(&s), "{name}");
        let (x, w, b) = problem(s, 500 + i as u64);
        let want = conv2d_naive(&s, &x, &w, &b);
        let u = WinogradWeights::new(&s, &w);
        on_one_and_two_threads(|| {
            let got = conv2d_winograd(&s, &x, &u, &b);
            let e = max_rel_err(&got, &want);
            // F(4, 3) rounds more than the direct sum (winograd.rs): 1.1e-5 on conv3.
            assert!(e < 3e-5, "{name} {s:?}: rel err {e}");
        });
    }
}

#[test]
fn winograd_is_the_layer_path_for_3x3_and_5x5_at_stride_1_only() {
    for s in CASES {
        let packed = Packed::new(s, &rand_vec(1, s.weight_len()));
        assert_eq!(packed.winograd.is_some(), (s.k == 3 || s.k == 5) && s.stride == 1, "{s:?}");
    }
}
