// "Why?" in the real app: explainer.attribute's three maps from the wasm engine, progress, cancelling, a newer run
// superseding it, the untrained sanity map; and the view in both languages, its deep link, PNG export, an embed and axe.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSession, openApp, axeAudit } from './harness.mjs';

let s;

before(async () => {
  s = await startSession();
  await openApp(s.page, `${s.app.url}index.html#view=overview`);
});

after(async () => { await s?.close(); });

test('attribute: saliency 227×227, Grad-CAM at conv5 and conv3, occlusion with progress', async () => {
  const r = await s.page.evaluate(async () => {
    const c = window.alexnetApp.ctx.client;
    const top = (await c.get('top', { k: 1 }))[0].index;
    const sal = await c.attribute({ method: 'saliency', target: top });
    const cam = await c.attribute({ method: 'gradcam', target: top });
    const cam3 = await c.attribute({ method: 'gradcam', target: top, layer: 'conv3' });
    const seen = [];
    const occ = await c.attribute({ method: 'occlusion', target: top, patch: 32, stride: 32, onProgress: (p) => seen.push(p) });
    const stats = (m) => ({ shape: m.shape, n: m.map.length, finite: m.map.every(Number.isFinite), nonzero: m.map.some((v) => v !== 0),
      min: Math.min(...m.map), method: m.method, target: m.target, layer: m.layer, ms: m.ms, untrained: m.untrained });
    return { top, sal: stats(sal), cam: stats(cam), cam3: stats(cam3), occ: { ...stats(occ), positions: occ.positions, saved: occ.macsComputed / occ.macsFull }, seen };
  });
  assert.deepEqual([r.sal.shape, r.sal.n, r.sal.method, r.sal.target], [[227, 227], 227 * 227, 'saliency', r.top]);
  assert.ok(r.sal.finite && r.sal.nonzero && r.sal.min >= 0 && r.sal.ms > 0);
  assert.deepEqual([r.cam.shape, r.cam.layer, r.cam3.shape, r.cam3.layer], [[13, 13], 'conv5', [13, 13], 'conv3']);
  assert.ok(r.cam.finite && r.cam.min >= 0, 'Grad-CAM is a ReLU');
  assert.deepEqual([r.occ.shape, r.occ.positions], [[7, 7], 49]);
  assert.ok(r.occ.finite && r.occ.saved < 0.6, `incremental occlusion computed ${r.occ.saved}`);
  assert.deepEqual(r.seen.at(-1), { done: 49, total: 49 });
  assert.ok(r.seen.length > 1 && r.seen.every((p, i) => i === 0 || p.done >= r.seen[i - 1].done), 'progress counts up');
  console.log(`saliency ${r.sal.ms.toFixed(0)} ms, Grad-CAM ${r.cam.ms.toFixed(0)} ms, occlusion 7×7 ${r.occ.ms.toFixed(0)} ms (${(100 * r.occ.saved).toFixed(0)} % of the MACs)`);
});

test('attribute: cancelled by its signal, superseded by a newer run, bad requests named; the untrained map differs', async () => {
  const r = await s.page.evaluate(async () => {
    const c = window.alexnetApp.ctx.client;
    const ac = new AbortController();
    const p1 = c.attribute({ method: 'occlusion', target: 1, signal: ac.signal, onProgress: (p) => { if (p.done >= 2) ac.abort(); } });
    const cancelled = await p1.then(() => 'finished', (e) => (e.cancelled ? 'cancelled' : e.message));
    let first = null;
    const p2 = c.attribute({ method: 'occlusion', target: 1, onProgress: (p) => { first ??= p; } });
    while (!first) await new Promise((res) => setTimeout(res, 20));
    const pixels = { width: 64, height: 64, data: new Uint8ClampedArray(64 * 64 * 4).fill(90) };
    const run = c.run(pixels);
    const superseded = await p2.then(() => 'finished', (e) => (e.cancelled ? 'cancelled' : e.message));
    await run;
    const bad = await Promise.all([
      c.attribute({ method: 'lime', target: 1 }).catch((e) => e.message),
      c.attribute({ method: 'saliency', target: 1000 }).catch((e) => e.message),
      c.attribute({ method: 'gradcam', target: 1, layer: 'fc6' }).catch((e) => e.message),
    ]);
    const trained = await c.attribute({ method: 'gradcam', target: 3 });
    const untrained = await c.attribute({ method: 'gradcam', target: 3, untrained: true });
    const again = await c.attribute({ method: 'gradcam', target: 3, untrained: true });
    const differ = trained.map.some((v, i) => v !== untrained.map[i]);
    const same = again.map.every((v, i) => v === untrained.map[i]);
    return { cancelled, superseded, bad, differ, same, flags: [trained.untrained, untrained.untrained], ms: [untrained.ms, again.ms] };
  });
  assert.equal(r.cancelled, 'cancelled');
  assert.equal(r.superseded, 'cancelled');
  assert.match(r.bad[0], /lime/);
  assert.match(r.bad[1], /0 to 999/);
  assert.match(r.bad[2], /conv layer/);
  assert.deepEqual(r.flags, [false, true]);
  assert.ok(r.differ, 'the untrained weights give another map');
  assert.ok(r.same, 'the sanity session is deterministic');
  assert.ok(r.ms[1] < r.ms[0], `the second untrained map reuses its pass (${r.ms})`);
  assert.deepEqual(s.errors, []);
});

/** Opens the Why? view at `hash` and waits for both panels' maps. */
async function showWhy(page, url) {
  await openApp(page, url);
  await page.waitForSelector('#why-main-canvas[data-ready]', { timeout: 120_000 });
  await page.waitForSelector('#why-sanity-canvas[data-ready]', { timeout: 120_000 });
}

test('view: a deep link picks method and class, the controls move it, both panels say they are untrained, PNG, axe (en)', async () => {
  const { page } = s;
  await showWhy(page, `${s.app.url}index.html#view=why&method=gradcam&class=281&sample=chelsea`);
  assert.equal(await page.isChecked('#why-m-gradcam'), true);
  assert.equal(await page.inputValue('#why-class-index'), '281');
  assert.match(await page.textContent('#why-intro'), /tabby/);
  assert.match(await page.textContent('#why-definition'), /Grad-CAM at conv5: each of the 256 channels of relu5 .* 13 × 13/);
  assert.match(await page.textContent('#why-can'), /cannot/);
  // The starter weights are untrained past conv1: the view says both panels are untrained.
  assert.equal(await page.isVisible('#why-untrained'), true);
  assert.match(await page.textContent('#why-untrained'), /both panels/);
  assert.match(await page.getAttribute('#why-main-canvas', 'aria-label'), /Grad-CAM heatmap of “tabby.*” over the crop: strongest at row \d+, column \d+/);
  assert.equal(await page.isVisible('#why-layer'), true);
  await page.selectOption('#why-layer', 'conv3');
  await page.waitForFunction(() => /conv3/.test(document.getElementById('why-definition').textContent));
  assert.match(await page.textContent('#why-definition'), /384 channels of relu3/);

  // Keyboard: the method radios move with the arrow keys and the URL follows.
  await page.focus('#why-m-gradcam');
  await page.keyboard.press('ArrowLeft');
  await page.waitForFunction(() => location.hash.includes('method=saliency'));
  await page.waitForSelector('#why-sanity-canvas[data-ready]', { timeout: 60_000 });
  assert.equal(await page.isVisible('#why-layer'), false, 'the layer picker is for Grad-CAM only');
  // A class typed in: the URL and the picker follow.
  await page.fill('#why-class-index', '5');
  await page.press('#why-class-index', 'Enter');
  await page.waitForFunction(() => location.hash.includes('class=5'));
  assert.equal(await page.inputValue('#why-class'), 'other');
  await page.waitForSelector('#why-sanity-canvas[data-ready]', { timeout: 60_000 });

  // Occlusion shows progress; switching method while it runs cancels it without an error.
  await page.click('#why-m-occlusion');
  await page.waitForSelector('#why-progress:not([hidden])');
  await page.click('#why-m-gradcam');
  await page.waitForSelector('#why-sanity-canvas[data-ready]', { timeout: 60_000 });
  assert.doesNotMatch(await page.textContent('#why-status'), /could not/);

  const [png] = await Promise.all([page.waitForEvent('download'), page.click('#png-button')]);
  assert.match(png.suggestedFilename(), /\.png$/);
  assert.deepEqual(await axeAudit(page, 'why-en', s.errors), []);
  assert.deepEqual(s.errors, []);
});

test('view: in Chinese, and in an embed', async () => {
  const { page } = s;
  await showWhy(page, `${s.app.url}index.html#view=why&method=occlusion&class=281&lang=zh`);
  assert.match(await page.textContent('#tab-why'), /为什么/);
  assert.match(await page.textContent('#why-definition'), /遮挡（Zeiler 与 Fergus，2013）：一块 32 × 32/);
  assert.match(await page.textContent('#why-sanity'), /健全性检查/);
  assert.match(await page.textContent('#why-status'), /169 次完整前向传播/);
  assert.deepEqual(await axeAudit(page, 'why-zh', s.errors), []);

  await page.goto(`${s.app.url}embed.html?view=why&method=saliency&class=281&sample=chelsea`);
  await page.waitForSelector('#why-sanity-canvas[data-ready]', { timeout: 120_000 });
  assert.equal(await page.isChecked('#why-m-saliency'), true);

  // On the element the class is `target-class`: HTML's own `class` attribute (styling) is not read as a class.
  await page.goto(`${s.app.url}tests/e2e/blank.html`);
  await page.evaluate(async (src) => {
    await import(src);
    document.body.innerHTML = '<alexnet-explainer class="wide" view="why" method="gradcam" target-class="285" sample="chelsea" lang="en"></alexnet-explainer>';
  }, `${s.app.url}www/element.js`);
  await page.waitForFunction(() => document.querySelector('alexnet-explainer').app?.state?.class === 285, null, { timeout: 60_000 });
  assert.equal(await page.evaluate(() => document.querySelector('alexnet-explainer').app.state.method), 'gradcam');
  assert.deepEqual(s.errors, []);
});
