// Helpers shared by the benchmark page and its worker: medians, .npy inputs, timed downloads.
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The float32 payload of a version-1 `.npy` file (the reference generator writes those). */
export async function npy(url) {
  const buf = await (await fetch(url)).arrayBuffer();
  const hlen = new DataView(buf).getUint16(8, true);
  return new Float32Array(buf.slice(10 + hlen));
}

/** Downloads `url` as bytes, with the milliseconds it took. */
export async function fetchBytes(url) {
  const t0 = performance.now();
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  return { bytes, ms: performance.now() - t0 };
}
