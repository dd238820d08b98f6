//! The wasm fast path: im2col straight into packed panels and our 4×8 SIMD128 GEMM, with the weights packed once.

use super::im2col::im2col_packed;
use super::winograd::{self, WinogradWeights};
use super::{bias_rows, check, ConvSpec};
use crate::ops::gemm::{self, NR};
use crate::par;

/// A conv layer's weights as its fast path wants them, made once per layer and kept by the model, so no pass
/// packs them again. On wasm these are the GEMM's panels ([`pack_weights`]); natively nothing is made, because
/// matrixmultiply packs its own blocks as it goes and reads the weights where they lie (in the loaded file).
#[derive(Clone, Debug, PartialEq)]
pub struct Packed {
    pub(super) spec: ConvSpec,
    pub(super) panels: Vec<f32>,
    /// The kernels transformed for Winograd, for the layers it applies to (then `panels` is empty).
    pub(super) winograd: Option<WinogradWeights>,
}

impl Packed {
    /// The layer's `weight` (`[c_out, c_in/groups, k, k]`) prepared for [`super::conv2d_layer`] with spec `s`.
    pub fn new(s: &ConvSpec, weight: &[f32]) -> Packed {
        assert!(s.is_valid() && weight.len() == s.weight_len(), "conv: {s:?} with {} weights", weight.len());
        if winograd::applies(s) {
            return Packed { spec: *s, panels: Vec::new(), winograd: Some(WinogradWeights::new(s, weight)) };
        }
        let panels = if cfg!(target_arch = "wasm32") { pack_weights(s, weight) } else { Vec::new() };
        Packed { spec: *s, panels, winograd: None }
    }

    /// How [`super::conv2d_layer`] computes this layer: `"winograd"` (F(4×4, 3×3) or F(2×2, 5×5)) or `"im2col"`
    /// (im2col + GEMM).
    pub fn algorithm(&self) -> &'static str {
        if self.winograd.is_some() {
            "winograd"
        } else {
            "im2col"
        }
    }
}

/// Output columns `[j0, j1)` of group `g` into `c [c_out/G, j1 − j0]` (holding the bias): packs that slice
/// of the im2col matrix and runs the packed GEMM. `j0` is a multiple of NR.
fn conv_cols(s: &ConvSpec, input: &[f32], ap: &[f32], g: usize, j0: usize, j1: usize, c: &mut [f32]) {
    let kl = s.kernel_len();
    let (p0, p1) = (j0 / NR, j1.div_ceil(NR));
    let mut bp = vec![0f32; (p1 - p0) * kl * NR];
    im2col_packed(s, input, g, p0..p1, &mut bp);
    gemm::gemm_packed(ap, &bp, c, s.c_out_group(), kl, j1 - j0);
}

/// The weights `[c_out, c_in/groups, k, k]` packed for the GEMM: each group's `[c_out/G, kl]` block by
/// [`gemm::pack_a`], group after group.
pub fn pack_weights(s: &ConvSpec, weight: &[f32]) -> Vec<f32> {
    let (kl, cog) = (s.kernel_len(), s.c_out_group());
    weight.chunks(cog * kl).take(s.groups).flat_map(|w| gemm::pack_a(w, cog, kl)).collect()
}

/// im2col into packed panels + the packed 4×8 GEMM ([`gemm`]). Grouped layers run one tower per thread, as on
/// the two GPUs of 2012; an ungrouped layer cuts its output columns (im2col included) into pieces the threads share.
pub fn conv2d_packed(s: &ConvSpec, input: &[f32], weight: &[f32], bias: &[f32]) -> Vec<f32> {
    check(s, input, weight, bias);
    conv2d_prepacked(s, input, &pack_weights(s, weight), bias)
}

/// [`conv2d_packed`] with the weights already packed by [`pack_weights`] (the model keeps them packed).
pub fn conv2d_prepacked(s: &ConvSpec, input: &[f32], panels: &[f32], bias: &[f32]) -> Vec<f32> {
    let n = s.out_h() * s.out_w();
    let (kl, cog) = (s.kernel_len(), s.c_out_group());
    assert!(s.is_valid() && input.len() == s.c_in * s.h * s.w && bias.len() == s.c_out, "conv: {s:?}");
    let per_group = gemm::packed_a_len(cog, kl);
    assert_eq!(panels.len(), s.groups * per_group, "conv: packed weights length");
    let pack = |g: usize| &panels[g * per_group..][..per_group];
    if s.groups == 1 && par::threads() > 1 && n > NR {
        // Column pieces on panel boundaries (see par::PIECES); each fills its own [c_out, cols] block (bias
        // first), and the output is assembled row by row from the blocks.
        let ap = pack(0);
        let blocks = par::map_pieces(n, NR, &|cols: std::ops::Range<usize>| {
            let mut c = bias_rows(bias, cols.len());
            conv_cols(s, input, ap, 0, cols.start, cols.end, &mut c);
            c
        });
        let mut out = Vec::with_capacity(s.out_len());
        for row in 0..s.c_out {
            for (cols, c) in &blocks {
                out.extend_from_slice(&c[row * cols.len()..][..cols.len()]);
            }
        }
        return out;
    }
    let mut out = bias_rows(bias, n);
    if s.groups == 2 && par::threads() > 1 {
        let (c0, c1) = out.split_at_mut(cog * n);
        par::join(|| conv_cols(s, input, pack(0), 0, 0, n, c0), || conv_cols(s, input, pack(1), 1, 0, n, c1));
    } else {
        for (g, c) in out.chunks_mut(cog * n).enumerate() {
            conv_cols(s, input, pack(g), g, 0, n, c);
        }
    }
    out
}
