//! Caffe's LRN backward. With `s_c = k + (α/n)·Σ_{j∈W(c)} a_j²` and `b_c = a_c · s_c^(−β)`:
//! `∂L/∂a_j = g_j · s_j^(−β) − (2αβ/n) · a_j · Σ_{c : j∈W(c)} g_c · a_c · s_c^(−β−1)`.

use crate::ops::lrn::window;
use crate::spec::LrnSpec;

/// Reference in f64: every term of the formula summed directly, over the channels whose window holds `j`.
pub fn lrn_backward_naive(p: &LrnSpec, a: &[f64], dy: &[f64], c: usize, hw: usize) -> Vec<f64> {
    assert!(a.len() == c * hw && dy.len() == c * hw);
    let (alpha_n, beta) = (p.alpha as f64 / p.size as f64, p.beta as f64);
    let scale = |ch: usize, i: usize| {
        let (lo, hi) = window(p, ch, c);
        p.k as f64 + alpha_n * (lo..hi).map(|j| a[j * hw + i] * a[j * hw + i]).sum::<f64>()
    };
    let mut dx = vec![0f64; a.len()];
    for i in 0..hw {
        let s: Vec<f64> = (0..c).map(|ch| scale(ch, i)).collect();
        for j in 0..c {
            let mut cross = 0.0;
            for (ch, &sc) in s.iter().enumerate() {
                let (lo, hi) = window(p, ch, c);
                if (lo..hi).contains(&j) {
                    cross += dy[ch * hw + i] * a[ch * hw + i] * sc.powf(-beta - 1.0);
                }
            }
            dx[j * hw + i] = dy[j * hw + i] * s[j].powf(-beta) - 2.0 * alpha_n * beta * a[j * hw + i] * cross;
        }
    }
    dx
}

/// Fast path over `[c, hw]`: the window sums of squares as in the forward (running over channels), then the
/// cross terms `t_c = g_c·a_c·s_c^(−β−1)` summed over the reverse window.
pub fn lrn_backward(p: &LrnSpec, a: &[f32], dy: &[f32], c: usize, hw: usize) -> Vec<f32> {
    assert!(a.len() == c * hw && dy.len() == c * hw, "lrn backward: lengths");
    let alpha_n = p.alpha / p.size as f32;
    // s^(−β) per value, and t = g·a·s^(−β−1) = g·a·s^(−β)/s.
    let mut inv = vec![0f32; c * hw];
    let mut t = vec![0f32; c * hw];
    let mut acc = vec![0f32; hw];
    let (mut lo, mut hi) = (0, 0);
    for ch in 0..c {
        let (nlo, nhi) = window(p, ch, c);
        for (j, sign) in (hi..nhi).map(|j| (j, 1.0)).chain((lo..nlo).map(|j| (j, -1.0))) {
            for (s, &x) in acc.iter_mut().zip(&a[j * hw..][..hw]) {
                *s += sign * x * x;
            }
        }
        (lo, hi) = (nlo, nhi.max(hi));
        for i in 0..hw {
            let s = p.k + alpha_n * acc[i].max(0.0);
            let r = s.powf(-p.beta);
            inv[ch * hw + i] = r;
            t[ch * hw + i] = dy[ch * hw + i] * a[ch * hw + i] * r / s;
        }
    }
    // j ∈ W(c) ⟺ c ∈ [j − (size − half) + 1, j + half]: at most `size` planes of t, summed directly (a running
    // sum would subtract values of both signs and lose digits).
    let half = (p.size - 1) / 2;
    let back = p.size - half - 1;
    let coef = 2.0 * alpha_n * p.beta;
    let mut dx = vec![0f32; c * hw];
    for (j, out) in dx.chunks_exact_mut(hw).enumerate() {
        acc.fill(0.0);
        for ch in j.saturating_sub(back)..(j + half + 1).min(c) {
            for (s, &v) in acc.iter_mut().zip(&t[ch * hw..][..hw]) {
                *s += v;
            }
        }
        for (i, o) in out.iter_mut().enumerate() {
            let k = j * hw + i;
            *o = dy[k] * inv[k] - coef * a[k] * acc[i];
        }
    }
    dx
}
