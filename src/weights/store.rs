//! The compact runtime weights format: a safetensors container holding f32, f16, or int8 with per-output-channel scales.
//!
//! Tensors are named `<layer>.weight` (`[c_out, c_in/groups, k, k]` or `[n_out, n_in]`), `<layer>.bias` (`[c_out]`,
//! always f32) and, for int8, `<layer>.weight_scale` (`[c_out]` f32: w ≈ q · scale). The header's metadata records
//! the storage dtype and where the weights came from (`source_sha256` of the ONNX file they were converted from).

use super::{expected_shapes, materialize, Blob, LayerWeights, Plan, PlannedLayer, Source, Weights, WeightsError};
use crate::spec::PARAM_LAYERS;
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use std::collections::HashMap;

/// Storage precision of a compact weights file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreDtype {
    F32,
    F16,
    Int8,
}

impl StoreDtype {
    pub fn parse(s: &str) -> Option<StoreDtype> {
        match s {
            "f32" => Some(StoreDtype::F32),
            "f16" => Some(StoreDtype::F16),
            "int8" => Some(StoreDtype::Int8),
            _ => None,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            StoreDtype::F32 => "f32",
            StoreDtype::F16 => "f16",
            StoreDtype::Int8 => "int8",
        }
    }
}

/// Symmetric int8 per output row: scale = max|w_row| / 127, q = round(w / scale). Returns `(q, scales)`.
pub fn quantize_rows(w: &[f32], rows: usize) -> (Vec<i8>, Vec<f32>) {
    let per = w.len() / rows;
    let mut q = Vec::with_capacity(w.len());
    let mut scales = Vec::with_capacity(rows);
    for row in w.chunks_exact(per) {
        let m = row.iter().fold(0f32, |m, v| m.max(v.abs()));
        let s = if m > 0.0 { m / 127.0 } else { 1.0 };
        scales.push(s);
        q.extend(row.iter().map(|v| (v / s).round().clamp(-127.0, 127.0) as i8));
    }
    (q, scales)
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Serialises `w` at `dtype`; `source_sha256` is the hash of the ONNX file the weights came from, if any. Both
/// are recorded for people reading the file; no loader trusts them.
pub fn write(
    w: &Weights,
    dtype: StoreDtype,
    source: &str,
    source_sha256: Option<&str>,
) -> Result<Vec<u8>, WeightsError> {
    let mut owned: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = vec![];
    for ((id, l), (ws, bs)) in PARAM_LAYERS.iter().zip(&w.layers).zip(expected_shapes()) {
        let weight = l.weights_f32();
        match dtype {
            StoreDtype::F32 => owned.push((format!("{id}.weight"), Dtype::F32, ws.clone(), f32_bytes(&weight))),
            StoreDtype::F16 => {
                let b = weight.iter().flat_map(|x| half::f16::from_f32(*x).to_le_bytes()).collect();
                owned.push((format!("{id}.weight"), Dtype::F16, ws.clone(), b));
            }
            StoreDtype::Int8 => {
                let (q, s) = quantize_rows(&weight, ws[0]);
                owned.push((format!("{id}.weight"), Dtype::I8, ws.clone(), q.iter().map(|&v| v as u8).collect()));
                owned.push((format!("{id}.weight_scale"), Dtype::F32, vec![ws[0]], f32_bytes(&s)));
            }
        }
        owned.push((format!("{id}.bias"), Dtype::F32, bs.clone(), f32_bytes(&l.bias)));
    }
    let mut views = vec![];
    for (name, dt, shape, bytes) in &owned {
        let v = TensorView::new(*dt, shape.clone(), bytes).map_err(|e| WeightsError::Corrupt(e.to_string()))?;
        views.push((name.clone(), v));
    }
    let mut meta = HashMap::new();
    meta.insert("format".to_string(), "alexnet-explainer/1".to_string());
    meta.insert("dtype".to_string(), dtype.name().to_string());
    meta.insert("source".to_string(), source.to_string());
    if let Some(h) = source_sha256 {
        meta.insert("source_sha256".to_string(), h.to_string());
    }
    safetensors::serialize(views, Some(meta)).map_err(|e| WeightsError::Corrupt(e.to_string()))
}

fn shape_str(s: &[usize]) -> String {
    format!("[{}]", s.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", "))
}

fn tensor<'a>(
    st: &'a SafeTensors<'a>,
    layer: &str,
    name: &str,
    want: &[usize],
) -> Result<TensorView<'a>, WeightsError> {
    let t = st
        .tensor(name)
        .map_err(|_| WeightsError::Structure(format!("the file has no tensor {name} (needed for {layer})")))?;
    if t.shape() != want {
        return Err(WeightsError::Shape {
            layer: layer.into(),
            tensor: name.into(),
            expected: shape_str(want),
            found: shape_str(t.shape()),
        });
    }
    Ok(t)
}

fn as_f32(layer: &str, t: &TensorView<'_>) -> Result<Vec<f32>, WeightsError> {
    let d = t.data();
    match t.dtype() {
        Dtype::F32 => Ok(d.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()),
        Dtype::F16 => Ok(d.chunks_exact(2).map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32()).collect()),
        other => Err(WeightsError::Unsupported(format!("{layer}: dtype {other:?} where f32 or f16 was expected"))),
    }
}

/// Plans a tensor as f32: f32 data stays in the file (`file` is the whole file, for offsets), f16 is widened.
fn plan_f32(file: &[u8], layer: &str, t: &TensorView<'_>) -> Result<Plan<f32>, WeightsError> {
    match t.dtype() {
        Dtype::F32 => Ok(Plan::in_file(file, t.data(), t.data().len() / 4)),
        _ => as_f32(layer, t).map(Plan::Owned),
    }
}

/// A message for people about a safetensors file the reader refused, saying whether it looks cut short.
fn describe_safetensors_error(e: &safetensors::SafeTensorError, bytes: &[u8]) -> String {
    use safetensors::SafeTensorError as E;
    let claimed = bytes.get(..8).map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()));
    let detail = match (e, claimed) {
        (E::HeaderTooLarge, Some(n)) => {
            format!(
                "its header claims {n} bytes, more than any safetensors header may have (the file holds {})",
                bytes.len()
            )
        }
        (E::InvalidHeaderLength, Some(n)) if n > bytes.len() as u64 => {
            format!("the file is truncated: its header claims {n} bytes, but the whole file holds {}", bytes.len())
        }
        (E::MetadataIncompleteBuffer, _) => {
            format!("the file is truncated: its tensors need more bytes than the {} it holds", bytes.len())
        }
        (E::HeaderTooSmall, _) => "the file is too short to be one".to_string(),
        _ => e.to_string(),
    };
    format!("not a readable safetensors file: {detail}")
}

/// Reads a compact weights file (and nothing else), checking every tensor against the spec. Its metadata is
/// informational only: whether the weights are the trained ones is decided by [`super::provenance`].
pub fn read(bytes: &[u8]) -> Result<Weights, WeightsError> {
    if super::sniff(bytes) != Some(super::Format::Safetensors) {
        return Err(WeightsError::Corrupt(describe_safetensors_error(
            &safetensors::SafeTensorError::HeaderTooSmall,
            bytes,
        )));
    }
    Weights::from_bytes(bytes)
}

/// The layers of a compact weights file, copied out of `bytes`, and the file's storage dtype.
pub(crate) fn read_layers(bytes: &[u8]) -> Result<(Vec<LayerWeights>, &'static str), WeightsError> {
    let (plans, dtype) = plan(bytes)?;
    Ok((materialize(plans, Source::Bytes(bytes)), dtype))
}

/// [`read_layers`] from a file held in a blob: f32 tensors and int8 rows are viewed in place, not copied.
pub(crate) fn read_blob(blob: Blob) -> Result<(Vec<LayerWeights>, &'static str), WeightsError> {
    let (plans, dtype) = plan(blob.bytes())?;
    Ok((materialize(plans, Source::Blob(blob)), dtype))
}

/// Parses and checks the file. The safetensors reader bounds the header (100 MB) and every offset by the
/// buffer's length, so a hostile header cannot make us allocate.
fn plan(bytes: &[u8]) -> Result<(Vec<PlannedLayer>, &'static str), WeightsError> {
    let st =
        SafeTensors::deserialize(bytes).map_err(|e| WeightsError::Corrupt(describe_safetensors_error(&e, bytes)))?;
    let mut layers = vec![];
    let mut dtype = "f32";
    for (id, (ws, bs)) in PARAM_LAYERS.iter().zip(expected_shapes()) {
        let wt = tensor(&st, id, &format!("{id}.weight"), &ws)?;
        let mut int8 = None;
        let weight = if wt.dtype() == Dtype::I8 {
            dtype = "int8";
            let sname = format!("{id}.weight_scale");
            let s = st.tensor(&sname).map_err(|_| {
                WeightsError::Structure(format!("{id}.weight is int8 but its per-channel scale {sname} is missing"))
            })?;
            if s.shape() != [ws[0]] {
                return Err(WeightsError::Shape {
                    layer: id.to_string(),
                    tensor: sname,
                    expected: shape_str(&[ws[0]]),
                    found: shape_str(s.shape()),
                });
            }
            let scales = as_f32(id, &s)?;
            if crate::spec::layer(id).is_some_and(|l| l.kind == crate::spec::Kind::Fc) {
                // The fc layers stay int8, viewed in the file: the forward pass streams 1 byte per weight (fc6:
                // 37.7 MB instead of 151 MB per image), and no f32 copy is made.
                int8 = Some((Plan::in_file(bytes, wt.data(), wt.data().len()), scales));
                Plan::Owned(Vec::new())
            } else {
                let per = wt.data().len() / ws[0];
                Plan::Owned(
                    wt.data()
                        .chunks_exact(per)
                        .zip(&scales)
                        .flat_map(|(row, &sc)| row.iter().map(move |&q| q as i8 as f32 * sc))
                        .collect(),
                )
            }
        } else {
            if wt.dtype() == Dtype::F16 {
                dtype = "f16";
            }
            plan_f32(bytes, id, &wt)?
        };
        let bias = plan_f32(bytes, id, &tensor(&st, id, &format!("{id}.bias"), &bs)?)?;
        layers.push(PlannedLayer { weight, bias, int8 });
    }
    Ok((layers, dtype))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_each_dtype() {
        let w = Weights::untrained(3);
        for dt in [StoreDtype::F32, StoreDtype::F16, StoreDtype::Int8] {
            let bytes = write(&w, dt, "test", None).unwrap();
            let r = read(&bytes).unwrap();
            assert_eq!(r.info.dtype, dt.name());
            assert!(!r.info.trained);
            for (a, b) in r.layers.iter().zip(&w.layers) {
                assert_eq!(a.bias, b.bias);
                let (aw, bw) = (a.weights_f32(), b.weights_f32());
                let e = crate::tensor::max_rel_err(&aw, &bw);
                let tol = match dt {
                    StoreDtype::F32 => 0.0,
                    StoreDtype::F16 => 1e-3,
                    StoreDtype::Int8 => 1.0 / 254.0 + 1e-6,
                };
                assert!(e <= tol, "{dt:?}: {e}");
            }
        }
    }

    #[test]
    fn metadata_naming_the_zoo_hash_is_not_trusted() {
        // A file of random weights whose metadata claims to be converted from the Zoo's file.
        let zoo = super::super::zoo::PRIMARY;
        let bytes = write(&Weights::untrained(5), StoreDtype::Int8, "bvlcalexnet-12.onnx", Some(zoo.sha256)).unwrap();
        let w = read(&bytes).unwrap();
        assert!(!w.info.trained);
        assert!(w.info.trained_tensors.is_empty());
        assert_eq!(w.info.origin, super::super::Origin::File);
        assert!(w.info.source.contains("not verified"), "{}", w.info.source);
    }

    #[test]
    fn truncated_and_hostile_files_are_errors() {
        let bytes = write(&Weights::untrained(1), StoreDtype::Int8, "t", None).unwrap();
        for cut in [0, 7, 9, 100, bytes.len() / 2, bytes.len() - 1] {
            assert!(read(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        // A header that claims 100 GB.
        let mut h = (100u64 << 30).to_le_bytes().to_vec();
        h.extend_from_slice(b"{}");
        assert!(matches!(read(&h), Err(WeightsError::Corrupt(_))));
    }

    #[test]
    fn int8_without_scale_names_the_problem() {
        let w = Weights::untrained(1);
        let (q, _) = quantize_rows(&w.layers[0].weight, 96);
        let qb: Vec<u8> = q.iter().map(|&v| v as u8).collect();
        let b = f32_bytes(&w.layers[0].bias);
        let views = vec![
            ("conv1.weight".to_string(), TensorView::new(Dtype::I8, vec![96, 3, 11, 11], &qb).unwrap()),
            ("conv1.bias".to_string(), TensorView::new(Dtype::F32, vec![96], &b).unwrap()),
        ];
        let bytes = safetensors::serialize(views, None).unwrap();
        let e = read(&bytes).unwrap_err().to_string();
        assert!(e.contains("conv1.weight_scale"), "{e}");
    }
}
