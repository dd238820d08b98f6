// Unit tests of www/shared/geometry.js against the spec table (tests/fixtures/spec.json, the Rust spec's dump).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  outSize, formulaText, layerFormulaText, convWindow, poolWindow, sweepPositions, positionAt, poolCoverage, towerOf,
  towerChannels, inputChannelRange, fcInputs, receptiveField, receptiveWindow, kernelText, shapeText, toyConv, lrnWindow,
} from '../../www/shared/geometry.js';
import { findLayer } from '../../www/shared/data-row.js';
import { loadSpec } from './spec-fixture.mjs';

const { spec, source } = loadSpec();
const L = (id) => findLayer(spec, id);

test(`spec source: ${source}`, () => {
  assert.ok(spec.layers.length >= 21);
});

test('outSize: 227 gives 55, 224 gives 54.25 (the seed\'s point about the input size)', () => {
  assert.deepEqual(outSize(227, 11, 0, 4), { out: 55, exact: 55, num: 216, den: 4, integral: true });
  const bad = outSize(224, 11, 0, 4);
  assert.equal(bad.exact, 54.25);
  assert.equal(bad.integral, false);
  assert.equal(bad.out, 54);
  assert.equal(outSize(5, 3, 0, 1).out, 3); // the seed's toy example
  assert.equal(outSize(55, 3, 0, 2).out, 27);
  assert.equal(outSize(27, 3, 0, 2).out, 13);
  assert.equal(outSize(13, 3, 0, 2).out, 6);
  assert.equal(formulaText(227, 11, 0, 4), '(227 − 11 + 2·0)/4 + 1 = 55');
  assert.equal(formulaText(224, 11, 0, 4), '(224 − 11 + 2·0)/4 + 1 = 54.25');
});

test('every conv and pool row agrees with the formula and its own formula field', () => {
  for (const l of spec.layers.filter((l) => l.kind === 'conv' || l.kind === 'pool')) {
    const [, h, w] = l.in_shape;
    const r = outSize(w, l.k, l.pad, l.stride);
    assert.ok(r.integral, `${l.id} is integral`);
    assert.equal(r.out, l.out_shape[2], l.id);
    assert.equal(outSize(h, l.k, l.pad, l.stride).out, l.out_shape[1], l.id);
    assert.deepEqual(l.formula, { w, f: l.k, p: l.pad, s: l.stride, out: r.out }, l.id);
  }
});

test('layerFormulaText: the spec\'s own numbers and result, the same text the formula gives', () => {
  for (const l of spec.layers.filter((l) => l.formula)) {
    const { w, f, p, s } = l.formula;
    assert.equal(layerFormulaText(l), formulaText(w, f, p, s), l.id);
  }
  assert.equal(layerFormulaText(L('conv2')), '(27 − 5 + 2·2)/1 + 1 = 27');
  assert.equal(layerFormulaText(L('pool5')), '(13 − 3 + 2·0)/2 + 1 = 6');
});

test('convWindow: conv1 corners, conv2 padding', () => {
  const c1 = L('conv1');
  const w0 = convWindow(c1, 0, 0);
  assert.deepEqual([w0.y0, w0.x0, w0.y1, w0.x1], [0, 0, 11, 11]);
  const wl = convWindow(c1, 54, 54);
  assert.deepEqual([wl.y0, wl.x0, wl.y1, wl.x1], [216, 216, 227, 227]);
  assert.deepEqual(wl.clip, { y0: 216, x0: 216, y1: 227, x1: 227 });
  const c2 = L('conv2');
  const p = convWindow(c2, 0, 1);
  assert.deepEqual([p.y0, p.x0, p.y1, p.x1], [-2, -1, 3, 4]);
  assert.deepEqual([p.padY0, p.padX0, p.paddedH, p.paddedW], [0, 1, 31, 31]);
  assert.deepEqual(p.clip, { y0: 0, x0: 0, y1: 3, x1: 4 });
  assert.throws(() => convWindow(c1, 55, 0), RangeError);
  assert.throws(() => convWindow(c1, 0, -1), RangeError);
});

test('sweepPositions: left→right, then top→bottom', () => {
  const s = sweepPositions(3, 4);
  assert.equal(s.length, 12);
  assert.deepEqual(s.slice(0, 5).map((p) => [p.y, p.x]), [[0, 0], [0, 1], [0, 2], [0, 3], [1, 0]]);
  assert.deepEqual(s[11], { i: 11, y: 2, x: 3 });
  assert.deepEqual(positionAt(7, 4), { y: 1, x: 3 });
  assert.equal(sweepPositions(55, 55).length, 3025);
});

test('poolWindow and overlapping coverage: pool1 windows share their edge rows', () => {
  const p1 = L('pool1');
  const w = poolWindow(p1, 1, 2);
  assert.deepEqual([w.y0, w.x0, w.y1, w.x1], [2, 4, 5, 7]);
  const cov = poolCoverage(p1);
  assert.equal(cov.h, 55);
  assert.equal(cov.max, 4);
  assert.equal(cov.counts[0], 1);
  assert.equal(cov.counts[2], 2); // column 2 is in windows x=0 and x=1
  assert.equal(cov.counts[2 * 55 + 2], 4);
  // 55 = 2·27 + 1: 26 shared rows, 29 single rows (27 windows × 3 = 81 = 29 + 2·26).
  assert.equal(cov.histogram.get(4), 26 * 26);
  assert.equal(cov.histogram.get(1), 29 * 29);
  assert.equal(cov.histogram.get(2), 2 * 26 * 29);
  let total = 0;
  for (const c of cov.counts) total += c;
  assert.equal(total, 27 * 27 * 9); // every window covers exactly 9 pixels
});

test('towers: the 96 conv1 channels split 48/48, fc8 is not split', () => {
  const c1 = L('conv1');
  assert.equal(towerOf(c1, 0), 0);
  assert.equal(towerOf(c1, 47), 0);
  assert.equal(towerOf(c1, 48), 1);
  assert.deepEqual(towerChannels(c1, 1), { start: 48, end: 96 });
  assert.equal(towerOf(L('fc8'), 3), null);
  assert.equal(towerOf(L('pool5'), 200), 1);
});

test('inputChannelRange: groups confine a kernel to its tower, conv3 reads both', () => {
  assert.deepEqual(inputChannelRange(L('conv2'), 200), { group: 1, start: 48, end: 96, count: 48 });
  assert.deepEqual(inputChannelRange(L('conv2'), 127), { group: 0, start: 0, end: 48, count: 48 });
  assert.deepEqual(inputChannelRange(L('conv3'), 383), { group: 0, start: 0, end: 256, count: 256 });
  assert.deepEqual(inputChannelRange(L('conv4'), 192), { group: 1, start: 192, end: 384, count: 192 });
  assert.deepEqual(inputChannelRange(L('conv1'), 95), { group: 0, start: 0, end: 3, count: 3 });
  assert.equal(inputChannelRange(L('fc6'), 0).count, 9216);
  assert.equal(fcInputs(L('fc6')), L('fc6').kernel_shape[1]);
  assert.equal(fcInputs(L('fc8')), 4096);
  assert.throws(() => inputChannelRange(L('conv2'), 256), RangeError);
});

test('receptiveField: 11, 19, 51, 67, 99, 131, 163, 195 and matches the spec', () => {
  const want = { conv1: 11, pool1: 19, conv2: 51, pool2: 67, conv3: 99, conv4: 131, conv5: 163, pool5: 195 };
  for (const [id, size] of Object.entries(want)) assert.equal(receptiveField(spec, id).size, size, id);
  for (const l of spec.layers) {
    const rf = receptiveField(spec, l.id);
    if (rf.global) continue; // fc layers and after: the whole image
    assert.equal(rf.size, l.receptive_field, l.id);
    assert.equal(rf.jump, l.jump, l.id);
  }
  // The first unit's field centre: conv1's 11×11 window centres on pixel 5, pool1's 19 on 9, and so on.
  assert.deepEqual(['conv1', 'pool1', 'conv2', 'pool2', 'conv3', 'pool5'].map((id) => receptiveField(spec, id).start), [5, 9, 9, 17, 17, 33]);
  assert.equal(receptiveField(spec, 'data').size, 1);
  assert.equal(receptiveField(spec, 'relu6').global, true);
  assert.equal(receptiveField(spec, 'relu1').size, 11);
  assert.equal(receptiveField(spec, 'fc6').global, true);
  // conv1 output (0,0) sees image rows/cols 0..10; conv2 (0,0) overhangs the image by its padding.
  assert.deepEqual(receptiveWindow(spec, 'conv1', 0, 0), { y0: 0, x0: 0, y1: 11, x1: 11, size: 11 });
  assert.deepEqual(receptiveWindow(spec, 'conv2', 1, 0), { y0: -16 + 8, x0: -16, y1: 35 + 8, x1: 35, size: 51 });
});

test('labels: kernel banks as the seed writes them', () => {
  assert.equal(kernelText(L('conv1')), '96 × 11×11×3');
  assert.equal(kernelText(L('conv2')), '256 × 5×5×48');
  assert.equal(kernelText(L('conv3')), '384 × 3×3×256');
  assert.equal(kernelText(L('conv4')), '384 × 3×3×192');
  assert.equal(kernelText(L('conv5')), '256 × 3×3×192');
  assert.equal(kernelText(L('fc6')), '4096 × 6×6×256');
  assert.equal(kernelText(L('fc7')), '4096 × 4096');
  assert.equal(kernelText(L('pool1')), '');
  assert.equal(shapeText(L('conv1').out_shape, 48), '55×55×48');
  assert.equal(shapeText([4096]), '4096');
});

test('toyConv: the seed\'s 5×5×3 ⊛ 3×3×3 → 3×3×1, with padding and stride', () => {
  const input = Array.from({ length: 75 }, (_, i) => i % 3);
  const kernel = Array.from({ length: 27 }, (_, i) => (i % 2 ? 1 : 0));
  const r = toyConv(input, [3, 5, 5], kernel, 3, 1, 0);
  assert.equal(r.outH, 3);
  assert.equal(r.outW, 3);
  assert.equal(r.terms[0].length, 27);
  // Direct sum for (0,0): kernel picks odd flat indices of each 3×3 slice.
  let s = 0;
  for (let c = 0; c < 3; c++) for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) {
    s += input[c * 25 + ky * 5 + kx] * kernel[c * 9 + ky * 3 + kx];
  }
  assert.equal(r.out[0], s);
  const p = toyConv(input, [3, 5, 5], kernel, 3, 2, 1);
  assert.equal(p.outH, 3);
  assert.deepEqual(p.terms[0][0], [0, 0]); // the corner reads padding
  assert.equal(toyConv(input, [3, 5, 5], kernel, 3, 1, 1).outW, 5);
});

test('lrnWindow: 5 channels, clipped at the edges', () => {
  assert.deepEqual(lrnWindow(96, 0, 5), { start: 0, end: 3 });
  assert.deepEqual(lrnWindow(96, 50, 5), { start: 48, end: 53 });
  assert.deepEqual(lrnWindow(96, 95, 5), { start: 93, end: 96 });
});
