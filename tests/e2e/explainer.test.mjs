// Browser end-to-end test of the explainer: every sample, every layer (title, shape, a drawn canvas), bad files, long tasks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startApp, launchBrowser, collectConsoleErrors, screenshot, REPO_ROOT, observeLongTasks, drawnCanvases } from './harness.mjs';

const SAMPLES = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'www/samples/index.json'), 'utf8'));

/** W×H×C-per-tower ×towers, recomputed here from the spec row so the test does not trust the app's own helper. */
function expectedShape(row) {
  const t = row.towers === 2 ? 2 : 1;
  const s = row.out_shape;
  const tail = t === 2 ? ' ×2' : '';
  return s.length === 3 ? `${s[2]}×${s[1]}×${s[0] / t}${tail}` : `${s[0] / t}${tail}`;
}

async function waitDone(page, label) {
  await page.waitForFunction((l) => {
    const s = document.getElementById('status');
    return s.dataset.state === 'done' && s.textContent.includes(l);
  }, label, { timeout: 60_000 });
}

test('explainer: every sample, every layer, a corrupt file, and long tasks', { timeout: 600_000 }, async () => {
  const app = await startApp();
  const browser = await launchBrowser();
  const { page } = browser;
  try {
    const errors = collectConsoleErrors(page);
    await page.addInitScript(observeLongTasks);
    await page.goto(`${app.url}#view=maps&layer=conv1`);
    await page.waitForFunction(() => document.getElementById('status').dataset.state === 'done', null, { timeout: 60_000 });
    const spec = await page.evaluate(() => window.alexnetApp.ctx.spec);
    const missing = [];
    // The long-task probe itself must work, or a 0 ms maximum below would mean nothing.
    // The busy loop runs in a task of the page's own (a timer): Chromium does not report work done inside a
    // DevTools evaluation as a long task, so a loop run straight from page.evaluate goes unseen.
    await page.evaluate(() => new Promise((resolve) => setTimeout(() => { const t = performance.now(); while (performance.now() - t < 120); resolve(); }, 0)));
    await page.waitForFunction(() => window.__longTasks.some((t) => t.duration >= 100));
    const ids = await page.$$eval('#rail button', (bs) => bs.map((b) => b.id.replace(/^rail-/, '')));
    assert.deepEqual(ids, [spec.input.id, ...spec.layers.map((l) => l.id)]);

    for (const [n, sample] of SAMPLES.entries()) {
      await page.evaluate(() => { window.__longTasks.length = 0; });
      await page.setInputFiles('#file-input', path.join(REPO_ROOT, 'www/samples', sample.file));
      await waitDone(page, sample.file);
      const longest = await page.evaluate(() => Math.max(0, ...window.__longTasks.map((t) => t.duration)));
      console.log(`${sample.file}: longest main-thread task during the pass ${longest.toFixed(0)} ms`);
      assert.equal(await page.locator('#top5 li').count(), 5);

      // Every photo walks every layer: title, shape text, and a drawn canvas (screenshots for the first photo).
      for (const id of ids) {
        const row = id === spec.input.id ? { out_shape: spec.input.shape, towers: 1 } : spec.layers.find((l) => l.id === id);
        await page.click(`#rail-${id}`);
        await page.waitForFunction((l) => document.getElementById('view-title').textContent.startsWith(`${l} · `), id);
        assert.equal(await page.textContent('#shape-text'), expectedShape(row), `${id} shape`);
        // At least one of the layer's own views (not overview/ledger) must draw something.
        const tabs = await page.$$eval('#tabs .tab:not(.global)', (ts) => ts.map((t) => t.id.replace(/^tab-/, '')));
        let drawn = [];
        for (const view of tabs) {
          await page.click(`#tab-${view}`);
          await page.waitForFunction((v) => document.getElementById('view').dataset.view === v, view);
          try {
            await page.waitForFunction(() => document.querySelector('#view canvas, #view .coming-soon'), null, { timeout: 10_000 });
            await page.waitForTimeout(150);
          } catch {
            // A view with no canvas at all is allowed if another of the layer's views draws.
          }
          drawn = await drawnCanvases(page, '#view canvas', { limit: 1 });
          if (n === 0) await screenshot(page, `view-${id}-${view}`);
          if (drawn.length) break;
        }
        // Views still "coming soon" are collected and reported at the end, so the rest of the walk still runs.
        if (!drawn.length) missing.push(`${id} (tried ${tabs.join(', ')})`);
      }
    }

    // A corrupt file: an error appears, and the image, the pass and the URL stay as they were.
    await page.click('#rail-conv1');
    const before = { caption: await page.textContent('#input-caption'), hash: await page.evaluate(() => location.hash) };
    await page.setInputFiles('#file-input', { name: 'broken.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('this is not a JPEG at all') });
    await page.waitForFunction(() => !document.getElementById('message').hidden);
    assert.match(await page.textContent('#message'), /broken\.jpg.*could not be read as an image/);
    assert.equal(await page.textContent('#input-caption'), before.caption);
    assert.equal(await page.evaluate(() => location.hash), before.hash);
    assert.equal(await page.getAttribute('#status', 'data-state'), 'done');
    assert.ok((await drawnCanvases(page, '#view canvas', { limit: 1 })).length > 0, 'the previous maps are still drawn');
    await screenshot(page, 'corrupt-file');

    // A text file dropped in the picker is refused the same way.
    await page.setInputFiles('#file-input', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
    await page.waitForFunction(() => document.getElementById('message').textContent.includes('notes.txt'));
    assert.equal(await page.textContent('#input-caption'), before.caption);

    // A probe from the gallery runs and is written to the URL.
    await page.click('#sample-probe-vedge');
    await waitDone(page, 'Vertical edge');
    assert.match(page.url(), /sample=probe-vedge/);

    // A broken weights file is refused with a message, and the previous weights stay loaded and usable.
    const weightsBefore = await page.textContent('#weights-text');
    await page.setInputFiles('#weights-input', { name: 'broken.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from('definitely not onnx') });
    await page.waitForFunction(() => document.getElementById('message').textContent.includes('Could not load weights from broken.onnx'), null, { timeout: 30_000 });
    assert.equal(await page.textContent('#weights-text'), weightsBefore);
    await page.click('#sample-probe-checker');
    await waitDone(page, 'Checkerboard');

    // Home / End jump to the ends of the network.
    await page.keyboard.press('End');
    await page.waitForFunction((l) => document.getElementById('view-title').textContent.startsWith(`${l} · `), ids.at(-1));
    await page.keyboard.press('Home');
    await page.waitForFunction((l) => document.getElementById('view-title').textContent.startsWith(`${l} · `), ids[0]);

    if (missing.length) console.log(`layers whose views drew nothing: ${missing.join('; ')}`);
    assert.deepEqual(errors, []);
    assert.deepEqual(missing, [], `layers with no drawn canvas in any of their views: ${missing.join('; ')}`);
  } finally {
    await browser.close();
    await app.close();
  }
});
