//! A 4:2:0 JPEG's Y, Cb, Cr planes → RGBA, with libjpeg-turbo's arithmetic, so that the result is the browser's own.
//!
//! Chromium decodes JPEGs with libjpeg-turbo. WebCodecs' `ImageDecoder` hands a baseline 4:2:0 JPEG over as its
//! decoded planes (I420) without the upsampling and colour conversion that `createImageBitmap` does; doing those two
//! steps here the way libjpeg-turbo does gives the same bytes (the e2e tests compare them) for less time than the
//! canvas round trip. Upsampling is libjpeg's "fancy" one (jdsample.c, `h2v2_fancy_upsample`): an output sample
//! weighs its own chroma sample 9, the nearer horizontal and vertical neighbours 3 each and the diagonal one 1, with
//! rounding biases 8 (even columns) and 7 (odd), edges repeating their outermost sample. Colours are jdcolor.c's
//! fixed-point YCbCr → RGB with 16 fraction bits, each term rounded as its tables are.

/// libjpeg's `FIX(x)`: `x` in 16.16 fixed point, rounded. Written out, the constants are 1.40200, 1.77200, 0.71414
/// and 0.34414 (the JFIF conversion's coefficients).
const CR_R: i32 = 91_881;
const CB_B: i32 = 116_130;
const CR_G: i32 = 46_802;
const CB_G: i32 = 22_554;
const HALF: i32 = 1 << 15;

/// A 4:2:0 image's planes: luma `width` × `height`, chroma ⌈width/2⌉ × ⌈height/2⌉, each row `*_stride` bytes apart.
#[derive(Clone, Copy, Debug)]
pub struct Planes<'a> {
    pub y: &'a [u8],
    pub y_stride: usize,
    pub u: &'a [u8],
    pub u_stride: usize,
    pub v: &'a [u8],
    pub v_stride: usize,
}

/// One pixel's RGBA (as a little-endian word, alpha 255) from its luma and upsampled chroma samples, exactly as
/// jdcolor.c's `ycc_rgb_convert` computes the colours.
#[inline(always)]
fn rgba(l: i32, cb: i32, cr: i32) -> u32 {
    let (cb, cr) = (cb - 128, cr - 128);
    let r = l + ((CR_R * cr + HALF) >> 16);
    let g = l + ((-CB_G * cb + HALF - CR_G * cr) >> 16);
    let b = l + ((CB_B * cb + HALF) >> 16);
    let byte = |v: i32| v.clamp(0, 255) as u32;
    byte(r) | byte(g) << 8 | byte(b) << 16 | 0xff << 24
}

/// One output row of a chroma plane: `out[2c]` and `out[2c + 1]` from column `c` of rows `row` (weight 3) and
/// `near` (weight 1), and their neighbouring columns. `sums` holds cw column sums, `out` 2·cw samples; cw ≥ 2.
fn upsample_row(plane: &[u8], stride: usize, (row, near): (usize, usize), sums: &mut [i32], out: &mut [i32]) {
    let cw = sums.len();
    let (a, b) = (&plane[row * stride..][..cw], &plane[near * stride..][..cw]);
    for ((s, &a), &b) in sums.iter_mut().zip(a).zip(b) {
        *s = 3 * i32::from(a) + i32::from(b);
    }
    // The edge columns repeat their own sample as the missing neighbour.
    out[0] = (4 * sums[0] + 8) >> 4;
    out[2 * cw - 1] = (4 * sums[cw - 1] + 7) >> 4;
    for (pair, o) in sums.windows(2).zip(out[1..2 * cw - 1].chunks_exact_mut(2)) {
        o[0] = (3 * pair[0] + pair[1] + 7) >> 4;
        o[1] = (3 * pair[1] + pair[0] + 8) >> 4;
    }
}

/// The pixels of a `width` × `height` 4:2:0 image, each an RGBA word (alpha 255) whose little-endian bytes are R, G,
/// B, A (as wasm and every browser lay them out), or why the planes cannot hold it. Images narrower than 3 pixels
/// are refused: libjpeg's upsampler reads past their only chroma column, which the planes do not have.
pub fn yuv420_to_rgba(p: Planes, width: usize, height: usize) -> Result<Vec<u32>, String> {
    let (cw, ch) = (width.div_ceil(2), height.div_ceil(2));
    if width < 3 || height == 0 {
        return Err(format!("a {width}×{height} image is too small for this path"));
    }
    // Checked: the sizes come from the page, and on wasm32 a huge stride times a huge height would wrap.
    let fits = |len: usize, stride: usize, w: usize, h: usize| {
        stride >= w && (h - 1).checked_mul(stride).and_then(|n| n.checked_add(w)).is_some_and(|n| n <= len)
    };
    if !fits(p.y.len(), p.y_stride, width, height)
        || !fits(p.u.len(), p.u_stride, cw, ch)
        || !fits(p.v.len(), p.v_stride, cw, ch)
    {
        return Err(format!("the planes are too small for a {width}×{height} image"));
    }
    let mut out = vec![0u32; width * height];
    let mut sums = vec![0i32; cw];
    let (mut cb, mut cr) = (vec![0i32; 2 * cw], vec![0i32; 2 * cw]);
    for (row, words) in out.chunks_exact_mut(width).enumerate() {
        let c = row / 2;
        // The vertically nearer chroma row: above for even rows, below for odd ones, the edge rows repeating.
        let near = if row % 2 == 0 { c.saturating_sub(1) } else { (c + 1).min(ch - 1) };
        upsample_row(p.u, p.u_stride, (c, near), &mut sums, &mut cb);
        upsample_row(p.v, p.v_stride, (c, near), &mut sums, &mut cr);
        let luma = &p.y[row * p.y_stride..][..width];
        for (((word, &l), &b), &r) in words.iter_mut().zip(luma).zip(&cb).zip(&cr) {
            *word = rgba(i32::from(l), b, r);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain definition, one output pixel at a time: the 9-3-3-1 weights over the four chroma samples nearest
    /// to it (edges clamped), then the JFIF conversion in floating point, rounded per term as libjpeg's tables are.
    fn naive(p: Planes, width: usize, height: usize) -> Vec<u8> {
        let (cw, ch) = (width.div_ceil(2) as isize, height.div_ceil(2) as isize);
        let at = |plane: &[u8], stride: usize, r: isize, c: isize| {
            i32::from(plane[r.clamp(0, ch - 1) as usize * stride + c.clamp(0, cw - 1) as usize])
        };
        let mut out = Vec::new();
        for y in 0..height as isize {
            for x in 0..width as isize {
                let (r, c) = (y / 2, x / 2);
                let rn = if y % 2 == 0 { r - 1 } else { r + 1 };
                let cn = if x % 2 == 0 { c - 1 } else { c + 1 };
                let bias = if x % 2 == 0 { 8 } else { 7 };
                let up = |plane: &[u8], s: usize| {
                    (9 * at(plane, s, r, c)
                        + 3 * at(plane, s, r, cn)
                        + 3 * at(plane, s, rn, c)
                        + at(plane, s, rn, cn)
                        + bias)
                        >> 4
                };
                let (cb, cr) = (up(p.u, p.u_stride) - 128, up(p.v, p.v_stride) - 128);
                let l = i32::from(p.y[y as usize * p.y_stride + x as usize]);
                let fix = |k: f64| (k * 65536.0 + 0.5).floor() as i64;
                let term = |k: f64, v: i32| ((fix(k) * i64::from(v) + 32768) >> 16) as i32;
                let g = ((-fix(0.34414) * i64::from(cb) + 32768 - fix(0.71414) * i64::from(cr)) >> 16) as i32;
                for v in [l + term(1.402, cr), l + g, l + term(1.772, cb)] {
                    out.push(v.clamp(0, 255) as u8);
                }
                out.push(255);
            }
        }
        out
    }

    /// The words' bytes in memory order on a little-endian machine (wasm's): R, G, B, A per pixel.
    fn bytes_of(words: Vec<u32>) -> Vec<u8> {
        words.iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    /// A small deterministic generator (xorshift), so the random problems are the same on every run.
    fn bytes(n: usize, seed: &mut u64) -> Vec<u8> {
        (0..n)
            .map(|_| {
                *seed ^= *seed << 13;
                *seed ^= *seed >> 7;
                *seed ^= *seed << 17;
                (*seed >> 24) as u8
            })
            .collect()
    }

    #[test]
    fn matches_the_plain_definition_on_random_planes_of_odd_and_even_sizes() {
        let mut seed = 0x9e37_79b9_7f4a_7c15;
        for (w, h) in [(3usize, 1usize), (3, 2), (4, 3), (5, 5), (16, 9), (33, 17), (451, 300)] {
            let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
            // Strides wider than the rows, as a VideoFrame's may be.
            let (ys, us) = (w + 3, cw + 1);
            let (y, u, v) = (bytes(ys * h, &mut seed), bytes(us * ch, &mut seed), bytes(us * ch, &mut seed));
            let p = Planes { y: &y, y_stride: ys, u: &u, u_stride: us, v: &v, v_stride: us };
            assert_eq!(bytes_of(yuv420_to_rgba(p, w, h).unwrap()), naive(p, w, h), "{w}×{h}");
        }
    }

    #[test]
    fn grey_chroma_gives_grey_and_extremes_clamp() {
        let y = [0, 128, 255, 7, 200, 255];
        let grey = [128, 128];
        let p = Planes { y: &y, y_stride: 3, u: &grey, u_stride: 2, v: &grey, v_stride: 2 };
        let rgba = bytes_of(yuv420_to_rgba(p, 3, 2).unwrap());
        for (px, &l) in rgba.chunks(4).zip(&y) {
            assert_eq!(px, [l, l, l, 255]);
        }
        // Full red chroma on white luma must clamp, not wrap.
        let (lo, hi) = ([0u8, 0], [255u8, 255]);
        let p = Planes { y: &[255; 6], y_stride: 3, u: &lo, u_stride: 2, v: &hi, v_stride: 2 };
        let rgba = bytes_of(yuv420_to_rgba(p, 3, 2).unwrap());
        assert_eq!(&rgba[..4], [255, 208, 28, 255]);
    }

    #[test]
    fn planes_too_small_or_images_too_narrow_are_refused_not_a_panic() {
        let y = vec![0u8; 12];
        let c = vec![0u8; 4];
        let p = Planes { y: &y, y_stride: 4, u: &c, u_stride: 2, v: &c, v_stride: 2 };
        assert!(yuv420_to_rgba(p, 4, 3).is_ok());
        assert!(yuv420_to_rgba(p, 4, 4).is_err(), "luma too short");
        assert!(yuv420_to_rgba(p, 5, 3).is_err(), "stride narrower than the row");
        assert!(yuv420_to_rgba(Planes { u: &c[..3], ..p }, 4, 3).is_err(), "chroma too short");
        assert!(yuv420_to_rgba(p, 2, 3).is_err(), "too narrow");
        let wrap = Planes { y_stride: usize::MAX / 2, ..p };
        assert!(yuv420_to_rgba(wrap, 4, 3).is_err(), "a stride whose product with the height wraps");
        assert!(yuv420_to_rgba(p, 4, 0).is_err(), "empty");
    }
}
