// Unit tests of www/probes.js: the synthetic probe images are what their names say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verticalEdge, horizontalEdge, stripes, colorBlob, checkerboard, PROBES, PROBE_SIZE } from '../../www/image/probes.js';

const px = (img, x, y) => Array.from(img.data.slice((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));

test('every probe is an opaque RGBA image of the probe size with a unique id', () => {
  const ids = new Set();
  for (const probe of PROBES) {
    const img = probe.make();
    assert.equal(img.width, PROBE_SIZE, probe.id);
    assert.equal(img.height, PROBE_SIZE, probe.id);
    assert.ok(img.data instanceof Uint8ClampedArray);
    assert.equal(img.data.length, PROBE_SIZE * PROBE_SIZE * 4);
    for (let i = 3; i < img.data.length; i += 4) assert.equal(img.data[i], 255);
    assert.ok(!ids.has(probe.id));
    ids.add(probe.id);
  }
  assert.ok(PROBES.length >= 7);
});

test('the vertical edge changes along x only, the horizontal edge along y only', () => {
  const v = verticalEdge(8);
  assert.deepEqual(px(v, 3, 0), [0, 0, 0, 255]);
  assert.deepEqual(px(v, 4, 7), [255, 255, 255, 255]);
  for (let y = 0; y < 8; y++) assert.deepEqual(px(v, 2, y), px(v, 2, 0));
  const h = horizontalEdge(8);
  assert.deepEqual(px(h, 7, 3), [0, 0, 0, 255]);
  assert.deepEqual(px(h, 0, 4), [255, 255, 255, 255]);
  for (let x = 0; x < 8; x++) assert.deepEqual(px(h, x, 6), px(h, 0, 6));
});

test('stripes repeat with their period along the stated angle', () => {
  const s = stripes({ period: 8, angleDeg: 0, size: 32 });
  for (let x = 0; x < 24; x++) assert.deepEqual(px(s, x, 5), px(s, x + 8, 5), `x=${x}`);
  assert.equal(px(s, 0, 0)[0], 255);
  assert.equal(px(s, 4, 0)[0], 0);
  // Vertical stripes are constant down a column.
  assert.deepEqual(px(s, 3, 0), px(s, 3, 31));
  const h = stripes({ period: 16, angleDeg: 90, size: 32 });
  assert.deepEqual(px(h, 0, 3), px(h, 31, 3));
  assert.notDeepEqual(px(h, 0, 0), px(h, 0, 8));
  // At 45° the image is constant along the anti-diagonal x + y = const.
  const d = stripes({ period: 10, angleDeg: 45, size: 32 });
  assert.deepEqual(px(d, 10, 0), px(d, 0, 10));
});

test('the colour blob is its colour at the centre and grey at the corners', () => {
  const b = colorBlob({ color: [200, 0, 0], radius: 4, size: 33 });
  assert.deepEqual(px(b, 16, 16), [200, 0, 0, 255]);
  assert.deepEqual(px(b, 0, 0), [128, 128, 128, 255]);
  assert.ok(px(b, 20, 16)[0] > px(b, 24, 16)[0]);
});

test('the checkerboard alternates cells starting with black', () => {
  const c = checkerboard({ cell: 4, size: 16 });
  assert.deepEqual(px(c, 0, 0), [0, 0, 0, 255]);
  assert.deepEqual(px(c, 4, 0), [255, 255, 255, 255]);
  assert.deepEqual(px(c, 4, 4), [0, 0, 0, 255]);
  assert.deepEqual(px(c, 3, 7), [255, 255, 255, 255]);
});

test('a thumbnail is its probe at half size: every pixel matches the probe pixel at twice its coordinates', () => {
  for (const probe of PROBES) {
    const full = probe.make();
    const half = probe.make(PROBE_SIZE / 2);
    assert.equal(half.width, PROBE_SIZE / 2, probe.id);
    let worst = 0;
    for (let y = 0; y < half.height; y++) {
      for (let x = 0; x < half.width; x++) {
        const a = px(half, x, y);
        const b = px(full, 2 * x, 2 * y);
        for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(a[c] - b[c]));
      }
    }
    // The blob's centre moves by half a pixel ((size − 1) / 2), so its falloff may differ by a few levels.
    assert.ok(worst <= (probe.id === 'probe-blob' ? 8 : 1), `${probe.id}: differs by ${worst}`);
  }
});
