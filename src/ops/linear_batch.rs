//! The fully connected layer on several inputs at once, `ys[j] = W·xs[j] + b`: each weight is read once for all
//! of them, so a batch costs one stream of the matrix (fc6's is 151 MB as f32) instead of one per input. Occlusion
//! uses it for the patch positions of a map row, whose fc inputs all differ.

use crate::ops::linear::dot;
use crate::ops::panels::{self, PANEL};
use crate::par;

/// The weights `[n_out, n_in]`: f32 in panels ([`crate::ops::panels`], as the engine holds them), or int8 rows
/// with one scale per row.
#[derive(Clone, Copy)]
pub enum Rows<'a> {
    Panels(&'a [f32]),
    I8(&'a [i8], &'a [f32]),
}

/// Reference: [`crate::ops::linear::linear_naive`] on each input, with the matrix as rows (int8 dequantised).
pub fn linear_batch_naive(w: Rows, b: &[f32], xs: &[Vec<f32>]) -> Vec<Vec<f32>> {
    let deq: Vec<f32> = match w {
        Rows::Panels(w) => panels::to_rows(w, xs.first().map_or(1, Vec::len)),
        Rows::I8(q, s) => {
            let n_in = q.len() / s.len().max(1);
            q.iter().enumerate().map(|(i, &v)| v as f32 * s[i / n_in]).collect()
        }
    };
    xs.iter().map(|x| crate::ops::linear::linear_naive(&deq, b, x)).collect()
}

/// Int8 rows `r0..` of the layer into `out [rows][xs.len()]` (row-major by output row).
fn rows_into_i8(q: &[i8], s: &[f32], n_in: usize, r0: usize, b: &[f32], xs: &[Vec<f32>], out: &mut [f32]) {
    let nb = xs.len();
    let mut row = vec![0f32; n_in];
    for (i, o) in out.chunks_exact_mut(nb).enumerate() {
        let r = r0 + i;
        for (d, &v) in row.iter_mut().zip(&q[r * n_in..][..n_in]) {
            *d = v as f32 * s[r];
        }
        for (y, x) in o.iter_mut().zip(xs) {
            *y = b[r] + dot(&row, x);
        }
    }
}

/// Panels `r0..` (whole panels) of an f32 matrix into `out [rows][xs.len()]`: each input's weights are read once,
/// and only for the inputs where some element of the batch is not zero (`js`); a zero element adds nothing.
fn panels_into(w: &[f32], n_in: usize, r0: usize, b: &[f32], xs: &[Vec<f32>], js: &[u32], out: &mut [f32]) {
    let (nb, n_out) = (xs.len(), w.len() / n_in);
    let end = r0 + out.len() / nb;
    for (o0, width) in panels::panels(n_out).filter(|&(o0, _)| o0 >= r0 && o0 < end) {
        let panel = &w[o0 * n_in..][..width * n_in];
        // acc[i][b]: input i, output o0 + b.
        let mut acc = vec![[0f32; PANEL]; nb];
        for &j in js {
            let col = &panel[j as usize * width..][..width];
            for (a, x) in acc.iter_mut().zip(xs) {
                let v = x[j as usize];
                if v != 0.0 {
                    if let Ok(col) = <&[f32; PANEL]>::try_from(col) {
                        for k in 0..PANEL {
                            a[k] += col[k] * v;
                        }
                    } else {
                        for (ak, &c) in a.iter_mut().zip(col) {
                            *ak += c * v;
                        }
                    }
                }
            }
        }
        for k in 0..width {
            for (i, a) in acc.iter().enumerate() {
                out[(o0 + k - r0) * nb + i] = b[o0 + k] + a[k];
            }
        }
    }
}

/// Fast path: the outputs cut into pieces the threads share (whole panels for f32), each weight read once for
/// every input.
pub fn linear_batch(w: Rows, b: &[f32], xs: &[Vec<f32>]) -> Vec<Vec<f32>> {
    let (n_out, nb) = (b.len(), xs.len());
    if nb == 0 {
        return Vec::new();
    }
    let n_in = xs[0].len();
    let len = match w {
        Rows::Panels(w) => w.len(),
        Rows::I8(q, s) => {
            assert_eq!(s.len(), n_out, "linear batch: one scale per row");
            q.len()
        }
    };
    assert!(len == n_out * n_in && xs.iter().all(|x| x.len() == n_in), "linear batch: extents");
    let mut out = vec![0f32; n_out * nb];
    match w {
        Rows::Panels(w) => {
            let js: Vec<u32> = (0..n_in).filter(|&j| xs.iter().any(|x| x[j] != 0.0)).map(|j| j as u32).collect();
            par::for_pieces(n_out, PANEL, &mut out, nb, &|r: std::ops::Range<usize>, o: &mut [f32]| {
                panels_into(w, n_in, r.start, b, xs, &js, o)
            });
        }
        Rows::I8(q, s) => par::for_pieces(n_out, 1, &mut out, nb, &|r: std::ops::Range<usize>, o: &mut [f32]| {
            rows_into_i8(q, s, n_in, r.start, b, xs, o)
        }),
    }
    (0..nb).map(|j| (0..n_out).map(|r| out[r * nb + j]).collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::testutil::{on_one_and_two_threads, rand_vec};
    use crate::tensor::max_rel_err;

    #[test]
    fn fast_matches_naive_for_f32_panels_and_int8_rows() {
        for (n_out, n_in, nb) in [(5, 3, 1), (17, 100, 13), (64, 1031, 4), (70, 50, 13)] {
            let w = rand_vec(1, n_out * n_in);
            let p = panels::to_panels(&w, n_in);
            let q: Vec<i8> = w.iter().map(|v| (v * 127.0).round() as i8).collect();
            let s: Vec<f32> = rand_vec(2, n_out).iter().map(|v| (1.5 + v) / 127.0).collect();
            let b = rand_vec(3, n_out);
            // Inputs as a ReLU leaves them: about half zero, and some columns zero in every input.
            let xs: Vec<Vec<f32>> = (0..nb)
                .map(|j| {
                    rand_vec(10 + j as u64, n_in)
                        .iter()
                        .enumerate()
                        .map(|(i, v)| if i % 7 == 3 { 0.0 } else { v.max(0.0) })
                        .collect()
                })
                .collect();
            for rows in [Rows::Panels(&p), Rows::I8(&q, &s)] {
                let want = linear_batch_naive(rows, &b, &xs);
                on_one_and_two_threads(|| {
                    let got = linear_batch(rows, &b, &xs);
                    assert_eq!(got.len(), nb);
                    for (g, w) in got.iter().zip(&want) {
                        let e = max_rel_err(g, w);
                        assert!(e < 1e-5, "{n_out}x{n_in}, batch {nb}: {e}");
                    }
                });
            }
        }
    }
}
