//! The `alexnet` command line end to end: predict, dump, convert, info, quant-report, and fetch's offline message.

mod common;

use std::process::{Command, Output};

fn alexnet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_alexnet")).args(args).current_dir(common::root()).output().expect("run alexnet")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("alexnet-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
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
        "dump", "--weights", dir.join("model.onnx").to_str().unwrap(),
        "--input-npy", dir.join("input.npy").to_str().unwrap(), "--out", out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    for l in alexnet_explainer::spec::derive() {
        let (shape, got) = common::npy(&out.join(format!("{}.npy", l.id)));
        assert_eq!(shape, l.out_shape, "{}", l.id);
        let (_, want) = common::npy(&dir.join(format!("{}.npy", l.id)));
        assert!(common::max_rel_err(&got, &want) <= common::APPROXIMATE, "{}", l.id);
    }
    assert!(out.join("data.npy").exists());
    std::fs::remove_dir_all(out).ok();
}

#[test]
fn convert_and_info_round_trip() {
    let dir = common::reference_dir();
    let out = tmp("convert");
    let st = out.join("w.safetensors");
    let o = alexnet(&["convert", "--from", dir.join("model.onnx").to_str().unwrap(), "--to", st.to_str().unwrap(), "--dtype", "int8"]);
    assert!(o.status.success(), "{}", text(&o));
    let size = std::fs::metadata(&st).unwrap().len();
    assert!(size < 62_000_000, "{size}");
    let o = alexnet(&["info", st.to_str().unwrap()]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("int8") && t.contains("60965224") && t.contains("trained BVLC weights: no"), "{t}");
    let o = alexnet(&["predict", "--weights", st.to_str().unwrap(), "--image", "www/samples/astronaut.jpg"]);
    assert!(o.status.success(), "{}", text(&o));
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
}

#[test]
fn fetch_without_internet_fails_with_a_clear_message() {
    // The build machines have no internet: the download fails, and the message says what to do instead.
    // (Where a network exists this test would download 244 MB, so it only runs when it is known to be offline.)
    if std::env::var_os("ALEXNET_ONLINE").is_some() {
        return;
    }
    let cache = tmp("fetch-cache");
    let out = tmp("fetch-out");
    let o = Command::new(env!("CARGO_BIN_EXE_alexnet"))
        .args(["fetch", "--out", out.to_str().unwrap()])
        .env("XDG_CACHE_HOME", &cache)
        .output()
        .unwrap();
    let t = text(&o);
    assert!(!o.status.success(), "{t}");
    assert!(t.contains("6b0da9510f27f234ee96a85dc3809dd210150fdefad87f6850f9788513216945") && t.contains("alexnet convert"), "{t}");
    assert!(!out.join("bvlc-alexnet-int8.safetensors").exists());
    std::fs::remove_dir_all(cache).ok();
    std::fs::remove_dir_all(out).ok();
}
