//! Max pooling's backward: each output's gradient goes to the input that won its window, ties resolved exactly
//! as the forward resolves them (the first maximum in row-major order); overlapping windows add up.

use crate::ops::pool::{max_pool, PoolSpec};

/// Reference in f64: scans every window again for its first maximum and adds the output's gradient there.
pub fn max_pool_backward_naive(s: &PoolSpec, x: &[f64], dy: &[f64]) -> Vec<f64> {
    assert!(s.is_valid() && x.len() == s.c * s.h * s.w && dy.len() == s.out_len());
    let (oh, ow) = (s.out_h(), s.out_w());
    let mut dx = vec![0f64; x.len()];
    for c in 0..s.c {
        for oy in 0..oh {
            for ox in 0..ow {
                let (mut best, mut at) = (f64::NEG_INFINITY, 0usize);
                for y in oy * s.stride..(oy * s.stride + s.k).min(s.h) {
                    for xx in ox * s.stride..(ox * s.stride + s.k).min(s.w) {
                        let i = (c * s.h + y) * s.w + xx;
                        if x[i] > best {
                            best = x[i];
                            at = i;
                        }
                    }
                }
                dx[at] += dy[(c * oh + oy) * ow + ox];
            }
        }
    }
    dx
}

/// Fast path: the forward's arg-max ([`max_pool`]), then one scatter-add per output.
pub fn max_pool_backward(s: &PoolSpec, x: &[f32], dy: &[f32]) -> Vec<f32> {
    assert!(dy.len() == s.out_len(), "pool backward: gradient length");
    let argmax = max_pool(s, x).argmax;
    let mut dx = vec![0f32; x.len()];
    for (&a, &g) in argmax.iter().zip(dy) {
        dx[a as usize] += g;
    }
    dx
}
