// Browser smoke test: the page loads cleanly, reaches ready, runs a sample photo from the file input, and draws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startApp, launchBrowser, collectConsoleErrors, screenshot, canvasIsNonBlank, REPO_ROOT } from './harness.mjs';

test('smoke: load, run a photo, see top-5 and conv1 maps, step with the keyboard', { timeout: 180_000 }, async () => {
  const app = await startApp();
  const browser = await launchBrowser();
  const { page } = browser;
  try {
    const errors = collectConsoleErrors(page);
    await page.goto(app.url);
    await page.waitForFunction(() => ['ready', 'running', 'done'].includes(document.getElementById('status')?.dataset.state), null, { timeout: 60_000 });
    // The page is cross-origin isolated (serve.mjs sends COOP/COEP), so when the threads build exists the worker
    // must be running it on two threads; otherwise the single-threaded build.
    const engineInfo = await page.evaluate(() => window.alexnetApp.engine.engineInfo);
    const threadsBuilt = fs.existsSync(path.join(REPO_ROOT, 'pkg-threads/alexnet_explainer.js'));
    assert.equal(engineInfo.threads, threadsBuilt ? 2 : 1, engineInfo.mode);
    // This Chromium has relaxed SIMD, so with the relaxed builds present the worker must pick one of them.
    const relaxedHere = await page.evaluate(async () => (await import('/www/worker/builds.js')).relaxedSimdSupported());
    const relaxedBuilt = fs.existsSync(path.join(REPO_ROOT, threadsBuilt ? 'pkg-threads-relaxed' : 'pkg-relaxed', 'alexnet_explainer.js'));
    assert.equal(engineInfo.relaxed, relaxedHere && relaxedBuilt, engineInfo.mode);
    assert.equal(engineInfo.build, `pkg${threadsBuilt ? '-threads' : ''}${engineInfo.relaxed ? '-relaxed' : ''}`);
    // The About panel says which SIMD the engine runs.
    await page.waitForFunction(() => document.getElementById('about-simd')?.textContent.length > 1);
    assert.match(await page.textContent('#about-simd'), engineInfo.relaxed ? /^relaxed SIMD/ : /^SIMD128/);
    console.log(`engine: ${engineInfo.build}/: ${engineInfo.mode}`);
    // The page runs its first sample by itself; let it finish so the upload below is the pass we check.
    await page.waitForFunction(() => document.getElementById('status').dataset.state === 'done', null, { timeout: 60_000 });

    await page.setInputFiles('#file-input', path.join(REPO_ROOT, 'www/samples/coffee.jpg'));
    await page.waitForFunction(() => {
      const s = document.getElementById('status');
      return s.dataset.state === 'done' && s.textContent.includes('coffee.jpg');
    }, null, { timeout: 60_000 });
    assert.match(await page.textContent('#input-caption'), /coffee\.jpg/);

    const top = await page.$$eval('#top5 li', (lis) => lis.map((li) => li.textContent));
    assert.equal(top.length, 5);
    for (const line of top) assert.match(line, /\d+\.\d%$/);

    await page.goto(`${app.url}#view=maps&layer=conv1`);
    await page.waitForSelector('#map-conv1-0');
    assert.equal(await page.textContent('#view-title'), 'conv1 · Feature maps');
    assert.equal(await page.textContent('#shape-text'), '55×55×48 ×2');
    // The maps are painted a few per frame (www/views/maps/render.js), so all 96 are there shortly after the first.
    await page.waitForFunction(() => document.querySelectorAll('#maps-grid canvas').length === 96, null, { timeout: 10_000 });
    assert.ok(await canvasIsNonBlank(page, '#map-conv1-0'), 'conv1 map 0 is drawn');
    assert.equal(await page.getAttribute('#rail-conv1', 'aria-current'), 'true');

    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => document.getElementById('view-title').textContent.startsWith('relu1 · '));
    assert.match(page.url(), /layer=relu1/);
    await page.goBack();
    await page.waitForFunction(() => document.getElementById('view-title').textContent === 'conv1 · Feature maps');

    await screenshot(page, 'smoke');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await app.close();
  }
});
