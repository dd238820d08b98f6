#!/usr/bin/env bash
# Builds dist/: the explainer as static files that any host can serve from any sub-path (relative URLs only).
#
# Usage: scripts/build-static.sh [--out DIR] [--weights FILE] [--part-size 45MiB]
#   --out DIR        where to write (default: dist/, git-ignored); the folder is replaced
#   --weights FILE   also publish a weights file (.safetensors or .onnx), split into parts under the size limit
#                    (scripts/split-weights.mjs) in DIR/weights/; open index.html?weights=weights/NAME.parts.json
# Needs pkg/ (./scripts/build-wasm.sh). Hosts that can send COOP/COEP headers get threads; the app works without
# them, single-threaded (see its About panel). dist/_headers asks for them on hosts that read that file.
set -euo pipefail
cd "$(dirname "$0")/.."

out=dist
weights=
part_size=45MiB
while [[ $# -gt 0 ]]; do
  case $1 in
    --out) out=$2; shift 2 ;;
    --weights) weights=$2; shift 2 ;;
    --part-size) part_size=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "build-static.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

for f in pkg/alexnet_explainer.js pkg/alexnet_explainer_bg.wasm; do
  [[ -f $f ]] || { echo "build-static.sh: $f is missing; run ./scripts/build-wasm.sh first" >&2; exit 1; }
done

rm -rf "$out"
mkdir -p "$out/pkg"
cp index.html embed.html "$out/"
# The site: every module, style, sample and message table; the dev-only pages stay behind.
tar -cf - --exclude='www/dev' www | tar -xf - -C "$out"
cp pkg/alexnet_explainer.js pkg/alexnet_explainer_bg.wasm "$out/pkg/"
# Worker-thread helpers, if the wasm was built with threads (wasm-bindgen-rayon writes snippets/), and the other
# builds the worker prefers where the browser and page allow (www/builds.js): relaxed SIMD, and threads on cross-origin
# isolated pages.
[[ -d pkg/snippets ]] && cp -r pkg/snippets "$out/pkg/"
for build in pkg-relaxed pkg-threads pkg-threads-relaxed; do
  [[ -d $build ]] || continue
  (cd "$build" && find . -type f ! -name '.*' ! -name '*.d.ts' ! -name '.gitignore' ! -name 'package.json' ! -name '*.md') |
    while read -r f; do mkdir -p "$out/$build/$(dirname "$f")"; cp "$build/$f" "$out/$build/$f"; done
done
[[ -d examples ]] && cp -r examples "$out/"
[[ -f docs/embedding.md ]] && { mkdir -p "$out/docs"; cp docs/embedding.md "$out/docs/"; }
touch "$out/.nojekyll"
cat > "$out/_headers" <<'HEADERS'
/*
  Cross-Origin-Opener-Policy: same-origin
  Cross-Origin-Embedder-Policy: require-corp
  Cross-Origin-Resource-Policy: same-origin
HEADERS

if [[ -n $weights ]]; then
  mkdir -p "$out/weights"
  node scripts/split-weights.mjs "$weights" --part-size "$part_size" --out "$out/weights"
fi

# Relative URLs only: a root-absolute URL ("/www/…") breaks when the site lives under a sub-path.
if grep -rnE --include='*.html' --include='*.js' --include='*.css' \
    "(src|href)=[\"']/[^/]|from [\"']/[^/]|import\([\"']/[^/]|url\([\"']?/[^/]" "$out"; then
  echo "build-static.sh: the lines above use root-absolute URLs; make them relative" >&2
  exit 1
fi

files=$(find "$out" -type f | wc -l)
size=$(du -sh "$out" | cut -f1)
echo "build-static.sh: wrote $out/ ($files files, $size)"
[[ -n $weights ]] && echo "build-static.sh: open index.html?weights=weights/$(basename "$weights").parts.json"
exit 0
