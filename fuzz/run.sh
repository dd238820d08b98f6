#!/usr/bin/env bash
# Runs each fuzz target in turn for SECONDS (default 600) on a working corpus seeded from fuzz/seeds/, at low
# priority, then adds a few inputs of the minimised corpus (-merge=1) to fuzz/seeds/. Crashes land in fuzz/artifacts/<target>/.
# Usage: fuzz/run.sh [SECONDS] [TARGET...]   (needs cargo-fuzz and the nightly toolchain; see fuzz/README.md)
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-600}; shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(onnx_import store_read preprocess)
flock /tmp/cargo.lock nice -n 10 cargo +nightly fuzz build -O
bin=target/x86_64-unknown-linux-gnu/release
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  # No allocation may come near 256 MB: the inputs are a few KB, and the readers must stay bounded by them.
  nice -n 10 "$bin/$t" "corpus/$t" "seeds/$t" -max_total_time="$secs" -malloc_limit_mb=256 -rss_limit_mb=1024 \
    -artifact_prefix="artifacts/$t/" -print_final_stats=1 2>&1 | tee "artifacts/$t.log" | grep -E '^(#[0-9]+ *(DONE|INITED)|stat::|==|SUMMARY|artifact)' || true
  # Keep the committed seeds a handful: minimise the corpus (-merge=1), then add its six largest inputs under
  # 16 KB (the most structure per file) to seeds/. The full corpus stays in corpus/ (git-ignored).
  tmp=$(mktemp -d)
  nice -n 10 "$bin/$t" -merge=1 "$tmp" "corpus/$t" >/dev/null 2>&1 || true
  find "$tmp" -type f -size -16k -printf '%s %p\n' | sort -rn | head -6 | while read -r _ f; do
    cp "$f" "seeds/$t/fuzz-$(basename "$f" | cut -c1-12)"
  done
  rm -rf "$tmp"
done
du -sh seeds
