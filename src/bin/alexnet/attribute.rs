//! `alexnet attribute`: why class K? One occlusion, saliency or Grad-CAM map of an image, as a float32 `.npy`.

use crate::args::{self, AttrMethod};
use crate::commands::{load_input, load_weights, untrained_note};
use crate::files::{self, Res};
use alexnet_explainer::attribution::{attribute as run, Method, Options};
use alexnet_explainer::classes;
use alexnet_explainer::model::{Forward, Model};
use ndarray::Array2;
use ndarray_npy::WriteNpyExt;

pub fn attribute(a: &args::Attribute) -> Res<()> {
    // The input first: a wrong file is refused before hundreds of MB of weights are read.
    let input = load_input(&a.run)?;
    let method = match a.method {
        AttrMethod::Occlusion => Method::Occlusion,
        AttrMethod::Saliency => Method::Saliency,
        AttrMethod::Gradcam => Method::GradCam,
    };
    let m = Model::new(load_weights(&a.run.weights)?);
    let t0 = std::time::Instant::now();
    let mut f = Forward::new(input).map_err(|e| e.0)?;
    f.run_all(&m);
    let forward_ms = t0.elapsed().as_secs_f64() * 1e3;
    let o = Options { layer: a.layer.clone(), patch: a.patch, stride: a.stride, incremental: !a.full_passes };
    let t1 = std::time::Instant::now();
    let r = run(&m, &f, method, a.class, &o).map_err(|e| e.0)?;
    let ms = t1.elapsed().as_secs_f64() * 1e3;
    let map = Array2::from_shape_vec((r.shape[0], r.shape[1]), r.map).map_err(|e| format!("map shape: {e}"))?;
    let mut bytes = vec![];
    map.write_npy(&mut bytes).map_err(|e| format!("cannot write a .npy: {e}"))?;
    files::write_atomic(&a.out, &bytes)?;
    untrained_note(m.weights());
    let layer = r.layer.map(|l| format!(" at {l}")).unwrap_or_default();
    println!(
        "{}{layer} for class {} ({}): {}×{} map written to {} in {ms:.0} ms (the forward pass took {forward_ms:.0} ms)",
        method.name(),
        a.class,
        classes::name(a.class).unwrap_or("?"),
        r.shape[0],
        r.shape[1],
        a.out.display()
    );
    if let Some(s) = r.occlusion {
        println!(
            "occlusion: {} positions, {:.1} % of the multiply-accumulates of {} whole passes",
            s.positions,
            100.0 * s.macs_computed as f64 / s.macs_full.max(1) as f64,
            s.positions
        );
    }
    Ok(())
}
