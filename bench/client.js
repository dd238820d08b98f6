// Benchmark page for the path a user's page takes: createExplainer().run(photo) until done, every layer delivered.
//
// This is a page of its own, using only the public API (www/client.js), as an embedding page would. It times, per
// run, the whole of `await ex.run(blob)` with a real photo: decoding (in the decode worker), preprocessing, every
// layer computed and delivered to the page; the engine's own step() time comes from the run's `timings`, so the
// difference is what lies between the image and the page. The first run after the page loaded is reported apart
// (cold), then warm runs.
import { createExplainer, toPixels } from '../www/client.js';
import { median, publish } from './util.js';

const q = new URLSearchParams(location.search);
const threads = Number(q.get('threads') || 1);
const runs = Number(q.get('runs') || 10);
// A user's next photo comes after the page settled (the worker refills the arrays of the next pass's tensors
// while idle, ~5 ms of page faults), so warm runs are spaced this far apart; the same runs back to back are reported
// too (a batch would meet them).
const settleMs = Number(q.get('settle') ?? 100);
const modelUrl = new URL(q.get('model') || '../tests/reference/out/model.onnx', location.href).href;
const imageUrl = new URL(q.get('image') || '../www/samples/chelsea.jpg', location.href).href;
const out = document.getElementById('out');

async function main() {
  const tPage = performance.now();
  const ex = createExplainer({ weights: modelUrl, threads });
  const ready = await ex.ready;
  const readyMs = performance.now() - tPage;
  const blob = await (await fetch(imageUrl)).blob();
  let delivered = 0;
  ex.on('layer', () => delivered++);
  const layers = ready.spec.layers.length + 1;

  const one = async () => {
    delivered = 0;
    const t0 = performance.now();
    const r = await ex.run(blob);
    const ms = performance.now() - t0;
    if (delivered !== layers) throw new Error(`${delivered} of ${layers} layers were delivered`);
    const engineMs = Object.values(r.timings).reduce((a, b) => a + b, 0);
    const tr = r.trace;
    return {
      ms, engineMs, preprocessMs: r.timings.data, top: r.top,
      // Before the pixels were posted (decode), from posting to the worker taking them, tensor copies and posts in
      // the worker, waits between layers, and from the worker's last post to the page having `done`.
      beforeSendMs: tr.sent - (performance.timeOrigin + t0), toWorkerMs: tr.received - tr.sent, deliverMs: tr.deliverMs,
      yieldMs: tr.yieldMs, backMs: tr.done - tr.finished,
    };
  };
  // As a page would: the image arrives after the page settled, when the engine has warmed itself up.
  const warmUp = await ex.warmed;
  const cold = await one();
  const warm = [];
  for (let i = 0; i < runs + 2; i++) {
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    const r = await one();
    if (i >= 2) warm.push(r);
  }
  const backToBack = [];
  for (let i = 0; i < Math.max(5, Math.ceil(runs / 2)); i++) backToBack.push((await one()).ms);
  // Decoding alone, as run() does it (the decode worker): part of what the client path costs.
  const decodes = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await toPixels(blob);
    decodes.push(performance.now() - t0);
  }
  const med = (k) => median(warm.map((r) => r[k]));
  const result = {
    engine: 'client', threads, build: ready.engine.build, engineThreads: ready.engine.threads, runs: warm.map((r) => r.ms),
    medianMs: med('ms'), settleMs, backToBackMs: median(backToBack), engineMs: med('engineMs'), preprocessMs: med('preprocessMs'), decodeMs: median(decodes),
    overheadMs: med('ms') - med('engineMs'), coldMs: cold.ms, coldEngineMs: cold.engineMs, readyMs, warmUp,
    coldStages: { beforeSend: cold.beforeSendMs, toWorker: cold.toWorkerMs, preprocess: cold.preprocessMs, deliver: cold.deliverMs, yield: cold.yieldMs, back: cold.backMs },
    stages: { beforeSend: med('beforeSendMs'), toWorker: med('toWorkerMs'), deliver: med('deliverMs'), yield: med('yieldMs'), back: med('backMs') },
    layersDelivered: layers, top1: warm.at(-1).top[0], crossOriginIsolated,
  };
  ex.destroy();
  return result;
}

await publish(main, out);
