//! ReLU: max(x, 0) element-wise (the seed: "x>0 则 x=x; x<0 则 x=0").

/// Reference: a new vector with every negative value replaced by 0.
pub fn relu_naive(x: &[f32]) -> Vec<f32> {
    x.iter().map(|&v| if v > 0.0 { v } else { 0.0 }).collect()
}

/// In place; `max` compiles to a vector max on SIMD targets.
pub fn relu_inplace(x: &mut [f32]) {
    for v in x.iter_mut() {
        *v = v.max(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::testutil::rand_vec;

    #[test]
    fn fast_matches_naive() {
        let x = rand_vec(1, 1000);
        let mut y = x.clone();
        relu_inplace(&mut y);
        assert_eq!(y, relu_naive(&x));
        assert!(y.iter().all(|&v| v >= 0.0));
        assert!(x.iter().any(|&v| v < 0.0), "the test data must contain negatives");
    }
}
