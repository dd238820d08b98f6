//! The fully connected layer on several inputs at once, `ys[j] = W·xs[j] + b`: each weight row is read once for all
//! of them, so a batch costs one stream of the matrix (fc6's is 151 MB as f32) instead of one per input. Occlusion
//! uses it for the patch positions of a map row, whose fc inputs all differ.

use crate::ops::linear::dot;
use crate::par;

/// The weight rows `[n_out, n_in]`: f32, or int8 codes with one scale per row.
#[derive(Clone, Copy)]
pub enum Rows<'a> {
    F32(&'a [f32]),
    I8(&'a [i8], &'a [f32]),
}

/// Reference: [`crate::ops::linear::linear_naive`] on each input, with int8 rows dequantised first.
pub fn linear_batch_naive(w: Rows, b: &[f32], xs: &[Vec<f32>]) -> Vec<Vec<f32>> {
    let deq: Vec<f32> = match w {
        Rows::F32(w) => w.to_vec(),
        Rows::I8(q, s) => {
            let n_in = q.len() / s.len().max(1);
            q.iter().enumerate().map(|(i, &v)| v as f32 * s[i / n_in]).collect()
        }
    };
    xs.iter().map(|x| crate::ops::linear::linear_naive(&deq, b, x)).collect()
}

/// Rows `r0..` of the layer into `out [rows][xs.len()]` (row-major by output row).
fn rows_into(w: Rows, n_in: usize, r0: usize, b: &[f32], xs: &[Vec<f32>], out: &mut [f32]) {
    let nb = xs.len();
    let mut scratch = vec![0f32; if matches!(w, Rows::I8(..)) { n_in } else { 0 }];
    for (i, o) in out.chunks_exact_mut(nb).enumerate() {
        let r = r0 + i;
        let row: &[f32] = match w {
            Rows::F32(w) => &w[r * n_in..][..n_in],
            Rows::I8(q, s) => {
                for (d, &v) in scratch.iter_mut().zip(&q[r * n_in..][..n_in]) {
                    *d = v as f32 * s[r];
                }
                &scratch
            }
        };
        for (y, x) in o.iter_mut().zip(xs) {
            *y = b[r] + dot(row, x);
        }
    }
}

/// Fast path: the rows split in two halves (one per thread with two), each row read once for every input.
pub fn linear_batch(w: Rows, b: &[f32], xs: &[Vec<f32>]) -> Vec<Vec<f32>> {
    let (n_out, nb) = (b.len(), xs.len());
    if nb == 0 {
        return Vec::new();
    }
    let n_in = xs[0].len();
    let len = match w {
        Rows::F32(w) => w.len(),
        Rows::I8(q, s) => {
            assert_eq!(s.len(), n_out, "linear batch: one scale per row");
            q.len()
        }
    };
    assert!(len == n_out * n_in && xs.iter().all(|x| x.len() == n_in), "linear batch: extents");
    let mut out = vec![0f32; n_out * nb];
    let half = n_out / 2;
    let (o0, o1) = out.split_at_mut(half * nb);
    par::join(|| rows_into(w, n_in, 0, b, xs, o0), || rows_into(w, n_in, half, b, xs, o1));
    (0..nb).map(|j| (0..n_out).map(|r| out[r * nb + j]).collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::testutil::{on_one_and_two_threads, rand_vec};
    use crate::tensor::max_rel_err;

    #[test]
    fn fast_matches_naive_for_f32_and_int8_rows() {
        for (n_out, n_in, nb) in [(5, 3, 1), (17, 100, 13), (64, 1031, 4)] {
            let w = rand_vec(1, n_out * n_in);
            let q: Vec<i8> = w.iter().map(|v| (v * 127.0).round() as i8).collect();
            let s: Vec<f32> = rand_vec(2, n_out).iter().map(|v| (1.5 + v) / 127.0).collect();
            let b = rand_vec(3, n_out);
            let xs: Vec<Vec<f32>> = (0..nb).map(|j| rand_vec(10 + j as u64, n_in)).collect();
            for rows in [Rows::F32(&w), Rows::I8(&q, &s)] {
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
