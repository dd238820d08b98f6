#!/usr/bin/env python3
"""Writes small single-op goldens from onnxruntime into tests/fixtures/ops/, one compact JSON file per case.

Seed: 1000 (SEED below); the same seed, pins and script give byte-identical files.

    bash scripts/pyenv.sh
    .venv/bin/python tests/reference/make_op_goldens.py [--out tests/fixtures/ops]

Each file: {"case", "op", "opset", "attributes", "input", "weight"?, "bias"?, "output", "generator", "versions"},
where every tensor is {"shape": [...], "data": [...]} in ONNX layout (batch dimension included, row-major NCHW;
conv weights [c_out, c_in/groups, k, k]; Gemm weights [n_out, n_in] used with transB=1). Numbers are the shortest
decimals that round-trip to the float32 value, so parsing them as f32 gives the exact tensor onnxruntime used.

Conv and Gemm inputs are small dyadic rationals (multiples of 1/4 and 1/16), so every product and partial sum is
exact in float32 and those expected outputs do not depend on summation order. LRN and Softmax use ordinary floats.
"""

import argparse
import json
import os

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

SEED = 1000
OPSET = 12
MAX_BYTES = 20_000


def dyadic(rng, shape, step, limit):
    """Random multiples of `step` in [-limit, limit]: exact in float32 and short in decimal."""
    n = int(round(limit / step))
    return (rng.integers(-n, n + 1, size=shape) * step).astype(np.float32)


def run(op, attrs, x, params):
    """Runs one node on onnxruntime (no graph optimisation) with the params as initializers; returns the output."""
    names = [f"p{i}" for i in range(len(params))]
    node = helper.make_node(op, ["x"] + names, ["y"], **attrs)
    graph = helper.make_graph(
        [node], f"golden_{op}",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=[numpy_helper.from_array(p, name=n) for p, n in zip(params, names)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 7
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    return sess.run(["y"], {"x": x})[0]


def tensor_json(a):
    a = np.asarray(a, dtype=np.float32)
    assert np.all(np.isfinite(a))
    # The shortest decimal that round-trips to the float32 value, re-read as a Python float so json writes it short.
    data = [float(np.format_float_scientific(v, unique=True, trim="-")) for v in a.reshape(-1)]
    return {"shape": list(a.shape), "data": data}


def cases(rng):
    """Yields (case name, op, attributes, x, [weight, bias]) in a fixed order, so the RNG stream is stable."""
    # AlexNet's conv2/4/5 split: group 2, pad 1, and stride 2 so the window arithmetic is exercised too.
    yield ("conv_group2_pad1_stride2", "Conv",
           dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], dilations=[1, 1], group=2),
           dyadic(rng, (1, 4, 7, 7), 0.25, 4), [dyadic(rng, (6, 2, 3, 3), 1 / 16, 1), dyadic(rng, (6,), 0.25, 2)])
    # conv1's geometry: 11x11 stride 4, no padding; (23 - 11) / 4 + 1 = 4.
    yield ("conv_k11_stride4", "Conv",
           dict(kernel_shape=[11, 11], strides=[4, 4], pads=[0, 0, 0, 0], dilations=[1, 1], group=1),
           dyadic(rng, (1, 3, 23, 23), 0.25, 4), [dyadic(rng, (2, 3, 11, 11), 1 / 16, 0.5), dyadic(rng, (2,), 0.25, 2)])
    # LRN with AlexNet's parameters only shows on large inputs, as after relu1; so the inputs here are in the hundreds.
    yield ("lrn_alexnet", "LRN", dict(size=5, alpha=1e-4, beta=0.75, bias=1.0),
           np.abs(rng.normal(0, 150, (1, 8, 3, 3))).astype(np.float32), [])
    # A large alpha makes the cross-channel window visible on unit-scale data, including the clipped edges.
    yield ("lrn_alpha0.5", "LRN", dict(size=5, alpha=0.5, beta=0.75, bias=1.0),
           rng.normal(0, 1.5, (1, 8, 3, 3)).astype(np.float32), [])
    # Another size and bias catch an implementation that hard-codes AlexNet's 5 and k = 1.
    yield ("lrn_size3_bias2", "LRN", dict(size=3, alpha=0.5, beta=0.75, bias=2.0),
           rng.normal(0, 1.5, (1, 8, 3, 3)).astype(np.float32), [])
    # Channel 1 is all negative, which catches a max that starts from 0 instead of -inf or the first element.
    x = rng.normal(0, 1, (1, 2, 9, 9)).astype(np.float32)
    x[0, 1] = -np.abs(x[0, 1]) - 0.1
    yield ("maxpool_k3_stride2", "MaxPool", dict(kernel_shape=[3, 3], strides=[2, 2], pads=[0, 0, 0, 0]), x, [])
    yield ("relu", "Relu", {}, rng.normal(0, 1, (1, 3, 4, 4)).astype(np.float32), [])
    yield ("gemm_transb", "Gemm", dict(alpha=1.0, beta=1.0, transA=0, transB=1),
           dyadic(rng, (1, 10), 0.25, 4), [dyadic(rng, (6, 10), 1 / 16, 1), dyadic(rng, (6,), 0.25, 2)])
    yield ("softmax", "Softmax", dict(axis=1), rng.normal(0, 2, (1, 10)).astype(np.float32), [])
    # Logits near 1000 overflow exp() unless the maximum is subtracted first.
    yield ("softmax_large", "Softmax", dict(axis=1),
           (1000 + rng.normal(0, 3, (1, 10))).astype(np.float32), [])


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(here, "..", "fixtures", "ops"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(SEED)
    versions = {"onnx": onnx.__version__, "onnxruntime": ort.__version__, "numpy": np.__version__}
    for name, op, attrs, x, params in cases(rng):
        y = run(op, attrs, x, params)
        doc = {"case": name, "op": op, "opset": OPSET, "attributes": attrs, "input": tensor_json(x)}
        for key, p in zip(("weight", "bias"), params):
            doc[key] = tensor_json(p)
        doc["output"] = tensor_json(y)
        doc["generator"] = f"tests/reference/make_op_goldens.py (seed {SEED})"
        doc["versions"] = versions
        text = json.dumps(doc, separators=(",", ":")) + "\n"
        if len(text) > MAX_BYTES:
            raise SystemExit(f"{name}: {len(text)} bytes > {MAX_BYTES}")
        with open(os.path.join(args.out, f"{name}.json"), "w") as f:
            f.write(text)
        print(f"{name:26} {op:8} in {list(x.shape)} out {list(y.shape)} {len(text)} bytes")


if __name__ == "__main__":
    main()
