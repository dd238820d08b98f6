//! Running the `alexnet` binary from the CLI tests: its own cache folder, no proxy, output as text, temp folders.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// The CLI, run from the crate root with its own empty cache folder unless a test gives one.
pub fn cli(cache: Option<&Path>) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_alexnet"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("XDG_CACHE_HOME", cache.map(Path::to_path_buf).unwrap_or_else(|| tmp("no-cache")));
    // The loopback server must be reached directly, whatever proxy the machine is set up with.
    for v in ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"] {
        c.env_remove(v);
    }
    c
}

pub fn alexnet(args: &[&str]) -> Output {
    cli(None).args(args).output().expect("run alexnet")
}

pub fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

pub fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("alexnet-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs the CLI and asserts it failed within `limit`, returning what it printed.
pub fn fails_quickly(args: &[&str], limit: Duration) -> String {
    let t = Instant::now();
    let o = alexnet(args);
    let (took, t) = (t.elapsed(), text(&o));
    assert!(!o.status.success(), "{args:?} succeeded: {t}");
    assert!(took < limit, "{args:?} took {took:?}: {t}");
    assert!(t.starts_with("error:"), "{t}");
    t
}
