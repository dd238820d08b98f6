#!/usr/bin/env bash
# Builds dist/: the explainer as static files that any host can serve from any sub-path (relative URLs only).
#
# Usage: scripts/build-static.sh [--out DIR] [--weights FILE [--dtype int8|f16|f32] [--no-autoload]] [--part-size 45MiB]
#   --out DIR        where to write (default: dist/, git-ignored); the folder is replaced
#   --weights FILE   host the trained weights for a course: FILE must be a Model Zoo AlexNet file (bvlcalexnet-*.onnx,
#                    recognised by size + SHA-256 from src/weights/zoo.rs). It is converted to the app's compact
#                    store (--dtype, default int8: 61 MB) and written to DIR/weights/ in parts under the size limit,
#                    with DIR/weights/manifest.json (sizes, digests, and the Zoo file it was made from). The page
#                    loads that copy first (at start, unless --no-autoload) and calls it the BVLC weights.
#   --allow-unverified  publish a FILE that is not a Zoo file anyway (tests); the page then does not call it the BVLC weights
# Environment: ALEXNET_BIN, a built `alexnet` CLI to convert with (default: `cargo run --release`).
# Needs pkg/ (./scripts/build-wasm.sh). Hosts that can send COOP/COEP headers get threads (dist/_headers asks for them
# on hosts that read that file); on the others (GitHub Pages) coi-sw.js, a service worker, adds them after one reload.
# Without either (plain http, not localhost) the app runs single-threaded and its About panel says why.
set -euo pipefail
cd "$(dirname "$0")/.."

out=dist
weights=
dtype=int8
part_size=45MiB
autoload=()
unverified=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --out) out=$2; shift 2 ;;
    --weights) weights=$2; shift 2 ;;
    --dtype) dtype=$2; shift 2 ;;
    --part-size) part_size=$2; shift 2 ;;
    --no-autoload) autoload=(--no-autoload); shift ;;
    --allow-unverified) unverified=1; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "build-static.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
case $dtype in f32|f16|int8) ;; *) echo "build-static.sh: --dtype is f32, f16 or int8" >&2; exit 2 ;; esac

# Which Zoo file FILE is, by size and SHA-256 (src/weights/zoo.rs is the one list): prints its name, or nothing.
zoo_name() {
  local size sha
  size=$(stat -c %s "$1")
  sha=$(sha256sum "$1" | cut -d' ' -f1)
  grep -oE "name: \"[^\"]+\", bytes: [0-9_]+, sha256: \"[0-9a-f]{64}\"" src/weights/zoo.rs |
    tr -d '_' | awk -v s="$size" -v h="$sha" -F'"' '{ split($3, b, /[^0-9]+/); if (b[2] == s && $4 == h) print $2 }'
}
if [[ -n $weights ]]; then
  [[ -f $weights ]] || { echo "build-static.sh: $weights is not a file" >&2; exit 1; }
  from_name=$(zoo_name "$weights")
  from_sha=$(sha256sum "$weights" | cut -d' ' -f1)
  if [[ -z $from_name && $unverified -eq 0 ]]; then
    echo "build-static.sh: $weights is not one of the Model Zoo's AlexNet files (size + SHA-256, see src/weights/zoo.rs);" >&2
    echo "  download bvlcalexnet-12.onnx (alexnet fetch), or pass --allow-unverified to publish it without calling it the BVLC weights" >&2
    exit 1
  fi
fi

for f in pkg/alexnet_explainer.js pkg/alexnet_explainer_bg.wasm; do
  [[ -f $f ]] || { echo "build-static.sh: $f is missing; run ./scripts/build-wasm.sh first" >&2; exit 1; }
done

rm -rf "$out"
mkdir -p "$out/pkg"
cp index.html embed.html "$out/"
# The site: every module, style, sample and message table; the dev-only pages stay behind.
tar -cf - --exclude='www/dev' www | tar -xf - -C "$out"
cp pkg/alexnet_explainer.js pkg/alexnet_explainer_bg.wasm "$out/pkg/"
# wasm-bindgen's snippets/ (JS the crate inlines), if any, and the other
# builds the worker prefers where the browser and page allow (www/builds.js): relaxed SIMD, and threads on cross-origin
# isolated pages.
[[ -d pkg/snippets ]] && cp -r pkg/snippets "$out/pkg/"
for build in pkg-relaxed pkg-threads pkg-threads-relaxed; do
  [[ -d $build ]] || continue
  (cd "$build" && find . -type f ! -name '.*' ! -name '*.d.ts' ! -name '.gitignore' ! -name 'package.json' ! -name '*.md') |
    while read -r f; do mkdir -p "$out/$build/$(dirname "$f")"; cp "$build/$f" "$out/$build/$f"; done
done
# The service worker that adds COOP/COEP where the host cannot (www/coi/register.js installs it): it must sit at the
# site's root, since a service worker controls only the pages under its own folder.
cp www/coi/sw.js "$out/coi-sw.js"
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
  # The compact copy is made outside the site; only its parts and manifests are published.
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  compact="$work/bvlc-alexnet-$dtype.safetensors"
  # ALEXNET_BIN: an already built CLI (the tests pass theirs), instead of a release build of it.
  if [[ -n ${ALEXNET_BIN:-} ]]; then
    "$ALEXNET_BIN" convert --from "$weights" --to "$compact" --dtype "$dtype"
  else
    cargo run --release --quiet --bin alexnet -- convert --from "$weights" --to "$compact" --dtype "$dtype"
  fi
  from=()
  [[ -n $from_name ]] && from=(--from-name "$from_name" --from-sha256 "$from_sha")
  node scripts/split-weights.mjs "$compact" --part-size "$part_size" --out "$out/weights" \
    --site-manifest --dtype "$dtype" "${from[@]}" "${autoload[@]}"
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
[[ -n $weights ]] && echo "build-static.sh: weights/manifest.json holds a $dtype copy${from_name:+ of $from_name}; the page loads it before it goes to Hugging Face"
exit 0
