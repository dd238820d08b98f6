// Unit tests of www/client.js against a fake Worker: request ids, stale replies, cancel, and restart after a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createExplainer, toPixels } from '../../www/client.js';
import { FakeWorker, flush } from './fake-worker.mjs';

const SPEC = { input: { id: 'data' }, layers: [{ id: 'conv1', kind: 'conv' }] };
const INFO = { source: 'untrained', format: 'seeded', dtype: 'f32', trained: false, params: 60965224 };
const image = () => ({ width: 2, height: 1, data: new Uint8ClampedArray([1, 2, 3, 255, 4, 5, 6, 255]) });

/** A client with fake workers; `workers` collects every worker the client spawns. */
function setup(weights = null) {
  const workers = [];
  const client = createExplainer({ weights, createWorker: () => { const w = new FakeWorker(); workers.push(w); return w; } });
  const events = [];
  for (const name of ['progress', 'ready', 'start', 'layer', 'done', 'error', 'restart']) client.on(name, (p) => events.push([name, p]));
  return { client, workers, events, w: () => workers[workers.length - 1] };
}

async function ready(ctx) {
  await flush();
  const init = ctx.w().last('init');
  ctx.w().reply({ id: init.id, type: 'ready', spec: SPEC, weightsInfo: INFO });
  return ctx.client.ready;
}

test('init sends the weights and ready resolves with the spec', async () => {
  const ctx = setup('weights/alexnet.onnx');
  await flush();
  const init = ctx.w().last('init');
  assert.equal(init.weights, 'weights/alexnet.onnx');
  ctx.w().reply({ id: init.id, type: 'progress', loaded: 5, total: 10 });
  const engine = { threads: 2, mode: 'two threads' };
  ctx.w().reply({ id: init.id, type: 'ready', spec: SPEC, weightsInfo: INFO, engine });
  const got = await ctx.client.ready;
  // What the browser has stored, and whether this load stored its weights: nothing here.
  assert.deepEqual(got, { spec: SPEC, weightsInfo: INFO, engine, stored: null, storedNow: null, from: null });
  assert.deepEqual(ctx.events.find(([n]) => n === 'progress')[1], { loaded: 5, total: 10 });
  assert.deepEqual(ctx.client.info(), got);
});

test('run transfers a copy of the pixels and resolves on done', async () => {
  const ctx = setup();
  await ready(ctx);
  const src = image();
  const promise = ctx.client.run(src);
  await flush();
  const sent = ctx.w().sent.at(-1);
  assert.equal(sent.msg.type, 'run');
  assert.deepEqual([...sent.msg.pixels.data], [...src.data]);
  assert.notEqual(sent.msg.pixels.data, src.data, 'the caller keeps its own pixels');
  assert.equal(sent.transfer[0], sent.msg.pixels.data.buffer);
  const data = new Float32Array([1, 2, 3]);
  ctx.w().reply({ id: sent.msg.id, type: 'layer', layer: 'conv1', shape: [3], data });
  ctx.w().reply({ id: sent.msg.id, type: 'done', top: [{ index: 1, name: 'a', prob: 1, logit: 2 }], timings: { conv1: 3 }, preprocess: {} });
  const result = await promise;
  assert.equal(result.top[0].name, 'a');
  assert.equal(result.timings.conv1, 3);
  const layers = ctx.events.filter(([n]) => n === 'layer');
  assert.equal(layers.length, 1);
  assert.equal(layers[0][1].data, data);
});

test('the threads asked for go with every init, and warmed resolves when the worker says so', async () => {
  const workers = [];
  const client = createExplainer({ threads: 1, createWorker: () => { const w = new FakeWorker(); workers.push(w); return w; } });
  const warmedEvents = [];
  client.on('warmed', (e) => warmedEvents.push(e));
  await flush();
  const w = workers[0];
  assert.equal(w.last('init').threads, 1);
  w.reply({ id: w.last('init').id, type: 'ready', spec: SPEC, weightsInfo: INFO });
  await client.ready;
  client.loadWeights('other.onnx').catch(() => {});
  await flush();
  assert.equal(w.last('init').threads, 1, 'a later load keeps the choice');
  w.reply({ id: -1, type: 'warmed', completed: true, ms: 12 });
  assert.deepEqual(await client.warmed, { completed: true, ms: 12 });
  assert.deepEqual(warmedEvents, [{ completed: true, ms: 12 }]);
  client.destroy();
  const plain = setup();
  await flush();
  assert.equal('threads' in plain.w().last('init'), false, 'no choice: the worker takes the best the page allows');
  plain.client.destroy();
});

test('a run result carries the worker trace with the page send and done times', async () => {
  const ctx = setup();
  await ready(ctx);
  const before = performance.timeOrigin + performance.now();
  const promise = ctx.client.run(image());
  await flush();
  const { msg } = ctx.w().sent.at(-1);
  ctx.w().reply({ id: msg.id, type: 'done', top: [], timings: {}, preprocess: {}, trace: { received: before + 1, deliverMs: 2, yieldMs: 3, finished: before + 4 } });
  const { trace } = await promise;
  assert.equal(trace.deliverMs, 2);
  assert.equal(trace.yieldMs, 3);
  assert.ok(trace.sent >= before && trace.done >= trace.sent, JSON.stringify(trace));
});

test('a newer run supersedes the older one and the older run\'s replies are dropped', async () => {
  const ctx = setup();
  await ready(ctx);
  const first = ctx.client.run(image());
  const firstRejected = assert.rejects(first, (err) => err.cancelled === true);
  await flush();
  const idA = ctx.w().last('run').id;
  const second = ctx.client.run(image());
  await flush();
  const idB = ctx.w().last('run').id;
  assert.notEqual(idA, idB);
  await firstRejected;
  ctx.w().reply({ id: idA, type: 'layer', layer: 'conv1', shape: [1], data: new Float32Array(1) });
  ctx.w().reply({ id: idA, type: 'done', top: [], timings: {}, preprocess: {} });
  ctx.w().reply({ id: idA, type: 'error', message: 'The pass was cancelled.', cancelled: true });
  assert.equal(ctx.events.filter(([n]) => n === 'layer' || n === 'done' || n === 'error').length, 0);
  ctx.w().reply({ id: idB, type: 'layer', layer: 'conv1', shape: [1], data: new Float32Array(1) });
  ctx.w().reply({ id: idB, type: 'done', top: [], timings: {}, preprocess: {} });
  await second;
  assert.deepEqual(ctx.events.filter(([n]) => n === 'layer').map(([, p]) => p.runId), [idB]);
});

test('cancel sends the target id, rejects the run, and later replies are stale', async () => {
  const ctx = setup();
  await ready(ctx);
  const promise = ctx.client.run(image());
  await flush();
  const id = ctx.w().last('run').id;
  ctx.client.cancel();
  assert.equal(ctx.w().last('cancel').target, id);
  await assert.rejects(promise, (err) => err.cancelled === true);
  ctx.w().reply({ id, type: 'layer', layer: 'conv1', shape: [1], data: new Float32Array(1) });
  assert.equal(ctx.events.filter(([n]) => n === 'layer').length, 0);
});

test('get resolves with the value and rejects with the worker\'s message', async () => {
  const ctx = setup();
  await ready(ctx);
  const a = ctx.client.get('bias', { layer: 'conv1' });
  await flush();
  const req = ctx.w().last('get');
  assert.equal(req.what, 'bias');
  assert.equal(req.layer, 'conv1');
  ctx.w().reply({ id: req.id, type: 'data', value: new Float32Array([7]) });
  assert.equal((await a)[0], 7);
  const b = ctx.client.get('kernel', { layer: 'relu1', oc: 0 });
  await flush();
  ctx.w().reply({ id: ctx.w().last('get').id, type: 'error', message: 'relu1 has no kernels' });
  await assert.rejects(b, /relu1 has no kernels/);
});

test('a run error is reported as an event and rejects the run', async () => {
  const ctx = setup();
  await ready(ctx);
  const promise = ctx.client.run(image());
  await flush();
  ctx.w().reply({ id: ctx.w().last('run').id, type: 'error', message: 'bad image' });
  await assert.rejects(promise, /bad image/);
  assert.deepEqual(ctx.events.filter(([n]) => n === 'error').map(([, p]) => p.message), ['bad image']);
});

test('run waits for ready before posting', async () => {
  const ctx = setup();
  const promise = ctx.client.run(image());
  await flush();
  assert.equal(ctx.w().last('run'), undefined);
  await ready(ctx);
  await flush();
  const run = ctx.w().last('run');
  assert.ok(run);
  ctx.w().reply({ id: run.id, type: 'done', top: [], timings: {}, preprocess: {} });
  await promise;
});

test('a dead worker is replaced, re-initialised with the same weights, and the pass is run again', async () => {
  const ctx = setup('w.onnx');
  await ready(ctx);
  const promise = ctx.client.run(image());
  await flush();
  const oldWorker = ctx.w();
  const oldId = oldWorker.last('run').id;
  oldWorker.crash('out of memory');
  assert.equal(oldWorker.terminated, true);
  assert.equal(ctx.workers.length, 2);
  const restart = ctx.events.find(([n]) => n === 'restart');
  assert.match(restart[1].message, /out of memory/);
  await flush();
  const init = ctx.w().last('init');
  assert.equal(init.weights, 'w.onnx');
  ctx.w().reply({ id: init.id, type: 'ready', spec: SPEC, weightsInfo: INFO });
  await flush();
  const rerun = ctx.w().last('run');
  assert.ok(rerun, 'the last image is sent again');
  assert.notEqual(rerun.id, oldId);
  assert.deepEqual([...rerun.pixels.data], [...image().data]);
  // A late reply of the dead worker's pass must not leak into the new pass.
  oldWorker.reply({ id: oldId, type: 'done', top: [{ name: 'stale' }], timings: {}, preprocess: {} });
  ctx.w().reply({ id: rerun.id, type: 'done', top: [{ name: 'fresh' }], timings: {}, preprocess: {} });
  assert.equal((await promise).top[0].name, 'fresh');
});

test('after a crash with no pass in flight, the last image is re-run for the views', async () => {
  const ctx = setup();
  await ready(ctx);
  const promise = ctx.client.run(image());
  await flush();
  ctx.w().reply({ id: ctx.w().last('run').id, type: 'done', top: [], timings: {}, preprocess: {} });
  await promise;
  ctx.w().crash();
  await flush();
  ctx.w().reply({ id: ctx.w().last('init').id, type: 'ready', spec: SPEC, weightsInfo: INFO });
  await flush();
  assert.ok(ctx.w().last('run'));
});

test('a file goes to the worker as it is; its decoded pixels start the pass; a file it cannot decode is not re-run', async () => {
  const ctx = setup();
  await ready(ctx);
  // A file the worker decodes: the page emits 'start' with the worker's pixels, before the first layer.
  const file = new Blob([new Uint8Array([1, 2, 3])], { type: 'image/png' });
  const first = ctx.client.run(file);
  await flush();
  const sent = ctx.w().last('run');
  assert.equal(sent.file, file);
  assert.equal(sent.pixels, undefined);
  assert.equal(ctx.events.filter(([n]) => n === 'start').length, 0, 'no start before the worker decoded the file');
  const pixels = image();
  ctx.w().reply({ id: sent.id, type: 'source', pixels });
  assert.equal(ctx.events.find(([n]) => n === 'start')[1].pixels, pixels);
  ctx.w().reply({ id: sent.id, type: 'done', top: [], timings: {}, preprocess: {} });
  await first;
  // A broken file: its error rejects the run, and a restart re-runs the pixels before it, not the file.
  const broken = ctx.client.run(new Blob([new Uint8Array([0])]));
  await flush();
  ctx.w().reply({ id: ctx.w().last('run').id, type: 'error', message: 'The file is not an image.' });
  await assert.rejects(broken, /not an image/);
  ctx.w().crash();
  await flush();
  ctx.w().reply({ id: ctx.w().last('init').id, type: 'ready', spec: SPEC, weightsInfo: INFO });
  await flush();
  const rerun = ctx.w().last('run');
  assert.equal(rerun.file, undefined);
  assert.deepEqual([...rerun.pixels.data], [...pixels.data]);
});

test('the client gives up after repeated crashes', async () => {
  const ctx = setup();
  await ready(ctx);
  for (let i = 0; i < 4; i++) ctx.w().crash(`crash ${i}`);
  assert.equal(ctx.workers.length, 4);
  const errors = ctx.events.filter(([n]) => n === 'error');
  assert.match(errors.at(-1)[1].message, /keeps stopping/);
  await assert.rejects(ctx.client.run(image()), /destroyed/);
});

test('a failed loadWeights keeps the previous weights', async () => {
  const ctx = setup();
  const first = await ready(ctx);
  const attempt = ctx.client.loadWeights('broken.onnx');
  await flush();
  ctx.w().reply({ id: ctx.w().last('init').id, type: 'error', message: 'not an ONNX file' });
  await assert.rejects(attempt, /not an ONNX file/);
  assert.deepEqual(ctx.client.info(), first);
  // Runs still go through on the old session.
  const run = ctx.client.run(image());
  await flush();
  ctx.w().reply({ id: ctx.w().last('run').id, type: 'done', top: [], timings: {}, preprocess: {} });
  await run;
});

test('toPixels copies ImageData-like input and rejects unusable input', async () => {
  const src = image();
  const px = await toPixels(src);
  assert.equal(px.width, 2);
  assert.notEqual(px.data, src.data);
  assert.deepEqual([...px.data], [...src.data]);
  await assert.rejects(toPixels(42), /needs an ImageData/);
  await assert.rejects(toPixels({ width: 0, height: 0, data: new Uint8ClampedArray(0) }), /empty/);
});

test('weights: the latest load wins; the one it superseded rejects as cancelled', async () => {
  const ctx = setup();
  await ready(ctx);
  const first = ctx.client.loadWeights('a.onnx');
  const second = ctx.client.loadWeights('b.onnx');
  await flush();
  const inits = ctx.w().sent.map((s) => s.msg).filter((m) => m.type === 'init');
  assert.deepEqual(inits.slice(-2).map((m) => m.weights), ['a.onnx', 'b.onnx'], 'sent in the order chosen');
  // The worker cancels the first when the second arrives, and answers the second.
  ctx.w().reply({ id: inits.at(-2).id, type: 'error', message: 'Loading these weights was cancelled by a newer choice.', cancelled: true });
  ctx.w().reply({ id: inits.at(-1).id, type: 'ready', spec: SPEC, weightsInfo: { ...INFO, file: 'b.onnx' } });
  await assert.rejects(first, (e) => e.cancelled === true);
  assert.equal((await second).weightsInfo.file, 'b.onnx');
  assert.equal(ctx.client.info().weightsInfo.file, 'b.onnx');
});

test('weights: a refused file that grew wasm memory gets the worker replaced, with the weights it had', async () => {
  const ctx = setup();
  await ready(ctx);
  const before = ctx.workers.length;
  const old = ctx.w();
  const load = ctx.client.loadWeights('huge.onnx');
  await flush();
  const init = ctx.w().last('init');
  ctx.w().reply({ id: init.id, type: 'error', message: 'not a readable ONNX file', grewBy: 300e6 });
  await assert.rejects(load, /not a readable ONNX file/);
  assert.equal(ctx.workers.length, before + 1, 'a second worker');
  const fresh = ctx.w();
  assert.equal(fresh.last('init').weights, null, 'it is given the weights the page had');
  assert.equal(old.terminated, false, 'the old worker stays until the new one is ready');
  // A load chosen while the new worker starts waits for it, and Cancel before it is sent stops it there.
  const next = ctx.client.loadWeights('c.onnx');
  ctx.client.cancelLoad();
  fresh.reply({ id: fresh.last('init').id, type: 'ready', spec: SPEC, weightsInfo: INFO });
  await assert.rejects(next, (e) => e.cancelled === true);
  await flush();
  assert.equal(old.terminated, true, 'replaced once the new worker was ready');
  assert.equal(ctx.client.debug.stats().recycled, 1);
  assert.ok(!fresh.sent.some((s) => s.msg.weights === 'c.onnx'), 'the cancelled load was never sent');
  // A small refusal keeps the worker.
  const small = ctx.client.loadWeights('x.onnx');
  await flush();
  ctx.w().reply({ id: ctx.w().last('init').id, type: 'error', message: 'no', grewBy: 1e6 });
  await assert.rejects(small, /no/);
  assert.equal(ctx.client.debug.stats().recycled, 1);
});

test('weights: when the replacement worker cannot start, the old one stays and keeps working', async () => {
  const ctx = setup();
  await ready(ctx);
  const old = ctx.w();
  const load = ctx.client.loadWeights('huge.onnx');
  await flush();
  old.reply({ id: old.last('init').id, type: 'error', message: 'refused', grewBy: 300e6 });
  await assert.rejects(load, /refused/);
  ctx.w().crash('its script could not be fetched (offline)');
  await flush();
  assert.equal(old.terminated, false);
  assert.equal(ctx.client.debug.stats().restarts, 0, 'not a crash of the engine the page uses');
  // The page's worker still answers.
  const q = ctx.client.get('top', { k: 5 });
  await flush();
  old.reply({ id: old.last('get').id, type: 'data', value: [] });
  assert.deepEqual(await q, []);
});

test('cancelLoad stops the download in flight', async () => {
  const ctx = setup();
  await ready(ctx);
  const load = ctx.client.loadWeights({ source: 'zoo' });
  await flush();
  const init = ctx.w().last('init');
  ctx.w().reply({ id: init.id, type: 'progress', loaded: 10, total: 100, rate: 5, eta: 18 });
  ctx.client.cancelLoad();
  assert.equal(ctx.w().last('cancel').target, init.id);
  ctx.w().reply({ id: init.id, type: 'error', message: 'Loading these weights was cancelled by a newer choice.', cancelled: true });
  await assert.rejects(load, (e) => e.cancelled === true);
  assert.deepEqual(ctx.events.filter(([n]) => n === 'progress').at(-1)[1], { loaded: 10, total: 100, rate: 5, eta: 18 });
});
