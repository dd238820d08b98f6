//! Convolution's backward with respect to its input, for any stride, padding and groups.
//!
//! Per group g: `dcols_g [c_in/G·k·k, out_h·out_w] = W_gᵀ [c_in/G·k·k, c_out/G] · dy_g [c_out/G, out_h·out_w]`, then
//! col2im adds every column back onto the input pixels its window read (the transpose of the forward's im2col).

use crate::ops::conv::ConvSpec;
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

/// Fast path: GEMM + col2im. Two groups run one per thread, as the forward's towers; an ungrouped layer splits
/// its input channels in two, so each thread writes its own planes.
pub fn conv2d_backward(s: &ConvSpec, weight: &[f32], dy: &[f32]) -> Vec<f32> {
    assert!(s.is_valid() && weight.len() == s.weight_len() && dy.len() == s.out_len(), "conv backward: {s:?}");
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
