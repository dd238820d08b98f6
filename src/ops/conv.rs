//! 2-D convolution with stride, zero padding and Caffe's groups, as im2col + GEMM, beside a naive oracle.
//!
//! Per group g: `W_g [c_out/G, c_in/G·k·k] @ cols_g [c_in/G·k·k, out_h·out_w] -> out_g [c_out/G, out_h·out_w]`.

use crate::ops::gemm::{self, NR};
use crate::par;
pub use crate::spec::ConvSpec;

/// Panics unless the spec is valid and the slices have its lengths: a caller's bug, never a user's data (the model
/// builds every spec from the spec table and the shapes the previous layer produced).
fn check(s: &ConvSpec, input: &[f32], weight: &[f32], bias: &[f32]) {
    assert!(s.is_valid(), "invalid conv spec {s:?}");
    assert_eq!(input.len(), s.c_in * s.h * s.w, "conv input length");
    assert_eq!(weight.len(), s.weight_len(), "conv weight length");
    assert_eq!(bias.len(), s.c_out, "conv bias length");
}

/// Reference: the textbook 6-deep loop, accumulating in f64.
pub fn conv2d_naive(s: &ConvSpec, input: &[f32], weight: &[f32], bias: &[f32]) -> Vec<f32> {
    check(s, input, weight, bias);
    let (oh, ow) = (s.out_h(), s.out_w());
    let mut out = vec![0f32; s.out_len()];
    for oc in 0..s.c_out {
        let g = oc / s.c_out_group();
        for oy in 0..oh {
            for ox in 0..ow {
                let mut acc = bias[oc] as f64;
                for ic in 0..s.c_in_group() {
                    let c = g * s.c_in_group() + ic;
                    for ky in 0..s.k {
                        for kx in 0..s.k {
                            let iy = (oy * s.stride + ky) as isize - s.pad as isize;
                            let ix = (ox * s.stride + kx) as isize - s.pad as isize;
                            if iy < 0 || ix < 0 || iy >= s.h as isize || ix >= s.w as isize {
                                continue;
                            }
                            let v = input[(c * s.h + iy as usize) * s.w + ix as usize];
                            let wv = weight[((oc * s.c_in_group() + ic) * s.k + ky) * s.k + kx];
                            acc += v as f64 * wv as f64;
                        }
                    }
                }
                out[(oc * oh + oy) * ow + ox] = acc as f32;
            }
        }
    }
    out
}

/// Unrolls group `g`'s input windows into `cols [c_in/G·k·k, out_h·out_w]` (zeros where the window hits padding).
fn im2col(s: &ConvSpec, input: &[f32], g: usize, cols: &mut [f32]) {
    let (oh, ow) = (s.out_h(), s.out_w());
    let n = oh * ow;
    for ic in 0..s.c_in_group() {
        let plane = &input[(g * s.c_in_group() + ic) * s.h * s.w..][..s.h * s.w];
        for ky in 0..s.k {
            for kx in 0..s.k {
                let row = &mut cols[((ic * s.k + ky) * s.k + kx) * n..][..n];
                for oy in 0..oh {
                    let iy = (oy * s.stride + ky) as isize - s.pad as isize;
                    let dst = &mut row[oy * ow..][..ow];
                    if iy < 0 || iy >= s.h as isize {
                        dst.fill(0.0);
                        continue;
                    }
                    let src = &plane[iy as usize * s.w..][..s.w];
                    for (ox, d) in dst.iter_mut().enumerate() {
                        let ix = (ox * s.stride + kx) as isize - s.pad as isize;
                        *d = if ix < 0 || ix >= s.w as isize { 0.0 } else { src[ix as usize] };
                    }
                }
            }
        }
    }
}

/// `c [rows, n] += a [rows, kl] @ b [kl, n]`, all row-major: one call into the blocked SIMD GEMM.
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

/// Fast path. On wasm: im2col straight into packed panels + our 4×8 SIMD128 kernel ([`conv2d_packed`]);
/// natively: im2col + matrixmultiply's AVX2/FMA GEMM ([`conv2d_blas`]). Both are tested against the naive loop.
pub fn conv2d(s: &ConvSpec, input: &[f32], weight: &[f32], bias: &[f32]) -> Vec<f32> {
    if cfg!(target_arch = "wasm32") {
        conv2d_packed(s, input, weight, bias)
    } else {
        conv2d_blas(s, input, weight, bias)
    }
}

/// A conv layer's weights as its fast path wants them, made once per layer and kept by the model, so no pass
/// packs them again. On wasm these are the GEMM's panels ([`pack_weights`]); natively nothing is made, because
/// matrixmultiply packs its own blocks as it goes and reads the weights where they lie (in the loaded file).
#[derive(Clone, Debug, PartialEq)]
pub struct Packed {
    spec: ConvSpec,
    panels: Vec<f32>,
}

impl Packed {
    /// The layer's `weight` (`[c_out, c_in/groups, k, k]`) prepared for [`conv2d_layer`] with spec `s`.
    pub fn new(s: &ConvSpec, weight: &[f32]) -> Packed {
        assert!(s.is_valid() && weight.len() == s.weight_len(), "conv: {s:?} with {} weights", weight.len());
        let panels = if cfg!(target_arch = "wasm32") { pack_weights(s, weight) } else { Vec::new() };
        Packed { spec: *s, panels }
    }
}

/// [`conv2d`] for a model's layer, whose `weight` was prepared once as `packed` (by [`Packed::new`], same spec).
pub fn conv2d_layer(s: &ConvSpec, input: &[f32], weight: &[f32], packed: &Packed, bias: &[f32]) -> Vec<f32> {
    assert_eq!(packed.spec, *s, "conv: the weights were packed for another geometry");
    if cfg!(target_arch = "wasm32") {
        check(s, input, weight, bias);
        conv2d_prepacked(s, input, &packed.panels, bias)
    } else {
        conv2d_blas(s, input, weight, bias)
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

/// Unrolls group `g`'s input windows straight into the packed B layout of [`gemm`] (`[⌈n/NR⌉][kl][NR]`), for
/// the column panels `panels` only; `out` holds exactly those panels. Columns past `n` are zero.
fn im2col_packed(s: &ConvSpec, input: &[f32], g: usize, panels: std::ops::Range<usize>, out: &mut [f32]) {
    let (oh, ow) = (s.out_h(), s.out_w());
    let n = oh * ow;
    let kl = s.kernel_len();
    let (h, w, k) = (s.h as isize, s.w as isize, s.k);
    let channels = &input[g * s.c_in_group() * s.h * s.w..][..s.c_in_group() * s.h * s.w];
    for (p, panel) in panels.zip(out.chunks_exact_mut(kl * NR)) {
        // Top-left input corner of each column's window; the panel is "interior" for a kernel offset (ky, kx)
        // when every column's tap lies inside the image, and then needs no padding checks.
        let mut y0 = [0isize; NR];
        let mut x0 = [0isize; NR];
        let mut base = [0isize; NR];
        let cols = NR.min(n.saturating_sub(p * NR));
        for c in 0..cols {
            let j = p * NR + c;
            y0[c] = ((j / ow) * s.stride) as isize - s.pad as isize;
            x0[c] = ((j % ow) * s.stride) as isize - s.pad as isize;
            base[c] = y0[c] * w + x0[c];
        }
        let (ymin, ymax) = (y0[..cols].iter().min().copied().unwrap_or(0), y0[..cols].iter().max().copied().unwrap_or(0));
        let (xmin, xmax) = (x0[..cols].iter().min().copied().unwrap_or(0), x0[..cols].iter().max().copied().unwrap_or(0));
        let mut dst = panel.chunks_exact_mut(NR);
        for ic in 0..s.c_in_group() {
            let plane = &channels[ic * s.h * s.w..][..s.h * s.w];
            for ky in 0..k as isize {
                for kx in 0..k as isize {
                    let d = dst.next().expect("panel holds kl rows");
                    let interior = cols == NR && ymin + ky >= 0 && ymax + ky < h && xmin + kx >= 0 && xmax + kx < w;
                    if interior {
                        let off = ky * w + kx;
                        for (v, &b) in d.iter_mut().zip(&base) {
                            *v = plane[(b + off) as usize];
                        }
                    } else {
                        for c in 0..NR {
                            let (iy, ix) = (y0[c] + ky, x0[c] + kx);
                            d[c] = if c < cols && iy >= 0 && iy < h && ix >= 0 && ix < w {
                                plane[(iy * w + ix) as usize]
                            } else {
                                0.0
                            };
                        }
                    }
                }
            }
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
/// the two GPUs of 2012; an ungrouped layer splits its output columns (im2col included) between the threads.
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
        // Column halves on a panel boundary; each thread fills its own [c_out, cols] block (bias first), and the
        // output is assembled row by row from the two.
        let ap = pack(0);
        let split = n.div_ceil(2).div_ceil(NR) * NR;
        let half = |j0: usize, j1: usize| {
            let mut c = bias_rows(bias, j1 - j0);
            conv_cols(s, input, ap, 0, j0, j1, &mut c);
            c
        };
        let (left, right) = par::join(|| half(0, split), || half(split, n));
        let mut out = Vec::with_capacity(s.out_len());
        for (l, r) in left.chunks_exact(split).zip(right.chunks_exact(n - split)) {
            out.extend_from_slice(l);
            out.extend_from_slice(r);
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

/// One output value taken apart: what the animated sweep shows at (oc, y, x).
#[derive(Clone, Debug, PartialEq)]
pub struct ConvDot {
    /// The group (GPU tower for AlexNet's grouped layers) this output channel belongs to.
    pub group: usize,
    /// First input channel the kernel reads; it reads `c_in_group` channels from there.
    pub ic_start: usize,
    pub c_in_group: usize,
    /// Top-left input coordinate of the window (negative inside the zero padding).
    pub y0: isize,
    pub x0: isize,
    /// `[c_in/groups, k, k]` input values under the window, 0 where it covers padding.
    pub patch: Vec<f32>,
    /// `[c_in/groups, k, k]`: the kernel of output channel `oc`.
    pub kernel: Vec<f32>,
    /// `patch[i] · kernel[i]`, same layout.
    pub products: Vec<f32>,
    /// Σ products (accumulated in f64), without the bias.
    pub sum: f32,
    pub bias: f32,
    /// sum + bias: the output value.
    pub value: f32,
}

/// Takes one output position apart; `None` when (oc, y, x) is outside the output.
pub fn dot_at(s: &ConvSpec, input: &[f32], weight: &[f32], bias: &[f32], oc: usize, y: usize, x: usize) -> Option<ConvDot> {
    if oc >= s.c_out || y >= s.out_h() || x >= s.out_w() {
        return None;
    }
    check(s, input, weight, bias);
    let group = oc / s.c_out_group();
    let ic_start = group * s.c_in_group();
    let y0 = (y * s.stride) as isize - s.pad as isize;
    let x0 = (x * s.stride) as isize - s.pad as isize;
    let kl = s.kernel_len();
    let kernel = weight[oc * kl..][..kl].to_vec();
    let mut patch = vec![0f32; kl];
    for ic in 0..s.c_in_group() {
        for ky in 0..s.k {
            for kx in 0..s.k {
                let (iy, ix) = (y0 + ky as isize, x0 + kx as isize);
                if iy >= 0 && ix >= 0 && (iy as usize) < s.h && (ix as usize) < s.w {
                    patch[(ic * s.k + ky) * s.k + kx] = input[((ic_start + ic) * s.h + iy as usize) * s.w + ix as usize];
                }
            }
        }
    }
    let products: Vec<f32> = patch.iter().zip(&kernel).map(|(a, b)| a * b).collect();
    let sum = patch.iter().zip(&kernel).map(|(&a, &b)| a as f64 * b as f64).sum::<f64>() as f32;
    Some(ConvDot {
        group,
        ic_start,
        c_in_group: s.c_in_group(),
        y0,
        x0,
        patch,
        kernel,
        products,
        sum,
        bias: bias[oc],
        value: sum + bias[oc],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::testutil::{max_rel_err, on_one_and_two_threads, rand_vec};

    fn problem(s: ConvSpec, seed: u64) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
        (rand_vec(seed, s.c_in * s.h * s.w), rand_vec(seed + 1, s.weight_len()), rand_vec(seed + 2, s.c_out))
    }

    const CASES: &[ConvSpec] = &[
        // conv1-like: big kernel, stride 4, no padding.
        ConvSpec { c_in: 3, h: 35, w: 35, c_out: 8, k: 11, stride: 4, pad: 0, groups: 1 },
        // conv2-like: groups 2, pad 2.
        ConvSpec { c_in: 8, h: 9, w: 9, c_out: 6, k: 5, stride: 1, pad: 2, groups: 2 },
        // conv4-like: 3×3 pad 1, groups 2.
        ConvSpec { c_in: 6, h: 7, w: 7, c_out: 4, k: 3, stride: 1, pad: 1, groups: 2 },
        // Non-square input, stride 2 with padding, odd sizes.
        ConvSpec { c_in: 4, h: 7, w: 10, c_out: 6, k: 3, stride: 2, pad: 1, groups: 2 },
        // The seed's toy example: 5×5×3, 3×3×3, stride 1, pad 0 → 3×3×1.
        ConvSpec { c_in: 3, h: 5, w: 5, c_out: 1, k: 3, stride: 1, pad: 0, groups: 1 },
    ];

    #[test]
    fn fast_matches_naive_on_random_problems() {
        for (i, s) in CASES.iter().enumerate() {
            let (x, w, b) = problem(*s, 10 * i as u64);
            let want = conv2d_naive(s, &x, &w, &b);
            let packed = Packed::new(s, &w);
            on_one_and_two_threads(|| {
                let layer = conv2d_layer(s, &x, &w, &packed, &b);
                for (name, got) in [("packed", conv2d_packed(s, &x, &w, &b)), ("blas", conv2d_blas(s, &x, &w, &b)), ("layer", layer)] {
                    let e = max_rel_err(&got, &want);
                    assert!(e < 1e-5, "case {i} {s:?} {name}: rel err {e}");
                }
            });
        }
    }

    #[test]
    fn seed_toy_example_shape() {
        let s = CASES[4];
        assert_eq!((s.out_h(), s.out_w(), s.c_out), (3, 3, 1));
        assert_eq!(s.kernel_len(), 27);
    }

    #[test]
    fn groups_read_only_their_half() {
        // Changing the second half of the input channels must leave group 0's outputs untouched.
        let s = CASES[1];
        let (mut x, w, b) = problem(s, 3);
        let before = conv2d(&s, &x, &w, &b);
        let half = s.c_in / 2 * s.h * s.w;
        for v in &mut x[half..] {
            *v += 1.0;
        }
        let after = conv2d(&s, &x, &w, &b);
        let per_group = s.c_out / 2 * s.out_h() * s.out_w();
        assert_eq!(before[..per_group], after[..per_group]);
        assert_ne!(before[per_group..], after[per_group..]);
    }

    #[test]
    fn dot_at_reproduces_every_output() {
        for (i, s) in CASES.iter().enumerate() {
            let (x, w, b) = problem(*s, 100 + i as u64);
            let out = conv2d_naive(s, &x, &w, &b);
            for oc in 0..s.c_out {
                for y in 0..s.out_h() {
                    for xx in 0..s.out_w() {
                        let d = dot_at(s, &x, &w, &b, oc, y, xx).unwrap();
                        let want = out[(oc * s.out_h() + y) * s.out_w() + xx];
                        assert!((d.value - want).abs() <= 1e-5 * want.abs().max(1.0), "case {i}");
                        assert_eq!(d.products.len(), s.kernel_len());
                    }
                }
            }
            assert!(dot_at(s, &x, &w, &b, s.c_out, 0, 0).is_none());
            assert!(dot_at(s, &x, &w, &b, 0, s.out_h(), 0).is_none());
        }
    }

    #[test]
    fn dot_at_marks_padding_as_zero() {
        let s = CASES[2];
        let (x, w, b) = problem(s, 9);
        let d = dot_at(&s, &x, &w, &b, 3, 0, 0).unwrap();
        assert_eq!((d.y0, d.x0, d.group, d.ic_start), (-1, -1, 1, 3));
        // The first kernel row and column lie in the padding.
        for ic in 0..d.c_in_group {
            assert_eq!(d.patch[ic * 9], 0.0);
            assert_eq!(d.patch[ic * 9 + 1], 0.0);
            assert_eq!(d.patch[ic * 9 + 3], 0.0);
            assert_eq!(d.patch[ic * 9 + 4], x[((3 + ic) * 7) * 7]);
        }
    }
}
