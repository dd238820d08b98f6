//! The values the forward pass hands on: `[C, H, W]` maps as `Array3<f32>`, vectors `[N]` as `Array1<f32>`.

use ndarray::{Array, Array1, Array3, ArrayView3, Dimension};
use std::borrow::Cow;

/// One layer's output (or the network input), batch dimension dropped. The rank is the variant, so a layer that
/// reads a `[C, H, W]` map has to say what it does with a vector instead of reading it as `(N, 1, 1)`.
#[derive(Clone, Debug, PartialEq)]
pub enum Tensor {
    /// `[C, H, W]`: the input and the conv, ReLU, LRN and pooling layers' outputs.
    Chw(Array3<f32>),
    /// `[N]`: the fc layers' and softmax's outputs.
    Vector(Array1<f32>),
}

impl Tensor {
    /// Row-major `data` as `shape`, which is `[C, H, W]` or `[N]`; `None` for another rank or a count that does
    /// not match.
    pub fn from_shape_vec(shape: &[usize], data: Vec<f32>) -> Option<Tensor> {
        match *shape {
            [c, h, w] => Array3::from_shape_vec((c, h, w), data).ok().map(Tensor::Chw),
            [n] => Array1::from_shape_vec(n, data).ok().map(Tensor::Vector),
            _ => None,
        }
    }

    /// `[C, H, W]` or `[N]`.
    pub fn shape(&self) -> &[usize] {
        match self {
            Tensor::Chw(a) => a.shape(),
            Tensor::Vector(v) => v.shape(),
        }
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Tensor::Chw(a) => a.len(),
            Tensor::Vector(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `[C, H, W]` map, or `None` for a vector.
    pub fn chw(&self) -> Option<ArrayView3<'_, f32>> {
        match self {
            Tensor::Chw(a) => Some(a.view()),
            Tensor::Vector(_) => None,
        }
    }

    /// The values in row-major order (a `[C, H, W]` map flattened as `c·H·W + y·W + x`): borrowed when the array
    /// is in standard layout, as every tensor the model makes is, and copied otherwise (an array built elsewhere,
    /// e.g. read from a Fortran-order `.npy`).
    pub fn values(&self) -> Cow<'_, [f32]> {
        match self {
            Tensor::Chw(a) => row_major(a),
            Tensor::Vector(v) => row_major(v),
        }
    }

    /// The same values in standard (row-major) layout, so that [`Tensor::values`] borrows them.
    pub fn into_standard_layout(self) -> Tensor {
        match self {
            Tensor::Chw(a) if !a.is_standard_layout() => Tensor::Chw(a.as_standard_layout().into_owned()),
            Tensor::Vector(v) if !v.is_standard_layout() => Tensor::Vector(v.as_standard_layout().into_owned()),
            t => t,
        }
    }
}

/// max |a−b| / max(max |b|, tiny): how far `a` is from the reference `b`, relative to the reference's scale. The
/// one error measure of the op tests, the reference tests and `alexnet quant-report`.
pub fn max_rel_err(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "lengths differ");
    let scale = b.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-30);
    a.iter().zip(b).fold(0f32, |m, (x, y)| m.max((x - y).abs())) / scale
}

/// An array's values in row-major order, borrowed when its memory already is.
fn row_major<D: Dimension>(a: &Array<f32, D>) -> Cow<'_, [f32]> {
    a.as_slice().map_or_else(|| Cow::Owned(a.iter().copied().collect()), Cow::Borrowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_is_the_variant_and_values_are_row_major() {
        let t = Tensor::from_shape_vec(&[2, 1, 3], (0..6).map(|v| v as f32).collect()).unwrap();
        assert!(matches!(t, Tensor::Chw(_)));
        assert_eq!(t.shape(), [2, 1, 3]);
        assert!(matches!(t.values(), Cow::Borrowed(_)));
        assert_eq!(t.chw().unwrap()[[1, 0, 2]], 5.0);
        let v = Tensor::from_shape_vec(&[4], vec![0.0; 4]).unwrap();
        assert!(matches!(v, Tensor::Vector(_)) && v.chw().is_none());
        assert!(Tensor::from_shape_vec(&[2, 2], vec![0.0; 4]).is_none(), "rank 2 is neither");
        assert!(Tensor::from_shape_vec(&[2, 2, 2], vec![0.0; 7]).is_none(), "count");
        // A permuted array's values come out row-major over its own shape, copied.
        let a = Array3::from_shape_vec((3, 1, 2), (0..6).map(|v| v as f32).collect()).unwrap();
        let f = Tensor::Chw(a.permuted_axes([2, 1, 0]));
        assert_eq!(&*f.values(), &[0.0, 2.0, 4.0, 1.0, 3.0, 5.0]);
        assert_eq!(f.clone().into_standard_layout(), f);
        assert!(matches!(f.into_standard_layout().values(), Cow::Borrowed(_)));
    }

    #[test]
    fn relative_error_is_scaled_by_the_reference() {
        assert_eq!(max_rel_err(&[1.0, 2.0], &[1.0, 4.0]), 0.5);
        assert_eq!(max_rel_err(&[0.0], &[0.0]), 0.0);
    }
}
