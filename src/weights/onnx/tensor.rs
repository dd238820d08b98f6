//! One weight or bias tensor as the file stores it: checked against the shape AlexNet needs, then decoded (or
//! viewed in place) into the engine's layout, dequantised on the way when it is stored quantised.

use super::super::protobuf::{push_varints, Value};
use super::super::{Plan, WeightsError};
use super::graph::RawTensor;

/// ONNX TensorProto data types.
pub(super) const FLOAT: i64 = 1;
pub(super) const UINT8: i64 = 2;
pub(super) const INT8: i64 = 3;
pub(super) const UINT16: i64 = 4;
pub(super) const INT16: i64 = 5;
pub(super) const INT32: i64 = 6;
pub(super) const INT64: i64 = 7;
pub(super) const FLOAT16: i64 = 10;

/// Per-tensor or per-axis dequantisation: value = (q − zero[c]) · scale[c], c the index along `axis` of the stored
/// tensor (one scale and zero point for the whole tensor when they have one element).
pub(super) struct Quant {
    pub scale: Vec<f32>,
    pub zero: Vec<i64>,
    pub axis: usize,
}

/// A weight or bias as found in the graph, not yet decoded. `name` is what messages call it (the value's name,
/// which for a Constant node's tensor is not the tensor's own).
pub(super) struct Stored<'a> {
    pub name: String,
    pub t: &'a RawTensor<'a>,
    pub quant: Option<Quant>,
}

pub(super) fn shape_str(s: &[i64]) -> String {
    format!("[{}]", s.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", "))
}

/// The number of elements `dims` declares, or `None` for negative or overflowing dims.
pub(super) fn numel(dims: &[i64]) -> Option<usize> {
    dims.iter().try_fold(1usize, |n, &d| usize::try_from(d).ok().and_then(|d| n.checked_mul(d)))
}

/// A tensor's values, readable by index without decoding the whole tensor when they are `raw_data`.
enum Elems<'a> {
    F32(&'a [u8]),
    F16(&'a [u8]),
    /// Little-endian integers of `size` bytes, sign-extended when `signed`.
    Int {
        raw: &'a [u8],
        size: usize,
        signed: bool,
    },
    Floats(Vec<f32>),
    Ints(Vec<i64>),
}

impl Elems<'_> {
    fn float(&self, i: usize) -> f32 {
        match self {
            Elems::F32(b) => f32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]]),
            Elems::F16(b) => half::f16::from_le_bytes([b[2 * i], b[2 * i + 1]]).to_f32(),
            Elems::Floats(v) => v[i],
            Elems::Int { .. } | Elems::Ints(_) => self.int(i) as f32,
        }
    }

    fn int(&self, i: usize) -> i64 {
        match self {
            Elems::Int { raw, size, signed } => {
                let mut b = [0u8; 8];
                b[..*size].copy_from_slice(&raw[i * size..][..*size]);
                let v = u64::from_le_bytes(b);
                let shift = 64 - 8 * *size as u32;
                if *signed {
                    ((v << shift) as i64) >> shift
                } else {
                    v as i64
                }
            }
            Elems::Ints(v) => v[i],
            _ => self.float(i) as i64,
        }
    }
}

/// How many values a packed varint field holds (each ends with a byte below 0x80), or `None` if one is cut off.
fn varint_count(p: &[u8]) -> Option<usize> {
    (p.last().is_none_or(|&b| b < 0x80)).then(|| p.iter().filter(|&&b| b < 0x80).count())
}

impl<'a> RawTensor<'a> {
    /// The number of values the tensor holds, whatever field they are in (checked against its dims by callers).
    pub fn stored_len(&self) -> Option<usize> {
        if let Some(raw) = self.raw {
            let size = match self.data_type {
                FLOAT | INT32 => 4,
                FLOAT16 | INT16 | UINT16 => 2,
                INT8 | UINT8 => 1,
                INT64 => 8,
                _ => return None,
            };
            return (raw.len() % size == 0).then_some(raw.len() / size);
        }
        if self.data_type == FLOAT {
            let bytes: usize = self.floats_packed.iter().map(|p| p.len()).sum();
            return (bytes % 4 == 0).then_some(bytes / 4 + self.floats_single.len());
        }
        let packed = self.ints_packed.iter().map(|p| varint_count(p)).sum::<Option<usize>>()?;
        Some(packed + self.ints_single.len())
    }

    /// Random access to the values; call only after [`RawTensor::stored_len`] matched the dims, since typed
    /// fields are decoded here (bounded by their size in the file).
    fn elems(&self) -> Elems<'a> {
        match (self.raw, self.data_type) {
            (Some(raw), FLOAT) => Elems::F32(raw),
            (Some(raw), FLOAT16) => Elems::F16(raw),
            (Some(raw), dt) => {
                let (size, signed) = match dt {
                    INT8 => (1, true),
                    UINT8 => (1, false),
                    INT16 => (2, true),
                    UINT16 => (2, false),
                    INT64 => (8, true),
                    _ => (4, true),
                };
                Elems::Int { raw, size, signed }
            }
            (None, FLOAT) => {
                let mut v: Vec<f32> = self
                    .floats_packed
                    .iter()
                    .flat_map(|p| p.chunks_exact(4))
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect();
                v.extend(self.floats_single.iter().map(|&x| f32::from_bits(x)));
                Elems::Floats(v)
            }
            (None, dt) => {
                let mut v = vec![];
                for p in &self.ints_packed {
                    // Cannot fail: stored_len checked every varint is complete.
                    let _ = push_varints(Value::Bytes(p), &mut v);
                }
                v.extend(&self.ints_single);
                if dt == FLOAT16 {
                    // int32_data holds float16 as its 16 bits.
                    Elems::Floats(v.into_iter().map(|b| half::f16::from_bits(b as u16).to_f32()).collect())
                } else {
                    // int32_data holds negative int32 values as 64-bit two's complement varints.
                    Elems::Ints(v.into_iter().map(|x| if dt == INT64 { x } else { x as i32 as i64 }).collect())
                }
            }
        }
    }

    /// All values as f32 (scales); all values as integers (zero points, shapes). For small tensors only: callers
    /// check the element count first.
    pub fn floats(&self) -> Vec<f32> {
        let e = self.elems();
        (0..self.stored_len().unwrap_or(0)).map(|i| e.float(i)).collect()
    }
    pub fn ints(&self) -> Vec<i64> {
        let e = self.elems();
        (0..self.stored_len().unwrap_or(0)).map(|i| e.int(i)).collect()
    }
}

impl Stored<'_> {
    /// Checks dims (against `want`, the stored layout), type, storage and data length, so that [`Stored::plan`]
    /// can only succeed; nothing is decoded.
    pub fn check(&self, id: &str, role: &str, want: &[i64]) -> Result<(), WeightsError> {
        let (t, name) = (self.t, &self.name);
        if t.dims != want {
            return Err(WeightsError::Shape {
                layer: id.into(),
                tensor: format!("{role} ({name})"),
                expected: shape_str(want),
                found: shape_str(&t.dims),
            });
        }
        if t.external {
            return Err(WeightsError::Unsupported(format!(
                "{id} {role} ({name}) is stored as external data; re-export the model with the weights embedded"
            )));
        }
        let ok_type = match self.quant {
            None => matches!(t.data_type, FLOAT | FLOAT16),
            Some(_) => matches!(t.data_type, INT8 | UINT8 | INT16 | UINT16 | INT32),
        };
        if !ok_type {
            let how = if self.quant.is_some() { "is quantised as" } else { "has" };
            return Err(WeightsError::Unsupported(format!(
                "{id} {role} ({name}) {how} ONNX data type {}; only float32 and float16 (or int8, uint8 and int32 through DequantizeLinear or QLinear nodes) are supported",
                t.data_type
            )));
        }
        let n = numel(want).unwrap_or(0);
        if t.stored_len() != Some(n) {
            let held = t.raw.map_or_else(|| "the wrong number of values".to_string(), |r| format!("{} bytes", r.len()));
            return Err(WeightsError::Corrupt(format!(
                "{id} {role} ({name}) holds {held}, {n} values expected for {}",
                shape_str(want)
            )));
        }
        if let Some(q) = &self.quant {
            let channels = t.dims.get(q.axis).copied().unwrap_or(1) as usize;
            for (what, len) in [("scales", q.scale.len()), ("zero points", q.zero.len())] {
                if len != 1 && len != channels {
                    return Err(WeightsError::Structure(format!(
                        "{id} {role} ({name}) has {len} {what}; one, or one per channel ({channels}), expected"
                    )));
                }
            }
        }
        Ok(())
    }

    /// Float32 `raw_data` in the engine's layout stays in the file; everything else becomes a copy: float16
    /// widened, quantised values dequantised, and a stored `[rows, cols]` matrix transposed when `transposed` is
    /// `Some((rows, cols))` (the engine wants `[cols, rows]`, one row per output).
    pub fn plan(&self, file: &[u8], transposed: Option<(usize, usize)>) -> Plan<f32> {
        let t = self.t;
        let n = numel(&t.dims).unwrap_or(0);
        if let (None, None, FLOAT, Some(raw)) = (&self.quant, transposed, t.data_type, t.raw) {
            return Plan::in_file(file, raw, n);
        }
        let e = match (t.elems(), &self.quant, transposed) {
            // float_data is decoded in the right order already.
            (Elems::Floats(v), None, None) => return Plan::Owned(v),
            (e, ..) => e,
        };
        let dims = &t.dims;
        // Each arm is its own loop with the element type known, so the one with 37.7 million int8 or float16
        // values (fc6) is not a type dispatch per value.
        let out = match (&self.quant, &e) {
            (None, Elems::F32(b)) => gather(dims, 0, transposed, |i, _| {
                f32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]])
            }),
            (None, Elems::F16(b)) => {
                gather(dims, 0, transposed, |i, _| half::f16::from_le_bytes([b[2 * i], b[2 * i + 1]]).to_f32())
            }
            (None, _) => gather(dims, 0, transposed, |i, _| e.float(i)),
            (Some(q), Elems::Int { raw, size: 1, signed: true }) => {
                dequantise(dims, q, transposed, |i| raw[i] as i8 as i64)
            }
            (Some(q), Elems::Int { raw, size: 1, signed: false }) => dequantise(dims, q, transposed, |i| raw[i] as i64),
            (Some(q), _) => dequantise(dims, q, transposed, |i| e.int(i)),
        };
        Plan::Owned(out)
    }
}

/// `(q(i) − zero) · scale` for every element, per channel along `q.axis` (index 0 of a one-value scale or zero
/// point serves every channel).
fn dequantise(dims: &[i64], q: &Quant, transposed: Option<(usize, usize)>, int: impl Fn(usize) -> i64) -> Vec<f32> {
    let (zs, ss) = (usize::from(q.zero.len() > 1), usize::from(q.scale.len() > 1));
    gather(dims, q.axis, transposed, |i, c| int(i).saturating_sub(q.zero[c * zs]) as f32 * q.scale[c * ss])
}

/// Every element's `value(i, c)` in the engine's order, `i` its index in the stored tensor and `c` its index along
/// `axis` (its channel). Stored order, or a stored `[rows, cols]` matrix transposed into `[cols, rows]` when
/// `transposed` is `Some((rows, cols))`, in 64×64 tiles so that neither reads nor writes stride through all of fc6.
fn gather(
    dims: &[i64],
    axis: usize,
    transposed: Option<(usize, usize)>,
    value: impl Fn(usize, usize) -> f32,
) -> Vec<f32> {
    let n = numel(dims).unwrap_or(0);
    let Some((rows, cols)) = transposed else {
        // Stored order is [outer, channels, inner]: walking it in nested loops knows each channel without dividing.
        let size = |d: Option<&[i64]>| d.map_or(1, |d| numel(d).unwrap_or(0));
        let (outer, channels, inner) =
            (size(dims.get(..axis)), size(dims.get(axis..=axis)), size(dims.get(axis + 1..)));
        let mut out = Vec::with_capacity(n);
        for o in 0..outer {
            for c in 0..channels {
                let base = (o * channels + c) * inner;
                out.extend((base..base + inner).map(|i| value(i, c)));
            }
        }
        return out;
    };
    const TILE: usize = 64;
    let mut out = vec![0f32; n];
    for r0 in (0..rows).step_by(TILE) {
        for c0 in (0..cols).step_by(TILE) {
            for r in r0..(r0 + TILE).min(rows) {
                for c in c0..(c0 + TILE).min(cols) {
                    out[c * rows + r] = value(r * cols + c, if axis == 0 { r } else { c });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_of_every_width_and_sign() {
        let raw = [0xff, 0x80, 0x01, 0x00];
        let e = Elems::Int { raw: &raw, size: 1, signed: true };
        assert_eq!((0..4).map(|i| e.int(i)).collect::<Vec<_>>(), vec![-1, -128, 1, 0]);
        let e = Elems::Int { raw: &raw, size: 1, signed: false };
        assert_eq!((0..4).map(|i| e.int(i)).collect::<Vec<_>>(), vec![255, 128, 1, 0]);
        let e = Elems::Int { raw: &raw, size: 2, signed: true };
        assert_eq!((0..2).map(|i| e.int(i)).collect::<Vec<_>>(), vec![-32513, 1]);
        let e = Elems::Int { raw: &[0xfe, 0xff, 0xff, 0xff], size: 4, signed: true };
        assert_eq!(e.int(0), -2);
    }

    #[test]
    fn transposing_gather_matches_the_naive_loop() {
        let (rows, cols) = (70, 130);
        let dims = [rows as i64, cols as i64];
        for axis in [0, 1] {
            let got = gather(&dims, axis, Some((rows, cols)), |i, ch| (i * 1000 + ch) as f32);
            let plain = gather(&dims, axis, None, |i, ch| (i * 1000 + ch) as f32);
            for r in 0..rows {
                for c in 0..cols {
                    let (i, ch) = (r * cols + c, if axis == 0 { r } else { c });
                    assert_eq!(got[c * rows + r], (i * 1000 + ch) as f32);
                    assert_eq!(plain[i], (i * 1000 + ch) as f32);
                }
            }
        }
    }

    #[test]
    fn typed_int32_data_holds_negative_values_and_float16_bits() {
        // int32_data [-3, 7] as varints: -3 is ten bytes of sign-extended two's complement.
        let mut packed = vec![0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x07];
        let t = RawTensor { dims: vec![2], data_type: INT8, ints_packed: vec![&packed], ..Default::default() };
        assert_eq!(t.stored_len(), Some(2));
        assert_eq!(t.ints(), vec![-3, 7]);
        packed.truncate(5);
        let cut = RawTensor { dims: vec![2], data_type: INT8, ints_packed: vec![&packed], ..Default::default() };
        assert_eq!(cut.stored_len(), None, "a varint cut off is not a value");
        let one = half::f16::from_f32(1.5).to_bits() as i64;
        let h = RawTensor { dims: vec![1], data_type: FLOAT16, ints_single: vec![one], ..Default::default() };
        assert_eq!(h.floats(), vec![1.5]);
    }
}
