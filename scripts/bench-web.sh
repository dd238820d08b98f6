#!/usr/bin/env bash
# Browser benchmark: our wasm (1 and 2 threads) vs onnxruntime-web (1 and 2 threads) on the same generated AlexNet,
# in one headless Chromium session. Builds what it needs first. Usage: ./scripts/bench-web.sh [--runs N]
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup-toolchain.sh
./scripts/build-wasm.sh
bash scripts/pyenv.sh
[[ -f tests/reference/out/model.onnx ]] || .venv/bin/python tests/reference/make_alexnet.py --out tests/reference/out
# onnxruntime-web runs the same model as onnxruntime does in scripts/bench.sh: input declared 227 (the Zoo layout
# says 224) and the weights as constants, not graph inputs (tests/reference/ort_bench.py runnable()).
[[ tests/reference/out/model-ort.onnx -nt tests/reference/out/model.onnx ]] || .venv/bin/python tests/reference/ort_bench.py \
  --model tests/reference/out/model.onnx --write-runnable tests/reference/out/model-ort.onnx
[[ -f tests/reference/out/model-int8.safetensors ]] || cargo run --release --bin alexnet -- convert \
  --from tests/reference/out/model.onnx --to tests/reference/out/model-int8.safetensors --dtype int8
node scripts/bench-web.mjs "$@"
# How it feels in the app itself (tests/e2e/feel.test.mjs measures; nothing is asserted on time): main-thread
# long tasks during a pass, and the time from an image being chosen to the first conv1 maps drawn.
echo
echo "The app, in the same browser (tests/e2e/feel.test.mjs):"
node --test --test-reporter=tap tests/e2e/feel.test.mjs 2>&1 | grep -v Subtest | sed -n 's/^# \(.*\(long\|conv1\|targets\).*\)/\1/p'
