//! One weighted layer as the engine holds it: f32 weights and biases, or an fc layer's int8 rows and scales.

use super::Values;
use crate::ops::panels;

/// How a layer's f32 `weight` is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// The spec's kernel shape, row-major: conv `[c_out, c_in/groups, k, k]`, fc `[n_out, n_in]`, as files hold them.
    Rows,
    /// An fc matrix `[n_out, n_in]` in panels of rows ([`crate::ops::panels`]), as the engine computes with it.
    /// Every fc layer of a [`super::Weights`] is held this way.
    Panels { n_in: usize },
}

/// One weighted layer: `weight` is `[c_out, c_in/groups, k, k]` (conv), or `[n_out, n_in]` (fc) in the panels
/// [`LayerWeights::layout`] says; `bias` is `[c_out]`. Either may view the loaded file in place ([`Values`]). Read
/// the weights in the spec's row-major shape through [`LayerWeights::weights_f32`] and [`LayerWeights::row_f32`].
#[derive(Clone, Debug, PartialEq)]
pub struct LayerWeights {
    /// f32 weights; empty for an fc layer held as [`LayerWeights::int8`] (see [`LayerWeights::weights_f32`]).
    pub weight: Values<f32>,
    pub layout: Layout,
    pub bias: Values<f32>,
    /// For fc layers loaded from an int8 file: the weights as stored, and the only copy kept, so the forward pass
    /// streams 1 byte per weight instead of 4 and memory holds fc6 in 38 MB instead of 151 MB.
    pub int8: Option<Int8Rows>,
}

/// Int8 rows with one scale per output row: `weight[r][i] = q[r][i] · scale[r]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Int8Rows {
    /// `[n_out, n_in]`, row-major.
    pub q: Values<i8>,
    /// `[n_out]`.
    pub scale: Vec<f32>,
}

impl LayerWeights {
    /// f32 weights and bias, with no compact copy.
    pub fn new(weight: impl Into<Values<f32>>, bias: impl Into<Values<f32>>) -> LayerWeights {
        LayerWeights { weight: weight.into(), layout: Layout::Rows, bias: bias.into(), int8: None }
    }

    /// The layer with its f32 fc matrix (`[n_out, n_in]` rows) in panels: rearranged where it lies when the layer
    /// owns it, copied when it views a file (loaders put those into panels in the file itself, see `plan.rs`).
    pub(crate) fn into_panels(mut self, n_in: usize) -> LayerWeights {
        if self.layout != Layout::Rows || self.weight.is_empty() || n_in == 0 || self.weight.len() % n_in != 0 {
            return self;
        }
        match self.weight.owned_mut() {
            Some(m) => panels::to_panels_in_place(m, n_in),
            None => self.weight = panels::to_panels(&self.weight, n_in).into(),
        }
        self.layout = Layout::Panels { n_in };
        self
    }

    /// An fc layer kept as int8 rows only.
    pub fn int8(rows: Int8Rows, bias: impl Into<Values<f32>>) -> LayerWeights {
        LayerWeights { int8: Some(rows), ..LayerWeights::new(Vec::new(), bias) }
    }

    /// Number of weights (without the biases), however they are stored.
    pub fn weight_len(&self) -> usize {
        match &self.int8 {
            Some(r) if self.weight.is_empty() => r.q.len(),
            _ => self.weight.len(),
        }
    }

    /// The weights as f32 in the spec's row-major shape: borrowed when held so, rearranged out of panels or
    /// dequantised from int8 rows (a new vector) otherwise.
    pub fn weights_f32(&self) -> std::borrow::Cow<'_, [f32]> {
        match (&self.int8, self.layout) {
            (Some(r), _) if self.weight.is_empty() => {
                let per = r.q.len() / r.scale.len().max(1);
                std::borrow::Cow::Owned((0..r.scale.len()).flat_map(|i| r.row_f32(i, per)).collect())
            }
            (_, Layout::Panels { n_in }) => std::borrow::Cow::Owned(panels::to_rows(&self.weight, n_in)),
            (_, Layout::Rows) => std::borrow::Cow::Borrowed(&self.weight),
        }
    }

    /// Output channel `oc`'s weights (`[c_in/groups, k, k]` or an fc row), as f32; `None` past the last channel.
    pub fn row_f32(&self, oc: usize) -> Option<Vec<f32>> {
        let n = self.bias.len();
        if oc >= n {
            return None;
        }
        let per = self.weight_len() / n;
        Some(match (&self.int8, self.layout) {
            (Some(r), _) if self.weight.is_empty() => r.row_f32(oc, per),
            (_, Layout::Panels { n_in }) => panels::row(&self.weight, n_in, oc),
            (_, Layout::Rows) => self.weight[oc * per..][..per].to_vec(),
        })
    }
}

impl Int8Rows {
    /// Row `r` (`per` values) dequantised: `q · scale[r]`.
    pub fn row_f32(&self, r: usize, per: usize) -> Vec<f32> {
        self.q[r * per..][..per].iter().map(|&v| v as f32 * self.scale[r]).collect()
    }
}
