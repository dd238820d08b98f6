//! Every form of AlexNet ONNX file a user may hold imports to the weights it stores: the stand-in re-encoded
//! (float_data, opset 9, opset 3, float16), and quantised by onnxruntime's own quantiser (QOperator and QDQ, per
//! channel and per tensor), whose weights must equal numpy's dequantisation and whose forward pass must match
//! onnxruntime's on those dequantised weights, layer by layer.
//!
//! The files come from `tests/reference/make_variants.py` (through `common::variants_dir()`), made from the
//! stand-in of `tests/reference/make_alexnet.py` (seed 2012 in its header).

mod common;

use alexnet_explainer::model::{forward_traced, Model};
use alexnet_explainer::spec::{self, PARAM_LAYERS};
use alexnet_explainer::tensor::{max_rel_err, Tensor};
use alexnet_explainer::weights::{Blob, Weights};
use common::{npy, reference_dir, variants_dir, APPROXIMATE};
use std::path::Path;
use std::sync::OnceLock;

fn stand_in() -> &'static Weights {
    static W: OnceLock<Weights> = OnceLock::new();
    W.get_or_init(|| Weights::from_bytes(&std::fs::read(reference_dir().join("model.onnx")).unwrap()).unwrap())
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Loads `bytes` both ways (copied, and viewed in a blob as the browser does) and checks they agree.
fn load(bytes: &[u8], what: &str) -> Weights {
    let w = Weights::from_bytes(bytes).unwrap_or_else(|e| panic!("{what}: {e}"));
    let b = Weights::from_blob(Blob::from_bytes(bytes)).unwrap();
    assert_eq!(b.info, w.info, "{what}");
    for ((x, y), id) in b.layers.iter().zip(&w.layers).zip(PARAM_LAYERS) {
        assert!(x == y, "{what} {id}: the blob loader read other values");
    }
    assert_eq!(w.info.format, "onnx");
    assert!(!w.info.trained, "{what}");
    assert_eq!(w.info.params, 60_965_224, "{what}");
    w
}

/// The first index where `got` and `want` differ by more than `tol(want)`, with both values.
fn first_mismatch(got: &[f32], want: &[f32], tol: impl Fn(f32) -> f32) -> Option<(usize, f32, f32)> {
    assert_eq!(got.len(), want.len());
    got.iter().zip(want).enumerate().find(|(_, (g, w))| (*g - *w).abs() > tol(**w)).map(|(i, (g, w))| (i, *g, *w))
}

fn assert_same_as_stand_in(w: &Weights, what: &str, tol: impl Fn(f32) -> f32 + Copy) {
    for ((l, s), id) in w.layers.iter().zip(&stand_in().layers).zip(PARAM_LAYERS) {
        for (role, got, want) in [("weight", &l.weight, &s.weight), ("bias", &l.bias, &s.bias)] {
            let bad = first_mismatch(got, want, tol);
            assert!(bad.is_none(), "{what} {id} {role}: (index, ours, stand-in) {bad:?}");
        }
    }
}

#[test]
fn float32_re_encodings_import_to_exactly_the_stand_ins_weights() {
    for f in ["float_data.onnx", "opset9.onnx", "opset3.onnx"] {
        let w = load(&read(&variants_dir().join(f)), f);
        assert_eq!(w.info.dtype, "f32", "{f}");
        assert_same_as_stand_in(&w, f, |_| 0.0);
    }
}

#[test]
fn a_float16_model_imports_within_float16_rounding_and_says_f16() {
    let w = load(&read(&variants_dir().join("f16.onnx")), "f16.onnx");
    assert_eq!(w.info.dtype, "f16");
    // Round to nearest float16: half an ulp, 2^-11 relative for normal values, 2^-25 absolute below 2^-14.
    assert_same_as_stand_in(&w, "f16.onnx", |v| v.abs() * 2f32.powi(-11) + 2f32.powi(-25));
    // Conversions are copies, not views of the file.
    let b = Weights::from_blob(Blob::from_bytes(&read(&variants_dir().join("f16.onnx")))).unwrap();
    assert!(b.layers.iter().all(|l| !l.weight.is_shared() && !l.bias.is_shared()));
}

/// A quantised model: its weights are numpy's dequantisation of its initializers, and the forward pass on
/// them matches onnxruntime running the stand-in's graph with those weights.
fn quantised(dir: &str) {
    let d = variants_dir().join(dir);
    let bytes = read(&d.join("model.onnx"));
    let t0 = std::time::Instant::now();
    let w = load(&bytes, dir);
    let took = t0.elapsed();
    assert_eq!(w.info.dtype, "int8", "{dir}");
    for (l, id) in w.layers.iter().zip(PARAM_LAYERS) {
        let ks = &spec::derive().into_iter().find(|s| s.id == id).unwrap().kernel_shape;
        // In the spec's row-major shape (the engine holds fc matrices in panels).
        let weight = l.weights_f32();
        for (role, got) in [("weight", &weight[..]), ("bias", &l.bias[..])] {
            let (shape, want) = npy(&d.join(format!("{id}.{role}.npy")));
            if role == "weight" {
                assert_eq!(&shape, ks, "{dir} {id}: numpy's layout");
            }
            // The same float32 operations in the same order, so the same bits.
            let bad = first_mismatch(got, &want, |_| 0.0);
            assert!(bad.is_none(), "{dir} {id} {role}: (index, ours, numpy) {bad:?}");
        }
        assert!(!l.weight.is_shared() && !l.bias.is_shared(), "{dir} {id}: a dequantised tensor is a copy");
    }
    let (shape, x) = npy(&reference_dir().join("input.npy"));
    let mut worst = (String::new(), 0f32);
    forward_traced(&Model::new(w), Tensor::from_shape_vec(&shape, x).unwrap(), |id, t| {
        let (shape, want) = npy(&d.join(format!("{id}.npy")));
        assert_eq!(t.shape(), shape, "{dir} {id}: shape");
        let e = max_rel_err(&t.values(), &want);
        assert!(e <= APPROXIMATE, "{dir} {id}: max relative error {e:.3e} > {APPROXIMATE:e}");
        if e > worst.1 {
            worst = (id.to_string(), e);
        }
    })
    .unwrap();
    println!(
        "{dir}: {} bytes imported in {took:.2?}; worst layer vs onnxruntime {} at {:.2e}",
        bytes.len(),
        worst.0,
        worst.1
    );
}

#[test]
fn qoperator_per_channel_qlinearmatmul_and_qlinearadd() {
    quantised("q-operator-per-channel");
}

#[test]
fn qoperator_per_tensor_uint8_qgemm_and_float_add() {
    quantised("q-operator-per-tensor");
}

#[test]
fn qdq_per_channel_with_a_matmul() {
    quantised("q-dq-per-channel");
}

#[test]
fn qdq_per_tensor() {
    quantised("q-dq-per-tensor");
}
