// Top patches over a folder of photos: decode, run, drop, one photo at a time; per channel the k photos it likes best.

/**
 * @typedef {{image: number, value: number, y: number, x: number, field?: {y0: number, x0: number, size: number},
 *            patch?: Uint8ClampedArray}} TopPatch
 *   `image` indexes the `images` given; `value` is the channel's maximum on it, at unit (y, x) of the layer's output;
 *   with `patches: true`, `patch` is that unit's receptive field cut from the photo (`patchSize`² RGBA).
 */

/**
 * Run every image up to `layer` and keep, per channel, the top `k` images by that channel's maximum activation (one
 * entry per image), sorted by value, descending; ties keep the earlier image first. A file that cannot be decoded or
 * run is skipped with its reason (`errors`), never ending the batch. Only one photo is decoded at a time, and its
 * pixels are handed to the worker (transferred), so a folder of 500 never holds 500 decoded images.
 * @param {{ready: () => Promise<void>, spec: () => object|null, decode: (image: any) => Promise<object>,
 *          ask: (args: object, transfer: Transferable[]) => Promise<object>}} io the explainer's plumbing
 * @param {Array<Blob|object>} images
 * @param {{layer: string, k?: number, patches?: boolean, signal?: AbortSignal,
 *          onProgress?: (p: {done: number, total: number, failed: number}) => void}} options
 * @returns {Promise<TopPatch[][] & {errors: {image: number, name: string, message: string}[], means: Float32Array,
 *   images: number, seconds: number, imagesPerSecond: number, patchSize: number}>} per channel; a cancel rejects with
 *   `cancelled: true` and the channels so far as `partial`
 */
export async function topPatches(io, images, { layer, k = 5, patches = false, signal, onProgress } = {}) {
  await io.ready();
  const row = io.spec()?.layers.find((l) => l.id === layer);
  if (!row) throw new Error(`There is no layer called “${layer}”.`);
  if (row.out_shape.length !== 3) throw new Error(`${layer} is a vector; top patches need a layer with maps (conv1 … pool5).`);
  if (!Number.isInteger(k) || k < 1 || k > 100) throw new Error(`k must be a whole number from 1 to 100, not ${k}.`);
  const list = Array.from(images ?? []);
  const C = row.out_shape[0];
  const channels = Array.from({ length: C }, () => []);
  const sums = new Float64Array(C);
  const errors = [];
  let ran = 0;
  let patchSize = 0;
  const started = performance.now();
  const finish = (out) => {
    const seconds = (performance.now() - started) / 1000;
    return Object.assign(out, {
      errors, images: ran, seconds, imagesPerSecond: seconds > 0 ? ran / seconds : 0, patchSize,
      means: Float32Array.from(sums, (s) => (ran ? s / ran : 0)),
    });
  };
  for (let i = 0; i < list.length; i++) {
    if (signal?.aborted) {
      throw Object.assign(new Error('The photos were cancelled.'), { cancelled: true, partial: finish(channels.map((c) => [...c])) });
    }
    const name = list[i]?.name ?? `image ${i + 1}`;
    let m;
    try {
      const pixels = await decodeOnce(io, list[i]);
      // Patches only where this photo could enter the top k: its maximum must beat the channel's k-th best.
      const above = patches ? Float32Array.from(channels, (top) => (top.length < k ? -Infinity : top[top.length - 1].value)) : undefined;
      m = await io.ask({ what: 'channel-maxima', layer, pixels, patches, above }, [pixels.data.buffer]);
    } catch (err) {
      errors.push({ image: i, name, message: err?.message ?? String(err) });
      onProgress?.({ done: i + 1, total: list.length, failed: errors.length });
      continue;
    }
    ran++;
    patchSize = m.patchSize ?? 0;
    const P4 = patchSize * patchSize * 4;
    const slot = new Map(Array.from(m.patchChannels ?? [], (c, j) => [c, j]));
    for (let c = 0; c < C; c++) {
      sums[c] += m.means[c];
      const top = channels[c];
      const value = m.values[c];
      if (top.length >= k && !(value > top[top.length - 1].value)) continue;
      const entry = { image: i, value, y: m.ys[c], x: m.xs[c], field: { y0: m.y0s[c], x0: m.x0s[c], size: m.size } };
      if (m.patches) {
        const j = slot.get(c);
        if (j === undefined) throw new Error(`the engine cut no patch for channel ${c}`);
        entry.patch = m.patches.slice(j * P4, (j + 1) * P4);
      }
      // After every entry of an equal value: the earlier image keeps its place.
      let at = top.findIndex((e) => value > e.value);
      if (at < 0) at = top.length;
      top.splice(at, 0, entry);
      if (top.length > k) top.pop();
    }
    onProgress?.({ done: i + 1, total: list.length, failed: errors.length });
  }
  return finish(channels);
}

/** Decode one image; a decode superseded by the page's own image panel (which shares the decoder) is asked again. */
async function decodeOnce(io, image) {
  try {
    return await io.decode(image);
  } catch (err) {
    if (err?.cancelled) return io.decode(image);
    throw err;
  }
}
