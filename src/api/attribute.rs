//! The attribution methods for the worker ("Why?"): start one on the finished pass, step it (progress and cancel
//! happen between steps, in JS), then copy the map out. A new pass drops it (`Session::start`).

use super::{js, Session};
use crate::attribution::{Attribution, Method, Options};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

/// `Session.attributeStart`'s options; every field may be left out.
#[derive(Deserialize, Default)]
#[serde(default)]
struct OptionsJs {
    layer: Option<String>,
    patch: Option<usize>,
    stride: Option<usize>,
    incremental: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MapJs {
    #[serde(with = "super::serde_bytes_f32")]
    map: Vec<f32>,
    shape: [usize; 2],
    method: &'static str,
    target: usize,
    layer: Option<&'static str>,
    /// Occlusion: positions, and the multiply-accumulates computed against those of whole passes.
    positions: Option<usize>,
    macs_computed: Option<u64>,
    macs_full: Option<u64>,
}

fn err(e: crate::model::ModelError) -> JsError {
    JsError::new(&e.0)
}

#[wasm_bindgen]
impl Session {
    /// Starts `method` (`occlusion`, `saliency`, `gradcam`) for class `target` on the finished pass, with
    /// `options` `{layer?, patch?, stride?, incremental?}` (or undefined). Throws for a bad method, class, layer or
    /// patch, and when no pass has finished.
    #[wasm_bindgen(js_name = attributeStart)]
    pub fn attribute_start(&mut self, method: &str, target: u32, options: JsValue) -> Result<(), JsError> {
        let o: OptionsJs = if options.is_undefined() || options.is_null() {
            OptionsJs::default()
        } else {
            serde_wasm_bindgen::from_value(options).map_err(|e| JsError::new(&format!("attribution options: {e}")))?
        };
        let d = Options::default();
        let opts = Options {
            layer: o.layer.unwrap_or(d.layer),
            patch: o.patch.unwrap_or(d.patch),
            stride: o.stride.unwrap_or(d.stride),
            incremental: o.incremental.unwrap_or(d.incremental),
        };
        let f = self.pass()?;
        self.attribution =
            Some(Attribution::new(f, Method::parse(method).map_err(err)?, target as usize, &opts).map_err(err)?);
        Ok(())
    }

    /// Does the next piece of the attribution; `true` once its map is ready.
    #[wasm_bindgen(js_name = attributeStep)]
    pub fn attribute_step(&mut self) -> Result<bool, JsError> {
        let (Some(a), Some(f)) = (self.attribution.as_mut(), self.pass.as_ref()) else {
            return Err(JsError::new("no attribution is in progress (a new image replaced it)"));
        };
        // As in a pass: the helper stays awake and joins spin between and within the steps (see par::stay_awake,
        // par::spin), or the first steps after a pause ran at one thread's speed.
        crate::par::stay_awake();
        let done = a.step(&self.model, f);
        if done {
            crate::par::rest();
        }
        Ok(done)
    }

    /// `[done, total]` steps of the attribution in progress (`[0, 0]` when there is none).
    #[wasm_bindgen(js_name = attributeProgress)]
    pub fn attribute_progress(&self) -> Box<[u32]> {
        let (d, t) = self.attribution.as_ref().map_or((0, 0), Attribution::progress);
        Box::new([d as u32, t as u32])
    }

    /// The finished map: `{map: Float32Array, shape: [rows, cols], method, target, layer, positions?,
    /// macsComputed?, macsFull?}`.
    #[wasm_bindgen(js_name = attributeResult)]
    pub fn attribute_result(&self) -> Result<JsValue, JsError> {
        let r = self
            .attribution
            .as_ref()
            .and_then(Attribution::result)
            .ok_or_else(|| JsError::new("the attribution has not finished"))?;
        let o = r.occlusion;
        js(&MapJs {
            map: r.map.clone(),
            shape: r.shape,
            method: r.method.name(),
            target: r.target,
            layer: r.layer,
            positions: o.map(|s| s.positions),
            macs_computed: o.map(|s| s.macs_computed),
            macs_full: o.map(|s| s.macs_full),
        })
    }
}
