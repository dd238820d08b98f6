// End to end: the static server makes pages cross-origin isolated and serves wasm so the browser will stream-compile it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, startApp, launchBrowser, collectConsoleErrors, screenshot, canvasIsNonBlank } from './harness.mjs';

const BUILT_WASM = path.join(REPO_ROOT, 'pkg', 'alexnet_explainer_bg.wasm');
// The smallest valid module (magic + version): enough for compileStreaming before pkg/ is built.
const EMPTY_WASM = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

let site; // temp dir with a tiny page, served instead of the repo so this test does not depend on www/
let app;
let browser;

before(async () => {
  site = fs.mkdtempSync(path.join(os.tmpdir(), 'alexnet-e2e-site-'));
  fs.writeFileSync(path.join(site, 'index.html'), `<!doctype html>
<meta charset="utf-8"><title>server check</title>
<canvas id="c" width="8" height="8"></canvas>
<script type="module" src="main.js"></script>
<canvas id="blank" width="8" height="8"></canvas>`);
  // An external script: the server's Content-Security-Policy refuses inline ones, as it should.
  fs.writeFileSync(path.join(site, 'main.js'), `const ctx = document.getElementById('c').getContext('2d');
ctx.fillStyle = '#000'; ctx.fillRect(0, 0, 8, 8);
ctx.fillStyle = '#f00'; ctx.fillRect(0, 0, 4, 4);
window.ready = true;
`);
  fs.writeFileSync(path.join(site, 'module.wasm'), fs.existsSync(BUILT_WASM) ? fs.readFileSync(BUILT_WASM) : EMPTY_WASM);
  app = await startApp({ root: site });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
  if (site) fs.rmSync(site, { recursive: true, force: true });
});

test('the page is cross-origin isolated', async () => {
  const errors = collectConsoleErrors(browser.page);
  await browser.page.goto(app.url);
  await browser.page.waitForFunction(() => window.ready === true);
  assert.equal(await browser.page.evaluate(() => globalThis.crossOriginIsolated), true);
  assert.equal(await browser.page.evaluate(() => typeof SharedArrayBuffer), 'function');
  assert.deepEqual(errors, []);
});

test(`${fs.existsSync(BUILT_WASM) ? 'pkg/' : 'a'} wasm module is served as application/wasm and compiles streaming`, async () => {
  const result = await browser.page.evaluate(async () => {
    const response = await fetch('module.wasm');
    const type = response.headers.get('content-type');
    // compileStreaming rejects any other MIME type, which is exactly what the browser's init() will use.
    const module = await WebAssembly.compileStreaming(response);
    return { type, exports: WebAssembly.Module.exports(module).length };
  });
  assert.equal(result.type, 'application/wasm');
  if (fs.existsSync(BUILT_WASM)) assert.ok(result.exports > 0, 'the built module exports nothing');
});

test('the harness tells a drawn canvas from a blank one', async () => {
  assert.equal(await canvasIsNonBlank(browser.page, '#c'), true);
  assert.equal(await canvasIsNonBlank(browser.page, '#blank'), false);
  const file = await screenshot(browser.page, 'server-check');
  assert.ok(fs.statSync(file).size > 0);
});

test('the repository itself serves pkg/ wasm as application/wasm', { skip: !fs.existsSync(BUILT_WASM) && 'pkg/ not built' }, async () => {
  const repo = await startApp();
  try {
    const res = await fetch(`${repo.url}pkg/alexnet_explainer_bg.wasm`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/wasm');
    assert.equal(Number(res.headers.get('content-length')), fs.statSync(BUILT_WASM).size);
    assert.equal(res.headers.get('cross-origin-embedder-policy'), 'require-corp');
  } finally {
    await repo.close();
  }
});
