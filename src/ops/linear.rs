//! Fully connected layer y = W·x + b, with `W [n_out, n_in]` row-major (ONNX Gemm with transB = 1).

use crate::par;

/// Reference: one f64 dot product per output.
pub fn linear_naive(w: &[f32], b: &[f32], x: &[f32]) -> Vec<f32> {
    let n_in = x.len();
    assert_eq!(w.len(), b.len() * n_in);
    (0..b.len())
        .map(|o| (b[o] as f64 + w[o * n_in..][..n_in].iter().zip(x).map(|(&a, &v)| a as f64 * v as f64).sum::<f64>()) as f32)
        .collect()
}

/// Dot product with 8 independent accumulators, which the compiler maps onto SIMD lanes.
fn dot(a: &[f32], x: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let chunks = a.len() / 8 * 8;
    for (ca, cx) in a[..chunks].chunks_exact(8).zip(x[..chunks].chunks_exact(8)) {
        for i in 0..8 {
            acc[i] += ca[i] * cx[i];
        }
    }
    let tail: f32 = a[chunks..].iter().zip(&x[chunks..]).map(|(p, q)| p * q).sum();
    acc.iter().sum::<f32>() + tail
}

fn rows_into(w: &[f32], b: &[f32], x: &[f32], out: &mut [f32]) {
    for ((o, row), &bias) in out.iter_mut().zip(w.chunks_exact(x.len())).zip(b) {
        *o = bias + dot(row, x);
    }
}

/// Fast path: the matrix is streamed once, row by row (x, at most 36 KB, stays in cache); the two halves of
/// the rows go to the two threads when there are two, like the two GPUs' halves of fc6 and fc7.
pub fn linear(w: &[f32], b: &[f32], x: &[f32]) -> Vec<f32> {
    let n_in = x.len();
    assert_eq!(w.len(), b.len() * n_in);
    let mut out = vec![0f32; b.len()];
    let half = b.len() / 2;
    let (o0, o1) = out.split_at_mut(half);
    let (w0, w1) = w.split_at(half * n_in);
    let (b0, b1) = b.split_at(half);
    par::join(|| rows_into(w0, b0, x, o0), || rows_into(w1, b1, x, o1));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::testutil::{max_rel_err, rand_vec};

    #[test]
    fn fast_matches_naive() {
        for (n_out, n_in) in [(5, 3), (17, 100), (64, 1031)] {
            let w = rand_vec(1, n_out * n_in);
            let b = rand_vec(2, n_out);
            let x = rand_vec(3, n_in);
            let e = max_rel_err(&linear(&w, &b, &x), &linear_naive(&w, &b, &x));
            assert!(e < 1e-5, "{n_out}x{n_in}: {e}");
        }
    }
}
