//! The one `#[wasm_bindgen]` module: a `Session` the worker holds, wrapping weights and the current pass.
//!
//! Every result is copied out of wasm memory (`Box<[f32]>`, or JS objects built by serde), never a view into
//! it, so the worker can transfer the buffers to the page. User data errors become `JsError`s, never panics.

use crate::model::{Forward, Model};
use crate::preprocess::{self, PreprocessInfo};
use crate::spec::{self, Kind};
use crate::tensor::Tensor;
use crate::weights::{zoo, Blob, LoadContext, Vouch, Weights};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256 as Sha256State};
use wasm_bindgen::prelude::*;

/// The model (weights, packed once) plus the latest forward pass (if any). JS holds this one opaque handle.
#[wasm_bindgen]
pub struct Session {
    model: Model,
    pass: Option<Forward>,
    preprocess: Option<PreprocessInfo>,
}

fn js<T: Serialize>(v: &T) -> Result<JsValue, JsError> {
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

/// A weights file arriving in pieces, written straight into wasm memory: the worker pushes each chunk as it
/// comes and hands the buffer to `Session.fromBuffer`, so the file is held once here rather than copied whole.
/// When asked to, it hashes the bytes as they arrive, so a download is verified without a second pass.
#[wasm_bindgen]
pub struct WeightsBuffer {
    blob: Blob,
    filled: usize,
    hasher: Option<Sha256State>,
}

#[wasm_bindgen]
impl WeightsBuffer {
    /// Room for a file of `len` bytes, hashed as it fills when `hash` is true; throws when `len` cannot be an
    /// AlexNet weights file or that much memory is not available.
    #[wasm_bindgen(constructor)]
    pub fn new(len: f64, hash: bool) -> Result<WeightsBuffer, JsError> {
        if !(len.is_finite() && len >= 0.0 && len <= crate::weights::MAX_FILE_BYTES as f64) {
            return Err(JsError::new(&crate::weights::too_big_message(len)));
        }
        let blob = Blob::try_zeroed(len as usize).ok_or_else(|| {
            JsError::new(&format!("not enough memory for a {} MB weights file", (len as usize) >> 20))
        })?;
        Ok(WeightsBuffer { blob, filled: 0, hasher: hash.then(Sha256State::new) })
    }

    /// Appends the next chunk; throws when it would overflow the announced length.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), JsError> {
        let end = self.filled + chunk.len();
        if end > self.blob.len() {
            return Err(JsError::new(&format!(
                "the weights file is longer than announced ({} bytes)",
                self.blob.len()
            )));
        }
        self.blob.bytes_mut()[self.filled..end].copy_from_slice(chunk);
        if let Some(h) = &mut self.hasher {
            h.update(chunk);
        }
        self.filled = end;
        Ok(())
    }

    /// Forgets what arrived (a download that has to start again from the first byte).
    pub fn reset(&mut self) {
        self.filled = 0;
        if self.hasher.is_some() {
            self.hasher = Some(Sha256State::new());
        }
    }

    /// Bytes received so far.
    pub fn filled(&self) -> f64 {
        self.filled as f64
    }

    /// The SHA-256 of the whole file (lower-case hex) once every byte arrived and hashing was asked for, else
    /// `undefined`.
    pub fn sha256(&self) -> Option<String> {
        let h = self.hasher.as_ref()?;
        (self.filled == self.blob.len()).then(|| hex(&h.clone().finalize()))
    }

    /// A copy of `len` bytes from `offset` (clipped to what arrived), e.g. to store the verified file in the
    /// browser's cache piece by piece before the engine parses it.
    pub fn slice(&self, offset: f64, len: f64) -> Box<[u8]> {
        let start = (offset.max(0.0) as usize).min(self.filled);
        let end = start.saturating_add(len.max(0.0) as usize).min(self.filled);
        self.blob.bytes()[start..end].into()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 computed piece by piece (the parts of a split file, a compact copy), so the page needs no hash code
/// of its own.
#[wasm_bindgen]
pub struct Sha256 {
    state: Sha256State,
}

#[wasm_bindgen]
impl Sha256 {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Sha256 {
        Sha256 { state: Sha256State::new() }
    }

    pub fn update(&mut self, bytes: &[u8]) {
        self.state.update(bytes);
    }

    /// The digest so far, lower-case hex (the hasher can keep going).
    pub fn hex(&self) -> String {
        hex(&self.state.clone().finalize())
    }
}

impl Default for Sha256 {
    fn default() -> Self {
        Sha256::new()
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
        Session { model: Model::new(weights), pass: None, preprocess: None }
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

    #[wasm_bindgen(js_name = weightsInfo)]
    pub fn weights_info(&self) -> Result<JsValue, JsError> {
        js(&self.weights().info)
    }

    /// Preprocesses an RGBA image (`w·h·4` bytes) and starts a new pass.
    pub fn start(&mut self, rgba: &[u8], width: u32, height: u32) -> Result<(), JsError> {
        let (t, info) = preprocess::from_rgba(rgba, width as usize, height as usize).map_err(|e| JsError::new(&e))?;
        self.pass = Some(Forward::new(t).map_err(|e| JsError::new(&e.0))?);
        self.preprocess = Some(info);
        Ok(())
    }

    /// Starts a pass on an input already in network space, `[3, 227, 227]` BGR minus mean.
    #[wasm_bindgen(js_name = startInput)]
    pub fn start_input(&mut self, chw: &[f32]) -> Result<(), JsError> {
        let t = Tensor::from_shape_vec(&spec::INPUT_SHAPE, chw.to_vec())
            .ok_or_else(|| JsError::new(&format!("the input must hold {} values (3×227×227)", 3 * 227 * 227)))?;
        self.pass = Some(Forward::new(t).map_err(|e| JsError::new(&e.0))?);
        self.preprocess = None;
        Ok(())
    }

    /// Runs the next layer; returns its id, or `undefined` when the pass is done (or none was started).
    pub fn step(&mut self) -> Option<String> {
        self.pass.as_mut()?.step(&self.model).map(str::to_string)
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
        let top = self.pass()?.top_k(k as usize).map_err(|e| JsError::new(&e.0))?;
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
}

/// Judges a weights file of `total` bytes from its first bytes (at most `headBytes()` are looked at) before the
/// rest is read: returns its format (`onnx` or `safetensors`), or throws with the reason it cannot be AlexNet's
/// weights (too big, not a format we read, a header that does not fit the file).
#[wasm_bindgen(js_name = judgeWeightsHead)]
pub fn judge_weights_head(head: &[u8], total: f64) -> Result<String, JsError> {
    if !(total.is_finite() && total >= 0.0) {
        return Err(JsError::new("the file's size is unknown"));
    }
    crate::weights::judge_head(head, total as u64)
        .map(|f| f.name().to_string())
        .map_err(|e| JsError::new(&e.to_string()))
}

/// How many leading bytes `judgeWeightsHead` wants.
#[wasm_bindgen(js_name = headBytes)]
pub fn head_bytes() -> u32 {
    crate::weights::HEAD_BYTES as u32
}

/// `initThreadPool(n)`: starts rayon's `n` web workers (threads build only; needs a cross-origin isolated page).
#[cfg(feature = "threads")]
pub use wasm_bindgen_rayon::init_thread_pool;

/// Size of this instance's linear memory in bytes (for the benchmark and leak checks).
#[wasm_bindgen(js_name = wasmMemoryBytes)]
pub fn wasm_memory_bytes() -> f64 {
    (core::arch::wasm32::memory_size(0) * 65536) as f64
}

/// Threads the engine computes with: 2 in the threads build once `initThreadPool(2)` ran, else 1.
#[wasm_bindgen(js_name = engineThreads)]
pub fn engine_threads() -> u32 {
    crate::par::threads() as u32
}

/// True in the relaxed-SIMD builds (pkg-relaxed/, pkg-threads-relaxed/): the conv kernel uses fused multiply-adds.
#[wasm_bindgen(js_name = relaxedSimd)]
pub fn relaxed_simd() -> bool {
    crate::peak::RELAXED_SIMD
}

/// Runs the SIMD peak probe for `iters` iterations; returns its checksum. Time it from JS and divide
/// `peakFlops(iters)` by the seconds taken.
#[wasm_bindgen(js_name = simdPeakProbe)]
pub fn simd_peak_probe(iters: u32) -> f32 {
    crate::peak::peak_probe(iters)
}

/// Floating-point operations in `simdPeakProbe(iters)`.
#[wasm_bindgen(js_name = peakFlops)]
pub fn peak_flops(iters: u32) -> f64 {
    crate::peak::peak_flops(iters)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SourcesJs {
    /// The file the download button fetches: `{name, bytes, sha256, kind}`, with its stable URL.
    primary: zoo::ZooFile,
    primary_url: &'static str,
    /// Where to look for it, in order (the site's own copy first, then Hugging Face).
    sources: Vec<zoo::Source>,
    /// Every Zoo AlexNet file the engine recognises.
    files: &'static [zoo::ZooFile],
    /// The origins the download may connect to (the CSP's `connect-src` besides `'self'`).
    connect_origins: &'static [&'static str],
    /// The largest weights file the engine accepts, in bytes.
    max_file_bytes: usize,
}

/// Where the trained weights come from and how they are recognised (`weights::zoo`): the page offers to download
/// them, and takes these facts from here so they live in one place.
#[wasm_bindgen(js_name = weightSources)]
pub fn weight_sources() -> Result<JsValue, JsError> {
    js(&SourcesJs {
        primary: zoo::PRIMARY,
        primary_url: zoo::PRIMARY_URL,
        sources: zoo::sources(),
        files: zoo::FILES,
        connect_origins: zoo::CONNECT_ORIGINS,
        max_file_bytes: crate::weights::MAX_FILE_BYTES,
    })
}
