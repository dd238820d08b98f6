//! Each op against small onnxruntime goldens (tests/fixtures/ops, made by tests/reference/make_op_goldens.py, seed 1000).

mod common;

use alexnet_explainer::ops::{conv, linear, lrn, pool, relu, softmax};
use alexnet_explainer::spec::LrnSpec;
use alexnet_explainer::tensor::max_rel_err;
use common::CLOSE;
use serde_json::Value;

struct Case {
    v: Value,
}

impl Case {
    fn load(name: &str) -> Case {
        let p = common::root().join(format!("tests/fixtures/ops/{name}.json"));
        Case { v: serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap() }
    }
    fn arr(&self, k: &str) -> (Vec<usize>, Vec<f32>) {
        let t = &self.v[k];
        let shape = t["shape"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).collect();
        let data = t["data"].as_array().unwrap().iter().map(|d| d.as_f64().unwrap() as f32).collect();
        (shape, data)
    }
    fn attr(&self, k: &str) -> &Value {
        &self.v["attributes"][k]
    }
    fn int(&self, k: &str) -> usize {
        let a = self.attr(k);
        a.as_u64().or_else(|| a[0].as_u64()).unwrap() as usize
    }
}

fn check(name: &str, got: &[f32], want: &[f32]) {
    let e = max_rel_err(got, want);
    assert!(e <= CLOSE, "{name}: max rel err {e:e}");
}

#[test]
fn conv_goldens() {
    for name in ["conv_group2_pad1_stride2", "conv_k11_stride4"] {
        let c = Case::load(name);
        let (xs, x) = c.arr("input");
        let (ws, w) = c.arr("weight");
        let (_, b) = c.arr("bias");
        let s = conv::ConvSpec {
            c_in: xs[1],
            h: xs[2],
            w: xs[3],
            c_out: ws[0],
            k: ws[2],
            stride: c.int("strides"),
            pad: c.int("pads"),
            groups: c.int("group"),
        };
        let (os, want) = c.arr("output");
        assert_eq!([s.c_out, s.out_h(), s.out_w()], os[1..], "{name}");
        check(name, &conv::conv2d(&s, &x, &w, &b), &want);
        check(name, &conv::conv2d_naive(&s, &x, &w, &b), &want);
    }
}

#[test]
fn lrn_goldens() {
    for name in ["lrn_alexnet", "lrn_alpha0.5", "lrn_size3_bias2"] {
        let c = Case::load(name);
        let (xs, x) = c.arr("input");
        let f = |k: &str| c.attr(k).as_f64().unwrap() as f32;
        let p = LrnSpec { size: c.int("size"), alpha: f("alpha"), beta: f("beta"), k: f("bias") };
        let (_, want) = c.arr("output");
        check(name, &lrn::lrn(&p, &x, xs[1], xs[2] * xs[3]), &want);
        check(name, &lrn::lrn_naive(&p, &x, xs[1], xs[2] * xs[3]), &want);
    }
}

#[test]
fn pool_relu_gemm_softmax_goldens() {
    let c = Case::load("maxpool_k3_stride2");
    let (xs, x) = c.arr("input");
    let s = pool::PoolSpec { c: xs[1], h: xs[2], w: xs[3], k: c.int("kernel_shape"), stride: c.int("strides") };
    let (_, want) = c.arr("output");
    assert_eq!(pool::max_pool(&s, &x).values, want);

    let c = Case::load("relu");
    let (_, x) = c.arr("input");
    let mut y = x.clone();
    relu::relu_inplace(&mut y);
    assert_eq!(y, c.arr("output").1);

    let c = Case::load("gemm_transb");
    let (_, x) = c.arr("input");
    let (_, w) = c.arr("weight");
    let (_, b) = c.arr("bias");
    // The fast path takes the matrix in the engine's panels; the reference takes the rows onnxruntime did.
    let panelled = alexnet_explainer::ops::panels::to_panels(&w, x.len());
    check("gemm", &linear::linear(&panelled, &b, &x), &c.arr("output").1);
    check("gemm naive", &linear::linear_naive(&w, &b, &x), &c.arr("output").1);

    for name in ["softmax", "softmax_large"] {
        let c = Case::load(name);
        check(name, &softmax::softmax(&c.arr("input").1), &c.arr("output").1);
    }
}
