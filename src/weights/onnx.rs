//! Imports AlexNet weights from an ONNX model (the Model Zoo's `bvlcalexnet-12.onnx` or any same-structure export).
//!
//! Tensors are found by graph order, not by name: the k-th `Conv` node feeds conv k, the k-th `Gemm` (or
//! `MatMul`) feeds fc6…fc8. Every shape and attribute is checked against `spec.rs` before any data is copied,
//! so a wrong file gets an error naming the first mismatching tensor and allocation is bounded by the file.

use super::protobuf::{push_varints, Fields, Value};
use super::{expected_shapes, materialize, Blob, LayerWeights, Plan, PlannedLayer, Source, WeightsError};
use crate::spec::{self, PARAM_LAYERS};
use std::collections::HashMap;

/// ONNX TensorProto data types we accept.
const FLOAT: i64 = 1;
const FLOAT16: i64 = 10;

/// An initializer, still borrowing the file's bytes.
#[derive(Default)]
struct RawTensor<'a> {
    dims: Vec<i64>,
    data_type: i64,
    raw: Option<&'a [u8]>,
    /// `float_data`: packed chunks and unpacked single values, in order.
    floats_packed: Vec<&'a [u8]>,
    floats_single: Vec<u32>,
    external: bool,
}

struct Node<'a> {
    op: &'a str,
    name: &'a str,
    inputs: Vec<&'a str>,
    ints: HashMap<&'a str, Vec<i64>>,
}

fn wire(e: super::protobuf::WireError) -> WeightsError {
    WeightsError::Corrupt(format!("not a readable ONNX file ({e})"))
}

fn parse_tensor(b: &[u8]) -> Result<(String, RawTensor<'_>), WeightsError> {
    let mut t = RawTensor::default();
    let mut name = String::new();
    for f in Fields::new(b) {
        match f.map_err(wire)? {
            (1, v) => push_varints(v, &mut t.dims).map_err(wire)?,
            (2, Value::Varint(v)) => t.data_type = v as i64,
            (4, Value::Bytes(p)) => t.floats_packed.push(p),
            (4, Value::Fixed32(x)) => t.floats_single.push(x),
            (8, v) => name = v.str().unwrap_or_default().to_string(),
            (9, Value::Bytes(r)) => t.raw = Some(r),
            (13, _) => t.external = true,
            (14, Value::Varint(1)) => t.external = true,
            _ => {}
        }
    }
    Ok((name, t))
}

fn parse_node(b: &[u8]) -> Result<Node<'_>, WeightsError> {
    let mut n = Node { op: "", name: "", inputs: vec![], ints: HashMap::new() };
    for f in Fields::new(b) {
        match f.map_err(wire)? {
            (1, v) => n.inputs.push(v.str().unwrap_or_default()),
            (3, v) => n.name = v.str().unwrap_or_default(),
            (4, v) => n.op = v.str().unwrap_or_default(),
            (5, Value::Bytes(a)) => {
                let mut an = "";
                let mut ints = vec![];
                for af in Fields::new(a) {
                    match af.map_err(wire)? {
                        (1, v) => an = v.str().unwrap_or_default(),
                        (3, v) | (8, v) => push_varints(v, &mut ints).map_err(wire)?,
                        _ => {}
                    }
                }
                n.ints.insert(an, ints);
            }
            _ => {}
        }
    }
    Ok(n)
}

fn shape_str(s: &[i64]) -> String {
    format!("[{}]", s.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", "))
}

/// Plans an initializer as f32 after checking it has exactly `want` dims (or the transposed 2-D shape when
/// `transposed`), in the expected (untransposed) layout: float32 `raw_data` stays in the file (`file` is the whole
/// model, for offsets); anything else is converted into a copy.
fn plan_f32(file: &[u8], id: &str, role: &str, name: &str, t: &RawTensor<'_>, want: &[usize], transposed: bool) -> Result<Plan<f32>, WeightsError> {
    let want_i: Vec<i64> = if transposed { vec![want[1] as i64, want[0] as i64] } else { want.iter().map(|&d| d as i64).collect() };
    if t.dims != want_i {
        return Err(WeightsError::Shape {
            layer: id.to_string(),
            tensor: format!("{role} ({name})"),
            expected: shape_str(&want_i),
            found: shape_str(&t.dims),
        });
    }
    if t.external {
        return Err(WeightsError::Unsupported(format!("{id} {role} ({name}) is stored as external data; re-export the model with the weights embedded")));
    }
    let n: usize = want.iter().product();
    let data: Vec<f32> = match (t.data_type, t.raw) {
        (FLOAT, Some(raw)) => {
            if raw.len() != n * 4 {
                return Err(WeightsError::Corrupt(format!("{id} {role} ({name}) holds {} bytes, {} expected for {}", raw.len(), n * 4, shape_str(&want_i))));
            }
            if !transposed {
                return Ok(Plan::in_file(file, raw, n));
            }
            raw.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
        }
        (FLOAT16, Some(raw)) => {
            if raw.len() != n * 2 {
                return Err(WeightsError::Corrupt(format!("{id} {role} ({name}) holds {} bytes, {} expected", raw.len(), n * 2)));
            }
            raw.chunks_exact(2).map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32()).collect()
        }
        (FLOAT, None) => {
            let bytes: usize = t.floats_packed.iter().map(|p| p.len()).sum();
            if bytes % 4 != 0 || bytes / 4 + t.floats_single.len() != n {
                return Err(WeightsError::Corrupt(format!("{id} {role} ({name}) holds the wrong number of values")));
            }
            let mut v = Vec::with_capacity(n);
            for p in &t.floats_packed {
                v.extend(p.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])));
            }
            v.extend(t.floats_single.iter().map(|&x| f32::from_bits(x)));
            v
        }
        (dt, _) => return Err(WeightsError::Unsupported(format!("{id} {role} ({name}) has ONNX data type {dt}; only float32 and float16 are supported"))),
    };
    if !transposed {
        return Ok(Plan::Owned(data));
    }
    // Gemm with transB = 0 stores B as [n_in, n_out]; the engine wants rows per output.
    let (rows, cols) = (want[1], want[0]);
    let mut out = vec![0f32; n];
    for r in 0..rows {
        for c in 0..cols {
            out[c * rows + r] = data[r * cols + c];
        }
    }
    Ok(Plan::Owned(out))
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

/// Parses and checks everything; returns where each layer's tensors are (nothing is copied but conversions) and
/// the storage dtype of the weights.
fn plan(bytes: &[u8]) -> Result<(Vec<PlannedLayer>, &'static str), WeightsError> {
    let mut graph = None;
    for f in Fields::new(bytes) {
        if let (7, Value::Bytes(g)) = f.map_err(wire)? {
            graph = Some(g);
        }
    }
    let graph = graph.ok_or_else(|| WeightsError::Corrupt("not an ONNX model: it has no graph".into()))?;
    let mut inits: HashMap<String, RawTensor<'_>> = HashMap::new();
    let mut nodes = vec![];
    for f in Fields::new(graph) {
        match f.map_err(wire)? {
            (1, Value::Bytes(n)) => nodes.push(parse_node(n)?),
            (5, Value::Bytes(t)) => {
                let (name, t) = parse_tensor(t)?;
                inits.insert(name, t);
            }
            _ => {}
        }
    }
    let convs: Vec<&Node<'_>> = nodes.iter().filter(|n| n.op == "Conv").collect();
    let fcs: Vec<&Node<'_>> = nodes.iter().filter(|n| n.op == "Gemm" || n.op == "MatMul").collect();
    let shapes = expected_shapes();
    let mut out = Vec::with_capacity(PARAM_LAYERS.len());
    let mut dtype = "f32";
    for (i, id) in PARAM_LAYERS.iter().enumerate() {
        let l = spec::layer(id).expect("PARAM_LAYERS are in the spec");
        let (is_conv, k) = if i < 5 { (true, i) } else { (false, i - 5) };
        let node = if is_conv { convs.get(k) } else { fcs.get(k) }.ok_or_else(|| {
            WeightsError::Structure(format!(
                "{id}: the model has {} Conv and {} Gemm nodes, BVLC AlexNet has 5 and 3 (is this an AlexNet model?)",
                convs.len(),
                fcs.len()
            ))
        })?;
        let (wshape, bshape) = &shapes[i];
        let mut transposed = false;
        if is_conv {
            let attr = |a: &str, default: Vec<i64>| node.ints.get(a).cloned().unwrap_or(default);
            let (kk, s, p, g) = (l.k as i64, l.stride as i64, l.pad as i64, l.groups as i64);
            let checks = [
                ("group", attr("group", vec![1]), vec![g]),
                ("strides", attr("strides", vec![1, 1]), vec![s, s]),
                ("pads", attr("pads", vec![0, 0, 0, 0]), vec![p, p, p, p]),
                ("kernel_shape", attr("kernel_shape", vec![kk, kk]), vec![kk, kk]),
            ];
            for (a, found, want) in checks {
                if found != want {
                    return Err(WeightsError::Structure(format!("{id} (Conv node '{}'): attribute {a} is {found:?}, expected {want:?}", node.name)));
                }
            }
        } else if node.op == "Gemm" {
            transposed = node.ints.get("transB").map(|v| v.first() != Some(&1)).unwrap_or(true);
            if node.ints.get("transA").is_some_and(|v| v.first() == Some(&1)) {
                return Err(WeightsError::Structure(format!("{id} (Gemm node '{}'): transA = 1 is not AlexNet's layout", node.name)));
            }
        } else {
            // MatMul(x, W) with W [n_in, n_out]; its bias comes from a following Add, which we do not chase.
            transposed = true;
        }
        let wname = node.inputs.get(1).copied().unwrap_or_default();
        let wt = inits.get(wname).ok_or_else(|| WeightsError::Structure(format!("{id}: weight '{wname}' is not an initializer in the file")))?;
        let weight = plan_f32(bytes, id, "weight", wname, wt, wshape, transposed)?;
        let bname = node.inputs.get(2).copied().unwrap_or_default();
        let bias = match inits.get(bname) {
            Some(bt) => plan_f32(bytes, id, "bias", bname, bt, bshape, false)?,
            None => return Err(WeightsError::Structure(format!("{id}: the node has no bias initializer (expected {})", shape_str(&[bshape[0] as i64])))),
        };
        if wt.data_type == FLOAT16 {
            dtype = "f16";
        }
        out.push(PlannedLayer { weight, bias, int8: None });
    }
    Ok((out, dtype))
}
