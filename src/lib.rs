//! AlexNet Explainer's engine: BVLC AlexNet's forward pass with every intermediate exposed for teaching.
//!
//! Everything here builds and tests natively; only `api` (compiled for wasm32) touches JavaScript.

pub mod classes;
pub mod model;
pub mod ops;
pub mod par;
pub mod peak;
pub mod preprocess;
pub mod spec;
pub mod tensor;
pub mod weights;

#[cfg(target_arch = "wasm32")]
pub mod api;
