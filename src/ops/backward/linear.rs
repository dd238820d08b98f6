//! The fully connected layer's backward: `dx = Wᵀ·dy`, the weight rows summed with the output gradients as
//! weights (rows with a zero gradient, which ReLU makes common, are skipped).

use crate::par;

/// Reference in f64: `dx_i = Σ_o W[o][i] · dy_o`.
pub fn linear_backward_naive(w: &[f64], dy: &[f64]) -> Vec<f64> {
    let n_in = w.len() / dy.len().max(1);
    assert_eq!(w.len(), dy.len() * n_in);
    (0..n_in).map(|i| (0..dy.len()).map(|o| w[o * n_in + i] * dy[o]).sum()).collect()
}

/// `dx += Σ g_o · row_o` over the rows this half holds; `row(o)` adds row o times `g` into `dx`.
fn rows_acc(dy: &[f32], dx: &mut [f32], row: impl Fn(usize, f32, &mut [f32])) {
    for (o, &g) in dy.iter().enumerate() {
        if g != 0.0 {
            row(o, g, dx);
        }
    }
}

/// Splits the rows in two halves (two threads when there are two), each accumulating its own `dx`, then adds them.
fn split_rows(n_out: usize, n_in: usize, half: impl Fn(std::ops::Range<usize>, &mut [f32]) + Sync) -> Vec<f32> {
    let mid = n_out / 2;
    let (mut a, b) = par::join(
        || {
            let mut dx = vec![0f32; n_in];
            half(0..mid, &mut dx);
            dx
        },
        || {
            let mut dx = vec![0f32; n_in];
            half(mid..n_out, &mut dx);
            dx
        },
    );
    for (x, y) in a.iter_mut().zip(&b) {
        *x += y;
    }
    a
}

/// Fast path for f32 rows `w [n_out, n_in]`: the matrix is streamed once, as in the forward.
pub fn linear_backward(w: &[f32], dy: &[f32]) -> Vec<f32> {
    let n_in = w.len() / dy.len().max(1);
    assert_eq!(w.len(), dy.len() * n_in, "linear backward: extents");
    split_rows(dy.len(), n_in, |r, dx| {
        let off = r.start;
        rows_acc(&dy[r], dx, |o, g, dx| {
            for (d, &v) in dx.iter_mut().zip(&w[(off + o) * n_in..][..n_in]) {
                *d += g * v;
            }
        })
    })
}

/// Fast path for int8 rows `q [n_out, n_in]` with per-row scales: `dx = Σ_o (dy_o · scale_o) · q_o`.
pub fn linear_backward_i8(q: &[i8], scale: &[f32], dy: &[f32]) -> Vec<f32> {
    let n_in = q.len() / dy.len().max(1);
    assert!(q.len() == dy.len() * n_in && scale.len() == dy.len(), "linear backward: extents");
    split_rows(dy.len(), n_in, |r, dx| {
        let off = r.start;
        rows_acc(&dy[r], dx, |o, g, dx| {
            let gs = g * scale[off + o];
            for (d, &v) in dx.iter_mut().zip(&q[(off + o) * n_in..][..n_in]) {
                *d += gs * v as f32;
            }
        })
    })
}
