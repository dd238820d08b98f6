// Which engine build the worker runs and loading it: the best the page and browser allow, falling back to pkg/.

import { buildCandidates, relaxedSimdSupported, whyNoThreads } from './builds.js';
import { describe } from './describe.js';
import { startPool } from './pool.js';

/**
 * The engine build this worker runs (www/worker/builds.js): two threads (pkg-threads*, rayon over shared memory)
 * when the page is cross-origin isolated, relaxed SIMD (pkg-*relaxed, fused multiply-adds) when the browser has
 * it, else the single-threaded SIMD128 pkg/, which any static host can serve.
 * @typedef {{threads: number, relaxed: boolean, build: string, mode: string, sources: object}} EngineInfo
 *   `sources` says where the trained weights come from and how they are recognised (the engine's
 *   `weightSources()`, so the page need not repeat it).
 */

async function loadBuild(b) {
  const glue = new URL(`../../${b.dir}/alexnet_explainer.js`, import.meta.url).href;
  const mod = await import(glue);
  const exports = await mod.default();
  if (b.threads > 1) await startPool(mod, glue, b.threads);
  return { mod, exports, threads: b.threads > 1 ? mod.engineThreads() : 1, relaxed: mod.relaxedSimd() };
}

let loading = null;

/**
 * Load the best build, once per worker; `threads` (1 or 2, from the page's first init) limits the choice.
 * @param {{threads?: number}} [want]
 * @returns {Promise<{mod: object, exports: object, info: EngineInfo}>} the package (its classes and functions),
 *   the instance's exports (its memory) and what runs
 */
export function loadEngine({ threads } = {}) {
  loading ??= (async () => {
    const host = {
      isolated: self.crossOriginIsolated && typeof SharedArrayBuffer === 'function',
      cores: navigator.hardwareConcurrency || 1,
      relaxed: relaxedSimdSupported(),
      threads,
    };
    const notes = [];
    const noThreads = whyNoThreads(host);
    if (noThreads) notes.push(noThreads);
    if (!host.relaxed) notes.push('this browser has no relaxed SIMD');
    let loaded = null;
    let build = null;
    let lastError = null;
    // Best first; a host without a build (or a browser that refuses it) falls through to the next, and pkg/ last.
    for (const b of buildCandidates(host)) {
      try {
        loaded = await loadBuild(b);
        build = b;
        break;
      } catch (err) {
        lastError = err;
        notes.push(`${b.dir}/ did not load: ${describe(err)}`);
      }
    }
    if (!loaded) throw lastError;
    const parts = [
      loaded.threads > 1 ? `two threads (wasm threads, cross-origin isolated page)` : 'single-threaded',
      loaded.relaxed ? 'relaxed SIMD (fused multiply-add)' : 'SIMD128',
    ];
    const info = {
      threads: loaded.threads,
      relaxed: loaded.relaxed,
      build: build.dir,
      mode: `${parts.join(', ')}${notes.length ? ` (${notes.join('; ')})` : ''}`,
      sources: loaded.mod.weightSources(),
    };
    return { mod: loaded.mod, exports: loaded.exports, info };
  })();
  return loading;
}
