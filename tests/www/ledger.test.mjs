// Unit tests of the parameter ledger (geometry.ledgerRows) against the spec table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ledgerRows } from '../../www/shared/geometry.js';
import { fmtInt, fmtMacs, fmtPct } from '../../www/views/kit/format.js';
import { loadSpec } from './spec-fixture.mjs';

const { spec } = loadSpec();
const led = ledgerRows(spec);
const row = (id) => led.rows.find((r) => r.id === id);

test('totals: 60,965,224 parameters, 724.4 M MACs, and they match spec.totals', () => {
  assert.equal(led.totals.params, 60965224);
  assert.equal(led.totals.weights, 60954656);
  assert.equal(led.totals.biases, 10568);
  assert.equal(led.totals.macs, 724406816);
  assert.equal(led.totals.params, spec.totals.params);
  assert.equal(led.totals.macs, spec.totals.macs);
  assert.equal(fmtInt(led.totals.params), '60,965,224');
  assert.equal(fmtMacs(led.totals.macs), '724.4 M');
});

test('per-layer weights as in the seed\'s list', () => {
  const want = { conv1: 34848, conv2: 307200, conv3: 884736, conv4: 663552, conv5: 442368, fc6: 37748736, fc7: 16777216, fc8: 4096000 };
  for (const [id, w] of Object.entries(want)) assert.equal(row(id).weights, w, id);
  assert.equal(row('conv1').biases, 96);
  assert.equal(row('conv1').macs, 105415200);
  assert.equal(row('pool1').params, 0);
  assert.equal(row('relu1').macs, 0);
});

test('neurons: the conv layers hold 650,080 output values ("650k neurons")', () => {
  assert.equal(led.totals.convNeurons, 650080);
  assert.equal(led.totals.convNeurons, spec.totals.conv_neurons);
  assert.equal(fmtInt(led.totals.convNeurons), '650,080');
  assert.equal(row('conv1').neurons, 290400);
});

test('shares: fc holds ~96 % of the parameters, conv ~92 % of the MACs; shares sum to 1', () => {
  assert.equal(fmtPct(led.byKind.fc.paramShare), '96.2 %');
  assert.equal(fmtPct(led.byKind.conv.macShare), '91.9 %');
  assert.equal(led.byKind.fc.params, 37748736 + 16777216 + 4096000 + 4096 + 4096 + 1000);
  const ps = led.rows.reduce((a, r) => a + r.paramShare, 0);
  const ms = led.rows.reduce((a, r) => a + r.macShare, 0);
  assert.ok(Math.abs(ps - 1) < 1e-12 && Math.abs(ms - 1) < 1e-12);
  assert.equal(fmtPct(row('fc6').paramShare), '61.9 %');
});

test('formatting helpers', () => {
  assert.equal(fmtInt(0), '0');
  assert.equal(fmtInt(999), '999');
  assert.equal(fmtInt(1000), '1,000');
  assert.equal(fmtInt(-1234567), '-1,234,567');
  assert.equal(fmtMacs(105415200), '105.4 M');
  assert.equal(fmtMacs(0), '—');
});
