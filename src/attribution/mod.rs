//! Why this prediction? Three attribution maps for class k, one definition each (stated in ARCHITECTURE.md):
//!
//! - **occlusion** (Zeiler & Fergus, 2013): a P×P patch of 0 in network space (the mean pixel) slides with stride
//!   S over the 227×227 crop; `map[i][j] = p_k(original) − p_k(patch at row i·S, column j·S)`, p_k the softmax
//!   probability. Forward passes only, each recomputing just the region the patch reaches ([`occlusion`]).
//! - **saliency**: `∂ logit_k / ∂ input` (fc8, before softmax) over the network-space input `[3, 227, 227]`, shown
//!   as the maximum over channels of its absolute value (227×227).
//! - **Grad-CAM** at conv layer L (default conv5, on relu5's output A): `α_c = mean_(y,x) ∂logit_k/∂A[c,y,x]`,
//!   `map = ReLU(Σ_c α_c A[c])`, the layer's H×W.
//!
//! Work runs in steps ([`Attribution::step`]: one occluded position, or one layer of the backward pass) so the
//! wasm worker can report progress and stop between them.

mod backward;
mod occlusion;
mod region;
#[cfg(test)]
mod tests;

pub use backward::backward_to;
pub use occlusion::{occlusion_positions, OcclusionStats};

use crate::model::{Forward, Model, ModelError};
use crate::spec;

/// The three methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Occlusion,
    Saliency,
    GradCam,
}

impl Method {
    /// `occlusion`, `saliency` or `gradcam`, as the CLI, the API and URLs spell them.
    pub fn parse(s: &str) -> Result<Method, ModelError> {
        match s {
            "occlusion" => Ok(Method::Occlusion),
            "saliency" => Ok(Method::Saliency),
            "gradcam" | "grad-cam" => Ok(Method::GradCam),
            _ => Err(ModelError(format!("no attribution method '{s}' (occlusion, saliency or gradcam)"))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Method::Occlusion => "occlusion",
            Method::Saliency => "saliency",
            Method::GradCam => "gradcam",
        }
    }
}

/// What a method may be told besides the class; each method reads only its own fields.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// Grad-CAM's conv layer (`conv1` … `conv5`; its ReLU's output is A).
    pub layer: String,
    /// Occlusion's patch side P and stride S, in input pixels.
    pub patch: usize,
    pub stride: usize,
    /// Occlusion recomputes only what the patch changes (true) or whole passes (false, for the benchmark).
    pub incremental: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options { layer: "conv5".into(), patch: 32, stride: 16, incremental: true }
    }
}

/// A finished map, row-major `shape = [rows, cols]`.
#[derive(Clone, Debug, PartialEq)]
pub struct AttributionMap {
    pub map: Vec<f32>,
    pub shape: [usize; 2],
    pub method: Method,
    pub target: usize,
    /// Grad-CAM's conv layer.
    pub layer: Option<&'static str>,
    /// Occlusion's cost, recomputed against whole passes.
    pub occlusion: Option<OcclusionStats>,
}

enum Job {
    Occlusion(occlusion::Occlusion),
    Gradient(backward::Backward),
}

/// One attribution in progress over a finished pass; every `step` is given the same model and pass.
pub struct Attribution {
    method: Method,
    target: usize,
    layer: Option<&'static str>,
    job: Job,
    result: Option<AttributionMap>,
}

/// Grad-CAM's activation layer for conv layer `id`: the ReLU that reads it (`conv5` → `relu5`).
fn gradcam_layer(id: &str) -> Result<(&'static str, &'static str), ModelError> {
    let conv = spec::ALEXNET.iter().find(|l| l.id == id && l.kind == spec::Kind::Conv);
    let conv = conv.ok_or_else(|| ModelError(format!("Grad-CAM needs a conv layer (conv1 … conv5), not '{id}'")))?;
    let relu = spec::ALEXNET.iter().find(|l| l.input == conv.id && l.kind == spec::Kind::Relu);
    Ok((conv.id, relu.expect("every conv layer feeds a ReLU").id))
}

impl Attribution {
    /// Starts `method` for class `target` on the finished pass `f`.
    pub fn new(f: &Forward, method: Method, target: usize, o: &Options) -> Result<Attribution, ModelError> {
        if !f.is_done() {
            return Err(ModelError("the attribution needs a finished pass; run the image first".into()));
        }
        let classes = f.output("fc8").map_or(0, |t| t.len());
        if target >= classes {
            return Err(ModelError(format!("class {target} does not exist (0 … {})", classes.saturating_sub(1))));
        }
        let (job, layer) = match method {
            Method::Occlusion => (Job::Occlusion(occlusion::Occlusion::new(f, target, o)?), None),
            Method::Saliency => (Job::Gradient(backward::Backward::new(target, None)), None),
            Method::GradCam => {
                let (conv, relu) = gradcam_layer(&o.layer)?;
                (Job::Gradient(backward::Backward::new(target, Some(relu))), Some(conv))
            }
        };
        Ok(Attribution { method, target, layer, job, result: None })
    }

    /// Does the next piece of work; true once the map is ready ([`Attribution::result`]).
    pub fn step(&mut self, m: &Model, f: &Forward) -> bool {
        if self.result.is_some() {
            return true;
        }
        let done = match &mut self.job {
            Job::Occlusion(o) => o.step(m, f),
            Job::Gradient(b) => b.step(m, f),
        };
        if done {
            let (map, shape, occlusion) = match &self.job {
                Job::Occlusion(o) => (o.map(), o.shape(), Some(o.stats())),
                Job::Gradient(b) if self.method == Method::Saliency => (backward::saliency(b.grad()), [227, 227], None),
                Job::Gradient(b) => {
                    let a = f.output(b.stop().unwrap_or("data")).expect("a finished pass has every output");
                    let (map, shape) = backward::gradcam(b.grad(), &a.values(), a.shape());
                    (map, shape, None)
                }
            };
            let (method, target, layer) = (self.method, self.target, self.layer);
            self.result = Some(AttributionMap { map, shape, method, target, layer, occlusion });
        }
        done
    }

    /// Steps done and steps in all (occlusion: positions; gradients: layers).
    pub fn progress(&self) -> (usize, usize) {
        match &self.job {
            Job::Occlusion(o) => o.progress(),
            Job::Gradient(b) => b.progress(),
        }
    }

    pub fn result(&self) -> Option<&AttributionMap> {
        self.result.as_ref()
    }

    pub fn into_result(self) -> Option<AttributionMap> {
        self.result
    }
}

/// Runs `method` for class `target` to the end on a finished pass.
pub fn attribute(
    m: &Model,
    f: &Forward,
    method: Method,
    target: usize,
    o: &Options,
) -> Result<AttributionMap, ModelError> {
    let mut a = Attribution::new(f, method, target, o)?;
    while !a.step(m, f) {}
    Ok(a.into_result().expect("a finished attribution has its map"))
}
