// Browser benchmark page: times our wasm forward pass or onnxruntime-web's on the same model and input.
// onnxruntime-web runs on this page's main thread (its threads are its own workers); ours runs in a worker. Query: engine, threads, runs, model,
// simd (`plain`: our SIMD128 build even where relaxed SIMD exists).
import { median, npy, fetchBytes } from './util.js';

const q = new URLSearchParams(location.search);
const engine = q.get('engine') || 'ours';
const threads = Number(q.get('threads') || 1);
const runs = Number(q.get('runs') || 10);
const modelUrl = q.get('model') || '../tests/reference/out/model.onnx';
const simd = q.get('simd') || 'best';
const out = document.getElementById('out');

// Our engine runs in a module worker, as in the app: rayon's threads must not be joined from a page's main
// thread, which may not block.
function ours() {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./ours-worker.js', import.meta.url), { type: 'module' });
    w.onmessage = (e) => (e.data.error ? reject(new Error(e.data.error)) : resolve(e.data));
    w.onerror = (e) => reject(new Error(e.message));
    w.postMessage({ threads, runs, simd, modelUrl: new URL(modelUrl, location.href).href });
  });
}

async function ort() {
  const ortMod = await import('./vendor/ort/ort.wasm.min.mjs');
  const o = ortMod.default ?? ortMod;
  o.env.wasm.numThreads = threads;
  o.env.wasm.simd = true;
  o.env.wasm.wasmPaths = new URL('./vendor/ort/', location.href).href;
  const input = await npy(modelUrl.replace(/[^/]*$/, 'input.npy'));
  // The same weights, in the form onnxruntime runs them (scripts/bench-web.sh writes it).
  const { bytes, ms: downloadMs } = await fetchBytes(modelUrl.replace(/model\.onnx$/, 'model-ort.onnx'));
  const t0 = performance.now();
  const session = await o.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const parseMs = performance.now() - t0;
  const feeds = { [session.inputNames[0]]: new o.Tensor('float32', input, [1, 3, 227, 227]) };
  const totals = [];
  let last;
  for (let r = 0; r < runs + 3; r++) {
    const start = performance.now();
    last = await session.run(feeds);
    if (r >= 3) totals.push(performance.now() - start);
  }
  const prob = last[session.outputNames[0]].data;
  return { engine: 'ort', threads, runs: totals, medianMs: median(totals), downloadMs, parseMs, prob: Array.from(prob), crossOriginIsolated };
}

try {
  const r = engine === 'ort' ? await ort() : await ours();
  window.__bench = r;
  out.textContent = JSON.stringify({ ...r, prob: undefined, fc8: undefined }, null, 1);
} catch (e) {
  window.__bench = { error: String(e?.stack || e) };
  out.textContent = String(e?.stack || e);
}
