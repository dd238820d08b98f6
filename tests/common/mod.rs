//! Shared helpers for the integration tests: the onnxruntime reference run and tolerances.

#![allow(dead_code)]

use ndarray_npy::ReadNpyExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Named tolerance levels (after tract) for `alexnet_explainer::tensor::max_rel_err`: relative to the
/// reference's largest magnitude.
pub const CLOSE: f32 = 1e-5;
pub const APPROXIMATE: f32 = 1e-4;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("could not run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn newer(a: &Path, b: &Path) -> bool {
    let m = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    matches!((m(a), m(b)), (Some(x), Some(y)) if x > y)
}

/// The directory holding the generated random-weight AlexNet (`model.onnx`), its input and onnxruntime's output
/// for every layer. Created on first use (Python venv with pinned onnx/onnxruntime/numpy, then the generator,
/// ~10 s) and reused while the generator script is unchanged.
pub fn reference_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = root();
        let out = root.join("tests/reference/out");
        let script = root.join("tests/reference/make_alexnet.py");
        let manifest = out.join("manifest.json");
        if !manifest.exists() || newer(&script, &manifest) || !out.join("model.onnx").exists() {
            run(Command::new("bash").arg(root.join("scripts/pyenv.sh")).current_dir(&root));
            run(Command::new(root.join(".venv/bin/python")).arg(&script).arg("--out").arg(&out).current_dir(&root));
        }
        out
    })
}

/// The stand-in re-encoded the other ways a real AlexNet ONNX comes (float_data, opset 9 and 3, float16) and
/// quantised by onnxruntime (QOperator and QDQ, per channel and per tensor), with numpy's dequantisation of each
/// quantised model and onnxruntime's outputs on it (`tests/reference/make_variants.py`, ~2 GB, ~100 s). Made on
/// first use, again whenever the script or the stand-in changes.
pub fn variants_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| derived_from_reference("variants", "make_variants.py"))
}

/// Grad-CAM at conv5 and occluded-input probabilities made from the stand-in by numpy and onnxruntime
/// (`tests/reference/make_attribution.py`, ~5 s); made on first use, again whenever the script or the stand-in
/// changes.
pub fn attribution_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| derived_from_reference("attribution", "make_attribution.py"))
}

/// `reference_dir()/sub`, made by `tests/reference/script --ref REF --out OUT` when its manifest is missing or
/// older than the script or the stand-in.
fn derived_from_reference(sub: &str, script: &str) -> PathBuf {
    let (root, reference) = (root(), reference_dir());
    let out = reference.join(sub);
    let script = root.join("tests/reference").join(script);
    let manifest = out.join("manifest.json");
    if !manifest.exists() || newer(&script, &manifest) || newer(&reference.join("manifest.json"), &manifest) {
        // A half-written directory from an interrupted run must not be mistaken for a finished one.
        std::fs::remove_file(&manifest).ok();
        run(Command::new(root.join(".venv/bin/python"))
            .arg(&script)
            .arg("--ref")
            .arg(reference)
            .arg("--out")
            .arg(&out)
            .current_dir(&root));
    }
    out
}

/// Reads a float32 `.npy`, dropping a leading batch dimension of 1.
pub fn npy(path: &Path) -> (Vec<usize>, Vec<f32>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let a = ndarray::ArrayD::<f32>::read_npy(bytes.as_slice()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut shape = a.shape().to_vec();
    if shape.len() > 1 && shape[0] == 1 {
        shape.remove(0);
    }
    (shape, a.iter().copied().collect())
}
