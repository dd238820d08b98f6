// The trained-weights download against Hugging Face's real host names, answered on loopback: a redirect to a CDN
// host that sends only `Access-Control-Allow-Origin: *`, a dropped connection resumed with Range, verification,
// storage, an offline second visit, and each failure's own message.
//
// Chromium resolves huggingface.co and cas-bridge.xethub.hf.co to two local TLS servers (--host-resolver-rules,
// a self-signed test certificate from tests/e2e/tls/ accepted with --ignore-certificate-errors), so the page uses
// its real default URL, its real Content-Security-Policy and real CORS. The file served is the generated reference
// model, not the Zoo's bytes, so the page is told to expect its size and SHA-256 (the test hook
// `__alexnetTestSources`); being verified against that does not make it "trained", and the test checks that too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import crypto from 'node:crypto';
import { startApp, launchBrowser, collectConsoleErrors, recordStatus, REPO_ROOT } from './harness.mjs';

const TIMEOUT = { timeout: 120_000 };
const ZOO_RS = fs.readFileSync(path.join(REPO_ROOT, 'src/weights/zoo.rs'), 'utf8');
const PRIMARY_URL = new URL(/pub const PRIMARY_URL: &str = "([^"]+)"/.exec(ZOO_RS)[1]);
const CDN_HOST = 'cas-bridge.xethub.hf.co';
const MODEL = path.join(REPO_ROOT, 'tests', 'reference', 'out', 'model.onnx');
const TLS = { key: fs.readFileSync(path.join(REPO_ROOT, 'tests/e2e/tls/test-key.pem')), cert: fs.readFileSync(path.join(REPO_ROOT, 'tests/e2e/tls/test-cert.pem')) };

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

/**
 * The two hosts. huggingface.co redirects the stable URL to a fresh signed CDN URL each time; the CDN serves the
 * file with Range support and, when told to, drops the connection once mid-body. `mode` changes what they do.
 */
async function fakeHuggingFace(file) {
  const size = fs.statSync(file).size;
  const log = { hub: [], cdn: [] };
  const state = { mode: 'ok', dropOnce: false, slow: false, signature: 0 };
  const hub = https.createServer(TLS, (req, res) => {
    log.hub.push({ url: req.url, range: req.headers.range ?? null, origin: req.headers.origin ?? null, cookie: req.headers.cookie ?? null });
    if (state.mode === 'hub-404' || req.url !== PRIMARY_URL.pathname) {
      res.writeHead(404, { 'Access-Control-Allow-Origin': '*' });
      return res.end('Entry not found');
    }
    state.signature++;
    res.writeHead(302, { Location: `https://${CDN_HOST}/xet/${state.signature}?X-Amz-Signature=${state.signature}`, 'Access-Control-Allow-Origin': '*' });
    res.end();
  });
  const cdn = https.createServer(TLS, (req, res) => {
    const range = req.headers.range ?? null;
    log.cdn.push({ url: req.url, range, origin: req.headers.origin ?? null }); 
    // Only a wildcard: after the cross-site redirect the request's Origin is "null".
    const cors = state.mode === 'no-cors' ? {} : { 'Access-Control-Allow-Origin': '*' };
    const m = /^bytes=(\d+)-$/.exec(range ?? '');
    const start = m ? Number(m[1]) : 0;
    if (m) {
      res.writeHead(206, { ...cors, 'Content-Length': size - start, 'Content-Range': `bytes ${start}-${size - 1}/${size}`, 'Content-Type': 'application/octet-stream' });
    } else {
      res.writeHead(200, { ...cors, 'Content-Length': size, 'Content-Type': 'application/octet-stream' });
    }
    if (state.slow) {
      // About 10 MB/s, so a cancel lands mid-download.
      const fd = fs.openSync(file, 'r');
      let pos = start;
      const step = () => {
        if (pos >= size || res.destroyed) {
          fs.closeSync(fd);
          return res.end();
        }
        const buf = Buffer.alloc(Math.min(1 << 16, size - pos));
        fs.readSync(fd, buf, 0, buf.length, pos);
        pos += buf.length;
        res.write(buf);
        setTimeout(step, 6);
      };
      return step();
    }
    const stream = fs.createReadStream(file, { start });
    if (state.dropOnce && !m) {
      // Cut the connection after ~40 % of the body, as a flaky network would.
      state.dropOnce = false;
      let sent = 0;
      stream.on('data', (chunk) => {
        sent += chunk.length;
        if (sent > size * 0.4) {
          stream.destroy();
          res.socket.destroy();
        }
      });
    }
    stream.pipe(res);
  });
  const hubPort = await listen(hub);
  const cdnPort = await listen(cdn);
  return {
    size, log, state,
    rules: `--host-resolver-rules=MAP ${PRIMARY_URL.host} 127.0.0.1:${hubPort}, MAP ${CDN_HOST} 127.0.0.1:${cdnPort}`,
    close: () => Promise.all([hub, cdn].map((s) => new Promise((r) => { s.closeAllConnections?.(); s.close(r); }))),
  };
}


const done = (page) => page.waitForFunction(() => document.getElementById('status').dataset.state === 'done', null, TIMEOUT);
const message = async (page) => {
  await page.waitForFunction(() => !document.getElementById('message').hidden && document.getElementById('message').textContent, null, TIMEOUT);
  return page.textContent('#message');
};
const clearMessage = (page) => page.evaluate(() => { const m = document.getElementById('message'); m.textContent = ''; m.hidden = true; });
const weightsInfo = (page) => page.evaluate(() => window.alexnetApp.engine.weightsInfo);

test('the download: redirect, drop, Range resume, verify, store, offline reload, and each failure', { timeout: 600_000, skip: !fs.existsSync(MODEL) && `${MODEL} is missing (the native tests write it)` }, async () => {
  const bytes = fs.readFileSync(MODEL);
  const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
  const hf = await fakeHuggingFace(MODEL);
  const app = await startApp();
  const browser = await launchBrowser({ args: [hf.rules, '--ignore-certificate-errors'] });
  const { page, context } = browser;
  try {
    const errors = collectConsoleErrors(page);
    await page.addInitScript(recordStatus);
    const expect = (digest) => page.addInitScript(([n, s]) => { window.__alexnetTestSources = { primary: { name: 'bvlcalexnet-12.onnx', bytes: n, sha256: s, kind: 'f32' } }; }, [bytes.length, digest]);
    await expect(sha256);
    await page.goto(`${app.url}#view=maps&layer=conv1`);
    await done(page);
    assert.equal((await weightsInfo(page)).origin, 'starter', 'the page starts with the default session');
    const mb = (bytes.length / 1e6).toFixed(1);
    assert.equal(await page.textContent('#download-zoo'), `Download the trained BVLC weights (${mb} MB, from Hugging Face)`);
    assert.equal(await page.getAttribute('#zoo-link', 'href'), PRIMARY_URL.href, 'the manual path links the stable URL');

    // 1. The whole chain: the CDN drops the connection once; the page asks huggingface.co again with Range.
    hf.state.dropOnce = true;
    await page.click('#download-zoo');
    await page.waitForFunction(() => !document.getElementById('download-panel').hidden, null, TIMEOUT);
    await page.waitForFunction(() => window.alexnetApp.engine.weightsInfo?.origin === 'file' && document.getElementById('download-panel').hidden, null, { timeout: 300_000 });
    await done(page);
    const info = await weightsInfo(page);
    const log = await page.evaluate(() => window.__statusLog);
    console.log(`download: hub ${hf.log.hub.length} requests, cdn ${JSON.stringify(hf.log.cdn.map((r) => r.range))}; ${log.filter((l) => /Downloading/.test(l)).length} progress lines, e.g. “${log.find((l) => /MB\/s/.test(l))}”`);
    assert.deepEqual(hf.log.cdn.map((r) => r.range !== null), [false, true], 'one full request, then one resumed with Range');
    assert.match(hf.log.cdn[1].range, /^bytes=\d+-$/);
    assert.ok(Number(/\d+/.exec(hf.log.cdn[1].range)[0]) > 0.3 * bytes.length, 'it resumed where the drop happened, not from 0');
    assert.equal(hf.log.hub.length, 2, 'the stable URL was asked again (its signed CDN URL may have expired)');
    assert.ok(hf.log.hub.every((r) => r.cookie === null), 'no credentials are sent');
    assert.ok(hf.log.cdn.every((r) => r.origin === 'null'), 'after the cross-site redirect the Origin is null');
    assert.ok(log.some((l) => new RegExp(`Downloading weights: [\\d.]+ of ${mb} MB \\(\\d+ %\\) · [\\d.]+ MB/s`).test(l)), 'bytes, % and rate');
    assert.ok(log.some((l) => /about .* left/.test(l)), 'time left');
    assert.ok(log.some((l) => /The connection dropped after [\d.]+ MB; resuming/.test(l)), 'the resume is announced');
    assert.equal(info.sha256, sha256);
    assert.equal(info.file, 'bvlcalexnet-12.onnx');
    assert.equal(info.trained, false, 'verified against the test digest, but not the Zoo\'s bytes: not called trained');
    assert.match(await page.textContent('#weights-text'), /weights from bvlcalexnet-12\.onnx \(not verified as the BVLC ones/);
    const stored = await page.evaluate(async (url) => {
      const cache = await caches.open('alexnet-weights-v2');
      const r = await cache.match(url);
      const rec = await (await cache.match(`${location.origin}/__alexnet-explainer__/stored-weights.json`))?.json();
      return { bytes: r ? (await r.arrayBuffer()).byteLength : 0, rec };
    }, PRIMARY_URL.href);
    assert.equal(stored.bytes, bytes.length, 'the file is stored under the stable Hugging Face URL');
    assert.equal(stored.rec.sha256, sha256);
    assert.equal(await page.isVisible('#stored-panel'), true);

    // 2. A second visit with the hosts gone: the stored copy loads, re-verified, with no request at all.
    await hf.close();
    const before = hf.log.hub.length + hf.log.cdn.length;
    await page.reload();
    await page.waitForFunction(() => window.alexnetApp.engine.weightsInfo?.sha256, null, TIMEOUT);
    await done(page);
    assert.equal((await weightsInfo(page)).sha256, sha256, 'the stored file was loaded offline');
    assert.equal(hf.log.hub.length + hf.log.cdn.length, before);

    // 3. Offline: its own sentence, the manual path, and the weights stay.
    await page.evaluate(() => window.alexnetApp.client.forgetStored());
    await page.reload();
    await done(page);
    assert.equal((await weightsInfo(page)).origin, 'starter', 'forgotten: the next visit starts with the default session');
    await context.setOffline(true);
    await clearMessage(page);
    await page.click('#download-zoo');
    assert.match(await message(page), /^Could not download the trained weights: this browser is offline\. The weights you had are still loaded\. You can download the file yourself from https:\/\/huggingface\.co\//);
    assert.equal(await page.isVisible('#download-manual'), true);
    assert.equal((await weightsInfo(page)).origin, 'starter');
    await context.setOffline(false);
    assert.deepEqual(errors.filter((e) => !/ERR_|net::|Failed to load resource/.test(e)), []);
  } finally {
    await browser.close();
    await app.close();
    await hf.close().catch(() => {});
  }
});

test('download failures: a wrong file\'s checksum, CORS, HTTP 404, cancel; nothing is kept and the weights stay', { timeout: 600_000, skip: !fs.existsSync(MODEL) && `${MODEL} is missing` }, async () => {
  const bytes = fs.readFileSync(MODEL);
  const hf = await fakeHuggingFace(MODEL);
  const app = await startApp();
  const browser = await launchBrowser({ args: [hf.rules, '--ignore-certificate-errors'] });
  const { page } = browser;
  try {
    const errors = collectConsoleErrors(page);
    // The page expects another digest: the file that arrives is not the one it asked for.
    await page.addInitScript(([n]) => { window.__alexnetTestSources = { primary: { name: 'bvlcalexnet-12.onnx', bytes: n, sha256: 'ab'.repeat(32), kind: 'f32' } }; }, [bytes.length]);
    await page.goto(`${app.url}#view=maps&layer=conv1`);
    await done(page);
    const top5 = await page.textContent('#top5');

    await page.click('#download-zoo');
    const mismatch = await message(page);
    console.log(`checksum: “${mismatch}”`);
    assert.match(mismatch, /^The downloaded file is not bvlcalexnet-12\.onnx: its SHA-256 does not match, so it was neither used nor kept\./);
    assert.equal((await weightsInfo(page)).origin, 'starter');
    assert.equal(await page.textContent('#top5'), top5);
    const kept = await page.evaluate(async () => (await caches.keys()).length ? (await (await caches.open('alexnet-weights-v2')).keys()).length : 0);
    assert.equal(kept, 0, 'a file that failed its checksum is not stored');

    // The CDN forgets its CORS header: the browser may not read the answer.
    hf.state.mode = 'no-cors';
    await clearMessage(page);
    await page.click('#download-zoo');
    assert.match(await message(page), /^Could not download the trained weights: huggingface\.co could not be reached, or its answer was blocked \(.*CORS\)/);

    hf.state.mode = 'hub-404';
    await clearMessage(page);
    await page.click('#download-zoo');
    assert.match(await message(page), /^Could not download the trained weights: huggingface\.co answered HTTP 404\./);

    // Cancel part-way.
    hf.state.mode = 'ok';
    hf.state.slow = true;
    await clearMessage(page);
    await page.click('#download-zoo');
    await page.waitForFunction(() => /MB\/s/.test(document.getElementById('download-text').textContent), null, TIMEOUT);
    await page.click('#download-cancel');
    assert.match(await message(page), /^The download was cancelled\. The weights you had are still loaded\./);
    assert.equal((await weightsInfo(page)).origin, 'starter');
    assert.equal(await page.isEnabled('#download-zoo'), true);
    assert.deepEqual(errors.filter((e) => !/ERR_|net::|Failed to load resource|CORS/.test(e)), []);
  } finally {
    await browser.close();
    await app.close();
    await hf.close();
  }
});
