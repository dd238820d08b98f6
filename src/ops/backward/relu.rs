//! ReLU's backward: the gradient passes where the input was positive and stops elsewhere (0 at exactly 0, the
//! side the forward's `max(x, 0)` takes).

/// Reference in f64: `dx = dy · [x > 0]`.
pub fn relu_backward_naive(x: &[f64], dy: &[f64]) -> Vec<f64> {
    x.iter().zip(dy).map(|(&v, &g)| if v > 0.0 { g } else { 0.0 }).collect()
}

/// In place on `dy`. `y` may be the ReLU's input or its output: both are positive at the same places.
pub fn relu_backward(y: &[f32], dy: &mut [f32]) {
    assert_eq!(y.len(), dy.len(), "relu backward: lengths");
    for (g, &v) in dy.iter_mut().zip(y) {
        if v <= 0.0 {
            *g = 0.0;
        }
    }
}
