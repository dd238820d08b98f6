//! The pass as the worker drives it: a layer per `step` (or `stepWhile`, which lets the worker post the previous
//! layer meanwhile), where a finished layer's output lies, and the warm-up pass apart from the user's.

use super::Session;
use crate::model::Forward;
use crate::preprocess;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
impl Session {
    /// Runs the next layer; returns its id, or `undefined` when the pass is done (or none was started).
    pub fn step(&mut self) -> Option<String> {
        crate::par::stay_awake();
        let layer = self.pass.as_mut().and_then(|p| p.step(&self.model)).map(str::to_string);
        if layer.is_none() {
            crate::par::rest();
        }
        layer
    }

    /// Runs the next layer as `step` does, and meanwhile calls `meanwhile()` on this thread: the worker copies the
    /// previous layer out then (see `tensorPlace`), while with threads the helper starts on this layer and the
    /// worker joins it after. `meanwhile` must not call this session (it is borrowed for the step); what it throws
    /// is thrown after the step.
    #[wasm_bindgen(js_name = stepWhile)]
    pub fn step_while(&mut self, meanwhile: &js_sys::Function) -> Result<Option<String>, JsValue> {
        crate::par::stay_awake();
        let model = &self.model;
        let (called, layer) = match self.pass.as_mut() {
            Some(pass) => {
                crate::par::join_here(|| meanwhile.call0(&JsValue::NULL), || pass.step(model).map(str::to_string))
            }
            None => (meanwhile.call0(&JsValue::NULL), None),
        };
        if layer.is_none() {
            crate::par::rest();
        }
        called?;
        Ok(layer)
    }

    /// Where layer `id`'s output (or the input, `data`) lies in this module's memory: `[byte offset, f32 count]`,
    /// for the worker to copy it out during the next `stepWhile`. It stays there until the next `start`: a finished
    /// layer's output is never moved or written by later steps. The offset is only ever read in the worker.
    #[wasm_bindgen(js_name = tensorPlace)]
    pub fn tensor_place(&self, id: &str) -> Result<Box<[u32]>, JsError> {
        match self.output(id)?.values() {
            std::borrow::Cow::Borrowed(v) => Ok(Box::new([v.as_ptr() as u32, v.len() as u32])),
            std::borrow::Cow::Owned(_) => Err(JsError::new(&format!("{id} is not laid out in one piece"))),
        }
    }

    /// Starts the warm-up pass: a mid-grey 320×240 image, preprocessed as a user's would be (so that code is warmed
    /// too), then every layer, apart from the user's pass.
    #[wasm_bindgen(js_name = warmStart)]
    pub fn warm_start(&mut self) -> Result<(), JsError> {
        let (w, h) = (320, 240);
        let (t, info) = preprocess::from_rgba(&vec![128; w * h * 4], w, h).map_err(|e| JsError::new(&e))?;
        // What a user's pass hands over at its end goes through its code once here too (see `warm_step`).
        super::js(&info)?;
        self.warm = Some(Forward::new(t).map_err(|e| JsError::new(&e.0))?);
        Ok(())
    }

    /// Runs the warm-up pass's next layer; `false` when it is done (and its tensors are dropped).
    #[wasm_bindgen(js_name = warmStep)]
    pub fn warm_step(&mut self) -> bool {
        let stepped = match self.warm.as_mut() {
            Some(w) => w.step(&self.model).is_some(),
            None => false,
        };
        if !stepped {
            // The worker ends a user's pass with `topK` and `preprocessInfo`. Their code (the sort, the class names,
            // the conversion to JS objects) ran for the first time there and took 1.1-1.3 ms of the first pass,
            // 0.1-0.2 in later ones; running it on the warm-up pass takes that out of the user's.
            if let Some(w) = self.warm.take().filter(|w| w.is_done()) {
                let _ = super::top_js(&w, 5);
            }
        }
        stepped
    }
}
