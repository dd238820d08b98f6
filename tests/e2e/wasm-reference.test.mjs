// The wasm engine in headless Chromium against onnxruntime: the generated random-weight AlexNet's conv1, pool1,
// fc8 and prob (tests/reference/out, made by the native suite's reference run) must match within 1e-4.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, startApp, launchBrowser, collectConsoleErrors } from './harness.mjs';

const OUT = path.join(REPO_ROOT, 'tests/reference/out');

test('wasm forward pass matches onnxruntime on conv1, pool1, fc8, prob', { timeout: 180_000 }, async () => {
  assert.ok(existsSync(path.join(OUT, 'model.onnx')), 'run the native suite first: it generates tests/reference/out');
  const app = await startApp();
  const { page, close } = await launchBrowser();
  const errors = collectConsoleErrors(page);
  try {
    await page.goto(`${app.url}tests/e2e/blank.html`);
    const result = await page.evaluate(async () => {
      // A test page may compute on its main thread; the app itself never does.
      const { default: init, Session } = await import('/pkg/alexnet_explainer.js');
      await init();
      const npy = async (name) => {
        const buf = await (await fetch(`/tests/reference/out/${name}.npy`)).arrayBuffer();
        const view = new DataView(buf);
        const hlen = view.getUint16(8, true);
        return new Float32Array(buf.slice(10 + hlen));
      };
      const model = new Uint8Array(await (await fetch('/tests/reference/out/model.onnx')).arrayBuffer());
      const s = Session.fromBytes(model);
      s.startInput(await npy('input'));
      while (s.step() !== undefined) { /* run every layer */ }
      const out = {};
      for (const id of ['conv1', 'pool1', 'fc8', 'prob']) {
        const got = s.tensor(id);
        const want = await npy(id);
        let err = 0, scale = 0;
        for (let i = 0; i < want.length; i++) {
          err = Math.max(err, Math.abs(got[i] - want[i]));
          scale = Math.max(scale, Math.abs(want[i]));
        }
        out[id] = { n: got.length, m: want.length, rel: err / scale };
      }
      out.trained = s.weightsInfo().trained;
      return out;
    });
    for (const id of ['conv1', 'pool1', 'fc8', 'prob']) {
      assert.equal(result[id].n, result[id].m, `${id} length`);
      assert.ok(result[id].rel <= 1e-4, `${id}: max relative error ${result[id].rel}`);
    }
    assert.equal(result.trained, false);
    console.log('wasm vs onnxruntime, max rel. error:', Object.fromEntries(['conv1', 'pool1', 'fc8', 'prob'].map((k) => [k, result[k].rel.toExponential(2)])));
    assert.deepEqual(errors, []);
  } finally {
    await close();
    await app.close();
  }
});
