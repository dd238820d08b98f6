// Unit tests of www/client/top-patches.js (ranking, ties, broken files, cancel) with a fake engine, and of the
// "what does this unit see" message tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { topPatches } from '../../www/client/top-patches.js';
import unitsEn from '../../www/shared/i18n/units-en.js';
import unitsZh from '../../www/shared/i18n/units-zh.js';

const spec = { layers: [{ id: 'conv9', out_shape: [2, 3, 3] }, { id: 'fc6', out_shape: [4096] }] };

/** A fake engine: image i's channel c has maximum values[i][c] at (i % 3, c); 'bad' images fail to decode. */
function fakeIo(values, { onAsk } = {}) {
  return {
    ready: async () => {},
    spec: () => spec,
    decode: async (im) => {
      if (im.bad) throw new Error(`${im.name}: not an image`);
      return { width: 1, height: 1, data: new Uint8ClampedArray([im.i, 0, 0, 255]) };
    },
    ask: async ({ pixels }) => {
      const i = pixels.data[0];
      onAsk?.(i);
      return { values: Float32Array.from(values[i]), means: Float32Array.from(values[i], (v) => v / 2), ys: [i % 3, i % 3], xs: [0, 1], y0s: [0, 0], x0s: [0, 0], size: 11 };
    },
  };
}

const images = (n, bad = []) => Array.from({ length: n }, (_, i) => ({ i, name: `p${i}.jpg`, bad: bad.includes(i) }));

test('per channel the top k by maximum, descending; ties keep the earlier image', async () => {
  const values = [[1, 5], [3, 5], [2, 9], [3, 0]];
  const r = await topPatches(fakeIo(values), images(4), { layer: 'conv9', k: 2 });
  assert.deepEqual(r[0].map((e) => [e.image, e.value]), [[1, 3], [3, 3]]);
  assert.deepEqual(r[1].map((e) => [e.image, e.value]), [[2, 9], [0, 5]]);
  assert.deepEqual([r[1][0].y, r[1][0].x], [2, 1]);
  assert.equal(r.images, 4);
  assert.deepEqual([...r.means], [(1 + 3 + 2 + 3) / 8, (5 + 5 + 9 + 0) / 8]);
});

test('broken files are skipped with their reason; the batch goes on', async () => {
  const values = [[1, 1], [2, 2], [3, 3]];
  const progress = [];
  const r = await topPatches(fakeIo(values), images(3, [1]), { layer: 'conv9', k: 5, onProgress: (p) => progress.push(p) });
  assert.deepEqual(r.errors, [{ image: 1, name: 'p1.jpg', message: 'p1.jpg: not an image' }]);
  assert.deepEqual(r[0].map((e) => e.image), [2, 0]);
  assert.deepEqual(progress.at(-1), { done: 3, total: 3, failed: 1 });
});

test('cancel stops before the next photo and hands back what was ranked', async () => {
  const ctl = new AbortController();
  const asked = [];
  const io = fakeIo([[1, 1], [2, 2], [3, 3]], { onAsk: (i) => { asked.push(i); if (i === 1) ctl.abort(); } });
  const err = await topPatches(io, images(3), { layer: 'conv9', signal: ctl.signal }).catch((e) => e);
  assert.equal(err.cancelled, true);
  assert.deepEqual(asked, [0, 1]);
  assert.deepEqual(err.partial[0].map((e) => e.image), [1, 0]);
});

test('a layer without maps or a bad k is refused at once', async () => {
  await assert.rejects(topPatches(fakeIo([]), images(1), { layer: 'fc6' }), /vector/);
  await assert.rejects(topPatches(fakeIo([]), images(1), { layer: 'nope' }), /no layer/);
  await assert.rejects(topPatches(fakeIo([]), images(1), { layer: 'conv9', k: 0 }), /k must be/);
});

test('the units texts: same keys and placeholders in both languages', () => {
  assert.deepEqual(Object.keys(unitsZh).sort(), Object.keys(unitsEn).sort());
  const holes = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const k of Object.keys(unitsEn)) assert.deepEqual(holes(unitsZh[k]), holes(unitsEn[k]), k);
});

test('patches are asked only where a photo can enter the top k, and each entry keeps its own', async () => {
  const values = [[1, 5], [3, 0], [2, 9]];
  const cut = [];
  const io = fakeIo(values);
  const ask = io.ask;
  io.ask = async (msg) => {
    const m = await ask(msg);
    // As www/worker/top-patches.js: a patch for each channel whose maximum beats `above`, filled with the photo's index.
    const which = [...m.values.keys()].filter((c) => !(m.values[c] <= msg.above[c]));
    cut.push(which);
    return { ...m, patchSize: 1, patchChannels: Uint32Array.from(which), patches: Uint8ClampedArray.from(which.flatMap((c) => [msg.pixels.data[0], c, 0, 255])) };
  };
  const r = await topPatches(io, images(3), { layer: 'conv9', k: 1, patches: true });
  assert.deepEqual(cut, [[0, 1], [0], [1]]);
  assert.deepEqual([...r[0][0].patch], [1, 0, 0, 255]);
  assert.deepEqual([...r[1][0].patch], [2, 1, 0, 255]);
});
