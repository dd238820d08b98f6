//! The tensors AlexNet's weights must have, from the spec table, and the check every loader's layers pass.

use super::{LayerWeights, Weights, WeightsError, WeightsInfo};
use crate::spec::{self, PARAM_LAYERS};

/// `(weight shape, bias shape)` for each of `PARAM_LAYERS`, from the spec.
pub fn expected_shapes() -> Vec<(Vec<usize>, Vec<usize>)> {
    let table = spec::derive();
    PARAM_LAYERS
        .iter()
        .map(|id| {
            let l = table.iter().find(|l| l.id == *id).expect("PARAM_LAYERS are in the spec");
            (l.kernel_shape.clone(), vec![l.c_out])
        })
        .collect()
}

impl Weights {
    /// Checks every tensor's length against the spec (used by loaders that build `layers` themselves).
    pub(crate) fn checked(layers: Vec<LayerWeights>, info: WeightsInfo) -> Result<Weights, WeightsError> {
        let shapes = expected_shapes();
        if layers.len() != shapes.len() {
            return Err(WeightsError::Structure(format!(
                "{} weighted layers, AlexNet has {}",
                layers.len(),
                shapes.len()
            )));
        }
        for ((l, (ws, bs)), id) in layers.iter().zip(&shapes).zip(PARAM_LAYERS) {
            if l.weight_len() != ws.iter().product::<usize>() || l.bias.len() != bs[0] {
                return Err(WeightsError::Structure(format!("{id}: wrong number of values")));
            }
        }
        Ok(Weights::new(layers, info))
    }
}
