//! What a set of weights is and where it came from, as the CLI prints it and the page shows it.

use super::provenance::{self, LoadContext, Origin, VouchedBy};
use serde::Serialize;

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
    pub(crate) fn of_file(
        format: &str,
        dtype: &str,
        len: usize,
        ctx: &LoadContext<'_>,
        computed: Option<String>,
    ) -> WeightsInfo {
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
    pub(crate) fn seeded(seed: u64) -> WeightsInfo {
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
