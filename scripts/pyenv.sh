#!/usr/bin/env bash
# Creates (once) the repo-root .venv/ that the onnxruntime reference scripts in tests/reference/ run in.
#
# Usage: bash scripts/pyenv.sh [-v]
# Idempotent: a marker file inside the venv holds the exact requirement list it was built from, so a second run
# with unchanged pins only compares two files. Silent unless -v (or VERBOSE=1) is given or something fails.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
req="$root/tests/reference/requirements.txt"
marker="$venv/.reference-requirements"
verbose="${VERBOSE:-0}"
[[ "${1:-}" == "-v" || "${1:-}" == "--verbose" ]] && verbose=1

say() { if [[ "$verbose" == 1 ]]; then echo "pyenv: $*" >&2; fi; }

# The fast path: the venv exists and was built from exactly these pins.
if [[ -x "$venv/bin/python" && -f "$marker" ]] && cmp -s "$req" "$marker"; then
  say "up to date ($venv)"
  exit 0
fi

python="${PYTHON:-python3}"
if [[ ! -x "$venv/bin/python" ]]; then
  say "creating $venv with $($python --version 2>&1)"
  "$python" -m venv "$venv"
fi

# pip's own output is only interesting when asked for; on failure it is replayed so the error is visible.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -r "$req" >"$log" 2>&1; then
  cat "$log" >&2
  echo "pyenv: pip install -r $req failed" >&2
  exit 1
fi
[[ "$verbose" == 1 ]] && cat "$log" >&2

# Prove the pins import before declaring the venv good, so a half-installed venv is never marked.
if ! "$venv/bin/python" -c 'import onnx, onnxruntime, numpy' 2>"$log"; then
  cat "$log" >&2
  echo "pyenv: installed packages do not import" >&2
  exit 1
fi
cp "$req" "$marker"
say "ready: $venv/bin/python"
