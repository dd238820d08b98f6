// The worker's half of "top patches": one photo of a folder run up to a layer; per channel its maximum, where, and
// the patch of the photo that maximum's unit sees.

/** Side of each patch picture, in pixels: enough to recognise a 163-pixel field at a glance, small to keep. */
export const PATCH_PX = 48;

/**
 * Per channel, the unit's receptive field cut out of the original photo and resampled to `PATCH_PX` (nearest
 * pixel): crop → resized (+ the crop's corner) → original (÷ scale). Parts in the padding stay transparent.
 * @returns {Uint8ClampedArray} [C, PATCH_PX, PATCH_PX, 4]
 */
function cutPatches(rgba, width, height, m) {
  const P = PATCH_PX;
  const C = m.values.length;
  const out = new Uint8ClampedArray(C * P * P * 4);
  const { scale, cropX, cropY } = m.preprocess;
  const step = m.size / P;
  for (let c = 0; c < C; c++) {
    const base = c * P * P * 4;
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
 * Answer a `get` for `channel-maxima` ({layer, pixels: {width, height, data}, patches?}) with {layer, values, means,
 * ys, xs, y0s, x0s, size, preprocess, patches?}. The photo runs on a pass of its own in the engine, so the image
 * being explained keeps its tensors; its pixels are dropped when this returns.
 */
export function channelMaxima(session, msg) {
  const p = msg.pixels;
  if (!p || !Number.isInteger(p.width) || !Number.isInteger(p.height) || !p.data || p.data.length !== p.width * p.height * 4) {
    throw new Error('channel-maxima needs pixels {width, height, data} with width × height × 4 bytes.');
  }
  const rgba = new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength);
  const m = session.channelMaxima(rgba, p.width, p.height, msg.layer);
  if (msg.patches) {
    m.patches = cutPatches(rgba, p.width, p.height, m);
    m.patchSize = PATCH_PX;
  }
  return m;
}
