// Issue 4's feel requirements, measured: no main-thread long task over 50 ms while the net runs, the time from
// choosing an image to conv1's maps on screen, and a layout with no horizontal scrollbar at 1280×720 and 768×1024.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startApp, launchBrowser, collectConsoleErrors, screenshot, REPO_ROOT, observeLongTasks } from './harness.mjs';
import { rgbaPng } from './hostile-fixtures.mjs';

const TIMEOUT = { timeout: 60_000 };
/** Issue 4: "no long task > 50 ms on the main thread while the net runs". */
const LONG_TASK_MS = 50;
/** Issue 4: the first conv1 maps within this long of choosing an image (the other layers follow). */
const CONV1_MS = 150;

/** A photo-like PNG (smooth gradients and noise), different for each `i`. */
function photo(i, w = 640, h = 480) {
  return rgbaPng(w, h, (x, y) => [
    (x * 0.4 + i * 37 + ((x * y) % 13)) & 255,
    (y * 0.5 + i * 11 + ((x ^ y) % 17)) & 255,
    ((x + y) * 0.3 + i * 53) & 255,
    255,
  ]);
}

/**
 * Choose an image (file input, or a gallery button) and wait for its pass; returns the longest main-thread task
 * from the choice to `done` and the time from the `image-chosen` mark to the `conv1-drawn` mark.
 */
async function measurePass(page, choose, label) {
  await page.evaluate(() => {
    window.__longTasks.length = 0;
    performance.clearMarks('image-chosen');
    performance.clearMarks('conv1-drawn');
    performance.clearMarks('conv1-complete');
  });
  await choose();
  await page.waitForFunction((name) => window.alexnetApp.engine.pass.meta?.label === name &&
    document.getElementById('status').dataset.state === 'done', label, TIMEOUT);
  // A long task is reported when it ends; give the observer a moment. The maps are painted a few per frame, so
  // the last of them may land after `done`.
  await page.waitForTimeout(150);
  await page.waitForFunction(() => {
    const chosen = performance.getEntriesByName('image-chosen').at(-1);
    return performance.getEntriesByName('conv1-complete').some((m) => !chosen || m.startTime >= chosen.startTime);
  }, null, { timeout: 10_000 }).catch(() => {});
  return page.evaluate(() => {
    const chosen = performance.getEntriesByName('image-chosen').at(-1);
    const after = (name) => performance.getEntriesByName(name).find((m) => !chosen || m.startTime >= chosen.startTime);
    const drawn = after('conv1-drawn');
    const complete = after('conv1-complete');
    return {
      longest: Math.max(0, ...window.__longTasks.map((t) => t.duration)),
      tasks: window.__longTasks.map((t) => Math.round(t.duration)),
      conv1Ms: chosen && drawn ? drawn.startTime - chosen.startTime : null,
      conv1AllMs: chosen && complete ? complete.startTime - chosen.startTime : null,
    };
  });
}

test('feel: short main-thread tasks while the net runs, conv1 drawn soon after the choice', { timeout: 300_000 }, async () => {
  const app = await startApp();
  const browser = await launchBrowser();
  const { page } = browser;
  try {
    const errors = collectConsoleErrors(page);
    await page.addInitScript(observeLongTasks);
    await page.goto(`${app.url}#view=maps&layer=conv1`);
    await page.waitForFunction(() => document.getElementById('status').dataset.state === 'done', null, TIMEOUT);
    await page.waitForTimeout(300);
    const atLoad = await page.evaluate(() => window.__longTasks.map((t) => `${Math.round(t.duration)} ms at ${Math.round(t.start)}`));
    console.log(`page load and the first sample: long tasks ${atLoad.join(', ') || 'none'}`);
    // The probe must see a long task of the page's own, or "none" below would mean nothing. (A loop run straight
    // from page.evaluate is DevTools' work and is not reported.)
    await page.evaluate(() => new Promise((resolve) => setTimeout(() => { const t = performance.now(); while (performance.now() - t < 80); resolve(); }, 0)));
    await page.waitForFunction(() => window.__longTasks.some((t) => t.duration >= 75), null, TIMEOUT);

    const results = [];
    for (let i = 0; i < 4; i++) {
      const name = `photo${i}.png`;
      const buffer = photo(i);
      // The file is built in the page first and handed to the input as a user's choice would be: Playwright's
      // setInputFiles decodes its base64 copy on the page's main thread, an 80 ms task that is not the app's.
      await page.evaluate(({ name, b64 }) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        window.__nextFile = new File([bytes], name, { type: 'image/png' });
      }, { name, b64: buffer.toString('base64') });
      results.push({ name, ...(await measurePass(page, () => page.evaluate(() => {
        const input = document.getElementById('file-input');
        const dt = new DataTransfer();
        dt.items.add(window.__nextFile);
        input.files = dt.files;
        input.dispatchEvent(new Event('change', { bubbles: true }));
      }), name)) });
    }
    // A gallery choice (fetch and decode a JPEG) is measured too.
    const galleryLabel = await page.evaluate(() => document.querySelector('[data-sample="coffee"] span')?.textContent);
    if (galleryLabel) {
      results.push({ name: 'gallery coffee', ...(await measurePass(page, () => page.click('[data-sample="coffee"]'), galleryLabel)) });
    }
    for (const r of results) {
      console.log(`${r.name}: longest main-thread task ${r.longest.toFixed(0)} ms (${r.tasks.join(', ') || 'none over 50 ms'}), image chosen → first conv1 maps drawn ${r.conv1Ms?.toFixed(0)} ms, all 96 ${r.conv1AllMs?.toFixed(0)} ms`);
    }
    const [first, ...later] = results;
    console.log(`first upload: longest task ${first.longest.toFixed(0)} ms; later: ${Math.max(...later.map((r) => r.longest)).toFixed(0)} ms; ` +
      `image → conv1: ${results.map((r) => r.conv1Ms?.toFixed(0)).join(', ')} ms`);
    // Timings are reported against their targets, never asserted: on shared machines a timed assertion only
    // measures the neighbours (performance lives in benchmarks; see DEVELOPERS.md). What is asserted is that
    // the marks exist and come in order, so the figures above are real.
    const median = results.map((r) => r.conv1Ms).sort((a, b) => a - b)[results.length >> 1];
    const worstLater = Math.max(...later.map((r) => r.longest));
    console.log(`targets: long tasks ≤ ${LONG_TASK_MS} ms during a pass (later images: ${worstLater.toFixed(0)} ms, ` +
      `${worstLater <= LONG_TASK_MS ? 'met' : 'NOT met'}); image → conv1 < ${CONV1_MS} ms (median ${median.toFixed(0)} ms, ` +
      `${median < CONV1_MS ? 'met' : 'NOT met'})`);
    for (const r of results) {
      assert.ok(r.conv1Ms !== null && r.conv1Ms > 0, `${r.name}: conv1 was never drawn after the image was chosen`);
      assert.ok(r.conv1AllMs === undefined || r.conv1AllMs === null || r.conv1AllMs >= r.conv1Ms, `${r.name}: marks out of order`);
    }
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await app.close();
  }
});

test('feel: no horizontal scrollbar at 1280×720 and 768×1024, the rail and the view usable', { timeout: 120_000 }, async () => {
  const app = await startApp();
  const browser = await launchBrowser();
  const { page } = browser;
  try {
    const errors = collectConsoleErrors(page);
    for (const [width, height] of [[1280, 720], [768, 1024]]) {
      await page.setViewportSize({ width, height });
      await page.goto(`${app.url}#view=maps&layer=conv1`);
      await page.waitForFunction(() => document.getElementById('status').dataset.state === 'done', null, TIMEOUT);
      await page.waitForTimeout(300);
      const m = await page.evaluate(() => {
        const box = (sel) => document.querySelector(sel)?.getBoundingClientRect().toJSON();
        return {
          docWidth: document.documentElement.scrollWidth,
          bodyWidth: document.body.scrollWidth,
          inner: window.innerWidth,
          rail: box('#rail'),
          view: box('#view'),
          conv5: box('#rail-conv5'),
          firstMap: box('#map-conv1-0'),
        };
      });
      const file = await screenshot(page, `feel-${width}x${height}`);
      console.log(`${width}×${height}: page ${m.docWidth} px wide (window ${m.inner}); rail ${Math.round(m.rail.width)}×${Math.round(m.rail.height)}, ` +
        `view ${Math.round(m.view.width)} px wide at x ${Math.round(m.view.x)}; screenshot ${path.relative(REPO_ROOT, file)}`);
      assert.ok(m.docWidth <= m.inner && m.bodyWidth <= m.inner, `${width}×${height}: the page scrolls sideways (${m.docWidth} > ${m.inner})`);
      assert.ok(m.view.width >= Math.min(600, width * 0.6), `${width}×${height}: the view is only ${m.view.width} px wide`);
      assert.ok(m.view.x >= 0 && m.view.x + m.view.width <= m.inner + 1, `${width}×${height}: the view overflows`);
      assert.ok(m.rail.width <= m.inner + 1, `${width}×${height}: the rail is wider than the window`);
      assert.ok(m.firstMap && m.firstMap.width > 0, `${width}×${height}: no conv1 map on screen`);
      // A rail button can be reached and clicked.
      await page.click('#rail-conv5');
      await page.waitForFunction(() => window.alexnetApp.state.layer === 'conv5', null, TIMEOUT);
      assert.ok(fs.existsSync(file));
    }
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await app.close();
  }
});
