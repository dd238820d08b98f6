//! Seeded random weights, for running the network without a weights file (every label then says "untrained").

use super::{expected_shapes, LayerWeights, Weights, WeightsInfo};
use crate::spec::PARAM_LAYERS;

impl Weights {
    /// Deterministic random weights for running without a weights file: He-uniform, so activations keep their
    /// scale through the net. Everything that shows them says "untrained".
    pub fn untrained(seed: u64) -> Weights {
        let mut rng = SplitMix64(seed);
        let layers = expected_shapes()
            .into_iter()
            .zip(PARAM_LAYERS)
            .map(|((ws, bs), id)| {
                let n: usize = ws.iter().product();
                let fan_in: usize = ws[1..].iter().product();
                // Activations on 0..255-scale input are large (std ~50-100), so He-scaled fc8 logits would
                // make the softmax one-hot; a much smaller fc8 keeps the untrained probabilities spread out,
                // which shows what softmax does instead of a single 100 % bar.
                let shrink = if id == "fc8" { 40.0 } else { 1.0 };
                let a = ((6.0 / fan_in as f64).sqrt() / shrink) as f32;
                let weight: Vec<f32> = (0..n).map(|_| (rng.unit() * 2.0 - 1.0) * a).collect();
                let bias: Vec<f32> = (0..bs[0]).map(|_| (rng.unit() * 2.0 - 1.0) * 0.1).collect();
                LayerWeights::new(weight, bias)
            })
            .collect();
        Weights::new(layers, WeightsInfo::seeded(seed))
    }
}

/// SplitMix64: a tiny, well-mixed generator, so the seeded weights are the same on every platform.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1) with 24 bits, as f32.
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untrained_is_deterministic_and_says_so() {
        let a = Weights::untrained(7);
        let b = Weights::untrained(7);
        assert_eq!(a.layers[0], b.layers[0]);
        assert!(!a.info.trained);
        assert!(a.info.source.contains("untrained"));
        assert_eq!(a.info.params, 60_965_224);
        assert_ne!(Weights::untrained(8).layers[0], a.layers[0]);
    }
}
