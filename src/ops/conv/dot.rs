//! One output value taken apart into window × kernel products, for the explainer's animated sweep.

use super::{check, ConvSpec};

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
pub fn dot_at(
    s: &ConvSpec,
    input: &[f32],
    weight: &[f32],
    bias: &[f32],
    oc: usize,
    y: usize,
    x: usize,
) -> Option<ConvDot> {
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
                    patch[(ic * s.k + ky) * s.k + kx] =
                        input[((ic_start + ic) * s.h + iy as usize) * s.w + ix as usize];
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
