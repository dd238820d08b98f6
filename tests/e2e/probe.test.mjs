// The hostile probe's list, in the browser: the latest image or weights choice wins (races driven by holding one
// choice's request until the test releases it), files are judged before they are read, no decode blocks the page,
// and the smaller cases (long names, refused URLs, a 100 GB tensor, float16 labels, the AVIF wording).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startApp, launchBrowser, collectConsoleErrors, observeLongTasks } from './harness.mjs';
import { rgbaPng, hugePng, alexnetOnnx, bigTensorSafetensors, sparseFile, onnxHead, int8Safetensors, HOSTILE_SVG } from './hostile-fixtures.mjs';

const TIMEOUT = { timeout: 120_000 };
const done = (page) => page.waitForFunction(() => document.getElementById('status').dataset.state === 'done', null, TIMEOUT);
const label = (page) => page.evaluate(() => window.alexnetApp.engine.pass.meta?.label);
const clearMessage = (page) => page.evaluate(() => { const m = document.getElementById('message'); m.textContent = ''; m.hidden = true; });
const message = async (page) => {
  await page.waitForFunction(() => !document.getElementById('message').hidden && document.getElementById('message').textContent, null, TIMEOUT);
  return page.textContent('#message');
};
const wasmBytes = (page) => page.evaluate(async () => (await window.__explainer.memory()).wasmBytes);

/** Holds every request for URLs matching `pattern` until `release()` (the slow choice of a race). */
async function hold(context, pattern) {
  let release;
  const gate = new Promise((r) => { release = r; });
  let seen = 0;
  await context.route(pattern, async (route) => {
    seen++;
    await gate;
    await route.continue();
  });
  return { release, seen: () => seen, unroute: () => context.unroute(pattern) };
}

test('the latest image choice wins, the URL follows it, and no decode blocks the page', { timeout: 300_000 }, async () => {
  const app = await startApp();
  const browser = await launchBrowser();
  const { page, context } = browser;
  try {
    const errors = collectConsoleErrors(page);
    await page.addInitScript(observeLongTasks);
    await page.goto(`${app.url}#view=maps&layer=conv1`);
    await done(page);
    const mine = { name: 'mine.png', mimeType: 'image/png', buffer: rgbaPng(40, 30, (x, y) => [x * 6, y * 8, 50, 255]) };

    // 1. A sample whose download is held, then a file: the file wins, and stays the winner when the sample arrives.
    let h = await hold(context, '**/samples/coffee.jpg');
    await page.click('#sample-coffee');
    await page.waitForFunction(() => /sample=coffee/.test(location.hash), null, TIMEOUT);
    await page.setInputFiles('#file-input', mine);
    await page.waitForFunction(() => window.alexnetApp.engine.pass.meta?.label === 'mine.png' && document.getElementById('status').dataset.state === 'done', null, TIMEOUT);
    h.release();
    await page.waitForTimeout(800);
    assert.equal(h.seen(), 1, 'the sample was asked for');
    assert.equal(await label(page), 'mine.png');
    assert.match(await page.textContent('#input-caption'), /^mine\.png · 40×30$/);
    assert.doesNotMatch(await page.evaluate(() => location.hash), /sample=/, 'the URL names no sample: the file won');
    await h.unroute();

    // 2. A held sample, then another sample: the second wins, in the URL too.
    h = await hold(context, '**/samples/chelsea.jpg');
    await page.click('#sample-chelsea');
    await page.click('#sample-astronaut');
    await page.waitForFunction(() => window.alexnetApp.engine.pass.meta?.sample === 'astronaut' && document.getElementById('status').dataset.state === 'done', null, TIMEOUT);
    h.release();
    await page.waitForTimeout(800);
    assert.equal(await page.evaluate(() => window.alexnetApp.engine.pass.meta?.sample), 'astronaut');
    assert.match(await page.evaluate(() => location.hash), /sample=astronaut/);
    await h.unroute();

    // 3. A 22000×22000 PNG (decoded in the decode worker, straight to 1024 px), then at once a sample: the sample
    // wins, and the page never blocks on the decode.
    await page.evaluate(() => { window.__longTasks.length = 0; });
    await page.setInputFiles('#file-input', { name: 'huge.png', mimeType: 'image/png', buffer: hugePng(22000) });
    await page.click('#sample-coffee');
    await page.waitForFunction(() => window.alexnetApp.engine.pass.meta?.sample === 'coffee' && document.getElementById('status').dataset.state === 'done', null, TIMEOUT);
    await page.waitForTimeout(1500);
    assert.equal(await page.evaluate(() => window.alexnetApp.engine.pass.meta?.sample), 'coffee');
    assert.match(await page.evaluate(() => location.hash), /sample=coffee/);
    // And the huge PNG alone: decoded off the main thread.
    await page.evaluate(() => { window.__longTasks.length = 0; });
    const t0 = Date.now();
    await page.setInputFiles('#file-input', { name: 'huge.png', mimeType: 'image/png', buffer: hugePng(22000) });
    await page.waitForFunction(() => window.alexnetApp.engine.pass.meta?.label === 'huge.png' && document.getElementById('status').dataset.state === 'done', null, TIMEOUT);
    const longest = await page.evaluate(() => Math.max(0, ...window.__longTasks.map((t) => t.duration)));
    console.log(`22000² PNG: chosen to explained in ${Date.now() - t0} ms; longest main-thread task ${longest.toFixed(0)} ms`);
    assert.ok(longest < 200, `a ${longest} ms main-thread task while the 22000² PNG was decoded`);

    // 4. A 934-character file name: cut with an ellipsis, whole in the tooltip, and the page does not widen.
    const longName = `${'a-very-long-file-name-'.repeat(42)}.png`.slice(-934);
    await page.setInputFiles('#file-input', { ...mine, name: longName });
    await page.waitForFunction((n) => window.alexnetApp.engine.pass.meta?.label === n && document.getElementById('status').dataset.state === 'done', longName, TIMEOUT);
    const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, view: window.innerWidth }));
    assert.ok(widths.scroll <= widths.view, `the page is ${widths.scroll} px wide in a ${widths.view} px window`);
    assert.equal(await page.getAttribute('#input-caption', 'title'), `${longName} · 40×30`);

    // 5. Files judged before they are read: a 5 GB "image" is refused from its size.
    const fiveGb = sparseFile('holiday.png', 5 * 2 ** 30, rgbaPng(1, 1, () => [0, 0, 0, 255]));
    await clearMessage(page);
    await page.setInputFiles('#file-input', fiveGb);
    assert.match(await message(page), /holiday\.png.* is 5369 MB; the largest image file this page opens is 268 MB/);
    fs.rmSync(path.dirname(fiveGb), { recursive: true, force: true });

    // 6. The SVG refusal names every format that works, AVIF included.
    await clearMessage(page);
    await page.setInputFiles('#file-input', { name: 'd.svg', mimeType: 'image/svg+xml', buffer: HOSTILE_SVG });
    assert.match(await message(page), /JPEG, PNG, GIF, WebP, AVIF, BMP/);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await app.close();
  }
});

test('the latest weights choice wins; big files are judged before they are read; memory comes back', { timeout: 300_000 }, async () => {
  const app = await startApp();
  const browser = await launchBrowser();
  const { page } = browser;
  const tmp = [];
  try {
    const errors = collectConsoleErrors(page);
    await page.goto(`${app.url}#view=maps&layer=conv1`);
    await done(page);
    const wasm0 = await wasmBytes(page);

    // 1. Sizes first: 1000 MB, 1.5 GB and 5 GB files are refused at once, from File.size, and nothing is read.
    for (const [name, size] of [['zeros-1000mb.onnx', 1000e6], ['big-1.5gb.onnx', 1.5 * 2 ** 30], ['huge-5gb.safetensors', 5 * 2 ** 30]]) {
      const f = sparseFile(name, size);
      tmp.push(f);
      await clearMessage(page);
      const t0 = Date.now();
      await page.setInputFiles('#weights-input', f);
      const m = await message(page);
      console.log(`${name}: refused in ${Date.now() - t0} ms: ${m}`);
      assert.match(m, new RegExp(`^Could not load weights from ${name.replace('.', '\\.')}: this file is ${Math.round(size / 1e6)} MB; AlexNet's weights take 244 MB in float32, and the largest weights file accepted is 400 MB, so it cannot be AlexNet's weights\\. The previous weights are still loaded\\.$`));
    }
    assert.equal(await wasmBytes(page), wasm0, 'refused from their size: wasm memory did not grow');

    // 2. A 300 MB file whose head frames like ONNX must be read to be refused; the memory it took is given back.
    const fake = sparseFile('fake.onnx', 300e6, onnxHead(300e6));
    tmp.push(fake);
    await clearMessage(page);
    await page.setInputFiles('#weights-input', fake);
    console.log(`fake.onnx: ${await message(page)}`);
    await page.waitForFunction(() => window.__explainer.stats().recycled >= 1 && document.getElementById('status').dataset.state !== 'loading', null, TIMEOUT);
    await done(page);
    const wasm1 = await wasmBytes(page);
    console.log(`wasm memory: ${(wasm0 / 1e6).toFixed(0)} MB at start, ${(wasm1 / 1e6).toFixed(0)} MB after the 300 MB refusal (the worker was replaced)`);
    assert.ok(wasm1 < wasm0 + 64e6, `wasm memory stayed ${wasm1} bytes after a refused 300 MB file`);
    assert.equal(await page.evaluate(() => window.alexnetApp.engine.weightsInfo.origin), 'starter', 'the weights are the ones before');

    // 3. Two files back to back: a slow one (300 MB, read in full before it is refused) and then a good one.
    // The worker cancels the first when the second arrives, whatever the timing; only the second is reported.
    const good = sparseFile('zeros-int8.safetensors', int8Safetensors().length);
    fs.writeFileSync(good, int8Safetensors());
    tmp.push(good);
    for (let round = 0; round < 2; round++) {
      await clearMessage(page);
      await page.setInputFiles('#weights-input', fake);
      await page.setInputFiles('#weights-input', good);
      await page.waitForFunction(() => window.alexnetApp.engine.weightsInfo?.file === 'zeros-int8.safetensors' && document.getElementById('status').dataset.state === 'done', null, TIMEOUT);
      await page.waitForTimeout(1000);
      assert.equal(await page.evaluate(() => window.alexnetApp.engine.weightsInfo.file), 'zeros-int8.safetensors');
      const m = await page.evaluate(() => (document.getElementById('message').hidden ? '' : document.getElementById('message').textContent));
      assert.doesNotMatch(m, /fake\.onnx/, `a stale message about the first file: ${m}`);
      assert.match(await page.textContent('#status-text'), /Done|Loaded zeros-int8/);
      // Back to the default weights for the next round.
      await page.evaluate(() => window.alexnetApp.client.loadWeights(null));
    }
    // And the other order: the good file first, then a bad one: the bad one's refusal is what is said, and the good
    // weights (loaded, or cancelled by the bad one) never replace what the page reports afterwards.
    await page.setInputFiles('#weights-input', good);
    await page.setInputFiles('#weights-input', { name: 'external-passwd.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from('root:x:0:0:root:/root:/bin/bash\n') });
    const m = await message(page);
    assert.match(m, /external-passwd\.onnx.*neither an ONNX model nor a safetensors weights file/);
    await page.waitForTimeout(1000);
    assert.equal(await page.textContent('#message'), m, 'the message is still the latest choice\'s');

    // 4. A safetensors header claiming a 100 GB tensor gets the CLI's sentence, not an integer-type error.
    await clearMessage(page);
    const big = bigTensorSafetensors();
    await page.setInputFiles('#weights-input', { name: 'claims-100gb.safetensors', mimeType: 'application/octet-stream', buffer: big });
    assert.match(await message(page), new RegExp(`claims-100gb\\.safetensors: not a readable safetensors file: the file is truncated: its tensors need more bytes than the ${big.length} it holds`));

    // 5. A float16 ONNX is labelled f16.
    const f16 = path.join(path.dirname(good), 'alexnet-f16.onnx');
    fs.writeFileSync(f16, alexnetOnnx({ full: true, f16: true }));
    await page.setInputFiles('#weights-input', f16);
    await page.waitForFunction(() => window.alexnetApp.engine.weightsInfo?.file === 'alexnet-f16.onnx', null, TIMEOUT);
    assert.equal(await page.evaluate(() => window.alexnetApp.engine.weightsInfo.dtype), 'f16');
    assert.match(await page.textContent('#weights-text'), /onnx, f16/);
    assert.deepEqual(errors, []);
  } finally {
    for (const f of tmp) fs.rmSync(path.dirname(f), { recursive: true, force: true });
    await browser.close();
    await app.close();
  }
});

test('?weights= URLs that are not http(s) or not on this site are refused at once, with the reason', { timeout: 120_000 }, async () => {
  let asked = 0;
  const app = await startApp({ handler: (req) => { if (new URL(req.url, 'http://x').pathname.includes('never')) asked++; return false; } });
  const browser = await launchBrowser();
  const { page, context } = browser;
  try {
    const foreign = [];
    context.on('request', (r) => { if (!r.url().startsWith(app.url) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) foreign.push(r.url()); });
    for (const [url, want] of [
      ['javascript:alert(1)', /weights URLs must be http or https; “javascript:” URLs are refused/],
      ['data:application/octet-stream;base64,AAAA', /must be http or https; “data:”/],
      ['https://example.org/never.onnx', /weights are only loaded from this site \(http:\/\/127\.0\.0\.1:\d+\); https:\/\/example\.org is another site/],
    ]) {
      await page.goto(`${app.url}?weights=${encodeURIComponent(url)}#view=maps&layer=conv1`);
      await done(page);
      const fallback = await page.evaluate(() => window.alexnetApp.engine.fallbackMessage);
      console.log(`${url}: ${fallback?.error}`);
      assert.match(fallback.error, want);
      assert.match(await page.textContent('#weights-fallback'), /Using the default weights instead/);
      // Said once, not three times over.
      assert.equal((await page.textContent('#weights-fallback')).split(fallback.error).length - 1, 1);
    }
    assert.deepEqual(foreign, [], 'nothing was asked of another site');
    assert.equal(asked, 0);
  } finally {
    await browser.close();
    await app.close();
  }
});
