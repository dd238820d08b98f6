//! Hostile weights files built in code for the robustness tests: a tiny protobuf encoder for ONNX, an AlexNet-shaped
//! model with one chosen fault, another network, noise, and small safetensors files.
#![allow(dead_code)]

use alexnet_explainer::spec::{self, PARAM_LAYERS};
use alexnet_explainer::weights::expected_shapes;

// ---------- a tiny protobuf encoder for ONNX ----------

pub fn varint(mut v: u64, out: &mut Vec<u8>) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

pub fn vfield(field: u32, v: u64, out: &mut Vec<u8>) {
    varint((field as u64) << 3, out);
    varint(v, out);
}

pub fn bfield(field: u32, bytes: &[u8], out: &mut Vec<u8>) {
    varint(((field as u64) << 3) | 2, out);
    varint(bytes.len() as u64, out);
    out.extend_from_slice(bytes);
}

/// TensorProto: dims (1), data_type (2, float), name (8), raw_data (9).
pub fn tensor(name: &str, dims: &[usize], raw: &[u8]) -> Vec<u8> {
    typed_tensor(name, dims, 1, raw)
}

/// A TensorProto of ONNX data type `dt` (1 float, 3 int8, 6 int32).
pub fn typed_tensor(name: &str, dims: &[usize], dt: u64, raw: &[u8]) -> Vec<u8> {
    let mut t = vec![];
    for &d in dims {
        vfield(1, d as u64, &mut t);
    }
    vfield(2, dt, &mut t);
    bfield(8, name.as_bytes(), &mut t);
    bfield(9, raw, &mut t);
    t
}

/// AttributeProto with f (2, fixed32) and type FLOAT (20 = 1).
pub fn float_attr(name: &str, f: f32) -> Vec<u8> {
    let mut a = vec![];
    bfield(1, name.as_bytes(), &mut a);
    varint((2 << 3) | 5, &mut a);
    a.extend_from_slice(&f.to_le_bytes());
    vfield(20, 1, &mut a);
    a
}

/// AttributeProto with s (4) and type STRING (20 = 3).
pub fn string_attr(name: &str, s: &str) -> Vec<u8> {
    let mut a = vec![];
    bfield(1, name.as_bytes(), &mut a);
    bfield(4, s.as_bytes(), &mut a);
    vfield(20, 3, &mut a);
    a
}

/// AttributeProto: name (1), ints (8) with type INTS (20 = 7), or i (3) with type INT (20 = 2).
pub fn attr(name: &str, ints: &[i64], single: bool) -> Vec<u8> {
    let mut a = vec![];
    bfield(1, name.as_bytes(), &mut a);
    if single {
        vfield(20, 2, &mut a);
        vfield(3, ints[0] as u64, &mut a);
    } else {
        vfield(20, 7, &mut a);
        for &i in ints {
            vfield(8, i as u64, &mut a);
        }
    }
    a
}

pub fn node(op: &str, name: &str, inputs: &[&str], attrs: &[Vec<u8>]) -> Vec<u8> {
    let mut n = vec![];
    for i in inputs {
        bfield(1, i.as_bytes(), &mut n);
    }
    bfield(2, format!("{name}_out").as_bytes(), &mut n);
    bfield(3, name.as_bytes(), &mut n);
    bfield(4, op.as_bytes(), &mut n);
    for a in attrs {
        bfield(5, a, &mut n);
    }
    n
}

pub fn model(nodes: &[Vec<u8>], inits: &[Vec<u8>]) -> Vec<u8> {
    let mut g = vec![];
    for n in nodes {
        bfield(1, n, &mut g);
    }
    bfield(2, b"g", &mut g);
    for t in inits {
        bfield(5, t, &mut g);
    }
    let mut m = vec![];
    vfield(1, 8, &mut m); // ir_version first, as exporters write it (and as the sniffer expects)
    bfield(7, &g, &mut m);
    m
}

/// How the AlexNet-shaped test model stores one layer's weight.
#[derive(Clone, Copy, PartialEq)]
pub enum Fault {
    None,
    /// The first two axes swapped: conv1 as [3, 96, 11, 11], fc6 as [9216, 4096] under transB = 1.
    SwapAxes(&'static str),
    /// An fc layer declared transB = 0 (so [n_in, n_out] is expected) while the data is stored [n_out, n_in].
    TransB0(&'static str),
    /// One more attribute on the layer's node: a float, integers, or a string.
    Float(&'static str, &'static str, f32),
    Ints(&'static str, &'static str, &'static [i64]),
    Str(&'static str, &'static str, &'static str),
    /// The layer's node has no bias input.
    NoBias(&'static str),
    /// The first layer reads the second one's bias (conv3 and conv4 biases are both [384]).
    BiasOf(&'static str, &'static str),
    /// A sixth Conv node after fc8.
    ExtraConv,
    /// The layer's node is another op, with the inputs of its quantised form where it has one (see `quantised_node`).
    Op(&'static str, &'static str),
}

impl Fault {
    fn layer(self) -> Option<&'static str> {
        match self {
            // Saying the default out loud is no fault.
            Fault::Str(_, "auto_pad", "NOTSET") | Fault::None | Fault::ExtraConv => None,
            Fault::SwapAxes(id) | Fault::TransB0(id) | Fault::Float(id, ..) | Fault::Ints(id, ..) => Some(id),
            Fault::Str(id, ..) | Fault::NoBias(id) | Fault::BiasOf(id, _) | Fault::Op(id, _) => Some(id),
        }
    }
}

/// A quantised (or dynamically quantised) node for `id`, reading `prev`, with the layer's `attrs`; its weight `w` is
/// an initializer except for the QLinearConv, whose weight a Relu computes, so that the importer has something it
/// cannot follow.
pub fn quantised_node(
    op: &str,
    id: &str,
    (prev, w, b): (&str, &str, &str),
    attrs: &[Vec<u8>],
    nodes: &mut Vec<Vec<u8>>,
    inits: &mut Vec<Vec<u8>>,
) {
    let scalar = |name: &str, dt: u64, raw: &[u8]| typed_tensor(name, &[], dt, raw);
    inits.push(scalar("s", 1, &0.5f32.to_le_bytes()));
    inits.push(scalar("z", 3, &[0]));
    match op {
        "QLinearConv" => {
            nodes.push(node("Relu", "weight_maker", &[prev], &[]));
            nodes.push(node(op, id, &[prev, "s", "z", "weight_maker_out", "s", "z", "s", "z", b], attrs));
        }
        "QLinearMatMul" => nodes.push(node(op, id, &[prev, "s", "z", w, "s", "z", "s", "z"], &[])),
        "ConvInteger" | "MatMulInteger" => nodes.push(node(op, id, &[prev, w, "z", "z"], attrs)),
        "DequantizeBlocked" => {
            // A Conv whose weight is dequantised in blocks (opset 21), which the importer does not do.
            nodes.push(node("DequantizeLinear", "dq", &[w, "s", "z"], &[attr("block_size", &[32], true)]));
            nodes.push(node("Conv", id, &[prev, "dq_out", b], attrs));
        }
        _ => unreachable!("{op}"),
    }
}

/// An AlexNet-structured ONNX model with zero weights and the spec's attributes. Layers after a faulty one get
/// shapes but no data, because the importer checks shapes before data and stops at the first problem.
pub fn alexnet_onnx(fault: Fault) -> Vec<u8> {
    let (mut nodes, mut inits) = (vec![], vec![]);
    let mut prev = "data".to_string();
    let mut broken = false;
    for (id, (wshape, _)) in PARAM_LAYERS.iter().copied().zip(expected_shapes()) {
        let l = spec::layer(id).unwrap();
        let mut dims = wshape;
        let mut attrs = vec![];
        let conv = dims.len() == 4;
        if conv {
            let (k, s, p, g) = (l.k as i64, l.stride as i64, l.pad as i64, l.groups as i64);
            attrs.push(attr("group", &[g], true));
            attrs.push(attr("strides", &[s, s], false));
            attrs.push(attr("pads", &[p, p, p, p], false));
            attrs.push(attr("kernel_shape", &[k, k], false));
        } else {
            attrs.push(attr("transB", &[if fault == Fault::TransB0(id) { 0 } else { 1 }], true));
        }
        if fault == Fault::SwapAxes(id) {
            dims.swap(0, 1);
        }
        if fault.layer() == Some(id) {
            broken = true;
        }
        match fault {
            Fault::Float(f, a, v) if f == id => attrs.push(float_attr(a, v)),
            Fault::Ints(f, a, v) if f == id => attrs.push(attr(a, v, v.len() == 1)),
            Fault::Str(f, a, v) if f == id => attrs.push(string_attr(a, v)),
            _ => {}
        }
        let n: usize = dims.iter().product();
        let data = if broken { vec![] } else { vec![0u8; n * 4] };
        inits.push(tensor(&format!("{id}_w"), &dims, &data));
        inits.push(tensor(&format!("{id}_b"), &[l.c_out], &if broken { vec![] } else { vec![0u8; l.c_out * 4] }));
        let (w, mut b) = (format!("{id}_w"), format!("{id}_b"));
        if let Fault::BiasOf(f, other) = fault {
            if f == id {
                b = format!("{other}_b");
            }
        }
        match fault {
            Fault::NoBias(f) if f == id => {
                nodes.push(node(if conv { "Conv" } else { "Gemm" }, id, &[&prev, &w], &attrs))
            }
            Fault::Op(f, op) if f == id => quantised_node(op, id, (&prev, &w, &b), &attrs, &mut nodes, &mut inits),
            _ => nodes.push(node(if conv { "Conv" } else { "Gemm" }, id, &[&prev, &w, &b], &attrs)),
        }
        prev = format!("{id}_out");
    }
    if fault == Fault::ExtraConv {
        nodes.push(node("Conv", "conv6", &[&prev, "conv5_w", "conv5_b"], &[]));
    }
    model(&nodes, &inits)
}

/// A 2-layer MLP (Gemm → Relu → Gemm, 4 → 8 → 2): a perfectly valid ONNX model of another network.
pub fn toy_onnx() -> Vec<u8> {
    let z = |n: usize| vec![0u8; n * 4];
    let tb = || vec![attr("transB", &[1], true)];
    model(
        &[
            node("Gemm", "fc1", &["x", "w1", "b1"], &tb()),
            node("Relu", "relu", &["fc1_out"], &[]),
            node("Gemm", "fc2", &["relu_out", "w2", "b2"], &tb()),
        ],
        &[
            tensor("w1", &[8, 4], &z(32)),
            tensor("b1", &[8], &z(8)),
            tensor("w2", &[2, 8], &z(16)),
            tensor("b2", &[2], &z(2)),
        ],
    )
}

/// Deterministic noise (xorshift64) that is neither ONNX- nor safetensors-looking.
pub fn random_bytes(n: usize, mut s: u64) -> Vec<u8> {
    let mut v: Vec<u8> = (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s as u8
        })
        .collect();
    if v.first() == Some(&0x08) {
        v[0] = 0x09;
    }
    if v.len() > 8 && v[8] == b'{' {
        v[8] = b'|';
    }
    v
}

/// A small safetensors file from `(name, dtype, shape, bytes)`, through the crate's own dependency.
pub fn safetensors_file(tensors: &[(&str, safetensors::Dtype, Vec<usize>, Vec<u8>)]) -> Vec<u8> {
    let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = tensors
        .iter()
        .map(|(n, dt, shape, data)| {
            (n.to_string(), safetensors::tensor::TensorView::new(*dt, shape.clone(), data).unwrap())
        })
        .collect();
    safetensors::serialize(views, None).unwrap()
}
