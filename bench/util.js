// Helpers shared by the benchmark page and its worker: medians, .npy inputs, timed downloads.
import { decodeNpy } from '../www/shared/npy.js';

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
