// The engine worker's fast JPEG path (www/image/jpeg-fast.js: ImageDecoder's 4:2:0 planes, upsampled and converted
// by the engine as libjpeg-turbo does) must give exactly the browser's own decode, and must step aside for what it
// does not reproduce (EXIF rotation, ICC profiles, grey, CMYK, images too narrow, truncated files), which go the
// general way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, launchBrowser, collectConsoleErrors } from './harness.mjs';

const PLAIN = ['/www/samples/chelsea.jpg', '/www/samples/astronaut.jpg', '/www/samples/coffee.jpg', '/tests/fixtures/images/photo.jpg'];
const OTHERS = ['/tests/fixtures/images/exif-rotate90.jpg', '/tests/fixtures/images/gray.jpg', '/tests/fixtures/images/cmyk.jpg'];
// Odd and even sizes, the narrowest the path takes (5 pixels: three chroma columns) and ones it leaves (4 and less).
const NOISE = [[5, 1], [5, 3], [6, 2], [5, 7], [33, 17], [64, 64], [451, 301], [4, 1], [3, 3], [2, 9]];
// Files cut short inside the scan data and just before the end-of-image marker.
const CUTS = [['/www/samples/chelsea.jpg', 20000], ['/www/samples/chelsea.jpg', 30983]];
const LEFT = ['noise 4×1', 'noise 3×3', 'noise 2×9', 'noise 40×30 with ICC'];

test('plain 4:2:0 JPEGs decode to the same bytes as createImageBitmap; the rest go the general way', { timeout: 120_000 }, async () => {
  const app = await startApp();
  const { page, close } = await launchBrowser();
  const errors = collectConsoleErrors(page);
  try {
    await page.goto(`${app.url}tests/e2e/blank.html`);
    const out = await page.evaluate((msg) => new Promise((resolve) => {
      const w = new Worker('/tests/e2e/jpeg-worker.js', { type: 'module' });
      w.onmessage = (e) => { w.terminate(); resolve(e.data); };
      w.onerror = (e) => resolve({ error: e.message });
      w.postMessage(msg);
    }), { files: [...PLAIN, ...OTHERS], noise: NOISE, withIcc: [[40, 30]], cuts: CUTS });
    assert.equal(out.error, undefined, out.error);
    const byName = Object.fromEntries(out.results.map((r) => [r.name, r]));
    // tinyJpeg() is what the engine worker warms this path with: it must take it.
    const fastOnes = ['tinyJpeg', ...PLAIN, ...NOISE.map(([w, h]) => `noise ${w}×${h}`).filter((n) => !LEFT.includes(n))];
    for (const name of fastOnes) {
      const r = byName[name];
      assert.ok(r.fast, `${name}: the fast path applies`);
      assert.deepEqual(r.fastSize, r.size, `${name}: size`);
      assert.equal(r.fastDiffers, 0, `${name}: bytes differing from createImageBitmap's`);
    }
    for (const name of [...OTHERS, ...LEFT]) {
      assert.equal(byName[name].fast, false, `${name}: left to the general path`);
    }
    const cut = CUTS.map(([f, n]) => `${f} cut at ${n}`);
    for (const r of out.results.filter((r) => !cut.includes(r.name))) {
      assert.equal(r.error ?? r.engineError, undefined, `${r.name}: decoded`);
      assert.equal(r.engineDiffers, 0, `${r.name}: decodeHere with the engine gives the same bytes`);
    }
    // Truncated files: the fast path steps aside and both ways refuse them with the same message.
    for (const name of cut) {
      const r = byName[name];
      assert.equal(r.fast, false, `${name}: no pixels from the fast path`);
      assert.match(r.engineError ?? '', /damaged or truncated JPEG/, name);
      assert.equal(r.engineError, r.error, `${name}: the same message both ways`);
    }
    // The rotated fixture comes out upright (60×40), as the general path makes it.
    assert.deepEqual(byName['/tests/fixtures/images/exif-rotate90.jpg'].size, [60, 40]);
    assert.deepEqual(errors, []);
  } finally {
    await close();
    await app.close();
  }
});
