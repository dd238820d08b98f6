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

/// Per position of one channel: `inv = s^(−β)` and `t = g·a·s^(−β)/s` from the window's sum of squares `sq`. For
/// AlexNet's β = 0.75, `s^(−β) = 1 / (√s · √√s)`: exact square roots, which vectorise, where `powf` is a slow
/// software routine in wasm (as in the forward, `ops::lrn`).
fn inv_and_t(p: &LrnSpec, sq: &[f32], g: &[f32], a: &[f32], inv: &mut [f32], t: &mut [f32]) {
    let alpha_n = p.alpha / p.size as f32;
    let each = inv.iter_mut().zip(t.iter_mut()).zip(sq).zip(g).zip(a);
    if p.beta == 0.75 {
        for ((((r_out, t_out), &q), &gv), &av) in each {
            let s = p.k + alpha_n * q;
            let root = s.sqrt();
            let r = 1.0 / (root * root.sqrt());
            *r_out = r;
            *t_out = gv * av * r / s;
        }
    } else {
        for ((((r_out, t_out), &q), &gv), &av) in each {
            let s = p.k + alpha_n * q;
            let r = s.powf(-p.beta);
            *r_out = r;
            *t_out = gv * av * r / s;
        }
    }
}

/// Fast path over `[c, hw]`, the channels cut into pieces the threads share: per channel `c`, its window's sum of
/// squares `s_c` (added directly, no running sum to drift), `s_c^(−β)` and the cross term `t_c = g_c·a_c·s_c^(−β−1)`;
/// then per channel `j` the `t` of the channels whose window holds `j`.
pub fn lrn_backward(p: &LrnSpec, a: &[f32], dy: &[f32], c: usize, hw: usize) -> Vec<f32> {
    assert!(a.len() == c * hw && dy.len() == c * hw, "lrn backward: lengths");
    let alpha_n = p.alpha / p.size as f32;
    // Per channel, two planes: s^(−β), then t = g·a·s^(−β)/s.
    let mut it = vec![0f32; 2 * c * hw];
    crate::par::for_pieces(c, 1, &mut it, 2 * hw, &|chs: std::ops::Range<usize>, out: &mut [f32]| {
        let mut acc = vec![0f32; hw];
        for (ch, planes) in chs.zip(out.chunks_exact_mut(2 * hw)) {
            acc.fill(0.0);
            let (lo, hi) = window(p, ch, c);
            for j in lo..hi {
                for (s, &x) in acc.iter_mut().zip(&a[j * hw..][..hw]) {
                    *s += x * x;
                }
            }
            let (inv, t) = planes.split_at_mut(hw);
            inv_and_t(p, &acc, &dy[ch * hw..][..hw], &a[ch * hw..][..hw], inv, t);
        }
    });
    // j ∈ W(c) ⟺ c ∈ [j − (size − half) + 1, j + half]: at most `size` planes of t, summed directly (a running
    // sum would subtract values of both signs and lose digits).
    let half = (p.size - 1) / 2;
    let back = p.size - half - 1;
    let coef = 2.0 * alpha_n * p.beta;
    let mut dx = vec![0f32; c * hw];
    crate::par::for_pieces(c, 1, &mut dx, hw, &|js: std::ops::Range<usize>, out: &mut [f32]| {
        let mut acc = vec![0f32; hw];
        for (j, out) in js.zip(out.chunks_exact_mut(hw)) {
            acc.fill(0.0);
            for ch in j.saturating_sub(back)..(j + half + 1).min(c) {
                for (s, &v) in acc.iter_mut().zip(&it[(2 * ch + 1) * hw..][..hw]) {
                    *s += v;
                }
            }
            let (inv, g, x) = (&it[2 * j * hw..][..hw], &dy[j * hw..][..hw], &a[j * hw..][..hw]);
            for ((((o, &r), &gv), &av), &sum) in out.iter_mut().zip(inv).zip(g).zip(x).zip(&acc) {
                *o = gv * r - coef * av * sum;
            }
        }
    });
    dx
}
