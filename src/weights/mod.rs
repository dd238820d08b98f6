//! AlexNet's learned parameters: loading (ONNX, safetensors), validation against the spec, and a seeded init.

pub mod blob;
pub mod judge;
pub mod onnx;
pub mod provenance;
pub mod protobuf;
pub mod starter;
pub mod store;
pub mod zoo;

use crate::spec::{self, PARAM_LAYERS};
pub use blob::{Blob, Values};
pub use judge::{judge_head, too_big_message, HEAD_BYTES, MAX_FILE_BYTES};
pub use provenance::{LoadContext, Origin, Vouch, VouchedBy};
use serde::Serialize;
use std::fmt;

/// One weighted layer: `weight` is `[c_out, c_in/groups, k, k]` (conv) or `[n_out, n_in]` (fc), row-major;
/// `bias` is `[c_out]`. Either may view the loaded file in place ([`blob::Values`]).
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

/// Where the weights came from; the UI shows it and says "untrained" when `trained` is false.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WeightsInfo {
    /// One English sentence saying what these weights are (the CLI prints it; the page builds its own, in the
    /// reader's language, from the fields below).
    pub source: String,
    /// How far the app could verify where the weights came from ([`provenance`]).
    pub origin: Origin,
    /// `seeded`, `onnx` or `safetensors`.
    pub format: String,
    /// Storage type of the file: `f32`, `f16` or `int8` (computation is always f32).
    pub dtype: String,
    /// True only for weights verified as the BVLC ones (a Zoo file's SHA-256, or a digest the loader vouched for).
    pub trained: bool,
    /// Which tensors hold trained values (`conv1.weight`, …): all sixteen when `trained`, only `conv1.weight` in
    /// the default session, none for seeded weights or an unverified file.
    pub trained_tensors: Vec<String>,
    /// The file's name, when the loader was told it.
    pub file: Option<String>,
    /// The file's SHA-256, when it was computed (files of a size no known file has are not hashed).
    pub sha256: Option<String>,
    /// The Model Zoo file these weights are, or were converted from.
    pub zoo: Option<String>,
    /// Who vouched for the digest, for a copy ([`Origin::Vouched`]).
    pub vouched_by: Option<VouchedBy>,
    pub params: usize,
}

impl WeightsInfo {
    /// The description of a loaded file from its verdict; `dtype` is the file's storage type.
    pub(crate) fn of_file(format: &str, dtype: &str, len: usize, ctx: &LoadContext<'_>, computed: Option<String>) -> WeightsInfo {
        let sha256 = computed.or_else(|| ctx.sha256.map(str::to_string));
        let v = provenance::judge(len as u64, sha256.as_deref(), ctx);
        let trained = matches!(v.origin, Origin::Zoo | Origin::Vouched);
        WeightsInfo {
            source: v.source,
            origin: v.origin,
            format: format.into(),
            dtype: dtype.into(),
            trained,
            trained_tensors: if trained { provenance::all_tensors() } else { vec![] },
            file: ctx.name.map(str::to_string),
            sha256,
            zoo: v.zoo.map(|f| f.name.to_string()),
            vouched_by: v.vouched_by,
            params: 0,
        }
    }

    /// Seeded weights: nothing trained.
    fn seeded(seed: u64) -> WeightsInfo {
        WeightsInfo {
            source: format!("untrained: seeded random weights (seed {seed})"),
            origin: Origin::Seeded,
            format: "seeded".into(),
            dtype: "f32".into(),
            trained: false,
            trained_tensors: vec![],
            file: None,
            sha256: None,
            zoo: None,
            vouched_by: None,
            params: 0,
        }
    }
}

/// The SHA-256 of a file when it is worth computing (see [`LoadContext::worth_hashing`]) and not given.
fn digest_if_useful(bytes: &[u8], ctx: &LoadContext<'_>) -> Option<String> {
    (ctx.sha256.is_none() && ctx.worth_hashing(bytes.len() as u64)).then(|| sha256_hex(bytes))
}

/// All eight weighted layers, in `PARAM_LAYERS` order, each checked against the spec.
#[derive(Clone, Debug)]
pub struct Weights {
    pub layers: Vec<LayerWeights>,
    pub info: WeightsInfo,
}

/// Why a weights file was refused. Messages are meant for the person who chose the file.
#[derive(Clone, Debug, PartialEq)]
pub enum WeightsError {
    /// A tensor has the wrong shape: names it, with expected and found shapes.
    Shape { layer: String, tensor: String, expected: String, found: String },
    /// The graph is not AlexNet's (missing layers, wrong attributes).
    Structure(String),
    /// The bytes cannot be read (truncated, not the claimed format).
    Corrupt(String),
    Unsupported(String),
    /// Neither ONNX nor safetensors.
    UnknownFormat,
}

impl fmt::Display for WeightsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WeightsError::Shape { layer, tensor, expected, found } => {
                write!(f, "{layer} {tensor} has shape {found}, but AlexNet's {layer} needs {expected}")?;
                if is_permutation(expected, found) {
                    // The usual cause: an exporter or a hand conversion that swapped axes.
                    f.write_str(" (the same sizes in another order: the tensor looks transposed)")?;
                }
                Ok(())
            }
            WeightsError::Structure(s) | WeightsError::Corrupt(s) | WeightsError::Unsupported(s) => f.write_str(s),
            WeightsError::UnknownFormat => f.write_str(
                "this file is neither an ONNX model nor a safetensors weights file (expected e.g. bvlcalexnet-12.onnx)",
            ),
        }
    }
}

impl std::error::Error for WeightsError {}

/// True when two shape strings such as `[96, 3, 11, 11]` and `[3, 96, 11, 11]` differ only in the order of their sizes.
fn is_permutation(a: &str, b: &str) -> bool {
    fn dims(s: &str) -> Vec<&str> {
        let mut v: Vec<&str> = s.split(|c: char| !c.is_ascii_digit()).filter(|t| !t.is_empty()).collect();
        v.sort_unstable();
        v
    }
    a != b && dims(a) == dims(b)
}

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

    fn new(layers: Vec<LayerWeights>, mut info: WeightsInfo) -> Weights {
        info.params = layers.iter().map(|l| l.weight_len() + l.bias.len()).sum();
        Weights { layers, info }
    }

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

    /// The weights of layer `id` (`conv1` … `fc8`).
    pub fn layer(&self, id: &str) -> Option<&LayerWeights> {
        PARAM_LAYERS.iter().position(|p| *p == id).and_then(|i| self.layers.get(i))
    }

    /// Checks every tensor's length against the spec (used by loaders that build `layers` themselves).
    pub(crate) fn checked(layers: Vec<LayerWeights>, info: WeightsInfo) -> Result<Weights, WeightsError> {
        let shapes = expected_shapes();
        if layers.len() != shapes.len() {
            return Err(WeightsError::Structure(format!("{} weighted layers, AlexNet has {}", layers.len(), shapes.len())));
        }
        for ((l, (ws, bs)), id) in layers.iter().zip(&shapes).zip(PARAM_LAYERS) {
            if l.weight_len() != ws.iter().product::<usize>() || l.bias.len() != bs[0] {
                return Err(WeightsError::Structure(format!("{id}: wrong number of values")));
            }
        }
        Ok(Weights::new(layers, info))
    }
}

/// A tensor found while parsing: where its values sit in the file (`offset` in bytes, `len` values, stored
/// little-endian exactly as the engine wants them), or a converted copy (f16 widened, a matrix transposed).
pub(crate) enum Plan<T> {
    InFile { offset: usize, len: usize },
    Owned(Vec<T>),
}

impl<T> Plan<T> {
    /// The plan for `data`, a slice of `file` holding `len` values that need no conversion.
    pub(crate) fn in_file(file: &[u8], data: &[u8], len: usize) -> Plan<T> {
        Plan::InFile { offset: data.as_ptr() as usize - file.as_ptr() as usize, len }
    }
}

/// One layer as planned by a loader; [`materialize`] makes it a [`LayerWeights`].
pub(crate) struct PlannedLayer {
    pub weight: Plan<f32>,
    pub bias: Plan<f32>,
    /// int8 rows and their per-row scales, for fc layers of an int8 file (then `weight` is an empty Owned).
    pub int8: Option<(Plan<i8>, Vec<f32>)>,
}

/// Where planned tensors are read from: a borrowed file (values are copied out) or an owned blob (values are
/// viewed in place, after [`Blob::align_spans`]).
pub(crate) enum Source<'a> {
    Bytes(&'a [u8]),
    Blob(Blob),
}

/// Little-endian element decoding for copies out of a file.
pub(crate) trait FromLe: blob::Element {
    const SIZE: usize;
    fn from_le(b: &[u8]) -> Self;
}
impl FromLe for f32 {
    const SIZE: usize = 4;
    fn from_le(b: &[u8]) -> f32 {
        f32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }
}
impl FromLe for i8 {
    const SIZE: usize = 1;
    fn from_le(b: &[u8]) -> i8 {
        b[0] as i8
    }
}

fn copy_out<T: FromLe>(bytes: &[u8], offset: usize, len: usize) -> Values<T> {
    bytes[offset..][..len * T::SIZE].chunks_exact(T::SIZE).map(T::from_le).collect()
}

/// Turns planned layers into layers. With a blob, every in-file tensor is aligned in place and viewed there
/// (the blob is shared by all of them and freed with the last); tensors that cannot be aligned are copied.
pub(crate) fn materialize(plans: Vec<PlannedLayer>, src: Source<'_>) -> Vec<LayerWeights> {
    let mut held = match src {
        Source::Bytes(bytes) => Held::Borrowed(bytes),
        Source::Blob(mut blob) => {
            // Every in-file span, in one list so that moving one never lands on another; `Held::take` hands the
            // placements out in this order (weight, bias, int8 rows, layer by layer).
            let mut spans = vec![];
            for l in &plans {
                for p in [&l.weight, &l.bias] {
                    if let Plan::InFile { offset, len } = p {
                        spans.push((*offset, len * 4, 4));
                    }
                }
                if let Some((Plan::InFile { offset, len }, _)) = &l.int8 {
                    spans.push((*offset, *len, 1));
                }
            }
            let placed = blob.align_spans(&spans);
            Held::Shared(std::sync::Arc::new(blob), placed.into_iter())
        }
    };
    plans
        .into_iter()
        .map(|l| {
            let (weight, bias) = (held.take(l.weight), held.take(l.bias));
            let int8 = l.int8.map(|(q, scale)| Int8Rows { q: held.take(q), scale });
            LayerWeights { int8, ..LayerWeights::new(weight, bias) }
        })
        .collect()
}

/// The file planned tensors come from: borrowed (values are copied out), or an aligned blob with one placement
/// per in-file span, in the order the spans were given to `align_spans`.
enum Held<'a> {
    Borrowed(&'a [u8]),
    Shared(std::sync::Arc<Blob>, std::vec::IntoIter<Option<usize>>),
}

impl Held<'_> {
    fn take<T: FromLe>(&mut self, p: Plan<T>) -> Values<T> {
        match (p, self) {
            (Plan::Owned(v), _) => Values::from(v),
            (Plan::InFile { offset, len }, Held::Borrowed(bytes)) => copy_out::<T>(bytes, offset, len),
            (Plan::InFile { offset, len }, Held::Shared(blob, placed)) => {
                let to = placed.next().expect("one placement per in-file span");
                to.and_then(|to| Values::shared(blob, to, len))
                    // Not movable (or a big-endian host): the bytes are still at their original offset.
                    .unwrap_or_else(|| copy_out::<T>(blob.bytes(), offset, len))
            }
        }
    }
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
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
