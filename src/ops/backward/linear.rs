//! The fully connected layer's backward: `dx = Wᵀ·dy`, the weight rows summed with the output gradients as
//! weights (rows with a zero gradient, which ReLU makes common, are skipped; with f32 panels, whole panels).

use crate::ops::panels::{self, PANEL};
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

/// Splits the rows in two halves (two threads when there are two; the middle a multiple of `align`), each
/// accumulating its own `dx`, then adds them.
fn split_rows(
    n_out: usize,
    n_in: usize,
    align: usize,
    half: impl Fn(std::ops::Range<usize>, &mut [f32]) + Sync,
) -> Vec<f32> {
    let mid = (n_out / 2).div_ceil(align) * align;
    let mid = mid.min(n_out);
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

/// `dx[j] += Σ_b col[b] · g[b]` for one input's weights `col` in a full panel, in eight lanes the compiler keeps
/// in SIMD registers.
#[inline]
fn panel_dot(col: &[f32; PANEL], g: &[f32; PANEL]) -> f32 {
    let mut acc = [0f32; 8];
    for k in 0..PANEL / 8 {
        for l in 0..8 {
            acc[l] += col[k * 8 + l] * g[k * 8 + l];
        }
    }
    (acc[0] + acc[4]) + (acc[1] + acc[5]) + ((acc[2] + acc[6]) + (acc[3] + acc[7]))
}

/// Fast path for an f32 matrix `[n_out, n_in]` in panels ([`crate::ops::panels`], as the engine holds it): the
/// matrix is streamed once, panel by panel, and a panel whose outputs all have a zero gradient is skipped.
pub fn linear_backward(w: &[f32], dy: &[f32]) -> Vec<f32> {
    let n_in = w.len() / dy.len().max(1);
    assert_eq!(w.len(), dy.len() * n_in, "linear backward: extents");
    split_rows(dy.len(), n_in, PANEL, |r, dx| {
        for (o0, width) in panels::panels(dy.len()).filter(|&(o0, _)| r.contains(&o0)) {
            let g = &dy[o0..][..width];
            if g.iter().all(|&v| v == 0.0) {
                continue;
            }
            let panel = &w[o0 * n_in..][..width * n_in];
            match <&[f32; PANEL]>::try_from(g) {
                Ok(g) => {
                    for (d, col) in dx.iter_mut().zip(panel.chunks_exact(PANEL)) {
                        *d += panel_dot(col.try_into().expect("a panel's column"), g);
                    }
                }
                Err(_) => {
                    for (d, col) in dx.iter_mut().zip(panel.chunks_exact(width)) {
                        *d += col.iter().zip(g).map(|(a, b)| a * b).sum::<f32>();
                    }
                }
            }
        }
    })
}

/// Fast path for int8 rows `q [n_out, n_in]` with per-row scales: `dx = Σ_o (dy_o · scale_o) · q_o`.
pub fn linear_backward_i8(q: &[i8], scale: &[f32], dy: &[f32]) -> Vec<f32> {
    let n_in = q.len() / dy.len().max(1);
    assert!(q.len() == dy.len() * n_in && scale.len() == dy.len(), "linear backward: extents");
    split_rows(dy.len(), n_in, 1, |r, dx| {
        let off = r.start;
        rows_acc(&dy[r], dx, |o, g, dx| {
            let gs = g * scale[off + o];
            for (d, &v) in dx.iter_mut().zip(&q[(off + o) * n_in..][..n_in]) {
                *d += gs * v as f32;
            }
        })
    })
}
