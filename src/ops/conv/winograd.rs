//! Winograd F(2×2, 3×3) for the 3×3 stride-1 layers (conv3–5): 16 multiplies per 2×2 outputs and channel pair, not 36.
//!
//! Per group, with `t` 2×2 output tiles and 4×4 input tiles `d` overlapping by 2 (Lavin & Gray, 2015):
//! `U = G g Gᵀ` for each kernel (made once, [`WinogradWeights`]), `V = Bᵀ d B` for each input tile and channel,
//! then for each of the 16 positions ξ one matrix product `M_ξ [c_out/G, t] = U_ξ [c_out/G, c_in/G] · V_ξ
//! [c_in/G, t]`, and each tile's outputs `Y = Aᵀ M A` (2×2) plus the bias. The 16 products run on the packed
//! GEMM ([`gemm`]), split between the threads. Multiplies fall by 36/16 = 2.25× before the tile padding (13×13
//! outputs make 7×7 tiles) and the panels' rounding to NR columns; the transforms are additions.

use super::ConvSpec;
use crate::ops::gemm::{self, NR};
use crate::par;

/// Whether [`conv2d_winograd`] computes this layer: 3×3 kernels at stride 1 (any padding, any groups).
pub(crate) fn applies(s: &ConvSpec) -> bool {
    s.k == 3 && s.stride == 1 && s.is_valid()
}

/// A layer's kernels transformed once (`U = G g Gᵀ`), packed per group and position ξ for the GEMM.
#[derive(Clone, Debug, PartialEq)]
pub struct WinogradWeights {
    /// `[groups][16]` packed `[c_out/G, c_in/G]` matrices, each [`gemm::packed_a_len`] long.
    u: Vec<f32>,
}

/// `G g Gᵀ` for one 3×3 kernel `g` (row-major): a 4×4 matrix, row-major.
fn kernel_transform(g: &[f32]) -> [f32; 16] {
    // G = [[1, 0, 0], [½, ½, ½], [½, −½, ½], [0, 0, 1]]; first G·g (4×3), then (G·g)·Gᵀ (4×4).
    let mut gg = [0f32; 12];
    for c in 0..3 {
        let (a, b, d) = (g[c], g[3 + c], g[6 + c]);
        gg[c] = a;
        gg[3 + c] = 0.5 * (a + b + d);
        gg[6 + c] = 0.5 * (a - b + d);
        gg[9 + c] = d;
    }
    let mut u = [0f32; 16];
    for r in 0..4 {
        let (a, b, d) = (gg[3 * r], gg[3 * r + 1], gg[3 * r + 2]);
        u[4 * r] = a;
        u[4 * r + 1] = 0.5 * (a + b + d);
        u[4 * r + 2] = 0.5 * (a - b + d);
        u[4 * r + 3] = d;
    }
    u
}

impl WinogradWeights {
    /// The transformed kernels of `weight` (`[c_out, c_in/G, 3, 3]`) for spec `s` ([`applies`] must hold).
    pub fn new(s: &ConvSpec, weight: &[f32]) -> WinogradWeights {
        assert!(applies(s) && weight.len() == s.weight_len(), "winograd: {s:?} with {} weights", weight.len());
        let (cog, cig) = (s.c_out_group(), s.c_in_group());
        let mut u = Vec::with_capacity(s.groups * 16 * gemm::packed_a_len(cog, cig));
        for g in 0..s.groups {
            // Row-major [16][cog][cig] for this group, then each ξ's matrix packed.
            let mut plain = vec![0f32; 16 * cog * cig];
            for oc in 0..cog {
                for ic in 0..cig {
                    let k = &weight[((g * cog + oc) * cig + ic) * 9..][..9];
                    for (xi, v) in kernel_transform(k).into_iter().enumerate() {
                        plain[(xi * cog + oc) * cig + ic] = v;
                    }
                }
            }
            for m in plain.chunks_exact(cog * cig) {
                u.extend(gemm::pack_a(m, cog, cig));
            }
        }
        WinogradWeights { u }
    }

    fn u(&self, s: &ConvSpec, g: usize, xi: usize) -> &[f32] {
        let len = gemm::packed_a_len(s.c_out_group(), s.c_in_group());
        &self.u[(g * 16 + xi) * len..][..len]
    }
}

/// Tiles per side: ⌈out / 2⌉.
fn tiles(s: &ConvSpec) -> (usize, usize) {
    (s.out_h().div_ceil(2), s.out_w().div_ceil(2))
}

/// `V = Bᵀ d B` of the 4×4 input tiles in panels `panels` (NR tiles each) of group `g`, every channel: `v[ξ]`
/// holds those panels of position ξ's packed B matrix (`[panel][c_in/G][NR]`, tile index = column). Taps outside
/// the image read 0 (the padding); tiles past the last are left 0.
fn input_transform(s: &ConvSpec, input: &[f32], g: usize, panels: std::ops::Range<usize>, v: &mut [&mut [f32]]) {
    let (ty, tx) = tiles(s);
    let t = ty * tx;
    let cig = s.c_in_group();
    let (h, w, pad) = (s.h as isize, s.w as isize, s.pad as isize);
    let p0 = panels.start;
    for tile in panels.start * NR..(panels.end * NR).min(t) {
        let (y0, x0) = (2 * (tile / tx) as isize - pad, 2 * (tile % tx) as isize - pad);
        let at = (tile / NR - p0) * cig * NR + tile % NR;
        for ic in 0..cig {
            let plane = &input[(g * cig + ic) * s.h * s.w..][..s.h * s.w];
            let mut d = [0f32; 16];
            for r in 0..4 {
                let y = y0 + r as isize;
                if y < 0 || y >= h {
                    continue;
                }
                for c in 0..4 {
                    let x = x0 + c as isize;
                    if x >= 0 && x < w {
                        d[4 * r + c] = plane[(y * w + x) as usize];
                    }
                }
            }
            // Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0], [0, −1, 1, 0], [0, 1, 0, −1]]: rows first, then columns.
            let mut bd = [0f32; 16];
            for c in 0..4 {
                let (a, b, e, f) = (d[c], d[4 + c], d[8 + c], d[12 + c]);
                bd[c] = a - e;
                bd[4 + c] = b + e;
                bd[8 + c] = e - b;
                bd[12 + c] = b - f;
            }
            for r in 0..4 {
                let (a, b, e, f) = (bd[4 * r], bd[4 * r + 1], bd[4 * r + 2], bd[4 * r + 3]);
                for (c, val) in [a - e, b + e, e - b, b - f].into_iter().enumerate() {
                    v[4 * r + c][at + ic * NR] = val;
                }
            }
        }
    }
}

/// `Y = Aᵀ M A` for output channels `ocs` of group `g` (M as `[16][c_out/G][t]`), plus the bias, into `out`
/// (`[c_out/G][out_h][out_w]` of this group, starting at channel `ocs.start`).
fn output_transform(s: &ConvSpec, m: &[f32], bias: &[f32], ocs: std::ops::Range<usize>, out: &mut [f32]) {
    let (ty, tx) = tiles(s);
    let t = ty * tx;
    let (oh, ow) = (s.out_h(), s.out_w());
    let cog = s.c_out_group();
    let first = ocs.start;
    for oc in ocs {
        let plane = &mut out[(oc - first) * oh * ow..][..oh * ow];
        for tile in 0..t {
            let mut q = [0f32; 16];
            for (xi, v) in q.iter_mut().enumerate() {
                *v = m[(xi * cog + oc) * t + tile];
            }
            // Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]].
            let mut am = [0f32; 8];
            for c in 0..4 {
                am[c] = q[c] + q[4 + c] + q[8 + c];
                am[4 + c] = q[4 + c] - q[8 + c] - q[12 + c];
            }
            let (oy, ox) = (2 * (tile / tx), 2 * (tile % tx));
            for r in 0..2 {
                let row = &am[4 * r..][..4];
                let y = [row[0] + row[1] + row[2], row[1] - row[2] - row[3]];
                for (c, val) in y.into_iter().enumerate() {
                    if oy + r < oh && ox + c < ow {
                        plane[(oy + r) * ow + ox + c] = val + bias[oc];
                    }
                }
            }
        }
    }
}

/// The convolution of `input` (`[c_in, h, w]`) by the kernels `u` was made from, plus `bias`: `[c_out, out_h,
/// out_w]`, equal to the direct convolution up to rounding.
pub fn conv2d_winograd(s: &ConvSpec, input: &[f32], u: &WinogradWeights, bias: &[f32]) -> Vec<f32> {
    assert!(applies(s) && input.len() == s.c_in * s.h * s.w && bias.len() == s.c_out, "winograd: {s:?}");
    let (ty, tx) = tiles(s);
    let t = ty * tx;
    let (cog, cig) = (s.c_out_group(), s.c_in_group());
    let per_v = gemm::packed_b_len(cig, t);
    let per_m = cog * t;
    let plane = s.out_h() * s.out_w();
    let mut out = vec![0f32; s.out_len()];
    let mut v = vec![0f32; 16 * per_v];
    let mut m = vec![0f32; 16 * per_m];
    for g in 0..s.groups {
        // Each phase splits its independent work between the threads: tile panels, then positions ξ, then
        // output channels.
        {
            let panels = t.div_ceil(NR);
            let mid = panels / 2;
            let (mut first, mut second): (Vec<&mut [f32]>, Vec<&mut [f32]>) =
                v.chunks_exact_mut(per_v).map(|c| c.split_at_mut(mid * cig * NR)).unzip();
            par::join(
                || input_transform(s, input, g, 0..mid, &mut first),
                || input_transform(s, input, g, mid..panels, &mut second),
            );
        }
        m.fill(0.0);
        {
            let (m0, m1) = m.split_at_mut(8 * per_m);
            let gemms = |xis: std::ops::Range<usize>, mm: &mut [f32]| {
                for (xi, c) in xis.zip(mm.chunks_exact_mut(per_m)) {
                    gemm::gemm_packed(u.u(s, g, xi), &v[xi * per_v..][..per_v], c, cog, cig, t);
                }
            };
            par::join(|| gemms(0..8, m0), || gemms(8..16, m1));
        }
        let group_out = &mut out[g * cog * plane..][..cog * plane];
        let (o0, o1) = group_out.split_at_mut(cog / 2 * plane);
        let gb = &bias[g * cog..][..cog];
        par::join(|| output_transform(s, &m, gb, 0..cog / 2, o0), || output_transform(s, &m, gb, cog / 2..cog, o1));
    }
    out
}
