// The wasm engine in headless Chromium against onnxruntime: every layer of the generated random-weight AlexNet
// (tests/reference/out, made by the native suite's reference run) must match within 1e-4, in every engine build
// that exists (pkg/, pkg-relaxed/, pkg-threads/, pkg-threads-relaxed/: their conv and fc kernels differ).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, startApp, launchBrowser, collectConsoleErrors } from './harness.mjs';

const OUT = path.join(REPO_ROOT, 'tests/reference/out');
const BUILDS = [
  { build: 'pkg', threads: 1, relaxed: false },
  { build: 'pkg-relaxed', threads: 1, relaxed: true },
  { build: 'pkg-threads', threads: 2, relaxed: false },
  { build: 'pkg-threads-relaxed', threads: 2, relaxed: true },
].filter((b) => b.build === 'pkg' || existsSync(path.join(REPO_ROOT, b.build, 'alexnet_explainer.js')));

test(`wasm forward pass matches onnxruntime on every layer (${BUILDS.map((b) => `${b.build}/`).join(', ')})`, { timeout: 300_000 }, async () => {
  assert.ok(existsSync(path.join(OUT, 'model.onnx')), 'run the native suite first: it generates tests/reference/out');
  const app = await startApp();
  const { page, close } = await launchBrowser();
  const errors = collectConsoleErrors(page);
  try {
    await page.goto(`${app.url}tests/e2e/blank.html`);
    for (const b of BUILDS) {
      const result = await page.evaluate((msg) => new Promise((resolve) => {
        const w = new Worker('/tests/e2e/reference-worker.js', { type: 'module' });
        w.onmessage = (e) => { w.terminate(); resolve(e.data); };
        w.onerror = (e) => resolve({ error: e.message });
        w.postMessage(msg);
      }), { build: b.build, threads: b.threads });
      assert.equal(result.error, undefined, `${b.build}: ${result.error}`);
      const ids = Object.keys(result.layers);
      assert.equal(ids.length, 21, `${b.build}: every layer ran`);
      for (const id of ids) {
        const l = result.layers[id];
        assert.equal(l.n, l.m, `${b.build} ${id} length`);
        assert.ok(l.rel <= 1e-4, `${b.build} ${id}: max relative error ${l.rel}`);
      }
      assert.equal(result.trained, false);
      assert.equal(result.relaxed, b.relaxed, `${b.build} is ${b.relaxed ? '' : 'not '}the relaxed-SIMD build`);
      assert.equal(result.threads, b.threads, `${b.build} threads`);
      const worst = ids.reduce((m, id) => (result.layers[id].rel > result.layers[m].rel ? id : m), ids[0]);
      console.log(`${b.build}/ vs onnxruntime: worst layer ${worst} ${result.layers[worst].rel.toExponential(2)};`,
        Object.fromEntries(['conv1', 'conv5', 'fc8', 'prob'].map((k) => [k, result.layers[k].rel.toExponential(1)])));
    }
    assert.deepEqual(errors, []);
  } finally {
    await close();
    await app.close();
  }
});
