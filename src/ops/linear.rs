//! Fully connected layer y = W·x + b, with `W [n_out, n_in]` row-major (ONNX Gemm with transB = 1).

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

/// Fast path: the matrix is streamed once, row by row; x (≤ 36 KB) stays in cache.
pub fn linear(w: &[f32], b: &[f32], x: &[f32]) -> Vec<f32> {
    let n_in = x.len();
    assert_eq!(w.len(), b.len() * n_in);
    w.chunks_exact(n_in).zip(b).map(|(row, &bias)| bias + dot(row, x)).collect()
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
