//! From parsed tensors to layers: a loader plans where each tensor's values are (in the file, or a converted copy),
//! then [`materialize`] copies them out of borrowed bytes or views them in place in an aligned [`Blob`].

use super::blob::{self, Blob, Values};
use super::{Int8Rows, LayerWeights, Layout};
use crate::ops::panels;

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

/// Turns planned layers (in `PARAM_LAYERS` order) into layers. With a blob, every in-file tensor is aligned in place
/// and viewed there (the blob is shared by all of them and freed with the last); tensors that cannot be aligned
/// are copied. An fc matrix viewed in the blob is put into panels there first ([`crate::ops::panels`]), so it stays
/// held once; every other fc matrix is put into panels by `Weights::new`.
pub(crate) fn materialize(plans: Vec<PlannedLayer>, src: Source<'_>) -> Vec<LayerWeights> {
    // Per layer, the inputs of an fc matrix (`[n_out, n_in]`), from the spec; `None` for conv layers.
    let fc_in: Vec<Option<usize>> =
        super::expected_shapes().into_iter().map(|(ws, _)| (ws.len() == 2).then(|| ws[1])).collect();
    let mut panelled = vec![false; plans.len()];
    let mut held = match src {
        Source::Bytes(bytes) => Held::Borrowed(bytes),
        Source::Blob(mut blob) => {
            // Every in-file span, in one list so that moving one never lands on another; `Held::take` hands the
            // placements out in this order (weight, bias, int8 rows, layer by layer).
            let mut spans = vec![];
            let mut fc_spans = vec![];
            for (i, l) in plans.iter().enumerate() {
                if let Plan::InFile { len, .. } = &l.weight {
                    if let Some(Some(n_in)) = fc_in.get(i) {
                        fc_spans.push((i, spans.len(), *len, *n_in));
                    }
                }
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
            for (layer, span, len, n_in) in fc_spans {
                // A matrix of the wrong size is left alone: `Weights::checked` refuses the file.
                if let Some(m) = placed[span].and_then(|to| blob.f32s_mut(to, len)).filter(|m| m.len() % n_in == 0) {
                    panels::to_panels_in_place(m, n_in);
                    panelled[layer] = true;
                }
            }
            Held::Shared(std::sync::Arc::new(blob), placed.into_iter())
        }
    };
    plans
        .into_iter()
        .zip(panelled)
        .zip(fc_in)
        .map(|((l, panelled), fc_in)| {
            let (weight, bias) = (held.take(l.weight), held.take(l.bias));
            let int8 = l.int8.map(|(q, scale)| Int8Rows { q: held.take(q), scale });
            let layout = match fc_in {
                Some(n_in) if panelled => Layout::Panels { n_in },
                _ => Layout::Rows,
            };
            LayerWeights { int8, layout, ..LayerWeights::new(weight, bias) }
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
