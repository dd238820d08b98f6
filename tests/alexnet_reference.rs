//! The whole network against onnxruntime: every layer of a generated random-weight BVLC AlexNet ONNX.
//!
//! The model, input and reference outputs come from `tests/reference/make_alexnet.py` (seed 2012 in its header),
//! run by `common::reference_dir()` through onnxruntime 1.32 with graph optimisations off.

mod common;

use alexnet_explainer::model::{forward_traced, Forward};
use alexnet_explainer::spec::{self, ALEXNET};
use alexnet_explainer::tensor::Tensor;
use alexnet_explainer::weights::store::{self, StoreDtype};
use alexnet_explainer::weights::{Weights, WeightsError};
use common::{max_rel_err, npy, reference_dir, APPROXIMATE};
use std::sync::OnceLock;

fn model_bytes() -> &'static [u8] {
    static B: OnceLock<Vec<u8>> = OnceLock::new();
    B.get_or_init(|| std::fs::read(reference_dir().join("model.onnx")).expect("model.onnx"))
}

fn input() -> Tensor {
    let (shape, data) = npy(&reference_dir().join("input.npy"));
    Tensor::new(shape, data).expect("input shape")
}

#[test]
fn every_layer_matches_onnxruntime() {
    let w = Weights::from_bytes(model_bytes()).expect("our importer reads the generated model");
    assert!(!w.info.trained, "a generated model must not be mistaken for the BVLC weights");
    let mut report = vec![];
    forward_traced(&w, input(), |id, t| {
        let (shape, want) = npy(&reference_dir().join(format!("{id}.npy")));
        assert_eq!(t.shape, shape, "{id}: shape");
        let e = max_rel_err(&t.data, &want);
        report.push(format!("{id:<6} {e:.2e}"));
        assert!(e <= APPROXIMATE, "{id}: max relative error {e:.3e} > {APPROXIMATE:e}");
    })
    .unwrap();
    assert_eq!(report.len(), ALEXNET.len());
    println!("max relative error per layer vs onnxruntime:\n{}", report.join("\n"));
}

#[test]
fn compact_formats_against_f32() {
    let w = Weights::from_bytes(model_bytes()).unwrap();
    let run = |w: &Weights| {
        let mut f = Forward::new(input()).unwrap();
        f.run_all(w);
        (f.output("fc8").unwrap().data.clone(), f.top_k(1).unwrap()[0].index)
    };
    let (ref_logits, ref_top) = run(&w);
    for (dt, tol) in [(StoreDtype::F32, 0.0), (StoreDtype::F16, 1e-2), (StoreDtype::Int8, 5e-2)] {
        let bytes = store::write(&w, dt, "model.onnx", None).unwrap();
        let r = Weights::from_bytes(&bytes).unwrap();
        let (logits, top) = run(&r);
        let e = max_rel_err(&logits, &ref_logits);
        println!("{:<5} {:>11} bytes  fc8 max rel err {e:.2e}  top-1 {}", dt.name(), bytes.len(), if top == ref_top { "same" } else { "DIFFERENT" });
        assert!(e <= tol, "{}: {e}", dt.name());
        assert_eq!(top, ref_top, "{}: top-1 differs", dt.name());
        if dt == StoreDtype::Int8 {
            assert!(bytes.len() <= 62_000_000, "int8 file is {} bytes", bytes.len());
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
    // Nodes precede initializers in the graph, so the name's last occurrence is the initializer's.
    let at = b.windows(name.len()).rposition(|w| w == name).expect("initializer name present");
    // The dims field (1) precedes the name in onnx.helper's output: 0x08 0x80 0x02 0x08 0x30 0x08 0x05 0x08 0x05.
    let dims = [0x08u8, 0x80, 0x02, 0x08, 0x30, 0x08, 0x05, 0x08, 0x05];
    let start = at.saturating_sub(40);
    let p = b[start..at].windows(dims.len()).rposition(|w| w == dims).map(|p| start + p).expect("dims before the name");
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
