//! Reading and writing float32 `.npy` files (NumPy format 1.0), for `alexnet dump` and the reference tests.

/// Serialises `data` with `shape` as a little-endian float32 C-order `.npy`.
pub fn write_f32(shape: &[usize], data: &[f32]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape_s = if dims.len() == 1 { format!("({},)", dims[0]) } else { format!("({})", dims.join(", ")) };
    let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape_s}, }}");
    // The magic (6) + version (2) + length (2) + header + '\n' must be a multiple of 64 bytes.
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend(data.iter().flat_map(|v| v.to_le_bytes()));
    out
}

/// Parses a float32 C-order `.npy`, returning `(shape, data)`.
pub fn read_f32(bytes: &[u8]) -> Result<(Vec<usize>, Vec<f32>), String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not a .npy file".into());
    }
    let (hlen, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12),
        _ => return Err("unsupported .npy version".into()),
    };
    let header = bytes.get(start..start + hlen).ok_or("truncated .npy header")?;
    let header = std::str::from_utf8(header).map_err(|_| "bad .npy header")?;
    if !header.contains("'descr': '<f4'") {
        return Err(format!(".npy must be little-endian float32 ('<f4'); header: {}", header.trim()));
    }
    if header.contains("'fortran_order': True") {
        return Err(".npy in Fortran order is not supported".into());
    }
    let s = header.split("'shape':").nth(1).and_then(|r| r.split('(').nth(1)).and_then(|r| r.split(')').next()).ok_or("no shape in .npy header")?;
    let shape: Vec<usize> = s.split(',').map(str::trim).filter(|t| !t.is_empty()).map(|t| t.parse().map_err(|_| format!("bad dimension '{t}'"))).collect::<Result<_, _>>()?;
    let n = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).ok_or("shape too large")?;
    let body = &bytes[start + hlen..];
    if body.len() != n.checked_mul(4).ok_or("shape too large")? {
        return Err(format!(".npy holds {} bytes of data, {} expected for shape {shape:?}", body.len(), n * 4));
    }
    Ok((shape, body.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip() {
        let b = super::write_f32(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(b.len() % 64, 24 % 64);
        assert_eq!(super::read_f32(&b).unwrap(), (vec![2, 3], vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]));
        let b = super::write_f32(&[4], &[0.0; 4]);
        assert_eq!(super::read_f32(&b).unwrap().0, vec![4]);
        assert!(super::read_f32(&b[..b.len() - 1]).is_err());
    }
}
