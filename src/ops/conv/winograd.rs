//! Winograd F(m×m, r×r) for the stride-1 layers: F(4×4, 3×3) for conv3–5 (36 multiplies per 4×4 outputs and
//! channel pair, not 144) and F(2×2, 5×5) for conv2 (36 per 2×2, not 100).
//!
//! Per group, with `t` m×m output tiles and a×a input tiles `d` (a = m + r − 1) overlapping by r − 1 (Lavin & Gray,
//! 2015): `U = G g Gᵀ` for each kernel (made once, [`WinogradWeights`]), `V = Bᵀ d B` for each input tile and
//! channel, then for each of the a² positions ξ one matrix product `M_ξ [c_out/G, t] = U_ξ [c_out/G, c_in/G] · V_ξ
//! [c_in/G, t]`, and each tile's outputs `Y = Aᵀ M A` (m×m) plus the bias. The a² products run on the packed GEMM
//! ([`gemm`]), split between the threads. Multiplies fall by r²·m²/a² (4× for F(4, 3), 2.78× for F(2, 5)) before the
//! tile padding (13×13 outputs make 4×4 tiles of 4, 7×7 of 2) and the panels' rounding to NR columns; the
//! transforms cost a few multiply-adds per tile and channel. F(4, 3) rounds more than F(2, 3) did (its transforms
//! scale by up to 8: 0.9–1.1e-5 relative to the naive loop on conv3–5, against 5–7e-7), so the tests hold it to
//! 3e-5, still well inside the 1e-4 every layer meets against onnxruntime. Measured in Chromium on one thread,
//! against F(2, 3): conv3 3.7 → 3.0 ms, conv4 2.9 → 2.8, conv5 2.1 → 2.2 (its 128 output channels per group leave
//! the larger transforms less to save on); 8.7 → 8.0 ms for the three.

use super::ConvSpec;
use crate::ops::gemm::{self, MR, NR};
use crate::par;

/// One algorithm F(M×M, R×R) on A×A input tiles (A = M + R − 1): its matrices Bᵀ (A×A), G (A×R) and Aᵀ (M×A).
/// They are associated constants, so each monomorphised transform multiplies by known numbers: the compiler drops
/// the zero terms and the multiplications by ±1 that Lavin & Gray's hand-written transforms leave out.
trait Algo<const M: usize, const A: usize, const R: usize> {
    const BT: [[f32; A]; A];
    const G: [[f32; R]; A];
    const AT: [[f32; A]; M];
}

/// F(4, 3) on the points 0, 1, −1, 2, −2 and ∞ (Lavin & Gray's matrices): conv3–5.
struct F4x3;
#[rustfmt::skip]
impl Algo<4, 6, 3> for F4x3 {
    const BT: [[f32; 6]; 6] = <F2x5 as Algo<2, 6, 5>>::BT;
    const G: [[f32; 3]; 6] = [
        [1. / 4., 0., 0.],
        [-1. / 6., -1. / 6., -1. / 6.],
        [-1. / 6., 1. / 6., -1. / 6.],
        [1. / 24., 1. / 12., 1. / 6.],
        [1. / 24., -1. / 12., 1. / 6.],
        [0., 0., 1.],
    ];
    const AT: [[f32; 6]; 4] = [
        [1., 1., 1., 1., 1., 0.],
        [0., 1., -1., 2., -2., 0.],
        [0., 1., 1., 4., 4., 0.],
        [0., 1., -1., 8., -8., 1.],
    ];
}

/// F(2, 5) on the points 0, 1, −1, 2, −2 and ∞ (the Toom–Cook construction, checked exactly in rationals): conv2.
struct F2x5;
#[rustfmt::skip]
impl Algo<2, 6, 5> for F2x5 {
    const BT: [[f32; 6]; 6] = [
        [4., 0., -5., 0., 1., 0.],
        [0., -4., -4., 1., 1., 0.],
        [0., 4., -4., -1., 1., 0.],
        [0., -2., -1., 2., 1., 0.],
        [0., 2., -1., -2., 1., 0.],
        [0., 4., 0., -5., 0., 1.],
    ];
    const G: [[f32; 5]; 6] = [
        [1. / 4., 0., 0., 0., 0.],
        [-1. / 6., -1. / 6., -1. / 6., -1. / 6., -1. / 6.],
        [-1. / 6., 1. / 6., -1. / 6., 1. / 6., -1. / 6.],
        [1. / 24., 1. / 12., 1. / 6., 1. / 3., 2. / 3.],
        [1. / 24., -1. / 12., 1. / 6., -1. / 3., 2. / 3.],
        [0., 0., 0., 0., 1.],
    ];
    const AT: [[f32; 6]; 2] = [[1., 1., 1., 1., 1., 0.], [0., 1., -1., 2., -2., 1.]];
}

/// Whether [`conv2d_winograd`] computes this layer: 3×3 or 5×5 kernels at stride 1 (any padding, any groups).
pub(crate) fn applies(s: &ConvSpec) -> bool {
    s.stride == 1 && s.is_valid() && (s.k == 3 || s.k == 5)
}

/// `C · Z · Cᵀ` for a constant C (P×Q) and a Q×Q tile Z: (C·Z) first, then that times Cᵀ. Zero entries of C are
/// skipped; with C an associated constant they vanish at compile time.
#[inline(always)]
fn sandwich<const P: usize, const Q: usize>(c: &[[f32; Q]; P], z: &[[f32; Q]; Q]) -> [[f32; P]; P] {
    let mut cz = [[0f32; Q]; P];
    for i in 0..P {
        for j in 0..Q {
            let mut acc = 0f32;
            for k in 0..Q {
                if c[i][k] != 0.0 {
                    acc += c[i][k] * z[k][j];
                }
            }
            cz[i][j] = acc;
        }
    }
    let mut out = [[0f32; P]; P];
    for i in 0..P {
        for j in 0..P {
            let mut acc = 0f32;
            for k in 0..Q {
                if c[j][k] != 0.0 {
                    acc += cz[i][k] * c[j][k];
                }
            }
            out[i][j] = acc;
        }
    }
    out
}

/// `G g Gᵀ` for one R×R kernel `g` (row-major): A×A.
fn kernel_transform<const M: usize, const A: usize, const R: usize, W: Algo<M, A, R>>(g: &[f32]) -> [[f32; A]; A] {
    let mut gg = [[0f32; R]; A];
    for (i, row) in gg.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = (0..R).map(|k| W::G[i][k] * g[k * R + j]).sum();
        }
    }
    let mut u = [[0f32; A]; A];
    for (i, row) in u.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = (0..R).map(|k| gg[i][k] * W::G[j][k]).sum();
        }
    }
    u
}

/// A layer's kernels transformed once (`U = G g Gᵀ`), packed per group and position ξ for the GEMM.
#[derive(Clone, Debug, PartialEq)]
pub struct WinogradWeights {
    /// `[groups][a²]` packed `[c_out/G, c_in/G]` matrices, each [`gemm::packed_a_len`] long.
    u: Vec<f32>,
}

impl WinogradWeights {
    /// The transformed kernels of `weight` (`[c_out, c_in/G, k, k]`) for spec `s` ([`applies`] must hold).
    pub fn new(s: &ConvSpec, weight: &[f32]) -> WinogradWeights {
        assert!(applies(s) && weight.len() == s.weight_len(), "winograd: {s:?} with {} weights", weight.len());
        if s.k == 3 {
            Self::made::<4, 6, 3, F4x3>(s, weight)
        } else {
            Self::made::<2, 6, 5, F2x5>(s, weight)
        }
    }

    fn made<const M: usize, const A: usize, const R: usize, W: Algo<M, A, R>>(
        s: &ConvSpec,
        weight: &[f32],
    ) -> WinogradWeights {
        let (cog, cig, p) = (s.c_out_group(), s.c_in_group(), A * A);
        let mut u = Vec::with_capacity(s.groups * p * gemm::packed_a_len(cog, cig));
        for g in 0..s.groups {
            // Row-major [A²][cog][cig] for this group, then each ξ's matrix packed.
            let mut plain = vec![0f32; p * cog * cig];
            for oc in 0..cog {
                for ic in 0..cig {
                    let k = &weight[((g * cog + oc) * cig + ic) * R * R..][..R * R];
                    for (xi, v) in kernel_transform::<M, A, R, W>(k).into_iter().flatten().enumerate() {
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
        // The algorithm's A² positions, one packed matrix each per group.
        let positions = self.u.len() / (s.groups * len);
        &self.u[(g * positions + xi) * len..][..len]
    }
}

/// Tiles per side for output tiles of side `m` (the algorithm's M): ⌈out / m⌉.
fn tiles(s: &ConvSpec, m: usize) -> (usize, usize) {
    (s.out_h().div_ceil(m), s.out_w().div_ceil(m))
}

/// `V = Bᵀ d B` of the A×A input tiles in panels `panels` (NR tiles each) of group `g`, every channel: `v[ξ]`
/// holds those panels of position ξ's packed B matrix (`[panel][c_in/G][NR]`, tile index = column). Taps outside
/// the image read 0 (the padding); tiles past the last are left 0.
fn input_transform<const M: usize, const A: usize, const R: usize, W: Algo<M, A, R>>(
    s: &ConvSpec,
    input: &[f32],
    g: usize,
    panels: std::ops::Range<usize>,
    v: &mut [&mut [f32]],
) {
    let (ty, tx) = tiles(s, M);
    let t = ty * tx;
    let cig = s.c_in_group();
    let (h, w, pad) = (s.h as isize, s.w as isize, s.pad as isize);
    let p0 = panels.start;
    for tile in panels.start * NR..(panels.end * NR).min(t) {
        let (y0, x0) = ((M * (tile / tx)) as isize - pad, (M * (tile % tx)) as isize - pad);
        let at = (tile / NR - p0) * cig * NR + tile % NR;
        // Most tiles lie wholly inside the image: their rows are copied as slices, without a test per tap.
        let inside = y0 >= 0 && x0 >= 0 && y0 + A as isize <= h && x0 + A as isize <= w;
        for ic in 0..cig {
            let plane = &input[(g * cig + ic) * s.h * s.w..][..s.h * s.w];
            let mut d = [[0f32; A]; A];
            if inside {
                let (y0, x0) = (y0 as usize, x0 as usize);
                for (r, row) in d.iter_mut().enumerate() {
                    row.copy_from_slice(&plane[(y0 + r) * s.w + x0..][..A]);
                }
            } else {
                for (r, row) in d.iter_mut().enumerate() {
                    let y = y0 + r as isize;
                    if y < 0 || y >= h {
                        continue;
                    }
                    for (c, val) in row.iter_mut().enumerate() {
                        let x = x0 + c as isize;
                        if x >= 0 && x < w {
                            *val = plane[(y * w + x) as usize];
                        }
                    }
                }
            }
            for (xi, val) in sandwich(&W::BT, &d).into_iter().flatten().enumerate() {
                v[xi][at + ic * NR] = val;
            }
        }
    }
}

/// `Y = Aᵀ M A` for output channels `ocs` of group `g` and the `nb` tiles from `tile0` on, plus the bias, into
/// `out` (`[ocs.len()][out_h][out_w]`). `m` holds that block's products as `[A²][ocs.len()][nb]`.
///
/// The transform runs on whole rows of the block (one value per tile), first along Aᵀ's rows, then its columns:
/// reading one tile's A² values instead would stride through `m` by a multiple of 4 KB and thrash the cache.
fn output_transform<const M: usize, const A: usize, const R: usize, W: Algo<M, A, R>>(
    s: &ConvSpec,
    m: &[f32],
    (tile0, nb): (usize, usize),
    bias: &[f32],
    ocs: std::ops::Range<usize>,
    out: &mut [f32],
) {
    let tx = tiles(s, M).1;
    let (oh, ow) = (s.out_h(), s.out_w());
    let rows = ocs.len();
    let first = ocs.start;
    // t = Aᵀ·M per tile ([M][A] rows of nb), then y = t·A ([M][M] rows of nb).
    let mut t = vec![0f32; M * A * nb];
    let mut y = vec![0f32; M * M * nb];
    for oc in ocs {
        t.fill(0.0);
        for r in 0..M {
            for i in 0..A {
                let a = W::AT[r][i];
                if a == 0.0 {
                    continue;
                }
                for k in 0..A {
                    let src = &m[((i * A + k) * rows + oc - first) * nb..][..nb];
                    for (d, &v) in t[(r * A + k) * nb..][..nb].iter_mut().zip(src) {
                        *d += a * v;
                    }
                }
            }
        }
        y.fill(0.0);
        for r in 0..M {
            for c in 0..M {
                let dst = &mut y[(r * M + c) * nb..][..nb];
                for k in 0..A {
                    let a = W::AT[c][k];
                    if a == 0.0 {
                        continue;
                    }
                    for (d, &v) in dst.iter_mut().zip(&t[(r * A + k) * nb..][..nb]) {
                        *d += a * v;
                    }
                }
            }
        }
        let plane = &mut out[(oc - first) * oh * ow..][..oh * ow];
        for j in 0..nb {
            let tile = tile0 + j;
            let (oy, ox) = (M * (tile / tx), M * (tile % tx));
            for r in 0..M {
                for c in 0..M {
                    if oy + r < oh && ox + c < ow {
                        plane[(oy + r) * ow + ox + c] = y[(r * M + c) * nb + j] + bias[oc];
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
    if s.k == 3 {
        winograd::<4, 6, 3, F4x3>(s, input, u, bias)
    } else {
        winograd::<2, 6, 5, F2x5>(s, input, u, bias)
    }
}

fn winograd<const M: usize, const A: usize, const R: usize, W: Algo<M, A, R>>(
    s: &ConvSpec,
    input: &[f32],
    u: &WinogradWeights,
    bias: &[f32],
) -> Vec<f32> {
    let positions = A * A;
    let (ty, tx) = tiles(s, M);
    let t = ty * tx;
    let (cog, cig) = (s.c_out_group(), s.c_in_group());
    let per_v = gemm::packed_b_len(cig, t);
    let plane = s.out_h() * s.out_w();
    let mut out = vec![0f32; s.out_len()];
    let mut v = vec![0f32; positions * per_v];
    let panels = t.div_ceil(NR);
    for g in 0..s.groups {
        // The input transform splits its tile panels between the threads.
        {
            let half = panels / 2;
            let (mut first, mut second): (Vec<&mut [f32]>, Vec<&mut [f32]>) =
                v.chunks_exact_mut(per_v).map(|c| c.split_at_mut(half * cig * NR)).unzip();
            par::join(
                || input_transform::<M, A, R, W>(s, input, g, 0..half, &mut first),
                || input_transform::<M, A, R, W>(s, input, g, half..panels, &mut second),
            );
        }
        // Then the output channels, cut into pieces on packed-row boundaries (so each piece of U is a slice) that
        // the threads share (see par::PIECES), each go through every block of tiles: the block's A² products
        // and at once its output transform, so the products stay in cache (all of them at once would be
        // A²·c_out/G·t values, 3.6 MB for conv2, read back scattered).
        let group_out = &mut out[g * cog * plane..][..cog * plane];
        let gb = &bias[g * cog..][..cog];
        let v = &v;
        let piece = |ocs: std::ops::Range<usize>, o: &mut [f32]| {
            let rows = ocs.len();
            if rows == 0 {
                return;
            }
            // Blocks of ~160 KB of products.
            let block = (160 * 1024 / (positions * rows * NR * 4)).max(1);
            let mut m = vec![0f32; positions * rows * block * NR];
            let a_len = gemm::packed_a_len(rows, cig);
            let a_at = ocs.start / MR * MR * cig;
            for pb in (0..panels).step_by(block) {
                let pe = (pb + block).min(panels);
                let (tile0, nb) = (pb * NR, (pe * NR).min(t) - pb * NR);
                let mb = &mut m[..positions * rows * nb];
                mb.fill(0.0);
                for (xi, c) in mb.chunks_exact_mut(rows * nb).enumerate() {
                    let ap = &u.u(s, g, xi)[a_at..][..a_len];
                    let bp = &v[xi * per_v + pb * cig * NR..][..(pe - pb) * cig * NR];
                    gemm::gemm_packed(ap, bp, c, rows, cig, nb);
                }
                output_transform::<M, A, R, W>(s, mb, (tile0, nb), gb, ocs.clone(), o);
            }
        };
        par::for_pieces(cog, MR, group_out, plane, &piece);
    }
    out
}
