#!/usr/bin/env bash
# Native benchmark: our engine vs onnxruntime (PyPI, CPU) on the same generated AlexNet and input, 1 and 2 threads.
# Prints per-layer times for ours and a table of medians and ratios. Timings are noise on a busy machine: only
# the ratios of one run mean anything. Usage: ./scripts/bench.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
bash scripts/pyenv.sh
out=tests/reference/out
[[ -f $out/model.onnx ]] || .venv/bin/python tests/reference/make_alexnet.py --out $out
cargo build --release --bench forward --bench attribution 2>/dev/null || true
declare -A ours ort
for t in 1 2; do
  echo "== ours, $t thread(s)"
  line=$(RAYON_NUM_THREADS=$t cargo bench --bench forward -- $out/model.onnx "$runs" 2>/dev/null | tee /dev/stderr | tail -n 1)
  ours[$t]=$(sed -E 's/.*"median_ms":([0-9.]+).*/\1/' <<<"$line")
  echo "== onnxruntime, $t thread(s)"
  ort[$t]=$(.venv/bin/python tests/reference/ort_bench.py --model $out/model.onnx --input $out/input.npy --threads $t --runs "$runs" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["median_ms"])')
  echo "median ${ort[$t]} ms"
done
echo
echo "| threads | ours (ms) | onnxruntime (ms) | ours / onnxruntime |"
echo "|---|---|---|---|"
for t in 1 2; do
  printf '| %s | %.1f | %.1f | %.2f |\n' "$t" "${ours[$t]}" "${ort[$t]}" "$(python3 -c "print(${ours[$t]}/${ort[$t]})")"
done
echo
# Why? maps against one forward pass (benches/attribution.rs): Grad-CAM, saliency, occlusion with and without the
# incremental recompute. Ratios only; nothing is asserted.
for t in 1 2; do
  echo "== attribution, $t thread(s)"
  RAYON_NUM_THREADS=$t cargo bench --bench attribution -- $out/model.onnx "$runs" 2>/dev/null
done
