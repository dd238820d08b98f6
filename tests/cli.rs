//! The `alexnet` command line end to end: every command, its flags, the file gate, and fetch against a loopback server.

// The CLI is a native program (files, processes, sockets); a wasm build of the tests has nothing of it to run.
#![cfg(not(target_arch = "wasm32"))]

mod common;
#[path = "support/http.rs"]
mod http;
#[path = "support/png.rs"]
mod png;

use alexnet_explainer::weights::store::{self, StoreDtype};
use alexnet_explainer::weights::{sha256_hex, zoo, Vouch, VouchedBy, Weights};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The CLI, run from the crate root with its own empty cache folder unless a test gives one.
fn cli(cache: Option<&Path>) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_alexnet"));
    c.current_dir(common::root())
        .env("XDG_CACHE_HOME", cache.map(Path::to_path_buf).unwrap_or_else(|| tmp("no-cache")));
    // The loopback server must be reached directly, whatever proxy the machine is set up with.
    for v in ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"] {
        c.env_remove(v);
    }
    c
}

fn alexnet(args: &[&str]) -> Output {
    cli(None).args(args).output().expect("run alexnet")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("alexnet-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs the CLI and asserts it failed within `limit`, returning what it printed.
fn fails_quickly(args: &[&str], limit: Duration) -> String {
    let t = Instant::now();
    let o = alexnet(args);
    let (took, t) = (t.elapsed(), text(&o));
    assert!(!o.status.success(), "{args:?} succeeded: {t}");
    assert!(took < limit, "{args:?} took {took:?}: {t}");
    assert!(t.starts_with("error:"), "{t}");
    t
}

#[test]
fn predict_on_a_photo_says_untrained_and_names_classes() {
    let o = alexnet(&["predict", "--weights", "untrained", "--image", "www/samples/chelsea.jpg", "--top", "3"]);
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("untrained"));
    let json = alexnet(&["predict", "--weights", "untrained", "--image", "www/samples/coffee.jpg", "--json"]);
    let j: serde_json::Value = serde_json::from_slice(&json.stdout).expect("--json prints JSON");
    assert_eq!(j["trained"], false);
    assert_eq!(j["top"].as_array().unwrap().len(), 5);
    let p: f64 = j["top"].as_array().unwrap().iter().map(|t| t["prob"].as_f64().unwrap()).sum();
    assert!(p > 0.0 && p <= 1.0 + 1e-6);
}

#[test]
fn dump_writes_every_layer_matching_onnxruntime() {
    let dir = common::reference_dir();
    let out = tmp("dump");
    let o = alexnet(&[
        "dump",
        "--weights",
        s(&dir.join("model.onnx")),
        "--input-npy",
        s(&dir.join("input.npy")),
        "--out",
        s(&out),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    for l in alexnet_explainer::spec::derive() {
        let (shape, got) = common::npy(&out.join(format!("{}.npy", l.id)));
        assert_eq!(shape, l.out_shape, "{}", l.id);
        let (_, want) = common::npy(&dir.join(format!("{}.npy", l.id)));
        assert!(alexnet_explainer::tensor::max_rel_err(&got, &want) <= common::APPROXIMATE, "{}", l.id);
    }
    assert!(out.join("data.npy").exists());
    // Every file was written under a temporary name and renamed: none is left behind.
    let names: Vec<String> =
        std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names.len(), alexnet_explainer::spec::ALEXNET.len() + 1, "{names:?}");
    assert!(names.iter().all(|n| n.ends_with(".npy") && !n.starts_with('.')), "{names:?}");
    std::fs::remove_dir_all(out).ok();
}

#[test]
fn convert_and_info_round_trip() {
    let dir = common::reference_dir();
    let out = tmp("convert");
    let st = out.join("w.safetensors");
    let o = alexnet(&["convert", "--from", s(&dir.join("model.onnx")), "--to", s(&st), "--dtype", "int8"]);
    assert!(o.status.success(), "{}", text(&o));
    let size = std::fs::metadata(&st).unwrap().len();
    assert!(size < 62_000_000, "{size}");
    let o = alexnet(&["info", s(&st)]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("int8") && t.contains("60965224") && t.contains("trained BVLC weights: no"), "{t}");
    let o = alexnet(&["predict", "--weights", s(&st), "--image", "www/samples/astronaut.jpg"]);
    assert!(o.status.success(), "{}", text(&o));

    // The same file under other spellings, a symlink and a hard link: never converted onto itself.
    let before = std::fs::read(&st).unwrap();
    std::os::unix::fs::symlink(&st, out.join("link.safetensors")).unwrap();
    std::fs::hard_link(&st, out.join("hard.safetensors")).unwrap();
    let dotted = out.join(".").join("w.safetensors");
    let up = out.join("..").join(out.file_name().unwrap()).join("w.safetensors");
    for to in [st.clone(), dotted, up, out.join("link.safetensors"), out.join("hard.safetensors")] {
        let t = fails_quickly(&["convert", "--from", s(&st), "--to", s(&to)], Duration::from_secs(5));
        assert!(t.contains("are the same file"), "{t}");
    }
    assert!(std::fs::read(&st).unwrap() == before, "the source was changed");
    std::fs::remove_dir_all(out).ok();
}

#[test]
fn quant_report_prints_a_table() {
    let o = alexnet(&["quant-report", "--weights", "untrained"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    for dt in ["| f32 |", "| f16 |", "| int8 |"] {
        assert!(t.contains(dt), "{t}");
    }
}

#[test]
fn errors_are_messages_not_panics() {
    let o = alexnet(&["predict", "--weights", "untrained", "--image", "Cargo.toml"]);
    assert!(!o.status.success());
    assert!(text(&o).starts_with("error:"), "{}", text(&o));
    let o = alexnet(&["info", "README.md"]);
    assert!(!o.status.success() && text(&o).contains("neither an ONNX model nor a safetensors"), "{}", text(&o));
    let o = alexnet(&["frobnicate"]);
    assert!(!o.status.success() && text(&o).contains("unknown command"));
    let o = alexnet(&["inf", "x"]);
    assert!(text(&o).contains("unknown command 'inf'") && text(&o).contains("'info'"), "{}", text(&o));
}

#[test]
fn unknown_and_misspelt_flags_are_named_and_every_command_has_help() {
    let o = alexnet(&["predict", "--weights", "untrained", "--bogus", "x"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("'--bogus'"), "{}", text(&o));
    let o = alexnet(&["predict", "--weights", "untrained", "--imgae", "x.jpg"]);
    let t = text(&o);
    assert!(
        o.status.code() == Some(2) && t.contains("'--imgae'") && t.contains("similar argument exists: '--image'"),
        "{t}"
    );
    let o = alexnet(&["dump", "--weights", "untrained", "--out", "/nonexistent"]);
    assert!(text(&o).contains("--image") && text(&o).contains("--input-npy"), "{}", text(&o));
    let o = alexnet(&["fetch", "--url", "http://127.0.0.1:1/x.onnx"]);
    assert!(o.status.code() == Some(2) && text(&o).contains("--sha256"), "{}", text(&o));

    let o = alexnet(&["--help"]);
    assert!(o.status.success());
    for c in ["predict", "dump", "convert", "info", "fetch", "quant-report", "untrained"] {
        assert!(text(&o).contains(c), "--help lacks {c}: {}", text(&o));
    }
    for (cmd, flags) in [
        ("predict", &["--weights", "--image", "--top", "--json"][..]),
        ("dump", &["--image", "--input-npy", "--out"]),
        ("convert", &["--from", "--to", "--dtype"]),
        ("info", &["<FILE>"]),
        ("fetch", &["--out", "--dtype", "--url", "--sha256", "--size"]),
        ("quant-report", &["--weights", "--image"]),
    ] {
        let o = alexnet(&[cmd, "--help"]);
        assert!(o.status.success(), "{cmd} --help: {}", text(&o));
        for f in flags {
            assert!(text(&o).contains(f), "{cmd} --help lacks {f}: {}", text(&o));
        }
    }
}

#[test]
fn files_are_judged_before_they_are_read() {
    let dir = tmp("gate");
    let quick = Duration::from_secs(5);
    // 5 GB on disk as a sparse file: `info` used to read all of it (24 s, 5 GB of memory) before refusing it.
    let big = dir.join("big.onnx");
    std::fs::File::create(&big).unwrap().set_len(5 << 30).unwrap();
    let t = fails_quickly(&["info", s(&big)], quick);
    assert!(t.contains("5369 MB") && t.contains("cannot be AlexNet's weights"), "{t}");
    let t = fails_quickly(&["predict", "--weights", s(&big), "--image", "www/samples/chelsea.jpg"], quick);
    assert!(t.contains("5369 MB"), "{t}");
    // A safetensors header claiming 100 GB of tensors, at the start of a 300 MB sparse file.
    let json = r#"{"conv1.weight":{"dtype":"F32","shape":[1],"data_offsets":[0,107374182400]}}"#;
    let mut head = (json.len() as u64).to_le_bytes().to_vec();
    head.extend_from_slice(json.as_bytes());
    let claims = dir.join("claims.safetensors");
    std::fs::write(&claims, &head).unwrap();
    std::fs::OpenOptions::new().write(true).open(&claims).unwrap().set_len(300 << 20).unwrap();
    assert!(fails_quickly(&["info", s(&claims)], quick).contains("truncated"));

    // Devices, directories and FIFOs are refused without being opened (on /dev/zero `info` used to run out of memory).
    let fifo = dir.join("fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().is_ok_and(|st| st.success());
    for args in [
        vec!["info", "/dev/zero"],
        vec!["predict", "--weights", "untrained", "--image", "/dev/zero"],
        vec!["dump", "--weights", "untrained", "--input-npy", "/dev/zero", "--out", s(&dir)],
    ] {
        assert!(fails_quickly(&args, quick).contains("is a device, not a regular file"), "{args:?}");
    }
    assert!(fails_quickly(&["info", s(&dir)], quick).contains("is a directory"));
    assert!(fails_quickly(&["predict", "--weights", s(&dir), "--image", "www/samples/chelsea.jpg"], quick)
        .contains("is a directory"));
    if made {
        assert!(fails_quickly(&["info", s(&fifo)], quick).contains("FIFO"));
        assert!(fails_quickly(&["predict", "--weights", "untrained", "--image", s(&fifo)], quick).contains("FIFO"));
    }

    // An input .npy far bigger than [3, 227, 227] float32.
    let npy = dir.join("x.npy");
    std::fs::File::create(&npy).unwrap().set_len(50 << 20).unwrap();
    let t = fails_quickly(&["dump", "--weights", "untrained", "--input-npy", s(&npy), "--out", s(&dir)], quick);
    assert!(t.contains("52428800 bytes") && t.contains("[3, 227, 227]"), "{t}");

    // An 875 kB PNG of 30000×30000 took 16 s and 4.6 GB before it was refused; its header alone says enough.
    for (w, h) in [(30000, 30000), (16385, 10), (8000, 8000)] {
        let png = dir.join(format!("{w}x{h}.png"));
        std::fs::write(&png, png::header(w, h)).unwrap();
        let t = fails_quickly(&["predict", "--weights", "untrained", "--image", s(&png)], quick);
        assert!(t.contains(&format!("the image is {w}×{h}")) && t.contains("downscale it first"), "{t}");
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn only_the_cli_s_own_copies_are_called_the_bvlc_weights() {
    let (dir, cache) = (tmp("vouch"), tmp("vouch-cache"));
    // Random weights whose metadata claims to come from the Zoo's file: metadata is not trusted.
    let claims =
        store::write(&Weights::untrained(5), StoreDtype::Int8, zoo::PRIMARY.name, Some(zoo::PRIMARY.sha256)).unwrap();
    let file = dir.join("claims.safetensors");
    std::fs::write(&file, &claims).unwrap();
    let info = |file: &Path| text(&cli(Some(&cache)).args(["info", s(file)]).output().unwrap());
    let t = info(&file);
    assert!(t.contains("trained BVLC weights: no") && t.contains("not verified"), "{t}");
    // The same file once the CLI's list of verified copies has its digest (as `fetch` or `convert` of a Zoo file
    // records it), and a list that names another digest.
    let v = Vouch {
        sha256: sha256_hex(&claims),
        bytes: claims.len() as u64,
        by: VouchedBy::CliCopy,
        from: zoo::PRIMARY.name.into(),
    };
    let list = cache.join("alexnet-explainer");
    std::fs::create_dir_all(&list).unwrap();
    std::fs::write(list.join("verified.json"), serde_json::to_vec(std::slice::from_ref(&v)).unwrap()).unwrap();
    let t = info(&file);
    assert!(
        t.contains("trained BVLC weights: yes")
            && t.contains("a compact copy the alexnet CLI made from the verified bvlcalexnet-12.onnx"),
        "{t}"
    );
    let other = Vouch { sha256: "0".repeat(64), ..v };
    std::fs::write(list.join("verified.json"), serde_json::to_vec(&[other]).unwrap()).unwrap();
    assert!(info(&file).contains("trained BVLC weights: no"));
    std::fs::remove_dir_all(dir).ok();
    std::fs::remove_dir_all(cache).ok();
}

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
