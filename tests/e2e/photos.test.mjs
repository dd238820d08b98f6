// "Your photos" and the unit card in the real app: broken files skipped with their reason, cancel mid-batch, the
// deep link in both languages, axe; and topPatches against onnxruntime's maxima on the generated reference model.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, startSession, openApp, axeAudit, screenshot } from './harness.mjs';
import { encodeNpy } from '../../www/shared/npy.js';

const SAMPLES = path.join(REPO_ROOT, 'www/samples');
const photo = (name) => ({ name, mimeType: 'image/jpeg', buffer: readFileSync(path.join(SAMPLES, name)) });
const GOOD = ['chelsea.jpg', 'coffee.jpg', 'astronaut.jpg'].map(photo);
const BAD = [
  { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a photo at all') },
  { name: 'cut.jpg', mimeType: 'image/jpeg', buffer: readFileSync(path.join(SAMPLES, 'coffee.jpg')).subarray(0, 600) },
  { name: 'empty.png', mimeType: 'image/png', buffer: Buffer.alloc(0) },
];

let s;

before(async () => {
  s = await startSession();
  await openApp(s.page, `${s.app.url}index.html#view=unit&layer=conv2&channel=17`);
  await s.page.waitForSelector('#photos');
});

after(async () => { await s?.close(); });

/** Values of the unit card's patches, in the order shown. */
const shownValues = () => s.page.$$eval('#unit-patches figure', (fs) => fs.map((f) => Number(f.dataset.value)));

test('a folder with broken files: the photos are ranked, each bad file is listed with its reason', async () => {
  await s.page.setInputFiles('#photos-input', [GOOD[0], BAD[0], GOOD[1], BAD[1], GOOD[2], BAD[2]]);
  await s.page.waitForFunction(() => /3 of 6 photos ranked/.test(document.getElementById('photos-status').textContent), null, { timeout: 120_000 });
  const errors = await s.page.$$eval('#photos-errors li', (li) => li.map((e) => e.textContent));
  assert.equal(errors.length, 3, errors.join('\n'));
  for (const [i, name] of ['notes.txt', 'cut.jpg', 'empty.png'].entries()) assert.ok(errors[i].startsWith(`${name}: `) && errors[i].length > name.length + 5, errors[i]);
  // The card is drawn once the results are stored, just after the status line.
  await s.page.waitForFunction(() => document.querySelectorAll('#unit-patches figure').length === 3);
  const values = await shownValues();
  assert.deepEqual(values, [...values].sort((a, b) => b - a), 'sorted by value, descending');
  assert.equal(await s.page.getAttribute('#unit-card', 'data-channel'), '17');
  assert.ok(await s.page.isVisible('#unit-kernel'), 'conv2 has a kernel');
  assert.match(await s.page.textContent('#unit-means'), /3/);
  await screenshot(s.page, 'photos-unit-card');
  assert.deepEqual(await axeAudit(s.page, 'photos-unit', s.errors), []);
});

test('the unit card deep link, after a reload, in both languages (results kept for the session)', async () => {
  for (const [lang, title] of [['zh', /单元卡片：conv2，通道 17/], ['en', /Unit card: conv2, channel 17/]]) {
    await s.page.goto(`${s.app.url}index.html#view=unit&layer=conv2&channel=17&lang=${lang}`);
    await s.page.reload();
    await s.page.waitForFunction(() => document.querySelectorAll('#unit-patches figure').length === 3, null, { timeout: 60_000 });
    assert.match(await s.page.textContent('#unit-title'), title);
    assert.match(await s.page.textContent('#photos-title'), lang === 'zh' ? /你的照片/ : /Your photos/);
    assert.deepEqual(await axeAudit(s.page, `photos-unit-${lang}`, s.errors), []);
  }
  // Another channel, picked from the layer's overview.
  const overview = s.page.locator('#unit-overview');
  await overview.scrollIntoViewIfNeeded();
  const k = (await overview.boundingBox()).width / Number(await overview.getAttribute('data-css-width'));
  // Cells are 32 CSS pixels: the third cell of the first row is channel 2.
  await overview.click({ position: { x: 32 * 2.5 * k, y: 16 * k } });
  await s.page.waitForFunction(() => document.getElementById('unit-card').dataset.channel === '2');
  assert.match(await s.page.evaluate(() => location.hash), /channel=2/);
});

test('cancel mid-batch stops before the next photo and keeps what was ranked; clear empties the card', async () => {
  // conv5 is the deepest layer with maps: a photo takes long enough there for the click to land mid-batch.
  await s.page.evaluate(() => { location.hash = '#view=unit&layer=conv5&channel=0'; });
  await s.page.waitForSelector('#unit-card[data-layer="conv5"]');
  const many = Array.from({ length: 24 }, (_, i) => ({ ...GOOD[i % 3], name: `p${i}.jpg` }));
  await s.page.setInputFiles('#photos-input', many);
  await s.page.waitForFunction(() => Number(document.getElementById('photos-progress').value) >= 2, null, { timeout: 120_000 });
  await s.page.click('#photos-cancel');
  await s.page.waitForFunction(() => /Cancelled/.test(document.getElementById('photos-status').textContent), null, { timeout: 60_000 });
  const text = await s.page.textContent('#photos-status');
  const ranked = Number(/Cancelled: (\d+) of 24/.exec(text)[1]);
  assert.ok(ranked >= 2 && ranked < 24, text);
  assert.ok(await s.page.isHidden('#photos-progress'));
  await s.page.waitForFunction(() => document.querySelectorAll('#unit-patches figure').length > 0);
  await s.page.click('#photos-clear');
  await s.page.waitForSelector('#unit-empty:not([hidden])');
  assert.equal(await s.page.$$eval('#unit-patches figure', (f) => f.length), 0);
  assert.deepEqual(s.errors, []);
});

test('photos dropped on the panel are ranked like chosen ones (and the explained image stays)', async () => {
  await s.page.evaluate(() => { location.hash = '#view=unit&layer=conv1&channel=5'; });
  await s.page.waitForSelector('#unit-card[data-layer="conv1"]');
  const label = await s.page.textContent('#input-caption');
  const dt = await s.page.evaluateHandle(async () => {
    const dt = new DataTransfer();
    for (const n of ['coffee.jpg', 'chelsea.jpg']) dt.items.add(new File([await (await fetch(`/www/samples/${n}`)).blob()], `dropped-${n}`, { type: 'image/jpeg' }));
    dt.items.add(new File(['text'], 'readme.txt', { type: 'text/plain' }));
    return dt;
  });
  await s.page.dispatchEvent('#photos-drop', 'drop', { dataTransfer: dt });
  await s.page.waitForFunction(() => /2 of 3 photos ranked for conv1/.test(document.getElementById('photos-status').textContent), null, { timeout: 60_000 });
  await s.page.waitForFunction(() => document.querySelectorAll('#unit-patches figure').length === 2);
  assert.match(await s.page.textContent('#photos-errors'), /readme\.txt: /);
  assert.match(await s.page.textContent('#unit-patches'), /dropped-/);
  assert.equal(await s.page.textContent('#input-caption'), label, 'the explained image did not change');
});

test('topPatches against onnxruntime: the same maxima, positions and ranking on the reference model', { timeout: 600_000 }, async () => {
  const out = path.join(REPO_ROOT, 'tests/reference/out');
  const python = path.join(REPO_ROOT, '.venv/bin/python');
  if (!existsSync(path.join(out, 'model.onnx'))) {
    execFileSync(python, [path.join(REPO_ROOT, 'tests/reference/make_alexnet.py'), '--out', out], { stdio: 'inherit' });
  }
  const layer = 'conv5';
  const got = await s.page.evaluate(async ({ names, layer }) => {
    // An explainer of its own (its own worker), so the app's passes cannot interleave with these.
    const { createExplainer } = await import('/www/client/explainer.js');
    const client = createExplainer({ weights: '/tests/reference/out/model.onnx' });
    await client.ready;
    const blobs = await Promise.all(names.map(async (n) => new File([await (await fetch(`/www/samples/${n}`)).blob()], n)));
    // The engine's own network input per photo (preprocessing is its job), for onnxruntime to run too.
    const inputs = [];
    for (const b of blobs) {
      await client.run(b);
      const d = await client.get('tensor', { layer: 'data' });
      inputs.push(Array.from(d));
    }
    const top = await client.topPatches(blobs, { layer, k: 3 });
    client.destroy();
    return { inputs, top: top.map((ch) => ch.map(({ image, value, y, x }) => ({ image, value, y, x }))), errors: top.errors };
  }, { names: GOOD.map((g) => g.name), layer });
  assert.deepEqual(got.errors, []);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'top-patches-'));
  const files = got.inputs.map((values, i) => {
    const f = path.join(dir, `in${i}.npy`);
    writeFileSync(f, encodeNpy(Float32Array.from(values), [3, 227, 227]));
    return f;
  });
  const ort = JSON.parse(execFileSync(python, [path.join(REPO_ROOT, 'tests/reference/channel_maxima.py'), '--model', path.join(out, 'model.onnx'), '--layer', layer, ...files], { maxBuffer: 64 << 20 }));
  const C = ort.images[0].values.length;
  assert.equal(got.top.length, C);
  let worst = 0;
  for (let c = 0; c < C; c++) {
    const want = ort.images.map((m, image) => ({ image, value: m.values[c], y: m.ys[c], x: m.xs[c] })).sort((a, b) => b.value - a.value || a.image - b.image);
    const scale = Math.max(1e-6, ...want.map((w) => Math.abs(w.value)));
    assert.equal(got.top[c].length, want.length, `channel ${c}`);
    for (const [r, g] of got.top[c].entries()) {
      const w = ort.images[g.image];
      const rel = Math.abs(g.value - w.values[c]) / scale;
      worst = Math.max(worst, rel);
      assert.ok(rel <= 1e-4, `channel ${c} rank ${r}: ${g.value} vs onnxruntime ${w.values[c]}`);
      // The ranking agrees unless two photos tie within the tolerance; the maximum's unit is onnxruntime's.
      if (Math.abs(want[r].value - g.value) / scale > 1e-4) assert.equal(g.image, want[r].image, `channel ${c} rank ${r}`);
      assert.deepEqual([g.y, g.x], [w.ys[c], w.xs[c]], `channel ${c} image ${g.image}: the maximum's position`);
    }
  }
  console.log(`topPatches vs onnxruntime (${layer}, ${ort.images.length} photos): worst relative error ${worst.toExponential(2)}`);
  assert.deepEqual(s.errors, []);
});
