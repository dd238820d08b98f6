// End to end, a classroom's needs: the instructor controls (hide=, lock=1, predict=first, image=) in the app,
// embed.html and the element; every view in a 600 px element (text ≥ 12 px, canvases' text alternatives, axe); a
// 390×844 phone and a 320 px embed without sideways scrolling, the image panel on the first screen; reduced motion;
// keyboard traversal.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSession, recordCanvasFonts, smallTexts, screenshot, eachViewInElement, axeAudit, VIEWS } from './harness.mjs';

let session, app, browser, page, errors;

before(async () => {
  session = await startSession();
  ({ app, browser, page, errors } = session);
  await browser.context.addInitScript(recordCanvasFonts);
});
after(() => session?.close());

const done = (p = page) => p.waitForSelector('#status[data-state="done"]', { timeout: 90_000 });
const shown = (p, sel) => p.evaluate((s) => {
  const e = document.querySelector(s);
  return !!e && getComputedStyle(e).display !== 'none' && getComputedStyle(e).visibility !== 'hidden' && e.getClientRects().length > 0;
}, sel);

test('app: hide= and image= hide their parts; lock=1 keeps the view and layer against keys, clicks and hash edits', async () => {
  await page.goto(`${app.url}index.html?hide=png,lang&lock=1&image=coffee#view=kernels&layer=conv1&lang=en`);
  await done();
  await page.waitForSelector('#kernels-gpu1');
  for (const sel of ['#rail', '#tabs', '#png-button', '.header-tools .lang', '#image-panel']) assert.equal(await shown(page, sel), false, sel);
  for (const sel of ['#npy-button', '#top5', '#weights-status']) assert.equal(await shown(page, sel), true, sel);
  assert.equal(await page.evaluate(() => window.alexnetApp.state.sample), 'coffee');
  await page.keyboard.press('ArrowRight');
  await page.evaluate(() => { location.hash = '#view=maps&layer=conv2&sample=chelsea&lang=en'; });
  await page.waitForTimeout(300);
  const s = await page.evaluate(() => window.alexnetApp.state);
  assert.deepEqual([s.view, s.layer, s.sample], ['kernels', 'conv1', 'coffee']);
  assert.match(await page.evaluate(() => location.hash), /view=kernels&layer=conv1/, 'the edited hash is put back');
  // Moves inside the view still work: another kernel.
  await page.evaluate(() => window.alexnetApp.app.navigate({ channel: 7 }));
  assert.equal(await page.evaluate(() => window.alexnetApp.state.channel), 7);
});

test('app: predict=first covers the top-5 until one of the five offered classes is picked', async () => {
  await page.goto(`${app.url}index.html?predict=first#view=maps&layer=conv1&sample=chelsea&lang=en`);
  await done();
  await page.waitForSelector('#predict-guess button');
  assert.equal(await shown(page, '#top5'), false);
  const offered = await page.$$eval('#predict-guess button', (bs) => bs.map((b) => b.textContent));
  const top = await page.evaluate(() => window.alexnetApp.engine.pass.result.top.map((p) => p.name));
  assert.equal(offered.length, 5);
  assert.deepEqual([...offered].sort(), [...top].sort(), 'the offered classes are the top five');
  await page.click(`#predict-guess button >> nth=0`);
  assert.equal(await shown(page, '#top5'), true);
  assert.match(await page.textContent('#predict-guess'), new RegExp(`You guessed ${offered[0].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
});

test('embed.html: predict=first covers the softmax view; lock=1 hides "Open the explainer" and keeps a tour step', async () => {
  const embed = await browser.context.newPage();
  try {
    await embed.setViewportSize({ width: 600, height: 500 });
    await embed.goto(`${app.url}embed.html?view=softmax&sample=chelsea&lang=zh&predict=first&lock=1&hide=png`);
    await done(embed);
    await embed.waitForSelector('#predict-guess button');
    assert.equal(await shown(embed, '#view'), false);
    assert.equal(await shown(embed, '#open-full'), false);
    assert.equal(await shown(embed, '#png-button'), false);
    assert.match(await embed.textContent('#predict-prompt'), /猜/);
    await embed.click('#predict-guess button >> nth=2');
    assert.equal(await shown(embed, '#view'), true);
    // A locked tour step stays that step.
    await embed.goto(`${app.url}embed.html?tour=fc6-full-conv&sample=chelsea&lang=en&lock=1`);
    await done(embed);
    await embed.evaluate(() => window.alexnetEmbed.app.navigate({ tour: 'conv-idea', view: 'maps', layer: 'conv1' }));
    assert.equal(await embed.evaluate(() => window.alexnetEmbed.state.tour), 'fc6-full-conv');
  } finally {
    await embed.close();
  }
});

test('<alexnet-explainer>: the same controls as attributes', async () => {
  await page.goto(`${app.url}tests/e2e/blank.html`);
  await page.evaluate(async (src) => {
    await import(src);
    document.body.innerHTML = '<alexnet-explainer view="maps" layer="conv1" image="probe-vedge" lock hide="png" lang="en"></alexnet-explainer>';
  }, `${app.url}www/element.js`);
  await page.waitForFunction(() => document.querySelector('alexnet-explainer').shadowRoot?.querySelector('#status')?.dataset.state === 'done', null, { timeout: 90_000 });
  const s = await page.evaluate(() => {
    const el = document.querySelector('alexnet-explainer');
    el.app.navigate({ view: 'kernels' });
    const png = el.shadowRoot.querySelector('#png-button');
    return { ...el.app.state, png: getComputedStyle(png).display, hide: el.shadowRoot.querySelector('.ae-embed').dataset.hide };
  });
  assert.deepEqual([s.view, s.layer, s.sample, s.png], ['maps', 'conv1', 'probe-vedge', 'none']);
  assert.deepEqual(s.hide.split(' ').sort(), ['image', 'png', 'rail', 'tabs']);
});

test('a 600 px embed: every text of every view renders at 12 CSS px or more, no transform shrinks it, every canvas has a text alternative, axe finds nothing serious', async () => {
  await page.setViewportSize({ width: 640, height: 900 });
  const found = [];
  await eachViewInElement(page, app.url, async (view) => {
    for (const line of await page.evaluate(smallTexts, ['alexnet-explainer', 12])) found.push(`${view}: ${line}`);
    for (const line of await axeAudit(page, `element-${view}`, errors)) found.push(`${view}: ${line}`);
    const box = await page.evaluate(() => {
      const root = document.querySelector('alexnet-explainer').shadowRoot;
      const v = root.querySelector('#view .view');
      const body = root.querySelector('.ae-body');
      // Every canvas drawn is an image with a text alternative (they are checked for their numbers below).
      const unnamed = [...v.querySelectorAll('canvas')].filter((c) => c.getClientRects().length && c.width > 10 &&
        (c.getAttribute('role') !== 'img' || !c.getAttribute('aria-label')?.trim())).map((c) => c.id || c.className);
      return { shown: v.getBoundingClientRect().width, laid: v.offsetWidth, sw: body.scrollWidth, cw: body.clientWidth, unnamed };
    });
    assert.deepEqual(box.unnamed, [], `${view}: canvases without a text alternative`);
    assert.ok(Math.abs(box.shown - box.laid) < 1, `${view}: the view is drawn at another size than it is laid out (${JSON.stringify(box)})`);
    assert.ok(box.sw <= box.cw, `${view}: wider than the embed (${JSON.stringify(box)})`);
  }, { width: 600, settle: 250 });
  assert.deepEqual(found, []);
  // embed.html itself, in a 600 px frame, the tall sweep in Chinese.
  await page.setViewportSize({ width: 600, height: 500 });
  await page.goto(`${app.url}embed.html?view=sweep&layer=conv1&channel=17&sample=chelsea&lang=zh`);
  await done();
  await page.waitForSelector('#sweep-sum[data-pos]', { timeout: 30_000 });
  assert.deepEqual(await page.evaluate(smallTexts, ['body', 12]), []);
  assert.ok(await page.evaluate(() => [...document.querySelectorAll('canvas')].some((c) => c.__minFont)), 'canvas text was recorded');
  await screenshot(page, 'classroom-embed-600-sweep');
});

/**
 * Boxes inside the shown view that scroll sideways (content wider than the box, overflow-x auto or scroll): a view
 * that keeps a desktop width and scrolls inside its own box has not laid itself out for the width it was given.
 * Runs in the page; `host` is the element whose shadow root holds the view, or null for the document.
 */
function innerScrollers(host) {
  const root = host ? document.querySelector(host).shadowRoot : document;
  const view = root.querySelector('#view .view');
  if (!view) return [];
  return [view, ...view.querySelectorAll('*')].filter((e) => {
    const o = getComputedStyle(e).overflowX;
    return (o === 'auto' || o === 'scroll') && e.scrollWidth > e.clientWidth + 1;
  }).map((e) => e.id || e.className || e.tagName);
}

test('a 390×844 phone: no view scrolls sideways (nor in a 320 px embed); the rail is one compact strip and the image panel is on the first screen', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${app.url}index.html#view=maps&layer=conv1&sample=chelsea&lang=en`);
  await done();
  const first = await page.evaluate(() => ({
    rail: document.getElementById('rail').getBoundingClientRect().height,
    image: document.getElementById('image-panel').getBoundingClientRect().top,
  }));
  assert.ok(first.rail < 60, `the rail is ${first.rail} px tall`);
  // Memory-aware: the download panel (shown while the trained weights come in, before any f32 copy is stored)
  // offers a phone the int8 copy and says why.
  await page.evaluate(() => { document.getElementById('download-panel').hidden = false; });
  assert.equal(await page.isVisible('#compact-after-box'), true, 'the compact-copy offer is shown on a phone');
  assert.equal(await page.isChecked('#compact-after'), true);
  assert.match(await page.textContent('#compact-after-why'), /int8 copy: it takes 61 MB/);
  await page.evaluate(() => { document.getElementById('download-panel').hidden = true; });
  assert.ok(first.image < 844 * 0.6, `the image panel starts at ${first.image} px`);
  await screenshot(page, 'classroom-phone-maps');
  const wide = [];
  for (const [view, layer] of VIEWS) {
    await page.evaluate((h) => { location.hash = h; }, `#view=${view}&layer=${layer}&sample=chelsea&lang=en`);
    await page.waitForSelector(`#view[data-view="${view}"] .view`, { timeout: 30_000 });
    await page.waitForTimeout(200);
    const d = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    if (d[0] > d[1]) wide.push(`${view}: ${d[0]} > ${d[1]}`);
    for (const box of await page.evaluate(innerScrollers, null)) wide.push(`${view}: ${box} scrolls sideways inside`);
  }
  assert.deepEqual(wide, []);
  // The narrowest the views lay themselves out for: a 320 px embed, no view wider than it, no text under 12 px.
  const narrow = [];
  await eachViewInElement(page, app.url, async (view) => {
    const w = await page.evaluate(() => {
      const body = document.querySelector('alexnet-explainer').shadowRoot.querySelector('.ae-body');
      return [body.scrollWidth, body.clientWidth];
    });
    if (w[0] > w[1]) narrow.push(`${view}: ${w[0]} > ${w[1]}`);
    for (const box of await page.evaluate(innerScrollers, 'alexnet-explainer')) narrow.push(`${view}: ${box} scrolls sideways inside`);
    for (const line of await page.evaluate(smallTexts, ['alexnet-explainer', 12])) narrow.push(`${view}: ${line}`);
  }, { width: 320, settle: 150 });
  assert.deepEqual(narrow, []);
  await page.goto(`${app.url}index.html#view=maps&layer=conv1&sample=chelsea&lang=en`);
  await done();
  // Touch: a tap picks a feature map.
  await page.evaluate(() => { location.hash = '#view=maps&layer=conv1&sample=chelsea&lang=en'; });
  await page.waitForSelector('[data-channel="3"]');
  await page.dispatchEvent('[data-channel="3"]', 'click');
  await page.waitForFunction(() => window.alexnetApp.state.channel === 3);
  // A drag along the sweep's output map moves the window with it.
  await page.evaluate(() => { location.hash = '#view=sweep&layer=conv1&channel=3&sample=chelsea&lang=en'; });
  await page.waitForSelector('#sweep-sum[data-pos="0,0"]');
  await page.locator('.xv-sweep-main').scrollIntoViewIfNeeded();
  const r = await page.evaluate(() => {
    const c = document.querySelector('.xv-sweep-main');
    const b = c.getBoundingClientRect();
    return { x: b.left, y: b.top, w: b.width };
  });
  // The output map is the right part of the canvas (beside the input): press on it and drag right.
  await page.mouse.move(r.x + r.w - 40, r.y + 60);
  await page.mouse.down();
  await page.mouse.move(r.x + r.w - 20, r.y + 60, { steps: 3 });
  await page.mouse.up();
  await page.waitForFunction(() => document.getElementById('sweep-sum').dataset.pos !== '0,0');
});

test('reduced motion: the sweep does not play by itself and steps one position a second; nothing animates', async () => {
  const p = await browser.context.newPage();
  try {
    await p.emulateMedia({ reducedMotion: 'reduce' });
    await p.goto(`${app.url}index.html#view=sweep&layer=conv1&sample=chelsea&lang=en`);
    await done(p);
    await p.waitForSelector('#sweep-pos');
    const pos = await p.textContent('#sweep-pos');
    await p.waitForTimeout(800);
    assert.equal(await p.textContent('#sweep-pos'), pos, 'no autoplay');
    const speeds = await p.$$eval('.xv-sweep select', (ss) => ss.map((s) => s.value));
    assert.ok(speeds.includes('1'), `speeds ${speeds}`);
    assert.deepEqual(await p.evaluate(() => document.getAnimations().map((a) => a.animationName ?? a.id)), []);
    await p.emulateMedia({ reducedMotion: 'no-preference' });
    await p.reload();
    await done(p);
    await p.waitForSelector('#sweep-pos');
    assert.ok((await p.$$eval('.xv-sweep select', (ss) => ss.map((s) => s.value))).includes('16'));
  } finally {
    await p.close();
  }
});

test('keyboard: layer → channel → unit with visible focus; the canvases\' text alternatives follow the unit', async () => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${app.url}index.html#view=maps&layer=conv1&sample=chelsea&lang=en`);
  await done();
  const focusShown = () => page.evaluate(() => {
    const e = document.activeElement;
    const cs = getComputedStyle(e);
    return e.matches(':focus-visible') && cs.outlineStyle !== 'none' && Number.parseFloat(cs.outlineWidth) >= 1;
  });
  // A key press first: the browser shows focus rings once the reader uses the keyboard (not after a mouse drag).
  await page.keyboard.press('Shift');
  await page.focus('#rail-conv2');
  assert.ok(await focusShown(), 'the rail button shows its focus');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => window.alexnetApp.state.layer === 'conv2');
  await page.waitForSelector('[data-channel="5"]');
  await page.focus('[data-channel="5"]');
  assert.ok(await focusShown(), 'the feature map shows its focus');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => window.alexnetApp.state.channel === 5);
  // The enlarged map: arrows walk its units, and its text alternative reads the engine's value there.
  await page.waitForSelector('#maps-zoom:not([hidden])');
  await page.focus('#maps-zoom-canvas');
  assert.ok(await focusShown(), 'the enlarged map shows its focus');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowRight');
  const zoomLabel = await page.getAttribute('#maps-zoom-canvas', 'aria-label');
  const m = /^conv2, channel 5, at \(1, 1\): (-?[\d.]+), the sum of 1200 products plus bias$/.exec(zoomLabel);
  assert.ok(m, zoomLabel);
  const engineValue = await page.evaluate(async () => {
    const t = await window.alexnetApp.ctx.tensor('conv2');
    const [, h, w] = t.shape;
    return t.data[(5 * h + 1) * w + 1];
  });
  assert.ok(Math.abs(Number(m[1]) - engineValue) <= 1e-3 * Math.max(1, Math.abs(engineValue)), `${m[1]} vs ${engineValue}`);

  // conv1's kernel tiles: arrows move a ring, the text says that kernel's weights, Enter picks it.
  await page.evaluate(() => { location.hash = '#view=kernels&layer=conv1&sample=chelsea&lang=en'; });
  await page.waitForSelector('#kernels-gpu1');
  await page.focus('#kernels-gpu1');
  assert.ok(await focusShown(), 'the kernel tiles show their focus');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  assert.match(await page.getAttribute('#kernels-gpu1', 'aria-label'), /Kernel 2 \(GPU 1\), 11×11×3: weights from -?[\d.]+ to -?[\d.]+, bias -?[\d.]+\./);
  assert.match(await page.textContent('#kernels-live'), /^Kernel 2 \(GPU 1\)/);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => window.alexnetApp.state.channel === 2);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'kernels-gpu1', 'picking keeps the focus on the tiles');
  await page.keyboard.press('ArrowDown');
  assert.match(await page.textContent('#kernels-live'), /^Kernel 14 \(GPU 1\)/);

  await page.evaluate(() => { location.hash = '#view=pool&layer=pool1&channel=5&y=4&x=6&sample=chelsea&lang=en'; });
  await page.waitForSelector('.xv-pool-canvas');
  await page.focus('.xv-pool-canvas');
  assert.ok(await focusShown(), 'the pooling canvas shows its focus');
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => window.alexnetApp.state.x === 7);
  await page.waitForFunction(() => /^pool1, channel 5, at \(4, 7\): -?[\d.]+, the largest value in its 3×3 window$/
    .test(document.querySelector('.xv-pool-canvas').getAttribute('aria-label')));

  await page.evaluate(() => { location.hash = '#view=sweep&layer=conv1&channel=37&sample=chelsea&lang=en'; });
  await page.waitForSelector('#sweep-sum[data-pos="0,0"]');
  await page.focus('.xv-sweep-main');
  assert.ok(await focusShown(), 'the sweep canvas shows its focus');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowRight');
  await page.waitForSelector('#sweep-sum[data-pos="1,1"]');
  assert.match(await page.getAttribute('.xv-sweep-main', 'aria-label'), /^conv1, channel 37, at \(1, 1\): -?[\d.]+, the sum of 363 products plus bias$/);

  // The fc and LRN pictures say their chosen unit's value too.
  await page.evaluate(() => { location.hash = '#view=fc&layer=fc7&channel=12&sample=chelsea&lang=en'; });
  await page.waitForFunction(() => /^fc7, neuron 12: -?[\d.]+, the dot product of its 4,096 weights with the input plus bias$/
    .test(document.querySelector('.xv-fc-out')?.getAttribute('aria-label')));
  await page.evaluate(() => { location.hash = '#view=lrn&layer=norm1&channel=3&y=5&x=6&sample=chelsea&lang=en'; });
  await page.waitForFunction(() => /^norm1, channel 3, at \(5, 6\): -?[\d.]+ before, -?[\d.]+ after/
    .test(document.querySelector('.xv-lrn-canvas')?.getAttribute('aria-label')));
});

test('no console errors with the instructor controls', () => {
  assert.deepEqual(errors, []);
});
