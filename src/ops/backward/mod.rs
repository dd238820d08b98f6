//! The backward pass of every op: given ∂L/∂output, the gradient with respect to the op's input.
//!
//! One op per file, each with a plain `*_naive` reference in f64 beside its f32 fast path; `tests.rs` checks every
//! reference against central finite differences in f64 (random problems and AlexNet's own geometries) and every
//! fast path against its reference. Only input gradients are computed: attribution (saliency, Grad-CAM) never
//! needs the weights' gradients.

pub mod conv;
pub mod linear;
pub mod lrn;
pub mod pool;
pub mod relu;
pub mod softmax;
#[cfg(test)]
mod tests;

pub use conv::{conv2d_backward, conv2d_backward_naive};
pub use linear::{linear_backward, linear_backward_i8, linear_backward_naive};
pub use lrn::{lrn_backward, lrn_backward_naive};
pub use pool::{max_pool_backward, max_pool_backward_naive};
pub use relu::{relu_backward, relu_backward_naive};
pub use softmax::{softmax_backward, softmax_backward_naive};
