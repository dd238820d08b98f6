// Test worker for jpeg-decode.test.mjs: decodes JPEG files both ways in a worker, as the engine worker does (the
// general path through createImageBitmap and a canvas, and the plain 4:2:0 path through ImageDecoder and the
// engine's yuv420ToRgba), and reports whether the fast path applied and whether the two gave the same bytes.
import { decodeHere, sniffImage, tinyJpeg } from '/www/image/decode.js';
import { decodePlainJpeg } from '/www/image/jpeg-fast.js';

/**
 * JPEGs made here from seeded noise (every pixel's colour differs from its neighbours': upsampling shows).
 * Chromium's encoder embeds an sRGB ICC profile (an APP2 segment), which sends a file the general way; without
 * `icc`, that segment is cut out, leaving a plain JPEG.
 */
async function noiseJpeg(width, height, seed, icc) {
  const canvas = new OffscreenCanvas(width, height);
  const g = canvas.getContext('2d');
  const img = g.createImageData(width, height);
  let s = seed;
  for (let i = 0; i < img.data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    img.data[i] = i % 4 === 3 ? 255 : s >>> 24;
  }
  g.putImageData(img, 0, 0);
  const b = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 })).arrayBuffer());
  if (icc) return new Blob([b], { type: 'image/jpeg' });
  // Segments from the SOI on: FF, marker, 2-byte length (which counts itself).
  for (let i = 2; b[i] === 0xff && b[i + 1] !== 0xda; i += 2 + ((b[i + 2] << 8) | b[i + 3])) {
    if (b[i + 1] === 0xe2) return new Blob([b.subarray(0, i), b.subarray(i + 2 + ((b[i + 2] << 8) | b[i + 3]))], { type: 'image/jpeg' });
  }
  throw new Error('the canvas JPEG has no APP2 segment to cut');
}

self.onmessage = async ({ data: { files, noise, withIcc, cuts } }) => {
  try {
    const mod = await import('/pkg/alexnet_explainer.js');
    await mod.default();
    const blobs = [];
    for (const f of files) blobs.push([f, await (await fetch(f)).blob()]);
    for (const [w, h] of noise) blobs.push([`noise ${w}×${h}`, await noiseJpeg(w, h, w * 1000 + h, false)]);
    blobs.push(['tinyJpeg', tinyJpeg()]);
    for (const [f, n] of cuts) blobs.push([`${f} cut at ${n}`, (await (await fetch(f)).blob()).slice(0, n, 'image/jpeg')]);
    for (const [w, h] of withIcc) blobs.push([`noise ${w}×${h} with ICC`, await noiseJpeg(w, h, w + h, true)]);
    const results = [];
    for (const [name, blob] of blobs) {
      const bytes = new Uint8Array(await blob.arrayBuffer());
      const fast = await decodePlainJpeg(blob, { head: sniffImage(bytes), bytes }, 1024, mod.yuv420ToRgba);
      const attempt = (p) => p.then((pixels) => ({ pixels }), (e) => ({ error: e.message }));
      const general = await attempt(decodeHere(blob, 1024));
      const viaEngine = await attempt(decodeHere(blob, 1024, { yuv420ToRgba: mod.yuv420ToRgba }));
      const differing = (a) => a.data.reduce((n, v, i) => n + (v !== general.pixels.data[i]), 0);
      results.push({
        name,
        fast: fast !== null,
        error: general.error,
        engineError: viaEngine.error,
        size: general.pixels && [general.pixels.width, general.pixels.height],
        fastSize: fast && [fast.width, fast.height],
        fastDiffers: fast && general.pixels ? differing(fast) : null,
        engineDiffers: viaEngine.pixels && general.pixels ? differing(viaEngine.pixels) : null,
      });
    }
    self.postMessage({ results });
  } catch (e) {
    self.postMessage({ error: String(e?.stack ?? e) });
  }
};
