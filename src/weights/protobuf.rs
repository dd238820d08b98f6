//! A minimal, bounds-checked reader of the protobuf wire format: enough to walk an ONNX model without codegen.
//!
//! Every length is checked against the buffer before it is used, so a truncated or hostile file yields an
//! error, never a panic or an allocation larger than the file.

use std::fmt;

/// A wire-format error with the byte offset where reading stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError {
    pub offset: usize,
    pub what: &'static str,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.what, self.offset)
    }
}

/// One field's value, borrowed from the buffer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Varint(u64),
    Fixed64(u64),
    Bytes(&'a [u8]),
    Fixed32(u32),
}

impl<'a> Value<'a> {
    pub fn bytes(self) -> Option<&'a [u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }
    pub fn varint(self) -> Option<u64> {
        match self {
            Value::Varint(v) => Some(v),
            _ => None,
        }
    }
    pub fn str(self) -> Option<&'a str> {
        self.bytes().and_then(|b| std::str::from_utf8(b).ok())
    }
}

/// Iterates over the `(field number, value)` pairs of one message.
pub struct Fields<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Offset of `buf` in the whole file, for error messages.
    base: usize,
}

impl<'a> Fields<'a> {
    pub fn new(buf: &'a [u8]) -> Fields<'a> {
        Fields { buf, pos: 0, base: 0 }
    }

    fn err(&self, what: &'static str) -> WireError {
        WireError { offset: self.base + self.pos, what }
    }

    fn varint(&mut self) -> Result<u64, WireError> {
        let mut v = 0u64;
        for i in 0..10 {
            let b = *self.buf.get(self.pos).ok_or_else(|| self.err("truncated varint"))?;
            self.pos += 1;
            v |= ((b & 0x7f) as u64) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(self.err("varint longer than 10 bytes"))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or_else(|| self.err("field runs past the end of the file"))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<(u32, Value<'a>), WireError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.buf.len() {
            return None;
        }
        let r = (|| {
            let key = self.varint()?;
            let field = (key >> 3) as u32;
            let v = match key & 7 {
                0 => Value::Varint(self.varint()?),
                1 => Value::Fixed64(u64::from_le_bytes(self.take(8)?.try_into().unwrap_or_default())),
                2 => {
                    let n = self.varint()?;
                    let n = usize::try_from(n).map_err(|_| self.err("length does not fit in memory"))?;
                    Value::Bytes(self.take(n)?)
                }
                5 => Value::Fixed32(u32::from_le_bytes(self.take(4)?.try_into().unwrap_or_default())),
                _ => return Err(self.err("unsupported wire type (not a protobuf file?)")),
            };
            if field == 0 {
                return Err(self.err("field number 0 (not a protobuf file?)"));
            }
            Ok((field, v))
        })();
        if r.is_err() {
            // Stop after the first error: the rest of the buffer cannot be framed.
            self.pos = self.buf.len();
        }
        Some(r)
    }
}

/// Decodes a packed repeated varint field (or a single unpacked one) into `out`.
pub fn push_varints(v: Value<'_>, out: &mut Vec<i64>) -> Result<(), WireError> {
    match v {
        Value::Varint(x) => out.push(x as i64),
        Value::Bytes(b) => {
            let mut f = Fields { buf: b, pos: 0, base: 0 };
            while f.pos < b.len() {
                out.push(f.varint()? as i64);
            }
        }
        _ => return Err(WireError { offset: 0, what: "expected integers" }),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_and_rejects_truncation() {
        // field 1 varint 150; field 2 bytes "hi"; field 3 fixed32 1.0f
        let mut buf = vec![0x08, 0x96, 0x01, 0x12, 0x02, b'h', b'i', 0x1d];
        buf.extend_from_slice(&1.0f32.to_le_bytes());
        let got: Vec<_> = Fields::new(&buf).collect::<Result<_, _>>().unwrap();
        assert_eq!(got, vec![(1, Value::Varint(150)), (2, Value::Bytes(b"hi")), (3, Value::Fixed32(0x3f80_0000))]);
        // A length that claims more than the buffer holds is an error, not a panic.
        let bad = [0x12, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2];
        assert!(Fields::new(&bad).any(|r| r.is_err()));
        for cut in 0..buf.len() {
            let _ = Fields::new(&buf[..cut]).collect::<Vec<_>>();
        }
    }

    #[test]
    fn packed_varints() {
        let mut out = vec![];
        push_varints(Value::Bytes(&[1, 0x96, 0x01, 3]), &mut out).unwrap();
        assert_eq!(out, vec![1, 150, 3]);
    }
}
