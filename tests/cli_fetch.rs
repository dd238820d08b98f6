//! `alexnet fetch` against loopback servers: the redirect, a drop and its Range resume, a stopped fetch resumed, a server
//! that ignores Range, wrong sizes and checksums, and the messages when the host cannot be reached.

// The CLI is a native program (files, processes, sockets); a wasm build of the tests has nothing of it to run.
#![cfg(not(target_arch = "wasm32"))]

mod common;
#[path = "support/http.rs"]
mod http;
#[path = "support/cli.rs"]
mod run;

use alexnet_explainer::weights::store::{self, StoreDtype};
use alexnet_explainer::weights::{sha256_hex, zoo, Weights};
use run::*;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// `alexnet fetch --url URL --sha256 SHA --out OUT` with `cache` as XDG_CACHE_HOME.
fn fetch(cache: &Path, url: &str, sha: &str, out: &Path, extra: &[&str]) -> Command {
    let mut c = cli(Some(cache));
    c.args(["fetch", "--url", url, "--sha256", sha, "--out", s(out)]).args(extra);
    c
}

/// The generated reference model, its digest and its bytes, to serve.
fn model() -> (Arc<Vec<u8>>, String) {
    let bytes = std::fs::read(common::reference_dir().join("model.onnx")).unwrap();
    let sha = sha256_hex(&bytes);
    (Arc::new(bytes), sha)
}

#[test]
fn fetch_follows_the_redirect_resumes_after_a_drop_verifies_and_converts() {
    let (file, sha) = model();
    let srv = http::serve("model.onnx", file.clone(), http::Fault::DropAt(50_000_000));
    let (cache, out) = (tmp("fetch-cache"), tmp("fetch-out"));
    let o = fetch(&cache, &srv.url, &sha, &out, &[]).output().unwrap();
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("resuming from byte") && t.contains(" %"), "{t}");
    // Each attempt asked the stable URL and got a fresh signed URL (a signature works once), and the second one
    // carried a Range from where the first one was cut.
    let log = srv.requests();
    let stable: Vec<_> = log.iter().filter(|r| r.to == "stable").collect();
    let cdn: Vec<_> = log.iter().filter(|r| r.to == "cdn").collect();
    assert_eq!((stable.len(), cdn.len()), (2, 2), "{log:?}");
    assert_eq!(cdn[0].range, None);
    let from: u64 = cdn[1]
        .range
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes=")?.strip_suffix('-')?.parse().ok())
        .expect("a Range");
    assert!(from > 0 && from <= 50_000_000, "{log:?}");
    assert_eq!(stable[1].range, cdn[1].range, "the redirect keeps the Range header");

    // The copy is labelled as what it is: a verified download, but not a Model Zoo digest, so not the BVLC weights.
    let copy = out.join("model-int8.safetensors");
    assert!(t.contains("not labelled as the BVLC weights"), "{t}");
    let i = text(&cli(Some(&cache)).args(["info", s(&copy)]).output().unwrap());
    assert!(
        i.contains("stored as int8") && i.contains("trained BVLC weights: no") && i.contains("not verified"),
        "{i}"
    );
    assert!(!cache.join("alexnet-explainer/verified.json").exists());
    let kept: Vec<String> = std::fs::read_dir(cache.join("alexnet-explainer"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(kept, [format!("{}-model.onnx", &sha[..16])]);

    // A second fetch uses the verified original in the cache, without asking the server.
    let o = fetch(&cache, &srv.url, &sha, &out, &["--dtype", "f16"]).output().unwrap();
    assert!(o.status.success() && text(&o).contains("cached, SHA-256 verified"), "{}", text(&o));
    assert_eq!(srv.requests().len(), 4);
    assert!(out.join("model-f16.safetensors").exists());
    std::fs::remove_dir_all(cache).ok();
    std::fs::remove_dir_all(out).ok();
}

#[test]
fn a_fetch_stopped_midway_resumes_from_its_partial_file() {
    let (file, sha) = model();
    let srv = http::serve("model.onnx", file, http::Fault::StallAt(30_000_000));
    let (cache, out) = (tmp("stop-cache"), tmp("stop-out"));
    let part = cache.join(format!("alexnet-explainer/{}-model.onnx.part", &sha[..16]));
    let mut child = fetch(&cache, &srv.url, &sha, &out, &[])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let t = Instant::now();
    while std::fs::metadata(&part).map_or(0, |m| m.len()) < 30_000_000 {
        assert!(t.elapsed() < Duration::from_secs(60), "the first 30 MB never arrived");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Killed like Ctrl-C would: what was written stays in the partial file.
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(std::fs::metadata(&part).unwrap().len(), 30_000_000);
    let o = fetch(&cache, &srv.url, &sha, &out, &[]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("resuming from 30.0 MB"), "{}", text(&o));
    assert!(
        srv.requests().iter().any(|r| r.to == "cdn" && r.range.as_deref() == Some("bytes=30000000-")),
        "{:?}",
        srv.requests()
    );
    assert!(!part.exists() && out.join("model-int8.safetensors").exists());
    std::fs::remove_dir_all(cache).ok();
    std::fs::remove_dir_all(out).ok();
}

#[test]
fn a_server_that_ignores_range_makes_the_download_start_again_from_zero() {
    // A compact file (61 MB) of seeded weights: small to serve, and convertible.
    let file = Arc::new(store::write(&Weights::untrained(3), StoreDtype::Int8, "seeded", None).unwrap());
    let sha = sha256_hex(&file);
    let srv = http::serve("seeded.safetensors", file, http::Fault::DropAtThenIgnoreRange(10_000_000));
    let (cache, out) = (tmp("norange-cache"), tmp("norange-out"));
    let o = fetch(&cache, &srv.url, &sha, &out, &["--dtype", "f16"]).output().unwrap();
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(
        t.contains("answered 200 to a Range request); starting again from 0")
            && t.contains(&format!("verified: SHA-256 {sha}")),
        "{t}"
    );
    let ranges: Vec<_> = srv.requests().into_iter().filter(|r| r.to == "cdn").map(|r| r.range).collect();
    assert_eq!(ranges, [None, Some("bytes=10000000-".to_string())]);
    assert!(out.join("seeded-f16.safetensors").exists());
    std::fs::remove_dir_all(cache).ok();
    std::fs::remove_dir_all(out).ok();
}

#[test]
fn a_download_with_the_wrong_size_or_checksum_is_refused_and_not_kept() {
    let file: Arc<Vec<u8>> = Arc::new((0..1u32 << 20).map(|i| (i * 7 % 251) as u8).collect());
    let (cache, out) = (tmp("bad-cache"), tmp("bad-out"));
    let srv = http::serve("weights.onnx", file.clone(), http::Fault::None);
    let wrong = "ab".repeat(32);
    let o = fetch(&cache, &srv.url, &wrong, &out, &[]).output().unwrap();
    let t = text(&o);
    assert!(
        !o.status.success() && t.contains("does not match") && t.contains(&sha256_hex(&file)) && t.contains("deleted"),
        "{t}"
    );
    let o = fetch(&cache, &srv.url, &sha256_hex(&file), &out, &["--size", "999"]).output().unwrap();
    assert!(text(&o).contains("the server's file is 1048576 bytes, but 999 were expected"), "{}", text(&o));
    assert_eq!(std::fs::read_dir(cache.join("alexnet-explainer")).unwrap().count(), 0, "nothing is kept");
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
    std::fs::remove_dir_all(cache).ok();
    std::fs::remove_dir_all(out).ok();
}

#[test]
fn fetch_when_the_host_cannot_be_reached_says_how_to_do_it_by_hand() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (cache, out) = (tmp("offline-cache"), tmp("offline-out"));
    let url = format!("http://127.0.0.1:{port}/models/alexnet.onnx");
    let o = fetch(&cache, &url, &"cd".repeat(32), &out, &[]).output().unwrap();
    let t = text(&o);
    assert!(!o.status.success(), "{t}");
    assert!(
        t.contains(&format!("could not reach 127.0.0.1:{port} (the connection was refused)"))
            && t.contains("may have no internet"),
        "{t}"
    );
    assert!(
        t.contains(&url) && t.contains(&"cd".repeat(32)) && t.contains("alexnet convert --from alexnet.onnx"),
        "{t}"
    );
    assert!(!t.contains("exit status"), "{t}");
    std::fs::remove_dir_all(cache).ok();
    std::fs::remove_dir_all(out).ok();
}

#[test]
fn fetch_without_internet_fails_with_a_clear_message() {
    // The build machines have no internet: the download fails, and the message says what to do instead.
    // (Where a network exists this test would download 244 MB, so it only runs when it is known to be offline.)
    if std::env::var_os("ALEXNET_ONLINE").is_some() {
        return;
    }
    let cache = tmp("fetch-offline-cache");
    let out = tmp("fetch-offline-out");
    let o = cli(Some(&cache)).args(["fetch", "--out", s(&out)]).output().unwrap();
    let t = text(&o);
    assert!(!o.status.success(), "{t}");
    assert!(t.contains(zoo::PRIMARY.sha256) && t.contains(zoo::PRIMARY_URL) && t.contains("alexnet convert"), "{t}");
    assert!(t.contains("could not reach huggingface.co"), "{t}");
    assert!(!out.join("bvlc-alexnet-int8.safetensors").exists());
    std::fs::remove_dir_all(cache).ok();
    std::fs::remove_dir_all(out).ok();
}
