//! The one `#[wasm_bindgen]` module: a `Session` the worker holds, wrapping weights and the current pass.
//!
//! Every result is copied out of wasm memory (`Box<[f32]>`, or JS objects built by serde), never a view into
//! it, so the worker can transfer the buffers to the page. User data errors become `JsError`s, never panics.

use crate::model::Forward;
use crate::preprocess::{self, PreprocessInfo};
use crate::spec::{self, Kind};
use crate::tensor::Tensor;
use crate::weights::{Blob, Weights};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// Weights plus the latest forward pass (if any). JS holds this one opaque handle.
#[wasm_bindgen]
pub struct Session {
    weights: Weights,
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
#[wasm_bindgen]
pub struct WeightsBuffer {
    blob: Blob,
    filled: usize,
}

#[wasm_bindgen]
impl WeightsBuffer {
    /// Room for a file of `len` bytes; throws when that much memory is not available.
    #[wasm_bindgen(constructor)]
    pub fn new(len: f64) -> Result<WeightsBuffer, JsError> {
        if !(len.is_finite() && len >= 0.0 && len <= MAX_WEIGHTS_BYTES as f64) {
            return Err(JsError::new(&format!(
                "a weights file of {len} bytes is not possible here (at most {} MB)",
                MAX_WEIGHTS_BYTES >> 20
            )));
        }
        let blob = Blob::try_zeroed(len as usize)
            .ok_or_else(|| JsError::new(&format!("not enough memory for a {} MB weights file", (len as usize) >> 20)))?;
        Ok(WeightsBuffer { blob, filled: 0 })
    }

    /// Appends the next chunk; throws when it would overflow the announced length.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), JsError> {
        let end = self.filled + chunk.len();
        if end > self.blob.len() {
            return Err(JsError::new(&format!("the weights file is longer than announced ({} bytes)", self.blob.len())));
        }
        self.blob.bytes_mut()[self.filled..end].copy_from_slice(chunk);
        self.filled = end;
        Ok(())
    }

    /// Bytes received so far.
    pub fn filled(&self) -> f64 {
        self.filled as f64
    }
}

/// The largest weights file a buffer accepts: wasm32 memory is at most 4 GiB, and AlexNet in f32 is 244 MB.
const MAX_WEIGHTS_BYTES: usize = 1 << 30;

#[derive(Serialize)]
struct TopJs {
    index: usize,
    name: &'static str,
    prob: f32,
    logit: f32,
}

#[wasm_bindgen]
impl Session {
    /// Deterministic seeded weights ("untrained"): the app still runs, and says its predictions mean nothing.
    pub fn untrained(seed: u32) -> Session {
        console_error_panic_hook::set_once();
        Session { weights: Weights::untrained(seed as u64), pass: None, preprocess: None }
    }

    /// Loads ONNX or safetensors bytes (sniffed); throws with a readable message for a wrong or broken file.
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: &[u8]) -> Result<Session, JsError> {
        console_error_panic_hook::set_once();
        let weights = Weights::from_bytes(bytes).map_err(|e| JsError::new(&e.to_string()))?;
        Ok(Session { weights, pass: None, preprocess: None })
    }

    /// Loads a weights file received into a [`WeightsBuffer`], viewing its tensors in place (no second copy in
    /// wasm memory). Throws for an incomplete buffer and for everything `fromBytes` refuses.
    #[wasm_bindgen(js_name = fromBuffer)]
    pub fn from_buffer(buf: WeightsBuffer) -> Result<Session, JsError> {
        console_error_panic_hook::set_once();
        if buf.filled != buf.blob.len() {
            return Err(JsError::new(&format!(
                "the weights file is incomplete: {} of {} bytes arrived",
                buf.filled,
                buf.blob.len()
            )));
        }
        let weights = Weights::from_blob(buf.blob).map_err(|e| JsError::new(&e.to_string()))?;
        Ok(Session { weights, pass: None, preprocess: None })
    }

    /// The derived layer table (see ARCHITECTURE.md): the front end's only source of shapes.
    pub fn spec(&self) -> Result<JsValue, JsError> {
        js(&spec::table())
    }

    #[wasm_bindgen(js_name = weightsInfo)]
    pub fn weights_info(&self) -> Result<JsValue, JsError> {
        js(&self.weights.info)
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
        let t = Tensor::new(spec::INPUT_SHAPE.to_vec(), chw.to_vec())
            .ok_or_else(|| JsError::new(&format!("the input must hold {} values (3×227×227)", 3 * 227 * 227)))?;
        self.pass = Some(Forward::new(t).map_err(|e| JsError::new(&e.0))?);
        self.preprocess = None;
        Ok(())
    }

    /// Runs the next layer; returns its id, or `undefined` when the pass is done (or none was started).
    pub fn step(&mut self) -> Option<String> {
        let w = &self.weights;
        self.pass.as_mut()?.step(w).map(str::to_string)
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
        Ok(self.output(id)?.data.clone().into_boxed_slice())
    }

    /// `[C, H, W]` or `[N]` of layer `id`'s output.
    pub fn shape(&self, id: &str) -> Result<Box<[u32]>, JsError> {
        Ok(self.output(id)?.shape.iter().map(|&d| d as u32).collect())
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
        let d = f.conv_dot(&self.weights, id, oc, y, x).map_err(|e| JsError::new(&e.0))?;
        let l = spec::layer(id).expect("conv_dot checked the id");
        let stored = f.output(id).map(|t| {
            let (_, h, w) = t.chw();
            t.data[(oc * h + y) * w + x]
        });
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
                self.weights.layer(id).ok_or_else(|| JsError::new(&format!("no weights for {id}")))
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
        let row = w.row_f32(oc as usize).ok_or_else(|| JsError::new(&format!("{id} has {n} output channels; {oc} is out of range")))?;
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
            .map(|p| TopJs { index: p.index, name: crate::classes::name(p.index).unwrap_or("?"), prob: p.prob, logit: p.logit })
            .collect();
        js(&v)
    }
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
struct ZooJs {
    url: &'static str,
    name: &'static str,
    size: usize,
    sha256: &'static str,
}

/// The ONNX Model Zoo's trained BVLC AlexNet (URL, file name, size, SHA-256): the page offers to download it,
/// and takes these facts from here so they live in one place (`weights::ZOO_*`).
#[wasm_bindgen(js_name = zooWeights)]
pub fn zoo_weights() -> Result<JsValue, JsError> {
    use crate::weights::{ZOO_BYTES, ZOO_SHA256, ZOO_URL};
    js(&ZooJs { url: ZOO_URL, name: "bvlcalexnet-12.onnx", size: ZOO_BYTES, sha256: ZOO_SHA256 })
}
