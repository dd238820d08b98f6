//! 2-D convolution with stride, zero padding and Caffe's groups, as im2col + GEMM, beside a naive oracle.
//!
//! Per group g: `W_g [c_out/G, c_in/G·k·k] @ cols_g [c_in/G·k·k, out_h·out_w] -> out_g [c_out/G, out_h·out_w]`.
//! One way per file: the textbook loop (`naive.rs`), im2col (`im2col.rs`) into matrixmultiply (`blas.rs`, native)
//! or into our packed GEMM (`packed.rs`, wasm), Winograd F(4×4, 3×3) and F(2×2, 5×5) for the stride-1 layers (`winograd.rs`), and
//! one output taken apart for the explainer (`dot.rs`).

mod blas;
mod dot;
mod im2col;
mod naive;
mod packed;
#[cfg(test)]
mod tests;
mod winograd;

pub use crate::spec::ConvSpec;
pub use blas::conv2d_blas;
pub use dot::{dot_at, ConvDot};
pub use naive::conv2d_naive;
pub use packed::{conv2d_packed, conv2d_prepacked, pack_weights, Packed};
pub use winograd::{conv2d_winograd, WinogradWeights};

/// Panics unless the spec is valid and the slices have its lengths: a caller's bug, never a user's data (the model
/// builds every spec from the spec table and the shapes the previous layer produced).
fn check(s: &ConvSpec, input: &[f32], weight: &[f32], bias: &[f32]) {
    assert!(s.is_valid(), "invalid conv spec {s:?}");
    assert_eq!(input.len(), s.c_in * s.h * s.w, "conv input length");
    assert_eq!(weight.len(), s.weight_len(), "conv weight length");
    assert_eq!(bias.len(), s.c_out, "conv bias length");
}

/// Fast path. On wasm: im2col straight into packed panels + our 4×8 SIMD128 kernel ([`conv2d_packed`]);
/// natively: im2col + matrixmultiply's AVX2/FMA GEMM ([`conv2d_blas`]). Both are tested against the naive loop.
pub fn conv2d(s: &ConvSpec, input: &[f32], weight: &[f32], bias: &[f32]) -> Vec<f32> {
    if cfg!(target_arch = "wasm32") {
        conv2d_packed(s, input, weight, bias)
    } else {
        conv2d_blas(s, input, weight, bias)
    }
}

/// [`conv2d`] for a model's layer, whose `weight` was prepared once as `packed` (by [`Packed::new`], same spec).
/// Layers Winograd applies to (3×3 or 5×5, stride 1: conv2–5) take that path on every target, so the native reference
/// tests check the same arithmetic the page runs.
pub fn conv2d_layer(s: &ConvSpec, input: &[f32], weight: &[f32], packed: &Packed, bias: &[f32]) -> Vec<f32> {
    assert_eq!(packed.spec, *s, "conv: the weights were packed for another geometry");
    if let Some(u) = &packed.winograd {
        check(s, input, weight, bias);
        return conv2d_winograd(s, input, u, bias);
    }
    if cfg!(target_arch = "wasm32") {
        check(s, input, weight, bias);
        conv2d_prepacked(s, input, &packed.panels, bias)
    } else {
        conv2d_blas(s, input, weight, bias)
    }
}

/// [`conv2d_layer`] on another input size than the one `packed` was made for (same channels, kernel, stride and
/// groups; any padding): the same algorithm the layer's pass uses, for recomputing a crop of its input.
pub fn conv2d_crop(s: &ConvSpec, input: &[f32], weight: &[f32], packed: &Packed, bias: &[f32]) -> Vec<f32> {
    let p = &packed.spec;
    assert!(
        (p.c_in, p.c_out, p.k, p.stride, p.groups) == (s.c_in, s.c_out, s.k, s.stride, s.groups),
        "conv: a crop of another layer"
    );
    check(s, input, weight, bias);
    match &packed.winograd {
        Some(u) if winograd::applies(s) => conv2d_winograd(s, input, u, bias),
        _ if cfg!(target_arch = "wasm32") && !packed.panels.is_empty() => {
            conv2d_prepacked(s, input, &packed.panels, bias)
        }
        _ => conv2d(s, input, weight, bias),
    }
}

/// `[c_out, n]` filled with each channel's bias: the GEMMs accumulate onto it (beta = 1).
fn bias_rows(bias: &[f32], n: usize) -> Vec<f32> {
    let mut out = vec![0f32; bias.len() * n];
    for (chunk, &b) in out.chunks_mut(n.max(1)).zip(bias) {
        chunk.fill(b);
    }
    out
}
