// The worker's idle-time work: touched arrays for the next pass, and the warm-up pass that gives way to a run.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createLayerBuffers, passLengths, warmEngine, WARM_PASSES } from '../../www/worker/idle.js';
import { loadSpec } from './spec-fixture.mjs';

const hop = () => Promise.resolve();

test('a pass needs one array per tensor: the input, then every layer, sized from the spec', () => {
  const { spec } = loadSpec();
  const lengths = passLengths(spec);
  assert.equal(lengths.length, spec.layers.length + 1);
  assert.equal(lengths[0], 3 * 227 * 227);
  const conv1 = spec.layers.findIndex((l) => l.id === 'conv1');
  assert.equal(lengths[conv1 + 1], 96 * 55 * 55);
  assert.equal(lengths.at(-1), 1000);
});

test('prepared arrays are handed out once each; then take() allocates', async () => {
  const b = createLayerBuffers();
  await b.refill([4, 4, 9], () => false, hop);
  assert.equal(b.ready(4), 2);
  assert.equal(b.ready(9), 1);
  const a1 = b.take(4);
  const a2 = b.take(4);
  assert.notEqual(a1, a2);
  assert.equal(a1.length, 4);
  assert.equal(b.ready(4), 0);
  assert.equal(b.take(4).length, 4, 'none ready: a new one');
});

test('a refill stops as soon as real work arrives, and a later one tops up only what is missing', async () => {
  const b = createLayerBuffers();
  let polls = 0;
  await b.refill([5, 5, 5], () => ++polls > 1, hop);
  assert.equal(b.ready(5), 1, 'stopped after the first array');
  await b.refill([5, 5], () => false, hop);
  await b.refill([5, 5], () => false, hop);
  assert.equal(b.ready(5), 2, 'never more than one pass needs');
});

test('a refill started while another runs joins it instead of filling past one pass', async () => {
  const b = createLayerBuffers();
  await Promise.all([b.refill([6, 6], () => false, hop), b.refill([6, 6], () => false, hop)]);
  assert.equal(b.ready(6), 2);
});

test('the warm-up runs every step of its passes unless stopped, and a failing engine only costs the warm-up', async () => {
  let starts = 0;
  let steps = 0;
  let left = 0;
  const fake = { warmStart() { starts++; left = 3; }, warmStep: () => { steps++; return left-- > 0; } };
  assert.equal((await warmEngine(fake, () => false, hop)).completed, true);
  assert.equal(WARM_PASSES, 3);
  assert.deepEqual([starts, steps], [WARM_PASSES, 4 * WARM_PASSES], 'each pass ran to its end');
  starts = 0;
  steps = 0;
  let polls = 0;
  assert.equal((await warmEngine(fake, () => ++polls > 2, hop)).completed, false);
  assert.deepEqual([starts, steps], [1, 2], 'it stopped early, in the first pass');
  const broken = { warmStart() { throw new Error('no memory'); }, warmStep: () => true };
  const warn = console.warn;
  console.warn = () => {};
  try {
    assert.equal((await warmEngine(broken, () => false, hop)).completed, false);
  } finally {
    console.warn = warn;
  }
});
