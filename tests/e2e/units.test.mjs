// What a unit sees, in the real app: the engine's receptive fields against an independent walk of the spec, the
// footprint drawn where a unit is pointed at (maps, pool, sweep, LRN), and a crop pixel's units in every layer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSession, openApp, screenshot } from './harness.mjs';

let s;

before(async () => {
  s = await startSession();
  await openApp(s.page, `${s.app.url}index.html#view=overview`);
});

after(async () => { await s?.close(); });

/** Rows [a, b] of layer `id` walked back to the crop through each window's k, stride and pad (no derived field). */
function walk(spec, id, a, b) {
  const l = spec.layers.find((r) => r.id === id);
  if (!l) return [a, b];
  if (l.kind === 'conv' || l.kind === 'pool') [a, b] = [a * l.stride - l.pad, b * l.stride - l.pad + l.k - 1];
  return walk(spec, l.input, a, b);
}

async function show(hash, selector) {
  await s.page.evaluate((h) => { location.hash = h; }, hash);
  await s.page.waitForSelector(selector, { timeout: 30_000 });
}

test('receptive-field: sizes 11 … 195 and starts match an independent walk of the spec', async () => {
  const { spec, fields } = await s.page.evaluate(async () => {
    const { ctx } = window.alexnetApp;
    const out = [];
    for (const l of ctx.spec.layers.filter((r) => r.out_shape?.length === 3 && r.kind !== 'data')) {
      const [, H, W] = l.out_shape;
      for (const [y, x] of [[0, 0], [H - 1, Math.floor(W / 2)]]) out.push({ id: l.id, y, x, f: await ctx.client.get('receptive-field', { layer: l.id, y, x }) });
    }
    return { spec: ctx.spec, fields: out };
  });
  const want = { conv1: 11, pool1: 19, conv2: 51, pool2: 67, conv3: 99, conv4: 131, conv5: 163, pool5: 195 };
  for (const { id, y, x, f } of fields) {
    const [y0, y1] = walk(spec, id, y, y);
    const [x0] = walk(spec, id, x, x);
    assert.deepEqual(f, { y0, x0, size: y1 - y0 + 1 }, `${id} (${y}, ${x})`);
    if (want[id]) assert.equal(f.size, want[id], id);
  }
  // Unclipped: conv5's first unit starts 64 pixels before the crop.
  assert.deepEqual(fields.find((r) => r.id === 'conv5' && r.y === 0).f, { y0: -64, x0: -64, size: 163 });
  const err = await s.page.evaluate(() => window.alexnetApp.ctx.client.get('receptive-field', { layer: 'fc6', y: 0, x: 0 }).catch((e) => e.message));
  assert.match(err, /vector/);
});

test('maps: pointing at a conv5 unit draws its 163-pixel square on the crop, and its tower in the layers below', async () => {
  await show('#view=maps&layer=conv5&channel=200', '#maps-zoom:not([hidden]) #maps-zoom-canvas');
  const box = await s.page.locator('#maps-zoom-canvas').boundingBox();
  // The centre of the 13×13 map is unit (6, 6).
  await s.page.mouse.move(box.x + box.width * (6.5 / 13), box.y + box.height * (6.5 / 13));
  await s.page.waitForSelector('#footprint[data-layer="conv5"][data-size="163"]');
  const d = await s.page.evaluate(() => ({ ...document.getElementById('footprint').dataset }));
  assert.deepEqual([d.y, d.x, d.y0, d.x0, d.size], ['6', '6', '32', '32', '163']);
  assert.match(await s.page.textContent('#footprint-text'), /163 × 163/);
  // conv5 channel 200 is on GPU 2: relu4 (not in the strip) and conv4 feed it from channels 192–383 only.
  const conv4 = await s.page.evaluate(() => ({ ...document.querySelector('#footprint-layers figure[data-layer="conv4"]').dataset }));
  assert.deepEqual([conv4.c0, conv4.c1], ['192', '384']);
  // conv3 reads both towers: the slice of pool2 feeding conv3 … the whole 256 channels.
  const pool2 = await s.page.evaluate(() => ({ ...document.querySelector('#footprint-layers figure[data-layer="pool2"]').dataset }));
  assert.deepEqual([pool2.c0, pool2.c1], ['0', '256']);
  await screenshot(s.page, 'units-footprint-conv5');
});

test('a click on a crop pixel shows, in every layer, the units that see it', async () => {
  await s.page.locator('#footprint-crop').click({ position: { x: 12, y: 30 } });
  await s.page.waitForSelector('#footprint[data-pixel]', { state: 'attached' });
  const [py, px] = (await s.page.getAttribute('#footprint', 'data-pixel')).split(',').map(Number);
  const { spec, boxes } = await s.page.evaluate(() => ({
    spec: window.alexnetApp.ctx.spec,
    boxes: Object.fromEntries([...document.querySelectorAll('#footprint-layers figure')].map((f) => [f.dataset.layer, { ...f.dataset }])),
  }));
  // Independently: unit u of a layer sees pixel p when the walk of [u, u] back to the crop holds p.
  const seeing = (id, p, n) => {
    const us = [...Array(n).keys()].filter((u) => { const [a, b] = walk(spec, id, u, u); return a <= p && p <= b; });
    return [String(us[0]), String(us.at(-1) + 1)];
  };
  for (const [id, b] of Object.entries(boxes)) {
    const [, H, W] = spec.layers.find((l) => l.id === id).out_shape;
    assert.equal(b.active, 'true', id);
    assert.deepEqual([b.y0, b.y1], seeing(id, py, H), `${id} rows for pixel row ${py}`);
    assert.deepEqual([b.x0, b.x1], seeing(id, px, W), `${id} columns for pixel column ${px}`);
  }
  assert.ok(py > 20 && px < 15, `the click landed on pixel (${py}, ${px})`);
});

test('the input view: a click on the crop shows which units of every layer see that pixel', async () => {
  await show('#view=preprocess&layer=data', '#preprocess-crop');
  const crop = s.page.locator('#preprocess-crop');
  const box = await crop.boundingBox();
  // The crop's centre pixel (113, 113).
  await crop.click({ position: { x: box.width * (113.5 / 227), y: box.height * (113.5 / 227) } });
  await s.page.waitForSelector('#footprint[data-pixel="113,113"]', { state: 'attached' });
  const conv5 = await s.page.evaluate(() => ({ ...document.querySelector('#footprint-layers figure[data-layer="conv5"]').dataset }));
  // conv5 units with start −64 + 16u ≤ 113 < −64 + 16u + 163: u = 1 … 11.
  assert.deepEqual([conv5.y0, conv5.y1, conv5.x0, conv5.x1], ['1', '12', '1', '12']);
});

test('pool, sweep and LRN views show the footprint of the unit their state names', async () => {
  await show('#view=pool&layer=pool5&channel=3&y=0&x=5', '#footprint[data-layer="pool5"]');
  await s.page.waitForSelector('#footprint[data-size="195"]');
  assert.deepEqual(await s.page.evaluate(() => [document.getElementById('footprint').dataset.y0, document.getElementById('footprint').dataset.x0]), ['-64', '96']);
  await show('#view=sweep&layer=conv2&channel=200&y=1&x=0', '#footprint[data-layer="conv2"][data-size="51"]');
  const pool1 = await s.page.evaluate(() => ({ ...document.querySelector('#footprint-layers figure[data-layer="pool1"]').dataset }));
  assert.deepEqual([pool1.c0, pool1.c1], ['48', '96']);
  await show('#view=lrn&layer=norm1&channel=0&y=2&x=3', '#footprint[data-layer="norm1"][data-size="11"]');
  assert.deepEqual(await s.page.evaluate(() => [document.getElementById('footprint').dataset.y0, document.getElementById('footprint').dataset.x0]), ['8', '12']);
  assert.deepEqual(s.errors, []);
});
