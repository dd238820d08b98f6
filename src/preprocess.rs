//! Image → network input: shorter side to 256, centre crop 227×227, RGB→BGR, subtract Caffe's mean.
//!
//! This is the only implementation: the CLI and the browser (through the worker) both call it. Pixels arrive as
//! RGBA bytes; transparent pixels are composited on white, since a photo's "nothing" reads best as paper.

use crate::spec::{INPUT_SHAPE, MEAN_BGR, RESIZE_SHORTER};
use crate::tensor::Tensor;
use ndarray::Array3;
use serde::Serialize;

/// Largest image side and pixel count the engine accepts; the page downsizes bigger images before sending them.
pub const MAX_SIDE: usize = 16_384;
pub const MAX_PIXELS: usize = 40_000_000;

/// Where the crop came from, so the page can draw the crop box on the original.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreprocessInfo {
    pub src_w: usize,
    pub src_h: usize,
    /// resized side / original side.
    pub scale: f64,
    pub resized_w: usize,
    pub resized_h: usize,
    /// Top-left of the crop in resized coordinates.
    pub crop_x: usize,
    pub crop_y: usize,
    pub crop: usize,
}

/// Plans the resize and crop for a `w`×`h` image.
pub fn plan(w: usize, h: usize) -> PreprocessInfo {
    let short = w.min(h).max(1);
    let scale = RESIZE_SHORTER as f64 / short as f64;
    let (rw, rh) = if w <= h {
        (RESIZE_SHORTER, ((h as f64 * scale).round() as usize).max(RESIZE_SHORTER))
    } else {
        (((w as f64 * scale).round() as usize).max(RESIZE_SHORTER), RESIZE_SHORTER)
    };
    let crop = INPUT_SHAPE[1];
    PreprocessInfo {
        src_w: w,
        src_h: h,
        scale,
        resized_w: rw,
        resized_h: rh,
        crop_x: (rw - crop) / 2,
        crop_y: (rh - crop) / 2,
        crop,
    }
}

/// For each destination index `d` in `[first, first+n)` of a resize from `src` to `dst` samples: the source range
/// and weights of a triangle filter widened by the downscale factor (so shrinking averages instead of aliasing).
fn filter_taps(src: usize, dst: usize, first: usize, n: usize) -> Vec<(usize, Vec<f32>)> {
    let scale = src as f64 / dst as f64;
    let support = scale.max(1.0);
    (first..first + n)
        .map(|d| {
            let center = (d as f64 + 0.5) * scale;
            let lo = ((center - support).floor().max(0.0)) as usize;
            let hi = ((center + support).ceil() as usize).min(src);
            let mut ws: Vec<f64> =
                (lo..hi).map(|s| (1.0 - ((s as f64 + 0.5 - center) / support).abs()).max(0.0)).collect();
            let total: f64 = ws.iter().sum();
            if total <= 0.0 {
                // Degenerate (cannot happen for src ≥ 1), but never divide by zero.
                ws = vec![1.0; hi - lo];
            }
            let total: f64 = ws.iter().sum();
            (lo, ws.iter().map(|w| (w / total) as f32).collect())
        })
        .collect()
}

/// Preprocesses an RGBA image (`data.len() == w·h·4`, row-major) into the `[3, 227, 227]` BGR, mean-subtracted input.
pub fn from_rgba(data: &[u8], w: usize, h: usize) -> Result<(Tensor, PreprocessInfo), String> {
    if w == 0 || h == 0 {
        return Err("the image is empty (0 pixels wide or high)".into());
    }
    if w > MAX_SIDE || h > MAX_SIDE || w.saturating_mul(h) > MAX_PIXELS {
        return Err(format!("the image is {w}×{h}; the engine takes at most {MAX_SIDE} px a side and {MAX_PIXELS} pixels (downscale it first)"));
    }
    if data.len() != w * h * 4 {
        return Err(format!("expected {} bytes of RGBA for {w}×{h}, got {}", w * h * 4, data.len()));
    }
    let info = plan(w, h);
    let out = resample(data, w, h, &info);
    let crop = info.crop;
    let out = Array3::from_shape_vec((INPUT_SHAPE[0], crop, crop), out).map_err(|e| e.to_string())?;
    Ok((Tensor::Chw(out), info))
}

/// The pixel's RGB composited on white, as the filters read it.
#[inline]
fn on_white(p: &[u8]) -> [f32; 3] {
    let a = p[3] as f32 / 255.0;
    core::array::from_fn(|c| p[c] as f32 * a + 255.0 * (1.0 - a))
}

/// Reference: resize and crop pixel by pixel, the source pixels composited again for every tap that reads them.
/// Returns the planar `[3, crop, crop]` BGR input minus the mean.
pub fn resample_naive(data: &[u8], w: usize, h: usize, info: &PreprocessInfo) -> Vec<f32> {
    let crop = info.crop;
    let xt = filter_taps(w, info.resized_w, info.crop_x, crop);
    let yt = filter_taps(h, info.resized_h, info.crop_y, crop);
    // Horizontal pass over only the source rows the vertical taps touch: rows × crop × 3 (RGB, on white).
    let row_lo = yt.first().map(|t| t.0).unwrap_or(0);
    let row_hi = yt.iter().map(|(lo, ws)| lo + ws.len()).max().unwrap_or(0);
    let mut tmp = vec![0f32; (row_hi - row_lo) * crop * 3];
    for y in row_lo..row_hi {
        let src = &data[y * w * 4..][..w * 4];
        let dst = &mut tmp[(y - row_lo) * crop * 3..][..crop * 3];
        for (x, (lo, ws)) in xt.iter().enumerate() {
            let mut acc = [0f32; 3];
            for (i, &wt) in ws.iter().enumerate() {
                let v = on_white(&src[(lo + i) * 4..][..4]);
                for c in 0..3 {
                    acc[c] += wt * v[c];
                }
            }
            dst[x * 3..][..3].copy_from_slice(&acc);
        }
    }
    let plane = crop * crop;
    let mut out = vec![0f32; 3 * plane];
    for (y, (lo, ws)) in yt.iter().enumerate() {
        for x in 0..crop {
            let mut acc = [0f32; 3];
            for (i, &wt) in ws.iter().enumerate() {
                let p = &tmp[((lo + i - row_lo) * crop + x) * 3..][..3];
                for c in 0..3 {
                    acc[c] += wt * p[c];
                }
            }
            // RGB → BGR, then subtract the mean of each BGR channel.
            for (b, rgb) in [2usize, 1, 0].into_iter().enumerate() {
                out[b * plane + y * crop + x] = acc[rgb] - MEAN_BGR[b];
            }
        }
    }
    out
}

/// Fast path, the same arithmetic in the same order (so the same bits): each source pixel the crop needs is
/// composited once, the vertical pass adds whole rows at a time, and both passes cut their rows into pieces the
/// threads share. It runs before every pass, so its time is the user's.
pub fn resample(data: &[u8], w: usize, h: usize, info: &PreprocessInfo) -> Vec<f32> {
    let crop = info.crop;
    let xt = filter_taps(w, info.resized_w, info.crop_x, crop);
    let yt = filter_taps(h, info.resized_h, info.crop_y, crop);
    let row_lo = yt.first().map(|t| t.0).unwrap_or(0);
    let row_hi = yt.iter().map(|(lo, ws)| lo + ws.len()).max().unwrap_or(0);
    let col_lo = xt.first().map(|t| t.0).unwrap_or(0);
    let col_hi = xt.iter().map(|(lo, ws)| lo + ws.len()).max().unwrap_or(0);
    // Horizontal: source rows row_lo..row_hi into tmp [rows][crop][3].
    let mut tmp = vec![0f32; (row_hi - row_lo) * crop * 3];
    crate::par::for_pieces(row_hi - row_lo, 1, &mut tmp, crop * 3, &|rows, dst: &mut [f32]| {
        let mut px = vec![[0f32; 3]; col_hi - col_lo];
        for (r, dst) in rows.zip(dst.chunks_exact_mut(crop * 3)) {
            let src = &data[(row_lo + r) * w * 4..][..w * 4];
            for (p, s) in px.iter_mut().zip(src[col_lo * 4..col_hi * 4].chunks_exact(4)) {
                *p = on_white(s);
            }
            for ((lo, ws), d) in xt.iter().zip(dst.chunks_exact_mut(3)) {
                let mut acc = [0f32; 3];
                for (&wt, v) in ws.iter().zip(&px[lo - col_lo..]) {
                    for c in 0..3 {
                        acc[c] += wt * v[c];
                    }
                }
                d.copy_from_slice(&acc);
            }
        }
    });
    // Vertical: each output row is the taps' rows of tmp added with their weights, into mid [crop][crop][3].
    let row = crop * 3;
    let mut mid = vec![0f32; crop * row];
    crate::par::for_pieces(crop, 1, &mut mid, row, &|ys, dst: &mut [f32]| {
        for ((lo, ws), d) in yt[ys].iter().zip(dst.chunks_exact_mut(row)) {
            for (i, &wt) in ws.iter().enumerate() {
                for (a, &v) in d.iter_mut().zip(&tmp[(lo + i - row_lo) * row..][..row]) {
                    *a += wt * v;
                }
            }
        }
    });
    // RGB → BGR planes, minus the mean of each BGR channel.
    let plane = crop * crop;
    let mut out = vec![0f32; 3 * plane];
    for (b, rgb) in [2usize, 1, 0].into_iter().enumerate() {
        for (o, p) in out[b * plane..][..plane].iter_mut().zip(mid.chunks_exact(3)) {
            *o = p[rgb] - MEAN_BGR[b];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path gives the reference's bits, for photos opaque and half transparent, shrunk and enlarged,
    /// on one and two threads.
    #[test]
    fn fast_resample_is_the_reference() {
        let sizes = [(451, 300), (300, 451), (227, 227), (100, 60), (1024, 683), (3, 700)];
        for (k, (w, h)) in sizes.into_iter().enumerate() {
            let noise = crate::ops::testutil::rand_vec(k as u64, w * h * 4);
            for alpha in [false, true] {
                let px: Vec<u8> = noise
                    .iter()
                    .enumerate()
                    .map(|(i, v)| if i % 4 == 3 && !alpha { 255 } else { ((v + 1.0) * 127.9) as u8 })
                    .collect();
                let info = plan(w, h);
                let want = resample_naive(&px, w, h, &info);
                crate::ops::testutil::on_one_and_two_threads(|| {
                    assert!(resample(&px, w, h, &info) == want, "{w}×{h}, alpha {alpha}");
                });
            }
        }
    }

    #[test]
    fn plan_shorter_side_256_centre_crop() {
        let p = plan(500, 375);
        assert_eq!((p.resized_w, p.resized_h), (341, 256));
        assert_eq!((p.crop_x, p.crop_y, p.crop), (57, 14, 227));
        let p = plan(227, 227);
        assert_eq!((p.resized_w, p.resized_h, p.crop_x, p.crop_y), (256, 256, 14, 14));
    }

    #[test]
    fn constant_colour_maps_to_bgr_minus_mean() {
        let (w, h) = (300, 200);
        let px: Vec<u8> = (0..w * h).flat_map(|_| [200u8, 100, 50, 255]).collect();
        let (t, _) = from_rgba(&px, w, h).unwrap();
        let plane = 227 * 227;
        for (c, want) in [(0, 50.0 - 104.0), (1, 100.0 - 117.0), (2, 200.0 - 123.0)] {
            assert!(t.values()[c * plane..][..plane].iter().all(|v| (v - want).abs() < 1e-3), "channel {c}");
        }
    }

    #[test]
    fn transparent_is_white_and_bad_input_is_an_error() {
        let px = vec![0u8; 10 * 10 * 4];
        let (t, _) = from_rgba(&px, 10, 10).unwrap();
        assert!((t.values()[0] - (255.0 - 104.0)).abs() < 1e-3);
        assert!(from_rgba(&px, 10, 9).is_err());
        assert!(from_rgba(&[], 0, 0).is_err());
        assert!(from_rgba(&[], 20_000, 20_000).is_err());
        // A 1×1 image is upscaled to a uniform crop.
        assert!(from_rgba(&[10, 20, 30, 255], 1, 1).is_ok());
    }

    #[test]
    fn downscaling_averages_stripes() {
        // One-pixel black/white columns shrunk 4× must come out near mid-grey, not aliased to black or white.
        let (w, h) = (1024, 1024);
        let px: Vec<u8> = (0..w * h)
            .flat_map(|i| {
                let v = if i % 2 == 0 { 0 } else { 255 };
                [v, v, v, 255]
            })
            .collect();
        let (t, _) = from_rgba(&px, w, h).unwrap();
        let g = t.values()[1000] + 104.0;
        assert!((g - 127.5).abs() < 5.0, "{g}");
    }
}
