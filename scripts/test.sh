#!/usr/bin/env bash
# Runs every test suite: native cargo tests, wasm tests in headless Chromium, JS unit tests, browser e2e.
#
# Installs what is missing first (Chromium + chromedriver from Debian, the wasm toolchain, node_modules, the
# Python venv for the onnxruntime reference), builds pkg/, then runs the suites in order. A failing suite does
# not stop the others; the exit status is non-zero if anything failed. The last line is
#   suites: N passed, N failed
# Environment: TEST_CARGO_FLAGS (default --profile ci, Cargo.toml's optimised profile without LTO; set it empty for a
# debug build).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
[[ ":$PATH:" == *":$cargo_bin:"* ]] || export PATH="$cargo_bin:$PATH"

# The full network is far too slow unoptimised, hence an optimised profile by default; `ci` skips release's fat LTO,
# which made the test binaries' links most of CI's time.
read -r -a cargo_flags <<< "${TEST_CARGO_FLAGS---profile ci}"
CHROMIUM=/usr/bin/chromium
CHROMEDRIVER=/usr/bin/chromedriver

start_all=$SECONDS
passed=0
failed=0
setup_failed=0
summary=()

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
header() { printf '\n==== %s ====\n' "$*"; }
note() { printf 'test.sh: %s\n' "$*"; }

# run_suite NAME COMMAND...: runs one suite, records pass/fail and its duration.
run_suite() {
  local name=$1; shift
  header "$name: ${label:-$*}"
  local t0; t0=$(now)
  local status=0
  "$@" || status=$?
  local took; took=$(elapsed "$t0")
  if [[ $status -eq 0 ]]; then
    passed=$((passed + 1)); summary+=("PASS  $name (${took} s)")
    printf -- '---- %s: passed in %s s\n' "$name" "$took"
  else
    failed=$((failed + 1)); summary+=("FAIL  $name (${took} s, exit $status)")
    printf -- '---- %s: FAILED (exit %s) in %s s\n' "$name" "$status" "$took"
  fi
}
# not_run NAME REASON: a suite that could not start counts as failed.
not_run() {
  header "$1"
  note "$1 not run: $2"
  failed=$((failed + 1)); summary+=("FAIL  $1 (not run: $2)")
}
skip() {
  header "$1"
  note "$1 skipped: $2"
  summary+=("SKIP  $1 ($2)")
}
# setup_step NAME COMMAND...: a prerequisite; a failure is reported but the suites that can still run do.
setup_step() {
  local name=$1; shift
  local t0; t0=$(now)
  if "$@"; then
    printf -- '---- setup %s: ok in %s s\n' "$name" "$(elapsed "$t0")"
    return 0
  fi
  printf -- '---- setup %s: FAILED in %s s\n' "$name" "$(elapsed "$t0")"
  setup_failed=1
  return 1
}

install_chromium() {
  if [[ -x $CHROMIUM && -x $CHROMEDRIVER ]]; then return 0; fi
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    if ! command -v sudo >/dev/null; then
      note "Chromium is missing and we are not root; install it: apt-get install chromium chromium-driver"
      return 1
    fi
    # Without a terminal (CI) sudo must not wait for a password.
    if [[ -t 0 ]]; then sudo=(sudo); else sudo=(sudo -n); fi
  fi
  note "installing Chromium and chromedriver from Debian"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q chromium chromium-driver
}

header "setup"
browser_ok=1; toolchain_ok=1; build_ok=1
setup_step chromium install_chromium || browser_ok=0
setup_step toolchain ./scripts/setup-toolchain.sh || toolchain_ok=0
if [[ -f scripts/pyenv.sh ]]; then
  setup_step python-venv bash scripts/pyenv.sh || true
else
  note "scripts/pyenv.sh does not exist yet; no Python venv"
fi
if [[ $toolchain_ok -eq 1 ]]; then
  setup_step build-wasm ./scripts/build-wasm.sh || build_ok=0
else
  build_ok=0
fi

# (0) The habits that keep the tree readable: Rust formatted (rustfmt.toml), no clippy warning natively or on the
# wasm path (the library denies unwrap() there), and the JS linter (biome.json). Quick, so they run first.
lint_suite() {
  local rc=0
  cargo fmt --check || { note "cargo fmt --check: run \`cargo fmt\`"; rc=1; }
  cargo clippy --all-targets -- -D warnings || rc=1
  cargo clippy --target wasm32-unknown-unknown --no-default-features --lib --tests -- -D warnings || rc=1
  if [[ -x node_modules/.bin/biome ]]; then
    node_modules/.bin/biome lint --error-on-warnings || rc=1
  else
    note "node_modules/.bin/biome is missing (npm ci installs it)"; rc=1
  fi
  return $rc
}
label="cargo fmt --check; cargo clippy -D warnings (native, wasm32); biome lint" run_suite lint lint_suite

# (1) Native tests, including every layer against onnxruntime. The venv's python comes first on PATH so
# the reference generator finds onnx and onnxruntime.
native_tests() {
  if [[ -x .venv/bin/python ]]; then
    PATH="$PWD/.venv/bin:$PATH" cargo test --no-fail-fast "${cargo_flags[@]}"
  else
    cargo test --no-fail-fast "${cargo_flags[@]}"
  fi
}
label="cargo test --no-fail-fast ${cargo_flags[*]}" run_suite native native_tests

# (2) The wasm boundary in headless Chromium, through wasm-bindgen-test-runner (.cargo/config.toml).
if [[ ! -f tests/wasm.rs ]]; then
  skip wasm "tests/wasm.rs does not exist yet"
elif [[ $browser_ok -eq 0 ]]; then
  not_run wasm "Chromium/chromedriver missing"
elif [[ $toolchain_ok -eq 0 ]]; then
  not_run wasm "the wasm toolchain setup failed"
else
  # wasm-bindgen-test-runner drives Chromium through chromedriver; Debian's knows where its chromium is.
  # The single-threaded builds (no rayon), twice: SIMD128 as in pkg/, and with relaxed SIMD as in pkg-relaxed/
  # (the conv and fc kernels differ between the two: fused multiply-adds).
  wasm_tests() {
    local rc=0
    env CHROMEDRIVER="$CHROMEDRIVER" WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-300}" \
      cargo test --no-fail-fast "${cargo_flags[@]}" --target wasm32-unknown-unknown --no-default-features --test wasm || rc=1
    env CHROMEDRIVER="$CHROMEDRIVER" WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-300}" WASM_RELAXED=1 \
      RUSTFLAGS="-C target-feature=+simd128,+relaxed-simd" \
      cargo test --no-fail-fast "${cargo_flags[@]}" --target wasm32-unknown-unknown --no-default-features --test wasm \
        --target-dir target/relaxed || rc=1
    return $rc
  }
  label="cargo test --no-fail-fast ${cargo_flags[*]} --target wasm32-unknown-unknown --no-default-features --test wasm (SIMD128, relaxed SIMD)" \
    run_suite wasm wasm_tests
fi

# (3) JS unit tests. Files are listed explicitly: with no arguments `node --test` would search the whole tree.
shopt -s nullglob
www_tests=(tests/www/*.test.mjs tests/www/*.test.js)
e2e_tests=(tests/e2e/*.test.mjs)
shopt -u nullglob
if [[ ${#www_tests[@]} -eq 0 ]]; then
  skip www "no tests/www/*.test.mjs"
else
  label="node --test tests/www/ (${#www_tests[@]} files)" run_suite www node --test "${www_tests[@]}"
fi

# (4) End to end in headless Chromium, one file at a time (they share the one machine's two cores).
if [[ ${#e2e_tests[@]} -eq 0 ]]; then
  skip e2e "no tests/e2e/*.test.mjs"
elif [[ $browser_ok -eq 0 ]]; then
  not_run e2e "Chromium missing"
elif [[ $build_ok -eq 0 ]]; then
  not_run e2e "the wasm build (pkg/) failed"
else
  label="node --test --test-concurrency=1 tests/e2e/ (${#e2e_tests[@]} files)" \
    run_suite e2e node --test --test-concurrency=1 "${e2e_tests[@]}"
fi

header "summary ($((SECONDS - start_all)) s)"
printf '%s\n' "${summary[@]}"
if [[ $setup_failed -eq 1 ]]; then echo "setup had failures (see above)"; fi
echo "suites: $passed passed, $failed failed"
if [[ $failed -gt 0 || $setup_failed -eq 1 ]]; then exit 1; fi
