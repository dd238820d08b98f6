#!/usr/bin/env bash
# Builds what is missing and serves the explainer at http://127.0.0.1:8000/ (options: --port N, --host H).
#
# The first run installs wasm-bindgen-cli (a few minutes); later runs start in a couple of seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup-toolchain.sh
./scripts/build-wasm.sh
exec node scripts/serve.mjs "$@"
