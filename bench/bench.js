// Browser benchmark page: times our wasm forward pass or onnxruntime-web's on the same model and input.
// onnxruntime-web runs on this page's main thread (its threads are its own workers); ours runs in a worker. Query: engine, threads, runs, model,
// simd (`plain`: our SIMD128 build even where relaxed SIMD exists).
import { median } from './util.js';
import { ortSession } from './ort.js';

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
  const o = await ortSession({ threads, modelUrl });
  const totals = [];
  for (let r = 0; r < runs + 3; r++) {
    const ms = await o.run();
    if (r >= 3) totals.push(ms);
  }
  return { engine: 'ort', threads, runs: totals, medianMs: median(totals), downloadMs: o.downloadMs, parseMs: o.parseMs, prob: Array.from(o.prob()), crossOriginIsolated };
}

try {
  const r = engine === 'ort' ? await ort() : await ours();
  window.__bench = r;
  out.textContent = JSON.stringify({ ...r, prob: undefined, fc8: undefined }, null, 1);
} catch (e) {
  window.__bench = { error: String(e?.stack || e) };
  out.textContent = String(e?.stack || e);
}
