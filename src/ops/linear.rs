//! Fully connected layer y = W·x + b: f32 weights held in panels ([`crate::ops::panels`]), int8 rows `[n_out, n_in]`.

use crate::ops::panels::{panels, PANEL};
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

/// The inputs whose weights are read, with their indices: every run of [`RUN`] inputs, zeros included, except
/// stretches of at least [`MIN_SKIP`] runs that are all zero. A zero input adds `0 · w`, which is zero unless the
/// weight is infinite or NaN (and a file holding such weights makes the whole layer meaningless).
///
/// Why whole runs and long stretches only: a panel keeps an input's 32 weights in 128 bytes and is read as one forward
/// stream, and every hole in it makes the hardware prefetcher start over. In Chromium on an AMD EPYC, one thread,
/// fc6 took 7.8–9.3 ms reading only the nonzero inputs' weights and 4.5–4.7 ms reading them all (33 GB/s, the
/// measured bandwidth); skipping every all-zero run of 32 (2–4 % of pool5's runs on the generated model) still took
/// 5.2 ms against 4.4–4.6 reading all, so a hole costs about as much as reading a few runs. A dead channel of pool5
/// (36 zeros) leaves one zero run; several dead channels in a row make a stretch worth skipping.
struct Inputs {
    /// Ascending indices, each below `n` (made only by [`Inputs::of`]).
    idx: Vec<u32>,
    val: Vec<f32>,
    /// The input's length.
    n: usize,
}

/// Inputs per run that [`Inputs`] reads or skips whole: as many as fill a 4 KB page of a panel.
const RUN: usize = 4096 / (PANEL * std::mem::size_of::<f32>());

/// The fewest all-zero runs in a row whose weights [`Inputs`] skips (16 KB of each panel); shorter stretches are read.
const MIN_SKIP: usize = 4;

impl Inputs {
    fn of(x: &[f32]) -> Inputs {
        let zero: Vec<bool> = x.chunks(RUN).map(|run| run.iter().all(|&v| v == 0.0)).collect();
        let (mut idx, mut val) = (Vec::with_capacity(x.len()), Vec::with_capacity(x.len()));
        // Stretches of runs alike (all zero, or each holding a nonzero): each is read whole or skipped whole.
        let mut first = 0;
        for stretch in zero.chunk_by(|a, b| a == b) {
            let (from, to) = (first * RUN, ((first + stretch.len()) * RUN).min(x.len()));
            if !(stretch[0] && stretch.len() >= MIN_SKIP) {
                idx.extend(from as u32..to as u32);
                val.extend_from_slice(&x[from..to]);
            }
            first += stretch.len();
        }
        Inputs { idx, val, n: x.len() }
    }
}

/// Inputs' products summed per block before the block joins the total: a chain of ~9,000 sequential additions
/// (fc6) rounds about six times worse than chains of 256 whose sums are then added.
const BLOCK: usize = 256;

/// One full panel (`PANEL` outputs): `acc[b] = Σ_j panel[j][b] · x_j` over the inputs read (see [`Inputs`]).
#[cfg(not(target_arch = "wasm32"))]
fn panel_full(panel: &[f32], inputs: &Inputs, acc: &mut [f32; PANEL]) {
    assert_eq!(panel.len(), PANEL * inputs.n, "linear: panel extents");
    for (idx, val) in inputs.idx.chunks(BLOCK).zip(inputs.val.chunks(BLOCK)) {
        let mut part = [0f32; PANEL];
        for (&j, &v) in idx.iter().zip(val) {
            let ws: &[f32; PANEL] = panel[j as usize * PANEL..][..PANEL].try_into().expect("a panel row");
            for b in 0..PANEL {
                part[b] += ws[b] * v;
            }
        }
        for b in 0..PANEL {
            acc[b] += part[b];
        }
    }
}

/// wasm SIMD128: the panel's 32 outputs in eight vector accumulators, so each input's 32 weights are eight
/// independent multiply-adds (fused in the relaxed-SIMD builds) on one splatted input.
#[cfg(target_arch = "wasm32")]
fn panel_full(panel: &[f32], inputs: &Inputs, acc: &mut [f32; PANEL]) {
    use crate::ops::gemm::madd;
    use core::arch::wasm32::*;
    // Checked once per panel, not per index: every index is below inputs.n by construction.
    assert!(panel.len() == PANEL * inputs.n && inputs.idx.len() == inputs.val.len(), "linear: panel extents");
    let mut a = [f32x4_splat(0.0); PANEL / 4];
    let n = inputs.idx.len();
    let mut k0 = 0;
    while k0 < n {
        let mut part = [f32x4_splat(0.0); PANEL / 4];
        // SAFETY: every index j < inputs.n (how `Inputs::of` makes them) and panel.len() == PANEL·inputs.n (asserted), so
        // j·PANEL + PANEL <= panel.len(): the eight 4-float loads of input j's weights stay inside the panel;
        // k < n == idx.len() == val.len().
        unsafe {
            let base = panel.as_ptr();
            for k in k0..(k0 + BLOCK).min(n) {
                let j = *inputs.idx.get_unchecked(k) as usize;
                let s = f32x4_splat(*inputs.val.get_unchecked(k));
                let p = base.add(j * PANEL);
                for (i, acc) in part.iter_mut().enumerate() {
                    *acc = madd(v128_load(p.add(4 * i) as *const v128), s, *acc);
                }
            }
        }
        for (acc, p) in a.iter_mut().zip(part) {
            *acc = f32x4_add(*acc, p);
        }
        k0 += BLOCK;
    }
    for (i, v) in a.iter().enumerate() {
        // SAFETY: 4·i + 4 <= PANEL, inside `acc`.
        unsafe { v128_store(acc.as_mut_ptr().add(4 * i) as *mut v128, *v) };
    }
}

/// Outputs `o_start .. o_start + out.len()` (whole panels) of `w` (in panels) times the inputs read, plus `b`.
fn panels_into(w: &[f32], n_in: usize, o_start: usize, b: &[f32], inputs: &Inputs, out: &mut [f32]) {
    let (n_out, o_end) = (w.len() / n_in, o_start + out.len());
    for (o0, width) in panels(n_out).filter(|&(o0, _)| o0 >= o_start && o0 < o_end) {
        let panel = &w[o0 * n_in..][..width * n_in];
        let o = &mut out[o0 - o_start..][..width];
        if width == PANEL {
            let mut acc = [0f32; PANEL];
            panel_full(panel, inputs, &mut acc);
            for ((y, a), &bias) in o.iter_mut().zip(acc).zip(&b[o0..]) {
                *y = bias + a;
            }
        } else {
            // The last, narrower panel (fc8's 1000 outputs end with 8).
            o.copy_from_slice(&b[o0..][..width]);
            for (idx, val) in inputs.idx.chunks(BLOCK).zip(inputs.val.chunks(BLOCK)) {
                let mut part = [0f32; PANEL];
                for (&j, &v) in idx.iter().zip(val) {
                    for (p, &wv) in part.iter_mut().zip(&panel[j as usize * width..][..width]) {
                        *p += wv * v;
                    }
                }
                for (y, p) in o.iter_mut().zip(part) {
                    *y += p;
                }
            }
        }
    }
}

/// Fast path: `w` held in panels ([`crate::ops::panels`]); the weights of runs of zero inputs are not read (see
/// [`Inputs`]), each panel one forward stream. With threads the panels are cut into pieces the threads share (see par::PIECES), as
/// the two GPUs shared fc6 and fc7.
pub fn linear(w: &[f32], b: &[f32], x: &[f32]) -> Vec<f32> {
    let n_in = x.len();
    assert_eq!(w.len(), b.len() * n_in);
    let mut out = vec![0f32; b.len()];
    if n_in == 0 {
        out.copy_from_slice(b);
        return out;
    }
    let inputs = Inputs::of(x);
    par::for_pieces(b.len(), PANEL, &mut out, 1, &|rows: std::ops::Range<usize>, o: &mut [f32]| {
        panels_into(w, n_in, rows.start, b, &inputs, o)
    });
    out
}

/// Rows per block in the wasm int8 matrix-vector kernel.
#[cfg(target_arch = "wasm32")]
const ROWS: usize = 4;

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
    use crate::ops::testutil::{on_one_and_two_threads, rand_vec};
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

    /// Random problems (panels full and ragged, inputs dense, half zero as after a ReLU, and all zero) on one and
    /// two threads, and fc6's own geometry.
    #[test]
    fn fast_matches_naive() {
        for (n_out, n_in) in [(5, 3), (17, 100), (64, 1031), (1000, 40), (4096, 9216)] {
            let w = rand_vec(1, n_out * n_in);
            let p = crate::ops::panels::to_panels(&w, n_in);
            let b = rand_vec(2, n_out);
            let dense = rand_vec(3, n_in);
            let relu: Vec<f32> = dense.iter().map(|v| v.max(0.0)).collect();
            // Dead stretches as a ReLU leaves them: one short (read), one long (skipped) where the input is long enough.
            let mut dead = relu.clone();
            for j in (RUN..2 * RUN).chain(4 * RUN..(4 + MIN_SKIP + 1) * RUN) {
                if let Some(v) = dead.get_mut(j) {
                    *v = 0.0;
                }
            }
            for x in [dense, relu, dead, vec![0.0; n_in]] {
                let want = linear_naive(&w, &b, &x);
                on_one_and_two_threads(|| {
                    let e = max_rel_err(&linear(&p, &b, &x), &want);
                    assert!(e < 1e-5, "{n_out}x{n_in}: {e}");
                });
            }
        }
    }

    /// Which runs are read: all but stretches of at least `MIN_SKIP` zero runs, wherever they lie.
    #[test]
    fn only_long_zero_stretches_are_skipped() {
        // Runs: nonzero, zero, nonzero, MIN_SKIP zeros, nonzero, zero, zero (at the end), and a short last run.
        let pattern: Vec<bool> = [vec![true, false, true], vec![false; MIN_SKIP], vec![true, false, false]].concat();
        let mut x: Vec<f32> = pattern.iter().flat_map(|&nz| vec![if nz { 1.0 } else { 0.0 }; RUN]).collect();
        x.extend([0.0, 2.0, 0.0]);
        let inputs = Inputs::of(&x);
        let read: Vec<usize> = inputs.idx.chunks(RUN).map(|c| c[0] as usize / RUN).collect();
        let skipped: Vec<usize> = (3..3 + MIN_SKIP).collect();
        let want: Vec<usize> = (0..pattern.len() + 1).filter(|r| !skipped.contains(r)).collect();
        assert_eq!(read, want);
        assert_eq!(inputs.val.len(), inputs.idx.len());
        assert!(inputs.idx.iter().zip(&inputs.val).all(|(&j, &v)| x[j as usize] == v));
        // An input that is all zero and long enough reads nothing; a short one is read whole.
        assert!(Inputs::of(&vec![0.0; RUN * MIN_SKIP]).idx.is_empty());
        assert_eq!(Inputs::of(&vec![0.0; RUN * (MIN_SKIP - 1)]).idx.len(), RUN * (MIN_SKIP - 1));
    }
}
