//! Convolution's backward with respect to its input, for any stride, padding and groups.
//!
//! Per group g: `dcols_g [c_in/G·k·k, out_h·out_w] = W_gᵀ [c_in/G·k·k, c_out/G] · dy_g [c_out/G, out_h·out_w]`, then
//! col2im adds every column back onto the input pixels its window read (the transpose of the forward's im2col).
//! A 3×3 stride-1 layer (conv3–5) is instead the forward convolution of dy with its kernels flipped and their input
//! and output channels swapped, padded by 2 − p, which the forward's Winograd F(4×4, 3×3) computes.

use crate::ops::conv::{conv2d_winograd, ConvSpec, WinogradWeights};
use crate::ops::gemm;
use crate::par;

/// Reference in f64: every output's gradient spread over its window, weight by weight.
pub fn conv2d_backward_naive(s: &ConvSpec, weight: &[f64], dy: &[f64]) -> Vec<f64> {
    assert!(s.is_valid() && weight.len() == s.weight_len() && dy.len() == s.out_len());
    let (oh, ow) = (s.out_h(), s.out_w());
    let mut dx = vec![0f64; s.c_in * s.h * s.w];
    for oc in 0..s.c_out {
        let g = oc / s.c_out_group();
        for oy in 0..oh {
            for ox in 0..ow {
                let d = dy[(oc * oh + oy) * ow + ox];
                for ic in 0..s.c_in_group() {
                    let c = g * s.c_in_group() + ic;
                    for ky in 0..s.k {
                        for kx in 0..s.k {
                            let iy = (oy * s.stride + ky) as isize - s.pad as isize;
                            let ix = (ox * s.stride + kx) as isize - s.pad as isize;
                            if iy < 0 || ix < 0 || iy >= s.h as isize || ix >= s.w as isize {
                                continue;
                            }
                            let wv = weight[((oc * s.c_in_group() + ic) * s.k + ky) * s.k + kx];
                            dx[(c * s.h + iy as usize) * s.w + ix as usize] += d * wv;
                        }
                    }
                }
            }
        }
    }
    dx
}

/// `c [m, n] = A [m, kd] · B [kd, n]`, where A is given as the columns `[c0, c0 + m)` of a row-major
/// `[kd, lda]` matrix (a slice of `W_g` read transposed) and B is row-major.
#[rustfmt::skip]
fn gemm_at(w: &[f32], lda: usize, c0: usize, m: usize, b: &[f32], kd: usize, n: usize) -> Vec<f32> {
    let mut c = vec![0f32; m * n];
    assert!(w.len() >= kd * lda && c0 + m <= lda && b.len() == kd * n);
    if cfg!(target_arch = "wasm32") {
        // Our packed SIMD128 kernel wants A row-major: the slice is transposed once (a few hundred KB at most).
        let mut at = vec![0f32; m * kd];
        for r in 0..kd {
            for (i, &v) in w[r * lda + c0..][..m].iter().enumerate() {
                at[i * kd + r] = v;
            }
        }
        gemm::gemm_packed(&gemm::pack_a(&at, m, kd), &gemm::pack_b(b, kd, n), &mut c, m, kd, n);
    } else {
        // SAFETY: A is read at w[c0 + i + r·lda] for i < m, r < kd, inside w by the assert; B [kd, n] and
        // C [m, n] are row-major with the lengths asserted or allocated above.
        unsafe {
            matrixmultiply::sgemm(
                m, kd, n, 1.0,
                w.as_ptr().add(c0), 1, lda as isize,
                b.as_ptr(), n as isize, 1,
                0.0,
                c.as_mut_ptr(), n as isize, 1,
            );
        }
    }
    c
}

/// Adds `dcols` (rows `(ic, ky, kx)` for input channels `ic0..` of one group, `out_h·out_w` columns) into the
/// planes `dx [channels, h, w]` of those channels.
fn col2im(s: &ConvSpec, dcols: &[f32], dx: &mut [f32]) {
    let (oh, ow, kk) = (s.out_h(), s.out_w(), s.k * s.k);
    let n = oh * ow;
    for (ic, plane) in dx.chunks_exact_mut(s.h * s.w).enumerate() {
        for ky in 0..s.k {
            for kx in 0..s.k {
                let row = &dcols[(ic * kk + ky * s.k + kx) * n..][..n];
                for oy in 0..oh {
                    let iy = (oy * s.stride + ky) as isize - s.pad as isize;
                    if iy < 0 || iy >= s.h as isize {
                        continue;
                    }
                    let dst = &mut plane[iy as usize * s.w..][..s.w];
                    for (ox, &v) in row[oy * ow..][..ow].iter().enumerate() {
                        let ix = (ox * s.stride + kx) as isize - s.pad as isize;
                        if ix >= 0 && ix < s.w as isize {
                            dst[ix as usize] += v;
                        }
                    }
                }
            }
        }
    }
}

/// Input channels `[ic0, ic1)` of group `g` into `dx` (their planes).
fn channels(s: &ConvSpec, weight: &[f32], dy: &[f32], g: usize, ic: std::ops::Range<usize>, dx: &mut [f32]) {
    if ic.is_empty() {
        return;
    }
    let (kl, cog, kk, n) = (s.kernel_len(), s.c_out_group(), s.k * s.k, s.out_h() * s.out_w());
    let wg = &weight[g * cog * kl..][..cog * kl];
    let dyg = &dy[g * cog * n..][..cog * n];
    let dcols = gemm_at(wg, kl, ic.start * kk, ic.len() * kk, dyg, cog, n);
    col2im(s, &dcols, dx);
}

/// The transposed convolution of a 3×3 stride-1 layer as a forward one: `[c_out, out_h, out_w]` in,
/// `[c_in, h, w]` out, padding 2 − p; and its kernels, `w'[c][o][2 − ky][2 − kx] = w[o][c][ky][kx]` per group.
fn transposed(s: &ConvSpec, weight: &[f32]) -> (ConvSpec, Vec<f32>) {
    let t = ConvSpec {
        c_in: s.c_out,
        h: s.out_h(),
        w: s.out_w(),
        c_out: s.c_in,
        k: 3,
        stride: 1,
        pad: 2 - s.pad,
        groups: s.groups,
    };
    let (cig, cog) = (s.c_in_group(), s.c_out_group());
    let mut w = vec![0f32; weight.len()];
    for g in 0..s.groups {
        for o in 0..cog {
            for c in 0..cig {
                let src = &weight[((g * cog + o) * cig + c) * 9..][..9];
                let dst = &mut w[((g * cig + c) * cog + o) * 9..][..9];
                for (i, &v) in src.iter().enumerate() {
                    dst[8 - i] = v;
                }
            }
        }
    }
    (t, w)
}

/// Whether [`conv2d_backward_winograd`] computes this layer's backward: 3×3 kernels, stride 1, padding ≤ 2.
pub fn winograd_applies(s: &ConvSpec) -> bool {
    s.k == 3 && s.stride == 1 && s.pad <= 2 && s.is_valid() && s.out_h() > 0 && s.out_w() > 0
}

/// A 3×3 stride-1 layer's backward as a forward convolution: its transposed geometry and kernels, transformed for
/// Winograd. Worth keeping: making it costs about twice the backward itself (the model keeps one per layer, made on
/// first use: `Model::backward_winograd`).
#[derive(Clone, Debug)]
pub struct BackwardWinograd {
    t: ConvSpec,
    u: WinogradWeights,
}

impl BackwardWinograd {
    /// `None` unless [`winograd_applies`] to `s` and `weight` is its kernels.
    pub fn new(s: &ConvSpec, weight: &[f32]) -> Option<BackwardWinograd> {
        if !winograd_applies(s) || weight.len() != s.weight_len() {
            return None;
        }
        let (t, w) = transposed(s, weight);
        let u = WinogradWeights::new(&t, &w);
        Some(BackwardWinograd { t, u })
    }

    /// ∂L/∂input from `dy` (the layer's output gradient).
    pub fn run(&self, dy: &[f32]) -> Vec<f32> {
        assert_eq!(dy.len(), self.t.c_in * self.t.h * self.t.w, "conv backward: {:?}", self.t);
        conv2d_winograd(&self.t, dy, &self.u, &vec![0f32; self.t.c_out])
    }
}

/// The backward of a 3×3 stride-1 layer as Winograd on the transposed convolution, its kernels transformed for this
/// call (see [`BackwardWinograd`] to keep them).
pub fn conv2d_backward_winograd(s: &ConvSpec, weight: &[f32], dy: &[f32]) -> Vec<f32> {
    assert!(winograd_applies(s) && weight.len() == s.weight_len() && dy.len() == s.out_len(), "conv backward: {s:?}");
    BackwardWinograd::new(s, weight).expect("checked above").run(dy)
}

/// Fast path. A 3×3 stride-1 layer on wasm: Winograd on the transposed convolution (the forward's arithmetic, threads
/// included). Any other, and every layer natively: GEMM + col2im, two groups one per thread as the forward's towers, an ungrouped layer's
/// input channels split in two so each thread writes its own planes.
pub fn conv2d_backward(s: &ConvSpec, weight: &[f32], dy: &[f32]) -> Vec<f32> {
    conv2d_backward_with(s, weight, dy, &std::sync::OnceLock::new())
}

/// [`conv2d_backward`] with a place to keep the layer's [`BackwardWinograd`] (made there on first use, on wasm).
pub fn conv2d_backward_with(
    s: &ConvSpec,
    weight: &[f32],
    dy: &[f32],
    kept: &std::sync::OnceLock<Option<BackwardWinograd>>,
) -> Vec<f32> {
    assert!(s.is_valid() && weight.len() == s.weight_len() && dy.len() == s.out_len(), "conv backward: {s:?}");
    // On wasm only, as in the forward: natively matrixmultiply's AVX2/FMA GEMM beats the portable Winograd kernel.
    // The native tests still check this path (`conv2d_backward_winograd`).
    if cfg!(target_arch = "wasm32") && winograd_applies(s) {
        if let Some(b) = kept.get_or_init(|| BackwardWinograd::new(s, weight)) {
            return b.run(dy);
        }
    }
    let (cig, plane) = (s.c_in_group(), s.h * s.w);
    let mut dx = vec![0f32; s.c_in * plane];
    if s.groups == 2 {
        let (d0, d1) = dx.split_at_mut(cig * plane);
        par::join(|| channels(s, weight, dy, 0, 0..cig, d0), || channels(s, weight, dy, 1, 0..cig, d1));
    } else if s.groups == 1 {
        let mid = cig / 2;
        let (d0, d1) = dx.split_at_mut(mid * plane);
        par::join(|| channels(s, weight, dy, 0, 0..mid, d0), || channels(s, weight, dy, 0, mid..cig, d1));
    } else {
        for (g, d) in dx.chunks_mut(cig * plane).enumerate() {
            channels(s, weight, dy, g, 0..cig, d);
        }
    }
    dx
}
