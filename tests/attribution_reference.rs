//! Grad-CAM and occlusion against references made independently of the engine: Grad-CAM at conv5 by numpy from
//! onnxruntime's intermediate outputs, occlusion cells by onnxruntime on the occluded inputs
//! (`tests/reference/make_attribution.py`, on `make_alexnet.py`'s random-weight AlexNet).

mod common;

use alexnet_explainer::attribution::{attribute, Method, Options};
use alexnet_explainer::model::{Forward, Model};
use alexnet_explainer::tensor::{max_rel_err, Tensor};
use alexnet_explainer::weights::Weights;
use common::{attribution_dir, npy, reference_dir, APPROXIMATE};

fn pass() -> (Model, Forward) {
    let bytes = std::fs::read(reference_dir().join("model.onnx")).expect("model.onnx");
    let m = Model::new(Weights::from_bytes(&bytes).expect("the generated model"));
    let (shape, data) = npy(&reference_dir().join("input.npy"));
    let mut f = Forward::new(Tensor::from_shape_vec(&shape, data).expect("input shape")).unwrap();
    f.run_all(&m);
    (m, f)
}

fn class() -> usize {
    let (_, prob) = npy(&reference_dir().join("prob.npy"));
    (0..prob.len()).max_by(|&a, &b| prob[a].total_cmp(&prob[b])).unwrap()
}

#[test]
fn gradcam_conv5_matches_the_onnxruntime_reference() {
    let dir = attribution_dir();
    let (m, f) = pass();
    let k = class();
    assert_eq!(f.top_k(1).unwrap()[0].index, k, "the same top-1 as onnxruntime");
    let a = attribute(&m, &f, Method::GradCam, k, &Options::default()).unwrap();
    let (shape, want) = npy(&dir.join("gradcam_conv5.npy"));
    assert_eq!(a.shape.to_vec(), shape);
    assert!(want.iter().filter(|&&v| v > 0.0).count() > 10, "a reference map that is not empty");
    let e = max_rel_err(&a.map, &want);
    println!("Grad-CAM conv5 class {k}: max relative error {e:.2e}");
    assert!(e <= APPROXIMATE, "{e:e}");
}

#[test]
fn occlusion_cells_match_onnxruntime_on_occluded_inputs() {
    let dir = attribution_dir();
    let (m, f) = pass();
    let k = class();
    let (_, prob) = npy(&reference_dir().join("prob.npy"));
    let a = attribute(&m, &f, Method::Occlusion, k, &Options::default()).unwrap();
    assert_eq!(a.shape, [13, 13]);
    let (shape, cells) = npy(&dir.join("occlusion_cells.npy"));
    assert_eq!(shape[1], 3);
    let mut moved = 0;
    for c in cells.chunks_exact(3) {
        let (i, j, p) = (c[0] as usize, c[1] as usize, c[2]);
        let want = prob[k] - p;
        let got = a.map[i * 13 + j];
        println!("cell ({i:>2}, {j:>2}): ours {got:+.6}, onnxruntime {want:+.6}");
        assert!((got - want).abs() <= APPROXIMATE * prob[k], "cell ({i}, {j}): {got} vs {want}");
        moved += (want.abs() > 1e-3) as usize;
    }
    assert!(moved > 0, "some patch changes the probability, or the check shows nothing");
    let s = a.occlusion.unwrap();
    println!("occlusion 13×13: {:.1} % of the whole passes' MACs", 100.0 * s.macs_computed as f64 / s.macs_full as f64);
}
