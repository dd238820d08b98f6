//! One resumable, verified HTTP download: `Range` requests to the stable URL after a drop, SHA-256 hashed while streaming.
//!
//! Hugging Face answers the stable URL with a redirect to a signed CDN URL that expires, so a resumed download
//! never asks the CDN URL again: it asks the stable URL with `Range: bytes=N-` and follows the new redirect. A
//! `206` whose `Content-Range` starts at N continues the file; a `200` means the server ignored the range, and the
//! file starts again from 0. The partial file (`NAME.part`) is kept between runs, so a fetch stopped by Ctrl-C
//! resumes too. Nothing is kept under the real name until its size and SHA-256 are checked.

use crate::files::{self, hex, Res};
use crate::progress::Progress;
use sha2::{Digest, Sha256};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;
use ureq::Agent;

/// What to download: the stable URL, the digest it must have, and its size when known beforehand.
pub struct Want<'a> {
    pub url: &'a str,
    pub sha256: &'a str,
    pub size: Option<u64>,
    /// The most bytes accepted when the size is not known beforehand.
    pub max: u64,
}

/// Why a download stopped: the host was never reached (the caller explains how to do it by hand), or anything else.
pub enum Failure {
    Unreachable(String),
    Other(String),
}

impl From<String> for Failure {
    fn from(s: String) -> Failure {
        Failure::Other(s)
    }
}

/// Consecutive attempts that bring no new byte before the download gives up.
const MAX_FAILED_ATTEMPTS: u32 = 5;

fn agent() -> Agent {
    Agent::config_builder()
        // Statuses are answers to look at (206, 200, 416), not errors.
        .http_status_as_error(false)
        .timeout_resolve(Some(Duration::from_secs(20)))
        .timeout_connect(Some(Duration::from_secs(20)))
        .timeout_recv_response(Some(Duration::from_secs(60)))
        // A connection that goes quiet for a minute is treated like a dropped one, and resumed.
        .timeout_per_read(Some(Duration::from_secs(60)))
        .user_agent(concat!("alexnet-explainer/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// The path of the partial file kept beside `dest`.
pub fn part_path(dest: &Path) -> PathBuf {
    let mut name = dest.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    dest.with_file_name(name)
}

/// `Content-Range: bytes A-B/TOTAL` as `(A, TOTAL)`; the total is `None` for `*`.
fn content_range(v: &str) -> Option<(u64, Option<u64>)> {
    let rest = v.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (a, b) = range.split_once('-')?;
    let (a, b): (u64, u64) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    if b < a {
        return None;
    }
    let total = if total.trim() == "*" { None } else { Some(total.trim().parse().ok()?) };
    Some((a, total))
}

/// Hashes the first `len` bytes already in `part` (what an earlier run downloaded).
fn hash_prefix(part: &mut File, len: u64) -> Res<Sha256> {
    let mut h = Sha256::new();
    part.seek(SeekFrom::Start(0)).map_err(|e| files::reason(&e))?;
    let mut buf = vec![0u8; 1 << 20];
    let mut left = len;
    while left > 0 {
        let n = part.read(&mut buf[..left.min(1 << 20) as usize]).map_err(|e| files::reason(&e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        left -= n as u64;
    }
    Ok(h)
}

/// Downloads `want` to `dest` (through `dest.part`), verified by size and SHA-256.
pub fn download(want: &Want<'_>, dest: &Path) -> Result<(), Failure> {
    let part = part_path(dest);
    let r = download_to(want, dest, &part);
    // A partial file is kept to be resumed, but an empty one holds nothing to resume.
    if r.is_err() && fs::metadata(&part).is_ok_and(|m| m.len() == 0) {
        fs::remove_file(part).ok();
    }
    r
}

fn download_to(want: &Want<'_>, dest: &Path, part: &Path) -> Result<(), Failure> {
    let agent = agent();
    let io = |e: std::io::Error| Failure::Other(format!("cannot write {}: {}", part.display(), files::reason(&e)));
    // The partial file is ours, but it is read back to be resumed: it must be a plain file like any other input.
    if fs::symlink_metadata(part).is_ok_and(|m| !m.is_file()) {
        return Err(Failure::Other(format!("{} is not a regular file; remove it and fetch again", part.display())));
    }
    let mut file = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(part).map_err(io)?;
    let mut have = file.metadata().map_err(io)?.len();
    if want.size.is_some_and(|n| have > n) || have > want.max {
        have = 0;
    }
    file.set_len(have).map_err(io)?;
    let mut hasher = hash_prefix(&mut file, have).map_err(|e| Failure::Other(format!("cannot read {}: {e}", part.display())))?;
    file.seek(SeekFrom::Start(have)).map_err(io)?;
    if have > 0 {
        println!("resuming from {:.1} MB already in {}", have as f64 / 1e6, part.display());
    }
    let mut size = want.size;
    let mut progress = Progress::new();
    let mut reached = false;
    let mut failures = 0u32;
    let mut buf = vec![0u8; 256 << 10];
    while size != Some(have) {
        let before = have;
        let mut req = agent.get(want.url).header("Accept-Encoding", "identity");
        if have > 0 {
            req = req.header("Range", format!("bytes={have}-"));
        }
        let problem = match req.call() {
            Err(e) if !reached => {
                progress.finish(have);
                return Err(Failure::Unreachable(unreached_reason(&e)));
            }
            Err(e) => format!("the request failed ({e})"),
            Ok(resp) => {
                reached = true;
                let status = resp.status().as_u16();
                let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
                let length = header("content-length").and_then(|v| v.trim().parse::<u64>().ok());
                let total = match status {
                    206 => match header("content-range").as_deref().and_then(content_range) {
                        Some((start, total)) if start == have => total.or(length.map(|l| have + l)),
                        // A range we did not ask for: the bytes cannot be placed, so the file starts again.
                        _ => {
                            progress.note("the server sent another byte range than the one asked for; starting again from 0");
                            restart(&mut file, &mut hasher, &mut have).map_err(io)?;
                            continue;
                        }
                    },
                    200 => {
                        if have > 0 {
                            progress.note("the server does not resume downloads (it answered 200 to a Range request); starting again from 0");
                            restart(&mut file, &mut hasher, &mut have).map_err(io)?;
                        }
                        length
                    }
                    416 if header("content-range").is_some_and(|v| v.trim() == format!("bytes */{have}")) => {
                        // The partial file already holds the whole file (an earlier run stopped before checking
                        // it): what is left is to verify it.
                        break;
                    }
                    416 => {
                        // Our partial file does not fit the server's file (it changed, or ours is bad).
                        progress.note("the server refused the byte range (416); starting again from 0");
                        restart(&mut file, &mut hasher, &mut have).map_err(io)?;
                        failures += 1;
                        if failures >= MAX_FAILED_ATTEMPTS {
                            return Err(Failure::Other(format!("{} keeps refusing the download (416)", want.url)));
                        }
                        continue;
                    }
                    s if s >= 500 => {
                        failures += 1;
                        if failures >= MAX_FAILED_ATTEMPTS {
                            progress.finish(have);
                            return Err(Failure::Other(format!("the server answered {} for {}, {failures} times", resp.status(), want.url)));
                        }
                        progress.note(&format!("the server answered {}; trying again", resp.status()));
                        std::thread::sleep(backoff(failures));
                        continue;
                    }
                    _ => {
                        progress.finish(have);
                        return Err(Failure::Other(format!("the server answered {} for {}", resp.status(), want.url)));
                    }
                };
                if let (Some(want_n), Some(got)) = (size, total) {
                    if want_n != got {
                        progress.finish(have);
                        fs::remove_file(part).ok();
                        return Err(Failure::Other(format!(
                            "the server's file is {got} bytes, but {want_n} were expected; it was not downloaded (is this the right URL?)"
                        )));
                    }
                }
                if let Some(n) = total.filter(|&n| n > want.max) {
                    progress.finish(have);
                    fs::remove_file(part).ok();
                    return Err(Failure::Other(format!("the server's file is {n} bytes, more than any weights file accepted ({})", want.max)));
                }
                size = size.or(total);
                progress.begin(have, size);
                let mut body = resp.into_body().into_reader();
                loop {
                    match body.read(&mut buf) {
                        Ok(0) => {
                            if size.is_none() {
                                // No length was ever given: the end of the body is the end of the file.
                                size = Some(have);
                            }
                            break None;
                        }
                        Ok(n) => {
                            if have + n as u64 > size.unwrap_or(want.max) {
                                progress.finish(have);
                                fs::remove_file(part).ok();
                                return Err(Failure::Other(format!("the server sent more than the {} bytes expected; not used", size.unwrap_or(want.max))));
                            }
                            file.write_all(&buf[..n]).map_err(io)?;
                            hasher.update(&buf[..n]);
                            have += n as u64;
                            progress.set(have);
                        }
                        Err(e) => break Some(format!("the connection dropped at {} MB ({e})", have / 1_000_000)),
                    }
                }
                .unwrap_or_else(|| format!("the connection closed at {} MB, before the end of the file", have / 1_000_000))
            }
        };
        if size == Some(have) {
            break;
        }
        failures = if have > before { 1 } else { failures + 1 };
        if failures >= MAX_FAILED_ATTEMPTS {
            progress.finish(have);
            return Err(Failure::Other(format!(
                "{problem}; gave up after {failures} attempts without progress ({} MB kept in {}: run fetch again to resume)",
                have / 1_000_000,
                part.display()
            )));
        }
        progress.note(&format!("{problem}; resuming from byte {have}"));
        std::thread::sleep(backoff(failures));
    }
    progress.finish(have);
    file.sync_all().map_err(io)?;
    drop(file);
    let got = hex(&hasher.finalize());
    if got != want.sha256 || want.size.is_some_and(|n| n != have) {
        fs::remove_file(part).ok();
        return Err(Failure::Other(format!(
            "the downloaded file does not match: it is {have} bytes with SHA-256 {got}, but {}SHA-256 {} was expected. \
             It was deleted and not used.",
            want.size.map(|n| format!("{n} bytes with ")).unwrap_or_default(),
            want.sha256
        )));
    }
    fs::rename(part, dest).map_err(io)?;
    Ok(())
}

/// Empties the partial file: the download starts again from byte 0.
fn restart(file: &mut File, hasher: &mut Sha256, have: &mut u64) -> std::io::Result<()> {
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    *hasher = Sha256::new();
    *have = 0;
    Ok(())
}

/// The pause before attempt `n` again: 0.5 s, 1 s, 2 s, 4 s.
fn backoff(n: u32) -> Duration {
    Duration::from_millis(500 << n.saturating_sub(1).min(3))
}

/// Why a request never reached the server, in words.
fn unreached_reason(e: &ureq::Error) -> String {
    match e {
        ureq::Error::HostNotFound => "its name could not be resolved".into(),
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => "the connection was refused".into(),
        ureq::Error::Io(io) => files::reason(io),
        ureq::Error::Timeout(t) => format!("it timed out ({t})"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges_are_parsed_strictly() {
        assert_eq!(content_range("bytes 100-199/200"), Some((100, Some(200))));
        assert_eq!(content_range("bytes 0-0/*"), Some((0, None)));
        assert_eq!(content_range("bytes 5-4/9"), None);
        assert_eq!(content_range("items 0-1/2"), None);
        assert_eq!(part_path(Path::new("/c/x.onnx")), PathBuf::from("/c/x.onnx.part"));
    }
}
