//! The wasm boundary in headless Chromium (wasm-bindgen-test): session lifecycle, shapes, copies and errors.
//!
//! Native `cargo test` compiles this file to nothing; `scripts/test.sh` runs it with
//! `cargo test --target wasm32-unknown-unknown --test wasm`.

#![cfg(target_arch = "wasm32")]

use alexnet_explainer::api::Session;
use alexnet_explainer::model::{Forward, Model};
use alexnet_explainer::spec;
use alexnet_explainer::tensor::max_rel_err;
use alexnet_explainer::weights::Weights;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn image(w: usize, h: usize) -> Vec<u8> {
    (0..w * h).flat_map(|i| [(i % 256) as u8, (i / 7 % 256) as u8, (i / 13 % 256) as u8, 255]).collect()
}

#[wasm_bindgen_test]
fn a_pass_streams_every_layer_with_its_shape() {
    let mut s = Session::untrained(2012);
    s.start(&image(320, 240), 320, 240).unwrap();
    let table = spec::derive();
    for l in &table {
        assert_eq!(s.step().as_deref(), Some(l.id));
        let shape: Vec<usize> = s.shape(l.id).unwrap().iter().map(|&d| d as usize).collect();
        assert_eq!(shape, l.out_shape, "{}", l.id);
        assert_eq!(s.tensor(l.id).unwrap().len(), l.neurons);
    }
    assert_eq!(s.step(), None);
    let p = s.tensor("prob").unwrap();
    let sum: f64 = p.iter().map(|&v| v as f64).sum();
    assert!((sum - 1.0).abs() < 1e-4);
    assert_eq!(s.pool_argmax("pool1").unwrap().len(), 96 * 27 * 27);
    assert_eq!(s.kernels("conv1").unwrap().len(), 34_848);
    assert_eq!(s.kernel("fc6", 4095).unwrap().len(), 9216);
}

#[wasm_bindgen_test]
fn step_while_calls_its_function_once_a_step_and_places_hold_each_output() {
    // The worker posts each layer during the next step from where tensorPlace says it lies: that must be the
    // layer's values, still there after later steps, and the function runs once a call (the last included).
    let mut s = Session::untrained(2012);
    s.start(&image(160, 120), 160, 120).unwrap();
    let count = js_sys::Function::new_no_args("globalThis.__stepWhileCalls = (globalThis.__stepWhileCalls ?? 0) + 1;");
    let calls = || js_sys::Reflect::get(&js_sys::global(), &"__stepWhileCalls".into()).unwrap().as_f64().unwrap_or(0.0);
    let before = calls();
    let mut ids = vec!["data".to_string()];
    while let Some(id) = s.step_while(&count).unwrap() {
        ids.push(id);
    }
    assert_eq!(ids.len(), spec::ALEXNET.len() + 1);
    assert_eq!(calls() - before, ids.len() as f64, "one call per stepWhile, the one that ends the pass too");
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().into();
    for id in &ids {
        let place = s.tensor_place(id).unwrap();
        let view = js_sys::Float32Array::new_with_byte_offset_and_length(&memory.buffer(), place[0], place[1]);
        assert_eq!(view.to_vec(), s.tensor(id).unwrap().to_vec(), "{id}");
    }
    // What the function throws is thrown after the step, which still ran.
    s.start(&image(160, 120), 160, 120).unwrap();
    let throws = js_sys::Function::new_no_args("throw new Error('no');");
    assert!(s.step_while(&throws).is_err());
    assert!(s.tensor("conv1").is_ok());
    assert!(s.tensor_place("no-such-layer").is_err());
}

#[wasm_bindgen_test]
fn wasm_matches_the_native_code_path_on_conv1_pool1_prob() {
    // The same weights and input through the wasm Session and through the plain Rust model (also compiled to
    // wasm here, but without the JS boundary): the boundary must not change a value. The native build of this
    // code is checked against onnxruntime in tests/alexnet_reference.rs.
    let px = image(227, 227);
    let mut s = Session::untrained(7);
    s.start(&px, 227, 227).unwrap();
    while s.step().is_some() {}
    let (t, _) = alexnet_explainer::preprocess::from_rgba(&px, 227, 227).unwrap();
    let m = Model::new(Weights::untrained(7));
    let mut f = Forward::new(t).unwrap();
    f.run_all(&m);
    for id in ["conv1", "pool1", "prob"] {
        assert_eq!(&*s.tensor(id).unwrap(), &*f.output(id).unwrap().values(), "{id}");
    }
}

#[wasm_bindgen_test]
fn bad_input_is_an_error_not_a_panic() {
    let mut s = Session::untrained(1);
    assert!(s.tensor("conv1").is_err(), "nothing has run yet");
    assert!(s.start(&[1, 2, 3], 10, 10).is_err());
    assert!(s.start(&[], 0, 0).is_err());
    assert!(s.start_input(&[0.0; 10]).is_err());
    assert!(Session::from_bytes(b"not a weights file").is_err());
    assert!(Session::from_bytes(&[0x08, 0x07, 0x3a, 0xff, 0xff, 0xff]).is_err());
    s.start(&image(50, 50), 50, 50).unwrap();
    s.step();
    assert!(s.tensor("nope").is_err());
    assert!(s.conv_dot("conv1", 96, 0, 0).is_err());
    assert!(s.conv_dot("relu1", 0, 0, 0).is_err());
    assert!(s.kernel("conv1", 96).is_err());
    assert!(s.kernels("pool1").is_err());
    assert!(s.pool_argmax("pool1").is_err(), "pool1 has not run yet");
}

#[wasm_bindgen_test]
fn int8_linear_simd_path_matches_the_naive_reference() {
    // The SIMD128 int8 kernel (12-bit input codes, i32x4.dot_i16x8) exists only in the wasm build: checked here.
    use alexnet_explainer::ops::linear::{linear_i8, linear_naive};
    use alexnet_explainer::weights::store::quantize_rows;
    for (n_out, n_in) in [(3usize, 5usize), (17, 100), (64, 1031), (8, 9216)] {
        let w: Vec<f32> = (0..n_out * n_in).map(|i| ((i * 7919 % 1000) as f32 / 500.0) - 1.0).collect();
        let (q, s) = quantize_rows(&w, n_out);
        let deq: Vec<f32> =
            q.chunks_exact(n_in).zip(&s).flat_map(|(r, &sc)| r.iter().map(move |&v| v as f32 * sc)).collect();
        let b: Vec<f32> = (0..n_out).map(|i| i as f32 * 0.1).collect();
        let x: Vec<f32> = (0..n_in).map(|i| ((i * 31 % 97) as f32) - 40.0).collect();
        let got = linear_i8(&q, &s, &b, &x);
        let want = linear_naive(&deq, &b, &x);
        let err = max_rel_err(&got, &want);
        // The wasm kernel rounds the input to 12-bit codes: errors up to ~1/4094 of the largest term's scale.
        assert!(err < 2e-3, "{n_out}x{n_in}: {err}");
        assert!(err > 0.0 || n_in < 16, "the 12-bit path must be the one under test");
    }
}

/// Deterministic data in [-1, 1) for the kernel tests below.
fn data(seed: usize, n: usize) -> Vec<f32> {
    (0..n).map(|i| (((i + seed) * 7919 % 2003) as f32 / 1001.5) - 1.0).collect()
}

#[wasm_bindgen_test]
fn simd_conv_kernel_matches_the_naive_convolution() {
    // The packed 4×8 SIMD128 GEMM (fused multiply-adds in the relaxed-SIMD build) runs only on wasm: checked here,
    // on conv-like problems with edges in every direction (rows, columns, K blocks, padding, stride, groups).
    use alexnet_explainer::ops::conv::{conv2d, conv2d_naive, ConvSpec};
    for (i, s) in [
        ConvSpec { c_in: 3, h: 35, w: 35, c_out: 8, k: 11, stride: 4, pad: 0, groups: 1 },
        ConvSpec { c_in: 8, h: 9, w: 9, c_out: 6, k: 5, stride: 1, pad: 2, groups: 2 },
        ConvSpec { c_in: 64, h: 7, w: 7, c_out: 10, k: 3, stride: 1, pad: 1, groups: 1 },
        ConvSpec { c_in: 4, h: 7, w: 10, c_out: 6, k: 3, stride: 2, pad: 1, groups: 2 },
    ]
    .iter()
    .enumerate()
    {
        let (x, w, b) = (data(i, s.c_in * s.h * s.w), data(i + 1, s.weight_len()), data(i + 2, s.c_out));
        let e = max_rel_err(&conv2d(s, &x, &w, &b), &conv2d_naive(s, &x, &w, &b));
        assert!(e < 1e-5, "{s:?}: {e}");
    }
}

#[wasm_bindgen_test]
fn simd_gemm_matches_the_naive_product() {
    use alexnet_explainer::ops::gemm::{gemm_packed, pack_a, pack_b};
    for &(m, k, n) in &[(1, 1, 1), (5, 3, 9), (7, 600, 13), (96, 363, 45)] {
        let (a, b, c0) = (data(1, m * k), data(2, k * n), data(3, m * n));
        let mut c = c0.clone();
        gemm_packed(&pack_a(&a, m, k), &pack_b(&b, k, n), &mut c, m, k, n);
        let want: Vec<f32> = (0..m * n)
            .map(|ij| {
                (c0[ij] as f64 + (0..k).map(|kk| a[ij / n * k + kk] as f64 * b[kk * n + ij % n] as f64).sum::<f64>())
                    as f32
            })
            .collect();
        let e = max_rel_err(&c, &want);
        assert!(e < 1e-5, "{m}x{k}x{n}: {e}");
    }
}

#[wasm_bindgen_test]
fn simd_linear_matches_the_naive_reference() {
    // The SIMD128 panel kernel (wasm only): full panels and a narrower last one, dense inputs and inputs half zero
    // (as after a ReLU, whose weights the kernel skips).
    use alexnet_explainer::ops::linear::{linear, linear_naive};
    use alexnet_explainer::ops::panels::to_panels;
    for (n_out, n_in) in [(3usize, 5usize), (17, 100), (64, 1031), (1000, 300), (40, 9216)] {
        let (w, b, x) = (data(4, n_out * n_in), data(5, n_out), data(6, n_in));
        let p = to_panels(&w, n_in);
        let relu: Vec<f32> = x.iter().map(|v| v.max(0.0)).collect();
        for x in [x, relu] {
            let e = max_rel_err(&linear(&p, &b, &x), &linear_naive(&w, &b, &x));
            assert!(e < 1e-5, "{n_out}x{n_in}: {e}");
        }
    }
}

#[wasm_bindgen_test]
fn simd_linear_backward_matches_the_naive_reference() {
    // The SIMD128 panel backward (wasm only): full panels and a narrower last one, all inputs and only the nonzero
    // ones (the rest then stay zero), a gradient zero over whole panels.
    use alexnet_explainer::ops::backward::{linear_backward, linear_backward_naive};
    use alexnet_explainer::ops::panels::to_panels;
    for (n_out, n_in) in [(3usize, 5usize), (70, 100), (1000, 300)] {
        let (w, x) = (data(7, n_out * n_in), data(8, n_in));
        let dy: Vec<f32> = data(9, n_out).iter().enumerate().map(|(o, &g)| if o / 32 == 1 { 0.0 } else { g }).collect();
        let p = to_panels(&w, n_in);
        let w64: Vec<f64> = w.iter().map(|&v| v as f64).collect();
        let want: Vec<f32> = linear_backward_naive(&w64, &dy.iter().map(|&v| v as f64).collect::<Vec<_>>())
            .iter()
            .map(|&v| v as f32)
            .collect();
        let e = max_rel_err(&linear_backward(&p, &dy, None), &want);
        assert!(e < 1e-5, "{n_out}x{n_in}: {e}");
        let relu: Vec<f32> = x.iter().map(|v| v.max(0.0)).collect();
        let got = linear_backward(&p, &dy, Some(&relu));
        let masked: Vec<f32> = want.iter().zip(&relu).map(|(&g, &v)| if v != 0.0 { g } else { 0.0 }).collect();
        let e = max_rel_err(&got, &masked);
        assert!(e < 1e-5, "{n_out}x{n_in}, nonzero inputs: {e}");
    }
}

#[wasm_bindgen_test]
fn the_build_under_test_is_the_one_asked_for() {
    // scripts/test.sh runs this file twice: as pkg/ is built, and with relaxed SIMD (WASM_RELAXED=1), as
    // pkg-relaxed/ is. This pins which kernel variant the run above checked.
    assert_eq!(alexnet_explainer::peak::RELAXED_SIMD, option_env!("WASM_RELAXED") == Some("1"));
}

#[wasm_bindgen_test]
fn the_default_session_ships_the_trained_conv1_kernels_byte_for_byte() {
    let s = Session::starter(2012);
    let k = s.kernels("conv1").unwrap();
    let file = alexnet_explainer::weights::starter::CONV1_NPY;
    let bytes: Vec<u8> = k.iter().flat_map(|v| v.to_le_bytes()).collect();
    assert_eq!(bytes.as_slice(), &file[file.len() - 34_848 * 4..]);
    // Everything after conv1 is the seeded network's.
    assert_eq!(s.kernels("conv2").unwrap(), Session::untrained(2012).kernels("conv2").unwrap());
}

#[wasm_bindgen_test]
fn a_buffer_hashes_as_it_fills_and_a_vouched_copy_is_trained() {
    use alexnet_explainer::api::WeightsBuffer;
    use alexnet_explainer::weights::{sha256_hex, store, Vouch, VouchedBy};
    // A compact copy of the seeded weights, loaded back through a buffer in three pieces.
    let bytes = store::write(&Weights::untrained(3), store::StoreDtype::Int8, "t", None).unwrap();
    let sha = sha256_hex(&bytes);
    let fill = |hash: bool| {
        let mut b = WeightsBuffer::new(bytes.len() as f64, hash).unwrap();
        for piece in bytes.chunks(bytes.len() / 3 + 1) {
            b.push(piece).unwrap();
        }
        b
    };
    let b = fill(true);
    assert_eq!(b.sha256().as_deref(), Some(sha.as_str()));
    assert_eq!(fill(false).sha256(), None);
    // Nobody vouches: weights from a file, not verified.
    let info = |s: &Session| serde_wasm_bindgen::from_value::<serde_json::Value>(s.weights_info().unwrap()).unwrap();
    let plain = Session::from_buffer(b, wasm_bindgen::JsValue::UNDEFINED).unwrap();
    assert_eq!(info(&plain)["trained"], false);
    assert_eq!(info(&plain)["origin"], "file");
    // This browser vouches for the digest (a compact copy it made from a verified Zoo file): trained.
    let vouch = Vouch {
        sha256: sha.clone(),
        bytes: bytes.len() as u64,
        by: VouchedBy::BrowserCopy,
        from: "bvlcalexnet-12.onnx".into(),
    };
    // As the worker passes it: a plain JS object (not the Map serde-wasm-bindgen makes by default).
    use serde::Serialize;
    let opts = serde_json::json!({ "name": "bvlc-alexnet-int8.safetensors", "vouched": [vouch] })
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap();
    let vouched = Session::from_buffer(fill(true), opts).unwrap();
    let i = info(&vouched);
    assert_eq!(i["trained"], true);
    assert_eq!(i["origin"], "vouched");
    assert_eq!(i["vouched_by"], "browser-copy");
    assert_eq!(i["file"], "bvlc-alexnet-int8.safetensors");
    assert_eq!(i["trained_tensors"].as_array().unwrap().len(), 16);
    // The session turns back into a compact file with the same values.
    let again = Weights::from_bytes(&vouched.to_store("int8").unwrap()).unwrap();
    let first = Weights::from_bytes(&bytes).unwrap();
    for (a, b) in again.layers.iter().zip(&first.layers) {
        assert_eq!(a.weights_f32(), b.weights_f32());
    }
}

#[wasm_bindgen_test]
fn files_are_judged_from_their_head() {
    use alexnet_explainer::api::judge_weights_head;
    assert!(judge_weights_head(&[0; 64], 1000.0).is_err());
    assert!(judge_weights_head(&[8, 1], 5e9).is_err());
    let bytes = alexnet_explainer::weights::store::write(
        &Weights::untrained(1),
        alexnet_explainer::weights::store::StoreDtype::F16,
        "t",
        None,
    )
    .unwrap();
    assert_eq!(judge_weights_head(&bytes[..4096], bytes.len() as f64).unwrap(), "safetensors");
}

#[wasm_bindgen_test]
fn the_warm_up_pass_runs_every_layer_and_leaves_the_users_pass_alone() {
    let mut s = Session::untrained(2012);
    s.start(&image(320, 240), 320, 240).unwrap();
    assert_eq!(s.step().as_deref(), Some("conv1"));
    let conv1 = s.tensor("conv1").unwrap();
    s.warm_start().unwrap();
    let mut steps = 0;
    while s.warm_step() {
        steps += 1;
    }
    assert_eq!(steps, spec::derive().len());
    assert!(!s.warm_step(), "a finished warm-up stays finished");
    // The user's pass is where it was: conv1 unchanged, and the next step is relu1.
    assert_eq!(s.tensor("conv1").unwrap(), conv1);
    assert_eq!(s.step().as_deref(), Some("relu1"));
    assert!(s.tensor("relu1").is_ok());
}

#[wasm_bindgen_test]
fn winograd_on_the_simd_gemm_matches_the_naive_convolution_for_conv2_to_conv5() {
    // Winograd's products (36 positions for F(4, 3) and for conv2's F(2, 5)) run on the packed SIMD GEMM here
    // (natively on its portable twin): conv2–5 as the spec table has them, through the model's own layer path.
    // F(4, 3) rounds more than the direct sum (1.1e-5 to 1.3e-5 on conv3 and conv4), hence 3e-5.
    use alexnet_explainer::ops::conv::{conv2d_layer, conv2d_naive, Packed};
    for (i, l) in
        spec::derive().into_iter().filter(|l| ["conv2", "conv3", "conv4", "conv5"].contains(&l.id)).enumerate()
    {
        let [c, h, w] = l.in_shape[..] else { panic!("{} reads [c, h, w]", l.id) };
        let s = spec::layer(l.id).unwrap().conv_spec((c, h, w));
        let (x, wt, b) = (data(i, s.c_in * s.h * s.w), data(i + 1, s.weight_len()), data(i + 2, s.c_out));
        let packed = Packed::new(&s, &wt);
        assert_eq!(packed.algorithm(), "winograd", "{}", l.id);
        let e = max_rel_err(&conv2d_layer(&s, &x, &wt, &packed, &b), &conv2d_naive(&s, &x, &wt, &b));
        assert!(e < 3e-5, "{}: {e}", l.id);
    }
}

#[wasm_bindgen_test]
fn receptive_fields_and_channel_maxima_cross_the_boundary_and_refuse_bad_queries() {
    use wasm_bindgen::{JsCast, JsValue};
    let num = |v: &JsValue, k: &str| js_sys::Reflect::get(v, &k.into()).unwrap().as_f64().unwrap();
    let mut s = Session::untrained(3);
    let f = s.receptive_field("conv5", 6, 6).unwrap();
    assert_eq!((num(&f, "y0"), num(&f, "x0"), num(&f, "size")), (32.0, 32.0, 163.0));
    assert_eq!(num(&s.receptive_field("conv2", 0, 0).unwrap(), "y0"), -16.0, "unclipped");
    assert!(s.receptive_field("fc6", 0, 0).is_err());
    assert!(s.receptive_field("conv5", 13, 0).is_err());
    assert!(s.feeding("conv2", 256, 0, 0).is_err());
    assert!(s.seeing(227, 0).is_err());
    assert_eq!(js_sys::Array::from(&s.seeing(0, 0).unwrap()).length(), 15, "every layer with maps");
    // A photo of the folder runs on a pass of its own: the user's pass keeps its tensors, and gains none.
    s.start(&image(50, 50), 50, 50).unwrap();
    s.step();
    let before = s.tensor("conv1").unwrap();
    let m = s.channel_maxima(&image(320, 240), 320, 240, "conv2").unwrap();
    let values: js_sys::Float32Array = js_sys::Reflect::get(&m, &"values".into()).unwrap().dyn_into().unwrap();
    let (t, _) = alexnet_explainer::preprocess::from_rgba(&image(320, 240), 320, 240).unwrap();
    let want = alexnet_explainer::maxima::maxima_at(&Model::new(Weights::untrained(3)), t, "conv2").unwrap();
    assert_eq!(values.to_vec(), want.values);
    assert_eq!(num(&m, "size"), 51.0);
    assert_eq!(&*s.tensor("conv1").unwrap(), &*before);
    assert!(s.tensor("conv2").is_err(), "the user's pass has not reached conv2");
    assert!(s.channel_maxima(&[1, 2, 3], 10, 10, "conv2").is_err());
    assert!(s.channel_maxima(&image(50, 50), 50, 50, "fc6").is_err());
    assert!(s.channel_maxima(&image(50, 50), 50, 50, "nope").is_err());
}
