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
#[cfg(not(target_arch = "wasm32"))]
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

/// `dx[j] += Σ_b panel[j][b] · g[b]` for the inputs `js` of one full panel.
#[cfg(not(target_arch = "wasm32"))]
fn panel_back(panel: &[f32], g: &[f32; PANEL], js: &[usize], dx: &mut [f32]) {
    for &j in js {
        dx[j] += panel_dot(panel[j * PANEL..][..PANEL].try_into().expect("a panel's column"), g);
    }
}

/// wasm SIMD128: the panel's 32 gradients stay in eight vector registers; each input's 32 weights are eight
/// multiply-adds into two accumulators and one horizontal sum.
#[cfg(target_arch = "wasm32")]
fn panel_back(panel: &[f32], g: &[f32; PANEL], js: &[usize], dx: &mut [f32]) {
    use crate::ops::gemm::madd;
    use core::arch::wasm32::*;
    // Checked once per panel, not per index: `js` ascends (see linear_backward), so its last is its largest.
    assert!(panel.len() == PANEL * dx.len() && js.last().is_none_or(|&j| j < dx.len()), "linear backward: extents");
    // SAFETY: 4·i + 4 <= PANEL for i < 8, inside `g`.
    let gv: [v128; PANEL / 4] = core::array::from_fn(|i| unsafe { v128_load(g.as_ptr().add(4 * i) as *const v128) });
    for &j in js {
        // SAFETY: j <= the last of `js` < dx.len() (asserted, `js` ascends) and panel.len() == PANEL·dx.len(), so the
        // 32 floats at j·PANEL lie inside the panel.
        let s = unsafe {
            let p = panel.as_ptr().add(j * PANEL);
            let ld = |i: usize| v128_load(p.add(4 * i) as *const v128);
            let mut a0 = f32x4_mul(ld(0), gv[0]);
            let mut a1 = f32x4_mul(ld(1), gv[1]);
            a0 = madd(ld(2), gv[2], a0);
            a1 = madd(ld(3), gv[3], a1);
            a0 = madd(ld(4), gv[4], a0);
            a1 = madd(ld(5), gv[5], a1);
            a0 = madd(ld(6), gv[6], a0);
            a1 = madd(ld(7), gv[7], a1);
            f32x4_add(a0, a1)
        };
        let s = f32x4_add(s, i32x4_shuffle::<2, 3, 0, 1>(s, s));
        let s = f32x4_add(s, i32x4_shuffle::<1, 0, 3, 2>(s, s));
        dx[j] += f32x4_extract_lane::<0>(s);
    }
}

/// Fast path for an f32 matrix `[n_out, n_in]` in panels ([`crate::ops::panels`], as the engine holds it): the
/// matrix is streamed once, panel by panel, and a panel whose outputs all have a zero gradient is skipped. With
/// `only_nonzero` (the layer's forward input), `dx[j]` is computed only where that input is not zero and left 0
/// elsewhere, reading just the weights the forward read: for callers whose next step back is a ReLU (perhaps through
/// a max pool), which zeroes the gradient of those inputs anyway.
pub fn linear_backward(w: &[f32], dy: &[f32], only_nonzero: Option<&[f32]>) -> Vec<f32> {
    let n_in = w.len() / dy.len().max(1);
    assert_eq!(w.len(), dy.len() * n_in, "linear backward: extents");
    // Ascending (panel_back relies on it).
    let js: Vec<usize> = match only_nonzero {
        Some(x) => {
            assert_eq!(x.len(), n_in, "linear backward: the forward input's length");
            (0..n_in).filter(|&j| x[j] != 0.0).collect()
        }
        None => (0..n_in).collect(),
    };
    split_rows(dy.len(), n_in, PANEL, |r, dx| {
        for (o0, width) in panels::panels(dy.len()).filter(|&(o0, _)| r.contains(&o0)) {
            let g = &dy[o0..][..width];
            if g.iter().all(|&v| v == 0.0) {
                continue;
            }
            let panel = &w[o0 * n_in..][..width * n_in];
            match <&[f32; PANEL]>::try_from(g) {
                Ok(g) => panel_back(panel, g, &js, dx),
                Err(_) => {
                    for &j in &js {
                        dx[j] += panel[j * width..][..width].iter().zip(g).map(|(a, b)| a * b).sum::<f32>();
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
