// "Why?" in the real app: explainer.attribute's three maps from the wasm engine, progress, cancelling, a newer run
// superseding it, and the untrained sanity map.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSession, openApp } from './harness.mjs';

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
