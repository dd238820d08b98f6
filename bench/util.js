// Helpers shared by the benchmark page and its worker: medians, .npy inputs, timed downloads.
import { decodeNpy } from '../www/shared/npy.js';

/**
 * Runs a benchmark page's `main` and publishes its result (or its error) as `window.__bench`, which
 * scripts/bench-web.mjs waits for, and as text in `out`.
 */
export async function publish(main, out) {
  try {
    window.__bench = await main();
    out.textContent = JSON.stringify(window.__bench, null, 1);
  } catch (e) {
    window.__bench = { error: String(e?.stack || e) };
    out.textContent = String(e?.stack || e);
  }
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The float32 payload of a `.npy` file (the reference generator writes those). */
export async function npy(url) {
  return decodeNpy(await (await fetch(url)).arrayBuffer()).data;
}

/** Downloads `url` as bytes, with the milliseconds it took. */
export async function fetchBytes(url) {
  const t0 = performance.now();
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  return { bytes, ms: performance.now() - t0 };
}
