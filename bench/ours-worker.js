// Benchmark worker: times our wasm forward pass per layer (see bench.js), as the app's worker would run it.
import { median, npy, fetchBytes } from './util.js';
import { buildCandidates, relaxedSimdSupported } from '../www/worker/builds.js';
import { sessionFromBytes as loadSession } from '../www/worker/weights-sources.js';
import { startPool } from '../www/worker/pool.js';

// The build the app's worker would pick for this many threads; `simd=plain` forces the SIMD128 (no relaxed) one.
async function run({ threads, runs, modelUrl, simd }) {
  const relaxed = simd !== 'plain' && relaxedSimdSupported();
  const build = buildCandidates({ isolated: crossOriginIsolated, cores: threads, relaxed })[0];
  if (build.threads !== threads) throw new Error(`no build for ${threads} thread(s) here (${build.dir})`);
  const glue = new URL(`../${build.dir}/alexnet_explainer.js`, import.meta.url).href;
  const mod = await import(glue);
  await mod.default();
  if (threads > 1) await startPool(mod, glue, threads);
  const input = await npy(modelUrl.replace(/[^/]*$/, 'input.npy'));
  const { bytes, ms: downloadMs } = await fetchBytes(modelUrl);
  const t0 = performance.now();
  const s = loadSession(mod, bytes);
  const parseMs = performance.now() - t0;
  const spec = s.spec();
  const algorithms = s.convAlgorithms();
  const perLayer = Object.fromEntries(spec.layers.map((l) => [l.id, []]));
  const totals = [];
  for (let r = 0; r < runs + 3; r++) {
    s.startInput(input);
    const start = performance.now();
    for (;;) {
      const t = performance.now();
      const id = s.step();
      if (id === undefined) break;
      if (r >= 3) perLayer[id].push(performance.now() - t);
    }
    if (r >= 3) totals.push(performance.now() - start);
  }
  const attribution = attributionTimes(s, runs, { occlusion: simd !== 'plain' && /model\.onnx$/.test(modelUrl) });
  // The SIMD peak: best of 5 timed probes of 20 M iterations (after one warm-up), on this thread.
  mod.simdPeakProbe(1e6);
  let peak = 0;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    mod.simdPeakProbe(2e7);
    peak = Math.max(peak, mod.peakFlops(2e7) / ((performance.now() - t) / 1e3) / 1e9);
  }
  // Read bandwidth: fc6's own weights read once (151 MB, past every cache), best of 3, on this build's threads.
  let readGBs = 0;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const bytes = s.readProbe('fc6');
    if (bytes) readGBs = Math.max(readGBs, bytes / ((performance.now() - t) / 1e3) / 1e9);
  }
  return {
    engine: 'ours', threads, readGBs, runs: totals, medianMs: median(totals), downloadMs, parseMs,
    layers: spec.layers.map((l) => ({ id: l.id, kind: l.kind, macs: l.macs, ms: median(perLayer[l.id]), algorithm: algorithms[l.id] ?? null })),
    prob: Array.from(s.tensor('prob')), fc8: Array.from(s.tensor('fc8')),
    attribution, simdPeakGflops: peak, wasmMemoryBytes: mod.wasmMemoryBytes ? mod.wasmMemoryBytes() : null,
    crossOriginIsolated, engineThreads: mod.engineThreads(), build: build.dir, relaxedSimd: mod.relaxedSimd(),
  };
}

/** Milliseconds of one attribution on the finished pass (`Session.attributeStart` + steps), median of `n` after a warm-up. */
function timeOne(s, method, target, options, n) {
  const times = [];
  let result = null;
  for (let r = 0; r <= n; r++) {
    const t = performance.now();
    s.attributeStart(method, target, options);
    while (!s.attributeStep());
    if (r > 0 || n === 0) times.push(performance.now() - t);
    result = s.attributeResult();
  }
  return { ms: median(times), result };
}

/** The Why? maps on the last pass: Grad-CAM and saliency (medians), occlusion 13×13 once each way when asked. */
function attributionTimes(s, runs, { occlusion }) {
  const target = s.topK(1)[0].index;
  const out = { gradcamMs: timeOne(s, 'gradcam', target, {}, runs).ms, saliencyMs: timeOne(s, 'saliency', target, {}, runs).ms };
  if (occlusion) {
    const inc = timeOne(s, 'occlusion', target, {}, 0);
    out.occlusionMs = inc.ms;
    out.occlusionMacsShare = inc.result.macsComputed / inc.result.macsFull;
    out.occlusionFullMs = timeOne(s, 'occlusion', target, { incremental: false }, 0).ms;
  }
  return out;
}

self.onmessage = async (e) => {
  try {
    self.postMessage(await run(e.data));
  } catch (err) {
    self.postMessage({ error: String(err?.stack || err) });
  }
};
