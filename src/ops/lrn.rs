//! Local response normalisation across channels, in Caffe's form: b = a / (k + (α/n)·Σ a²)^β.
//!
//! The sum runs over the `n` channels centred on the current one (clipped at the ends). The paper writes the same
//! thing with k = 2 and α without the division by n; Caffe's BVLC model uses k = 1, α = 1e-4, n = 5, β = 0.75.
//! ONNX's LRN has the same α/n form, so onnxruntime is a direct reference.

use crate::par;
use crate::spec::LrnSpec;

/// The window of channels `[lo, hi)` that normalise channel `c` of `channels`.
pub fn window(p: &LrnSpec, c: usize, channels: usize) -> (usize, usize) {
    let half = (p.size - 1) / 2;
    (c.saturating_sub(half), (c + p.size - half).min(channels))
}

/// The divisor's base (k + α/n·Σ a²) for one position, from its window's values; shared by the reference and the UI query.
pub fn scale(p: &LrnSpec, window_values: impl Iterator<Item = f32>) -> f32 {
    let sq: f64 = window_values.map(|v| (v as f64) * (v as f64)).sum();
    (p.k as f64 + p.alpha as f64 / p.size as f64 * sq) as f32
}

/// Reference over `[c, h, w]`: each value sums its own window directly.
pub fn lrn_naive(p: &LrnSpec, input: &[f32], c: usize, hw: usize) -> Vec<f32> {
    assert_eq!(input.len(), c * hw);
    let mut out = vec![0f32; input.len()];
    for ch in 0..c {
        let (lo, hi) = window(p, ch, c);
        for i in 0..hw {
            let s = scale(p, (lo..hi).map(|j| input[j * hw + i]));
            out[ch * hw + i] = input[ch * hw + i] / (s as f64).powf(p.beta as f64) as f32;
        }
    }
    out
}

/// Fast path: a running window sum of squares over channels (add the entering plane, drop the leaving one).
/// With threads, the channels are cut into pieces the threads share, each starting its own running sum.
pub fn lrn(p: &LrnSpec, input: &[f32], c: usize, hw: usize) -> Vec<f32> {
    assert_eq!(input.len(), c * hw);
    let mut out = vec![0f32; input.len()];
    par::for_pieces(c, 1, &mut out, hw, &|planes: std::ops::Range<usize>, o: &mut [f32]| {
        lrn_channels(p, input, c, hw, planes.start, o)
    });
    out
}

/// Channels `c0..` that `out` (`[channels, hw]`) has room for. A plane's squares are recomputed when it leaves
/// the window, which gives exactly the value that was added.
fn lrn_channels(p: &LrnSpec, input: &[f32], c: usize, hw: usize, c0: usize, out: &mut [f32]) {
    let mut acc = vec![0f32; hw];
    let alpha_n = p.alpha / p.size as f32;
    let (start, _) = window(p, c0, c);
    let (mut lo, mut hi) = (start, start);
    for (ch, dst) in (c0..).zip(out.chunks_exact_mut(hw)) {
        let (nlo, nhi) = window(p, ch, c);
        while hi < nhi {
            for (a, &x) in acc.iter_mut().zip(&input[hi * hw..][..hw]) {
                *a += x * x;
            }
            hi += 1;
        }
        while lo < nlo {
            for (a, &x) in acc.iter_mut().zip(&input[lo * hw..][..hw]) {
                *a -= x * x;
            }
            lo += 1;
        }
        let src = &input[ch * hw..][..hw];
        // Running sums of non-negative squares can drift a hair below zero after subtraction; clamp.
        if p.beta == 0.75 {
            // AlexNet's β: d^-0.75 = 1 / (√d · √√d). Square roots are exact IEEE operations (one wasm
            // instruction each), while powf is a slow software routine in wasm: this halves LRN's time there.
            for ((o, &x), &a) in dst.iter_mut().zip(src).zip(&acc) {
                let d = p.k + alpha_n * a.max(0.0);
                let r = d.sqrt();
                *o = x / (r * r.sqrt());
            }
        } else {
            for ((o, &x), &a) in dst.iter_mut().zip(src).zip(&acc) {
                *o = x * (p.k + alpha_n * a.max(0.0)).powf(-p.beta);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::testutil::{on_one_and_two_threads, rand_vec};
    use crate::tensor::max_rel_err;

    #[test]
    fn fast_matches_naive() {
        for (p, c, hw) in [
            (LrnSpec { size: 5, alpha: 1e-4, beta: 0.75, k: 1.0 }, 12, 9),
            (LrnSpec { size: 5, alpha: 0.5, beta: 0.75, k: 1.0 }, 7, 4),
            (LrnSpec { size: 3, alpha: 2.0, beta: 0.5, k: 2.0 }, 3, 5),
        ] {
            let x: Vec<f32> = rand_vec(c as u64, c * hw).iter().map(|v| v * 50.0).collect();
            on_one_and_two_threads(|| {
                let e = max_rel_err(&lrn(&p, &x, c, hw), &lrn_naive(&p, &x, c, hw));
                assert!(e < 1e-5, "{p:?}: {e}");
            });
        }
    }

    #[test]
    fn windows_clip_at_the_ends() {
        let p = LrnSpec { size: 5, alpha: 1e-4, beta: 0.75, k: 1.0 };
        assert_eq!(window(&p, 0, 96), (0, 3));
        assert_eq!(window(&p, 10, 96), (8, 13));
        assert_eq!(window(&p, 95, 96), (93, 96));
    }
}
