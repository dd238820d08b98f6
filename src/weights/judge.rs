//! Judging a weights file from its size and first bytes, before the rest of it is read or any memory is reserved.
//!
//! The page and the CLI both ask here first: a 5 GB file, a file of zeros, or a safetensors header that claims a
//! 100 GB tensor is refused from its size and its head, with the same message on both.

use super::{sniff, Format, WeightsError};

/// The largest weights file accepted. AlexNet in float32 is 244 MB (an ONNX file with `float_data` instead of
/// `raw_data` is at most ~25 % larger), so anything much bigger cannot be AlexNet's weights.
pub const MAX_FILE_BYTES: usize = 400_000_000;

/// How much of a file [`judge_head`] wants to see: every header of the formats we read fits (a safetensors
/// header for AlexNet is ~1.5 KB; an ONNX model's graph starts within its first few hundred bytes).
pub const HEAD_BYTES: usize = 64 << 10;

/// The safetensors reader's own bound on a header (100 MB).
const MAX_SAFETENSORS_HEADER: u64 = 100_000_000;

/// The message for a file too big to be AlexNet's weights (`len` in bytes).
pub fn too_big_message(len: f64) -> String {
    format!(
        "this file is {:.0} MB; AlexNet's weights take 244 MB in float32, and the largest weights file accepted is {} MB, \
         so it cannot be AlexNet's weights.",
        len / 1e6,
        MAX_FILE_BYTES / 1_000_000
    )
}

/// The message for a safetensors file whose tensors reach past its end.
pub(crate) fn truncated_message(total: u64) -> String {
    format!(
        "not a readable safetensors file: the file is truncated: its tensors need more bytes than the {total} it holds"
    )
}

/// Judges a file of `total` bytes from its first bytes `head` (at most [`HEAD_BYTES`] are looked at): its size,
/// its format, and whether the header it starts with can describe a file of that size.
pub fn judge_head(head: &[u8], total: u64) -> Result<Format, WeightsError> {
    if total > MAX_FILE_BYTES as u64 {
        return Err(WeightsError::Unsupported(too_big_message(total as f64)));
    }
    let head = &head[..head.len().min(HEAD_BYTES).min(total as usize)];
    match sniff(head) {
        Some(Format::Safetensors) => judge_safetensors(head, total).map(|_| Format::Safetensors),
        Some(Format::Onnx) => judge_onnx(head, total).map(|_| Format::Onnx),
        None => Err(WeightsError::UnknownFormat),
    }
}

fn judge_safetensors(head: &[u8], total: u64) -> Result<(), WeightsError> {
    let n = u64::from_le_bytes(head[..8].try_into().unwrap_or_default());
    if n > MAX_SAFETENSORS_HEADER {
        return Err(WeightsError::Corrupt(format!(
            "not a readable safetensors file: its header claims {n} bytes, more than any safetensors header may have (the file holds {total})"
        )));
    }
    if 8 + n > total {
        return Err(WeightsError::Corrupt(format!(
            "not a readable safetensors file: the file is truncated: its header claims {n} bytes, but the whole file holds {total}"
        )));
    }
    let Some(json) = head.get(8..8 + n as usize) else {
        // The header is longer than the head we were shown: the full reader checks it.
        return Ok(());
    };
    let header: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(json).map_err(|e| {
        WeightsError::Corrupt(format!("not a readable safetensors file: its header is not valid JSON ({e})"))
    })?;
    // Offsets are read as u64 on every platform: on wasm32 a usize parse of a 100 GB offset fails with a message
    // about integer types instead of saying what is wrong with the file.
    let mut end = 0u64;
    for (name, t) in &header {
        if name == "__metadata__" {
            continue;
        }
        let offsets = t.get("data_offsets").and_then(|o| o.as_array());
        let pair = offsets.and_then(|o| Some((o.first()?.as_u64()?, o.get(1)?.as_u64()?)));
        match pair {
            Some((a, b)) if a <= b => end = end.max(b),
            _ => {
                return Err(WeightsError::Corrupt(format!(
                    "not a readable safetensors file: tensor {name} has no valid data_offsets"
                )))
            }
        }
    }
    if 8 + n + end > total {
        return Err(WeightsError::Corrupt(truncated_message(total)));
    }
    Ok(())
}

/// A varint at `pos`: its value and the position after it, or `None` when the bytes end first.
fn varint(b: &[u8], mut pos: usize) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for i in 0..10 {
        let byte = *b.get(pos)?;
        pos += 1;
        v |= ((byte & 0x7f) as u64) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((v, pos));
        }
    }
    None
}

/// Walks the top-level fields of an ONNX `ModelProto` as far as the head goes: every field must be framed like
/// protobuf, none may claim more bytes than the file has, and a whole file must hold a graph (field 7).
fn judge_onnx(head: &[u8], total: u64) -> Result<(), WeightsError> {
    let bad = |what: String| WeightsError::Corrupt(format!("not a readable ONNX file ({what})"));
    let whole = head.len() as u64 == total;
    let cut = |at: usize| if whole { Err(bad(format!("the file ends inside a field at byte {at}"))) } else { Ok(()) };
    let mut seen_graph = false;
    let mut pos = 0usize;
    while pos < head.len() {
        let at = pos;
        let Some((key, p)) = varint(head, pos) else { return cut(at) };
        pos = p;
        let field = key >> 3;
        if field == 0 || field > 100 {
            return Err(bad(format!("field number {field} at byte {at} is not part of an ONNX model")));
        }
        let next = match key & 7 {
            0 => match varint(head, pos) {
                Some((_, p)) => p as u64,
                None => return cut(at),
            },
            1 => pos as u64 + 8,
            5 => pos as u64 + 4,
            2 => {
                let Some((n, p)) = varint(head, pos) else { return cut(at) };
                let end = (p as u64).saturating_add(n);
                if end > total {
                    return Err(bad(format!("a field at byte {at} claims {end} bytes, but the file holds {total}")));
                }
                seen_graph |= field == 7;
                end
            }
            w => return Err(bad(format!("wire type {w} at byte {at}: not a protobuf file"))),
        };
        if next > head.len() as u64 {
            // The field runs on past the head; it fits the file, and the full reader checks the rest.
            if next > total {
                return Err(bad(format!("a field at byte {at} runs past the end of the file")));
            }
            break;
        }
        pos = next as usize;
    }
    if whole && !seen_graph {
        return Err(WeightsError::Corrupt("not an ONNX model: it has no graph".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn safetensors_with_offsets(end: u64) -> Vec<u8> {
        let json = format!(r#"{{"conv1.weight":{{"dtype":"F32","shape":[1],"data_offsets":[0,{end}]}}}}"#);
        let mut b = (json.len() as u64).to_le_bytes().to_vec();
        b.extend_from_slice(json.as_bytes());
        b.extend_from_slice(&[0; 4]);
        b
    }

    #[test]
    fn size_and_format_are_judged_from_the_head() {
        assert!(matches!(judge_head(&[0; 100], 1000), Err(WeightsError::UnknownFormat)));
        let e = judge_head(&[8, 1], 5 << 30).unwrap_err().to_string();
        assert!(e.contains("5369 MB") && e.contains("cannot be AlexNet"), "{e}");
        let ok = safetensors_with_offsets(4);
        assert_eq!(judge_head(&ok, ok.len() as u64).unwrap(), Format::Safetensors);
    }

    #[test]
    fn a_safetensors_header_claiming_100_gb_says_truncated() {
        let b = safetensors_with_offsets(100 << 30);
        let e = judge_head(&b, b.len() as u64).unwrap_err().to_string();
        assert_eq!(e, truncated_message(b.len() as u64));
        let mut huge = (200_000_000u64).to_le_bytes().to_vec();
        huge.push(b'{');
        assert!(judge_head(&huge, 1 << 20).unwrap_err().to_string().contains("more than any safetensors header"));
    }

    #[test]
    fn onnx_heads_are_walked_without_the_rest() {
        // ir_version 7, then a graph field of 1000 bytes of which the head shows 3.
        let mut head = vec![0x08, 7, 0x3a];
        head.extend_from_slice(&[0xe8, 0x07]);
        head.extend_from_slice(&[1, 2, 3]);
        assert_eq!(judge_head(&head, 1005).unwrap(), Format::Onnx);
        // The same graph field in a file too short to hold it.
        assert!(judge_head(&head, 100).unwrap_err().to_string().contains("claims 1005 bytes"));
        // A whole file with no graph.
        assert!(judge_head(&[0x08, 7], 2).unwrap_err().to_string().contains("no graph"));
    }
}
