// onnxruntime-web on the benchmark's generated model: one session with N threads, on this page's main thread (its
// threads are its own workers), fed the reference input, timed to `prob` only (the strictest peer: no layer is
// handed to anyone).
import { npy, fetchBytes } from './util.js';

/**
 * Loads onnxruntime-web and a session on the model `modelUrl` names (its runnable twin `model-ort.onnx`, which
 * scripts/bench-web.sh writes: the input declared 227 and the weights as constants).
 * @returns {Promise<{run: () => Promise<number>, prob: () => Float32Array, downloadMs: number, parseMs: number}>}
 */
export async function ortSession({ threads, modelUrl }) {
  const ortMod = await import('./vendor/ort/ort.wasm.min.mjs');
  const o = ortMod.default ?? ortMod;
  o.env.wasm.numThreads = threads;
  o.env.wasm.simd = true;
  o.env.wasm.wasmPaths = new URL('./vendor/ort/', location.href).href;
  const input = await npy(modelUrl.replace(/[^/]*$/, 'input.npy'));
  const { bytes, ms: downloadMs } = await fetchBytes(modelUrl.replace(/model\.onnx$/, 'model-ort.onnx'));
  const t0 = performance.now();
  const session = await o.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const parseMs = performance.now() - t0;
  const feeds = { [session.inputNames[0]]: new o.Tensor('float32', input, [1, 3, 227, 227]) };
  let last = null;
  return {
    downloadMs,
    parseMs,
    /** One inference; resolves with its milliseconds. */
    async run() {
      const start = performance.now();
      last = await session.run(feeds);
      return performance.now() - start;
    },
    prob: () => last[session.outputNames[0]].data,
  };
}
