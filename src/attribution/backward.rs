//! The network's backward pass from class k's fc8 logit down to a layer's output (or the input), one layer per
//! step, reusing the forward pass's kept intermediates; and the saliency and Grad-CAM maps made from it.

use crate::model::{map_of, Forward, Model};
use crate::ops::backward as bw;
use crate::spec::{Kind, ALEXNET};

/// ∂logit_k/∂(output of `stop`), or of the input when `stop` is `None`, in progress.
pub(super) struct Backward {
    stop: Option<&'static str>,
    /// The first layer whose backward does not run (0 for the input, one past `stop` otherwise).
    stop_at: usize,
    /// One past the layer whose backward runs next; `grad` is ∂logit_k/∂ the output of layer `top − 1`.
    top: usize,
    grad: Vec<f32>,
}

fn fc8() -> usize {
    crate::spec::index_of("fc8").expect("fc8 is in the spec")
}

impl Backward {
    /// Starts at fc8's logits with the unit vector of `target` (a valid class index).
    pub(super) fn new(target: usize, stop: Option<&'static str>) -> Backward {
        let classes = crate::spec::derive()[fc8()].out_shape[0];
        let mut grad = vec![0f32; classes];
        grad[target] = 1.0;
        let stop_at = stop.and_then(crate::spec::index_of).map_or(0, |i| i + 1);
        Backward { stop, stop_at, top: fc8() + 1, grad }
    }

    pub(super) fn stop(&self) -> Option<&'static str> {
        self.stop
    }

    pub(super) fn grad(&self) -> &[f32] {
        &self.grad
    }

    /// Layers done, layers in all.
    pub(super) fn progress(&self) -> (usize, usize) {
        (fc8() + 1 - self.top, fc8() + 1 - self.stop_at)
    }

    /// One layer back; true when `grad` is with respect to `stop`'s output (or the input).
    pub(super) fn step(&mut self, m: &Model, f: &Forward) -> bool {
        if self.top > self.stop_at {
            self.top -= 1;
            self.grad = layer_backward(m, f, self.top, self.stop_at, &self.grad);
        }
        self.top == self.stop_at
    }
}

/// Whether the gradient of layer `i`'s zero inputs will be zeroed further back anyway: its input is a ReLU's output
/// (perhaps through max pools, whose zero outputs come from windows of zeros there), and that ReLU's backward runs
/// before the backward stops (`stop_at`, see [`Backward`]): ReLU passes no gradient where its output is zero.
fn zero_inputs_masked(i: usize, stop_at: usize) -> bool {
    let mut at = ALEXNET[i].input;
    while let Some(j) = crate::spec::index_of(at) {
        match ALEXNET[j].kind {
            Kind::Pool => at = ALEXNET[j].input,
            Kind::Relu => return j >= stop_at,
            _ => return false,
        }
    }
    false
}

/// ∂logit_k/∂(input of `ALEXNET[i]`) from ∂logit_k/∂(its output); `stop_at` is where the backward stops.
fn layer_backward(m: &Model, f: &Forward, i: usize, stop_at: usize, dy: &[f32]) -> Vec<f32> {
    let l = &ALEXNET[i];
    let x = f.output(l.input).expect("a finished pass has every input");
    let w = m.weights();
    match l.kind {
        Kind::Conv => {
            let s = l.conv_spec(map_of(l, x).dim());
            let weight = &w.layer(l.id).expect("weights hold every conv layer").weight;
            bw::conv::conv2d_backward_with(&s, weight, dy, m.backward_kept(i))
        }
        Kind::Relu => {
            let mut g = dy.to_vec();
            bw::relu_backward(&x.values(), &mut g);
            g
        }
        Kind::Lrn => {
            let p = l.lrn.expect("LRN layers carry their parameters");
            let (c, h, wd) = map_of(l, x).dim();
            bw::lrn_backward(&p, &x.values(), dy, c, h * wd)
        }
        Kind::Pool => {
            // The arg-max the pass keeps (made once, on first request): ties as the forward resolved them.
            let am = f.pool_argmax(l.id).expect("a finished pass pools every pooling layer");
            let mut dx = vec![0f32; x.len()];
            for (&a, &g) in am.iter().zip(dy) {
                dx[a as usize] += g;
            }
            dx
        }
        Kind::Fc => {
            let lw = w.layer(l.id).expect("weights hold every fc layer");
            match &lw.int8 {
                Some(c) => bw::linear_backward_i8(&c.q, &c.scale, dy),
                // Only the weights the forward read, when the zero inputs' gradients are masked further back.
                None => bw::linear_backward(&lw.weight, dy, zero_inputs_masked(i, stop_at).then_some(&x.values()[..])),
            }
        }
        Kind::Softmax => bw::softmax_backward(&f.output(l.id).expect("a finished pass has prob").values(), dy),
    }
}

/// ∂logit_`target`/∂(output of `stop`) (the input for `None`) on a finished pass, in one call.
pub fn backward_to(m: &Model, f: &Forward, target: usize, stop: Option<&'static str>) -> Vec<f32> {
    let mut b = Backward::new(target, stop);
    while !b.step(m, f) {}
    b.grad
}

/// `max_c |g[c, y, x]|` over the input's 3 channels: 227×227.
pub(super) fn saliency(g: &[f32]) -> Vec<f32> {
    let plane = g.len() / 3;
    (0..plane).map(|i| (0..3).fold(0f32, |m, c| m.max(g[c * plane + i].abs()))).collect()
}

/// `ReLU(Σ_c α_c A[c])` with `α_c` the mean of `g[c]` over the map, for A of `shape` `[C, H, W]`.
pub(super) fn gradcam(g: &[f32], a: &[f32], shape: &[usize]) -> (Vec<f32>, [usize; 2]) {
    let [_, h, w] = shape[..] else { panic!("Grad-CAM reads a [C, H, W] layer, not {shape:?}") };
    let hw = h * w;
    let mut map = vec![0f64; hw];
    for (gc, ac) in g.chunks_exact(hw).zip(a.chunks_exact(hw)) {
        let alpha = gc.iter().map(|&v| v as f64).sum::<f64>() / hw as f64;
        for (m, &v) in map.iter_mut().zip(ac) {
            *m += alpha * v as f64;
        }
    }
    (map.into_iter().map(|v| v.max(0.0) as f32).collect(), [h, w])
}
