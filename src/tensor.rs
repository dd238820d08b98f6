//! A dense f32 tensor: CHW (or a plain vector `[N]`), row-major, batch dimension dropped.

/// `data.len() == shape.iter().product()`, row-major over `shape`.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

impl Tensor {
    /// Wraps `data` as `shape`; `None` when the element count does not match.
    pub fn new(shape: Vec<usize>, data: Vec<f32>) -> Option<Tensor> {
        (shape.iter().product::<usize>() == data.len()).then_some(Tensor { shape, data })
    }

    /// A tensor of zeros.
    pub fn zeros(shape: Vec<usize>) -> Tensor {
        let n = shape.iter().product();
        Tensor { shape, data: vec![0.0; n] }
    }

    /// `(C, H, W)` of a spatial tensor; a vector `[N]` reads as `(N, 1, 1)`.
    pub fn chw(&self) -> (usize, usize, usize) {
        match self.shape.as_slice() {
            [c, h, w] => (*c, *h, *w),
            [n] => (*n, 1, 1),
            _ => (self.data.len(), 1, 1),
        }
    }
}
