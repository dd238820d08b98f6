//! The native fast path: im2col, then matrixmultiply's blocked AVX2/FMA GEMM per group.

use super::im2col::im2col;
use super::{bias_rows, check, ConvSpec};
use crate::par;

/// `c [rows, n] += a [rows, kl] @ b [kl, n]`, all row-major: one call into the blocked SIMD GEMM.
// The call's arguments are kept one matrix a line (pointer, row stride, column stride), as sgemm documents them.
#[rustfmt::skip]
fn gemm_acc(a: &[f32], b: &[f32], c: &mut [f32], kl: usize, n: usize) {
    let rows = c.len() / n;
    assert!(a.len() == rows * kl && b.len() == kl * n && c.len() == rows * n);
    // SAFETY: the assert above pins every extent; sgemm reads a [rows, kl], b [kl, n] and writes c [rows, n]
    // with the row strides given and unit column strides, all within the slices.
    unsafe {
        matrixmultiply::sgemm(
            rows, kl, n, 1.0,
            a.as_ptr(), kl as isize, 1,
            b.as_ptr(), n as isize, 1,
            1.0,
            c.as_mut_ptr(), n as isize, 1,
        );
    }
}

/// One group: im2col, then its output rows `c [c_out/G, n]` (already holding the bias) += W_g @ cols.
fn conv_group(s: &ConvSpec, input: &[f32], weight: &[f32], g: usize, c: &mut [f32]) {
    let (n, kl, cog) = (s.out_h() * s.out_w(), s.kernel_len(), s.c_out_group());
    let mut cols = vec![0f32; kl * n];
    im2col(s, input, g, &mut cols);
    gemm_acc(&weight[g * cog * kl..][..cog * kl], &cols, c, kl, n);
}

/// im2col + matrixmultiply. With two groups the towers run in parallel, as on the two GPUs of 2012; an ungrouped
/// layer shares one im2col and splits its output rows in two.
pub fn conv2d_blas(s: &ConvSpec, input: &[f32], weight: &[f32], bias: &[f32]) -> Vec<f32> {
    check(s, input, weight, bias);
    let n = s.out_h() * s.out_w();
    let kl = s.kernel_len();
    let cog = s.c_out_group();
    let mut out = bias_rows(bias, n);
    if s.groups == 2 {
        let (c0, c1) = out.split_at_mut(cog * n);
        par::join(|| conv_group(s, input, weight, 0, c0), || conv_group(s, input, weight, 1, c1));
    } else if s.groups == 1 && par::threads() > 1 && s.c_out >= 2 {
        let mut cols = vec![0f32; kl * n];
        im2col(s, input, 0, &mut cols);
        let half = s.c_out / 2;
        let (c0, c1) = out.split_at_mut(half * n);
        let (w0, w1) = weight.split_at(half * kl);
        par::join(|| gemm_acc(w0, &cols, c0, kl, n), || gemm_acc(w1, &cols, c1, kl, n));
    } else {
        for (g, c) in out.chunks_mut(cog * n).enumerate() {
            conv_group(s, input, weight, g, c);
        }
    }
    out
}
