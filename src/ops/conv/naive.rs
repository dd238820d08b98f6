//! The reference convolution: every output value summed straight from its window, kept as the fast paths' oracle.

use super::{check, ConvSpec};

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
