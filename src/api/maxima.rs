//! One photo of a folder through the network, for its top patches: per channel of a layer the maximum and where.
//!
//! The photo runs on a pass of its own (`maxima::maxima_at`), dropped when this returns, so the image being
//! explained and its tensors stay as they were.

use super::{js, Session};
use crate::spec::footprint;
use crate::{maxima, preprocess};
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MaximaJs {
    layer: String,
    #[serde(with = "super::serde_bytes_f32")]
    values: Vec<f32>,
    #[serde(with = "super::serde_bytes_f32")]
    means: Vec<f32>,
    ys: Vec<u32>,
    xs: Vec<u32>,
    /// Per channel, the top-left corner of its maximum's receptive field in crop pixels (unclipped), and the side.
    y0s: Vec<i32>,
    x0s: Vec<i32>,
    size: usize,
    preprocess: preprocess::PreprocessInfo,
}

#[wasm_bindgen]
impl Session {
    /// Preprocesses an RGBA image (`w·h·4` bytes), runs it up to spatial layer `id` and returns
    /// `{layer, values, means: Float32Array [C], ys, xs, y0s, x0s: [C], size, preprocess}`: per channel the
    /// maximum, its first position and that unit's receptive field. Throws for a bad image or a layer without maps.
    #[wasm_bindgen(js_name = channelMaxima)]
    pub fn channel_maxima(&self, rgba: &[u8], width: u32, height: u32, id: &str) -> Result<JsValue, JsError> {
        let (t, info) = preprocess::from_rgba(rgba, width as usize, height as usize).map_err(|e| JsError::new(&e))?;
        let m = maxima::maxima_at(&self.model, t, id).map_err(|e| JsError::new(&e.0))?;
        let mut fields = Vec::with_capacity(m.ys.len());
        for (&y, &x) in m.ys.iter().zip(&m.xs) {
            fields.push(footprint::receptive_field(id, y as usize, x as usize).map_err(|e| JsError::new(&e))?);
        }
        js(&MaximaJs {
            layer: id.to_string(),
            values: m.values,
            means: m.means,
            y0s: fields.iter().map(|f| f.y0 as i32).collect(),
            x0s: fields.iter().map(|f| f.x0 as i32).collect(),
            size: fields.first().map_or(0, |f| f.size),
            ys: m.ys,
            xs: m.xs,
            preprocess: info,
        })
    }
}
