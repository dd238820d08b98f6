//! AlexNet Explainer's engine: BVLC AlexNet's forward pass with every intermediate exposed for teaching.
//!
//! Everything here builds and tests natively; only `api` (compiled for wasm32) touches JavaScript.

// No panics on user data (ARCHITECTURE invariant 5): an `unwrap` would hide one. Tests may unwrap (clippy.toml), and
// an `expect` is for values that cannot come from a user, with a message that says why.
#![deny(clippy::unwrap_used)]

pub mod attribution;
pub mod classes;
pub mod maxima;
pub mod model;
pub mod ops;
pub mod par;
pub mod peak;
pub mod preprocess;
pub mod spec;
pub mod tensor;
pub mod weights;
pub mod yuv;

#[cfg(target_arch = "wasm32")]
pub mod api;
