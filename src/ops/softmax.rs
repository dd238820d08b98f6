//! Softmax over a vector: p_i = e^(z_i − max z) / Σ_j e^(z_j − max z); the outputs sum to 1.

/// Reference in f64.
pub fn softmax_naive(z: &[f32]) -> Vec<f32> {
    let m = z.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v as f64));
    let e: Vec<f64> = z.iter().map(|&v| (v as f64 - m).exp()).collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|v| (v / s) as f32).collect()
}

/// The engine's softmax (f32 exponentials, f64 sum); subtracting the max keeps exp from overflowing.
pub fn softmax(z: &[f32]) -> Vec<f32> {
    let m = z.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
    let e: Vec<f32> = z.iter().map(|&v| (v - m).exp()).collect();
    let s: f64 = e.iter().map(|&v| v as f64).sum();
    let inv = (1.0 / s) as f32;
    e.iter().map(|v| v * inv).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::testutil::rand_vec;
    use crate::tensor::max_rel_err;

    #[test]
    fn matches_naive_and_sums_to_one() {
        let z: Vec<f32> = rand_vec(7, 1000).iter().map(|v| v * 30.0).collect();
        let p = softmax(&z);
        assert!(max_rel_err(&p, &softmax_naive(&z)) < 1e-5);
        let s: f64 = p.iter().map(|&v| v as f64).sum();
        assert!((s - 1.0).abs() < 1e-5, "sum {s}");
    }

    #[test]
    fn large_logits_do_not_overflow() {
        let p = softmax(&[1000.0, 999.0, -1000.0]);
        assert!(p.iter().all(|v| v.is_finite()));
        assert!((p[0] - 0.731_058_6).abs() < 1e-6);
    }
}
