//! Unrolling input windows into columns, so a convolution becomes one matrix product per group: plain rows for
//! matrixmultiply, or straight into the packed GEMM's B panels.

use super::ConvSpec;
use crate::ops::gemm::NR;

/// Unrolls group `g`'s input windows into `cols [c_in/G·k·k, out_h·out_w]` (zeros where the window hits padding).
pub(super) fn im2col(s: &ConvSpec, input: &[f32], g: usize, cols: &mut [f32]) {
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

/// Unrolls group `g`'s input windows straight into the packed B layout of [`gemm`] (`[⌈n/NR⌉][kl][NR]`), for
/// the column panels `panels` only; `out` holds exactly those panels. Columns past `n` are zero.
pub(super) fn im2col_packed(s: &ConvSpec, input: &[f32], g: usize, panels: std::ops::Range<usize>, out: &mut [f32]) {
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
        let (ymin, ymax) =
            (y0[..cols].iter().min().copied().unwrap_or(0), y0[..cols].iter().max().copied().unwrap_or(0));
        let (xmin, xmax) =
            (x0[..cols].iter().min().copied().unwrap_or(0), x0[..cols].iter().max().copied().unwrap_or(0));
        let mut dst = panel.chunks_exact_mut(NR);
        for ic in 0..s.c_in_group() {
            let plane = &channels[ic * s.h * s.w..][..s.h * s.w];
            for ky in 0..k as isize {
                for kx in 0..k as isize {
                    let d = dst.next().expect("a panel is kl rows of NR, one per (ic, ky, kx)");
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
