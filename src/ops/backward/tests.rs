//! Every backward reference against central finite differences of an f64 forward, and every fast path against
//! its reference: on random problems and on AlexNet's own layer geometries (from the spec table).
//!
//! The finite difference of input i sums only the outputs that input reaches (`touches`), so the check runs on
//! full-size layers (conv1's 3×227×227 input) in milliseconds; on small problems that set is every output.

use super::*;
use crate::ops::conv::ConvSpec;
use crate::ops::pool::PoolSpec;
use crate::ops::testutil::rand_vec;
use crate::spec::{self, LrnSpec};
use crate::tensor::max_rel_err;

/// Output `o` of an op on input `x`, in f64.
type OutputAt<'a> = Box<dyn Fn(&[f64], usize) -> f64 + 'a>;

/// An op in f64 for the finite differences: output `o` of input `x`, and the outputs input `i` can change.
struct Op<'a> {
    n_out: usize,
    at: OutputAt<'a>,
    touches: Box<dyn Fn(usize) -> Vec<usize> + 'a>,
}

fn f64s(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| x as f64).collect()
}

fn f32s(v: &[f64]) -> Vec<f32> {
    v.iter().map(|&x| x as f32).collect()
}

/// Checks `grad` (the reference's ∂L/∂x for L = Σ dy·f(x)) at the inputs `samples` against
/// `(L(x + h·e_i) − L(x − h·e_i)) / 2h`, relative to the gradient's largest magnitude.
fn finite_differences(name: &str, op: &Op, x: &[f64], dy: &[f64], grad: &[f64], samples: &[usize]) {
    assert_eq!(dy.len(), op.n_out, "{name}: dy length");
    let scale = grad.iter().fold(0f64, |m, v| m.max(v.abs())).max(1e-12);
    let mut xp = x.to_vec();
    for &i in samples {
        let h = 1e-6 * x[i].abs().max(1.0);
        let outs = (op.touches)(i);
        let loss = |xp: &[f64]| outs.iter().map(|&o| dy[o] * (op.at)(xp, o)).sum::<f64>();
        xp[i] = x[i] + h;
        let up = loss(&xp);
        xp[i] = x[i] - h;
        let down = loss(&xp);
        xp[i] = x[i];
        let fd = (up - down) / (2.0 * h);
        let e = (fd - grad[i]).abs() / scale;
        assert!(e < 1e-6, "{name}: input {i}: finite difference {fd:e}, gradient {:e} (rel err {e:e})", grad[i]);
    }
}

/// `n` sample indices spread over `0..len`, always including the first and last.
fn samples(len: usize, n: usize, seed: u64) -> Vec<usize> {
    let mut v: Vec<usize> = rand_vec(seed, n).iter().map(|r| ((r + 1.0) / 2.0 * len as f32) as usize % len).collect();
    v.extend([0, len - 1]);
    v
}

fn conv_op<'a>(s: &'a ConvSpec, w: &'a [f64]) -> Op<'a> {
    let (oh, ow) = (s.out_h(), s.out_w());
    let at = move |x: &[f64], o: usize| {
        let (oc, oy, ox) = (o / (oh * ow), o / ow % oh, o % ow);
        let g = oc / s.c_out_group();
        let mut acc = 0.0;
        for ic in 0..s.c_in_group() {
            for ky in 0..s.k {
                for kx in 0..s.k {
                    let iy = (oy * s.stride + ky) as isize - s.pad as isize;
                    let ix = (ox * s.stride + kx) as isize - s.pad as isize;
                    if iy >= 0 && ix >= 0 && iy < s.h as isize && ix < s.w as isize {
                        let c = g * s.c_in_group() + ic;
                        acc += x[(c * s.h + iy as usize) * s.w + ix as usize]
                            * w[((oc * s.c_in_group() + ic) * s.k + ky) * s.k + kx];
                    }
                }
            }
        }
        acc
    };
    // Input (c, y, x) reaches the outputs of its group whose window covers (y, x).
    let touches = move |i: usize| {
        let (c, y, x) = (i / (s.h * s.w), i / s.w % s.h, i % s.w);
        let g = c / s.c_in_group();
        let reach = |p: usize, n: usize| {
            (0..n).filter(move |&o| {
                let lo = (o * s.stride) as isize - s.pad as isize;
                (lo..lo + s.k as isize).contains(&(p as isize))
            })
        };
        let mut v = vec![];
        for oc in g * s.c_out_group()..(g + 1) * s.c_out_group() {
            for oy in reach(y, oh) {
                v.extend(reach(x, ow).map(|ox| (oc * oh + oy) * ow + ox));
            }
        }
        v
    };
    Op { n_out: s.out_len(), at: Box::new(at), touches: Box::new(touches) }
}

fn check_conv(name: &str, s: &ConvSpec, seed: u64, n_samples: usize) {
    let (x, w) = (rand_vec(seed, s.c_in * s.h * s.w), rand_vec(seed + 1, s.weight_len()));
    let dy = rand_vec(seed + 2, s.out_len());
    let want = conv2d_backward_naive(s, &f64s(&w), &f64s(&dy));
    finite_differences(name, &conv_op(s, &f64s(&w)), &f64s(&x), &f64s(&dy), &want, &samples(x.len(), n_samples, seed));
    crate::ops::testutil::on_one_and_two_threads(|| {
        let e = max_rel_err(&conv2d_backward(s, &w, &dy), &f32s(&want));
        assert!(e < 1e-5, "{name}: fast vs naive {e}");
        if conv::winograd_applies(s) {
            let e = max_rel_err(&conv::conv2d_backward_winograd(s, &w, &dy), &f32s(&want));
            // F(4, 3) rounds more than the direct sum (ops/conv/winograd.rs).
            assert!(e < 3e-5, "{name}: Winograd vs naive {e}");
        }
    });
}

/// `(id, [c, h, w] input)` of every layer of `kind`, from the spec table.
fn alexnet(kind: spec::Kind) -> Vec<(&'static str, (usize, usize, usize))> {
    spec::ALEXNET
        .iter()
        .zip(spec::derive())
        .filter(|(l, _)| l.kind == kind)
        .map(|(l, i)| match i.in_shape[..] {
            [c, h, w] => (l.id, (c, h, w)),
            [n] => (l.id, (n, 1, 1)),
            _ => unreachable!("inputs are [c, h, w] or [n]"),
        })
        .collect()
}

#[test]
fn conv_on_random_problems() {
    for (i, s) in [
        ConvSpec { c_in: 3, h: 23, w: 23, c_out: 4, k: 11, stride: 4, pad: 0, groups: 1 },
        ConvSpec { c_in: 4, h: 7, w: 9, c_out: 6, k: 5, stride: 1, pad: 2, groups: 2 },
        ConvSpec { c_in: 6, h: 5, w: 5, c_out: 4, k: 3, stride: 1, pad: 1, groups: 2 },
        ConvSpec { c_in: 5, h: 8, w: 6, c_out: 3, k: 3, stride: 2, pad: 1, groups: 1 },
        ConvSpec { c_in: 2, h: 4, w: 4, c_out: 2, k: 2, stride: 3, pad: 0, groups: 1 }, // stride past the kernel
        // 3×3 stride 1 (the Winograd path) without padding, with padding 2, odd sizes and groups.
        ConvSpec { c_in: 3, h: 7, w: 5, c_out: 5, k: 3, stride: 1, pad: 0, groups: 1 },
        ConvSpec { c_in: 4, h: 3, w: 6, c_out: 6, k: 3, stride: 1, pad: 2, groups: 2 },
    ]
    .iter()
    .enumerate()
    {
        check_conv(&format!("random {i}"), s, 10 * i as u64, 40);
    }
}

#[test]
fn conv_on_alexnet_geometries() {
    for (id, shape) in alexnet(spec::Kind::Conv) {
        let s = spec::layer(id).expect("in the spec").conv_spec(shape);
        check_conv(id, &s, 7, 6);
    }
}

fn check_pool(name: &str, s: &PoolSpec, x: &[f32], n_samples: usize) {
    let dy = rand_vec(99, s.out_len());
    let (oh, ow) = (s.out_h(), s.out_w());
    let at = |x: &[f64], o: usize| {
        let (c, oy, ox) = (o / (oh * ow), o / ow % oh, o % ow);
        let mut m = f64::NEG_INFINITY;
        for y in oy * s.stride..(oy * s.stride + s.k).min(s.h) {
            for xx in ox * s.stride..(ox * s.stride + s.k).min(s.w) {
                m = m.max(x[(c * s.h + y) * s.w + xx]);
            }
        }
        m
    };
    let touches = |i: usize| {
        let (c, y, x) = (i / (s.h * s.w), i / s.w % s.h, i % s.w);
        let reach = |p: usize, n: usize| (0..n).filter(move |&o| (o * s.stride..o * s.stride + s.k).contains(&p));
        reach(y, oh).flat_map(|oy| reach(x, ow).map(move |ox| (c * oh + oy) * ow + ox)).collect()
    };
    let op = Op { n_out: s.out_len(), at: Box::new(at), touches: Box::new(touches) };
    let want = max_pool_backward_naive(s, &f64s(x), &f64s(&dy));
    finite_differences(name, &op, &f64s(x), &f64s(&dy), &want, &samples(x.len(), n_samples, 3));
    let e = max_rel_err(&max_pool_backward(s, x, &dy), &f32s(&want));
    assert!(e < 1e-6, "{name}: fast vs naive {e}");
}

#[test]
fn pool_on_random_problems_and_alexnet_geometries() {
    let mut cases: Vec<(String, PoolSpec)> = vec![
        ("random 0".into(), PoolSpec { c: 2, h: 9, w: 9, k: 3, stride: 2 }),
        ("random 1 (ceil: partial windows)".into(), PoolSpec { c: 3, h: 10, w: 8, k: 3, stride: 2 }),
        ("random 2".into(), PoolSpec { c: 1, h: 6, w: 6, k: 2, stride: 2 }),
    ];
    for (id, shape) in alexnet(spec::Kind::Pool) {
        cases.push((id.into(), spec::layer(id).expect("in the spec").pool_spec(shape)));
    }
    for (i, (name, s)) in cases.iter().enumerate() {
        // Random values are distinct almost surely, so no window's maximum is within h of a tie.
        check_pool(name, s, &rand_vec(20 + i as u64, s.c * s.h * s.w), 60);
    }
}

#[test]
fn pool_ties_go_where_the_forward_puts_them() {
    // A constant plane: every window's first element (row-major) wins, in the forward and in the backward.
    let s = PoolSpec { c: 1, h: 5, w: 5, k: 3, stride: 2 };
    let x = [1.0f32; 25];
    let dx = max_pool_backward(&s, &x, &[1.0, 2.0, 3.0, 4.0]);
    let mut want = [0f32; 25];
    (want[0], want[2], want[10], want[12]) = (1.0, 2.0, 3.0, 4.0);
    assert_eq!(dx, want);
    let naive = max_pool_backward_naive(&s, &[1.0; 25], &[1.0, 2.0, 3.0, 4.0]);
    assert_eq!(f32s(&naive), want);
}

fn check_lrn(name: &str, p: &LrnSpec, c: usize, hw: usize, amp: f32, n_samples: usize) {
    let a: Vec<f32> = rand_vec(c as u64 + hw as u64, c * hw).iter().map(|v| v * amp).collect();
    let dy = rand_vec(5, c * hw);
    let at = |x: &[f64], o: usize| {
        let (ch, i) = (o / hw, o % hw);
        let (lo, hi) = crate::ops::lrn::window(p, ch, c);
        let s = p.k as f64 + p.alpha as f64 / p.size as f64 * (lo..hi).map(|j| x[j * hw + i].powi(2)).sum::<f64>();
        x[o] * s.powf(-p.beta as f64)
    };
    let touches = |i: usize| (0..c).map(|ch| ch * hw + i % hw).collect();
    let op = Op { n_out: c * hw, at: Box::new(at), touches: Box::new(touches) };
    let want = lrn_backward_naive(p, &f64s(&a), &f64s(&dy), c, hw);
    finite_differences(name, &op, &f64s(&a), &f64s(&dy), &want, &samples(a.len(), n_samples, 4));
    let want = f32s(&want);
    crate::ops::testutil::on_one_and_two_threads(|| {
        let e = max_rel_err(&lrn_backward(p, &a, &dy, c, hw), &want);
        assert!(e < 1e-5, "{name}: fast vs naive {e}");
    });
}

#[test]
fn lrn_on_random_problems_and_alexnet_geometries() {
    // Large α makes the cross-channel term as big as the direct one, so a wrong sign or window shows.
    check_lrn("random 0", &LrnSpec { size: 5, alpha: 0.5, beta: 0.75, k: 1.0 }, 9, 4, 2.0, 36);
    check_lrn("random 1", &LrnSpec { size: 3, alpha: 2.0, beta: 0.5, k: 2.0 }, 4, 3, 1.0, 12);
    check_lrn("random 2 (even size)", &LrnSpec { size: 4, alpha: 1.0, beta: 0.75, k: 1.0 }, 7, 2, 1.0, 14);
    for (id, (c, h, w)) in alexnet(spec::Kind::Lrn) {
        let p = spec::layer(id).and_then(|l| l.lrn).expect("LRN layers carry their parameters");
        // Activations in the tens to hundreds, as after relu1/relu2, make α/n·Σa² matter against k = 1.
        check_lrn(id, &p, c, h * w, 200.0, 30);
    }
}

#[test]
fn linear_relu_softmax_on_random_problems_and_alexnet_geometries() {
    let mut fcs: Vec<(String, usize, usize)> = vec![("random".into(), 7, 13)];
    fcs.extend(
        spec::ALEXNET
            .iter()
            .zip(spec::derive())
            .filter(|(l, _)| l.kind == spec::Kind::Fc)
            .map(|(l, i)| (l.id.to_string(), i.out_shape[0], i.in_shape.iter().product())),
    );
    for (name, n_out, n_in) in fcs {
        let (w, x, dy) = (rand_vec(1, n_out * n_in), rand_vec(2, n_in), rand_vec(3, n_out));
        let w64 = f64s(&w);
        let at = |x: &[f64], o: usize| w64[o * n_in..][..n_in].iter().zip(x).map(|(a, b)| a * b).sum::<f64>();
        let op = Op { n_out, at: Box::new(at), touches: Box::new(|_| (0..n_out).collect()) };
        let want = linear_backward_naive(&w64, &f64s(&dy));
        finite_differences(&name, &op, &f64s(&x), &f64s(&dy), &want, &samples(n_in, 4, 5));
        let p = crate::ops::panels::to_panels(&w, n_in);
        let e = max_rel_err(&linear_backward(&p, &dy, None), &f32s(&want));
        assert!(e < 1e-5, "{name}: fast vs naive {e}");
        // A gradient as ReLU leaves it: zero in places, and zero over whole panels.
        let dz: Vec<f32> =
            dy.iter().enumerate().map(|(o, &g)| if o % 5 == 0 || o / 32 == 1 { 0.0 } else { g }).collect();
        let want = linear_backward_naive(&w64, &f64s(&dz));
        let e = max_rel_err(&linear_backward(&p, &dz, None), &f32s(&want));
        assert!(e < 1e-5, "{name}: fast vs naive, sparse gradient {e}");
        // Only where the forward input is not zero (a ReLU's output): the same there, zero elsewhere.
        let relu_x: Vec<f32> = x.iter().map(|v| v.max(0.0)).collect();
        let got = linear_backward(&p, &dz, Some(&relu_x));
        let masked: Vec<f32> = f32s(&want).iter().zip(&relu_x).map(|(&g, &v)| if v != 0.0 { g } else { 0.0 }).collect();
        let e = max_rel_err(&got, &masked);
        assert!(
            e < 1e-5 && got.iter().zip(&relu_x).all(|(&g, &v)| v != 0.0 || g == 0.0),
            "{name}: nonzero inputs only {e}"
        );
        // Int8 rows: the same as f32 on the dequantised matrix.
        let q: Vec<i8> = w.iter().map(|v| (v * 127.0).round() as i8).collect();
        let sc: Vec<f32> = rand_vec(6, n_out).iter().map(|v| (1.5 + v) / 127.0).collect();
        let deq: Vec<f32> = q.iter().enumerate().map(|(i, &v)| v as f32 * sc[i / n_in]).collect();
        let deq = crate::ops::panels::to_panels(&deq, n_in);
        let e = max_rel_err(&linear_backward_i8(&q, &sc, &dy), &linear_backward(&deq, &dy, None));
        assert!(e < 1e-5, "{name} int8: {e}");

        // ReLU on the same vector (and on the conv maps' sizes it sees, which only changes the length).
        let op = Op { n_out: n_in, at: Box::new(|x: &[f64], o| x[o].max(0.0)), touches: Box::new(|i| vec![i]) };
        let dyr = rand_vec(8, n_in);
        let want = relu_backward_naive(&f64s(&x), &f64s(&dyr));
        finite_differences(&format!("relu {name}"), &op, &f64s(&x), &f64s(&dyr), &want, &samples(n_in, 20, 6));
        let mut got = dyr.clone();
        relu_backward(&x, &mut got);
        assert_eq!(got, f32s(&want), "relu {name}");
    }
    // Softmax on fc8's 1000 logits (as spread as a trained net's) and on a small vector.
    for (name, n, amp) in [("prob", 1000, 5.0), ("random softmax", 6, 1.0)] {
        let z: Vec<f32> = rand_vec(9, n).iter().map(|v| v * amp).collect();
        let dp = rand_vec(10, n);
        let at = |z: &[f64], o: usize| {
            let m = z.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
            (z[o] - m).exp() / z.iter().map(|&v| (v - m).exp()).sum::<f64>()
        };
        let op = Op { n_out: n, at: Box::new(at), touches: Box::new(move |_| (0..n).collect()) };
        let want = softmax_backward_naive(&f64s(&z), &f64s(&dp));
        finite_differences(name, &op, &f64s(&z), &f64s(&dp), &want, &samples(n, 8, 7));
        let p = crate::ops::softmax::softmax(&z);
        let e = max_rel_err(&softmax_backward(&p, &dp), &f32s(&want));
        assert!(e < 1e-5, "{name}: fast vs naive {e}");
    }
}
