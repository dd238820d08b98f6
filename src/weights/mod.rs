//! AlexNet's learned parameters: the loading entry points, which sniff the format and hand the bytes to a reader.
//!
//! Readers: ONNX (`onnx/`, its protobuf reader `protobuf.rs`) and the compact safetensors store (`store.rs`), both
//! planning tensors that `plan.rs` copies out or views in the loaded [`Blob`]; every layer is checked against the
//! spec (`shapes.rs`). Besides: what the layers hold (`layer.rs`), where they came from (`info.rs`, `provenance.rs`,
//! `zoo.rs`), refusals (`error.rs`), a file judged by its head (`judge.rs`), seeded weights (`untrained.rs`) and the
//! default session's (`starter.rs`).

pub mod blob;
mod error;
mod info;
pub mod judge;
mod layer;
pub mod onnx;
mod plan;
pub mod protobuf;
pub mod provenance;
mod shapes;
pub mod starter;
pub mod store;
mod untrained;
pub mod zoo;

use crate::spec::PARAM_LAYERS;
pub use blob::{Blob, Values};
pub use error::WeightsError;
pub use info::WeightsInfo;
pub use judge::{judge_head, too_big_message, HEAD_BYTES, MAX_FILE_BYTES};
pub use layer::{Int8Rows, LayerWeights, Layout};
pub(crate) use plan::{materialize, Plan, PlannedLayer, Source};
pub use provenance::{LoadContext, Origin, Vouch, VouchedBy};
pub use shapes::expected_shapes;

/// All eight weighted layers, in `PARAM_LAYERS` order, each checked against the spec.
#[derive(Clone, Debug)]
pub struct Weights {
    pub layers: Vec<LayerWeights>,
    pub info: WeightsInfo,
}

/// The file formats we read, told apart by their first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Onnx,
    Safetensors,
}

impl Format {
    /// `onnx` or `safetensors`, as [`WeightsInfo::format`] says it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Onnx => "onnx",
            Format::Safetensors => "safetensors",
        }
    }
}

/// Guesses the format: safetensors opens with a little-endian header length followed by `{`; an ONNX model
/// is a protobuf whose first field is `ir_version` (field 1, varint: byte 0x08).
pub fn sniff(bytes: &[u8]) -> Option<Format> {
    if bytes.len() >= 9 && bytes[8] == b'{' {
        Some(Format::Safetensors)
    } else if bytes.first() == Some(&0x08) {
        Some(Format::Onnx)
    } else {
        None
    }
}

impl Weights {
    /// Loads an ONNX model or a safetensors file (sniffed), checking every tensor against the spec. Nothing is
    /// vouched for, so only a Model Zoo file's own digest makes the weights "trained".
    pub fn from_bytes(bytes: &[u8]) -> Result<Weights, WeightsError> {
        Weights::load(bytes, &LoadContext::default())
    }

    /// [`Weights::from_bytes`] with a file name, a known digest and vouched digests ([`provenance`]).
    pub fn load(bytes: &[u8], ctx: &LoadContext<'_>) -> Result<Weights, WeightsError> {
        let format = sniff(bytes).ok_or(WeightsError::UnknownFormat)?;
        let computed = digest_if_useful(bytes, ctx);
        let (layers, dtype) = match format {
            Format::Onnx => onnx::import(bytes)?,
            Format::Safetensors => store::read_layers(bytes)?,
        };
        let info = WeightsInfo::of_file(format.name(), dtype, bytes.len(), ctx, computed);
        Weights::checked(layers, info)
    }

    /// [`Weights::load`] for a file held in a [`Blob`]: tensors are viewed in place instead of copied, so
    /// loading costs the file's size in memory once (the browser streams downloads straight into a blob).
    pub fn load_blob(blob: Blob, ctx: &LoadContext<'_>) -> Result<Weights, WeightsError> {
        let format = sniff(blob.bytes()).ok_or(WeightsError::UnknownFormat)?;
        // Hashed before the tensors are aligned in place, which rewrites header bytes.
        let computed = digest_if_useful(blob.bytes(), ctx);
        let len = blob.len();
        let (layers, dtype) = match format {
            Format::Onnx => onnx::import_blob(blob)?,
            Format::Safetensors => store::read_blob(blob)?,
        };
        Weights::checked(layers, WeightsInfo::of_file(format.name(), dtype, len, ctx, computed))
    }

    /// [`Weights::load_blob`] with nothing vouched for.
    pub fn from_blob(blob: Blob) -> Result<Weights, WeightsError> {
        Weights::load_blob(blob, &LoadContext::default())
    }

    /// Every constructor ends here: the fc matrices go into panels (see [`Layout::Panels`]), in place when the
    /// layer owns them (a file's are already, by its loader).
    fn new(layers: Vec<LayerWeights>, mut info: WeightsInfo) -> Weights {
        info.params = layers.iter().map(|l| l.weight_len() + l.bias.len()).sum();
        Weights { layers, info }.panelled()
    }

    /// The same weights with every fc matrix in panels (a no-op when they are, as after any constructor); the
    /// model calls it too, since `layers` can be replaced by hand.
    pub(crate) fn panelled(mut self) -> Weights {
        self.layers = std::mem::take(&mut self.layers)
            .into_iter()
            .zip(expected_shapes())
            .map(|(l, (ws, _))| if ws.len() == 2 { l.into_panels(ws[1]) } else { l })
            .collect();
        self
    }

    /// The weights of layer `id` (`conv1` … `fc8`).
    pub fn layer(&self, id: &str) -> Option<&LayerWeights> {
        PARAM_LAYERS.iter().position(|p| *p == id).and_then(|i| self.layers.get(i))
    }
}

/// The SHA-256 of a file when it is worth computing (see [`LoadContext::worth_hashing`]) and not given.
fn digest_if_useful(bytes: &[u8], ctx: &LoadContext<'_>) -> Option<String> {
    (ctx.sha256.is_none() && ctx.worth_hashing(bytes.len() as u64)).then(|| sha256_hex(bytes))
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_bytes_are_refused() {
        assert_eq!(Weights::from_bytes(b"hello world, not weights").unwrap_err(), WeightsError::UnknownFormat);
        assert_eq!(Weights::from_bytes(&[]).unwrap_err(), WeightsError::UnknownFormat);
    }

    #[test]
    fn zoo_hash_helper() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
