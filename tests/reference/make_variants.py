#!/usr/bin/env python3
"""Re-encodes the random-weight stand-in (make_alexnet.py's model.onnx) the other ways a real AlexNet ONNX file comes.

No randomness of its own beyond the calibration data (seed 2012, ``--seed``); the weights are the stand-in's.

    .venv/bin/python tests/reference/make_variants.py --ref tests/reference/out --out tests/reference/out/variants

Writes into DIR (gitignored, ~2 GB; nothing here may be committed):
    float_data.onnx   every float tensor in float_data instead of raw_data (as onnx.helper.make_tensor writes)
    opset9.onnx       opset 9, IR 4: Dropout with a ratio attribute, no ratio initializers
    opset3.onnx       opset 3, IR 3: no Reshape (Gemm reads pool5 directly), Gemm broadcast=1, Dropout is_test=1
    f16.onnx          every float initializer float16, with Casts at the input and output
    q-*/              onnxruntime.quantization.quantize_static of the stand-in (random calibration data):
        model.onnx        the quantised model (see QUANT below for each one's format and fc forms)
        <id>.weight.npy   numpy's dequantisation (q - zero_point) * scale of its initializers, float32, in the
        <id>.bias.npy     engine's layout (conv [c_out, c_in/g, k, k], fc [n_out, n_in]); biases likewise
        <id>.npy          onnxruntime (optimisations off) on the stand-in's graph with those dequantised weights,
                          input ../../input.npy, one per Caffe layer id, batch dimension dropped
    manifest.json     what each file is, the stand-in manifest's sha256 of model.onnx it was made from, versions
"""

import argparse
import json
import logging
import os
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_alexnet as ma  # noqa: E402

DEFAULT_SEED = 2012
PARAM_LAYERS = ["conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8"]

# The quantised variants. `matmul`: fc layers rewritten as MatMul + Add first (QOperator then gives QLinearMatMul +
# com.microsoft QLinearAdd, as Intel's bvlcalexnet-12-int8.onnx has; QDQ gives DequantizeLinear → MatMul → Add);
# the others stay Gemm (QGemm in QOperator). `float_add`: the Add left unquantised, so the bias is a float
# initializer after a DequantizeLinear. Between them: both formats, per-channel on and off, int8 and uint8 weights.
QUANT = {
    "q-operator-per-channel": dict(fmt=QuantFormat.QOperator, per_channel=True, weight=QuantType.QInt8,
                                   activation=QuantType.QUInt8, matmul=["fc6", "fc7", "fc8"], float_add=[]),
    "q-operator-per-tensor": dict(fmt=QuantFormat.QOperator, per_channel=False, weight=QuantType.QUInt8,
                                  activation=QuantType.QUInt8, matmul=["fc7", "fc8"], float_add=["fc7"]),
    "q-dq-per-channel": dict(fmt=QuantFormat.QDQ, per_channel=True, weight=QuantType.QInt8,
                             activation=QuantType.QUInt8, matmul=["fc6"], float_add=[]),
    "q-dq-per-tensor": dict(fmt=QuantFormat.QDQ, per_channel=False, weight=QuantType.QInt8,
                            activation=QuantType.QInt8, matmul=[], float_add=[]),
}


def copy(model):
    m = onnx.ModelProto()
    m.CopyFrom(model)
    return m


def set_opset(m, opset, ir):
    del m.opset_import[:]
    m.opset_import.append(helper.make_opsetid("", opset))
    m.ir_version = ir


def drop_initializers(m, names):
    keep = [t for t in m.graph.initializer if t.name not in names]
    del m.graph.initializer[:]
    m.graph.initializer.extend(keep)
    inputs = [i for i in m.graph.input if i.name not in names]
    del m.graph.input[:]
    m.graph.input.extend(inputs)


def float_data(model):
    """Every float initializer re-encoded as float_data: the same bytes as raw_data, under TensorProto field 4."""
    m = copy(model)
    for t in m.graph.initializer:
        if t.data_type == TensorProto.FLOAT:
            raw = t.raw_data
            t.ClearField("raw_data")
            # A packed repeated float field is the little-endian floats behind a length, so parsing that is the
            # fast way to fill float_data with 61 million values.
            n = len(raw)
            key = bytes([0x22])  # field 4, wire type 2
            length = bytearray()
            while True:
                b = n & 0x7F
                n >>= 7
                length.append(b | (0x80 if n else 0))
                if not n:
                    break
            t.MergeFromString(key + bytes(length) + raw)
    onnx.checker.check_model(m)
    return m


def opset9(model):
    """The opset 9 form (bvlcalexnet-9): Dropout's ratio is an attribute, so the ratio initializers go."""
    m = copy(model)
    set_opset(m, 9, 4)
    for n in m.graph.node:
        if n.op_type == "Dropout":
            del n.input[1:]
            n.attribute.append(helper.make_attribute("ratio", 0.5))
    drop_initializers(m, {"46", "48"})
    onnx.checker.check_model(m)
    return m


def opset3(model):
    """The opset 3 form (the first Zoo AlexNet): no Reshape, Gemm with broadcast=1, Dropout with is_test."""
    m = copy(model)
    set_opset(m, 3, 3)
    nodes = []
    for n in m.graph.node:
        if n.op_type == "Reshape":
            continue
        if n.op_type == "Gemm":
            if n.input[0] == "OC2_DUMMY_0":
                n.input[0] = "pool5_1"
            n.attribute.append(helper.make_attribute("broadcast", 1))
        if n.op_type == "Dropout":
            del n.input[1:]
            n.attribute.extend([helper.make_attribute("is_test", 1), helper.make_attribute("ratio", 0.5)])
        nodes.append(n)
    del m.graph.node[:]
    m.graph.node.extend(nodes)
    drop_initializers(m, {"46", "48", "OC2_DUMMY_1"})
    onnx.checker.check_model(m)
    return m


def f16(model):
    """float16 weights, as onnxconverter-common's convert_float_to_float16(keep_io_types=True) leaves them."""
    m = copy(model)
    for t in m.graph.initializer:
        if t.data_type == TensorProto.FLOAT:
            t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(t).astype(np.float16), name=t.name))
    for i in m.graph.input[1:]:
        if i.type.tensor_type.elem_type == TensorProto.FLOAT:
            i.type.tensor_type.elem_type = TensorProto.FLOAT16
    first, last = m.graph.node[0], m.graph.node[-1]
    first.input[0] = "data_0_f16"
    last.output[0] = "prob_1_f16"
    m.graph.node.insert(0, helper.make_node("Cast", ["data_0"], ["data_0_f16"], to=TensorProto.FLOAT16))
    m.graph.node.append(helper.make_node("Cast", ["prob_1_f16"], ["prob_1"], to=TensorProto.FLOAT))
    onnx.checker.check_model(m)
    return m


def quantisable(model, matmul):
    """The stand-in as onnxruntime's quantiser wants it: initializers not listed as inputs, data_0 at 227, and
    the fc layers in `matmul` rewritten as MatMul (weight transposed to [n_in, n_out]) + Add (named fcN_add)."""
    m = ma.with_input_side(model, 227)
    inits = {t.name for t in m.graph.initializer}
    inputs = [i for i in m.graph.input if i.name not in inits]
    del m.graph.input[:]
    m.graph.input.extend(inputs)
    by_name = {t.name: t for t in m.graph.initializer}
    nodes = []
    for n in m.graph.node:
        lid = n.input[1][:3] if n.op_type == "Gemm" else None
        if lid in matmul:
            w = by_name[n.input[1]]
            w.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(w).T.copy(), name=w.name))
            nodes.append(helper.make_node("MatMul", [n.input[0], n.input[1]], [f"{lid}_mm"], name=f"{lid}_matmul"))
            nodes.append(helper.make_node("Add", [f"{lid}_mm", n.input[2]], [n.output[0]], name=f"{lid}_add"))
        else:
            nodes.append(n)
    del m.graph.node[:]
    m.graph.node.extend(nodes)
    return m


class RandomCalibration(CalibrationDataReader):
    """One random network-space image; the ranges it gives are as good as any for testing the file format."""

    def __init__(self, seed):
        rng = np.random.default_rng([seed, 2])
        self.batches = iter([{"data_0": (rng.standard_normal((1, 3, 227, 227)) * 60).astype(np.float32)}])

    def get_next(self):
        return next(self.batches, None)


def attr(node, name, default):
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def dequantise(q, scale, zero, axis):
    """numpy's (q - zero) * scale in float32, per tensor or along `axis`."""
    q = q.astype(np.int32)
    zero = np.zeros(1, np.int32) if zero is None else zero.astype(np.int32)
    scale = scale.astype(np.float32)
    shape = [1] * q.ndim
    if scale.size > 1 or zero.size > 1:
        shape[axis] = -1
    return (q - zero.reshape(shape)).astype(np.float32) * scale.reshape(shape)


def dequantised_weights(model):
    """{caffe id: (weight, bias)} of a quantised model, in the engine's layout, read by following its graph."""
    inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    producer = {o: n for n in model.graph.node for o in n.output}
    consumers = lambda v: [n for n in model.graph.node if v in n.input]  # noqa: E731
    opt = lambda n, i: inits[n.input[i]] if len(n.input) > i and n.input[i] else None  # noqa: E731

    def const(name):
        if name in inits:
            return inits[name].astype(np.float32)
        dq = producer[name]
        assert dq.op_type == "DequantizeLinear", dq
        q = inits[dq.input[0]]
        axis = attr(dq, "axis", 1)
        return dequantise(q, inits[dq.input[1]], opt(dq, 2), axis + q.ndim if axis < 0 else axis)

    def bias_after(v):
        while True:
            (c,) = consumers(v)
            if c.op_type in ("QuantizeLinear", "DequantizeLinear"):
                v = c.output[0]
            elif c.op_type == "Add":
                return const([i for i in c.input if i != v][0])
            else:
                assert c.op_type == "QLinearAdd", c
                b = 3 if c.input[0] == v else 0
                return dequantise(inits[c.input[b]], inits[c.input[b + 1]], inits[c.input[b + 2]], 0)

    def int32_bias(node, b, w_scale):
        bias_scale = np.float32(inits[node.input[1]]) * inits[w_scale].astype(np.float32)
        return inits[node.input[b]].astype(np.int32).astype(np.float32) * bias_scale

    found = []
    for n in model.graph.node:
        if n.op_type == "Conv" or n.op_type == "Gemm":
            w, b = const(n.input[1]), const(n.input[2])
            found.append((w if attr(n, "transB", 0) or n.op_type == "Conv" else w.T, b))
        elif n.op_type == "QLinearConv":
            found.append((dequantise(inits[n.input[3]], inits[n.input[4]], inits[n.input[5]], 0),
                          int32_bias(n, 8, n.input[4])))
        elif n.op_type == "QGemm":
            trans_b = attr(n, "transB", 0)
            w = dequantise(inits[n.input[3]], inits[n.input[4]], inits[n.input[5]], 0 if trans_b else 1)
            found.append((w if trans_b else w.T, int32_bias(n, 6, n.input[4])))
        elif n.op_type == "MatMul":
            found.append((const(n.input[1]).T, bias_after(n.output[0])))
        elif n.op_type == "QLinearMatMul":
            w = dequantise(inits[n.input[3]], inits[n.input[4]], inits[n.input[5]], 1)
            found.append((w.T, bias_after(n.output[0])))
    assert len(found) == 8, [n.op_type for n in model.graph.node]
    return {lid: (np.ascontiguousarray(w, np.float32), np.ascontiguousarray(b, np.float32))
            for lid, (w, b) in zip(PARAM_LAYERS, found)}


def quantised_variant(name, spec, model, x, out, seed):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "fp32.onnx")
        onnx.save(quantisable(model, spec["matmul"]), src)
        quantize_static(src, os.path.join(d, "model.onnx"), RandomCalibration(seed), quant_format=spec["fmt"],
                        per_channel=spec["per_channel"], weight_type=spec["weight"],
                        activation_type=spec["activation"], nodes_to_exclude=[f"{f}_add" for f in spec["float_add"]])
    q = onnx.load(os.path.join(d, "model.onnx"))
    weights = dequantised_weights(q)
    for lid, (w, b) in weights.items():
        np.save(os.path.join(d, f"{lid}.weight.npy"), w)
        np.save(os.path.join(d, f"{lid}.bias.npy"), b)
    # The fp32 reference: the stand-in's own graph, its weights replaced by the dequantised ones.
    fp32 = ma.build_model({f"{lid}_{k}_0": v for lid, (w, b) in weights.items() for k, v in (("w", w), ("b", b))})
    for lid, v in ma.run_all_outputs(fp32, x).items():
        np.save(os.path.join(d, f"{lid}.npy"), np.ascontiguousarray(v[0], dtype=np.float32))
    ops = sorted({n.op_type for n in q.graph.node})
    return {"dir": name, "format": str(spec["fmt"]), "per_channel": spec["per_channel"],
            "weight_type": str(spec["weight"]), "activation_type": str(spec["activation"]),
            "matmul": spec["matmul"], "float_add": spec["float_add"], "ops": ops,
            "bytes": os.path.getsize(os.path.join(d, "model.onnx"))}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ref", required=True, help="make_alexnet.py's output directory")
    ap.add_argument("--out", required=True, help="output directory (created)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = ap.parse_args()
    # The quantiser logs every node it cannot quantise (LRN, Dropout) at INFO and WARNING; only errors matter here.
    logging.getLogger().setLevel(logging.ERROR)
    t0 = time.time()
    os.makedirs(args.out, exist_ok=True)
    model = onnx.load(os.path.join(args.ref, "model.onnx"))
    x = np.load(os.path.join(args.ref, "input.npy"))
    with open(os.path.join(args.ref, "manifest.json")) as f:
        ref = json.load(f)

    files = {}
    for name, make, what in [
        ("float_data.onnx", float_data, "float32 in float_data"),
        ("opset9.onnx", opset9, "opset 9: Dropout ratio attribute"),
        ("opset3.onnx", opset3, "opset 3: no Reshape, Gemm broadcast=1"),
        ("f16.onnx", f16, "float16 initializers"),
    ]:
        onnx.save(make(model), os.path.join(args.out, name))
        files[name] = {"what": what, "bytes": os.path.getsize(os.path.join(args.out, name))}
        print(f"{name}: {files[name]['bytes']} bytes, {time.time() - t0:.1f} s", flush=True)
    quant = {}
    for name, spec in QUANT.items():
        quant[name] = quantised_variant(name, spec, model, x, args.out, args.seed)
        print(f"{name}: {quant[name]['bytes']} bytes, ops {' '.join(quant[name]['ops'])}, {time.time() - t0:.1f} s",
              flush=True)

    manifest = {
        "generator": "tests/reference/make_variants.py",
        "seed": args.seed,
        "stand_in_sha256": ref["model"]["sha256"],
        "versions": {"onnx": onnx.__version__, "onnxruntime": ort.__version__, "numpy": np.__version__},
        "files": files,
        "quantised": quant,
        "seconds": round(time.time() - t0, 2),
    }
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
