#!/usr/bin/env bash
# Builds the engine for the browser: cargo (wasm32, release, SIMD) → wasm-bindgen --target web → binaryen wasm-opt.
#
# Four packages, two choices each (the worker picks the best one the browser and page allow, www/builds.js):
#   pkg/                    stable Rust, single-threaded, SIMD128: runs on any host and any browser with SIMD;
#   pkg-relaxed/            the same plus relaxed SIMD (the conv GEMM multiply-adds become fused f32x4.relaxed_madd);
#   pkg-threads/            nightly, shared memory and rayon on two threads, for cross-origin isolated pages;
#   pkg-threads-relaxed/    both.
# The threads builds are optional: when nightly or its rust-src is missing they are skipped with a note and the
# app runs single-threaded. THREADS=0 skips them; RELAXED=0 skips the relaxed-SIMD builds.
#
# A second run with nothing changed is a cargo no-op plus a timestamp check (~1 s).
# Environment: WASM_OPT=0 skips wasm-opt (quicker rebuilds; the module is ~20% larger and may run slower).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
[[ ":$PATH:" == *":$cargo_bin:"* ]] || export PATH="$cargo_bin:$PATH"

say() { printf 'build-wasm: %s\n' "$*"; }

if [[ ! -f src/lib.rs ]]; then
  say "src/lib.rs does not exist yet; nothing to build"; exit 1
fi

crate=alexnet_explainer
requested="${WASM_OPT:-1}"

# Concurrent builds (serve.sh in one terminal, test.sh in another) queue on this lock instead of racing
# to rewrite pkg/. The lock lives under target/ so it goes away with `cargo clean`.
mkdir -p target
if command -v flock >/dev/null; then
  exec 9>target/.build-wasm.lock
  flock -n 9 || { say "waiting for another build to finish"; flock 9; }
fi

# Instantiates a module through the generated glue in Node. Debian's binaryen 108 once produced modules
# that validate but fail here (`WebAssembly.Table.set(): Argument 1 is invalid for table`), so validating
# is not enough.
# Node 20 needs a flag for relaxed SIMD (newer Node has it on, and may not know the flag).
node_flags=()
if node --experimental-wasm-relaxed-simd -e 0 >/dev/null 2>&1; then node_flags=(--experimental-wasm-relaxed-simd); fi
loads() { # loads GLUE.js MODULE.wasm
  node "${node_flags[@]}" --input-type=module -e '
    import { readFileSync } from "node:fs";
    import { pathToFileURL } from "node:url";
    const glue = await import(pathToFileURL(process.argv[1]).href);
    glue.initSync({ module: readFileSync(process.argv[2]) });
  ' "$1" "$2" 2>&1
}

wasm_opt=node_modules/.bin/wasm-opt # binaryen@132 from npm; never Debian's wasm-opt (see TOOLCHAIN.md).

# package OUT ARTIFACT [EXTRA wasm-opt FLAGS...]: wasm-bindgen + wasm-opt into OUT/, swapped in at the end so a
# running server never serves a half-written glue file next to an old module. Skipped when OUT/ is current.
package() {
  local out=$1 artifact=$2; shift 2
  local stamp="$out/.build-stamp" opt_mode="$requested"
  if [[ -f "$stamp" && "$stamp" -nt "$artifact" && "$(cat "$stamp")" == "wasm-opt=$requested" && -f "$out/$crate.js" ]]; then
    return 0
  fi
  local staging="target/$out-staging"
  rm -rf "$staging"
  wasm-bindgen --target web --out-dir "$staging" "$artifact"
  if [[ "$opt_mode" == 0 ]]; then
    say "WASM_OPT=0: skipping wasm-opt"
  elif [[ ! -x "$wasm_opt" ]]; then
    say "node_modules/.bin/wasm-opt is missing (run scripts/setup-toolchain.sh); skipping wasm-opt"
    opt_mode=0
  else
    local bg="$staging/${crate}_bg.wasm" err
    # The features rustc emits for wasm32-unknown-unknown by default, plus simd128 from our config (and the
    # caller's extra flags: threads, relaxed SIMD).
    if "$wasm_opt" -O3 \
        --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
        --enable-mutable-globals --enable-reference-types --enable-multivalue \
        --enable-bulk-memory-opt --enable-call-indirect-overlong "$@" \
        "$bg" -o "$bg.opt"; then
      if err=$(loads "$staging/$crate.js" "$bg.opt"); then
        mv "$bg.opt" "$bg"
      elif loads "$staging/$crate.js" "$bg" >/dev/null; then
        say "WARNING: the wasm-opt output does not load in Node; keeping the unoptimised module"
        printf '%s\n' "$err" | tail -n 5 >&2
        rm -f "$bg.opt"
        opt_mode=failed
      else
        # Neither loads in Node (e.g. the module's start function needs a browser): nothing to compare.
        say "note: could not check the module in Node; keeping the wasm-opt output"
        mv "$bg.opt" "$bg"
      fi
    else
      say "WARNING: wasm-opt failed; keeping the unoptimised module"
      rm -f "$bg.opt"
      opt_mode=failed
    fi
  fi
  # Records what was asked for, not what happened, so a failed wasm-opt is not retried on every run.
  echo "wasm-opt=$requested" > "$staging/.build-stamp"
  rm -rf "target/$out-old"
  if [[ -d "$out" ]]; then mv "$out" "target/$out-old"; fi
  mv "$staging" "$out"
  rm -rf "target/$out-old"
  say "$out/ is up to date ($(du -k "$out/${crate}_bg.wasm" | cut -f1) KiB wasm, wasm-opt: $opt_mode)"
}

simd_flags="-C target-feature=+simd128"
relaxed_flags="-C target-feature=+simd128,+relaxed-simd"

# Single-threaded builds on stable; SIMD128 comes from .cargo/config.toml (the relaxed build overrides RUSTFLAGS).
cargo build --lib --release --target wasm32-unknown-unknown --no-default-features
package pkg "target/wasm32-unknown-unknown/release/$crate.wasm"
if [[ "${RELAXED:-1}" == 0 ]]; then
  say "RELAXED=0: skipping the relaxed-SIMD builds"
else
  RUSTFLAGS="$relaxed_flags" cargo build --lib --release --target wasm32-unknown-unknown --no-default-features \
    --target-dir target/relaxed
  package pkg-relaxed "target/relaxed/wasm32-unknown-unknown/release/$crate.wasm" --enable-relaxed-simd
fi

# The threads builds: shared memory needs std rebuilt with atomics (nightly + rust-src), per TOOLCHAIN.md.
threads_build() { # threads_build OUT TARGET_DIR FEATURE_FLAGS [EXTRA wasm-opt FLAGS...]
  local out=$1 dir=$2 features=$3; shift 3
  RUSTFLAGS="$features -C target-feature=+atomics,+bulk-memory,+mutable-globals -C link-arg=--shared-memory \
-C link-arg=--max-memory=4294967296 -C link-arg=--import-memory -C link-arg=--export=__wasm_init_tls \
-C link-arg=--export=__tls_size -C link-arg=--export=__tls_align -C link-arg=--export=__tls_base" \
    cargo +nightly build --lib --release --target wasm32-unknown-unknown --features threads \
      -Z build-std=panic_abort,std --target-dir "$dir"
  package "$out" "$dir/wasm32-unknown-unknown/release/$crate.wasm" --enable-threads "$@"
}
if [[ "${THREADS:-1}" == 0 ]]; then
  say "THREADS=0: skipping pkg-threads/"
elif ! rustup run nightly rustc --version >/dev/null 2>&1; then
  say "note: no nightly toolchain; skipping pkg-threads/ (the app runs single-threaded)"
elif [[ ! -d "$(rustup run nightly rustc --print sysroot)/lib/rustlib/src/rust/library" ]]; then
  say "note: nightly has no rust-src (rustup component add rust-src --toolchain nightly); skipping pkg-threads/"
else
  threads_build pkg-threads target/threads "$simd_flags"
  if [[ "${RELAXED:-1}" != 0 ]]; then
    threads_build pkg-threads-relaxed target/threads-relaxed "$relaxed_flags" --enable-relaxed-simd
  fi
fi
