// Unit tests of the tour's steps: the numbers they quote are the spec's, their places and the `#tour=` state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { translator } from '../../www/shared/i18n.js';
import { STEPS, CHAPTERS, stepById, stepPlace, stepText, stepTrained, tourState } from '../../www/tour/steps.js';
import { viewsForLayer, GLOBAL_VIEWS } from '../../www/shared/config.js';
import { loadSpec } from './spec-fixture.mjs';

const { spec } = loadSpec();
const layer = (s, id) => s.layers.find((l) => l.id === id);
const comma = (n) => n.toLocaleString('en-US');

/** One step's whole text in one language, as one string. */
function render(id, { lang = 'en', s = spec, live = null, weightsInfo = null, state = null } = {}) {
  const text = stepText(stepById(id), { spec: s, t: translator(lang), live, weightsInfo, state });
  return [text.title, ...text.body, text.try, text.weights, text.live].join('\n');
}

test('step ids are unique, readable, and every chapter has steps', () => {
  const ids = STEPS.map((s) => s.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
  for (const c of CHAPTERS) assert.ok(STEPS.some((s) => s.chapter === c), c);
  assert.deepEqual([...new Set(STEPS.map((s) => s.chapter))], CHAPTERS, 'chapters in order');
});

test('every step goes to a view its layer has', () => {
  for (const step of STEPS) {
    const place = step.state(spec);
    const row = place.layer === spec.input.id ? { kind: 'data', out_shape: spec.input.shape } : layer(spec, place.layer);
    assert.ok(row, `${step.id}: ${place.layer}`);
    assert.ok([...viewsForLayer(row), ...GLOBAL_VIEWS].includes(place.view), `${step.id}: ${place.view} on ${place.layer}`);
  }
});

test('conv1: the formula, 55, 96 kernels of 11×11×3, 48 per GPU, as the spec has them', () => {
  const c1 = layer(spec, 'conv1');
  const { w, f, p, s, out } = c1.formula;
  for (const lang of ['en', 'zh']) {
    const text = render('conv1-output', { lang });
    assert.ok(text.includes(`(${w} − ${f} + 2·${p})/${s} + 1 = ${out}`), lang);
    assert.ok(text.includes(`${c1.kernel_shape[0]} × ${c1.k}×${c1.k}×${c1.c_in}`), lang);
    assert.ok(text.includes(`${out}×${out}×${c1.c_out / 2}`), lang);
    assert.ok(text.includes(comma(c1.neurons)), lang);
  }
  assert.equal(out, 55);
  assert.equal(c1.c_out, 96);
});

test('fc6: a 6×6×256 kernel, 4096 of them, and the article\'s 13×13×256 named as its mistake', () => {
  const f6 = layer(spec, 'fc6');
  const p5 = layer(spec, f6.input);
  const [c, h, w] = f6.in_shape;
  const text = render('fc6-full-conv');
  assert.ok(text.includes(`${w}×${h}×${c}`));
  assert.ok(text.includes(comma(f6.c_out)));
  assert.ok(text.includes(`${p5.in_shape[2]}×${p5.in_shape[1]}×${p5.in_shape[0]}`));
  assert.ok(text.includes(comma(f6.kernel_shape[1])));
  assert.equal(`${w}×${h}×${c}`, '6×6×256');
});

test('the parameter step: fc6\'s 37,748,736 weights, the total, and fc6\'s share of it', () => {
  const f6 = layer(spec, 'fc6');
  const text = render('parameters');
  assert.ok(text.includes(comma(f6.weights)));
  assert.ok(text.includes(comma(spec.totals.params)));
  assert.ok(text.includes(`${(100 * f6.weights / spec.totals.params).toFixed(1)} %`));
  assert.equal(comma(f6.weights), '37,748,736');
});

test('conv3 reads both towers (256 thick); conv2 and conv4 only their own half', () => {
  const [c2, c3, c4] = ['conv2', 'conv3', 'conv4'].map((id) => layer(spec, id));
  const text = render('towers');
  assert.ok(text.includes(`thick: ${c3.kernel_shape[1]}`) || text.includes(`${c3.kernel_shape[1]} thick`));
  assert.ok(text.includes(`${c2.kernel_shape[1]} thick although`) || text.includes(`its kernels are ${c2.kernel_shape[1]} thick`));
  assert.ok(text.includes(`${c4.kernel_shape[1]} of ${c4.c_in}`));
  assert.match(text, /exception is conv3/);
});

test('pooling follows conv1, conv2 and conv5, and the maps go 55 → 27 → 13 → 6', () => {
  const pools = spec.layers.filter((l) => l.kind === 'pool');
  const text = render('pooling');
  assert.ok(text.includes('After conv1, conv2, conv5'));
  const sides = [layer(spec, pools[0].input), ...pools].map((l) => l.out_shape[1]).join(' → ');
  assert.ok(text.includes(sides));
  assert.equal(sides, '55 → 27 → 13 → 6');
  assert.ok(text.includes(`${pools[0].k}×${pools[0].k} windows moved by only ${pools[0].stride}`));
});

test('why 227: the paper\'s 224 gives a fraction with conv1\'s kernel and stride, the crop a whole number', () => {
  const text = render('why-227');
  assert.ok(text.includes(`(224 − 11 + 2·0)/4 + 1 = 54.25`));
  assert.ok(text.includes(`not 224`) && text.includes(`${spec.input.crop}×${spec.input.crop}`));
});

test('LRN quotes the spec\'s n, α, β, k', () => {
  const { size, beta, k } = layer(spec, 'norm1').lrn;
  const text = render('lrn', { lang: 'zh' });
  assert.ok(text.includes(`n = ${size}`) && text.includes(`β = ${beta}`) && text.includes(`k = ${k}`) && text.includes('α = 0.0001'));
});

test('the numbers follow the spec: a different conv1 changes the text, nothing is typed in', () => {
  const other = structuredClone(spec);
  const c1 = layer(other, 'conv1');
  c1.c_out = 64;
  c1.kernel_shape[0] = 64;
  c1.out_shape[0] = 64;
  c1.formula.out = 57;
  c1.out_shape[1] = c1.out_shape[2] = 57;
  const text = render('conv1-output', { s: other });
  assert.ok(text.includes('64 × 11×11×3') && text.includes('57×57×32'), text);
  assert.ok(!text.includes('96') && !text.includes('55'), text);
});

test('live sentences read the current pass at the step\'s place, and only once the pass has the layer', () => {
  const [, h, w] = layer(spec, 'pool1').out_shape;
  const data = new Float32Array(96 * h * w);
  const place = stepById('pooling').state(spec);
  data[(place.channel * h + place.y) * w + place.x] = 3.25;
  const live = { tensor: (id) => (id === 'pool1' ? { shape: [96, h, w], data } : null), top: null };
  assert.ok(render('pooling', { live }).includes('is 3.25.'));
  assert.ok(!render('pooling').includes('3.25'));
  const prob = new Float32Array(1000).fill(0.001);
  const top = [{ index: 281, name: 'tabby, tabby cat', prob: 0.001 }];
  const soft = render('softmax', { live: { tensor: (id) => (id === 'prob' ? { shape: [1000], data: prob } : null), top } });
  assert.match(soft, /add up to 1\.0000; the top class here is “tabby, tabby cat”/);
});

test('the weights note: trained conv1 kernels count for the conv1 steps, not for fc6', () => {
  const starter = { trained: false, trained_tensors: ['conv1.weight'] };
  assert.ok(stepTrained(stepById('kernel-thickness'), starter));
  assert.ok(!stepTrained(stepById('fc6-full-conv'), starter));
  assert.ok(stepTrained(stepById('fc6-full-conv'), { trained: true, trained_tensors: [] }));
  assert.ok(!stepTrained(stepById('conv-idea'), { trained: false, trained_tensors: [] }));
  assert.match(render('fc6-full-conv', { weightsInfo: starter }), /fc6’s weights are random here/);
});

test('#tour=<id>: a bare step gets its place, a step with a view keeps it, an unknown step is dropped', () => {
  assert.deepEqual(tourState({ tour: 'pooling', lang: 'zh' }, spec), { ...stepById('pooling').state(spec), tour: 'pooling', lang: 'zh' });
  assert.deepEqual(tourState({ tour: 'pooling', view: 'maps', layer: 'conv2' }, spec), { tour: 'pooling', view: 'maps', layer: 'conv2' });
  assert.deepEqual(tourState({ tour: 'nope', view: 'maps' }, spec), { view: 'maps' });
  assert.deepEqual(tourState({ view: 'maps' }, spec), { view: 'maps' });
  const place = stepPlace(spec, 'kernel-thickness');
  assert.equal(place.tour, 'kernel-thickness');
  assert.equal(place.channel, null, 'a step clears the channel and position it does not set');
  assert.equal(place.view, 'kernels');
});

test('docs/embedding.md lists every step id', () => {
  const doc = fs.readFileSync(new URL('../../docs/embedding.md', import.meta.url), 'utf8');
  for (const step of STEPS) assert.ok(doc.includes(`\`${step.id}\``), step.id);
});
