//! The `alexnet` command line end to end: every command, its flags, the file gate (fetch: tests/cli_fetch.rs).

// The CLI is a native program (files, processes, sockets); a wasm build of the tests has nothing of it to run.
#![cfg(not(target_arch = "wasm32"))]

mod common;
#[path = "support/png.rs"]
mod png;
#[path = "support/cli.rs"]
mod run;

use alexnet_explainer::weights::store::{self, StoreDtype};
use alexnet_explainer::weights::{sha256_hex, zoo, Vouch, VouchedBy, Weights};
use run::*;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

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
