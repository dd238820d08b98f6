// Trained next to untrained in the real app: the default session's trained conv1 beside the seeded network, kernels,
// maps with the share of zeros, top-5 on both sides, one cursor for both maps, in both languages, axe-clean.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSession, openApp, axeAudit, screenshot } from './harness.mjs';

let s;

before(async () => {
  s = await startSession();
  await openApp(s.page, `${s.app.url}index.html#view=compare&layer=conv1&channel=3`);
});

after(async () => { await s?.close(); });

/** Moves the mouse onto unit (y, x) of a 55×55 map canvas. */
async function pointAt(selector, y, x, side = 55) {
  const box = await s.page.locator(selector).boundingBox();
  await s.page.mouse.move(box.x + ((x + 0.5) / side) * box.width, box.y + ((y + 0.5) / side) * box.height);
}

test('the toggle runs the same image through the untrained network: kernels, maps, zeros, top-5 side by side', async () => {
  assert.equal(await s.page.isDisabled('#compare-toggle'), false, 'the default session has trained conv1 kernels');
  await s.page.check('#compare-toggle');
  await s.page.waitForFunction(() => document.querySelectorAll('#compare-untrained-top li').length === 5, null, { timeout: 120_000 });
  assert.equal(await s.page.$$eval('#compare-trained-top li', (li) => li.length), 5);
  const [a, b] = await s.page.evaluate(() => ['#compare-trained-kernels', '#compare-untrained-kernels'].map((q) => document.querySelector(q).toDataURL()));
  assert.notEqual(a, b, 'trained and seeded conv1 kernels differ');
  // The shown channel's kernel is ringed on both sides.
  for (const q of ['#compare-trained-kernels', '#compare-untrained-kernels']) assert.equal(await s.page.getAttribute(q, 'data-selected'), '3', q);
  for (const id of ['compare-trained-zeros', 'compare-untrained-zeros']) {
    const share = Number(await s.page.getAttribute(`#${id}`, 'data-share'));
    assert.ok(share > 0 && share < 1, `${id}: ${share}`);
    assert.match(await s.page.textContent(`#${id}`), /ReLU/);
  }
  // The loaded side's map is the engine's conv1, channel 3 (the readout's value under the cursor says so).
  await pointAt('#compare-trained-map', 10, 20);
  await s.page.waitForSelector('#compare-sides[data-cursor="10,20"]');
  const want = await s.page.evaluate(async () => {
    const { formatValue } = await import('/www/shared/colormap.js');
    const t = await window.alexnetApp.ctx.tensor('conv1');
    return formatValue(t.data[3 * 55 * 55 + 10 * 55 + 20]);
  });
  const text = await s.page.textContent('#compare-readout');
  assert.ok(text.includes(`(10, 20): ${want} with the loaded weights`), text);
  // One cursor: pointing at the untrained side moves it on both.
  await pointAt('#compare-untrained-map', 5, 7);
  await s.page.waitForSelector('#compare-sides[data-cursor="5,7"]');
  await s.page.focus('#compare-untrained-map');
  await s.page.keyboard.press('ArrowRight');
  await s.page.waitForSelector('#compare-sides[data-cursor="5,8"]');
  await screenshot(s.page, 'compare-conv1');
  assert.deepEqual(await axeAudit(s.page, 'compare', s.errors), []);
});

test('in Chinese, on another layer; turning it off hides the untrained side', async () => {
  await s.page.evaluate(() => { location.hash = '#view=compare&layer=relu2&channel=0&lang=zh'; });
  await s.page.waitForFunction(() => /训练前后对比|已加载的权重/.test(document.body.textContent));
  // A new view mount starts with the toggle off (the untrained network is made on demand).
  if (!(await s.page.isChecked('#compare-toggle'))) await s.page.check('#compare-toggle');
  await s.page.waitForFunction(() => document.querySelectorAll('#compare-untrained-top li').length === 5, null, { timeout: 120_000 });
  assert.match(await s.page.textContent('#compare-untrained-zeros'), /为零/);
  assert.equal(await s.page.isVisible('#compare-trained-kernels'), false, 'relu2 has no kernels');
  assert.deepEqual(await axeAudit(s.page, 'compare-zh', s.errors), []);
  await s.page.uncheck('#compare-toggle');
  await s.page.waitForSelector('#compare-sides[hidden]', { state: 'attached' });
  assert.deepEqual(s.errors, []);
});
