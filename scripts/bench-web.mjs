// Browser benchmark: our wasm forward pass vs onnxruntime-web (wasm backend, SIMD) on the same generated AlexNet
// and input, in one headless Chromium session, page cross-origin isolated. Prints per-layer ms and GMAC/s for
// ours, medians, ratios ours/ORT, and output agreement. Usage: node scripts/bench-web.mjs [--runs N] [--json FILE]
// [--only ours-1,ort-1,...] (a subset of the runs, for quick comparisons while tuning; ours-1 is always run)
// [--photos P] (how many photos the "Your photos" run ranks, 60 by default)
import { copyFileSync, mkdirSync, existsSync, writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { REPO_ROOT, startApp, launchBrowser } from '../tests/e2e/harness.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : dflt; };
const runs = Number(opt('runs', 15));
const jsonOut = opt('json', null);

const model = path.join(REPO_ROOT, 'tests/reference/out/model.onnx');
if (!existsSync(model)) {
  console.error('bench-web: tests/reference/out/model.onnx is missing; run `cargo test --profile ci --test alexnet_reference` first');
  process.exit(2);
}
// The server does not expose node_modules/, so the ORT runtime files are copied beside the bench page.
const vendor = path.join(REPO_ROOT, 'bench/vendor/ort');
mkdirSync(vendor, { recursive: true });
for (const f of ['ort.wasm.min.mjs', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm']) {
  copyFileSync(path.join(REPO_ROOT, 'node_modules/onnxruntime-web/dist', f), path.join(vendor, f));
}

const threadsBuild = existsSync(path.join(REPO_ROOT, 'pkg-threads/alexnet_explainer.js'));
// With the relaxed-SIMD builds, ours-N runs them (as the app would in this browser) and ours-N-simd128 runs the
// plain SIMD128 builds that browsers without relaxed SIMD get.
const relaxedBuild = existsSync(path.join(REPO_ROOT, 'pkg-relaxed/alexnet_explainer.js'));
// The compact int8 file (made by bench-web.sh with `alexnet convert`): ours only, since ORT runs the f32 model.
const int8 = existsSync(path.join(REPO_ROOT, 'tests/reference/out/model-int8.safetensors')) ? '../tests/reference/out/model-int8.safetensors' : null;
const only = opt('only', null)?.split(',');
const allConfigs = [
  // The path a user's page takes (bench/client.js): the public API, a real photo, every layer delivered.
  { engine: 'client', threads: 1 },
  ...(threadsBuild ? [{ engine: 'client', threads: 2 }] : []),
  // "Your photos": topPatches over a folder (bench/photos.js), photos per second.
  { engine: 'photos', threads: 1 },
  { engine: 'ours', threads: 1 },
  { engine: 'ort', threads: 1 },
  ...(threadsBuild ? [{ engine: 'ours', threads: 2 }] : []),
  { engine: 'ort', threads: 2 },
  ...(relaxedBuild ? [{ engine: 'ours', threads: 1, simd: 'plain', tag: 'simd128' }] : []),
  ...(relaxedBuild && threadsBuild ? [{ engine: 'ours', threads: 2, simd: 'plain', tag: 'simd128' }] : []),
  ...(int8 ? [{ engine: 'ours', threads: 1, model: int8, tag: 'int8' }] : []),
  ...(int8 && threadsBuild ? [{ engine: 'ours', threads: 2, model: int8, tag: 'int8' }] : []),
];
const key = (c) => `${c.engine}-${c.threads}${c.tag ? `-${c.tag}` : ''}`;
const configs = allConfigs.filter((c) => !only || key(c) === 'ours-1' || only.includes(key(c)));

const ortVersion = JSON.parse(readFileSync(path.join(REPO_ROOT, 'node_modules/onnxruntime-web/package.json'), 'utf8')).version;
const app = await startApp();
const { page, close } = await launchBrowser();
const results = {};
let browserName = '';
try {
  await page.goto(`${app.url}tests/e2e/blank.html`);
  browserName = (await page.evaluate(() => navigator.userAgent)).match(/(Headless)?Chrome\/[\d.]+/)?.[0] ?? 'unknown browser';
  for (const c of configs) {
    const pageUrl = c.engine === 'client' ? `${app.url}bench/client.html?threads=${c.threads}&runs=${runs}`
      : c.engine === 'photos' ? `${app.url}bench/photos.html?threads=${c.threads}&photos=${opt('photos', 60)}`
      : `${app.url}bench/index.html?engine=${c.engine}&threads=${c.threads}&runs=${runs}${c.model ? `&model=${c.model}` : ''}${c.simd ? `&simd=${c.simd}` : ''}`;
    await page.goto(pageUrl);
    await page.waitForFunction(() => window.__bench, null, { timeout: 300_000, polling: 500 });
    const r = await page.evaluate(() => window.__bench);
    if (r.error) throw new Error(`${c.engine}/${c.threads}: ${r.error}`);
    results[key(c)] = r;
    if (r.engine === 'photos') console.error(`bench-web: ${key(c)}: ${r.rows.map((p) => `${p.layer}${p.patches ? '+patches' : ''} ${p.imagesPerSecond.toFixed(1)}/s`).join(', ')}`);
    else console.error(`bench-web: ${key(c)}${r.build ? ` (${r.build}/)` : ''}: median ${r.medianMs.toFixed(1)} ms${r.parseMs ? `, session ${r.parseMs.toFixed(0)} ms` : ''}`);
  }
} finally {
  await close();
  await app.close();
}

const relErr = (a, b) => {
  let e = 0, s = 0;
  for (let i = 0; i < b.length; i++) { e = Math.max(e, Math.abs(a[i] - b[i])); s = Math.max(s, Math.abs(b[i])); }
  return e / s;
};
const argmax = (v) => v.reduce((m, x, i) => (x > v[m] ? i : m), 0);
const ours1 = results['ours-1'];

// What a user's page gets, first: the public API on a photo, every layer delivered, against onnxruntime-web
// computing only prob (the strictest peer), and where the time between the image and the page goes.
const clients = Object.entries(results).filter(([, r]) => r.engine === 'client');
if (clients.length) {
  console.log('\nThe client path: createExplainer().run(photo) until done, every layer delivered to the page, against onnxruntime-web (prob only) run in the same page, interleaved (median ms)');
  console.log('| threads | client | onnxruntime-web, same page | client / ORT-web (median of paired runs) | engine only (step, own page) | overhead (client − its steps) | overhead / steps | first pass after load | first / warm | back to back: client, ORT-web, ratio |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const [, r] of clients) {
    const p = r.peer;
    const engineOnly = results[`ours-${r.threads}`];
    const b2b = p ? `${r.backToBackMs.toFixed(1)}, ${p.backToBackMs.toFixed(1)}, ${(r.backToBackMs / p.backToBackMs).toFixed(2)}×` : r.backToBackMs.toFixed(1);
    console.log(`| ${r.engineThreads} (${r.build}/) | ${r.medianMs.toFixed(1)} | ${p ? p.medianMs.toFixed(1) : ''} | ${p ? `**${p.ratio.toFixed(2)}×**` : ''} | ${engineOnly ? engineOnly.medianMs.toFixed(1) : ''} | ${r.overheadMs.toFixed(1)} | ${((100 * r.overheadMs) / r.engineMs).toFixed(0)} % | ${r.coldMs.toFixed(1)} | ${(r.coldMs / r.medianMs).toFixed(2)}× | ${b2b} |`);
  }
  const c0 = clients[0][1];
  console.log(`(round i runs one client pass and one onnxruntime-web inference, in alternating order, each ${c0.settleMs} ms after the previous run ended, as a user's next photo would come; ${c0.runs.length} rounds after 2 untimed; the ratio is the median of the rounds' ratios. Back to back: each engine's runs in a row.)`);
  console.log('\nWhere a client pass goes (ms per stage: warm = median, first = the first pass after page load)');
  console.log('| run | before the post | to the worker | decode (engine worker) | preprocess (wasm) | layers (wasm step) | tensor copies + posts | waits between layers | last post → page | decode-worker round trip, alone |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const [k, r] of clients) {
    const st = r.stages;
    console.log(`| ${k} warm | ${st.beforeSend.toFixed(1)} | ${st.toWorker.toFixed(1)} | ${st.workerDecode.toFixed(1)} | ${r.preprocessMs.toFixed(1)} | ${(r.engineMs - r.preprocessMs).toFixed(1)} | ${st.deliver.toFixed(1)} | ${st.yield.toFixed(1)} | ${st.back.toFixed(1)} | ${r.decodeMs.toFixed(1)} |`);
    const c = r.coldStages;
    console.log(`| ${k} first | ${c.beforeSend.toFixed(1)} | ${c.toWorker.toFixed(1)} | ${c.workerDecode.toFixed(1)} | ${c.preprocess.toFixed(1)} | ${(r.coldEngineMs - c.preprocess).toFixed(1)} | ${c.deliver.toFixed(1)} | ${c.yield.toFixed(1)} | ${c.back.toFixed(1)} | |`);
  }
  // The floor: what the browser's own work on this path costs when done bare (bench/floor.js), against the
  // overhead's budget (10 % of the client's steps).
  console.log('\nThe overhead\'s floor: the browser\'s own work on the client path, each part bare in a worker (median ms; bench/floor.js)');
  console.log('| run | message to the worker | file to decoded image, the quickest way (from the first touch of the Blob) | tensor copies | message back | floor (copies ÷ threads) | measured overhead | 10 % of its steps | 10 % of engine only |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const [k, r] of clients) {
    const f = r.floor;
    if (!f) continue;
    const engineOnly = results[`ours-${r.threads}`];
    const ways = Object.entries(f.decodesMs).map(([w, ms]) => `${w} ${ms.toFixed(2)}`).join(', ');
    console.log(`| ${k} | ${f.toWorkerMs.toFixed(2)} | ${f.decodeMs.toFixed(2)} (${ways}) | ${f.copyMs.toFixed(2)} (${f.copyMB.toFixed(1)} MB) | ${f.backMs.toFixed(2)} | **${f.ms.toFixed(2)}** | ${r.overheadMs.toFixed(2)} | ${(r.engineMs / 10).toFixed(2)} | ${engineOnly ? (engineOnly.medianMs / 10).toFixed(2) : ''} |`);
  }
}
for (const [k, r] of Object.entries(results).filter(([, x]) => x.engine === 'photos')) {
  console.log(`\n"Your photos": explainer.topPatches over ${r.photos} photos (${k}, ${r.build}/): decode, run up to the layer, drop`);
  console.log(`| layer | patches cut | photos/s | s | page heap, peak growth MB (garbage included) | engine wasm memory growth, MB (one decoded photo: ${r.decodedPhotoMB.toFixed(1)}) |`);
  console.log('|---|---|---|---|---|---|');
  const mb = (v) => (v === null ? '' : v.toFixed(1));
  for (const p of r.rows) console.log(`| ${p.layer} | ${p.patches ? 'yes' : 'no'} | ${p.imagesPerSecond.toFixed(1)} | ${p.seconds.toFixed(1)} | ${mb(p.heapGrowthMB)} | ${mb(p.wasmGrowthMB)} |`);
}
const macsTotal = ours1.layers.reduce((s, l) => s + l.macs, 0);
// The client rows' step() times per layer beside the engine-only ones: the same wasm, so a gap is contention
// (the page, the decode worker) or a pool that slept between layers.
const c1 = results['client-1']?.layerMs;
const c2 = results['client-2']?.layerMs;
console.log(`\nOur wasm forward pass, per layer (median ms, 1 thread${results['ours-2'] ? ' | 2 threads' : ''}${c1 || c2 ? '; client: the same step() inside client runs' : ''}):`);
console.log(`layer      ms(1)  GMAC/s${c1 ? ' client(1)' : ''}${results['ours-2'] ? '     ms(2)  GMAC/s' : ''}${c2 ? ' client(2)' : ''}`);
ours1.layers.forEach((l, i) => {
  const g = (ms) => (l.macs ? (l.macs / ms / 1e6).toFixed(2).padStart(7) : ''.padStart(7));
  const cl = (c) => (c ? ` ${(c[l.id] ?? NaN).toFixed(3).padStart(9)}` : '');
  const two = results['ours-2'] ? `  ${results['ours-2'].layers[i].ms.toFixed(3).padStart(8)} ${g(results['ours-2'].layers[i].ms)}` : '';
  console.log(`${l.id.padEnd(8)} ${l.ms.toFixed(3).padStart(8)} ${g(l.ms)}${cl(c1)}${two}${cl(c2)}`);
});
// Conv throughput against the SIMD peak each build measured on this machine (multiply + add in SIMD128 builds,
// fused relaxed_madd in relaxed ones), and against the plain SIMD128 peak.
const plainPeak = (results['ours-1-simd128'] ?? (ours1.relaxedSimd ? null : ours1))?.simdPeakGflops;
console.log('');
for (const [k, r] of Object.entries(results)) {
  if (r.engine !== 'ours' || !r.layers) continue;
  // Direct (im2col + GEMM) layers against the SIMD peak; Winograd's layers apart, as an effective rate: the direct
  // convolution's multiply-adds over their time (they do ~1.7× fewer, so it may pass the peak).
  const rate = (ls) => (2 * ls.reduce((s, l) => s + l.macs, 0)) / ls.reduce((s, l) => s + l.ms, 0) / 1e6;
  const direct = r.layers.filter((l) => l.kind === 'conv' && l.algorithm !== 'winograd');
  const wino = r.layers.filter((l) => l.algorithm === 'winograd');
  const gflops = rate(direct);
  const own = r.simdPeakGflops ? `${((100 * gflops) / r.simdPeakGflops).toFixed(0)}% of this build's peak ${r.simdPeakGflops.toFixed(1)} GFLOP/s` : '';
  const plain = plainPeak && r.relaxedSimd ? `, ${((100 * gflops) / plainPeak).toFixed(0)}% of the SIMD128 (mul + add) peak ${plainPeak.toFixed(1)}` : '';
  console.log(`direct conv layers (${direct.map((l) => l.id).join(', ')}), ${k} (${r.build}/): ${(gflops / 2).toFixed(2)} GMAC/s = ${gflops.toFixed(2)} GFLOP/s (${own}${plain}; peak measured on one thread)`);
  // The fc layers stream the f32 weights of their nonzero inputs once per pass: the whole matrix's bytes over the
  // layer's time, against the measured read bandwidth.
  if (r.readGBs && !r.tag) {
    const fcs = r.layers.filter((l) => l.kind === 'fc');
    const gbs = fcs.map((l) => `${l.id} ${((4 * l.macs) / l.ms / 1e6).toFixed(1)}`).join(', ');
    console.log(`fc layers, ${k}: ${gbs} GB/s effective (the whole f32 matrix over the layer's time; the weights of stretches of 128 or more zero inputs are skipped, so this may pass the bandwidth), against ${r.readGBs.toFixed(1)} GB/s measured (fc6's weights summed, ${r.threads} thread${r.threads > 1 ? 's' : ''})`);
  }
  if (wino.length) console.log(`Winograd F(4×4, 3×3) and F(2×2, 5×5) layers (${wino.map((l) => l.id).join(', ')}), ${k}: ${(rate(wino) / 2).toFixed(2)} effective GMAC/s (direct multiply-adds / time)`);
}
console.log('\nWhy? maps on a finished pass against one forward pass (ms, ÷ forward; targets: Grad-CAM ≤ 1.5×, saliency ≤ 3×)');
console.log('| run | forward | Grad-CAM conv5 | saliency | occlusion 13×13, incremental (share of the MACs) | occlusion 13×13, whole passes |');
console.log('|---|---|---|---|---|---|');
for (const [k, r] of Object.entries(results)) {
  const a = r.attribution;
  if (!a) continue;
  const x = (ms) => (ms === undefined ? '' : `${ms.toFixed(ms < 100 ? 1 : 0)} (${(ms / r.medianMs).toFixed(2)}×)`);
  const share = a.occlusionMacsShare === undefined ? '' : `, ${(100 * a.occlusionMacsShare).toFixed(0)} %`;
  console.log(`| ${k} | ${r.medianMs.toFixed(1)} | ${x(a.gradcamMs)} | ${x(a.saliencyMs)} | ${x(a.occlusionMs)}${share} | ${x(a.occlusionFullMs)} |`);
}
console.log('\n| run | median ms | ratio ours/ORT | download ms | session/parse ms | wasm memory MB | prob max rel. err vs ours-1 | top-1 |');
console.log('|---|---|---|---|---|---|---|---|');
for (const [k, r] of Object.entries(results)) {
  if (r.engine === 'client' || r.engine === 'photos') continue;
  const peer = results[`ort-${r.threads}`];
  const ratio = r.engine === 'ours' && peer ? (r.medianMs / peer.medianMs).toFixed(2) : '';
  // int8 rows are compared by top-1 only (their error is the quantisation's, ~1e-2), f32 rows by max rel. error.
  const mem = r.wasmMemoryBytes ? (r.wasmMemoryBytes / 1e6).toFixed(0) : '';
  console.log(`| ${k} | ${r.medianMs.toFixed(1)} | ${ratio} | ${r.downloadMs?.toFixed(0) ?? ''} | ${r.parseMs.toFixed(0)} | ${mem} | ${relErr(r.prob, ours1.prob).toExponential(1)} | ${argmax(r.prob) === argmax(ours1.prob) ? 'same' : 'DIFFERENT'} |`);
}
console.log(`\nmachine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB; ${browserName}; onnxruntime-web ${ortVersion}`);
console.log(`model: generated random-weight BVLC AlexNet (f32, 244 MB), ${macsTotal.toLocaleString('en-US')} MACs; crossOriginIsolated=${ours1.crossOriginIsolated}; ${runs} timed runs after 3 warm-up`);
// The runs' output tensors (`prob`, `fc8`: 1000 numbers each) stay out of the file; per-layer timings keyed by the
// same ids (numbers) stay in.
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(results, (k, v) => ((k === 'prob' || k === 'fc8') && Array.isArray(v) ? undefined : v), 1));
