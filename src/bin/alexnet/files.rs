//! The one gate for every file the CLI reads (judged from its metadata, and weights from their head, before the rest is read) and atomic writes.

use alexnet_explainer::weights::{
    judge_head, too_big_message, Blob, LoadContext, Vouch, Weights, HEAD_BYTES, MAX_FILE_BYTES,
};
use sha2::{Digest as _, Sha256};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

pub type Res<T> = Result<T, String>;

/// Why `meta` is not a regular file, if it is not one. A device such as `/dev/zero` never ends and a FIFO blocks
/// until someone writes to it, so neither may even be opened.
fn not_regular(meta: &fs::Metadata) -> Option<&'static str> {
    if meta.is_file() {
        return None;
    }
    if meta.is_dir() {
        return Some("is a directory, not a file");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return Some("is a pipe (FIFO), not a regular file");
        }
        if t.is_char_device() || t.is_block_device() {
            return Some("is a device, not a regular file");
        }
        if t.is_socket() {
            return Some("is a socket, not a regular file");
        }
    }
    Some("is not a regular file")
}

/// An I/O error as words for a person: the OS's sentence, without Rust's "(os error 2)".
pub fn reason(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Opens `path` for reading when it is a regular file of at most `limit` bytes, judged from its metadata before
/// it is opened; `too_big(len)` words the refusal. Returns the file and its length.
pub fn open_bounded(path: &Path, limit: u64, too_big: impl Fn(u64) -> String) -> Res<(File, u64)> {
    let shown = path.display();
    let meta = fs::metadata(path).map_err(|e| format!("cannot read {shown}: {}", reason(&e)))?;
    if let Some(why) = not_regular(&meta) {
        return Err(format!("{shown} {why}"));
    }
    if meta.len() > limit {
        return Err(format!("{shown}: {}", too_big(meta.len())));
    }
    let file = File::open(path).map_err(|e| format!("cannot read {shown}: {}", reason(&e)))?;
    // The path may have been replaced between the two looks, so the opened file itself is judged again.
    let meta = file.metadata().map_err(|e| format!("cannot read {shown}: {}", reason(&e)))?;
    if let Some(why) = not_regular(&meta) {
        return Err(format!("{shown} {why}"));
    }
    if meta.len() > limit {
        return Err(format!("{shown}: {}", too_big(meta.len())));
    }
    Ok((file, meta.len()))
}

/// Fills `buf` from `file` and checks that nothing follows: a file that grows while it is read (or a `/proc` file,
/// whose metadata says 0 bytes) is refused instead of read without bound.
fn read_exactly(file: &mut File, buf: &mut [u8], path: &Path) -> Res<()> {
    file.read_exact(buf).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => format!("{} shrank while it was read", path.display()),
        _ => format!("cannot read {}: {}", path.display(), reason(&e)),
    })?;
    let mut extra = [0u8; 1];
    match file.read(&mut extra) {
        Ok(0) => Ok(()),
        Ok(_) => Err(format!(
            "{} holds more bytes than its size says ({}); it is not read further",
            path.display(),
            buf.len()
        )),
        Err(e) => Err(format!("cannot read {}: {}", path.display(), reason(&e))),
    }
}

/// Reads a whole small file (at most `limit` bytes) through the gate.
pub fn read_bounded(path: &Path, limit: u64, too_big: impl Fn(u64) -> String) -> Res<Vec<u8>> {
    let (mut file, len) = open_bounded(path, limit, too_big)?;
    let mut buf = vec![0; len as usize];
    read_exactly(&mut file, &mut buf, path)?;
    Ok(buf)
}

/// Whether a weights file's SHA-256 is computed as it is read.
#[derive(Clone, Copy)]
pub enum Digest<'a> {
    /// Only when its size is one a Zoo file or a vouched copy has (otherwise no digest can be recognised).
    IfUseful,
    /// Always (convert records it in the copy's metadata).
    Always,
    /// Already known: the caller verified it.
    Known(&'a str),
}

/// A weights file read through the gate: refused from its size, then from its first [`HEAD_BYTES`], before the
/// rest is read (into one [`Blob`] the tensors view in place) and loaded with the file's name and `vouched`.
/// Returns the weights and the file's SHA-256 when it was computed or given.
pub fn read_weights(path: &Path, vouched: &[Vouch], digest: Digest<'_>) -> Res<(Weights, Option<String>)> {
    let shown = path.display();
    let (mut file, len) = open_bounded(path, MAX_FILE_BYTES as u64, |n| too_big_message(n as f64))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("the file");
    let mut blob =
        Blob::try_zeroed(len as usize).ok_or_else(|| format!("{shown}: not enough memory for {len} bytes"))?;
    let head = (len as usize).min(HEAD_BYTES);
    read_exactly_prefix(&mut file, &mut blob.bytes_mut()[..head], path)?;
    judge_head(&blob.bytes()[..head], len).map_err(|e| format!("{shown}: {e}"))?;
    let probe = LoadContext { vouched, ..Default::default() };
    let mut hasher = match digest {
        Digest::Always => Some(Sha256::new()),
        Digest::IfUseful => probe.worth_hashing(len).then(Sha256::new),
        Digest::Known(_) => None,
    };
    if let Some(h) = &mut hasher {
        h.update(&blob.bytes()[..head]);
    }
    // The rest in 8 MB pieces, so hashing runs while the bytes are still in the cache.
    let mut at = head;
    while at < len as usize {
        let end = (at + (8 << 20)).min(len as usize);
        read_exactly_prefix(&mut file, &mut blob.bytes_mut()[at..end], path)?;
        if let Some(h) = &mut hasher {
            h.update(&blob.bytes()[at..end]);
        }
        at = end;
    }
    read_exactly(&mut file, &mut [], path)?;
    let sha = match digest {
        Digest::Known(s) => Some(s.to_string()),
        _ => hasher.map(|h| hex(&h.finalize())),
    };
    let ctx = LoadContext { name: Some(name), sha256: sha.as_deref(), vouched };
    let w = Weights::load_blob(blob, &ctx).map_err(|e| format!("{shown}: {e}"))?;
    Ok((w, sha))
}

/// [`read_exactly`] for a piece of a file: no check that nothing follows.
fn read_exactly_prefix(file: &mut File, buf: &mut [u8], path: &Path) -> Res<()> {
    file.read_exact(buf).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => format!("{} shrank while it was read", path.display()),
        _ => format!("cannot read {}: {}", path.display(), reason(&e)),
    })
}

/// Lower-case hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 and length of a regular file of at most `limit` bytes, read in pieces (never held whole).
pub fn hash_file(path: &Path, limit: u64) -> Res<(String, u64)> {
    let (mut file, _) = open_bounded(path, limit, |n| format!("{n} bytes, more than the {limit} expected"))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(|e| format!("cannot read {}: {}", path.display(), reason(&e)))?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > limit {
            return Err(format!("{} grew past {limit} bytes while it was read", path.display()));
        }
        h.update(&buf[..n]);
    }
    Ok((hex(&h.finalize()), total))
}

/// Writes `bytes` to `path` atomically: into a temporary file in the same folder, flushed to disk, then renamed
/// over `path`, so an interrupted write never leaves a half-written file under the real name.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Res<()> {
    let tmp = temp_beside(path);
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        fs::remove_file(&tmp).ok();
        format!("cannot write {}: {}", path.display(), reason(&e))
    })
}

/// A temporary name beside `path`: hidden, and unique to this process.
fn temp_beside(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

/// True when `a` and `b` name the same existing file, however spelt (`./x`, `dir/../x`, a symlink, a hard link).
pub fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(ma), Ok(mb)) = (fs::metadata(a), fs::metadata(b)) else { return false };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        ma.dev() == mb.dev() && ma.ino() == mb.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (ma, mb);
        matches!((fs::canonicalize(a), fs::canonicalize(b)), (Ok(x), Ok(y)) if x == y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_writes_leave_no_temporary_file() {
        let dir = std::env::temp_dir().join(format!("alexnet-files-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let p = dir.join("x.bin");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        assert!(same_file(&p, &dir.join(".").join("x.bin")));
        assert!(!same_file(&p, &dir.join("y.bin")));
        fs::remove_dir_all(dir).ok();
    }
}
