// Unit tests of the client's fault handling (watchdog, fatal engine errors) and of its image header sniffing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createExplainer, sniffImage } from '../../www/client.js';
import { FakeWorker, flush } from './fake-worker.mjs';
import { rgbaPng, hugePng, imageFixture, HOSTILE_SVG } from '../e2e/hostile-fixtures.mjs';

const SPEC = { input: { id: 'data' }, layers: [{ id: 'conv1', kind: 'conv' }] };
const INFO = { source: 'untrained', format: 'seeded', dtype: 'f32', trained: false, params: 1 };
const image = () => ({ width: 1, height: 1, data: new Uint8ClampedArray([1, 2, 3, 255]) });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function setup(options = {}) {
  const workers = [];
  const client = createExplainer({ createWorker: () => { const w = new FakeWorker(); workers.push(w); return w; }, ...options });
  const events = [];
  for (const name of ['error', 'restart']) client.on(name, (p) => events.push([name, p]));
  return { client, workers, events, w: () => workers[workers.length - 1] };
}

async function ready(ctx) {
  await flush();
  ctx.w().reply({ id: ctx.w().last('init').id, type: 'ready', spec: SPEC, weightsInfo: INFO });
  return ctx.client.ready;
}

test('a worker that goes silent mid-pass is pinged, then replaced, and the pass runs again', async () => {
  const ctx = setup({ watchdogMs: 400 });
  await ready(ctx);
  const promise = ctx.client.run(image());
  await flush();
  const first = ctx.w();
  const run = first.last('run');
  assert.ok(run);
  // The worker dies without a word (terminated, out of memory in a way no event reports).
  let t0 = Date.now();
  while (!first.last('ping') && ctx.workers.length < 2 && Date.now() - t0 < 2000) await sleep(5);
  assert.ok(first.last('ping'), 'a silent worker is pinged first');
  t0 = Date.now();
  while (ctx.workers.length < 2 && Date.now() - t0 < 2000) await sleep(10);
  assert.equal(ctx.workers.length, 2, 'replaced after watchdogMs of silence');
  assert.ok(first.terminated);
  assert.match(ctx.events.find(([n]) => n === 'restart')[1].message, /did not answer/);
  await ready(ctx);
  await flush();
  const rerun = ctx.w().last('run');
  assert.ok(rerun, 'the pass is sent to the new worker');
  ctx.w().reply({ id: rerun.id, type: 'done', top: [], timings: {}, preprocess: {} });
  await promise;
  assert.equal(ctx.client.debug.stats().restarts, 1);
  ctx.client.destroy();
});

test('a worker that answers pings is left alone, however long a layer takes', async () => {
  const ctx = setup({ watchdogMs: 200 });
  await ready(ctx);
  const promise = ctx.client.run(image());
  await flush();
  const w = ctx.w();
  const timer = setInterval(() => { const p = w.last('ping'); if (p) w.reply({ id: 0, type: 'pong' }); }, 40);
  await sleep(600);
  clearInterval(timer);
  assert.equal(ctx.workers.length, 1);
  w.reply({ id: w.last('run').id, type: 'done', top: [], timings: {}, preprocess: {} });
  await promise;
  ctx.client.destroy();
});

test('an idle worker is never restarted by the watchdog', async () => {
  const ctx = setup({ watchdogMs: 100 });
  await ready(ctx);
  await sleep(400);
  assert.equal(ctx.workers.length, 1);
  assert.equal(ctx.w().last('ping'), undefined);
  ctx.client.destroy();
});

test('a fatal engine error fails that pass, replaces the worker, and does not re-run the image', async () => {
  const ctx = setup();
  await ready(ctx);
  const promise = ctx.client.run(image());
  await flush();
  const first = ctx.w();
  first.reply({ id: first.last('run').id, type: 'error', message: 'The engine stopped with an internal error (unreachable).', fatal: true });
  await assert.rejects(promise, /internal error/);
  assert.ok(first.terminated);
  assert.equal(ctx.workers.length, 2);
  await ready(ctx);
  await flush();
  assert.equal(ctx.w().last('run'), undefined, 'the input that tripped the engine is not sent again');
  assert.ok(ctx.events.some(([n, p]) => n === 'restart' && /internal error.*not run again/.test(p.message)));
  ctx.client.destroy();
});

test('sniffImage reads sizes from headers and recognises SVG, without throwing on garbage', () => {
  assert.deepEqual(sniffImage(rgbaPng(7, 3, () => [0, 0, 0, 0])), { type: 'png', width: 7, height: 3, orientation: 1 });
  assert.deepEqual(sniffImage(hugePng(2000)), { type: 'png', width: 2000, height: 2000, orientation: 1 });
  assert.deepEqual(sniffImage(imageFixture('photo.jpg')), { type: 'jpeg', width: 60, height: 40, orientation: 1 });
  assert.deepEqual(sniffImage(imageFixture('exif-rotate90.jpg')), { type: 'jpeg', width: 40, height: 60, orientation: 6 });
  assert.deepEqual(sniffImage(imageFixture('cmyk.jpg')), { type: 'jpeg', width: 32, height: 32, orientation: 1 });
  assert.deepEqual(sniffImage(imageFixture('animated.gif')), { type: 'gif', width: 16, height: 16, orientation: 1 });
  assert.deepEqual(sniffImage(HOSTILE_SVG), { type: 'svg' });
  assert.deepEqual(sniffImage(Buffer.from('\uFEFF  <?xml version="1.0"?>\n<svg xmlns="x"/>')), { type: 'svg' });
  assert.equal(sniffImage(Buffer.from('hello')), null);
  assert.equal(sniffImage(new Uint8Array(0)), null);
  // Every prefix of every fixture, and noise, must not throw.
  for (const b of [imageFixture('photo.jpg'), imageFixture('exif-rotate90.jpg'), rgbaPng(3, 3, () => [1, 2, 3, 4])]) {
    for (let n = 0; n <= b.length; n++) sniffImage(b.subarray(0, n));
  }
  let s = 7;
  for (let k = 0; k < 200; k++) {
    const noise = new Uint8Array(64).map(() => { s = (s * 1103515245 + 12345) >>> 0; return s >>> 24; });
    noise[0] = [0xff, 0x89, 0x47, 0x52][k % 4];
    noise[1] = 0xd8;
    sniffImage(noise);
  }
});
