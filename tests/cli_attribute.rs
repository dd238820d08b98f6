//! `alexnet attribute` end to end: each method's map and shape, Grad-CAM against the onnxruntime reference, and
//! the mistakes a user can make.

#![cfg(not(target_arch = "wasm32"))]

mod common;
#[path = "support/cli.rs"]
mod run;

use run::*;

#[test]
fn gradcam_map_matches_the_reference_and_every_method_has_its_shape() {
    let (dir, att) = (common::reference_dir(), common::attribution_dir());
    let out = tmp("attribute");
    let (model, input) = (dir.join("model.onnx"), dir.join("input.npy"));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(att.join("manifest.json")).unwrap()).unwrap();
    let k = manifest["class"].as_u64().unwrap().to_string();
    let map = out.join("gradcam.npy");
    let args = ["attribute", "--weights", s(&model), "--input-npy", s(&input), "--method", "gradcam", "--class", &k];
    let o = alexnet(&[&args[..], &["--out", s(&map)]].concat());
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("gradcam at conv5"), "{}", text(&o));
    let (shape, got) = common::npy(&map);
    let (_, want) = common::npy(&att.join("gradcam_conv5.npy"));
    assert_eq!(shape, [13, 13]);
    assert!(alexnet_explainer::tensor::max_rel_err(&got, &want) <= common::APPROXIMATE);

    for (method, extra, shape) in [
        ("saliency", &[][..], [227, 227]),
        ("gradcam", &["--layer", "conv2"][..], [27, 27]),
        ("occlusion", &["--patch", "64", "--stride", "64"][..], [3, 3]),
        ("occlusion", &["--patch", "64", "--stride", "64", "--full-passes"][..], [3, 3]),
    ] {
        let map = out.join(format!("{method}.npy"));
        let mut a = vec!["attribute", "--weights", "untrained", "--image", "www/samples/chelsea.jpg"];
        a.extend(["--method", method, "--class", "281", "--out", s(&map)]);
        a.extend(extra);
        let o = alexnet(&a);
        assert!(o.status.success(), "{method}: {}", text(&o));
        assert!(text(&o).contains("untrained"), "{}", text(&o));
        let (got, values) = common::npy(&map);
        assert_eq!(got, shape, "{method} {extra:?}");
        assert!(values.iter().all(|v| v.is_finite()) && values.iter().any(|&v| v != 0.0), "{method}");
        if method == "occlusion" {
            assert!(text(&o).contains("9 positions"), "{}", text(&o));
        }
    }
    std::fs::remove_dir_all(out).ok();
}

#[test]
fn mistakes_are_named() {
    let out = tmp("attribute-errors");
    let map = out.join("m.npy");
    let base = ["attribute", "--weights", "untrained", "--image", "www/samples/chelsea.jpg", "--out", s(&map)];
    for (extra, says) in [
        (&["--method", "saliency", "--class", "1000"][..], "class 1000"),
        (&["--method", "gradcam", "--class", "1", "--layer", "fc6"][..], "conv layer"),
        (&["--method", "occlusion", "--class", "1", "--patch", "300"][..], "patch"),
        (&["--method", "lime", "--class", "1"][..], "'lime'"),
    ] {
        let o = alexnet(&[&base[..], extra].concat());
        assert!(!o.status.success() && text(&o).contains(says), "{extra:?}: {}", text(&o));
    }
    let o = alexnet(&["attribute", "--weights", "untrained", "--method", "saliency", "--class", "1", "--out", "x"]);
    assert!(o.status.code() == Some(2) && text(&o).contains("--image"), "{}", text(&o));
    assert!(!map.exists());
    std::fs::remove_dir_all(out).ok();
}
