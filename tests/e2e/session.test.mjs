// A long session (100 images: memory flat, nothing leaked) and the page's network and CSP footprint (only its own
// origin is ever asked, the policy in header and meta agrees, no violation).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startApp, launchBrowser, collectConsoleErrors, instrument, openApp as open, REPO_ROOT } from './harness.mjs';
import { CONTENT_SECURITY_POLICY, CONNECT_HOSTS } from '../../scripts/serve.mjs';
import { rgbaPng, toyOnnx } from './hostile-fixtures.mjs';

const TIMEOUT = { timeout: 60_000 };

test('a long session: 100 images keep memory flat and leak nothing', { timeout: 900_000 }, async () => {
  const app = await startApp();
  const browser = await launchBrowser();
  const { page } = browser;
  try {
    const errors = collectConsoleErrors(page);
    await page.addInitScript(instrument);
    await open(page, `${app.url}#view=maps&layer=conv1`);
    const cdp = await page.context().newCDPSession(page);
    const measure = async () => {
      // The maps are painted a few canvases per frame (www/views/maps/render.js): count once conv1's 96 are all in.
      await page.waitForFunction(() => document.querySelectorAll('#maps-grid canvas').length === 96, null, TIMEOUT);
      await cdp.send('HeapProfiler.collectGarbage');
      const { usedSize, backingStorageSize = 0 } = await cdp.send('Runtime.getHeapUsage');
      const { wasmBytes } = await page.evaluate(() => window.__explainer.memory());
      const dom = await page.evaluate(() => ({ canvases: document.querySelectorAll('canvas').length, nodes: document.getElementsByTagName('*').length, ...window.__counts, ...window.__explainer.stats() }));
      return { heap: usedSize + backingStorageSize, wasm: wasmBytes, ...dom };
    };
    const views = ['maps', 'overview', 'maps', 'ledger'];
    const samples = [];
    const t0 = Date.now();
    for (let i = 0; i < 100; i++) {
      const name = `img${i}.png`;
      const w = 40 + (i % 7) * 30;
      const h = 40 + (i % 5) * 25;
      await page.setInputFiles('#file-input', { name, mimeType: 'image/png', buffer: rgbaPng(w, h, (x, y) => [(x * i) & 255, (y * 7 + i) & 255, (x + y + 3 * i) & 255, 255]) });
      await page.waitForFunction((n) => window.alexnetApp.engine.pass.meta?.label === n && document.getElementById('status').dataset.state === 'done', name, TIMEOUT);
      if (i % 10 === 0) await page.click(`#tab-${views[(i / 10) % views.length]}`).catch(() => {});
      // Measured on the same view (maps, chosen at i = 0 and i = 40), so the DOM counts compare.
      if (i === 9 || i === 49) samples.push({ after: i + 1, ...(await measure()) });
    }
    await page.click('#tab-maps');
    await page.waitForTimeout(500);
    samples.push({ after: 100, ...(await measure()) });
    const [first, , last] = samples;
    const mb = (n) => (n / 1e6).toFixed(1);
    for (const s of samples) {
      console.log(`after ${s.after} images: JS heap ${mb(s.heap)} MB, wasm ${mb(s.wasm)} MB, ${s.canvases} canvases in the DOM, ${s.nodes} nodes, ` +
        `object URLs ${s.urlsCreated} created / ${s.urlsRevoked} revoked, workers ${s.workersCreated} created / ${s.workersTerminated} terminated`);
    }
    console.log(`100 images in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    assert.ok(last.heap < first.heap * 1.3 + 5e6, `JS heap grew from ${mb(first.heap)} to ${mb(last.heap)} MB`);
    // The photos cycle through 7 widths × 5 heights, the largest first at image 35: wasm memory may grow to that
    // high-water mark once, so it is compared from image 50 on (a leak would keep growing).
    const settled = samples[1];
    assert.ok(last.wasm <= settled.wasm, `wasm memory grew from ${mb(settled.wasm)} to ${mb(last.wasm)} MB after image 50`);
    assert.ok(last.canvases <= first.canvases, `canvases: ${first.canvases} → ${last.canvases}`);
    assert.ok(last.nodes <= first.nodes * 1.2 + 50, `DOM nodes: ${first.nodes} → ${last.nodes}`);
    assert.equal(last.urlsCreated - last.urlsRevoked, 0, 'object URLs leaked');
    assert.equal(last.workersCreated - last.workersTerminated, 2, 'exactly one engine worker and one decode worker');
    assert.equal(last.pending, 0);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await app.close();
  }
});

test('privacy and CSP: only same-origin requests, the policy in header and meta, no violations', { timeout: 300_000 }, async () => {
  const app = await startApp();
  const browser = await launchBrowser();
  const { page } = browser;
  try {
    const errors = collectConsoleErrors(page);
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    page.context().on('request', (r) => requests.push(r.url()));
    const violations = [];
    page.on('console', (m) => { if (/Content.Security.Policy|Refused to/i.test(m.text())) violations.push(m.text()); });
    await page.addInitScript(() => {
      window.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const response = await page.goto(`${app.url}#view=maps&layer=conv1`);
    assert.equal(response.headers()['content-security-policy'], CONTENT_SECURITY_POLICY);
    const meta = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
    assert.equal(meta, CONTENT_SECURITY_POLICY, 'index.html <meta> and serve.mjs header agree');
    // Beyond our origin, only Hugging Face and its CDN, for the Model Zoo download the user may ask for.
    const connect = /connect-src ([^;]*)/.exec(CONTENT_SECURITY_POLICY)[1].split(' ');
    assert.deepEqual(connect, ["'self'", ...CONNECT_HOSTS]);
    assert.deepEqual(CONNECT_HOSTS, ['https://huggingface.co', 'https://*.hf.co']);
    const embedHtml = fs.readFileSync(path.join(REPO_ROOT, 'embed.html'), 'utf8');
    assert.ok(embedHtml.includes(`connect-src ${connect.join(' ')};`), 'embed.html allows the same connections');
    await page.waitForFunction(() => document.getElementById('status').dataset.state === 'done', null, TIMEOUT);
    await page.setInputFiles('#file-input', { name: 'mine.png', mimeType: 'image/png', buffer: rgbaPng(30, 30, (x) => [x * 8, 0, 0, 255]) });
    await page.waitForFunction(() => window.alexnetApp.engine.pass.meta?.label === 'mine.png' && document.getElementById('status').dataset.state === 'done', null, TIMEOUT);
    await page.setInputFiles('#weights-input', { name: 'x.onnx', mimeType: 'application/octet-stream', buffer: toyOnnx() });
    await page.waitForFunction(() => !document.getElementById('message').hidden, null, TIMEOUT);
    for (const id of ['conv1', 'pool1', 'conv2', 'fc6', 'prob']) await page.click(`#rail-${id}`);
    await page.waitForTimeout(500);
    const origin = new URL(app.url).origin;
    const foreign = [...new Set(requests)].filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('data:') && !u.startsWith('blob:'));
    console.log(`${new Set(requests).size} distinct requests, ${foreign.length} to other origins`);
    assert.deepEqual(foreign, []);
    // The app itself caused no violation (counted by the page's own securitypolicyviolation events).
    assert.deepEqual(await page.evaluate(() => window.__violations), [], 'CSP violations from the app itself');
    assert.deepEqual(violations, []);
    // The policy really applies: no request to another origin, no inline script.
    const blocked = await page.evaluate(async () => {
      const out = {};
      try { await fetch('http://example.invalid/x'); out.fetch = 'allowed'; } catch { out.fetch = 'blocked'; }
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true;';
      document.head.append(s);
      await new Promise((resolve) => setTimeout(resolve, 50));
      out.inline = window.__inlineRan ? 'allowed' : 'blocked';
      return out;
    });
    assert.deepEqual(blocked, { fetch: 'blocked', inline: 'blocked' });
    assert.deepEqual(errors.filter((e) => !/example\.invalid|Content Security Policy/.test(e)), []);
  } finally {
    await browser.close();
    await app.close();
  }
});
