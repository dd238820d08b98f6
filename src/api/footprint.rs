//! Where a unit looks, for the page: receptive fields, the slices that feed a unit, the units that see a pixel.
//!
//! Pure spec geometry (`spec::footprint`); on the `Session` so every query reaches the engine the same way.

use super::{js, Session};
use crate::spec::footprint;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
impl Session {
    /// Unit (y, x) of spatial layer `id`: `{y0, x0, size}` in crop pixels, unclipped (it may start below 0).
    #[wasm_bindgen(js_name = receptiveField)]
    pub fn receptive_field(&self, id: &str, y: u32, x: u32) -> Result<JsValue, JsError> {
        js(&footprint::receptive_field(id, y as usize, x as usize).map_err(|e| JsError::new(&e))?)
    }

    /// Unit (c, y, x) of `id`: per layer down to `data`, `{layer, c0, c1, y0, y1, x0, x1}` (ends exclusive) that feeds it.
    pub fn feeding(&self, id: &str, c: u32, y: u32, x: u32) -> Result<JsValue, JsError> {
        js(&footprint::feeding(id, c as usize, y as usize, x as usize).map_err(|e| JsError::new(&e))?)
    }

    /// Crop pixel (y, x): per spatial layer, the box of units whose receptive field holds it.
    pub fn seeing(&self, y: u32, x: u32) -> Result<JsValue, JsError> {
        js(&footprint::seeing(y as usize, x as usize).map_err(|e| JsError::new(&e))?)
    }
}
