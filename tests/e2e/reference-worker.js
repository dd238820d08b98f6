// Test worker for wasm-reference.test.mjs: runs one engine build (pkg/, pkg-relaxed/, pkg-threads/, …) on the
// generated reference model and input, and reports every layer's max relative error against onnxruntime's output.
// A worker, as in the app: the threads builds block in rayon joins, which a page's main thread may not do.
import { sessionFromBytes as loadSession } from '/www/worker/weights-sources.js';
import { decodeNpy } from '/www/shared/npy.js';
import { startPool } from '/www/worker/pool.js';

const npy = async (name) => decodeNpy(await (await fetch(`/tests/reference/out/${name}.npy`)).arrayBuffer()).data;

self.onmessage = async ({ data: { build, threads } }) => {
  try {
    const glue = new URL(`/${build}/alexnet_explainer.js`, self.location.href).href;
    const mod = await import(glue);
    await mod.default();
    if (threads > 1) await startPool(mod, glue, threads);
    const model = new Uint8Array(await (await fetch('/tests/reference/out/model.onnx')).arrayBuffer());
    const s = loadSession(mod, model);
    s.startInput(await npy('input'));
    const ids = [];
    for (let id = s.step(); id !== undefined; id = s.step()) ids.push(id);
    const layers = {};
    for (const id of ids) {
      const got = s.tensor(id);
      const want = await npy(id);
      let err = 0;
      let scale = 0;
      for (let i = 0; i < want.length; i++) {
        err = Math.max(err, Math.abs(got[i] - want[i]));
        scale = Math.max(scale, Math.abs(want[i]));
      }
      layers[id] = { n: got.length, m: want.length, rel: err / scale };
    }
    self.postMessage({
      layers, trained: s.weightsInfo().trained, relaxed: mod.relaxedSimd(), threads: mod.engineThreads(),
    });
  } catch (err) {
    self.postMessage({ error: String(err?.stack || err) });
  }
};
