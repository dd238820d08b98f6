//! The part of each layer an occluding patch changes, and recomputing only that part of a layer.
//!
//! A change inside the input rectangle R reaches, in a conv or pooling layer's output, the positions whose window
//! overlaps R; ReLU and LRN work position by position, so R passes through them unchanged. Everything outside
//! keeps the original pass's values exactly, so a layer is recomputed on a crop of its (changed) input.

use crate::model::Model;
use crate::ops::{conv, lrn};
use crate::spec::{Kind, LayerSpec};

/// Rows `y0..y1`, columns `x0..x1` of a layer's `[C, H, W]` map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Rect {
    pub y0: usize,
    pub y1: usize,
    pub x0: usize,
    pub x1: usize,
}

impl Rect {
    pub(super) fn cells(&self) -> usize {
        (self.y1 - self.y0) * (self.x1 - self.x0)
    }
}

/// The output positions along one side whose window `[o·s − p, o·s − p + k)` meets `[lo, hi)`.
fn reach(lo: usize, hi: usize, k: usize, s: usize, p: usize, out: usize) -> (usize, usize) {
    let first = (lo + p + 1).saturating_sub(k).div_ceil(s);
    let last = ((hi - 1 + p) / s + 1).min(out);
    (first.min(last), last)
}

/// The rectangle of layer `l`'s output (`out_hw`) that a change inside `r` of its input can reach.
pub(super) fn propagate(l: &LayerSpec, r: Rect, (oh, ow): (usize, usize)) -> Rect {
    match l.kind {
        Kind::Conv | Kind::Pool => {
            let pad = if l.kind == Kind::Conv { l.pad } else { 0 };
            let (y0, y1) = reach(r.y0, r.y1, l.k, l.stride, pad, oh);
            let (x0, x1) = reach(r.x0, r.x1, l.k, l.stride, pad, ow);
            Rect { y0, y1, x0, x1 }
        }
        _ => r,
    }
}

/// The input rows `[o0·s − p, (o1 − 1)·s − p + k)` (columns likewise) of channels `c`, zero where they fall in the
/// padding: the crop whose unpadded convolution (or pooling) gives exactly the outputs `o0..o1`.
fn crop(x: &[f32], (c, h, w): Dims, r: Rect, k: usize, s: usize, p: usize) -> (Vec<f32>, usize, usize) {
    let rows = (r.y1 - r.y0 - 1) * s + k;
    let cols = (r.x1 - r.x0 - 1) * s + k;
    let (iy0, ix0) = ((r.y0 * s) as isize - p as isize, (r.x0 * s) as isize - p as isize);
    let mut out = vec![0f32; c * rows * cols];
    for ch in 0..c {
        for yy in 0..rows {
            let iy = iy0 + yy as isize;
            if iy < 0 || iy >= h as isize {
                continue;
            }
            let src = &x[(ch * h + iy as usize) * w..][..w];
            let dst = &mut out[(ch * rows + yy) * cols..][..cols];
            for (xx, d) in dst.iter_mut().enumerate() {
                let ix = ix0 + xx as isize;
                if ix >= 0 && ix < w as isize {
                    *d = src[ix as usize];
                }
            }
        }
    }
    (out, rows, cols)
}

/// Writes `part [c, rect rows, rect cols]` into the rectangle `r` of `y [c, h, w]`.
fn paste(y: &mut [f32], (h, w): (usize, usize), r: Rect, part: &[f32]) {
    let (rh, rw) = (r.y1 - r.y0, r.x1 - r.x0);
    for (n, row) in part.chunks_exact(rw).enumerate() {
        let (ch, yy) = (n / rh, r.y0 + n % rh);
        y[(ch * h + yy) * w + r.x0..][..rw].copy_from_slice(row);
    }
}

/// A layer's `[C, H, W]` values and their dims.
pub(super) type Dims = (usize, usize, usize);

/// Recomputes rectangle `r` of layer `l`'s (`ALEXNET[i]`) output `y` (dims `out`) from its changed input `x` (dims
/// `inp`); returns the multiply-accumulates that took (conv layers; 0 for the cheap element-wise ones).
pub(super) fn recompute(
    m: &Model,
    i: usize,
    l: &LayerSpec,
    (x, inp): (&[f32], Dims),
    (y, out): (&mut [f32], Dims),
    r: Rect,
) -> u64 {
    if r.cells() == 0 {
        return 0;
    }
    let (c, h, w) = out;
    match l.kind {
        Kind::Conv => {
            let (xc, rows, cols) = crop(x, inp, r, l.k, l.stride, l.pad);
            let s = conv::ConvSpec { h: rows, w: cols, pad: 0, ..l.conv_spec(inp) };
            let lw = m.weights().layer(l.id).expect("weights hold every conv layer");
            let packed = m.packed(i).expect("Model::new packs every conv layer");
            paste(y, (h, w), r, &conv::conv2d_crop(&s, &xc, &lw.weight, packed, &lw.bias));
            (s.c_out * r.cells() * s.kernel_len()) as u64
        }
        Kind::Pool => {
            let (xc, rows, cols) = crop(x, inp, r, l.k, l.stride, 0);
            // The crop's zeros past the input's edge are never read: the windows are clipped to the input, as
            // Caffe's ceil-mode pooling clips its last window.
            let (rh, rw) = (r.y1 - r.y0, r.x1 - r.x0);
            let mut part = vec![f32::NEG_INFINITY; c * rh * rw];
            for ch in 0..c {
                for oy in 0..rh {
                    for ox in 0..rw {
                        let d = &mut part[(ch * rh + oy) * rw + ox];
                        let ylim = (inp.1 - (r.y0 + oy) * l.stride).min(l.k);
                        let xlim = (inp.2 - (r.x0 + ox) * l.stride).min(l.k);
                        for ky in 0..ylim {
                            for kx in 0..xlim {
                                *d = d.max(xc[(ch * rows + oy * l.stride + ky) * cols + ox * l.stride + kx]);
                            }
                        }
                    }
                }
            }
            paste(y, (h, w), r, &part);
            0
        }
        Kind::Relu | Kind::Lrn => {
            let (xc, rows, cols) = crop(x, inp, r, 1, 1, 0);
            let part = match l.lrn {
                Some(p) if l.kind == Kind::Lrn => lrn::lrn(&p, &xc, c, rows * cols),
                _ => xc.iter().map(|v| v.max(0.0)).collect(),
            };
            paste(y, (h, w), r, &part);
            0
        }
        Kind::Fc | Kind::Softmax => unreachable!("{} is not a spatial layer", l.id),
    }
}
