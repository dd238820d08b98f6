//! Softmax's backward: `dz_i = p_i (dp_i − Σ_j p_j dp_j)`, from the probabilities the forward produced.

/// Reference in f64, from the logits: the full Jacobian `∂p_i/∂z_j = p_i (δ_ij − p_j)` applied to `dp`.
pub fn softmax_backward_naive(z: &[f64], dp: &[f64]) -> Vec<f64> {
    let m = z.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
    let e: Vec<f64> = z.iter().map(|&v| (v - m).exp()).collect();
    let s: f64 = e.iter().sum();
    let p: Vec<f64> = e.iter().map(|v| v / s).collect();
    (0..z.len()).map(|j| (0..z.len()).map(|i| dp[i] * p[i] * (if i == j { 1.0 } else { 0.0 } - p[j])).sum()).collect()
}

/// Fast path from the forward's probabilities `p`: one dot product and one pass.
pub fn softmax_backward(p: &[f32], dp: &[f32]) -> Vec<f32> {
    assert_eq!(p.len(), dp.len(), "softmax backward: lengths");
    let dot: f64 = p.iter().zip(dp).map(|(&a, &b)| a as f64 * b as f64).sum();
    p.iter().zip(dp).map(|(&a, &b)| a * (b - dot as f32)).collect()
}
