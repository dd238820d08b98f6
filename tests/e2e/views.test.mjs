// End-to-end checks of the explanatory views in the real app: after a pass, each view shows the engine's numbers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, launchBrowser, collectConsoleErrors, screenshot, canvasIsNonBlank } from './harness.mjs';

let app, browser, page, errors;

before(async () => {
  app = await startApp();
  browser = await launchBrowser();
  page = browser.page;
  errors = collectConsoleErrors(page);
  await page.goto(`${app.url}index.html#view=overview`);
  // The app runs its first sample on start; every view below needs that pass.
  await page.waitForSelector('#status[data-state="done"]', { timeout: 180_000 });
});

after(async () => {
  await browser?.close();
  await app?.close();
});

/** Switches the app to a hash and waits for `selector` in the mounted view. */
async function show(hash, selector) {
  await page.evaluate((h) => { location.hash = h; }, hash);
  await page.waitForSelector(selector, { timeout: 30_000 });
}

test('overview: a non-blank Figure 2; clicking conv2 opens conv2', async () => {
  await show('#view=overview', '.xv-overview-canvas');
  await page.waitForTimeout(300);
  assert.ok(await canvasIsNonBlank(page, '.xv-overview-canvas'));
  await screenshot(page, 'views-overview');
  // Where conv2's GPU-2 volume is, from the same layout function the view draws with.
  const pt = await page.evaluate(async () => {
    const { overviewLayout } = await import('/www/views/overview/layout.js');
    const canvas = document.querySelector('.xv-overview-canvas');
    const w = Number(canvas.dataset.cssWidth);
    const lay = overviewLayout(window.alexnetApp.ctx.spec, { width: w, height: Number(canvas.dataset.rowHeight), marginLeft: 30 });
    const n = lay.nodes.find((m) => m.id === 'conv2' && m.tower === 1);
    const r = canvas.getBoundingClientRect();
    const k = r.width / w;
    return { x: r.left + (n.x + n.w / 2) * k, y: r.top + (n.y + n.h / 2) * k };
  });
  await page.mouse.move(pt.x, pt.y);
  const tip = await page.textContent('.xv-tooltip');
  assert.match(tip, /conv2/);
  assert.match(tip, /\(27 − 5 \+ 2·2\)\/1 \+ 1 = 27/);
  assert.match(tip, /307,456/);
  await page.mouse.click(pt.x, pt.y);
  await page.waitForFunction(() => window.alexnetApp.state.layer === 'conv2');
});

test('ledger: 60,965,224 parameters and 724.4 M MACs', async () => {
  await show('#view=ledger', '#ledger-table');
  const text = await page.textContent('#ledger-table');
  assert.ok(text.includes('60,965,224'), 'total parameters');
  assert.ok(text.includes('724.4 M'), 'total MACs');
  assert.ok(text.includes('650,080'), 'conv neurons');
  assert.ok(text.includes('37,748,736'), 'fc6 weights');
  await screenshot(page, 'views-ledger');
});

/** The engine's stored output at one position, read through the app's ctx. */
function stored(layer, c, y, x) {
  return page.evaluate(async ([l, c, y, x]) => {
    const t = await window.alexnetApp.ctx.tensor(l);
    const [, h, w] = t.shape;
    return t.data[(c * h + y) * w + x];
  }, [layer, c, y, x]);
}

test('sweep: #sweep-sum equals the engine\'s conv2 output at the chosen position, and steps on', async () => {
  await show('#view=sweep&layer=conv2&channel=200&y=3&x=5', '#sweep-sum[data-pos="3,5"]');
  assert.equal(await page.textContent('#sweep-pos'), '3,5');
  const shown = Number(await page.getAttribute('#sweep-sum', 'data-value'));
  const want = await stored('conv2', 200, 3, 5);
  assert.ok(Math.abs(shown - want) <= 1e-4 * Math.max(1, Math.abs(want)), `${shown} vs ${want}`);
  // The text shows the same number, rounded.
  assert.ok(Math.abs(Number(await page.textContent('#sweep-sum')) - want) <= 1e-3 * Math.max(1, Math.abs(want)));
  assert.ok(await canvasIsNonBlank(page, '.xv-sweep-main'));
  assert.ok(await canvasIsNonBlank(page, '.xv-sweep-dot'));
  await screenshot(page, 'views-sweep');
  await page.click('button[aria-label="step forward"]');
  await page.waitForSelector('#sweep-sum[data-pos="3,6"]');
  const next = Number(await page.getAttribute('#sweep-sum', 'data-value'));
  const want2 = await stored('conv2', 200, 3, 6);
  assert.ok(Math.abs(next - want2) <= 1e-4 * Math.max(1, Math.abs(want2)), `${next} vs ${want2}`);
  // conv1 at the last position: the window touches the image's far corner.
  await show('#view=sweep&layer=conv1&channel=95&y=54&x=54', '#sweep-sum[data-pos="54,54"]');
  const last = Number(await page.getAttribute('#sweep-sum', 'data-value'));
  const want3 = await stored('conv1', 95, 54, 54);
  assert.ok(Math.abs(last - want3) <= 1e-4 * Math.max(1, Math.abs(want3)), `${last} vs ${want3}`);
});

test('sweep toy: the seed\'s (5−3+2·0)/1+1 = 3, and padding 1 gives 5', async () => {
  await show('#view=sweep&layer=conv1', '.xv-sweep');
  await page.click('text=Toy: the seed');
  assert.match(await page.textContent('#toy-formula'), /\(5 − 3 \+ 2·0\)\/1 \+ 1 = 3/);
  await page.fill('input[aria-label="padding"]', '1');
  await page.dispatchEvent('input[aria-label="padding"]', 'input');
  assert.match(await page.textContent('#toy-formula'), /= 5 → output 5×5×1/);
  await screenshot(page, 'views-sweep-toy');
});

test('relu: before/after drawn with counts of zeroed values', async () => {
  await show('#view=relu&layer=relu1&channel=3', '#relu-counts');
  await page.waitForFunction(() => /became 0/.test(document.querySelector('#relu-counts').textContent));
  assert.ok(await canvasIsNonBlank(page, '.xv-relu-canvas'));
  await screenshot(page, 'views-relu');
  await show('#view=relu&layer=relu6', '#relu-counts');
  await page.waitForFunction(() => /neurons were negative/.test(document.querySelector('#relu-counts').textContent));
  assert.ok(await canvasIsNonBlank(page, '.xv-relu-canvas'));
});

test('lrn: the formula with numbers matches the engine\'s norm1 output', async () => {
  await show('#view=lrn&layer=norm1&channel=10&y=20&x=30', '#lrn-result .xv-ok, #lrn-result .xv-bad');
  assert.ok(await page.$('#lrn-result .xv-ok'), await page.textContent('#lrn-result'));
  assert.match(await page.textContent('#lrn-formula'), /\(1 \+ \(0\.0001\/5\)·/);
  assert.ok(await canvasIsNonBlank(page, '.xv-lrn-canvas'));
  await screenshot(page, 'views-lrn');
});

test('pool: the engine\'s arg-max lies in the window and holds the max', async () => {
  await show('#view=pool&layer=pool1&channel=5&y=4&x=6', '#pool-max');
  const text = await page.textContent('#pool-detail');
  assert.match(text, /✓ the largest of the 9/);
  assert.match(text, /✓ inside the window/);
  assert.match(await page.textContent('#pool-formulas'), /\(55 − 3 \+ 2·0\)\/2 \+ 1 = 27/);
  assert.ok(await canvasIsNonBlank(page, '.xv-pool-canvas'));
  await screenshot(page, 'views-pool');
});

test('fc: fc6 as a 6×6×256 full convolution, the row\'s dot product matches the engine', async () => {
  await show('#view=fc&layer=fc6&channel=7', '#fc-dot .xv-ok, #fc-dot .xv-bad');
  assert.ok(await page.$('#fc-dot .xv-ok'), await page.textContent('#fc-dot'));
  const intro = await page.textContent('#fc-intro');
  assert.match(intro, /37,748,736/);
  assert.match(intro, /index = c·36 \+ y·6 \+ x/);
  assert.ok(await canvasIsNonBlank(page, '.xv-fc-out'));
  assert.ok(await canvasIsNonBlank(page, '.xv-fc-row'));
  await screenshot(page, 'views-fc6');
  await show('#view=fc&layer=fc8&channel=3', '#fc-dot .xv-ok, #fc-dot .xv-bad');
  assert.ok(await page.$('#fc-dot .xv-ok'), await page.textContent('#fc-dot'));
});

test('sweep: play advances the kernel, pause stops it and writes the position to the URL', async () => {
  await show('#view=sweep&layer=conv3&channel=10&y=0&x=0', '#sweep-sum[data-pos="0,0"]');
  await page.click('button[aria-label="play"]');
  await page.waitForFunction(() => document.querySelector('#sweep-pos').textContent !== '0,0');
  await page.click('button[aria-label="pause"]');
  const pos = await page.textContent('#sweep-pos');
  const [y, x] = pos.split(',').map(Number);
  await page.waitForFunction(([y, x]) => window.alexnetApp.state.y === y && window.alexnetApp.state.x === x, [y, x]);
  await page.waitForSelector(`#sweep-sum[data-pos="${pos}"]`);
  const shown = Number(await page.getAttribute('#sweep-sum', 'data-value'));
  const want = await stored('conv3', 10, y, x);
  assert.ok(Math.abs(shown - want) <= 1e-4 * Math.max(1, Math.abs(want)), `${shown} vs ${want}`);
});

test('pool opened while the first pass runs still gets the engine\'s arg-max', async () => {
  await page.goto(`${app.url}index.html#view=pool&layer=pool2&channel=100&y=4&x=6`);
  await page.waitForSelector('#status[data-state="done"]', { timeout: 180_000 });
  await page.waitForFunction(() => /inside the window/.test(document.querySelector('#pool-detail')?.textContent ?? ''), null, { timeout: 30_000 });
  assert.match(await page.textContent('#pool-detail'), /✓ inside the window/);
});

test('no console errors while using the views', () => {
  assert.deepEqual(errors, []);
});
