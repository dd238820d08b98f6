#!/usr/bin/env python3
"""Times onnxruntime (CPU, default optimisations) on an AlexNet ONNX, as the speed baseline for the Rust engine.

    .venv/bin/python tests/reference/ort_bench.py --model DIR/model.onnx --input DIR/input.npy --threads 1 --runs 20

Prints one JSON object: {"threads", "runs": [ms, ...], "median_ms", "min_ms", "onnxruntime", "warmup"}, plus
"layers": {node name: median ms} with --profile (onnxruntime's own profiler; fused nodes keep the name of the
first node they absorbed, so optimised graphs show fewer entries than the model has nodes). Profiling adds
a little overhead to the run times, so time without --profile when the numbers matter.
"""

import argparse
import json
import os
import statistics
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort


def profile_layers(path):
    """Median per-node kernel time (ms) from an onnxruntime profile file; the median makes the warm-up runs moot."""
    with open(path) as f:
        events = json.load(f)
    per_node = {}
    for e in events:
        if e.get("cat") != "Node" or not e.get("name", "").endswith("_kernel_time"):
            continue
        name = e["name"][: -len("_kernel_time")]
        per_node.setdefault(name, []).append(e["dur"] / 1000.0)
    return {k: round(statistics.median(v), 3) for k, v in per_node.items()}


def runnable(path, side):
    """The model's bytes with its first input declared [1,3,side,side] and no initializer listed as a graph input.

    The Zoo layout (which make_alexnet.py copies) declares data_0 as 224 while Caffe's AlexNet takes 227, and lists
    every initializer as an input, which makes onnxruntime treat the weights as overridable: no constant folding, no
    pre-packing. Removing them from the inputs (onnxruntime's own remove_initializer_from_input.py) keeps this the
    speed of onnxruntime on AlexNet, not on a graph whose weights could change between runs.
    """
    m = onnx.load(path)
    dims = m.graph.input[0].type.tensor_type.shape.dim
    dims[2].dim_value = dims[3].dim_value = side
    inits = {t.name for t in m.graph.initializer}
    keep = [i for i in m.graph.input if i.name not in inits]
    del m.graph.input[:]
    m.graph.input.extend(keep)
    return m.SerializeToString()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--input", help=".npy, [1,3,227,227] float32 (required unless --write-runnable)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--profile", action="store_true", help="add per-node median times from onnxruntime's profiler")
    ap.add_argument("--write-runnable", metavar="OUT",
                    help="only write the model as onnxruntime runs it here (227 input, weights as constants) to OUT, "
                         "for onnxruntime-web in scripts/bench-web.sh")
    args = ap.parse_args()
    if args.write_runnable:
        with open(args.write_runnable, "wb") as f:
            f.write(runnable(args.model, 227))
        return

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = args.threads
    opts.inter_op_num_threads = 1
    # Default optimisations stay on: this is the speed a user of onnxruntime would see.
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    tmp = None
    if args.profile:
        tmp = tempfile.mkdtemp(prefix="ort_bench_")
        opts.enable_profiling = True
        opts.profile_file_prefix = os.path.join(tmp, "profile")
    x = np.load(args.input).astype(np.float32)
    sess = ort.InferenceSession(runnable(args.model, x.shape[-1]), opts, providers=["CPUExecutionProvider"])
    feed = {sess.get_inputs()[0].name: x}

    for _ in range(args.warmup):
        sess.run(None, feed)
    runs = []
    for _ in range(args.runs):
        t = time.perf_counter()
        sess.run(None, feed)
        runs.append(round((time.perf_counter() - t) * 1000.0, 3))

    out = {"threads": args.threads, "runs": runs, "median_ms": round(statistics.median(runs), 3),
           "min_ms": min(runs), "warmup": args.warmup, "onnxruntime": ort.__version__}
    if args.profile:
        profile = sess.end_profiling()
        out["layers"] = profile_layers(profile)
        os.remove(profile)
        os.rmdir(tmp)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
