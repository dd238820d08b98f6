//! One resumable, verified HTTP download: `Range` requests to the stable URL after a drop, SHA-256 hashed while streaming.
//!
//! Hugging Face answers the stable URL with a redirect to a signed CDN URL that expires, so a resumed download
//! never asks the CDN URL again: it asks the stable URL with `Range: bytes=N-` and follows the new redirect. A
//! `206` whose `Content-Range` starts at N continues the file; a `200` means the server ignored the range, and the
//! file starts again from 0. The partial file (`NAME.part`) is kept between runs, so a fetch stopped by Ctrl-C
//! resumes too. Nothing is kept under the real name until its size and SHA-256 are checked.

use crate::files::{self, hex};
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

/// The partial file: what it holds so far, and the SHA-256 of those bytes.
struct Partial<'p> {
    path: &'p Path,
    file: File,
    have: u64,
    hasher: Sha256,
}

impl<'p> Partial<'p> {
    /// Opens (or creates) the partial file and hashes what an earlier run left in it, keeping at most `keep` bytes.
    fn open(path: &'p Path, keep: u64) -> Result<Partial<'p>, Failure> {
        // The partial file is ours, but it is read back to be resumed: it must be a plain file like any other input.
        if fs::symlink_metadata(path).is_ok_and(|m| !m.is_file()) {
            return Err(Failure::Other(format!("{} is not a regular file; remove it and fetch again", path.display())));
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| write_error(path, e))?;
        let mut p = Partial { path, file, have: 0, hasher: Sha256::new() };
        let len = p.file.metadata().map_err(|e| write_error(path, e))?.len();
        let len = if len > keep { 0 } else { len };
        p.file.set_len(len).map_err(|e| write_error(path, e))?;
        let mut buf = vec![0u8; 1 << 20];
        while p.have < len {
            let n = p.file.read(&mut buf[..(len - p.have).min(1 << 20) as usize]).map_err(|e| write_error(path, e))?;
            if n == 0 {
                break;
            }
            p.hasher.update(&buf[..n]);
            p.have += n as u64;
        }
        p.file.seek(SeekFrom::Start(p.have)).map_err(|e| write_error(path, e))?;
        Ok(p)
    }

    fn append(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        self.file.write_all(bytes).map_err(|e| write_error(self.path, e))?;
        self.hasher.update(bytes);
        self.have += bytes.len() as u64;
        Ok(())
    }

    /// Empties the partial file: the download starts again from byte 0.
    fn restart(&mut self) -> Result<(), Failure> {
        self.file.set_len(0).and_then(|_| self.file.seek(SeekFrom::Start(0))).map_err(|e| write_error(self.path, e))?;
        self.hasher = Sha256::new();
        self.have = 0;
        Ok(())
    }

    /// Refuses the download: the partial file goes, so nothing unverified is kept.
    fn refuse(&self, why: String) -> Failure {
        fs::remove_file(self.path).ok();
        Failure::Other(why)
    }
}

fn write_error(path: &Path, e: std::io::Error) -> Failure {
    Failure::Other(format!("cannot write {}: {}", path.display(), files::reason(&e)))
}

/// How one request ended, when it did not end the download.
enum Attempt {
    /// The partial file holds the whole file.
    Complete,
    /// Ask again at once: the file starts again from 0 (`note` says why).
    Restart(&'static str),
    /// The request or its body failed (`problem`): ask again after a pause, from what the partial file holds.
    Retry(String),
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

fn download_to(want: &Want<'_>, dest: &Path, path: &Path) -> Result<(), Failure> {
    let agent = agent();
    let mut part = Partial::open(path, want.size.unwrap_or(want.max))?;
    if part.have > 0 {
        println!("resuming from {:.1} MB already in {}", part.have as f64 / 1e6, path.display());
    }
    let mut size = want.size;
    let mut progress = Progress::new();
    let (mut reached, mut failures) = (false, 0u32);
    while size != Some(part.have) {
        let before = part.have;
        let mut req = agent.get(want.url).header("Accept-Encoding", "identity");
        if part.have > 0 {
            req = req.header("Range", format!("bytes={}-", part.have));
        }
        let attempt = match req.call() {
            // The host was never reached in this run: most likely there is no network at all.
            Err(e) if !reached => return Err(Failure::Unreachable(unreached_reason(&e))),
            Err(e) => Attempt::Retry(format!("the request failed ({e})")),
            Ok(resp) => {
                reached = true;
                let r = receive(resp, want, &mut part, &mut size, &mut progress);
                if r.is_err() {
                    progress.finish(part.have);
                }
                r?
            }
        };
        let problem = match attempt {
            Attempt::Complete => break,
            Attempt::Restart(note) => {
                progress.note(note);
                part.restart()?;
                failures += 1;
                if failures >= MAX_FAILED_ATTEMPTS {
                    progress.finish(0);
                    return Err(Failure::Other(format!("{} keeps failing: {note}", want.url)));
                }
                continue;
            }
            Attempt::Retry(problem) => problem,
        };
        failures = if part.have > before { 1 } else { failures + 1 };
        if failures >= MAX_FAILED_ATTEMPTS {
            progress.finish(part.have);
            return Err(Failure::Other(format!(
                "{problem}; gave up after {failures} attempts without progress ({:.1} MB kept in {}: run fetch again to resume)",
                part.have as f64 / 1e6,
                path.display()
            )));
        }
        progress.note(&format!("{problem}; resuming from byte {}", part.have));
        std::thread::sleep(backoff(failures));
    }
    progress.finish(part.have);
    part.file.sync_all().map_err(|e| write_error(path, e))?;
    let (have, got) = (part.have, hex(&part.hasher.clone().finalize()));
    if got != want.sha256 || want.size.is_some_and(|n| n != have) {
        return Err(part.refuse(format!(
            "the downloaded file does not match: it is {have} bytes with SHA-256 {got}, but {}SHA-256 {} was expected. \
             It was deleted and not used.",
            want.size.map(|n| format!("{n} bytes with ")).unwrap_or_default(),
            want.sha256
        )));
    }
    drop(part);
    fs::rename(path, dest).map_err(|e| write_error(path, e))
}

/// Reads one response into the partial file: checks its status and range against what the file holds, and its
/// size against what is expected (`size` learns it when nothing was expected), then streams the body.
fn receive(
    resp: ureq::http::Response<ureq::Body>,
    want: &Want<'_>,
    part: &mut Partial<'_>,
    size: &mut Option<u64>,
    progress: &mut Progress,
) -> Result<Attempt, Failure> {
    let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let length = header("content-length").and_then(|v| v.trim().parse::<u64>().ok());
    let have = part.have;
    let total = match resp.status().as_u16() {
        206 => match header("content-range").as_deref().and_then(content_range) {
            Some((start, total)) if start == have => total.or(length.map(|l| have + l)),
            // A range we did not ask for: the bytes cannot be placed, so the file starts again.
            _ => {
                return Ok(Attempt::Restart(
                    "the server sent another byte range than the one asked for; starting again from 0",
                ))
            }
        },
        200 => {
            if have > 0 {
                progress.note(
                    "the server does not resume downloads (it answered 200 to a Range request); starting again from 0",
                );
                part.restart()?;
            }
            length
        }
        // The partial file already holds the whole file (an earlier run stopped before checking it).
        416 if header("content-range").is_some_and(|v| v.trim() == format!("bytes */{have}")) => {
            return Ok(Attempt::Complete)
        }
        // The partial file does not fit the server's file (it changed, or ours is bad).
        416 => return Ok(Attempt::Restart("the server refused the byte range (416); starting again from 0")),
        s if s >= 500 => return Ok(Attempt::Retry(format!("the server answered {}", resp.status()))),
        _ => return Err(Failure::Other(format!("the server answered {} for {}", resp.status(), want.url))),
    };
    match (*size, total) {
        (Some(n), Some(got)) if n != got => {
            return Err(part.refuse(format!("the server's file is {got} bytes, but {n} were expected; it was not downloaded (is this the right URL?)")));
        }
        (_, Some(got)) if got > want.max => {
            return Err(part.refuse(format!(
                "the server's file is {got} bytes, more than any weights file accepted ({})",
                want.max
            )));
        }
        _ => *size = size.or(total),
    }
    progress.begin(part.have, *size);
    let limit = size.unwrap_or(want.max);
    let mut body = resp.into_body().into_reader();
    let mut buf = vec![0u8; 256 << 10];
    loop {
        match body.read(&mut buf) {
            Ok(0) if size.is_none() => {
                // No length was ever given: the end of the body is the end of the file.
                *size = Some(part.have);
                return Ok(Attempt::Complete);
            }
            Ok(0) if *size == Some(part.have) => return Ok(Attempt::Complete),
            Ok(0) => {
                return Ok(Attempt::Retry(format!(
                    "the connection closed at {:.1} MB, before the end of the file",
                    part.have as f64 / 1e6
                )))
            }
            Ok(n) if part.have + n as u64 > limit => {
                return Err(part.refuse(format!("the server sent more than the {limit} bytes expected; not used")));
            }
            Ok(n) => {
                part.append(&buf[..n])?;
                progress.set(part.have);
            }
            Err(e) => {
                return Ok(Attempt::Retry(format!("the connection dropped at {:.1} MB ({e})", part.have as f64 / 1e6)))
            }
        }
    }
}

/// The pause before attempt `n` again: 0.5 s, 1 s, 2 s, 4 s.
fn backoff(n: u32) -> Duration {
    Duration::from_millis(500 << n.saturating_sub(1).min(3))
}

/// Why a request never reached the server, in words.
fn unreached_reason(e: &ureq::Error) -> String {
    match e {
        ureq::Error::HostNotFound => "its name could not be resolved".into(),
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "the connection was refused".into()
        }
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
