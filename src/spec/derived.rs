//! Everything the app shows about the network, derived from [`ALEXNET`]: shapes, the (W−F+2P)/S+1 arithmetic,
//! weight and bias counts, multiply-accumulates, GPU towers and receptive fields.

use super::{out_side, Kind, LayerSpec, LrnSpec, Rounding, ALEXNET, INPUT_SHAPE, MEAN_BGR, RESIZE_SHORTER};
use serde::Serialize;

/// The output-size arithmetic (W−F+2P)/S+1 with its numbers, for conv and pool layers.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Formula {
    pub w: usize,
    pub f: usize,
    pub p: usize,
    pub s: usize,
    pub out: usize,
}

/// Everything derived for one layer; this is what the worker sends to the front end as the spec table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LayerInfo {
    pub id: &'static str,
    pub kind: Kind,
    pub input: &'static str,
    /// `[C, H, W]` for spatial layers, `[N]` for vectors.
    pub in_shape: Vec<usize>,
    pub out_shape: Vec<usize>,
    pub k: usize,
    pub stride: usize,
    pub pad: usize,
    pub groups: usize,
    pub c_in: usize,
    pub c_out: usize,
    /// `[c_out, c_in/groups, k, k]` for conv, `[n_out, n_in]` for fc, empty otherwise.
    pub kernel_shape: Vec<usize>,
    pub weights: usize,
    pub biases: usize,
    pub macs: usize,
    /// Output values of this layer (the paper's "neurons").
    pub neurons: usize,
    /// 2 when the output channels are split over the two GPU towers (first half on GPU 1), else 1.
    pub towers: usize,
    /// True where the towers exchange data: the layer's kernels read both GPUs' channels (conv3, fc6, fc7, fc8).
    pub reads_both_towers: bool,
    /// Side of the input square that influences one output value, and the input-pixel step between outputs.
    pub receptive_field: usize,
    pub jump: usize,
    /// Input-pixel coordinate of the top-left corner of unit (0, 0)'s field: the padding accumulated so far, in input
    /// pixels (negative where padding reaches past the image). Unit (y, x) starts at `rf_start + y·jump`.
    pub rf_start: isize,
    pub formula: Option<Formula>,
    pub lrn: Option<LrnSpec>,
}

/// The network input as the front end sees it.
#[derive(Clone, Debug, Serialize)]
pub struct InputInfo {
    pub id: &'static str,
    pub shape: [usize; 3],
    pub resize: usize,
    pub crop: usize,
    pub channel_order: &'static str,
    pub mean_bgr: [f32; 3],
}

/// Sums over the whole network.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Totals {
    pub weights: usize,
    pub biases: usize,
    pub params: usize,
    pub macs: usize,
    pub conv_neurons: usize,
}

/// The derived table sent to the front end.
#[derive(Clone, Debug, Serialize)]
pub struct SpecTable {
    pub input: InputInfo,
    pub layers: Vec<LayerInfo>,
    pub totals: Totals,
}

/// `(C, H, W)` of a spatial layer's input shape.
fn chw(l: &LayerSpec, shape: &[usize]) -> (usize, usize, usize) {
    match *shape {
        [c, h, w] => (c, h, w),
        _ => panic!("spec: {} reads a [C, H, W] map, but its input is {shape:?}", l.id),
    }
}

/// Caffe rounds pooling up and convolution down; for AlexNet every sweep divides exactly, so the two agree, and we
/// demand it: a table that broke this would describe another network.
fn assert_divides(l: &LayerSpec, side: usize) {
    assert!(
        out_side(side, l.k, l.pad, l.stride, Rounding::Exact).is_some(),
        "spec: {}'s sweep over {side} does not divide",
        l.id
    );
}

/// Derives every layer's shapes, counts and geometry from [`ALEXNET`].
pub fn derive() -> Vec<LayerInfo> {
    let mut out: Vec<LayerInfo> = Vec::with_capacity(ALEXNET.len());
    // Receptive field bookkeeping: rf grows by (k−1)·jump, jump multiplies by the stride.
    for l in ALEXNET {
        let (in_shape, in_rf, in_jump, in_start, in_towers) = match out.iter().find(|p| p.id == l.input) {
            Some(p) => (p.out_shape.clone(), p.receptive_field, p.jump, p.rf_start, p.towers),
            None => (INPUT_SHAPE.to_vec(), 1, 1, 0, 1),
        };
        // Padding moves the first window `pad` input units before the input's unit 0, each `in_jump` pixels wide.
        let rf_start = match l.kind {
            Kind::Conv | Kind::Pool => in_start - (l.pad * in_jump) as isize,
            Kind::Fc => 0,
            Kind::Relu | Kind::Lrn | Kind::Softmax => in_start,
        };
        let c_in = in_shape[0];
        let in_numel: usize = in_shape.iter().product();
        let towers = if l.split_over_gpus { 2 } else { 1 };
        let (out_shape, kernel_shape, weights, biases, macs, formula, rf, jump) = match l.kind {
            Kind::Conv => {
                let s = l.conv_spec(chw(l, &in_shape));
                assert_divides(l, s.w);
                let ks = vec![l.c_out, s.c_in_group(), l.k, l.k];
                (
                    vec![l.c_out, s.out_h(), s.out_w()],
                    ks,
                    s.weight_len(),
                    l.c_out,
                    s.weight_len() * s.out_h() * s.out_w(),
                    Some(Formula { w: s.w, f: s.k, p: s.pad, s: s.stride, out: s.out_w() }),
                    in_rf + (l.k - 1) * in_jump,
                    in_jump * l.stride,
                )
            }
            Kind::Pool => {
                let s = l.pool_spec(chw(l, &in_shape));
                assert_divides(l, s.w);
                (
                    vec![c_in, s.out_h(), s.out_w()],
                    vec![],
                    0,
                    0,
                    0,
                    Some(Formula { w: s.w, f: s.k, p: l.pad, s: s.stride, out: s.out_w() }),
                    in_rf + (l.k - 1) * in_jump,
                    in_jump * l.stride,
                )
            }
            Kind::Fc => {
                // The first FC layer is a "full convolution": its kernel covers the whole input volume.
                (
                    vec![l.c_out],
                    vec![l.c_out, in_numel],
                    l.c_out * in_numel,
                    l.c_out,
                    l.c_out * in_numel,
                    None,
                    INPUT_SHAPE[1],
                    in_jump,
                )
            }
            Kind::Relu | Kind::Lrn | Kind::Softmax => (in_shape.clone(), vec![], 0, 0, 0, None, in_rf, in_jump),
        };
        let c_out = out_shape[0];
        let reads_both_towers = match l.kind {
            // A grouped conv keeps to its tower; an ungrouped one fed by a split input mixes the towers.
            Kind::Conv => l.groups == 1 && in_towers == 2,
            Kind::Fc => in_towers == 2 || l.split_over_gpus,
            _ => false,
        };
        out.push(LayerInfo {
            id: l.id,
            kind: l.kind,
            input: l.input,
            neurons: out_shape.iter().product(),
            in_shape,
            out_shape,
            k: l.k,
            stride: l.stride,
            pad: l.pad,
            groups: l.groups,
            c_in,
            c_out,
            kernel_shape,
            weights,
            biases,
            macs,
            towers,
            reads_both_towers,
            receptive_field: rf,
            jump,
            rf_start,
            formula,
            lrn: l.lrn,
        });
    }
    out
}

/// The full table the worker sends as data in its `ready` message.
pub fn table() -> SpecTable {
    let layers = derive();
    let weights = layers.iter().map(|l| l.weights).sum();
    let biases = layers.iter().map(|l| l.biases).sum();
    let totals = Totals {
        weights,
        biases,
        params: weights + biases,
        macs: layers.iter().map(|l| l.macs).sum(),
        conv_neurons: layers.iter().filter(|l| l.kind == Kind::Conv).map(|l| l.neurons).sum(),
    };
    SpecTable {
        input: InputInfo {
            id: "data",
            shape: INPUT_SHAPE,
            resize: RESIZE_SHORTER,
            crop: INPUT_SHAPE[1],
            channel_order: "BGR",
            mean_bgr: MEAN_BGR,
        },
        layers,
        totals,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(id: &str) -> LayerInfo {
        derive().into_iter().find(|l| l.id == id).unwrap()
    }

    #[test]
    fn output_shapes_follow_the_formula() {
        assert_eq!(info("conv1").out_shape, vec![96, 55, 55]);
        assert_eq!(info("pool1").out_shape, vec![96, 27, 27]);
        assert_eq!(info("conv2").out_shape, vec![256, 27, 27]);
        assert_eq!(info("pool2").out_shape, vec![256, 13, 13]);
        assert_eq!(info("conv3").out_shape, vec![384, 13, 13]);
        assert_eq!(info("conv5").out_shape, vec![256, 13, 13]);
        assert_eq!(info("pool5").out_shape, vec![256, 6, 6]);
        assert_eq!(info("fc6").in_shape, vec![256, 6, 6]);
        assert_eq!(info("fc8").out_shape, vec![1000]);
        assert_eq!(info("prob").out_shape, vec![1000]);
    }

    #[test]
    fn why_227_and_not_224() {
        // (227−11)/4+1 = 55 exactly; (224−11)/4+1 = 54.25 does not divide.
        assert_eq!(out_side(227, 11, 0, 4, Rounding::Exact), Some(55));
        assert_eq!(out_side(224, 11, 0, 4, Rounding::Exact), None);
        assert_eq!(info("conv1").formula, Some(Formula { w: 227, f: 11, p: 0, s: 4, out: 55 }));
        // The seed's toy example: 5×5×3 input, 3×3×3 kernel, stride 1, pad 0 → 3×3×1.
        assert_eq!(out_side(5, 3, 0, 1, Rounding::Exact), Some(3));
    }

    #[test]
    fn weight_counts_match_the_seed_table() {
        let want = [
            ("conv1", 34_848, vec![96, 3, 11, 11]),
            ("conv2", 307_200, vec![256, 48, 5, 5]),
            ("conv3", 884_736, vec![384, 256, 3, 3]),
            ("conv4", 663_552, vec![384, 192, 3, 3]),
            ("conv5", 442_368, vec![256, 192, 3, 3]),
            ("fc6", 37_748_736, vec![4096, 9216]),
            ("fc7", 16_777_216, vec![4096, 4096]),
            ("fc8", 4_096_000, vec![1000, 4096]),
        ];
        for (id, w, ks) in want {
            assert_eq!(info(id).weights, w, "{id}");
            assert_eq!(info(id).kernel_shape, ks, "{id}");
        }
        let t = table().totals;
        assert_eq!(t.params, 60_965_224);
        assert_eq!(t.weights + t.biases, t.params);
        assert_eq!(t.macs, 724_406_816);
        assert_eq!(t.conv_neurons, 650_080);
    }

    #[test]
    fn towers_and_cross_connections() {
        let cross: Vec<_> = derive().into_iter().filter(|l| l.reads_both_towers).map(|l| l.id).collect();
        assert_eq!(cross, vec!["conv3", "fc6", "fc7", "fc8"]);
        assert_eq!(info("conv1").towers, 2);
        assert_eq!(info("fc7").towers, 2);
        assert_eq!(info("fc8").towers, 1);
    }

    #[test]
    fn receptive_fields() {
        assert_eq!((info("conv1").receptive_field, info("conv1").jump), (11, 4));
        assert_eq!(info("pool1").receptive_field, 19);
        assert_eq!(info("conv2").receptive_field, 51);
        assert_eq!(info("pool2").receptive_field, 67);
        assert_eq!(info("conv5").receptive_field, 163);
        assert_eq!((info("pool5").receptive_field, info("pool5").jump), (195, 32));
        // Starts by hand: conv2's pad 2 at pool1's jump 8 is −16; conv3–5 add pad 1 at jump 16 each.
        let starts: Vec<_> = ["conv1", "pool1", "conv2", "pool2", "conv3", "conv4", "conv5", "pool5"]
            .iter()
            .map(|id| info(id).rf_start)
            .collect();
        assert_eq!(starts, vec![0, 0, -16, -16, -32, -48, -64, -64]);
    }
}
