#!/usr/bin/env bash
# Installs what building the wasm needs: the wasm32 target, the matching wasm-bindgen-cli, and node_modules.
#
# Idempotent and fast (well under a second) once everything is in place. The first run on a fresh machine
# spends ~4 minutes in `cargo install wasm-bindgen-cli`.
set -euo pipefail
cd "$(dirname "$0")/.."

# `cargo install` puts binaries here; a non-login shell (CI) may not have it on PATH yet.
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
[[ ":$PATH:" == *":$cargo_bin:"* ]] || export PATH="$cargo_bin:$PATH"

say() { printf 'setup: %s\n' "$*"; }

for tool in cargo rustup node npm; do
  command -v "$tool" >/dev/null || { say "$tool is not installed; this project needs Rust (rustup) and Node 20 with npm"; exit 1; }
done

# 1. The wasm target, for whichever toolchain this directory selects (rust-toolchain.toml, if any).
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
# rustfmt and clippy, for the lint suite of scripts/test.sh (rustup's default profile has both).
for component in rustfmt clippy; do
  if ! rustup component list --installed 2>/dev/null | grep -q "^$component"; then
    say "adding $component"
    rustup component add "$component" || say "note: could not add $component; the lint suite will fail"
  fi
done
# The optional threads build (pkg-threads/) rebuilds std with atomics: nightly's rust-src. Failure is not fatal:
# build-wasm.sh then skips that build and the app runs single-threaded.
if rustup run nightly rustc --version >/dev/null 2>&1 \
    && [[ ! -d "$(rustup run nightly rustc --print sysroot)/lib/rustlib/src/rust/library" ]]; then
  say "adding rust-src to the nightly toolchain (for the wasm threads build)"
  rustup component add rust-src --toolchain nightly || say "note: could not add rust-src; the threads build will be skipped"
fi

# 2. wasm-bindgen-cli must be exactly the version of the wasm-bindgen crate, or the generated glue and the
#    test runner refuse the module. Cargo.lock is the truth once it exists; before that, the `=x.y.z` pin.
wanted=""
if [[ -f Cargo.lock ]]; then
  wanted=$(awk '/^\[\[package\]\]/ { name = "" }
                /^name = / { name = $3 }
                /^version = / && name == "\"wasm-bindgen\"" { gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
fi
if [[ -z "$wanted" ]]; then
  wanted=$(sed -nE 's/^[[:space:]]*wasm-bindgen[[:space:]]*=[[:space:]]*(\{[^}]*version[[:space:]]*=[[:space:]]*)?"=?([0-9]+\.[0-9]+\.[0-9]+)".*/\2/p' Cargo.toml | head -n1)
fi
if [[ -z "$wanted" ]]; then
  say "cannot find the wasm-bindgen version in Cargo.lock or Cargo.toml"; exit 1
fi
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
have_runner=$(wasm-bindgen-test-runner --version 2>/dev/null | awk '{print $2}' || true)
if [[ "$have" != "$wanted" || "$have_runner" != "$wanted" ]]; then
  say "installing wasm-bindgen-cli $wanted (found '${have:-none}'); this takes a few minutes, once"
  # No --locked: the CLI's lock file pins a webpki-roots release missing from the index (see TOOLCHAIN.md).
  cargo install wasm-bindgen-cli --version "$wanted" --force
fi

# 3. node_modules (playwright-core for e2e, binaryen's wasm-opt). npm records what it installed in
#    node_modules/.package-lock.json; reinstall when package-lock.json or package.json is newer than that.
stamp=node_modules/.package-lock.json
if [[ ! -f "$stamp" || package.json -nt "$stamp" || ( -f package-lock.json && package-lock.json -nt "$stamp" ) ]]; then
  if [[ -f package-lock.json ]]; then
    say "npm ci"
    npm ci --no-audit --no-fund
  else
    say "npm install (no package-lock.json yet)"
    npm install --no-audit --no-fund
  fi
  touch "$stamp"
fi
