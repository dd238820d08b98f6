#!/usr/bin/env bash
# Builds the engine for the browser: cargo (wasm32, release, SIMD) → wasm-bindgen --target web → binaryen wasm-opt → pkg/.
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
artifact="target/wasm32-unknown-unknown/release/$crate.wasm"
stamp=pkg/.build-stamp
requested="${WASM_OPT:-1}"
opt_mode="$requested"

# Concurrent builds (serve.sh in one terminal, test.sh in another) queue on this lock instead of racing
# to rewrite pkg/. The lock lives under target/ so it goes away with `cargo clean`.
mkdir -p target
if command -v flock >/dev/null; then
  exec 9>target/.build-wasm.lock
  flock -n 9 || { say "waiting for another build to finish"; flock 9; }
fi

# SIMD128 comes from .cargo/config.toml ([target.wasm32-unknown-unknown] rustflags).
cargo build --lib --release --target wasm32-unknown-unknown

if [[ -f "$stamp" && "$stamp" -nt "$artifact" && "$(cat "$stamp")" == "wasm-opt=$requested" && -f "pkg/$crate.js" ]]; then
  exit 0
fi

# Stage the new pkg/ in target/ and swap it in at the end, so a running server never serves
# a half-written glue file next to an old module.
staging=target/pkg-staging
rm -rf "$staging"
wasm-bindgen --target web --out-dir "$staging" "$artifact"

# Instantiates a module through the generated glue in Node. Debian's binaryen 108 once produced modules
# that validate but fail here (`WebAssembly.Table.set(): Argument 1 is invalid for table`), so validating
# is not enough.
loads() { # loads GLUE.js MODULE.wasm
  node --input-type=module -e '
    import { readFileSync } from "node:fs";
    import { pathToFileURL } from "node:url";
    const glue = await import(pathToFileURL(process.argv[1]).href);
    glue.initSync({ module: readFileSync(process.argv[2]) });
  ' "$1" "$2" 2>&1
}

wasm_opt=node_modules/.bin/wasm-opt # binaryen@132 from npm; never Debian's wasm-opt (see TOOLCHAIN.md).
if [[ "$opt_mode" == 0 ]]; then
  say "WASM_OPT=0: skipping wasm-opt"
elif [[ ! -x "$wasm_opt" ]]; then
  say "node_modules/.bin/wasm-opt is missing (run scripts/setup-toolchain.sh); skipping wasm-opt"
  opt_mode=0
else
  bg="$staging/${crate}_bg.wasm"
  # The features rustc 1.95 emits for wasm32-unknown-unknown by default, plus simd128 from our config.
  if "$wasm_opt" -O3 \
      --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
      --enable-mutable-globals --enable-reference-types --enable-multivalue \
      --enable-bulk-memory-opt --enable-call-indirect-overlong \
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
rm -rf target/pkg-old
if [[ -d pkg ]]; then mv pkg target/pkg-old; fi
mv "$staging" pkg
rm -rf target/pkg-old
say "pkg/ is up to date ($(du -k "pkg/${crate}_bg.wasm" | cut -f1) KiB wasm, wasm-opt: $opt_mode)"
