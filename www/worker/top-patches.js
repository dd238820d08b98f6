// The worker's half of "top patches": one photo of a folder run up to a layer; per channel its maximum, where, and
// the patch of the photo that maximum's unit sees.

/** Side of each patch picture, in pixels: enough to recognise a 163-pixel field at a glance, small to keep. */
export const PATCH_PX = 48;

/**
 * For the channels `which`, the unit's receptive field cut out of the original photo and resampled to `PATCH_PX`
 * (nearest pixel): crop → resized (+ the crop's corner) → original (÷ scale). Parts in the padding stay transparent.
 * @returns {Uint8ClampedArray} [which.length, PATCH_PX, PATCH_PX, 4]
 */
function cutPatches(rgba, width, height, m, which) {
  const P = PATCH_PX;
  const out = new Uint8ClampedArray(which.length * P * P * 4);
  const { scale, cropX, cropY } = m.preprocess;
  const step = m.size / P;
  for (const [j, c] of which.entries()) {
    const base = j * P * P * 4;
    for (let py = 0; py < P; py++) {
      const sy = Math.floor((m.y0s[c] + (py + 0.5) * step + cropY) / scale);
      if (sy < 0 || sy >= height) continue;
      for (let px = 0; px < P; px++) {
        const sx = Math.floor((m.x0s[c] + (px + 0.5) * step + cropX) / scale);
        if (sx < 0 || sx >= width) continue;
        const from = (sy * width + sx) * 4, to = base + (py * P + px) * 4;
        out[to] = rgba[from];
        out[to + 1] = rgba[from + 1];
        out[to + 2] = rgba[from + 2];
        out[to + 3] = 255;
      }
    }
  }
  return out;
}

/**
 * Answer a `get` for `channel-maxima` ({layer, pixels: {width, height, data}, patches?, above?}) with {layer,
 * values, means, ys, xs, y0s, x0s, size, preprocess, patches?, patchChannels?}. With `patches`, patches are cut for
 * the channels whose maximum beats `above[c]` (the caller's current k-th best; all channels without it), packed in
 * `patchChannels` order: after the first photos few channels change, so little is cut and sent. The photo runs on a
 * pass of its own in the engine, so the image being explained keeps its tensors; its pixels are dropped here.
 */
export function channelMaxima(session, msg) {
  const p = msg.pixels;
  if (!p || !Number.isInteger(p.width) || !Number.isInteger(p.height) || !p.data || p.data.length !== p.width * p.height * 4) {
    throw new Error('channel-maxima needs pixels {width, height, data} with width × height × 4 bytes.');
  }
  const rgba = new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength);
  const m = session.channelMaxima(rgba, p.width, p.height, msg.layer);
  if (msg.patches) {
    const which = [];
    // Written so that NaN counts as beating: the caller keeps a NaN maximum while its list is not full.
    for (let c = 0; c < m.values.length; c++) if (!msg.above || !(m.values[c] <= msg.above[c])) which.push(c);
    m.patchChannels = Uint32Array.from(which);
    m.patches = cutPatches(rgba, p.width, p.height, m, which);
    m.patchSize = PATCH_PX;
  }
  return m;
}
