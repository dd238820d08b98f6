// Starts the threads builds' pool (src/api/pool.rs): this worker's own thread computes as rayon's thread 0, and
// `threads − 1` helper workers (pool-thread.js) share its memory as the others.

import { spawnModuleWorker } from '../shared/spawn-worker.js';

/** The helpers, kept referenced for as long as this worker lives (they never end). */
const helpers = [];

/**
 * @param {object} mod the loaded threads package (its `poolPrepare`, `poolInit`, `poolBuild`)
 * @param {string} glue the package's JS module URL, which each helper imports
 * @param {number} threads
 * @returns {Promise<void>} once every helper waits for its thread and the pool is built
 */
export async function startPool(mod, glue, threads) {
  mod.poolPrepare();
  const [module, memory] = mod.poolInit();
  const started = Array.from({ length: threads - 1 }, () => new Promise((resolve, reject) => {
    const w = spawnModuleWorker(new URL('./pool-thread.js', import.meta.url));
    helpers.push(w);
    w.onmessage = ({ data }) => (data?.error ? reject(new Error(`a pool thread did not start: ${data.error}`)) : resolve());
    w.onerror = (e) => {
      e.preventDefault?.();
      reject(new Error(`a pool thread did not start: ${e.message || 'worker error'}`));
    };
    w.postMessage({ glue, module, memory });
  }));
  await Promise.all(started);
  mod.poolBuild(threads);
}
