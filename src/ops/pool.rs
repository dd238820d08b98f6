//! Max pooling (Caffe's, overlapping 3×3 stride 2 in AlexNet), returning which input won each window.

use crate::par;
pub use crate::spec::PoolSpec;

/// Max-pooled values `[c, out_h, out_w]` and, per output, the flat input index `c·H·W + y·W + x` of the maximum.
#[derive(Clone, Debug, PartialEq)]
pub struct Pooled {
    pub values: Vec<f32>,
    pub argmax: Vec<u32>,
}

/// Reference: scan every window; ties go to the first maximum in row-major order (as Caffe does).
pub fn max_pool_naive(s: &PoolSpec, input: &[f32]) -> Pooled {
    assert!(s.is_valid() && input.len() == s.c * s.h * s.w);
    let (oh, ow) = (s.out_h(), s.out_w());
    let mut values = Vec::with_capacity(s.out_len());
    let mut argmax = Vec::with_capacity(s.out_len());
    for c in 0..s.c {
        for oy in 0..oh {
            for ox in 0..ow {
                let mut best = f32::NEG_INFINITY;
                let mut at = 0usize;
                for y in oy * s.stride..(oy * s.stride + s.k).min(s.h) {
                    for x in ox * s.stride..(ox * s.stride + s.k).min(s.w) {
                        let i = (c * s.h + y) * s.w + x;
                        if input[i] > best {
                            best = input[i];
                            at = i;
                        }
                    }
                }
                values.push(best);
                argmax.push(at as u32);
            }
        }
    }
    Pooled { values, argmax }
}

/// Fast path: a 1-D max along rows first, then down columns, so each input is read about twice, not k² times.
/// The arg-max travels with the value; ties keep the earlier (row-major first) index like the reference.
/// With two threads each takes half of the channels (planes are independent).
pub fn max_pool(s: &PoolSpec, input: &[f32]) -> Pooled {
    assert!(s.is_valid() && input.len() == s.c * s.h * s.w);
    let plane_out = s.out_h() * s.out_w();
    let mut values = vec![0f32; s.out_len()];
    let mut argmax = vec![0u32; s.out_len()];
    let half = if par::threads() > 1 { s.c / 2 } else { 0 };
    let (v0, v1) = values.split_at_mut(half * plane_out);
    let (a0, a1) = argmax.split_at_mut(half * plane_out);
    par::join(|| pool_planes(s, input, 0, v0, a0), || pool_planes(s, input, half, v1, a1));
    Pooled { values, argmax }
}

/// The pooled values only, for the forward pass (the arg-max is asked for later, and rarely): branch-free
/// maxima down columns, then along rows, the channels cut into pieces the threads share. Equal to `max_pool`'s values.
pub fn max_pool_values(s: &PoolSpec, input: &[f32]) -> Vec<f32> {
    assert!(s.is_valid() && input.len() == s.c * s.h * s.w);
    let plane_out = s.out_h() * s.out_w();
    let mut values = vec![0f32; s.out_len()];
    par::for_pieces(s.c, 1, &mut values, plane_out, &|planes: std::ops::Range<usize>, v: &mut [f32]| {
        values_planes(s, input, planes.start, v)
    });
    values
}

/// `v` if it is greater than `m`, else `m`: the reference's `>` (a NaN never wins, the earlier of equals stays), and
/// a compare and a select, where `f32::max`'s NaN rules cost wasm a dozen instructions (and its vectoriser the loop).
#[inline(always)]
fn greater(m: f32, v: f32) -> f32 {
    if v > m {
        v
    } else {
        m
    }
}

fn values_planes(s: &PoolSpec, input: &[f32], c0: usize, values: &mut [f32]) {
    let (oh, ow) = (s.out_h(), s.out_w());
    // Down the window's rows first: whole input rows against each other, which the compiler vectorises; then
    // along the one row of maxima that leaves, whose windows overlap. (Rows first read every input k/stride times
    // in scalar windows: pool1 took 0.9 ms on one thread in Chromium.)
    let mut col_best = vec![f32::NEG_INFINITY; s.w];
    for (pi, vals) in values.chunks_exact_mut(oh * ow).enumerate() {
        let plane = &input[(c0 + pi) * s.h * s.w..][..s.h * s.w];
        for (oy, out) in vals.chunks_exact_mut(ow).enumerate() {
            let y0 = oy * s.stride;
            col_best.copy_from_slice(&plane[y0 * s.w..][..s.w]);
            for row in plane[(y0 + 1) * s.w..(y0 + s.k).min(s.h) * s.w].chunks_exact(s.w) {
                for (c, &v) in col_best.iter_mut().zip(row) {
                    *c = greater(*c, v);
                }
            }
            for (ox, o) in out.iter_mut().enumerate() {
                let x0 = ox * s.stride;
                *o = col_best[x0..(x0 + s.k).min(s.w)].iter().fold(f32::NEG_INFINITY, |m, &v| greater(m, v));
            }
        }
    }
}

/// Pools the planes `c0..` that `values` and `argmax` (`[planes, out_h, out_w]`) have room for.
fn pool_planes(s: &PoolSpec, input: &[f32], c0: usize, values: &mut [f32], argmax: &mut [u32]) {
    let (oh, ow) = (s.out_h(), s.out_w());
    // Row maxima: for every input row y and output column ox, the best over x in the window.
    let mut row_best = vec![(f32::NEG_INFINITY, 0u32); s.h * ow];
    for (pi, (vals, args)) in values.chunks_exact_mut(oh * ow).zip(argmax.chunks_exact_mut(oh * ow)).enumerate() {
        let plane = (c0 + pi) * s.h * s.w;
        for y in 0..s.h {
            for ox in 0..ow {
                let mut b = (f32::NEG_INFINITY, 0u32);
                for x in ox * s.stride..(ox * s.stride + s.k).min(s.w) {
                    let i = plane + y * s.w + x;
                    if input[i] > b.0 {
                        b = (input[i], i as u32);
                    }
                }
                row_best[y * ow + ox] = b;
            }
        }
        for oy in 0..oh {
            for ox in 0..ow {
                let mut b = (f32::NEG_INFINITY, 0u32);
                for y in oy * s.stride..(oy * s.stride + s.k).min(s.h) {
                    let r = row_best[y * ow + ox];
                    if r.0 > b.0 {
                        b = r;
                    }
                }
                vals[oy * ow + ox] = b.0;
                args[oy * ow + ox] = b.1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::testutil::{on_one_and_two_threads, rand_vec};

    #[test]
    fn alexnet_sizes() {
        let side = |h| PoolSpec { c: 1, h, w: h, k: 3, stride: 2 }.out_h();
        assert_eq!((side(55), side(27), side(13)), (27, 13, 6));
    }

    #[test]
    fn fast_matches_naive() {
        for (i, s) in [
            PoolSpec { c: 3, h: 13, w: 13, k: 3, stride: 2 },
            PoolSpec { c: 2, h: 10, w: 8, k: 3, stride: 2 }, // ceil mode: partial last window
            PoolSpec { c: 1, h: 4, w: 4, k: 2, stride: 2 },  // the seed's 2×2 stride-2 picture
        ]
        .iter()
        .enumerate()
        {
            let x = rand_vec(i as u64, s.c * s.h * s.w);
            on_one_and_two_threads(|| {
                let want = max_pool_naive(s, &x);
                assert_eq!(max_pool(s, &x), want, "case {i}");
                assert_eq!(max_pool_values(s, &x), want.values, "case {i}: values only");
            });
        }
    }

    #[test]
    fn argmax_points_at_the_winner() {
        let s = PoolSpec { c: 2, h: 7, w: 7, k: 3, stride: 2 };
        let x = rand_vec(5, 98);
        let p = max_pool(&s, &x);
        for (v, &a) in p.values.iter().zip(&p.argmax) {
            assert_eq!(*v, x[a as usize]);
        }
        // Ties: a constant plane picks each window's top-left element.
        let p = max_pool(&s, &[1.0; 98]);
        assert_eq!(p.argmax[0..3], [0, 2, 4]);
        assert_eq!(p.argmax[3], 14);
    }
}
