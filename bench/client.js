// Benchmark page for the path a user's page takes: createExplainer().run(photo) until done, every layer delivered.
//
// This is a page of its own, using only the public API (www/client.js), as an embedding page would. It times, per
// run, the whole of `await ex.run(blob)` with a real photo: decoding (in the decode worker), preprocessing, every
// layer computed and delivered to the page; the engine's own step() time comes from the run's `timings`, so the
// difference is what lies between the image and the page. The first run after the page loaded is reported apart
// (cold), then warm runs.
//
// The peer, onnxruntime-web with as many threads, runs in the same page, interleaved with ours: round i runs one
// of each, in alternating order, each after the same settling pause. This machine's speed drifts by tens of per cent
// within minutes (shared hosts), so ratios taken within a round, whose two runs are milliseconds apart, are what
// the report trusts; pages run one after the other compare two different machines. `?peer=none` leaves it out.
import { createExplainer, toPixels } from '../www/client.js';
import { median, publish } from './util.js';
import { ortSession } from './ort.js';
import { measureFloor } from './floor.js';
import { passLengths } from '../www/worker/idle.js';

const q = new URLSearchParams(location.search);
const threads = Number(q.get('threads') || 1);
const runs = Number(q.get('runs') || 10);
// A user's next photo comes after the page settled (the worker refills the arrays of the next pass's tensors
// while idle, ~5 ms of page faults), so warm runs are spaced this far apart; the same runs back to back are reported
// too (a batch would meet them).
const settleMs = Number(q.get('settle') ?? 100);
const modelUrl = new URL(q.get('model') || '../tests/reference/out/model.onnx', location.href).href;
const imageUrl = new URL(q.get('image') || '../www/samples/chelsea.jpg', location.href).href;
const peer = q.get('peer') ?? 'ort';
const out = document.getElementById('out');

async function main() {
  const tPage = performance.now();
  const ex = createExplainer({ weights: modelUrl, threads });
  const ready = await ex.ready;
  const readyMs = performance.now() - tPage;
  const blob = await (await fetch(imageUrl)).blob();
  // ?source=pixels runs on pixels decoded once beforehand (a fresh copy per run), to tell the decode's cost and
  // its effect on the layers apart from the rest of the path.
  const decoded = q.get('source') === 'pixels' ? await toPixels(blob) : null;
  const input = () => (decoded ? { width: decoded.width, height: decoded.height, data: decoded.data.slice() } : blob);
  let delivered = 0;
  ex.on('layer', () => delivered++);
  const layers = ready.spec.layers.length + 1;

  const one = async () => {
    delivered = 0;
    const t0 = performance.now();
    const r = await ex.run(input());
    const ms = performance.now() - t0;
    if (delivered !== layers) throw new Error(`${delivered} of ${layers} layers were delivered`);
    const engineMs = Object.values(r.timings).reduce((a, b) => a + b, 0);
    const tr = r.trace;
    return {
      ms, engineMs, preprocessMs: r.timings.data, top: r.top, timings: r.timings,
      // Before the request was posted (a decode on the page, for pixels), from posting to the worker taking it, the
      // file's decode in the engine worker, tensor copies and posts in the worker, waits between layers, and from
      // the worker's last post to the page having `done`.
      beforeSendMs: tr.sent - (performance.timeOrigin + t0), toWorkerMs: tr.received - tr.sent, workerDecodeMs: tr.decodeMs ?? 0,
      deliverMs: tr.deliverMs, yieldMs: tr.yieldMs, backMs: tr.done - tr.finished,
    };
  };
  const settle = () => new Promise((resolve) => setTimeout(resolve, settleMs));
  // As a page would: the image arrives after the page settled, when the engine has warmed itself up. The peer's
  // session is built only after this first pass: a user's page has no onnxruntime-web starting its threads beside
  // ours. Built before, as until now, its start-up ran during our warm-up: in one run the last warm-up pass took 38 ms
  // (about 20 otherwise) and the first pass 2.23x a warm one.
  const warmUp = await ex.warmed;
  const cold = await one();
  const ort = peer === 'ort' ? await ortSession({ threads, modelUrl }) : null;
  for (let i = 0; i < 3 && ort; i++) await ort.run();
  const warm = [];
  const peerMs = [];
  const ratios = [];
  for (let i = 0; i < runs + 2; i++) {
    let ours;
    let theirs = null;
    for (const who of i % 2 ? ['ours', 'peer'] : ['peer', 'ours']) {
      if (who === 'peer' && !ort) continue;
      await settle();
      if (who === 'ours') ours = await one();
      else theirs = await ort.run();
    }
    if (i < 2) continue;
    warm.push(ours);
    if (theirs !== null) {
      peerMs.push(theirs);
      ratios.push(ours.ms / theirs);
    }
  }
  // Back to back (a batch would meet them): each engine's runs one after another, ours and then the peer's.
  const backToBack = [];
  for (let i = 0; i < Math.max(5, Math.ceil(runs / 2)); i++) backToBack.push((await one()).ms);
  const peerBackToBack = [];
  for (let i = 0; i < Math.max(5, Math.ceil(runs / 2)) && ort; i++) peerBackToBack.push(await ort.run());
  // Decoding alone in the page's decode worker (a round trip from the page): what run() did with files before they
  // went to the engine worker, and still does with other images.
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
    coldLayers: cold.timings,
    coldStages: { beforeSend: cold.beforeSendMs, toWorker: cold.toWorkerMs, workerDecode: cold.workerDecodeMs, preprocess: cold.preprocessMs, deliver: cold.deliverMs, yield: cold.yieldMs, back: cold.backMs },
    stages: { beforeSend: med('beforeSendMs'), toWorker: med('toWorkerMs'), workerDecode: med('workerDecodeMs'), deliver: med('deliverMs'), yield: med('yieldMs'), back: med('backMs') },
    // Each layer's step() time on this path (median over the warm runs), to set beside the engine-only bench's.
    layerMs: Object.fromEntries(Object.keys(warm[0].timings).map((id) => [id, median(warm.map((r) => r.timings[id]))])),
    runLayers: warm.map((r) => r.timings), runStages: warm.map((r) => ({ decode: r.workerDecodeMs, deliver: r.deliverMs, yield: r.yieldMs, back: r.backMs })),
    layersDelivered: layers, top1: warm.at(-1).top[0], crossOriginIsolated,
    peer: ort ? { engine: 'ort', threads, medianMs: median(peerMs), runs: peerMs, ratio: median(ratios), ratios, backToBackMs: median(peerBackToBack) } : null,
  };
  ex.destroy();
  // The browser's own costs on this path, bare, with the engine gone: the least its overhead could be.
  const lengths = passLengths(ready.spec);
  result.floor = { ...(await measureFloor(blob, lengths, ready.engine.threads)), copyMB: (4 * lengths.reduce((a, b) => a + b, 0)) / 1e6 };
  return result;
}

await publish(main, out);
