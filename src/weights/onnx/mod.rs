//! Imports AlexNet weights from an ONNX model: the Model Zoo's `bvlcalexnet-12.onnx` and its quantised
//! `-int8` (QLinearConv/QLinearMatMul) and `-qdq` (DequantizeLinear → Conv/Gemm) files, or any same-structure export.
//!
//! Tensors are found by graph order, not by name: the k-th convolution node (Conv, QLinearConv) feeds conv k, the
//! k-th fully connected one (Gemm, QGemm, MatMul, QLinearMatMul) fc6…fc8. Every shape and attribute of all eight
//! layers is checked against `spec.rs` before any data is copied, so a wrong file gets an error naming the first
//! mismatching tensor or node, and allocation is bounded by the file. Quantised weights are dequantised on load.

mod graph;
mod quant;
mod tensor;

use super::{expected_shapes, materialize, Blob, LayerWeights, PlannedLayer, Source, WeightsError};
use crate::spec::{self, LayerSpec, PARAM_LAYERS};
use graph::{Graph, Node};
use quant::{bias_after, constant, qlinear, qlinear_matmul};
use tensor::{Stored, FLOAT16};

/// The node types that can be AlexNet's conv and fc layers; the `*Integer` ones (dynamic quantisation) are
/// counted so that such a model is named for what it is, then refused.
const CONV_OPS: [&str; 3] = ["Conv", "QLinearConv", "ConvInteger"];
const FC_OPS: [&str; 5] = ["Gemm", "QGemm", "MatMul", "QLinearMatMul", "MatMulInteger"];

/// One layer's tensors as the graph stores them; `transposed` when the weight is stored `[n_in, n_out]`.
struct Found<'g> {
    weight: Stored<'g>,
    bias: Stored<'g>,
    transposed: bool,
}

/// Reads the eight weighted layers' tensors, in `PARAM_LAYERS` order, copying them out of `bytes`; also returns
/// the file's storage dtype (`f32`, `f16`, or `int8` for a quantised model).
pub fn import(bytes: &[u8]) -> Result<(Vec<LayerWeights>, &'static str), WeightsError> {
    let (plans, dtype) = plan(bytes)?;
    Ok((materialize(plans, Source::Bytes(bytes)), dtype))
}

/// [`import`] from a file held in a blob: the float32 tensors stay in the blob and are viewed in place, so the
/// model costs its file size in memory once, not twice.
pub fn import_blob(blob: Blob) -> Result<(Vec<LayerWeights>, &'static str), WeightsError> {
    let (plans, dtype) = plan(blob.bytes())?;
    Ok((materialize(plans, Source::Blob(blob)), dtype))
}

fn structure(id: &str, node: &Node<'_>, what: &str) -> WeightsError {
    WeightsError::Structure(format!("{id} ({}): {what}", node.describe()))
}

/// A dynamically quantised model computes its activation scales at run time (ConvInteger, MatMulInteger), and
/// its weights' scales hide in the Mul nodes that follow: there is no one place to read them from.
fn dynamic(id: &str, node: &Node<'_>) -> WeightsError {
    WeightsError::Unsupported(format!(
        "{id} ({}): dynamically quantised models are not supported; use bvlcalexnet-12.onnx, or the statically quantised bvlcalexnet-12-int8.onnx",
        node.describe()
    ))
}

/// Refuses every Conv attribute that would make the layer compute something other than the spec's.
fn check_conv(id: &str, node: &Node<'_>, l: &LayerSpec) -> Result<(), WeightsError> {
    let attr = |a: &str, default: Vec<i64>| node.ints(a).map_or(default, <[i64]>::to_vec);
    let (k, s, p, g) = (l.k as i64, l.stride as i64, l.pad as i64, l.groups as i64);
    let checks = [
        ("group", attr("group", vec![1]), vec![g]),
        ("strides", attr("strides", vec![1, 1]), vec![s, s]),
        ("pads", attr("pads", vec![0, 0, 0, 0]), vec![p, p, p, p]),
        ("kernel_shape", attr("kernel_shape", vec![k, k]), vec![k, k]),
        ("dilations", attr("dilations", vec![1, 1]), vec![1, 1]),
    ];
    for (a, found, want) in checks {
        if found != want {
            return Err(structure(id, node, &format!("attribute {a} is {found:?}, expected {want:?}")));
        }
    }
    // auto_pad (a string) overrides pads; SAME_* pads differently from Caffe, and even VALID is a second way of
    // saying what pads already says, so only the explicit form is taken.
    match node.string("auto_pad") {
        Some(a) if a != "NOTSET" => {
            Err(structure(id, node, &format!("attribute auto_pad is {a}; only NOTSET (explicit pads) is supported")))
        }
        _ => Ok(()),
    }
}

fn conv_layer<'g>(g: &'g Graph<'g>, id: &str, node: &Node<'g>, l: &LayerSpec) -> Result<Found<'g>, WeightsError> {
    if node.op == "ConvInteger" {
        return Err(dynamic(id, node));
    }
    check_conv(id, node, l)?;
    let (weight, bias) = match node.op {
        "Conv" => (constant(g, id, "weight", node, node.input(1))?, constant(g, id, "bias", node, node.input(2))?),
        // QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B): per output channel along axis 0.
        "QLinearConv" => qlinear(g, id, node, 3, 8, 0)?,
        _ => return Err(dynamic(id, node)),
    };
    Ok(Found { weight, bias, transposed: false })
}

fn fc_layer<'g>(g: &'g Graph<'g>, id: &str, node: &Node<'g>) -> Result<Found<'g>, WeightsError> {
    match node.op {
        "Gemm" | "QGemm" => {
            // Y = alpha · A · B + beta · C: anything but alpha = beta = 1 would scale the layer.
            for a in ["alpha", "beta"] {
                if let Some(v) = node.float(a).filter(|&v| v != 1.0) {
                    return Err(structure(
                        id,
                        node,
                        &format!("attribute {a} is {v}; AlexNet's fc layers need {a} = 1"),
                    ));
                }
            }
            if node.int("transA").is_some_and(|v| v != 0) {
                return Err(structure(id, node, "transA = 1 is not AlexNet's layout"));
            }
            // transB = 1 stores B as [n_out, n_in], the engine's rows; transB = 0 stores it [n_in, n_out].
            let transposed = node.int("transB").unwrap_or(0) == 0;
            let (weight, bias) = if node.op == "Gemm" {
                (constant(g, id, "weight", node, node.input(1))?, constant(g, id, "bias", node, node.input(2))?)
            } else {
                // QGemm(A, a_scale, a_zp, B, b_scale, b_zp, C, y_scale, y_zp), per output channel.
                qlinear(g, id, node, 3, 6, if transposed { 1 } else { 0 })?
            };
            Ok(Found { weight, bias, transposed })
        }
        "MatMul" => Ok(Found {
            weight: constant(g, id, "weight", node, node.input(1))?,
            bias: bias_after(g, id, node)?,
            transposed: true,
        }),
        "QLinearMatMul" => {
            Ok(Found { weight: qlinear_matmul(g, id, node)?, bias: bias_after(g, id, node)?, transposed: true })
        }
        _ => Err(dynamic(id, node)),
    }
}

/// Parses and checks everything; returns where each layer's tensors are (nothing is copied but conversions) and
/// the storage dtype of the weights.
fn plan(bytes: &[u8]) -> Result<(Vec<PlannedLayer>, &'static str), WeightsError> {
    let g = Graph::parse(bytes)?;
    let convs: Vec<&Node<'_>> = g.nodes.iter().filter(|n| CONV_OPS.contains(&n.op)).collect();
    let fcs: Vec<&Node<'_>> = g.nodes.iter().filter(|n| FC_OPS.contains(&n.op)).collect();
    if convs.len() != 5 || fcs.len() != 3 {
        return Err(WeightsError::Structure(format!(
            "the model has {} Conv and {} Gemm nodes (their quantised and MatMul forms included), BVLC AlexNet has 5 and 3 (is this an AlexNet model?)",
            convs.len(),
            fcs.len()
        )));
    }
    let shapes = expected_shapes();
    let mut found: Vec<Found<'_>> = Vec::with_capacity(PARAM_LAYERS.len());
    for (i, id) in PARAM_LAYERS.iter().enumerate() {
        let l = spec::layer(id).expect("PARAM_LAYERS are in the spec");
        let f = if i < 5 { conv_layer(&g, id, convs[i], l)? } else { fc_layer(&g, id, fcs[i - 5])? };
        let (wshape, bshape) = &shapes[i];
        let mut want: Vec<i64> = wshape.iter().map(|&d| d as i64).collect();
        if f.transposed {
            want.swap(0, 1);
        }
        // A tensor read twice would load "fine" and compute nonsense (conv3 and conv4 biases are both [384]).
        if std::ptr::eq(f.weight.t, f.bias.t) {
            return Err(WeightsError::Structure(format!(
                "{id}: weight and bias are the same tensor ({})",
                f.weight.name
            )));
        }
        for (j, other) in found.iter().enumerate() {
            for (role, s) in [("weight", &f.weight), ("bias", &f.bias)] {
                let twin = [("weight", &other.weight), ("bias", &other.bias)]
                    .into_iter()
                    .find(|(_, o)| std::ptr::eq(o.t, s.t));
                if let Some((orole, _)) = twin {
                    return Err(WeightsError::Structure(format!(
                        "{id} {role} ({}) is also {}'s {orole}; AlexNet's layers share no tensors",
                        s.name, PARAM_LAYERS[j]
                    )));
                }
            }
        }
        f.weight.check(id, "weight", &want)?;
        f.bias.check(id, "bias", &[bshape[0] as i64])?;
        found.push(f);
    }
    let tensors = || found.iter().flat_map(|f| [&f.weight, &f.bias]);
    let dtype = if tensors().any(|s| s.quant.is_some()) {
        "int8"
    } else if tensors().any(|s| s.t.data_type == FLOAT16) {
        "f16"
    } else {
        "f32"
    };
    let plans = found
        .iter()
        .zip(&shapes)
        .map(|(f, (ws, _))| PlannedLayer {
            weight: f.weight.plan(bytes, f.transposed.then_some((ws[1], ws[0]))),
            bias: f.bias.plan(bytes, None),
            int8: None,
        })
        .collect();
    Ok((plans, dtype))
}
