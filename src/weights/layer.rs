//! One weighted layer as the engine holds it: f32 weights and biases, or an fc layer's int8 rows and scales.

use super::Values;

/// One weighted layer: `weight` is `[c_out, c_in/groups, k, k]` (conv) or `[n_out, n_in]` (fc), row-major;
/// `bias` is `[c_out]`. Either may view the loaded file in place ([`Values`]).
#[derive(Clone, Debug, PartialEq)]
pub struct LayerWeights {
    /// f32 weights; empty for an fc layer held as [`LayerWeights::int8`] (see [`LayerWeights::weights_f32`]).
    pub weight: Values<f32>,
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
        LayerWeights { weight: weight.into(), bias: bias.into(), int8: None }
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

    /// The weights as f32: borrowed when held as f32, dequantised (a new vector) when held as int8 rows only.
    pub fn weights_f32(&self) -> std::borrow::Cow<'_, [f32]> {
        match &self.int8 {
            Some(r) if self.weight.is_empty() => {
                let per = r.q.len() / r.scale.len().max(1);
                std::borrow::Cow::Owned((0..r.scale.len()).flat_map(|i| r.row_f32(i, per)).collect())
            }
            _ => std::borrow::Cow::Borrowed(&self.weight),
        }
    }

    /// Output channel `oc`'s weights (`[c_in/groups, k, k]` or an fc row), as f32; `None` past the last channel.
    pub fn row_f32(&self, oc: usize) -> Option<Vec<f32>> {
        let n = self.bias.len();
        if oc >= n {
            return None;
        }
        let per = self.weight_len() / n;
        Some(match &self.int8 {
            Some(r) if self.weight.is_empty() => r.row_f32(oc, per),
            _ => self.weight[oc * per..][..per].to_vec(),
        })
    }
}

impl Int8Rows {
    /// Row `r` (`per` values) dequantised: `q · scale[r]`.
    pub fn row_f32(&self, r: usize, per: usize) -> Vec<f32> {
        self.q[r * per..][..per].iter().map(|&v| v as f32 * self.scale[r]).collect()
    }
}
