//! Hostile weights files and images against the native engine: each is refused with a message naming the problem,
//! nothing panics, and no allocation is larger than the file justifies (measured by a counting allocator).
//!
//! Fixtures are built here in code (a hand-written protobuf encoder for ONNX, the crate's own safetensors writer);
//! regressions found by the fuzz targets in `fuzz/` are added at the end.

mod common;

#[path = "support/alloc.rs"]
mod alloc;
#[path = "support/hostile.rs"]
mod hostile;

use alexnet_explainer::preprocess::{self, MAX_SIDE};
use alexnet_explainer::spec;
use alexnet_explainer::weights::store::{self, StoreDtype};
use alexnet_explainer::weights::{Blob, Weights, WeightsError};
use alloc::{peak_alloc, refused, MB};
use hostile::*;

// ---------- weights ----------

#[test]
fn random_binary_is_not_weights() {
    for (n, seed) in [(1024, 1), (4096, 2), (17, 3), (1, 4)] {
        let e = refused(&random_bytes(n, seed));
        assert_eq!(e, WeightsError::UnknownFormat, "{n} random bytes");
        assert!(e.to_string().contains("neither an ONNX model nor a safetensors"), "{e}");
    }
    // Noise that happens to start like a protobuf is refused by the protobuf reader instead.
    let mut b = random_bytes(1024, 5);
    b[0] = 0x08;
    let e = refused(&b);
    assert!(matches!(e, WeightsError::Corrupt(_) | WeightsError::Structure(_)), "{e:?}");
    assert!(refused(&[]) == WeightsError::UnknownFormat);
}

#[test]
fn an_onnx_model_of_another_network_is_named_as_such() {
    let e = refused(&toy_onnx()).to_string();
    assert!(e.contains("0 Conv and 2 Gemm"), "{e}");
    assert!(e.contains("is this an AlexNet model?"), "{e}");
}

#[test]
fn the_well_formed_alexnet_onnx_loads() {
    // The fixture itself is right, so the faults below are the only reason for each refusal.
    let w = Weights::from_bytes(&alexnet_onnx(Fault::None)).expect("a zero-weight AlexNet ONNX loads");
    assert_eq!(w.info.params, 60_965_224);
    assert!(!w.info.trained);
}

#[test]
fn a_transposed_conv_weight_is_named() {
    let e = refused(&alexnet_onnx(Fault::SwapAxes("conv1")));
    let m = e.to_string();
    assert!(matches!(e, WeightsError::Shape { ref layer, .. } if layer == "conv1"), "{e:?}");
    assert!(
        m.contains("conv1 weight (conv1_w) has shape [3, 96, 11, 11]") && m.contains("needs [96, 3, 11, 11]"),
        "{m}"
    );
    assert!(m.contains("looks transposed"), "{m}");
}

#[test]
fn a_transposed_fc_matrix_is_named() {
    // fc6 stored [n_in, n_out] = [9216, 4096] while its Gemm says transB = 1 (B is [n_out, n_in]).
    let m = refused(&alexnet_onnx(Fault::SwapAxes("fc6"))).to_string();
    assert!(m.starts_with("fc6 weight (fc6_w) has shape [9216, 4096]") && m.contains("looks transposed"), "{m}");
    // The other way round: transB = 0 declares [n_in, n_out], but the data is stored [n_out, n_in].
    let m = refused(&alexnet_onnx(Fault::TransB0("fc6"))).to_string();
    assert!(m.starts_with("fc6 weight (fc6_w) has shape [4096, 9216]") && m.contains("needs [9216, 4096]"), "{m}");
    // fc7 is square ([4096, 4096]): a transposed fc7 has the right shape, so no check of the file alone can see
    // it. Such a file loads, but it is not the Model Zoo file, so its SHA-256 differs and it is never labelled
    // trained; the UI then says its predictions are not the BVLC network's.
}

#[test]
fn attributes_that_would_be_misread_are_refused_by_name() {
    // Each of these loaded before (the node parser kept only integer attributes), computing another network.
    let cases: [(Fault, &str); 7] = [
        (
            Fault::Float("fc6", "alpha", 0.5),
            "fc6 (Gemm node 'fc6'): attribute alpha is 0.5; AlexNet's fc layers need alpha = 1",
        ),
        (
            Fault::Float("fc7", "beta", 0.0),
            "fc7 (Gemm node 'fc7'): attribute beta is 0; AlexNet's fc layers need beta = 1",
        ),
        (Fault::Ints("fc6", "transA", &[1]), "fc6 (Gemm node 'fc6'): transA = 1 is not AlexNet's layout"),
        (
            Fault::Ints("conv2", "dilations", &[2, 2]),
            "conv2 (Conv node 'conv2'): attribute dilations is [2, 2], expected [1, 1]",
        ),
        (
            Fault::Str("conv1", "auto_pad", "SAME_UPPER"),
            "conv1 (Conv node 'conv1'): attribute auto_pad is SAME_UPPER; only NOTSET (explicit pads) is supported",
        ),
        (
            Fault::Str("conv3", "auto_pad", "VALID"),
            "conv3 (Conv node 'conv3'): attribute auto_pad is VALID; only NOTSET (explicit pads) is supported",
        ),
        (Fault::Ints("conv4", "group", &[1]), "conv4 (Conv node 'conv4'): attribute group is [1], expected [2]"),
    ];
    for (fault, want) in cases {
        assert_eq!(refused(&alexnet_onnx(fault)).to_string(), want);
    }
    // auto_pad = NOTSET is the default said out loud, and loads.
    assert!(Weights::from_bytes(&alexnet_onnx(Fault::Str("conv1", "auto_pad", "NOTSET"))).is_ok());
}

#[test]
fn missing_and_shared_tensors_and_extra_nodes_are_refused() {
    let m = refused(&alexnet_onnx(Fault::NoBias("conv3"))).to_string();
    assert_eq!(m, "conv3 (Conv node 'conv3'): the node has no bias input");
    let m = refused(&alexnet_onnx(Fault::NoBias("fc8"))).to_string();
    assert_eq!(m, "fc8 (Gemm node 'fc8'): the node has no bias input");
    // conv4 reading conv3's bias has the right shape, so only the sharing gives it away.
    let m = refused(&alexnet_onnx(Fault::BiasOf("conv4", "conv3"))).to_string();
    assert_eq!(m, "conv4 bias (conv3_b) is also conv3's bias; AlexNet's layers share no tensors");
    let m = refused(&alexnet_onnx(Fault::ExtraConv)).to_string();
    assert!(m.starts_with("the model has 6 Conv and 3 Gemm nodes") && m.contains("is this an AlexNet model?"), "{m}");
}

#[test]
fn quantised_models_the_importer_cannot_follow_name_the_node() {
    let m = refused(&alexnet_onnx(Fault::Op("conv1", "QLinearConv"))).to_string();
    assert_eq!(m, "conv1 (QLinearConv node 'conv1'): its weight 'weight_maker_out' is computed by Relu node 'weight_maker', not stored in the file");
    // fc6's output goes straight into fc7: no Add gives fc6 its bias.
    let m = refused(&alexnet_onnx(Fault::Op("fc6", "QLinearMatMul"))).to_string();
    assert_eq!(m, "fc6 (QLinearMatMul node 'fc6'): it is followed by Gemm node 'fc7', not by the Add of its bias");
    for (fault, node) in [
        (Fault::Op("conv2", "ConvInteger"), "conv2 (ConvInteger node 'conv2')"),
        (Fault::Op("fc7", "MatMulInteger"), "fc7 (MatMulInteger node 'fc7')"),
    ] {
        let m = refused(&alexnet_onnx(fault)).to_string();
        assert!(
            m.starts_with(node)
                && m.contains("dynamically quantised models are not supported")
                && m.contains("bvlcalexnet-12-int8.onnx"),
            "{m}"
        );
    }
    let m = refused(&alexnet_onnx(Fault::Op("conv1", "DequantizeBlocked"))).to_string();
    assert_eq!(m, "conv1 (DequantizeLinear node 'dq'): blocked quantisation (block_size) is not supported");
    // Faults at conv1 leave every tensor without data, so these files are small enough to cut at every byte,
    // through the parsing of float, string and quantised nodes' inputs.
    for fault in [
        Fault::Op("conv1", "QLinearConv"),
        Fault::Op("conv1", "DequantizeBlocked"),
        Fault::Str("conv1", "auto_pad", "SAME_UPPER"),
    ] {
        let full = alexnet_onnx(fault);
        assert!(full.len() < 8192, "{} bytes", full.len());
        for cut in 0..full.len() {
            refused(&full[..cut]);
        }
    }
}

#[test]
fn every_truncation_of_an_onnx_model_is_an_error() {
    let full = alexnet_onnx(Fault::SwapAxes("conv2"));
    // Cutting anywhere inside the conv1 data, and in the framing around it, must never panic.
    let cuts: Vec<usize> = (0..200).chain((200..full.len()).step_by(9973)).chain([full.len() - 1]).collect();
    for cut in cuts {
        let e = refused(&full[..cut]);
        assert!(!e.to_string().is_empty());
    }
}

#[test]
fn truncated_safetensors_are_corrupt() {
    let w = Weights::untrained(1);
    let l = &w.layers[0];
    let f32b = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let file = safetensors_file(&[
        ("conv1.weight", safetensors::Dtype::F32, vec![96, 3, 11, 11], f32b(&l.weight)),
        ("conv1.bias", safetensors::Dtype::F32, vec![96], f32b(&l.bias)),
    ]);
    for cut in [9, 16, 40, 100, file.len() / 2, file.len() - 1] {
        let e = refused(&file[..cut]);
        assert!(matches!(e, WeightsError::Corrupt(_)), "cut at {cut}: {e:?}");
        assert!(e.to_string().starts_with("not a readable safetensors file"), "{e}");
    }
    // The whole (one-layer) file is readable but incomplete: the message names the first missing tensor.
    let e = refused(&file).to_string();
    assert!(e.contains("conv2.weight"), "{e}");
}

#[test]
fn a_header_claiming_100_gb_is_refused_without_allocating() {
    let mut b = (100u64 << 30).to_le_bytes().to_vec();
    b.extend_from_slice(b"{\"conv1.weight\":{}}      ");
    let e = refused(&b);
    assert!(matches!(e, WeightsError::Corrupt(_)), "{e:?}");
    // A header that fits but declares a tensor of 2^64 elements.
    let h = br#"{"conv1.weight":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}"#;
    let mut b = (h.len() as u64).to_le_bytes().to_vec();
    b.extend_from_slice(h);
    b.extend_from_slice(&[0; 4]);
    let e = refused(&b);
    assert!(matches!(e, WeightsError::Corrupt(_)), "{e:?}");
}

#[test]
fn an_int8_file_without_a_scale_names_it() {
    // conv1 complete, conv2 int8 without conv2.weight_scale.
    let w = Weights::untrained(1);
    let (q1, s1) = store::quantize_rows(&w.layers[0].weight, 96);
    let (q2, _) = store::quantize_rows(&w.layers[1].weight, 256);
    let u8s = |q: Vec<i8>| q.into_iter().map(|v| v as u8).collect::<Vec<u8>>();
    let f32b = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let file = safetensors_file(&[
        ("conv1.weight", safetensors::Dtype::I8, vec![96, 3, 11, 11], u8s(q1)),
        ("conv1.weight_scale", safetensors::Dtype::F32, vec![96], f32b(&s1)),
        ("conv1.bias", safetensors::Dtype::F32, vec![96], f32b(&w.layers[0].bias)),
        ("conv2.weight", safetensors::Dtype::I8, vec![256, 48, 5, 5], u8s(q2)),
        ("conv2.bias", safetensors::Dtype::F32, vec![256], f32b(&w.layers[1].bias)),
    ]);
    let e = refused(&file).to_string();
    assert_eq!(e, "conv2.weight is int8 but its per-channel scale conv2.weight_scale is missing");
}

#[test]
fn a_complete_file_round_trips_under_the_allocation_bound() {
    // The bound used above is not vacuous: a real int8 file loads within it (f32 = 4× the int8 bytes, plus the
    // fc layers' int8 rows kept for the forward pass).
    let bytes = store::write(&Weights::untrained(2), StoreDtype::Int8, "test", None).unwrap();
    let (r, peak) = peak_alloc(|| Weights::from_bytes(&bytes));
    assert!(r.is_ok());
    assert!(peak <= 5 * bytes.len() + 4 * MB, "{peak} bytes for a {} byte file", bytes.len());
    println!(
        "int8 file: {} bytes, peak while loading {peak} bytes ({:.2}×)",
        bytes.len(),
        peak as f64 / bytes.len() as f64
    );
}

#[test]
fn a_one_kilobyte_file_never_allocates_more_than_a_few_mb() {
    // Many shapes of 1 KB hostility: noise, noise behind each format's magic, and every prefix of a small model.
    let mut files: Vec<Vec<u8>> = (0..64).map(|s| random_bytes(1024, s + 100)).collect();
    for s in 0..64u64 {
        let mut b = random_bytes(1024, s + 500);
        b[0] = 0x08;
        files.push(b);
        let mut b = random_bytes(1024, s + 900);
        b[..8].copy_from_slice(&((s * 97) % 1000).to_le_bytes());
        b[8] = b'{';
        files.push(b);
    }
    let toy = toy_onnx();
    files.extend((0..toy.len()).map(|n| toy[..n].to_vec()));
    let mut worst = 0;
    for f in &files {
        let (_, peak) = peak_alloc(|| Weights::from_bytes(f));
        worst = worst.max(peak);
    }
    assert!(worst < 4 * MB, "a ≤ 1 KB file made the loader hold {worst} bytes");
    println!("{} files of ≤ 1 KB: worst peak allocation {worst} bytes", files.len());
}

// ---------- images ----------

#[test]
fn degenerate_images_are_errors_and_tiny_ones_work() {
    assert!(preprocess::from_rgba(&[], 0, 0).unwrap_err().contains("empty"));
    assert!(preprocess::from_rgba(&[], 0, 10).is_err());
    // 20000 × 20000 is refused before any pixel is looked at (the page downsizes before sending).
    let (r, peak) = peak_alloc(|| preprocess::from_rgba(&[], 20_000, 20_000));
    assert!(r.unwrap_err().contains("downscale it first"));
    assert!(peak < 64 * 1024, "{peak}");
    // A length mismatch is an error, not an out-of-bounds read.
    assert!(preprocess::from_rgba(&[0; 15], 2, 2).unwrap_err().contains("expected 16 bytes"));
    // 1×1 works, and a fully transparent pixel is white.
    let (t, _) = preprocess::from_rgba(&[0, 0, 0, 0], 1, 1).unwrap();
    assert!(t.values().iter().step_by(997).all(|v| v.is_finite()));
    assert!((t.values()[0] - (255.0 - spec::MEAN_BGR[0])).abs() < 1e-3);
}

#[test]
fn extreme_aspect_ratios_preprocess() {
    for (w, h) in [(MAX_SIDE, 1), (1, MAX_SIDE), (MAX_SIDE, 2), (3, 1)] {
        let px: Vec<u8> = (0..w * h).flat_map(|_| [200u8, 200, 200, 255]).collect();
        let (t, info) = preprocess::from_rgba(&px, w, h).unwrap_or_else(|e| panic!("{w}×{h}: {e}"));
        assert!(info.crop_x + info.crop <= info.resized_w && info.crop_y + info.crop <= info.resized_h);
        let (plane, values) = (227 * 227, t.values());
        for (c, mean) in spec::MEAN_BGR.iter().enumerate() {
            let want = 200.0 - mean;
            let bad = values[c * plane..][..plane].iter().enumerate().find(|(_, v)| (*v - want).abs() >= 1e-2);
            assert!(bad.is_none(), "{w}×{h} channel {c}: {bad:?} (want {want}), {info:?}");
        }
    }
}

// ---------- the fuzz corpora as regression tests ----------

/// Every committed fuzz seed (and any crash input added to `fuzz/seeds/`) goes through its entry point in the
/// ordinary test run too, so a fixed crash stays fixed without cargo-fuzz. See fuzz/README.md.
#[test]
fn committed_fuzz_seeds_never_panic() {
    let seeds = common::root().join("fuzz/seeds");
    let read = |target: &str| -> Vec<Vec<u8>> {
        let Ok(dir) = std::fs::read_dir(seeds.join(target)) else { return vec![] };
        dir.flatten().filter(|e| e.path().is_file()).map(|e| std::fs::read(e.path()).unwrap()).collect()
    };
    let mut n = 0;
    for bytes in read("onnx_import") {
        let (_, peak) = peak_alloc(|| (Weights::from_bytes(&bytes).is_ok(), Weights::from_bytes(&bytes).is_ok()));
        assert_eq!(Weights::from_blob(Blob::from_bytes(&bytes)).is_ok(), Weights::from_bytes(&bytes).is_ok());
        assert!(peak <= 4 * bytes.len() + 4 * MB, "an ONNX seed of {} bytes held {peak} bytes", bytes.len());
        n += 1;
    }
    for bytes in read("store_read") {
        let (_, peak) = peak_alloc(|| store::read(&bytes).is_ok());
        assert_eq!(Weights::from_blob(Blob::from_bytes(&bytes)).is_ok(), store::read(&bytes).is_ok());
        assert!(peak <= 4 * bytes.len() + 4 * MB, "a safetensors seed of {} bytes held {peak} bytes", bytes.len());
        n += 1;
    }
    for bytes in read("preprocess") {
        // The layout of fuzz_targets/preprocess.rs: [w u16][h u16][mode u8] pixels…
        if bytes.len() < 5 {
            continue;
        }
        let (w, h) =
            (u16::from_le_bytes([bytes[0], bytes[1]]) as usize, u16::from_le_bytes([bytes[2], bytes[3]]) as usize);
        let (w, h) = if bytes[4] & 1 == 1 { (w * 17, h * 17) } else { (w, h) };
        let _ = preprocess::from_rgba(&bytes[5..], w, h);
        if w * h <= 1 << 18 && w > 0 && h > 0 && w <= MAX_SIDE && h <= MAX_SIDE && bytes.len() > 5 && bytes[4] & 2 == 0
        {
            let px: Vec<u8> = bytes[5..].iter().copied().cycle().take(w * h * 4).collect();
            let (t, _) = preprocess::from_rgba(&px, w, h).expect("a well-formed image preprocesses");
            assert!(t.values().iter().all(|v| v.is_finite()));
        }
        n += 1;
    }
    assert!(n >= 8, "only {n} fuzz seeds found under {}", seeds.display());
    println!("{n} fuzz seeds replayed");
}
