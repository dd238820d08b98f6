// Unit tests of the `data` pseudo-row (www/shared/data-row.js): the input as a layer row, built from spec.input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dataRow, findLayer } from '../../www/shared/data-row.js';
import { loadSpec } from './spec-fixture.mjs';

const { spec } = loadSpec();

test('dataRow: the input\'s shape and size, no parameters, no cost, a one-pixel field', () => {
  const row = dataRow(spec);
  assert.equal(row.id, spec.input.id);
  assert.equal(row.kind, 'data');
  assert.equal(row.input, null);
  assert.deepEqual(row.out_shape, spec.input.shape);
  assert.equal(row.neurons, spec.input.shape[0] * spec.input.shape[1] * spec.input.shape[2]);
  assert.deepEqual([row.weights, row.biases, row.macs], [0, 0, 0]);
  assert.deepEqual([row.towers, row.reads_both_towers, row.receptive_field, row.jump], [1, false, 1, 1]);
});

test('findLayer: spec rows as they are, the input as its pseudo-row, unknown ids as null', () => {
  assert.equal(findLayer(spec, 'conv2'), spec.layers.find((l) => l.id === 'conv2'));
  assert.deepEqual(findLayer(spec, spec.input.id), dataRow(spec));
  assert.equal(findLayer(spec, 'conv9'), null);
});
