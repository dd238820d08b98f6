//! The wasm boundary in headless Chromium (wasm-bindgen-test): session lifecycle, shapes, copies and errors.
//!
//! Native `cargo test` compiles this file to nothing; `scripts/test.sh` runs it with
//! `cargo test --target wasm32-unknown-unknown --test wasm`.

#![cfg(target_arch = "wasm32")]

use alexnet_explainer::api::Session;
use alexnet_explainer::model::Forward;
use alexnet_explainer::spec;
use alexnet_explainer::tensor::Tensor;
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
fn wasm_matches_the_native_code_path_on_conv1_pool1_prob() {
    // The same weights and input through the wasm Session and through the plain Rust model (also compiled to
    // wasm here, but without the JS boundary): the boundary must not change a value. The native build of this
    // code is checked against onnxruntime in tests/alexnet_reference.rs.
    let px = image(227, 227);
    let mut s = Session::untrained(7);
    s.start(&px, 227, 227).unwrap();
    while s.step().is_some() {}
    let (t, _) = alexnet_explainer::preprocess::from_rgba(&px, 227, 227).unwrap();
    let w = Weights::untrained(7);
    let mut f = Forward::new(Tensor::new(t.shape, t.data).unwrap()).unwrap();
    f.run_all(&w);
    for id in ["conv1", "pool1", "prob"] {
        assert_eq!(&*s.tensor(id).unwrap(), f.output(id).unwrap().data.as_slice(), "{id}");
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
        let deq: Vec<f32> = q.chunks_exact(n_in).zip(&s).flat_map(|(r, &sc)| r.iter().map(move |&v| v as f32 * sc)).collect();
        let b: Vec<f32> = (0..n_out).map(|i| i as f32 * 0.1).collect();
        let x: Vec<f32> = (0..n_in).map(|i| ((i * 31 % 97) as f32) - 40.0).collect();
        let got = linear_i8(&q, &s, &b, &x);
        let want = linear_naive(&deq, &b, &x);
        let scale = want.iter().fold(0f32, |m, v| m.max(v.abs()));
        let err = got.iter().zip(&want).fold(0f32, |m, (a, b)| m.max((a - b).abs())) / scale;
        // The wasm kernel rounds the input to 12-bit codes: errors up to ~1/4094 of the largest term's scale.
        assert!(err < 2e-3, "{n_out}x{n_in}: {err}");
        assert!(err > 0.0 || n_in < 16, "the 12-bit path must be the one under test");
    }
}
