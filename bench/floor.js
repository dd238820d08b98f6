// The least the client path can cost beside step(): the browser's own work on it, measured bare in a worker.
//
// A pass through the public API must, whatever the code around it: post the file to a worker and the result back
// (the main thread never computes a layer), read and decode the file there, and copy every layer's tensor out of
// wasm memory (which never leaves the worker). Each is timed here with nothing else around it: a message each way
// (clocks aligned on timeOrigin); the quickest of three ways from a Blob that just came in a message to its decoded
// image (floor-worker.js), none of which even reaches RGBA bytes; and one copy of the pass's tensor lengths into
// arrays written before. Their sum is a floor for the client's overhead (client − its steps). With threads the
// copies could overlap the helpers' compute, so the floor counts them divided by the thread count.
import { median } from './util.js';

/** The ways of floor-worker.js to decode a file, taken in turn. */
const WAYS = ['readThenPlanes', 'streamToPlanes', 'bitmap'];

/**
 * @param {Blob} blob the photo the client runs on
 * @param {number[]} lengths the pass's tensor lengths (input and every layer, from the spec the engine sent)
 * @param {number} threads the engine's threads
 * @returns {Promise<{toWorkerMs: number, decodeMs: number, decodeWay: string, decodesMs: Object<string, number>,
 *   copyMs: number, backMs: number, ms: number}>} medians over `rounds` per way; `decodeMs` is the quickest way's
 */
export async function measureFloor(blob, lengths, threads, rounds = 10) {
  const worker = new Worker(new URL('./floor-worker.js', import.meta.url), { type: 'module' });
  const rows = [];
  try {
    for (let i = 0; i < (rounds + 1) * WAYS.length; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const way = WAYS[i % WAYS.length];
      const sent = performance.timeOrigin + performance.now();
      const r = await new Promise((resolve, reject) => {
        worker.onmessage = (e) => resolve(e.data);
        worker.onerror = (e) => reject(new Error(e.message));
        worker.postMessage({ blob, lengths, way });
      });
      const done = performance.timeOrigin + performance.now();
      // The first round of each way warms its code.
      if (i >= WAYS.length) rows.push({ way, toWorkerMs: r.received - sent, decodeMs: r.decodeMs, copyMs: r.copyMs, backMs: done - r.finished });
    }
  } finally {
    worker.terminate();
  }
  const med = (k, of = rows) => median(of.map((r) => r[k]));
  const decodesMs = Object.fromEntries(WAYS.map((w) => [w, med('decodeMs', rows.filter((r) => r.way === w))]));
  const decodeWay = WAYS.reduce((a, b) => (decodesMs[b] < decodesMs[a] ? b : a));
  const f = { toWorkerMs: med('toWorkerMs'), decodeMs: decodesMs[decodeWay], decodeWay, decodesMs, copyMs: med('copyMs'), backMs: med('backMs') };
  return { ...f, ms: f.toWorkerMs + f.decodeMs + f.copyMs / threads + f.backMs };
}
