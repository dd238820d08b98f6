//! The whole network against onnxruntime: every layer of a generated random-weight BVLC AlexNet ONNX.
//!
//! The model, input and reference outputs come from `tests/reference/make_alexnet.py` (seed 2012 in its header),
//! run by `common::reference_dir()` through onnxruntime 1.32 with graph optimisations off.

mod common;

use alexnet_explainer::model::{forward_traced, Forward, Model};
use alexnet_explainer::spec::{self, ALEXNET};
use alexnet_explainer::tensor::{max_rel_err, Tensor};
use alexnet_explainer::weights::store::{self, StoreDtype};
use alexnet_explainer::weights::{Blob, Weights, WeightsError};
use common::{npy, reference_dir, APPROXIMATE};
use std::sync::OnceLock;

fn model_bytes() -> &'static [u8] {
    static B: OnceLock<Vec<u8>> = OnceLock::new();
    B.get_or_init(|| std::fs::read(reference_dir().join("model.onnx")).expect("model.onnx"))
}

fn input() -> Tensor {
    let (shape, data) = npy(&reference_dir().join("input.npy"));
    Tensor::from_shape_vec(&shape, data).expect("input shape")
}

#[test]
fn every_layer_matches_onnxruntime() {
    let w = Weights::from_bytes(model_bytes()).expect("our importer reads the generated model");
    assert!(!w.info.trained, "a generated model must not be mistaken for the BVLC weights");
    let mut report = vec![];
    forward_traced(&Model::new(w), input(), |id, t| {
        let (shape, want) = npy(&reference_dir().join(format!("{id}.npy")));
        assert_eq!(t.shape(), shape, "{id}: shape");
        let e = max_rel_err(&t.values(), &want);
        report.push(format!("{id:<6} {e:.2e}"));
        assert!(e <= APPROXIMATE, "{id}: max relative error {e:.3e} > {APPROXIMATE:e}");
    })
    .unwrap();
    assert_eq!(report.len(), ALEXNET.len());
    println!("max relative error per layer vs onnxruntime:\n{}", report.join("\n"));
}

#[test]
fn compact_formats_against_f32() {
    let m = Model::new(Weights::from_bytes(model_bytes()).unwrap());
    let w = m.weights();
    let run = |m: &Model| {
        let mut f = Forward::new(input()).unwrap();
        f.run_all(m);
        (f.output("fc8").unwrap().values().into_owned(), f.top_k(1).unwrap()[0].index)
    };
    let (ref_logits, ref_top) = run(&m);
    for (dt, tol) in [(StoreDtype::F32, 0.0), (StoreDtype::F16, 1e-2), (StoreDtype::Int8, 5e-2)] {
        let bytes = store::write(w, dt, "model.onnx", None).unwrap();
        let r = Model::new(Weights::from_bytes(&bytes).unwrap());
        let (logits, top) = run(&r);
        let e = max_rel_err(&logits, &ref_logits);
        println!(
            "{:<5} {:>11} bytes  fc8 max rel err {e:.2e}  top-1 {}",
            dt.name(),
            bytes.len(),
            if top == ref_top { "same" } else { "DIFFERENT" }
        );
        assert!(e <= tol, "{}: {e}", dt.name());
        assert_eq!(top, ref_top, "{}: top-1 differs", dt.name());
        if dt == StoreDtype::Int8 {
            assert!(bytes.len() <= 62_000_000, "int8 file is {} bytes", bytes.len());
        }
    }
}

/// Loads `bytes` through a blob (the browser's path) and checks it against the copying loader: the same values,
/// the same outputs, and every tensor the file stores as-is viewed in place rather than copied.
fn blob_load_matches_copy(bytes: &[u8], what: &str) -> Weights {
    let copied = Weights::from_bytes(bytes).unwrap();
    let viewed = Weights::from_blob(Blob::from_bytes(bytes)).unwrap();
    assert_eq!(viewed.info, copied.info, "{what}");
    for ((a, b), id) in viewed.layers.iter().zip(&copied.layers).zip(spec::PARAM_LAYERS) {
        assert_eq!(a, b, "{what} {id}: values");
        assert_eq!(a.weight_len(), b.weight_len(), "{what} {id}");
    }
    viewed
}

#[test]
fn blob_loading_views_the_file_in_place_and_changes_nothing() {
    // ONNX: every weight and bias is float32 raw_data, so all 16 tensors stay in the file's blob.
    let w = blob_load_matches_copy(model_bytes(), "onnx");
    for (l, id) in w.layers.iter().zip(spec::PARAM_LAYERS) {
        assert!(l.weight.is_shared() && l.bias.is_shared(), "onnx {id}: {:?} {:?}", l.weight, l.bias);
    }
    let m = Model::new(w);
    // The model packs its conv layers beside the weights; the weights themselves still view the file.
    assert!(m.weights().layers.iter().all(|l| l.weight.is_shared() && l.bias.is_shared()));
    let mut f = Forward::new(input()).unwrap();
    f.run_all(&m);
    let mut g = Forward::new(input()).unwrap();
    g.run_all(&Model::new(Weights::from_bytes(model_bytes()).unwrap()));
    assert_eq!(f.output("prob").unwrap().values(), g.output("prob").unwrap().values());
    // The compact files: f32 tensors and int8 fc rows in place, and the int8 fc layers keep no f32 copy.
    let copied = Weights::from_bytes(model_bytes()).unwrap();
    for dt in [StoreDtype::F32, StoreDtype::Int8] {
        let bytes = store::write(&copied, dt, "model.onnx", None).unwrap();
        let w = blob_load_matches_copy(&bytes, dt.name());
        for (l, id) in w.layers.iter().zip(spec::PARAM_LAYERS) {
            assert!(l.bias.is_shared(), "{} {id} bias", dt.name());
            match &l.int8 {
                Some(r) => {
                    assert!(id.starts_with("fc") && r.q.is_shared() && l.weight.is_empty(), "{} {id}", dt.name());
                    assert_eq!(l.row_f32(3).unwrap().len(), l.weight_len() / l.bias.len());
                }
                None => assert!(dt == StoreDtype::Int8 || l.weight.is_shared(), "{} {id} weight", dt.name()),
            }
        }
    }
}

#[test]
fn truncated_onnx_is_an_error_not_a_panic() {
    let b = model_bytes();
    for cut in [1, 100, 10_000, b.len() / 3, b.len() - 10] {
        assert!(Weights::from_bytes(&b[..cut]).is_err(), "cut at {cut}");
    }
}

#[test]
fn wrong_shape_names_the_tensor() {
    // Rewrite conv2's weight dims [256, 48, 5, 5] in place to [256, 48, 5, 4]: same encoding length.
    let mut b = model_bytes().to_vec();
    let name = b"conv2_w_0";
    // The dims field (1) precedes the name in onnx.helper's output: 0x08 0x80 0x02 0x08 0x30 0x08 0x05 0x08 0x05.
    // The name also occurs in the Conv node and in the graph inputs (which, like the Zoo file's, list every
    // initializer), so the initializer is the occurrence with those dims just before it.
    let dims = [0x08u8, 0x80, 0x02, 0x08, 0x30, 0x08, 0x05, 0x08, 0x05];
    let p = (0..b.len() - name.len())
        .filter(|&at| &b[at..at + name.len()] == name)
        .find_map(|at| {
            let start = at.saturating_sub(40);
            b[start..at].windows(dims.len()).rposition(|w| w == dims).map(|p| start + p)
        })
        .expect("the initializer's dims before its name");
    b[p + dims.len() - 1] = 0x04;
    let e = Weights::from_bytes(&b).unwrap_err();
    assert!(matches!(e, WeightsError::Shape { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains("conv2") && msg.contains("[256, 48, 5, 4]") && msg.contains("[256, 48, 5, 5]"), "{msg}");
}

#[test]
fn spec_and_reference_agree_on_shapes() {
    // The generator declares the same shapes independently; the spec table must match it.
    for l in spec::derive() {
        let (shape, _) = npy(&reference_dir().join(format!("{}.npy", l.id)));
        assert_eq!(shape, l.out_shape, "{}", l.id);
    }
}
