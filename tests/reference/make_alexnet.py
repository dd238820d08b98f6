#!/usr/bin/env python3
"""Builds a random-weight BVLC AlexNet ONNX shaped like the Model Zoo's bvlcalexnet-12.onnx and dumps every layer.

Seed: 2012 by default (``--seed``); the same seed, pins and script give bit-identical weights and input.

    bash scripts/pyenv.sh
    .venv/bin/python tests/reference/make_alexnet.py --out tests/reference/out [--seed 2012]

Writes into DIR (gitignored; the model is ~244 MB and must never be committed):
    model.onnx      laid out as the Zoo file: producer onnx-caffe2, opset 12, IR 7, input data_0 declared
                    [1,3,224,224] (run at 227), every initializer (sorted, raw_data) also a graph input,
                    Reshape by OC2_DUMMY_1, Dropout ratios 46 and 48, empty node names; output prob_1 [1,1000]
    input.npy       [1,3,227,227] float32, network space (BGR minus the Caffe means)
    <id>.npy        one per Caffe layer id (conv1 ... prob), float32, batch dimension dropped: [C,H,W] or [N]
    manifest.json   seed, package versions, shapes, value statistics, top-5, sha256 of model.onnx

The outputs come from onnxruntime's CPU provider with every graph optimisation disabled, so each dumped tensor is
the output of the node of that name, not of a fused kernel.
"""

import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

DEFAULT_SEED = 2012
OPSET = 12
# IR 7 is what ONNX 1.7 (opset 12) wrote, the generation the Zoo's "-12" models were converted with.
IR_VERSION = 7

# The input as the Zoo file declares it; onnxruntime runs the model with it re-declared as 227 (run_all_outputs).
DECLARED_INPUT = [1, 3, 224, 224]

# Caffe's per-channel means in BGR order, subtracted by the Caffe/Zoo preprocessing.
MEAN_BGR = (104.0, 117.0, 123.0)

# The std of fc8's weights. He-normal (sqrt(2/4096) = 0.022) on this network's relu7 activations (rms ~70) gives
# logits with a std of ~100, a one-hot softmax that would hide softmax bugs. 0.0006 gives logits with a std of ~3:
# with seed 2012 a clear top-1 (~0.76) and the rest of the mass spread over many classes, as a trained net gives.
FC8_STD = 0.0006
# Biases are small against activations in the tens, so they matter numerically without dominating.
BIAS_STD = 0.5

# The Caffe layer table: (caffe id, zoo node/output name, op). Output names follow the Zoo file (conv1_1, ...).
LAYERS = [
    ("conv1", "conv1_1", "Conv"), ("relu1", "conv1_2", "Relu"), ("norm1", "norm1_1", "LRN"),
    ("pool1", "pool1_1", "MaxPool"),
    ("conv2", "conv2_1", "Conv"), ("relu2", "conv2_2", "Relu"), ("norm2", "norm2_1", "LRN"),
    ("pool2", "pool2_1", "MaxPool"),
    ("conv3", "conv3_1", "Conv"), ("relu3", "conv3_2", "Relu"),
    ("conv4", "conv4_1", "Conv"), ("relu4", "conv4_2", "Relu"),
    ("conv5", "conv5_1", "Conv"), ("relu5", "conv5_2", "Relu"), ("pool5", "pool5_1", "MaxPool"),
    ("fc6", "fc6_1", "Gemm"), ("relu6", "fc6_2", "Relu"),
    ("fc7", "fc7_1", "Gemm"), ("relu7", "fc7_2", "Relu"),
    ("fc8", "fc8_1", "Gemm"), ("prob", "prob_1", "Softmax"),
]

# Weight shapes in ONNX layout: conv [c_out, c_in/groups, k, k], Gemm (transB=1) [n_out, n_in].
CONV = {
    "conv1": dict(shape=(96, 3, 11, 11), stride=4, pad=0, group=1),
    "conv2": dict(shape=(256, 48, 5, 5), stride=1, pad=2, group=2),
    "conv3": dict(shape=(384, 256, 3, 3), stride=1, pad=1, group=1),
    "conv4": dict(shape=(384, 192, 3, 3), stride=1, pad=1, group=2),
    "conv5": dict(shape=(256, 192, 3, 3), stride=1, pad=1, group=2),
}
FC = {"fc6": (4096, 9216), "fc7": (4096, 4096), "fc8": (1000, 4096)}


def make_weights(rng):
    """Returns {name: float32 array} for conv1_w_0 ... fc8_b_0, drawn in network order so the stream is stable."""
    weights = {}
    for lid in ["conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8"]:
        shape = CONV[lid]["shape"] if lid in CONV else FC[lid]
        fan_in = int(np.prod(shape[1:]))
        # He-normal keeps the second moment of ReLU activations roughly constant from layer to layer.
        std = FC8_STD if lid == "fc8" else np.sqrt(2.0 / fan_in)
        weights[f"{lid}_w_0"] = (rng.standard_normal(shape, dtype=np.float32) * np.float32(std))
        weights[f"{lid}_b_0"] = (rng.standard_normal(shape[0], dtype=np.float32) * np.float32(BIAS_STD))
    return weights


def make_input(rng):
    """A smooth synthetic 227x227 photo-like image plus noise, in network space: [1,3,227,227] float32, BGR - mean."""
    n = 227
    y, x = np.mgrid[0:n, 0:n].astype(np.float64) / (n - 1)
    # Three colour gradients running in different directions give every channel a different large-scale structure.
    r = 40 + 170 * x
    g = 30 + 150 * y
    b = 60 + 120 * (1 - 0.5 * (x + y))
    rgb = np.stack([r, g, b])
    # Soft blobs add mid-scale structure (edges at varied orientations) for the conv filters to respond to.
    for _ in range(6):
        cy, cx = rng.uniform(0.1, 0.9, size=2)
        sigma = rng.uniform(0.04, 0.15)
        colour = rng.uniform(-120, 120, size=3)
        blob = np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * sigma ** 2))
        rgb += colour[:, None, None] * blob
    # A stripe pattern gives high frequencies, as textures would in a photo.
    rgb += 25 * np.sin(2 * np.pi * (7 * x + 3 * y))[None]
    rgb += rng.normal(0, 8, size=rgb.shape)
    rgb = np.clip(rgb, 0, 255)
    bgr = rgb[::-1] - np.array(MEAN_BGR)[:, None, None]
    return bgr[None].astype(np.float32)


def conv_node(lid, x, out):
    c = CONV[lid]
    k = c["shape"][2]
    p = c["pad"]
    # As in the Zoo file: no dilations, and group only where it is not 1.
    group = {"group": c["group"]} if c["group"] != 1 else {}
    return helper.make_node(
        "Conv", [x, f"{lid}_w_0", f"{lid}_b_0"], [out], kernel_shape=[k, k], strides=[c["stride"]] * 2,
        pads=[p, p, p, p], **group)


def lrn_node(x, out):
    return helper.make_node("LRN", [x], [out], size=5, alpha=1e-4, beta=0.75, bias=1.0)


def pool_node(x, out):
    # The Zoo file pads one row and column at the end, where Caffe rounds the output size up (ceil mode); on these
    # sizes (55, 27, 13) the last window never reaches the padding, so the outputs are Caffe's.
    return helper.make_node("MaxPool", [x], [out], kernel_shape=[3, 3], strides=[2, 2], pads=[0, 0, 1, 1])


def gemm_node(lid, x, out):
    return helper.make_node("Gemm", [x, f"{lid}_w_0", f"{lid}_b_0"], [out], transB=1)


def build_model(weights):
    """The Zoo graph: node order, names, attributes, initializers and inputs as in bvlcalexnet-12.onnx."""
    relu = lambda x, out: helper.make_node("Relu", [x], [out])  # noqa: E731
    # The Zoo's Dropout nodes take their ratio as an initializer (46, 48: what the opset 9 → 12 conversion
    # named them) and have a second (mask) output; at inference they are identities.
    dropout = lambda x, ratio, out, mask: helper.make_node("Dropout", [x, ratio], [out, mask])  # noqa: E731
    nodes = [
        conv_node("conv1", "data_0", "conv1_1"), relu("conv1_1", "conv1_2"), lrn_node("conv1_2", "norm1_1"),
        pool_node("norm1_1", "pool1_1"),
        conv_node("conv2", "pool1_1", "conv2_1"), relu("conv2_1", "conv2_2"), lrn_node("conv2_2", "norm2_1"),
        pool_node("norm2_1", "pool2_1"),
        conv_node("conv3", "pool2_1", "conv3_1"), relu("conv3_1", "conv3_2"),
        conv_node("conv4", "conv3_2", "conv4_1"), relu("conv4_1", "conv4_2"),
        conv_node("conv5", "conv4_2", "conv5_1"), relu("conv5_1", "conv5_2"), pool_node("conv5_2", "pool5_1"),
        # Flattening [1,256,6,6] to [1,9216] with a shape initializer, as the Zoo file does.
        helper.make_node("Reshape", ["pool5_1", "OC2_DUMMY_1"], ["OC2_DUMMY_0"]),
        gemm_node("fc6", "OC2_DUMMY_0", "fc6_1"), relu("fc6_1", "fc6_2"),
        dropout("fc6_2", "46", "fc6_3", "_fc6_mask_1"),
        gemm_node("fc7", "fc6_3", "fc7_1"), relu("fc7_1", "fc7_2"),
        dropout("fc7_2", "48", "fc7_3", "_fc7_mask_1"),
        gemm_node("fc8", "fc7_3", "fc8_1"),
        helper.make_node("Softmax", ["fc8_1"], ["prob_1"]),
    ]
    consts = dict(weights)
    consts["OC2_DUMMY_1"] = np.array([1, 9216], dtype=np.int64)
    consts["46"] = consts["48"] = np.array(0.5, dtype=np.float32)
    # onnx-caffe2 wrote the initializers sorted by name and listed each as a graph input too (IR 3 required it);
    # numpy_helper stores every one in raw_data, as the Zoo file does.
    names = sorted(consts)
    inits = [numpy_helper.from_array(consts[k], name=k) for k in names]
    inputs = [helper.make_tensor_value_info("data_0", TensorProto.FLOAT, DECLARED_INPUT)]
    inputs += [helper.make_tensor_value_info(k, helper.np_dtype_to_tensor_dtype(consts[k].dtype), consts[k].shape)
               for k in names]
    graph = helper.make_graph(
        nodes, "bvlcalexnet-random", inputs, [helper.make_tensor_value_info("prob_1", TensorProto.FLOAT, [1, 1000])],
        initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="onnx-caffe2")
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    return model


def with_input_side(model, side):
    """A copy of `model` whose data_0 is declared [1,3,side,side] (the Zoo file says 224; Caffe's AlexNet takes 227)."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    dims = m.graph.input[0].type.tensor_type.shape.dim
    dims[2].dim_value = dims[3].dim_value = side
    return m


def run_all_outputs(model, x):
    """Runs onnxruntime with every layer output exposed; returns {caffe id: array with batch dim}. The input is
    re-declared with x's size, since the Zoo layout declares 224 and the reference input is Caffe's 227."""
    debug = with_input_side(model, x.shape[-1])
    existing = {o.name for o in debug.graph.output}
    for _, name, _ in LAYERS:
        if name not in existing:
            debug.graph.output.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, None))
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    # Errors only: onnxruntime warns once per initializer that is also a graph input, as every one here is.
    opts.log_severity_level = 3
    opts.intra_op_num_threads = 2
    sess = ort.InferenceSession(debug.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    names = [name for _, name, _ in LAYERS]
    values = sess.run(names, {"data_0": x})
    return {lid: v for (lid, _, _), v in zip(LAYERS, values)}


def stats(a):
    return {"min": float(a.min()), "max": float(a.max()), "mean": float(a.mean()), "std": float(a.std()),
            "zero_frac": float(np.mean(a == 0))}


def check_healthy(layers, prob):
    """Fails loudly if the random net degenerated, since a dead or saturated reference would test nothing."""
    problems = []
    for lid, s in layers.items():
        if s["std"] < 1e-3 or not np.isfinite(s["std"]):
            problems.append(f"{lid}: std {s['std']}")
        if lid.startswith("relu") and not 0.2 < s["zero_frac"] < 0.8:
            problems.append(f"{lid}: {s['zero_frac']:.2f} of the outputs are zero")
    # LRN must visibly change its input, or a missing LRN would go unnoticed.
    for norm, relu in (("norm1", "relu1"), ("norm2", "relu2")):
        if layers[norm]["max"] > 0.9 * layers[relu]["max"]:
            problems.append(f"{norm} barely changes {relu}")
    if not 0.02 < prob.max() < 0.9:
        problems.append(f"softmax top-1 is {prob.max():.4f} (one-hot or uniform)")
    if problems:
        sys.exit("make_alexnet: unhealthy activations: " + "; ".join(problems))


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="output directory (created)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--quiet", action="store_true", help="do not print the layer table")
    args = ap.parse_args()
    t0 = time.time()
    os.makedirs(args.out, exist_ok=True)

    # Separate streams for weights and input, so changing one never shifts the other.
    weights = make_weights(np.random.default_rng([args.seed, 0]))
    x = make_input(np.random.default_rng([args.seed, 1]))
    model = build_model(weights)
    model_path = os.path.join(args.out, "model.onnx")
    onnx.save(model, model_path)
    np.save(os.path.join(args.out, "input.npy"), x)

    outs = run_all_outputs(model, x)
    layers = {}
    for lid, name, op in LAYERS:
        a = np.ascontiguousarray(outs[lid][0], dtype=np.float32)
        np.save(os.path.join(args.out, f"{lid}.npy"), a)
        layers[lid] = {"onnx_output": name, "op": op, "shape": list(a.shape), **stats(a)}

    prob = outs["prob"][0]
    top = np.argsort(-prob)[:5]
    check_healthy(layers, prob)
    manifest = {
        "generator": "tests/reference/make_alexnet.py",
        "seed": args.seed,
        "versions": {"onnx": onnx.__version__, "onnxruntime": ort.__version__, "numpy": np.__version__,
                     "python": sys.version.split()[0]},
        "opset": OPSET, "ir_version": IR_VERSION,
        "ort": {"provider": "CPUExecutionProvider", "graph_optimization_level": "ORT_DISABLE_ALL"},
        "init": {"conv_fc6_fc7": "He-normal std=sqrt(2/fan_in)", "fc8_std": FC8_STD, "bias_std": BIAS_STD,
                 "rng": "numpy default_rng([seed, 0]) weights, default_rng([seed, 1]) input"},
        "input": {"file": "input.npy", "name": "data_0", "shape": list(x.shape), "space": "BGR minus mean",
                  "mean_bgr": list(MEAN_BGR), "declared_shape": DECLARED_INPUT, **stats(x)},
        "model": {"file": "model.onnx", "producer": model.producer_name, "bytes": os.path.getsize(model_path), "sha256": sha256(model_path)},
        "layers": layers,
        "top5": [{"index": int(i), "prob": float(prob[i]), "logit": float(outs["fc8"][0][i])} for i in top],
        "seconds": round(time.time() - t0, 2),
    }
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")

    if not args.quiet:
        print(f"{'id':6} {'shape':16} {'min':>10} {'max':>10} {'mean':>9} {'std':>9} {'zeros':>6}")
        for lid, s in layers.items():
            print(f"{lid:6} {str(s['shape']):16} {s['min']:10.4g} {s['max']:10.4g} {s['mean']:9.4g} "
                  f"{s['std']:9.4g} {s['zero_frac']:6.2f}")
        print("top5:", ", ".join(f"{t['index']}:{t['prob']:.4f}" for t in manifest["top5"]))
        print(f"model {manifest['model']['bytes']} bytes, sha256 {manifest['model']['sha256'][:16]}..., "
              f"{manifest['seconds']} s")


if __name__ == "__main__":
    main()
