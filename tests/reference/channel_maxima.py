#!/usr/bin/env python3
"""onnxruntime's per-channel maxima of one layer on given inputs, for tests/e2e/units.test.mjs (topPatches against
onnxruntime on the same network inputs and weights).

    .venv/bin/python tests/reference/channel_maxima.py --model tests/reference/out/model.onnx --layer conv5 A.npy B.npy

Each .npy is one network input, [3,227,227] float32 (BGR minus the means, as the engine's `data` tensor). Prints JSON
{"layer": ID, "images": [{"values": [C], "ys": [C], "xs": [C]}]}: per channel the maximum and its first position in
row-major order, from onnxruntime's CPU provider with graph optimisations off (make_alexnet.run_all_outputs).
"""

import argparse
import json
import os
import sys

import numpy as np
import onnx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_alexnet import run_all_outputs  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--layer", required=True)
    ap.add_argument("inputs", nargs="+")
    args = ap.parse_args()
    model = onnx.load(args.model)
    images = []
    for path in args.inputs:
        x = np.load(path).astype(np.float32).reshape(1, 3, 227, 227)
        out = run_all_outputs(model, x)[args.layer][0]
        c, h, w = out.shape
        flat = out.reshape(c, h * w)
        at = flat.argmax(axis=1)
        images.append({"values": flat.max(axis=1).tolist(), "ys": (at // w).tolist(), "xs": (at % w).tolist()})
    json.dump({"layer": args.layer, "images": images}, sys.stdout)


if __name__ == "__main__":
    main()
