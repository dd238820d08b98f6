//! Window geometry: the convolution and pooling specs the ops are given, and the one output-size rule they share.

/// How a sweep that does not divide evenly is counted: Caffe rounds convolution down (a last partial window is
/// dropped) and pooling up (it counts); the spec table demands that AlexNet's sweeps divide exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    Down,
    Up,
    Exact,
}

/// Output side of a window sweep, (W − F + 2P)/S + 1, rounded as `r` says; `None` when the window does not fit the
/// padded input, the stride is 0, or the sweep does not divide and `r` is [`Rounding::Exact`] (e.g. 224 into conv1).
pub fn out_side(w: usize, f: usize, p: usize, s: usize, r: Rounding) -> Option<usize> {
    let span = (w + 2 * p).checked_sub(f)?;
    if s == 0 {
        return None;
    }
    match r {
        Rounding::Down => Some(span / s + 1),
        Rounding::Up => Some(span.div_ceil(s) + 1),
        Rounding::Exact => (span % s == 0).then(|| span / s + 1),
    }
}

/// Geometry of one convolution. The input is `[c_in, h, w]`, the weights `[c_out, c_in/groups, k, k]`,
/// the bias `[c_out]` and the output `[c_out, out_h, out_w]`, all row-major.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvSpec {
    pub c_in: usize,
    pub h: usize,
    pub w: usize,
    pub c_out: usize,
    pub k: usize,
    pub stride: usize,
    pub pad: usize,
    pub groups: usize,
}

impl ConvSpec {
    /// (H − k + 2P)/S + 1, rounded down as Caffe does for convolution (0 for a spec that is not valid).
    pub fn out_h(&self) -> usize {
        out_side(self.h, self.k, self.pad, self.stride, Rounding::Down).unwrap_or(0)
    }
    pub fn out_w(&self) -> usize {
        out_side(self.w, self.k, self.pad, self.stride, Rounding::Down).unwrap_or(0)
    }
    /// Input channels each kernel reads (the seed's "kernel thickness").
    pub fn c_in_group(&self) -> usize {
        self.c_in / self.groups
    }
    pub fn c_out_group(&self) -> usize {
        self.c_out / self.groups
    }
    /// Length of one kernel: c_in/groups · k · k.
    pub fn kernel_len(&self) -> usize {
        self.c_in_group() * self.k * self.k
    }
    pub fn weight_len(&self) -> usize {
        self.c_out * self.kernel_len()
    }
    pub fn out_len(&self) -> usize {
        self.c_out * self.out_h() * self.out_w()
    }
    /// True when the sizes are consistent (groups divide the channels, the kernel fits the padded input).
    pub fn is_valid(&self) -> bool {
        self.groups > 0
            && self.stride > 0
            && self.k > 0
            && self.c_in % self.groups == 0
            && self.c_out % self.groups == 0
            && self.h + 2 * self.pad >= self.k
            && self.w + 2 * self.pad >= self.k
    }
}

/// Max-pooling geometry: input `[c, h, w]`, square window `k`, `stride`, no padding (AlexNet uses none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolSpec {
    pub c: usize,
    pub h: usize,
    pub w: usize,
    pub k: usize,
    pub stride: usize,
}

impl PoolSpec {
    /// Caffe rounds pooling output up: ceil((H − k)/S) + 1, so a last partial window still counts (0 for a spec
    /// that is not valid).
    pub fn out_h(&self) -> usize {
        out_side(self.h, self.k, 0, self.stride, Rounding::Up).unwrap_or(0)
    }
    pub fn out_w(&self) -> usize {
        out_side(self.w, self.k, 0, self.stride, Rounding::Up).unwrap_or(0)
    }
    pub fn out_len(&self) -> usize {
        self.c * self.out_h() * self.out_w()
    }
    pub fn is_valid(&self) -> bool {
        self.k > 0 && self.stride > 0 && self.h >= self.k && self.w >= self.k
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_down_up_and_exact() {
        // 10 − 3 = 7 does not divide by 2: convolution drops the last partial window, pooling keeps it.
        assert_eq!(out_side(10, 3, 0, 2, Rounding::Down), Some(4));
        assert_eq!(out_side(10, 3, 0, 2, Rounding::Up), Some(5));
        assert_eq!(out_side(10, 3, 0, 2, Rounding::Exact), None);
        assert_eq!(out_side(9, 3, 0, 2, Rounding::Exact), Some(4));
        assert_eq!(out_side(2, 3, 0, 1, Rounding::Down), None, "the window does not fit");
        assert_eq!(out_side(2, 3, 1, 1, Rounding::Down), Some(2), "it fits the padded input");
        assert_eq!(out_side(5, 3, 0, 0, Rounding::Up), None, "stride 0");
    }
}
