//! The three methods on seeded weights: saliency against finite differences of the whole network, Grad-CAM
//! against its definition on the gradient, occlusion's incremental recompute against whole passes, and the
//! errors a caller can meet. (Against onnxruntime: `tests/attribution_reference.rs`.)

use super::*;
use crate::ops::testutil::rand_vec;
use crate::spec::INPUT_SHAPE;
use crate::tensor::Tensor;
use crate::weights::Weights;

fn setup() -> (Model, Forward) {
    let m = Model::new(Weights::untrained(3));
    let x: Vec<f32> = rand_vec(11, 3 * 227 * 227).iter().map(|v| v * 100.0).collect();
    let mut f = Forward::new(Tensor::from_shape_vec(&INPUT_SHAPE, x).unwrap()).unwrap();
    f.run_all(&m);
    (m, f)
}

fn logit(m: &Model, x: &[f32], k: usize) -> f64 {
    let mut f = Forward::new(Tensor::from_shape_vec(&INPUT_SHAPE, x.to_vec()).unwrap()).unwrap();
    f.run_all(m);
    f.output("fc8").unwrap().values()[k] as f64
}

#[test]
fn saliency_matches_finite_differences_of_the_whole_net() {
    let (m, f) = setup();
    let k = f.top_k(1).unwrap()[0].index;
    let g = backward_to(&m, &f, k, None);
    let x = f.output("data").unwrap().values().into_owned();
    let scale = g.iter().fold(0f32, |a, v| a.max(v.abs())) as f64;
    assert!(scale > 0.0);
    // The largest gradients (where an error would show most) and a few random pixels.
    let mut idx: Vec<usize> = (0..g.len()).collect();
    idx.sort_by(|&a, &b| g[b].abs().total_cmp(&g[a].abs()));
    let mut samples: Vec<usize> = idx[..8].to_vec();
    samples.extend(rand_vec(12, 4).iter().map(|r| ((r + 1.0) / 2.0 * g.len() as f32) as usize % g.len()));
    // The net is piecewise linear but for LRN, and f32 passes resolve a logit difference only to ~1e-6, so the
    // step is 0.5 (input values are ±100). A ReLU or pooling kink within the step makes the two one-sided slopes
    // differ; the gradient is then one of them. Most samples must match the central difference itself.
    let h = 0.5f32;
    let l0 = logit(&m, &x, k);
    let mut central = 0;
    for &i in &samples {
        let (mut up, mut down) = (x.clone(), x.clone());
        up[i] += h;
        down[i] -= h;
        let (lu, ld) = (logit(&m, &up, k), logit(&m, &down, k));
        let near = |d: f64| (d - g[i] as f64).abs() / scale < 2e-2;
        let fd = (lu - ld) / (2.0 * h as f64);
        central += near(fd) as usize;
        let (right, left) = ((lu - l0) / h as f64, (l0 - ld) / h as f64);
        assert!(
            near(fd) || near(right) || near(left),
            "input {i}: gradient {:e}, finite differences: central {fd:e}, right {right:e}, left {left:e}",
            g[i]
        );
    }
    assert!(central * 2 > samples.len(), "only {central} of {} samples match the central difference", samples.len());
    let a = attribute(&m, &f, Method::Saliency, k, &Options::default()).unwrap();
    assert_eq!(a.shape, [227, 227]);
    let plane = 227 * 227;
    assert_eq!(a.map[1000], g[1000].abs().max(g[plane + 1000].abs()).max(g[2 * plane + 1000].abs()));
}

#[test]
fn gradcam_is_the_weighted_activation_map() {
    let (m, f) = setup();
    let k = 7;
    for (layer, relu, side) in [("conv5", "relu5", 13), ("conv2", "relu2", 27)] {
        let o = Options { layer: layer.into(), ..Options::default() };
        let a = attribute(&m, &f, Method::GradCam, k, &o).unwrap();
        assert_eq!((a.shape, a.layer), ([side, side], Some(layer)));
        let g = backward_to(&m, &f, k, Some(relu));
        let act = f.output(relu).unwrap().values();
        let hw = side * side;
        let alpha: Vec<f64> = g.chunks(hw).map(|c| c.iter().map(|&v| v as f64).sum::<f64>() / hw as f64).collect();
        for p in [0, hw / 2, hw - 1] {
            let want = alpha.iter().enumerate().map(|(c, a)| a * act[c * hw + p] as f64).sum::<f64>().max(0.0);
            assert!((a.map[p] as f64 - want).abs() <= 1e-5 * want.abs().max(1e-3), "{layer} {p}");
        }
    }
}

#[test]
fn incremental_occlusion_equals_whole_passes_and_saves_work() {
    let (m, f) = setup();
    let k = f.top_k(1).unwrap()[0].index;
    for (patch, stride) in [(32, 64), (50, 59), (227, 1)] {
        let o = Options { patch, stride, ..Options::default() };
        let inc = attribute(&m, &f, Method::Occlusion, k, &o).unwrap();
        let full = attribute(&m, &f, Method::Occlusion, k, &Options { incremental: false, ..o }).unwrap();
        let n = occlusion_positions(patch, stride).unwrap();
        assert_eq!((inc.shape, full.shape), ([n, n], [n, n]));
        let scale = full.map.iter().fold(0f32, |a, v| a.max(v.abs())).max(1e-6);
        for (a, b) in inc.map.iter().zip(&full.map) {
            assert!((a - b).abs() <= 1e-4 * scale + 1e-7, "patch {patch} stride {stride}: {a} vs {b}");
        }
        assert!(full.map.iter().any(|&v| v != 0.0), "the patch changes the prediction");
        let (si, sf) = (inc.occlusion.unwrap(), full.occlusion.unwrap());
        assert_eq!(sf.macs_computed, sf.macs_full);
        if patch < 227 {
            assert!(si.macs_computed < si.macs_full / 2, "{si:?}");
        }
    }
    assert_eq!(occlusion_positions(32, 16).unwrap(), 13, "the default map is 13×13");
}

#[test]
fn bad_requests_are_errors() {
    let (m, f) = setup();
    let o = Options::default();
    assert!(Attribution::new(&f, Method::Saliency, 1000, &o).is_err());
    assert!(Attribution::new(&f, Method::GradCam, 0, &Options { layer: "fc6".into(), ..o.clone() }).is_err());
    assert!(Attribution::new(&f, Method::Occlusion, 0, &Options { patch: 0, ..o.clone() }).is_err());
    assert!(Attribution::new(&f, Method::Occlusion, 0, &Options { patch: 228, ..o.clone() }).is_err());
    assert!(Attribution::new(&f, Method::Occlusion, 0, &Options { stride: 0, ..o.clone() }).is_err());
    assert!(Method::parse("lime").is_err());
    let fresh = Forward::new(f.output("data").unwrap().clone()).unwrap();
    assert!(Attribution::new(&fresh, Method::Saliency, 0, &o).is_err(), "an unfinished pass");
    // Progress counts up to the total.
    let mut a = Attribution::new(&f, Method::GradCam, 0, &o).unwrap();
    assert_eq!(a.progress(), (0, 6), "fc8 relu7 fc7 relu6 fc6 pool5");
    while !a.step(&m, &f) {}
    assert_eq!(a.progress(), (6, 6));
}
