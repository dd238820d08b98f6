//! The layout the engine holds an fc matrix in: panels of [`PANEL`] output rows, each stored input by input.
//!
//! A matrix `W [n_out, n_in]` (row-major, as ONNX's Gemm with transB = 1 and Caffe hold it) is cut into panels of
//! `PANEL` consecutive rows (the last panel may be narrower). Panel `p` covers rows `o0 = p·PANEL .. o0 + w` and is
//! stored as `[n_in][w]`: the `w` weights that input `j` feeds sit side by side, at `o0·n_in + j·w + (o − o0)`.
//!
//! Why: the fc layers are bound by reading their weights (fc6's are 151 MB as f32), and their inputs come out of a
//! ReLU (and a max pool), so a third to two thirds of them are exactly zero. In this layout a run of zero inputs
//! skips its weights in every panel (the fc kernel skips stretches of at least four all-zero runs of 32, 16 KB of a
//! panel: every hole makes the prefetcher start over, see `ops::linear`), where row by row
//! every row must still be read whole. Each panel is also a single forward stream, which the prefetcher keeps up
//! with better than four rows read side by side.
//!
//! Panel `p` occupies exactly the bytes that rows `o0 .. o0 + w` occupy row-major, so a matrix can be put into
//! panels in place, one panel at a time, with a panel's worth of scratch ([`to_panels_in_place`]): a weights file
//! held in memory stays held once.

/// Output rows per panel: 32 f32s are eight SIMD128 accumulators, enough independent multiply-adds per input to
/// hide their latency, and few enough to stay in registers.
pub const PANEL: usize = 32;

/// `(first row, width)` of each panel of an `n_out`-row matrix.
pub fn panels(n_out: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..n_out).step_by(PANEL).map(move |o0| (o0, PANEL.min(n_out - o0)))
}

/// Index in the panel layout of row `o`, input `j` of an `[n_out, n_in]` matrix.
#[inline]
pub fn index(n_out: usize, n_in: usize, o: usize, j: usize) -> usize {
    let o0 = o / PANEL * PANEL;
    let w = PANEL.min(n_out - o0);
    o0 * n_in + j * w + (o - o0)
}

/// A row-major `[rows.len() / n_in, n_in]` matrix in panels (a new vector).
pub fn to_panels(rows: &[f32], n_in: usize) -> Vec<f32> {
    let mut out = rows.to_vec();
    to_panels_in_place(&mut out, n_in);
    out
}

/// Rearranges a row-major matrix into panels where it lies, one panel at a time (scratch: one panel).
pub fn to_panels_in_place(m: &mut [f32], n_in: usize) {
    if n_in == 0 {
        return;
    }
    assert_eq!(m.len() % n_in, 0, "panels: the matrix is not [n_out, {n_in}]");
    let mut scratch = vec![0f32; PANEL.min(m.len() / n_in) * n_in];
    for (o0, w) in panels(m.len() / n_in) {
        let region = &mut m[o0 * n_in..][..w * n_in];
        let rows = &mut scratch[..w * n_in];
        rows.copy_from_slice(region);
        for (j, dst) in region.chunks_exact_mut(w).enumerate() {
            for (b, d) in dst.iter_mut().enumerate() {
                *d = rows[b * n_in + j];
            }
        }
    }
}

/// The row-major matrix back from its panels (a new vector): for writing files and for references.
pub fn to_rows(panelled: &[f32], n_in: usize) -> Vec<f32> {
    if n_in == 0 {
        return Vec::new();
    }
    let mut out = vec![0f32; panelled.len()];
    for (o0, w) in panels(panelled.len() / n_in) {
        let region = &panelled[o0 * n_in..][..w * n_in];
        for (j, src) in region.chunks_exact(w).enumerate() {
            for (b, &v) in src.iter().enumerate() {
                out[(o0 + b) * n_in + j] = v;
            }
        }
    }
    out
}

/// Row `o` (its `n_in` weights) of a matrix held in panels.
pub fn row(panelled: &[f32], n_in: usize, o: usize) -> Vec<f32> {
    let n_out = panelled.len() / n_in.max(1);
    (0..n_in).map(|j| panelled[index(n_out, n_in, o, j)]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::testutil::rand_vec;

    /// Every element lands where `index` says, in place and not, and comes back by `to_rows` and `row`.
    #[test]
    fn panels_round_trip_and_index() {
        for (n_out, n_in) in [(1, 1), (5, 3), (32, 7), (33, 2), (70, 9), (1000, 5)] {
            let rows = rand_vec(n_out as u64, n_out * n_in);
            let p = to_panels(&rows, n_in);
            for o in 0..n_out {
                for j in 0..n_in {
                    assert_eq!(p[index(n_out, n_in, o, j)], rows[o * n_in + j], "{n_out}x{n_in} ({o}, {j})");
                }
                assert_eq!(row(&p, n_in, o), rows[o * n_in..][..n_in]);
            }
            assert_eq!(to_rows(&p, n_in), rows);
            let widths: usize = panels(n_out).map(|(_, w)| w).sum();
            assert_eq!(widths, n_out);
        }
    }
}
