//! The worker's calls outside a session: facts and probes (a file's head, sources, threads, SIMD, memory), YUV → RGBA.

use super::js;
use crate::weights::zoo;
use serde::Serialize;
use wasm_bindgen::prelude::*;

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

/// Size of this instance's linear memory in bytes (for the benchmark and leak checks).
#[wasm_bindgen(js_name = wasmMemoryBytes)]
pub fn wasm_memory_bytes() -> f64 {
    (core::arch::wasm32::memory_size(0) * 65536) as f64
}

/// Threads the engine computes with: 2 in the threads build once its pool is built (`www/worker/pool.js`), else 1.
#[wasm_bindgen(js_name = engineThreads)]
pub fn engine_threads() -> u32 {
    crate::par::threads() as u32
}

/// The RGBA pixels of a 4:2:0 image from its planes (a baseline JPEG as WebCodecs' `ImageDecoder` decodes it), byte
/// for byte what the browser's own decode gives (see `crate::yuv`), as a `Uint32Array` whose bytes are R, G, B, A
/// per pixel; throws when the planes cannot hold the image.
#[wasm_bindgen(js_name = yuv420ToRgba)]
#[allow(clippy::too_many_arguments)]
pub fn yuv420_to_rgba(
    y: &[u8],
    y_stride: u32,
    u: &[u8],
    u_stride: u32,
    v: &[u8],
    v_stride: u32,
    width: u32,
    height: u32,
) -> Result<Vec<u32>, JsError> {
    let planes = crate::yuv::Planes {
        y,
        y_stride: y_stride as usize,
        u,
        u_stride: u_stride as usize,
        v,
        v_stride: v_stride as usize,
    };
    crate::yuv::yuv420_to_rgba(planes, width as usize, height as usize).map_err(|e| JsError::new(&e))
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
