//! AlexNet's forward pass, one layer per `step()`, keeping every intermediate tensor for the explainer.
//!
//! The pass is a small state machine so the wasm worker can hand each layer to the page as it finishes and
//! check for cancellation in between; `forward_traced` wraps it with a per-layer callback for native use.
//! A [`Model`] is the weights plus what is made from them once (the conv layers' packed weights); passes share it.

use crate::ops::{conv, linear, lrn, pool, relu, softmax};
use crate::spec::{Kind, LayerSpec, ALEXNET, INPUT_SHAPE};
use crate::tensor::Tensor;
use crate::weights::Weights;
use ndarray::{Array1, Array3, ArrayView3};
use std::fmt;

/// A query or input the model cannot answer; the message is meant for a person.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelError(pub String);

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ModelError {}

fn err<T>(s: impl Into<String>) -> Result<T, ModelError> {
    Err(ModelError(s.into()))
}

/// One prediction: ImageNet class index, probability (from `prob`) and logit (from `fc8`).
#[derive(Clone, Debug, PartialEq)]
pub struct Prediction {
    pub index: usize,
    pub prob: f32,
    pub logit: f32,
}

/// The network ready to run: its weights, and each conv layer's weights prepared once for the fast path
/// ([`conv::Packed`]), so that no pass packs them again.
pub struct Model {
    weights: Weights,
    /// Per layer of [`ALEXNET`] (same index): a conv layer's packed weights, `None` for every other kind.
    packed: Vec<Option<conv::Packed>>,
    /// Per layer (same index): the transposed kernels a conv layer's backward runs on (wasm, 3×3 stride 1), made on
    /// the first backward that needs them (saliency, Grad-CAM below conv5), so a page that never asks pays nothing.
    backward: Vec<std::sync::OnceLock<Option<crate::ops::backward::conv::BackwardWinograd>>>,
}

impl Model {
    /// Prepares `weights` for running: each conv layer's weights are packed for its geometry in the spec table.
    pub fn new(weights: Weights) -> Model {
        // The fc layers compute on panels (ops::panels); `Weights` hold them so, unless a caller swapped a layer.
        let weights = weights.panelled();
        let packed = ALEXNET
            .iter()
            .zip(crate::spec::derive())
            .map(|(l, info)| match (l.kind, info.in_shape.as_slice()) {
                (Kind::Conv, &[c, h, w]) => {
                    // Weights are checked against the spec when they are made, so every conv layer is there.
                    let lw = weights.layer(l.id).expect("weights hold every conv layer");
                    Some(conv::Packed::new(&l.conv_spec((c, h, w)), &lw.weight))
                }
                _ => None,
            })
            .collect();
        let backward = ALEXNET.iter().map(|_| std::sync::OnceLock::new()).collect();
        Model { weights, packed, backward }
    }

    pub fn weights(&self) -> &Weights {
        &self.weights
    }

    /// Layer `i`'s packed conv weights (`None` for every other kind), for code that runs part of a layer
    /// (occlusion's recompute of the region a patch changes).
    pub(crate) fn packed(&self, i: usize) -> Option<&conv::Packed> {
        self.packed.get(i)?.as_ref()
    }

    /// Where layer `i`'s backward keeps its prepared kernels (see `ops::backward::conv::conv2d_backward_with`).
    pub(crate) fn backward_kept(
        &self,
        i: usize,
    ) -> &std::sync::OnceLock<Option<crate::ops::backward::conv::BackwardWinograd>> {
        &self.backward[i]
    }

    /// How each conv layer is computed, by layer id (see [`conv::Packed::algorithm`]).
    pub fn conv_algorithms(&self) -> Vec<(&'static str, &'static str)> {
        ALEXNET.iter().zip(&self.packed).filter_map(|(l, p)| Some((l.id, p.as_ref()?.algorithm()))).collect()
    }
}

impl From<Weights> for Model {
    fn from(w: Weights) -> Model {
        Model::new(w)
    }
}

/// A forward pass in progress. `outputs[i]` is `ALEXNET[i]`'s output once that layer has run.
pub struct Forward {
    input: Tensor,
    outputs: Vec<Option<Tensor>>,
    /// Per pooling layer (same index), the arg-max of every window: worked out on first request (the view that
    /// shows it asks; most passes never do), from the layer's input.
    argmax: Vec<std::sync::OnceLock<Vec<u32>>>,
    next: usize,
}

impl Forward {
    /// Starts a pass on a network-space input `[3, 227, 227]` (BGR, mean subtracted).
    pub fn new(input: Tensor) -> Result<Forward, ModelError> {
        if input.shape() != INPUT_SHAPE {
            return err(format!("the network input must be {:?}, got {:?}", INPUT_SHAPE, input.shape()));
        }
        let argmax = (0..ALEXNET.len()).map(|_| std::sync::OnceLock::new()).collect();
        // Row-major once here, so that conv1 (and every query on the input) reads it in place.
        Ok(Forward { input: input.into_standard_layout(), outputs: vec![None; ALEXNET.len()], argmax, next: 0 })
    }

    /// Runs the next layer and returns its id, or `None` when the pass is complete.
    pub fn step(&mut self, m: &Model) -> Option<&'static str> {
        let l = ALEXNET.get(self.next)?;
        let x = self.output(l.input).expect("layers run in order, so the input exists");
        let out = run_layer(l, x, m, self.next);
        self.outputs[self.next] = Some(out);
        self.next += 1;
        Some(l.id)
    }

    /// Runs every remaining layer.
    pub fn run_all(&mut self, m: &Model) {
        while self.step(m).is_some() {}
    }

    pub fn is_done(&self) -> bool {
        self.next == ALEXNET.len()
    }

    /// The output of `id` (or the input for `data`), if it has been computed.
    pub fn output(&self, id: &str) -> Option<&Tensor> {
        if id == "data" {
            return Some(&self.input);
        }
        let i = crate::spec::index_of(id)?;
        self.outputs[i].as_ref()
    }

    /// For pooling layer `id`: per output element, the flat index `c·H·W + y·W + x` of the winning input.
    pub fn pool_argmax(&self, id: &str) -> Result<&[u32], ModelError> {
        let i = crate::spec::index_of(id).ok_or_else(|| ModelError(format!("no layer called '{id}'")))?;
        if ALEXNET[i].kind != Kind::Pool {
            return err(format!("{id} is not a pooling layer"));
        }
        if self.outputs[i].is_none() {
            return err(format!("{id} has not run yet"));
        }
        let l = &ALEXNET[i];
        let x = self.output(l.input).expect("a layer that ran has its input");
        let s = l.pool_spec(map_of(l, x).dim());
        Ok(self.argmax[i].get_or_init(|| pool::max_pool(&s, &x.values()).argmax))
    }

    /// Takes conv layer `id`'s output at (oc, y, x) apart into patch × kernel products + bias.
    pub fn conv_dot(&self, w: &Weights, id: &str, oc: usize, y: usize, x: usize) -> Result<conv::ConvDot, ModelError> {
        let l = crate::spec::layer(id).ok_or_else(|| ModelError(format!("no layer called '{id}'")))?;
        if l.kind != Kind::Conv {
            return err(format!("{id} is not a convolution layer"));
        }
        let input = self
            .output(l.input)
            .ok_or_else(|| ModelError(format!("{id}'s input {} has not been computed", l.input)))?;
        let s = l.conv_spec(map_of(l, input).dim());
        let lw = w.layer(id).ok_or_else(|| ModelError(format!("no weights for {id}")))?;
        conv::dot_at(&s, &input.values(), &lw.weight, &lw.bias, oc, y, x).ok_or_else(|| {
            ModelError(format!(
                "{id} has no output at channel {oc}, y {y}, x {x} (it is {}×{}×{})",
                s.c_out,
                s.out_h(),
                s.out_w()
            ))
        })
    }

    /// The `k` most probable classes, once `prob` has run.
    pub fn top_k(&self, k: usize) -> Result<Vec<Prediction>, ModelError> {
        let (Some(p), Some(z)) = (self.output("prob"), self.output("fc8")) else {
            return err("the pass has not reached prob yet");
        };
        let (p, z) = (p.values(), z.values());
        let mut idx: Vec<usize> = (0..p.len()).collect();
        // Sort by probability, highest first; ties (and NaN) fall back to index order for determinism.
        idx.sort_by(|&a, &b| p[b].partial_cmp(&p[a]).unwrap_or(std::cmp::Ordering::Equal).then(a.cmp(&b)));
        Ok(idx.into_iter().take(k).map(|i| Prediction { index: i, prob: p[i], logit: z[i] }).collect())
    }
}

/// The `[C, H, W]` map a spatial layer reads. The spec fixes which layer feeds which, so a vector here is a bug in
/// the table, not in anyone's data: the pass stops and says so, instead of reading the vector as `(N, 1, 1)`.
pub(crate) fn map_of<'a>(l: &LayerSpec, x: &'a Tensor) -> ArrayView3<'a, f32> {
    match x.chw() {
        Some(a) => a,
        None => panic!("{} reads a [C, H, W] map, but its input {} is a vector {:?}", l.id, l.input, x.shape()),
    }
}

/// An op's `[c, h, w]` output as a tensor. Every op returns exactly c·h·w values for the shape it was given, so a
/// mismatch is a bug in the op.
fn chw(dim: (usize, usize, usize), data: Vec<f32>) -> Tensor {
    Tensor::Chw(Array3::from_shape_vec(dim, data).expect("an op returns c·h·w values"))
}

/// `x`'s shape (and rank) with new values from a shape-preserving op.
fn same_shape(x: &Tensor, data: Vec<f32>) -> Tensor {
    match x {
        Tensor::Chw(a) => chw(a.dim(), data),
        Tensor::Vector(_) => Tensor::Vector(Array1::from(data)),
    }
}

/// Computes layer `l` (`ALEXNET[i]`) from its input tensor.
pub(crate) fn run_layer(l: &LayerSpec, x: &Tensor, m: &Model, i: usize) -> Tensor {
    let (values, w) = (x.values(), &m.weights);
    match l.kind {
        Kind::Conv => {
            let s = l.conv_spec(map_of(l, x).dim());
            let lw = w.layer(l.id).expect("weights hold every conv layer");
            let packed = m.packed[i].as_ref().expect("Model::new packs every conv layer");
            chw((s.c_out, s.out_h(), s.out_w()), conv::conv2d_layer(&s, &values, &lw.weight, packed, &lw.bias))
        }
        Kind::Relu => {
            let mut data = values.into_owned();
            relu::relu_inplace(&mut data);
            same_shape(x, data)
        }
        Kind::Lrn => {
            let p = l.lrn.expect("LRN layers carry their parameters");
            let (c, h, wd) = map_of(l, x).dim();
            chw((c, h, wd), lrn::lrn(&p, &values, c, h * wd))
        }
        Kind::Pool => {
            let s = l.pool_spec(map_of(l, x).dim());
            chw((s.c, s.out_h(), s.out_w()), pool::max_pool_values(&s, &values))
        }
        Kind::Fc => {
            // Flattening a [C, H, W] volume in row-major order: index c·H·W + y·W + x, as Caffe and ONNX do.
            let lw = w.layer(l.id).expect("weights hold every fc layer");
            let data = match &lw.int8 {
                Some(c) => linear::linear_i8(&c.q, &c.scale, &lw.bias, &values),
                None => linear::linear(&lw.weight, &lw.bias, &values),
            };
            Tensor::Vector(Array1::from(data))
        }
        Kind::Softmax => same_shape(x, softmax::softmax(&values)),
    }
}

/// Runs the whole net, calling `each(layer id, output)` as every layer finishes; returns the finished pass.
pub fn forward_traced(
    m: &Model,
    input: Tensor,
    mut each: impl FnMut(&'static str, &Tensor),
) -> Result<Forward, ModelError> {
    let mut f = Forward::new(input)?;
    while let Some(id) = f.step(m) {
        each(id, f.output(id).expect("a layer's output exists after its step"));
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::testutil::rand_vec;

    fn input() -> Tensor {
        Tensor::from_shape_vec(&INPUT_SHAPE, rand_vec(42, 3 * 227 * 227).iter().map(|v| v * 100.0).collect()).unwrap()
    }

    #[test]
    fn full_pass_shapes_and_queries() {
        let m = Model::new(Weights::untrained(1));
        let w = m.weights();
        let mut seen = vec![];
        let f = forward_traced(&m, input(), |id, t| seen.push((id, t.shape().to_vec()))).unwrap();
        assert_eq!(seen.len(), ALEXNET.len());
        let table = crate::spec::derive();
        for ((id, shape), info) in seen.iter().zip(&table) {
            assert_eq!(*id, info.id);
            assert_eq!(*shape, info.out_shape, "{id}");
        }
        let p = f.output("prob").unwrap().values();
        assert!((p.iter().map(|&v| v as f64).sum::<f64>() - 1.0).abs() < 1e-4);
        let top = f.top_k(5).unwrap();
        // The seeded weights keep the softmax spread out: neither one-hot nor uniform.
        assert!(top[0].prob < 0.9 && top[0].prob > 2.0 / 1000.0, "top-1 prob {}", top[0].prob);
        assert_eq!(top.len(), 5);
        assert!(top.windows(2).all(|t| t[0].prob >= t[1].prob));

        // The conv query reproduces the stored output (fast path vs dot product).
        for (id, oc, y, x) in [("conv1", 5, 0, 54), ("conv2", 200, 13, 0), ("conv5", 255, 12, 12)] {
            let d = f.conv_dot(w, id, oc, y, x).unwrap();
            let stored = f.output(id).unwrap().chw().unwrap()[[oc, y, x]];
            assert!((d.value - stored).abs() <= 1e-4 * stored.abs().max(1.0), "{id}: {} vs {stored}", d.value);
        }
        assert_eq!(f.conv_dot(w, "conv2", 200, 0, 0).unwrap().ic_start, 48);
        assert!(f.conv_dot(w, "conv1", 96, 0, 0).is_err());
        assert!(f.conv_dot(w, "pool1", 0, 0, 0).is_err());

        // Pool arg-max points at the winning input value.
        let am = f.pool_argmax("pool1").unwrap();
        let (pin, pout) = (f.output("norm1").unwrap(), f.output("pool1").unwrap());
        let (pin, pout) = (pin.values(), pout.values());
        assert_eq!(am.len(), pout.len());
        assert!(am.iter().zip(pout.iter()).all(|(&i, &v)| pin[i as usize] == v));
        assert!(f.pool_argmax("conv1").is_err());
    }

    #[test]
    fn wrong_input_shape_is_an_error() {
        assert!(Forward::new(Tensor::Chw(Array3::zeros((3, 224, 224)))).is_err());
        assert!(Forward::new(Tensor::Vector(Array1::zeros(3 * 227 * 227))).is_err(), "the right count as a vector");
    }
}
