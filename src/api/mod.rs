//! The one `#[wasm_bindgen]` module: a `Session` the worker holds, wrapping weights and the current pass.
//!
//! Every result is copied out of wasm memory (`Box<[f32]>`, or JS objects built by serde), never a view into
//! it, so the worker can transfer the buffers to the page. User data errors become `JsError`s, never panics.

mod attribute;
mod buffer;
mod footprint;
mod host;
mod maxima;
mod pass;
#[cfg(feature = "threads")]
mod pool;

pub use buffer::{Sha256, WeightsBuffer};
pub use host::*;
#[cfg(feature = "threads")]
pub use pool::*;

use crate::model::{Forward, Model};
use crate::preprocess::{self, PreprocessInfo};
use crate::spec::{self, Kind};
use crate::tensor::Tensor;
use crate::weights::{LoadContext, Vouch, Weights};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

/// The model (weights, packed once) plus the latest forward pass (if any). JS holds this one opaque handle.
#[wasm_bindgen]
pub struct Session {
    model: Model,
    pass: Option<Forward>,
    preprocess: Option<PreprocessInfo>,
    /// A pass of its own on a grey image that runs the engine's code once before the user's image needs it (the
    /// first pass of a fresh module is slower while the browser optimises it); it never touches `pass`.
    warm: Option<Forward>,
    /// The attribution in progress or finished on `pass` (`attribute.rs`); a new pass drops it.
    attribution: Option<crate::attribution::Attribution>,
}

pub(crate) fn js<T: Serialize>(v: &T) -> Result<JsValue, JsError> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| JsError::new(&e.to_string()))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConvDotJs {
    layer: String,
    oc: usize,
    y: usize,
    x: usize,
    group: usize,
    ic_start: usize,
    c_in: usize,
    k: usize,
    stride: usize,
    pad: usize,
    y0: isize,
    x0: isize,
    #[serde(with = "serde_bytes_f32")]
    patch: Vec<f32>,
    #[serde(with = "serde_bytes_f32")]
    kernel: Vec<f32>,
    #[serde(with = "serde_bytes_f32")]
    products: Vec<f32>,
    sum: f32,
    bias: f32,
    value: f32,
    stored: f32,
}

/// Serialises `Vec<f32>` as a JS `Float32Array` (a copy), not an array of numbers.
mod serde_bytes_f32 {
    use serde::Serializer;
    pub fn serialize<S: Serializer>(v: &[f32], s: S) -> Result<S::Ok, S::Error> {
        // serde-wasm-bindgen passes a JS value through untouched when it is wrapped with `preserve`.
        serde_wasm_bindgen::preserve::serialize(&js_sys::Float32Array::from(v), s)
    }
}

/// What `Session.fromBuffer` is told besides the bytes.
#[derive(Deserialize, Default)]
#[serde(default)]
struct LoadOptionsJs {
    /// The file's name, for labels ("weights from NAME (not verified as the BVLC ones)").
    name: Option<String>,
    /// Digests the worker vouches for: compact copies this browser made from a verified Zoo file, and the copy
    /// listed in the site's own manifest.
    vouched: Vec<Vouch>,
}

#[derive(Serialize)]
struct TopJs {
    index: usize,
    name: &'static str,
    prob: f32,
    logit: f32,
}

impl Session {
    fn of(weights: Weights) -> Session {
        // The pool's keepers time their idleness on the page's clock (wasm has no `Instant`); see par::stay_awake.
        crate::par::set_clock(js_sys::Date::now);
        Session { model: Model::new(weights), pass: None, preprocess: None, warm: None, attribution: None }
    }

    fn weights(&self) -> &Weights {
        self.model.weights()
    }
}

#[wasm_bindgen]
impl Session {
    /// Deterministic seeded weights ("untrained"): the app still runs, and says its predictions mean nothing.
    pub fn untrained(seed: u32) -> Session {
        console_error_panic_hook::set_once();
        Session::of(Weights::untrained(seed as u64))
    }

    /// The default session: AlexNet's trained conv1 kernels, everything else seeded random (see `weights::starter`).
    pub fn starter(seed: u32) -> Session {
        console_error_panic_hook::set_once();
        Session::of(Weights::starter(seed as u64))
    }

    /// Loads ONNX or safetensors bytes (sniffed); throws with a readable message for a wrong or broken file.
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: &[u8]) -> Result<Session, JsError> {
        console_error_panic_hook::set_once();
        let weights = Weights::from_bytes(bytes).map_err(|e| JsError::new(&e.to_string()))?;
        Ok(Session::of(weights))
    }

    /// Loads a weights file received into a [`WeightsBuffer`], viewing its tensors in place (no second copy in
    /// wasm memory). `options` is `{name?, vouched?: [{sha256, bytes, by, from}]}` (or undefined). Throws for an
    /// incomplete buffer and for everything `fromBytes` refuses.
    #[wasm_bindgen(js_name = fromBuffer)]
    pub fn from_buffer(buf: WeightsBuffer, options: JsValue) -> Result<Session, JsError> {
        console_error_panic_hook::set_once();
        if buf.filled != buf.blob.len() {
            return Err(JsError::new(&format!(
                "the weights file is incomplete: {} of {} bytes arrived",
                buf.filled,
                buf.blob.len()
            )));
        }
        let options: LoadOptionsJs = if options.is_undefined() || options.is_null() {
            LoadOptionsJs::default()
        } else {
            serde_wasm_bindgen::from_value(options).map_err(|e| JsError::new(&format!("fromBuffer options: {e}")))?
        };
        let sha = buf.sha256();
        let ctx = LoadContext { name: options.name.as_deref(), sha256: sha.as_deref(), vouched: &options.vouched };
        let weights = Weights::load_blob(buf.blob, &ctx).map_err(|e| JsError::new(&e.to_string()))?;
        Ok(Session::of(weights))
    }

    /// The weights as a compact safetensors file (`f32`, `f16` or `int8`), for the browser to store instead of
    /// the 244 MB original; the worker records the copy's digest so a later visit may call it the BVLC weights.
    #[wasm_bindgen(js_name = toStore)]
    pub fn to_store(&self, dtype: &str) -> Result<Box<[u8]>, JsError> {
        let dt = crate::weights::store::StoreDtype::parse(dtype)
            .ok_or_else(|| JsError::new("the dtype is f32, f16 or int8"))?;
        let from = self.weights().info.zoo.clone().unwrap_or_else(|| self.weights().info.source.clone());
        let bytes = crate::weights::store::write(self.weights(), dt, &from, self.weights().info.sha256.as_deref())
            .map_err(|e| JsError::new(&e.to_string()))?;
        Ok(bytes.into_boxed_slice())
    }

    /// The derived layer table (see ARCHITECTURE.md): the front end's only source of shapes.
    pub fn spec(&self) -> Result<JsValue, JsError> {
        js(&spec::table())
    }

    /// `{conv1: 'im2col', …, conv3: 'winograd', …}`: how the engine computes each conv layer (the benchmark
    /// reports Winograd's layers apart, since their GMAC/s count the direct convolution's multiplies).
    #[wasm_bindgen(js_name = convAlgorithms)]
    pub fn conv_algorithms(&self) -> Result<JsValue, JsError> {
        js(&self.model.conv_algorithms().into_iter().collect::<std::collections::BTreeMap<_, _>>())
    }

    /// Reads layer `id`'s f32 weights once (see `peak::read_probe`) and returns the bytes read (0 when the layer
    /// holds no f32 weights, e.g. an int8 fc layer); the caller times it for the memory bandwidth.
    #[wasm_bindgen(js_name = readProbe)]
    pub fn read_probe(&self, id: &str) -> f64 {
        match self.weights().layer(id) {
            Some(l) => {
                let w: &[f32] = &l.weight;
                std::hint::black_box(crate::peak::read_probe(w));
                (w.len() * 4) as f64
            }
            None => 0.0,
        }
    }

    #[wasm_bindgen(js_name = weightsInfo)]
    pub fn weights_info(&self) -> Result<JsValue, JsError> {
        js(&self.weights().info)
    }

    /// Preprocesses an RGBA image (`w·h·4` bytes) and starts a new pass.
    pub fn start(&mut self, rgba: &[u8], width: u32, height: u32) -> Result<(), JsError> {
        // The helper thread wakes now and stays awake through the pass (see par::stay_awake): waking takes about a
        // millisecond on a 2-vCPU VM, which the preprocessing (parallel itself) covers, so conv1 finds it running.
        // Not earlier: awake during the worker's decode of a file, it spun on the core where the browser decodes
        // (2-thread decode 2.6–3.5 ms with it awake, 2.3–2.5 without).
        crate::par::stay_awake();
        let (t, info) = preprocess::from_rgba(rgba, width as usize, height as usize).map_err(|e| JsError::new(&e))?;
        self.pass = Some(Forward::new(t).map_err(|e| JsError::new(&e.0))?);
        self.preprocess = Some(info);
        self.attribution = None;
        Ok(())
    }

    /// Starts a pass on an input already in network space, `[3, 227, 227]` BGR minus mean.
    #[wasm_bindgen(js_name = startInput)]
    pub fn start_input(&mut self, chw: &[f32]) -> Result<(), JsError> {
        let t = Tensor::from_shape_vec(&spec::INPUT_SHAPE, chw.to_vec())
            .ok_or_else(|| JsError::new(&format!("the input must hold {} values (3×227×227)", 3 * 227 * 227)))?;
        crate::par::stay_awake();
        self.pass = Some(Forward::new(t).map_err(|e| JsError::new(&e.0))?);
        self.preprocess = None;
        self.attribution = None;
        Ok(())
    }

    fn pass(&self) -> Result<&Forward, JsError> {
        self.pass.as_ref().ok_or_else(|| JsError::new("no image has been run yet"))
    }

    fn output(&self, id: &str) -> Result<&Tensor, JsError> {
        if id != "data" && spec::layer(id).is_none() {
            return Err(JsError::new(&format!("no layer called '{id}'")));
        }
        self.pass()?.output(id).ok_or_else(|| JsError::new(&format!("{id} has not been computed yet")))
    }

    /// A copy of layer `id`'s output (or the input, `data`).
    pub fn tensor(&self, id: &str) -> Result<Box<[f32]>, JsError> {
        Ok(self.output(id)?.values().into_owned().into_boxed_slice())
    }

    /// `[C, H, W]` or `[N]` of layer `id`'s output.
    pub fn shape(&self, id: &str) -> Result<Box<[u32]>, JsError> {
        Ok(self.output(id)?.shape().iter().map(|&d| d as u32).collect())
    }

    /// How the current image was resized and cropped, or `null` for a network-space input.
    #[wasm_bindgen(js_name = preprocessInfo)]
    pub fn preprocess_info(&self) -> Result<JsValue, JsError> {
        match &self.preprocess {
            Some(p) => js(p),
            None => Ok(JsValue::NULL),
        }
    }

    /// Per output element of pooling layer `id`, the flat index `c·H·W + y·W + x` of the winning input.
    #[wasm_bindgen(js_name = poolArgmax)]
    pub fn pool_argmax(&self, id: &str) -> Result<Box<[u32]>, JsError> {
        Ok(self.pass()?.pool_argmax(id).map_err(|e| JsError::new(&e.0))?.into())
    }

    /// Conv layer `id`'s output at (oc, y, x), taken apart: patch, kernel, products, sum, bias, value.
    #[wasm_bindgen(js_name = convDot)]
    pub fn conv_dot(&self, id: &str, oc: u32, y: u32, x: u32) -> Result<JsValue, JsError> {
        let (oc, y, x) = (oc as usize, y as usize, x as usize);
        let f = self.pass()?;
        let d = f.conv_dot(self.model.weights(), id, oc, y, x).map_err(|e| JsError::new(&e.0))?;
        // conv_dot has refused an id that names no layer; this only fetches the layer's row.
        let l = spec::layer(id).ok_or_else(|| JsError::new(&format!("no layer called '{id}'")))?;
        let stored = f.output(id).and_then(Tensor::chw).and_then(|t| t.get((oc, y, x)).copied());
        js(&ConvDotJs {
            layer: id.to_string(),
            oc,
            y,
            x,
            group: d.group,
            ic_start: d.ic_start,
            c_in: d.c_in_group,
            k: l.k,
            stride: l.stride,
            pad: l.pad,
            y0: d.y0,
            x0: d.x0,
            patch: d.patch,
            kernel: d.kernel,
            products: d.products,
            sum: d.sum,
            bias: d.bias,
            value: d.value,
            stored: stored.unwrap_or(f32::NAN),
        })
    }

    fn weights_of(&self, id: &str) -> Result<&crate::weights::LayerWeights, JsError> {
        match spec::layer(id) {
            Some(l) if matches!(l.kind, Kind::Conv | Kind::Fc) => {
                self.weights().layer(id).ok_or_else(|| JsError::new(&format!("no weights for {id}")))
            }
            Some(_) => Err(JsError::new(&format!("{id} has no weights"))),
            None => Err(JsError::new(&format!("no layer called '{id}'"))),
        }
    }

    /// All kernels of conv layer `id`, `[c_out, c_in/groups, k, k]`. (FC matrices are served row by row.)
    pub fn kernels(&self, id: &str) -> Result<Box<[f32]>, JsError> {
        if spec::layer(id).map(|l| l.kind) == Some(Kind::Fc) {
            return Err(JsError::new(&format!("{id} is fully connected; ask for one row with kernel()")));
        }
        Ok(self.weights_of(id)?.weights_f32().into_owned().into_boxed_slice())
    }

    /// One output channel's weights: conv `[c_in/groups, k, k]`, fc one row `[n_in]`.
    pub fn kernel(&self, id: &str, oc: u32) -> Result<Box<[f32]>, JsError> {
        let w = self.weights_of(id)?;
        let n = w.bias.len();
        let row = w
            .row_f32(oc as usize)
            .ok_or_else(|| JsError::new(&format!("{id} has {n} output channels; {oc} is out of range")))?;
        Ok(row.into_boxed_slice())
    }

    /// Layer `id`'s biases, `[c_out]`.
    pub fn bias(&self, id: &str) -> Result<Box<[f32]>, JsError> {
        Ok(self.weights_of(id)?.bias.to_vec().into_boxed_slice())
    }

    /// The `k` most probable classes with names: `[{index, name, prob, logit}]`.
    #[wasm_bindgen(js_name = topK)]
    pub fn top_k(&self, k: u32) -> Result<JsValue, JsError> {
        top_js(self.pass()?, k as usize)
    }
}

/// A finished pass's `k` most probable classes as `topK` returns them.
fn top_js(f: &Forward, k: usize) -> Result<JsValue, JsError> {
    let top = f.top_k(k).map_err(|e| JsError::new(&e.0))?;
    let v: Vec<TopJs> = top
        .into_iter()
        .map(|p| TopJs {
            index: p.index,
            name: crate::classes::name(p.index).unwrap_or("?"),
            prob: p.prob,
            logit: p.logit,
        })
        .collect();
    js(&v)
}
