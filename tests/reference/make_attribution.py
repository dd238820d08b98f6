#!/usr/bin/env python3
"""Attribution references for tests/attribution_reference.rs, made independently of the engine from the random-weight
AlexNet of make_alexnet.py and onnxruntime's outputs on it.

    .venv/bin/python tests/reference/make_attribution.py --ref tests/reference/out --out tests/reference/out/attribution

Reads DIR (make_alexnet.py's output): model.onnx, input.npy, relu5.npy, fc6.npy, fc7.npy, prob.npy. Writes OUT:
    gradcam_conv5.npy   [13,13] float32: Grad-CAM at conv5 for the top-1 class k, computed in float64 numpy from
                        onnxruntime's relu5/fc6/fc7 outputs and the model's fc weights: the backward pass from
                        logit_k through fc8, relu7, fc7, relu6, fc6 and pool5 (each window's gradient to its first
                        maximum in row-major order, as Caffe and numpy's argmax pick it), alpha_c the spatial mean of
                        d logit_k / d relu5[c], map = ReLU(sum_c alpha_c relu5[c])
    occlusion_cells.npy [n,3] float32 rows (i, j, p_k with a 32x32 patch of 0 at row 16i, column 16j), each from
                        onnxruntime on the occluded input
    manifest.json       the class k, its probability on the original input, the cells, the versions
"""

import argparse
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_alexnet import with_input_side  # noqa: E402

PATCH, STRIDE = 32, 16
# Corners, edges and the middle of the 13x13 map, and two cells off the diagonals.
CELLS = [(0, 0), (0, 12), (12, 0), (12, 12), (6, 6), (3, 9), (10, 4)]


def gradcam_conv5(weights, relu5, fc6, fc7, k):
    w6, w7, w8 = (weights[f"{n}_w_0"].astype(np.float64) for n in ("fc6", "fc7", "fc8"))
    g8 = np.zeros(w8.shape[0])
    g8[k] = 1.0
    g7 = (w8.T @ g8) * (fc7 > 0)
    g6 = (w7.T @ g7) * (fc6 > 0)
    gpool = (w6.T @ g6).reshape(256, 6, 6)
    a = relu5.astype(np.float64)
    ga = np.zeros_like(a)
    for c in range(256):
        for oy in range(6):
            for ox in range(6):
                win = a[c, 2 * oy:2 * oy + 3, 2 * ox:2 * ox + 3]
                dy, dx = np.unravel_index(np.argmax(win), win.shape)
                ga[c, 2 * oy + dy, 2 * ox + dx] += gpool[c, oy, ox]
    alpha = ga.mean(axis=(1, 2))
    return np.maximum(np.tensordot(alpha, a, axes=1), 0.0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ref", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    load = lambda n: np.load(os.path.join(args.ref, f"{n}.npy"))  # noqa: E731
    model = onnx.load(os.path.join(args.ref, "model.onnx"))
    weights = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    prob = load("prob")
    k = int(np.argmax(prob))
    cam = gradcam_conv5(weights, load("relu5"), load("fc6"), load("fc7"), k)
    np.save(os.path.join(args.out, "gradcam_conv5.npy"), cam.astype(np.float32))

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    opts.log_severity_level = 3
    opts.intra_op_num_threads = 2
    sess = ort.InferenceSession(with_input_side(model, 227).SerializeToString(), opts,
                                providers=["CPUExecutionProvider"])
    x = load("input")
    rows = []
    for i, j in CELLS:
        xo = x.copy()
        xo[:, :, STRIDE * i:STRIDE * i + PATCH, STRIDE * j:STRIDE * j + PATCH] = 0.0
        p = sess.run(["prob_1"], {"data_0": xo})[0][0]
        rows.append((i, j, float(p[k])))
    np.save(os.path.join(args.out, "occlusion_cells.npy"), np.array(rows, dtype=np.float32))
    manifest = {
        "generator": "tests/reference/make_attribution.py", "class": k, "prob": float(prob[k]),
        "patch": PATCH, "stride": STRIDE, "cells": rows,
        "gradcam_conv5": {"max": float(cam.max()), "nonzero": int((cam > 0).sum())},
        "versions": {"onnx": onnx.__version__, "onnxruntime": ort.__version__, "numpy": np.__version__},
    }
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()
