//! Fully connected layer y = W·x + b, with `W [n_out, n_in]` row-major (ONNX Gemm with transB = 1).

use crate::par;

/// Reference: one f64 dot product per output.
pub fn linear_naive(w: &[f32], b: &[f32], x: &[f32]) -> Vec<f32> {
    let n_in = x.len();
    assert_eq!(w.len(), b.len() * n_in);
    (0..b.len())
        .map(|o| {
            (b[o] as f64 + w[o * n_in..][..n_in].iter().zip(x).map(|(&a, &v)| a as f64 * v as f64).sum::<f64>()) as f32
        })
        .collect()
}

/// Dot product with 8 independent accumulators, which the compiler maps onto SIMD lanes.
pub(crate) fn dot(a: &[f32], x: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let chunks = a.len() / 8 * 8;
    for (ca, cx) in a[..chunks].chunks_exact(8).zip(x[..chunks].chunks_exact(8)) {
        for i in 0..8 {
            acc[i] += ca[i] * cx[i];
        }
    }
    let tail: f32 = a[chunks..].iter().zip(&x[chunks..]).map(|(p, q)| p * q).sum();
    acc.iter().sum::<f32>() + tail
}

/// Native: four rows at a time as on wasm (each 8 floats of x feed four rows; 4 × 8 independent lanes), in
/// plain arrays the compiler vectorises.
#[cfg(not(target_arch = "wasm32"))]
fn rows_into(w: &[f32], b: &[f32], x: &[f32], out: &mut [f32]) {
    let n = x.len();
    let n8 = n / 8 * 8;
    let mut blocks = out.chunks_exact_mut(4);
    let mut r0 = 0;
    for o in &mut blocks {
        let rows: [&[f32]; 4] = core::array::from_fn(|k| &w[(r0 + k) * n..][..n]);
        let mut acc = [[0f32; 8]; 4];
        for (i, xs) in x[..n8].chunks_exact(8).enumerate() {
            for k in 0..4 {
                let ws = &rows[k][i * 8..][..8];
                for j in 0..8 {
                    acc[k][j] += ws[j] * xs[j];
                }
            }
        }
        for k in 0..4 {
            let tail: f32 = rows[k][n8..].iter().zip(&x[n8..]).map(|(p, q)| p * q).sum();
            o[k] = b[r0 + k] + acc[k].iter().sum::<f32>() + tail;
        }
        r0 += 4;
    }
    for (i, o) in blocks.into_remainder().iter_mut().enumerate() {
        *o = b[r0 + i] + dot(&w[(r0 + i) * n..][..n], x);
    }
}

/// Rows per block in the wasm matrix-vector kernel (and the row pieces' alignment, so no piece has a ragged tail).
const ROWS: usize = 4;

/// wasm SIMD128: four rows at a time, so each 8 floats of x loaded feed four rows, and the 8 independent
/// accumulators hide the add latency (one row's two accumulators alone would wait on it: the kernel is then
/// latency-bound at about half the memory bandwidth). Multiply-adds are fused in the relaxed-SIMD builds.
#[cfg(target_arch = "wasm32")]
fn rows_into(w: &[f32], b: &[f32], x: &[f32], out: &mut [f32]) {
    use crate::ops::gemm::madd;
    use core::arch::wasm32::*;
    let n = x.len();
    assert!(w.len() == out.len() * n && b.len() == out.len(), "linear: extents");
    let n8 = n / 8 * 8;
    let blocks = out.len() / ROWS;
    for blk in 0..blocks {
        let r0 = blk * ROWS;
        let mut acc = [[f32x4_splat(0.0); 2]; ROWS];
        // SAFETY: rows r0..r0+ROWS are within w (r0 + ROWS <= out.len(), w.len() == out.len()·n, asserted), and
        // i + 8 <= n8 <= n keeps every 8-float load inside its row and inside x.
        unsafe {
            let rows: [*const f32; ROWS] = core::array::from_fn(|k| w.as_ptr().add((r0 + k) * n));
            let mut i = 0;
            while i < n8 {
                let x0 = v128_load(x.as_ptr().add(i) as *const v128);
                let x1 = v128_load(x.as_ptr().add(i + 4) as *const v128);
                for k in 0..ROWS {
                    acc[k][0] = madd(v128_load(rows[k].add(i) as *const v128), x0, acc[k][0]);
                    acc[k][1] = madd(v128_load(rows[k].add(i + 4) as *const v128), x1, acc[k][1]);
                }
                i += 8;
            }
        }
        for (k, a) in acc.iter().enumerate() {
            let v = f32x4_add(a[0], a[1]);
            let row = &w[(r0 + k) * n..][..n];
            let tail: f32 = row[n8..].iter().zip(&x[n8..]).map(|(p, q)| p * q).sum();
            out[r0 + k] = b[r0 + k]
                + ((f32x4_extract_lane::<0>(v) + f32x4_extract_lane::<1>(v))
                    + (f32x4_extract_lane::<2>(v) + f32x4_extract_lane::<3>(v)))
                + tail;
        }
    }
    for r in blocks * ROWS..out.len() {
        out[r] = b[r] + dot(&w[r * n..][..n], x);
    }
}

/// Fast path: the matrix is streamed once, row by row (x, at most 36 KB, stays in cache); with threads, the rows
/// are cut into pieces the threads share (see par::PIECES), as the two GPUs shared fc6 and fc7.
pub fn linear(w: &[f32], b: &[f32], x: &[f32]) -> Vec<f32> {
    let n_in = x.len();
    assert_eq!(w.len(), b.len() * n_in);
    let mut out = vec![0f32; b.len()];
    par::for_pieces(b.len(), ROWS, &mut out, 1, &|rows: std::ops::Range<usize>, o: &mut [f32]| {
        rows_into(&w[rows.start * n_in..rows.end * n_in], &b[rows.clone()], x, o)
    });
    out
}

/// Largest magnitude of the 12-bit input codes in the wasm int8 kernel: 127 · 2047 · (9216 / 4) < 2³¹, so a
/// whole fc6 row accumulates in i32 lanes without overflow.
#[cfg(target_arch = "wasm32")]
const X_CODE_MAX: f32 = 2047.0;

/// Dot products of int8 rows with the input quantised to 12-bit integers (`x ≈ code · sx`), in wasm SIMD128:
/// `i32x4.dot_i16x8_s` does 8 multiply-adds per instruction, where widening int8 weights to f32 costs ~23
/// instructions per 16. The input rounding adds at most 1/4094 of max|x| per term, well under int8's own error.
#[cfg(target_arch = "wasm32")]
fn rows_into_i8(q: &[i8], scale: &[f32], b: &[f32], x: &[f32], out: &mut [f32]) {
    use core::arch::wasm32::*;
    let n = x.len();
    assert!(q.len() == out.len() * n && scale.len() == out.len() && b.len() == out.len(), "linear_i8: extents");
    let m = x.iter().fold(0f32, |m, v| m.max(v.abs()));
    let sx = if m > 0.0 { m / X_CODE_MAX } else { 1.0 };
    let codes: Vec<i16> = x.iter().map(|v| (v / sx).round() as i16).collect();
    let n16 = n / 16 * 16;
    // Four rows at a time, as in the f32 kernel: each 16 input codes loaded feed four rows.
    let blocks = out.len() / ROWS;
    let finish = |r: usize, a: v128, out: &mut [f32]| {
        let row = &q[r * n..][..n];
        let mut total = i32x4_extract_lane::<0>(a) as i64
            + i32x4_extract_lane::<1>(a) as i64
            + i32x4_extract_lane::<2>(a) as i64
            + i32x4_extract_lane::<3>(a) as i64;
        total += row[n16..].iter().zip(&codes[n16..]).map(|(&w, &c)| w as i64 * c as i64).sum::<i64>();
        out[r] = b[r] + scale[r] * sx * total as f32;
    };
    for blk in 0..blocks {
        let r0 = blk * ROWS;
        let mut acc = [[i32x4_splat(0); 2]; ROWS];
        // SAFETY: rows r0..r0+ROWS lie inside q (r0 + ROWS <= out.len(), q.len() == out.len()·n, asserted) and
        // i + 16 <= n16 <= n keeps the 16-byte weight loads inside their rows and the 2×16-byte code loads
        // inside `codes` (n values).
        unsafe {
            let rows: [*const i8; ROWS] = core::array::from_fn(|k| q.as_ptr().add((r0 + k) * n));
            let mut i = 0;
            while i < n16 {
                let c = codes.as_ptr().add(i);
                let c0 = v128_load(c as *const v128);
                let c1 = v128_load(c.add(8) as *const v128);
                for k in 0..ROWS {
                    let v = v128_load(rows[k].add(i) as *const v128);
                    acc[k][0] = i32x4_add(acc[k][0], i32x4_dot_i16x8(i16x8_extend_low_i8x16(v), c0));
                    acc[k][1] = i32x4_add(acc[k][1], i32x4_dot_i16x8(i16x8_extend_high_i8x16(v), c1));
                }
                i += 16;
            }
        }
        for (k, a) in acc.iter().enumerate() {
            finish(r0 + k, i32x4_add(a[0], a[1]), out);
        }
    }
    for r in blocks * ROWS..out.len() {
        let row = &q[r * n..][..n];
        let mut a = i32x4_splat(0);
        let mut i = 0;
        while i < n16 {
            // SAFETY: i + 16 <= n16 <= n == row.len() == codes.len().
            unsafe {
                let v = v128_load(row.as_ptr().add(i) as *const v128);
                let c = codes.as_ptr().add(i);
                a = i32x4_add(a, i32x4_dot_i16x8(i16x8_extend_low_i8x16(v), v128_load(c as *const v128)));
                a = i32x4_add(a, i32x4_dot_i16x8(i16x8_extend_high_i8x16(v), v128_load(c.add(8) as *const v128)));
            }
            i += 16;
        }
        finish(r, a, out);
    }
}

/// Dot product of int8 weights with f32 inputs; 16 lanes at a time so the i8→f32 widening can vectorise.
#[cfg(not(target_arch = "wasm32"))]
fn dot_i8(q: &[i8], x: &[f32]) -> f32 {
    let mut acc = [0f32; 16];
    let chunks = q.len() / 16 * 16;
    for (cq, cx) in q[..chunks].chunks_exact(16).zip(x[..chunks].chunks_exact(16)) {
        for i in 0..16 {
            acc[i] += cq[i] as f32 * cx[i];
        }
    }
    let tail: f32 = q[chunks..].iter().zip(&x[chunks..]).map(|(&a, &v)| a as f32 * v).sum();
    acc.iter().sum::<f32>() + tail
}

#[cfg(not(target_arch = "wasm32"))]
fn rows_into_i8(q: &[i8], scale: &[f32], b: &[f32], x: &[f32], out: &mut [f32]) {
    for (((o, row), &s), &bias) in out.iter_mut().zip(q.chunks_exact(x.len())).zip(scale).zip(b) {
        *o = bias + s * dot_i8(row, x);
    }
}

/// y = (q · scale)·x + b with int8 rows `q [n_out, n_in]` and per-row scales: a quarter of the memory traffic of
/// the f32 path, which for fc6 (37.7 M weights) is what bounds the layer. Rows split over two threads as in `linear`.
pub fn linear_i8(q: &[i8], scale: &[f32], b: &[f32], x: &[f32]) -> Vec<f32> {
    let n_in = x.len();
    assert!(q.len() == b.len() * n_in && scale.len() == b.len());
    let mut out = vec![0f32; b.len()];
    let half = b.len() / 2;
    let (o0, o1) = out.split_at_mut(half);
    let (q0, q1) = q.split_at(half * n_in);
    let (s0, s1) = scale.split_at(half);
    let (b0, b1) = b.split_at(half);
    par::join(|| rows_into_i8(q0, s0, b0, x, o0), || rows_into_i8(q1, s1, b1, x, o1));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::testutil::rand_vec;
    use crate::tensor::max_rel_err;

    #[test]
    fn int8_matches_naive_on_dequantised_weights() {
        for (n_out, n_in) in [(5, 3), (17, 100), (64, 1031)] {
            // Int8 rows as a quantiser leaves them: codes in [-127, 127], one positive scale per row.
            let q: Vec<i8> = rand_vec(4, n_out * n_in).iter().map(|v| (v * 127.0).round() as i8).collect();
            let s: Vec<f32> = rand_vec(7, n_out).iter().map(|v| (1.5 + v) / 127.0).collect();
            let deq: Vec<f32> =
                q.chunks_exact(n_in).zip(&s).flat_map(|(r, &sc)| r.iter().map(move |&v| v as f32 * sc)).collect();
            let b = rand_vec(5, n_out);
            let x = rand_vec(6, n_in);
            let e = max_rel_err(&linear_i8(&q, &s, &b, &x), &linear_naive(&deq, &b, &x));
            assert!(e < 1e-5, "{n_out}x{n_in}: {e}");
        }
    }

    #[test]
    fn fast_matches_naive() {
        for (n_out, n_in) in [(5, 3), (17, 100), (64, 1031)] {
            let w = rand_vec(1, n_out * n_in);
            let b = rand_vec(2, n_out);
            let x = rand_vec(3, n_in);
            let e = max_rel_err(&linear(&w, &b, &x), &linear_naive(&w, &b, &x));
            assert!(e < 1e-5, "{n_out}x{n_in}: {e}");
        }
    }
}
