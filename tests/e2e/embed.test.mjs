// End to end: deep links, the language switch, embed.html at 640×400, exports, the course-notes page with three
// embeds, and the static build served from a sub-path without COOP/COEP (with split int8 weights when they can be made).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  startApp, launchBrowser, collectConsoleErrors, screenshot, canvasIsNonBlank, servePlain, recordCanvasFonts, smallTexts, REPO_ROOT, ALEXNET_BIN,
} from './harness.mjs';

const BASE = '/course/alexnet/';
const MODEL_ONNX = path.join(REPO_ROOT, 'tests/reference/out/model.onnx');
const CAN_MAKE_WEIGHTS = fs.existsSync(ALEXNET_BIN) && fs.existsSync(MODEL_ONNX);

let app, browser, page, errors, tmp, site;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alexnet-embed-'));
  const args = ['scripts/build-static.sh', '--out', path.join(tmp, 'site')];
  // The generated model is not the Zoo's file, so the site's copy is published without being called the BVLC
  // weights (--allow-unverified); build-static.sh converts it to int8 itself.
  if (CAN_MAKE_WEIGHTS) args.push('--weights', MODEL_ONNX, '--allow-unverified', '--part-size', '40MB');
  execFileSync('bash', args, { cwd: REPO_ROOT, stdio: 'pipe', env: { ...process.env, ALEXNET_BIN } });
  site = await servePlain(path.join(tmp, 'site'), { base: BASE });
  app = await startApp();
  // Service workers blocked: the static-build tests see a host without COOP/COEP where coi-sw.js cannot help, the
  // single-threaded fallback (coi.test.mjs tests the service worker itself).
  browser = await launchBrowser({ serviceWorkers: 'block' });
  await browser.context.addInitScript(recordCanvasFonts);
  page = browser.page;
  errors = collectConsoleErrors(page);
});

after(async () => {
  await browser?.close();
  await app?.close();
  await site?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const done = (p = page, timeout = 120_000) => p.waitForSelector('#status[data-state="done"]', { timeout });

/** True when the first canvas matching `selector` inside the element's shadow root shows more than one colour. */
function shadowCanvasNonBlank(elementSelector, selector) {
  return page.evaluate(([host, sel]) => {
    const canvas = document.querySelector(host)?.shadowRoot?.querySelector(sel);
    if (!canvas?.width || !canvas.height) return false;
    const copy = document.createElement('canvas');
    copy.width = canvas.width;
    copy.height = canvas.height;
    const g = copy.getContext('2d');
    g.drawImage(canvas, 0, 0);
    const px = new Uint32Array(g.getImageData(0, 0, copy.width, copy.height).data.buffer);
    return px.some((v) => v !== px[0]);
  }, [elementSelector, selector]);
}

/** Width and height of a PNG file, from its IHDR chunk. */
function pngSize(buf) {
  assert.deepEqual([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

test('deep links restore view, layer, channel, position, scale, sample and language', async () => {
  const hash = '#view=sweep&layer=conv2&channel=200&y=3&x=5&sample=probe-vedge&lang=zh';
  await page.goto(`${app.url}index.html${hash}`);
  await done();
  await page.waitForSelector('#sweep-sum[data-pos="3,5"]', { timeout: 30_000 });
  assert.deepEqual(await page.evaluate(() => window.alexnetApp.state),
    { view: 'sweep', layer: 'conv2', channel: 200, y: 3, x: 5, sample: 'probe-vedge', lang: 'zh' });
  assert.equal(await page.textContent('#view-title'), 'conv2 · 卷积滑动');
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  assert.match(await page.textContent('#input-caption'), /竖直边缘/);
  assert.equal(await page.evaluate(() => location.hash), hash);

  // "Copy link" hands out the same link (clipboard access may be refused headless; the link is on the button).
  await page.click('#copy-link');
  await page.waitForFunction(() => document.getElementById('copy-link').dataset.link);
  const link = await page.getAttribute('#copy-link', 'data-link');
  assert.equal(new URL(link).hash, hash);

  // The sweep's step index, the maps' colour scale and zoomed channel, a kernel, a tower, a pool position.
  const cases = [
    ['#view=sweep&layer=conv1&channel=3&step=57&sample=chelsea&lang=en', '#sweep-sum[data-pos="1,2"]'],
    ['#view=maps&layer=conv1&channel=17&scale=global&sample=chelsea&lang=en', '#maps-zoom:not([hidden])'],
    ['#view=kernels&layer=conv2&channel=30&sample=chelsea&lang=en', '#kernel-oc'],
    ['#view=relu&layer=relu2&tower=1&sample=chelsea&lang=en', '#relu-counts'],
    ['#view=pool&layer=pool1&channel=5&y=4&x=6&sample=chelsea&lang=en', '#pool-max'],
  ];
  for (const [h, selector] of cases) {
    await page.goto(`${app.url}index.html${h}`);
    await done();
    await page.waitForSelector(selector, { timeout: 30_000 });
  }
  await page.goto(`${app.url}index.html${cases[1][0]}`);
  await done();
  await page.waitForSelector('#maps-zoom:not([hidden])');
  assert.equal(await page.inputValue('#maps-scale'), 'global');
  assert.equal(await page.getAttribute('[data-channel="17"]', 'aria-pressed'), 'true');
  assert.equal(await page.textContent('#view-title'), 'conv1 · Feature maps');
  await page.goto(`${app.url}index.html${cases[2][0]}`);
  await page.waitForSelector('#kernel-oc');
  assert.equal(await page.inputValue('#kernel-oc'), '30');
  await page.goto(`${app.url}index.html${cases[3][0]}`);
  await page.waitForSelector('#relu-counts');
  assert.equal(await page.inputValue('.xv-relu input[type="number"]'), '128', 'tower 1 of relu2 starts at channel 128');
});

test('the language switch changes every string it shows, and back', async () => {
  await page.goto(`${app.url}index.html#view=maps&layer=conv1`);
  await done();
  await page.waitForSelector('#map-conv1-0');
  assert.equal(await page.textContent('#view-title'), 'conv1 · Feature maps', 'English by default in headless Chromium');
  assert.equal(await page.textContent('#tab-kernels'), 'Kernels');
  await page.selectOption('#lang-select', 'zh');
  await page.waitForFunction(() => document.getElementById('view-title').textContent === 'conv1 · 特征图');
  assert.equal(await page.textContent('#tab-kernels'), '卷积核');
  assert.equal(await page.textContent('#copy-link'), '复制链接');
  assert.equal(await page.textContent('.app-header h1'), 'AlexNet 图解');
  await page.waitForFunction(() => /特征图/.test(document.querySelector('#view .explain')?.textContent ?? ''));
  assert.match(await page.textContent('#status-text'), /完成/);
  assert.match(await page.textContent('#image-panel h2'), /输入图片/);
  assert.match(page.url(), /lang=zh/);
  await screenshot(page, 'embed-lang-zh');
  await page.selectOption('#lang-select', 'en');
  await page.waitForFunction(() => document.getElementById('view-title').textContent === 'conv1 · Feature maps');
  assert.equal(await page.textContent('#tab-kernels'), 'Kernels');
  assert.match(await page.textContent('#image-panel h2'), /Input image/);
});

test('PNG export at 2× and .npy export of the layer tensor', async () => {
  await page.goto(`${app.url}index.html#view=kernels&layer=conv1&sample=chelsea&lang=en`);
  await done();
  await page.waitForSelector('#kernels-gpu2');
  const cssWidth = await page.evaluate(() => document.getElementById('kernels-gpu1').getBoundingClientRect().width);
  const [png] = await Promise.all([page.waitForEvent('download'), page.click('#png-button')]);
  assert.equal(png.suggestedFilename(), 'alexnet-conv1-kernels.png');
  const { width, height } = pngSize(fs.readFileSync(await png.path()));
  assert.ok(width >= 2 * cssWidth && height > width / 4, `${width}×${height} for kernels ${cssWidth} px wide`);

  const [npy] = await Promise.all([page.waitForEvent('download'), page.click('#npy-button')]);
  assert.equal(npy.suggestedFilename(), 'alexnet-conv1.npy');
  const bytes = fs.readFileSync(await npy.path());
  const headerLen = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLen).toString('latin1');
  assert.equal(bytes.subarray(0, 8).toString('latin1'), '\x93NUMPY\x01\x00');
  assert.match(header, /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(96, 55, 55\), \} *\n$/);
  assert.equal(bytes.length, 10 + headerLen + 96 * 55 * 55 * 4);
  const first = await page.evaluate(async () => Array.from((await window.alexnetApp.ctx.tensor('conv1')).data.slice(0, 4)));
  for (let i = 0; i < 4; i++) assert.equal(bytes.readFloatLE(10 + headerLen + 4 * i), Math.fround(first[i]));

  // "Embed this view" offers both snippets for the current state.
  await page.click('#embed-button');
  const iframe = await page.inputValue('#embed-iframe-snippet');
  const element = await page.inputValue('#embed-element-snippet');
  assert.match(iframe, /<iframe src="http:\/\/127\.0\.0\.1:\d+\/embed\.html\?view=kernels&amp;layer=conv1&amp;sample=chelsea&amp;lang=en"/);
  assert.match(element, /<script type="module" src="http:\/\/127\.0\.0\.1:\d+\/www\/element\.js"><\/script>/);
  assert.match(element, /<alexnet-explainer view="kernels" layer="conv1" sample="chelsea" lang="en"><\/alexnet-explainer>/);
  await page.click('#embed-close');
});

test('embed.html: one view per URL at 640×400, in either language; the page never scrolls, the view only vertically in its box', async () => {
  const embed = await browser.context.newPage();
  try {
    await embed.setViewportSize({ width: 640, height: 400 });
    const views = [
      ['view=sweep&layer=conv1&channel=17&sample=chelsea&lang=zh', '.xv-sweep-main', 'conv1 · 卷积滑动'],
      ['view=maps&layer=conv1&sample=chelsea', '#map-conv1-0', 'conv1 · Feature maps'],
      ['view=kernels&layer=conv1&sample=chelsea', '#kernels-gpu1', 'conv1 · Kernels'],
      ['view=overview&sample=chelsea', '.xv-overview-canvas', 'conv1 · Overview'],
      ['view=pool&layer=pool1&sample=probe-checker', '.xv-pool-canvas', 'pool1 · Max pooling'],
      ['view=fc&layer=fc6&sample=chelsea', '.xv-fc-out', 'fc6 · Fully connected'],
      ['view=softmax&sample=chelsea', '#softmax-bars', 'prob · Softmax'],
      ['view=ledger&lang=zh', '#ledger-table', 'conv1 · 参数账本'],
    ];
    for (const [query, selector, title] of views) {
      await embed.goto(`${app.url}embed.html?${query}`);
      await done(embed);
      await embed.waitForSelector(selector, { timeout: 30_000 });
      await embed.waitForTimeout(400);
      assert.equal(await embed.textContent('#view-title'), title, query);
      const fit = await embed.evaluate(() => {
        const d = document.documentElement;
        const box = document.querySelector('.ae-body');
        const r = box.getBoundingClientRect();
        return { sw: d.scrollWidth, sh: d.scrollHeight, cw: d.clientWidth, ch: d.clientHeight, right: r.right, bottom: r.bottom,
          bsw: box.scrollWidth, bcw: box.clientWidth, w: innerWidth, h: innerHeight };
      });
      assert.ok(fit.sw <= fit.cw && fit.sh <= fit.ch, `${query}: page scrolls (${JSON.stringify(fit)})`);
      assert.ok(fit.right <= fit.w + 1 && fit.bottom <= fit.h + 1, `${query}: the view's box sticks out of the frame (${JSON.stringify(fit)})`);
      assert.ok(fit.bsw <= fit.bcw, `${query}: the view is wider than the frame (${JSON.stringify(fit)})`);
      if (!selector.startsWith('#ledger')) assert.ok(await canvasIsNonBlank(embed, selector), `${query}: ${selector} is blank`);
      await screenshot(embed, `embed-${query.split('&')[0].slice(5)}`);
    }
    // The embed keeps its state private: clicking in it does not touch its own URL.
    const before = embed.url();
    await embed.goto(`${app.url}embed.html?view=maps&layer=conv1&sample=chelsea`);
    await done(embed);
    await embed.click('[data-channel="4"]');
    await embed.waitForFunction(() => window.alexnetEmbed.state.channel === 4);
    assert.equal(embed.url(), `${app.url}embed.html?view=maps&layer=conv1&sample=chelsea`);
    assert.notEqual(before, '');
  } finally {
    await embed.close();
  }
});

test('static build under a sub-path without COOP/COEP: the app runs single-threaded and says so', async () => {
  await page.goto(`${site.url}index.html#view=maps&layer=conv1&sample=chelsea&lang=en`);
  await done();
  await page.waitForSelector('#map-conv1-0');
  assert.equal(await page.evaluate(() => crossOriginIsolated), false);
  await page.click('#about summary');
  assert.equal(await page.textContent('#about-isolated'), 'cross-origin isolated: no → single-threaded');
  await page.waitForFunction(() => /no service worker can add them here/.test(document.getElementById('about-why').textContent));
  assert.ok(await canvasIsNonBlank(page, '#map-conv1-0'));
  await screenshot(page, 'embed-static-app');
  const outside = site.requests.filter((p) => !p.startsWith(BASE));
  assert.deepEqual(outside, [], 'every request stays under the sub-path');
});

test('course notes: an iframe and two custom elements render; elements with one image share one worker', async () => {
  await page.goto(`${site.url}examples/course-notes.html`);
  const frame = page.frameLocator('#sweep-frame');
  await frame.locator('#status[data-state="done"]').waitFor({ timeout: 120_000 });
  await frame.locator('.xv-sweep-main').waitFor();
  const sweepFrame = page.frames().find((f) => f.url().includes('embed.html'));
  await sweepFrame.waitForSelector('#sweep-sum[data-pos]', { timeout: 30_000 });
  assert.ok(await canvasIsNonBlank(sweepFrame, '.xv-sweep-main'), 'the iframe sweep is drawn');
  for (const [host, selector] of [['#kernels-element', '#kernels-gpu1'], ['#pool-element', '.xv-pool-canvas']]) {
    await page.waitForFunction(([h, s]) => {
      const root = document.querySelector(h)?.shadowRoot;
      return root?.querySelector('#status')?.dataset.state === 'done' && root.querySelector(s);
    }, [host, selector], { timeout: 120_000 });
    await page.waitForTimeout(300);
    assert.ok(await shadowCanvasNonBlank(host, selector), `${host} ${selector} is drawn`);
  }
  const shared = await page.evaluate(() => {
    const [k, p] = ['#kernels-element', '#pool-element'].map((s) => document.querySelector(s));
    return { same: k.client === p.client, k: k.app.state, p: p.app.state, ids: k.shadowRoot.querySelector('#view') !== p.shadowRoot.querySelector('#view') };
  });
  assert.ok(shared.same, 'one worker for the two elements showing chelsea');
  // The notes' column is 600 px: every text of the embeds is readable there (12 CSS px or more, canvases included).
  assert.deepEqual(await page.evaluate(smallTexts, ['alexnet-explainer', 12]), []);
  assert.deepEqual(await sweepFrame.evaluate(smallTexts, ['body', 12]), []);
  assert.ok((await page.evaluate(() => document.querySelector('#kernels-element').getBoundingClientRect().width)) <= 600);
  assert.ok(shared.ids);
  assert.equal(shared.k.view, 'kernels');
  assert.deepEqual([shared.p.view, shared.p.layer, shared.p.channel, shared.p.y, shared.p.x], ['pool', 'pool1', 5, 4, 6]);
  // Changing one element's attribute moves that element only.
  await page.evaluate(() => document.querySelector('#pool-element').setAttribute('channel', '9'));
  await page.waitForFunction(() => document.querySelector('#pool-element').app.state.channel === 9);
  assert.equal(await page.evaluate(() => document.querySelector('#kernels-element').app.state.channel), undefined);
  // The notes' language can be switched per element.
  await page.evaluate(() => document.querySelector('#kernels-element').setAttribute('lang', 'zh'));
  await page.waitForFunction(() => document.querySelector('#kernels-element').shadowRoot.querySelector('#view-title').textContent === 'conv1 · 卷积核');
  assert.equal(await page.evaluate(() => document.querySelector('#pool-element').shadowRoot.querySelector('#view-title').textContent), 'pool1 · Max pooling');
  await screenshot(page, 'embed-course-notes');
  // Removing both elements terminates their worker; the page keeps working.
  await page.evaluate(() => { for (const e of document.querySelectorAll('alexnet-explainer')) e.remove(); });
});

test('the site\'s own weights (build-static.sh --weights): parts, progress, loaded first, stored for an offline visit',
  { skip: !CAN_MAKE_WEIGHTS && 'needs the alexnet CLI (target/ci or target/release) and tests/reference/out/model.onnx' }, async () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(tmp, 'site/weights/manifest.json'), 'utf8'));
    assert.equal(manifest.version, 2);
    assert.equal(manifest.name, 'bvlc-alexnet-int8.safetensors');
    assert.equal(manifest.dtype, 'int8');
    assert.equal(manifest.from, undefined, 'not a Zoo file: the manifest ties it to none');
    assert.equal(manifest.autoload, true);
    assert.ok(manifest.parts.length >= 2, 'the ~61 MB file is split');
    for (const p of manifest.parts) assert.ok(p.bytes < 100_000_000, `${p.file} is under GitHub Pages' 100 MB`);
    assert.ok(!fs.existsSync(path.join(tmp, 'site/weights/bvlc-alexnet-int8.safetensors')), 'only the parts are published');
    const url = `${site.url}index.html#view=maps&layer=conv1&sample=chelsea&lang=en`;
    await page.addInitScript(() => {
      window.__progress = [];
      addEventListener('DOMContentLoaded', () => {
        const bar = document.getElementById('weights-progress');
        if (!bar) return;
        new MutationObserver(() => window.__progress.push([bar.value, bar.max])).observe(bar, { attributes: true });
      });
    });
    // Earlier static-build pages already loaded (and stored) the site's copy: forget it, so this is a first visit.
    await page.goto(`${site.url}weights/manifest.json`);
    await page.evaluate(() => caches.delete('alexnet-weights-v2'));
    await page.goto(url);
    await page.waitForFunction(() => window.alexnetApp.engine.weightsInfo?.format === 'safetensors', null, { timeout: 180_000 });
    await done(page, 180_000);
    const info = await page.evaluate(() => window.alexnetApp.engine.weightsInfo);
    assert.equal(info.dtype, 'int8', JSON.stringify(info));
    assert.equal(info.file, 'bvlc-alexnet-int8.safetensors');
    assert.equal(info.trained, false, 'a copy the manifest ties to no verified Zoo file is not called the BVLC weights');
    assert.match(await page.textContent('#weights-text'), /weights from bvlc-alexnet-int8\.safetensors \(not verified/);
    const progress = await page.evaluate(() => window.__progress);
    assert.ok(progress.some(([v, m]) => m === manifest.bytes && v > 0 && v < m), `a partial progress value was shown: ${JSON.stringify(progress.slice(0, 5))}`);
    assert.match(await page.textContent('#download-zoo'), /^Load the trained BVLC weights from this site \(61\.\d MB, int8\)$/);

    // Offline: the weights are gone from the host now (every request for them is a 404), so a second visit can
    // only load them from this browser's storage.
    const weightsDir = path.join(tmp, 'site/weights');
    fs.renameSync(weightsDir, `${weightsDir}.gone`);
    const seen = site.requests.length;
    await page.goto(url.replace('#', '?again=1#'));
    await page.waitForFunction(() => window.alexnetApp.engine.weightsInfo?.format === 'safetensors', null, { timeout: 180_000 });
    await done(page, 180_000);
    assert.equal(await page.evaluate(() => window.alexnetApp.engine.weightsInfo.sha256), manifest.sha256);
    assert.ok(!site.requests.slice(seen).some((p) => /\.part\d+$/.test(p)), 'no part was downloaded again');
    assert.ok(await page.isHidden('#message'), await page.textContent('#message'));
    fs.renameSync(`${weightsDir}.gone`, weightsDir);
  });

test('no console errors in the embeds, the app and the static build', () => {
  assert.deepEqual(errors, []);
});
