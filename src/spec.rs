//! The BVLC/Caffe AlexNet layer table: the only place the network's shapes live.
//!
//! Every number the app shows (output shapes, the (W−F+2P)/S+1 arithmetic, weight and bias counts,
//! multiply-accumulates, GPU towers, receptive fields) is derived from [`ALEXNET`] (`spec/derived.rs`, with the
//! window geometry the ops share in `spec/geometry.rs`). The table mirrors Caffe's
//! `models/bvlc_alexnet/deploy.prototxt` (227×227 input, `group: 2` on conv2/4/5, LRN, 3×3/2 pooling). The two
//! `drop6`/`drop7` layers are identity at inference and are left out.

mod derived;
pub mod footprint;
mod geometry;

pub use derived::{derive, table, Formula, InputInfo, LayerInfo, SpecTable, Totals};
pub use geometry::{out_side, ConvSpec, PoolSpec, Rounding};
use serde::Serialize;

/// What a layer computes; the front end picks its view from this, never from the layer's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Conv,
    Relu,
    Lrn,
    Pool,
    Fc,
    Softmax,
}

/// Caffe's across-channel LRN: `b = a / (k + alpha/n · Σ a²)^beta`, the sum over `n` neighbouring channels.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LrnSpec {
    pub size: usize,
    pub alpha: f32,
    pub beta: f32,
    pub k: f32,
}

/// One row of the declarative table. Shapes are not stored: they follow from the input and these fields.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LayerSpec {
    /// Caffe's layer id (`conv1` … `prob`), used verbatim in Rust, messages, DOM ids and URLs.
    pub id: &'static str,
    pub kind: Kind,
    /// Id of the layer whose output this one reads (`data` is the network input).
    pub input: &'static str,
    /// Output channels (conv) or output features (fc); ignored by other kinds.
    pub c_out: usize,
    /// Square kernel / window size (conv, pool).
    pub k: usize,
    pub stride: usize,
    pub pad: usize,
    /// Caffe's `group`: 2 means each half of the output reads only its half of the input.
    pub groups: usize,
    pub lrn: Option<LrnSpec>,
    /// Whether the 2012 two-GPU model split this layer's output between the GPUs.
    pub split_over_gpus: bool,
}

impl LayerSpec {
    /// This layer's convolution on an input of shape `(c_in, h, w)` (for conv layers).
    pub fn conv_spec(&self, (c_in, h, w): (usize, usize, usize)) -> ConvSpec {
        ConvSpec { c_in, h, w, c_out: self.c_out, k: self.k, stride: self.stride, pad: self.pad, groups: self.groups }
    }

    /// This layer's pooling window on an input of shape `(c, h, w)` (for pooling layers; AlexNet's have no padding).
    pub fn pool_spec(&self, (c, h, w): (usize, usize, usize)) -> PoolSpec {
        PoolSpec { c, h, w, k: self.k, stride: self.stride }
    }
}

const fn conv(
    id: &'static str,
    input: &'static str,
    c_out: usize,
    k: usize,
    stride: usize,
    pad: usize,
    groups: usize,
) -> LayerSpec {
    LayerSpec { id, kind: Kind::Conv, input, c_out, k, stride, pad, groups, lrn: None, split_over_gpus: true }
}
const fn unary(id: &'static str, kind: Kind, input: &'static str) -> LayerSpec {
    LayerSpec { id, kind, input, c_out: 0, k: 0, stride: 1, pad: 0, groups: 1, lrn: None, split_over_gpus: true }
}
const fn pool(id: &'static str, input: &'static str) -> LayerSpec {
    LayerSpec {
        id,
        kind: Kind::Pool,
        input,
        c_out: 0,
        k: 3,
        stride: 2,
        pad: 0,
        groups: 1,
        lrn: None,
        split_over_gpus: true,
    }
}
const fn lrn(id: &'static str, input: &'static str) -> LayerSpec {
    LayerSpec { lrn: Some(LrnSpec { size: 5, alpha: 1e-4, beta: 0.75, k: 1.0 }), ..unary(id, Kind::Lrn, input) }
}
const fn fc(id: &'static str, input: &'static str, c_out: usize, split: bool) -> LayerSpec {
    LayerSpec {
        id,
        kind: Kind::Fc,
        input,
        c_out,
        k: 0,
        stride: 1,
        pad: 0,
        groups: 1,
        lrn: None,
        split_over_gpus: split,
    }
}

/// The network input: 3 channels (BGR), 227×227 (not the paper's 224: see [`LayerInfo::formula`]).
pub const INPUT_SHAPE: [usize; 3] = [3, 227, 227];
/// Caffe's ImageNet mean, per channel in BGR order, subtracted from 0..255 pixel values.
pub const MEAN_BGR: [f32; 3] = [104.0, 117.0, 123.0];
/// Preprocessing: the shorter image side is resized to this, then the centre is cropped to `INPUT_SHAPE`.
pub const RESIZE_SHORTER: usize = 256;

/// BVLC AlexNet, layer by layer, in execution order.
pub const ALEXNET: &[LayerSpec] = &[
    conv("conv1", "data", 96, 11, 4, 0, 1),
    unary("relu1", Kind::Relu, "conv1"),
    lrn("norm1", "relu1"),
    pool("pool1", "norm1"),
    conv("conv2", "pool1", 256, 5, 1, 2, 2),
    unary("relu2", Kind::Relu, "conv2"),
    lrn("norm2", "relu2"),
    pool("pool2", "norm2"),
    conv("conv3", "pool2", 384, 3, 1, 1, 1),
    unary("relu3", Kind::Relu, "conv3"),
    conv("conv4", "relu3", 384, 3, 1, 1, 2),
    unary("relu4", Kind::Relu, "conv4"),
    conv("conv5", "relu4", 256, 3, 1, 1, 2),
    unary("relu5", Kind::Relu, "conv5"),
    pool("pool5", "relu5"),
    fc("fc6", "pool5", 4096, true),
    unary("relu6", Kind::Relu, "fc6"),
    fc("fc7", "relu6", 4096, true),
    unary("relu7", Kind::Relu, "fc7"),
    // The paper's Figure 2 draws the 1000-way layer whole, fed by both GPUs' fc7 halves.
    fc("fc8", "relu7", 1000, false),
    LayerSpec { split_over_gpus: false, ..unary("prob", Kind::Softmax, "fc8") },
];

/// Ids of the layers that carry weights, in order: the tensors a weights file must hold.
pub const PARAM_LAYERS: [&str; 8] = ["conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8"];

/// The spec row of `id`, if it names a layer.
pub fn layer(id: &str) -> Option<&'static LayerSpec> {
    ALEXNET.iter().find(|l| l.id == id)
}

/// Index of `id` in [`ALEXNET`].
pub fn index_of(id: &str) -> Option<usize> {
    ALEXNET.iter().position(|l| l.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_ids_are_caffes() {
        let ids: Vec<_> = ALEXNET.iter().map(|l| l.id).collect();
        assert_eq!(
            ids.join(" "),
            "conv1 relu1 norm1 pool1 conv2 relu2 norm2 pool2 conv3 relu3 conv4 relu4 conv5 relu5 pool5 fc6 relu6 fc7 relu7 fc8 prob"
        );
    }
}
