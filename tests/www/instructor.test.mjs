// Unit tests of www/shell/instructor.js: parsing hide=, lock=, predict=, image=, and what a locked page lets through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseInstructor, hiddenParts, allowedMove, HIDE_PARTS } from '../../www/shell/instructor.js';

const from = (query) => {
  const p = new URLSearchParams(query);
  return parseInstructor((k) => p.get(k));
};

test('nothing given: no control', () => {
  assert.deepEqual(from(''), { hide: [], lock: false, predict: null, image: null });
});

test('hide= keeps the known parts once each, in either separator', () => {
  assert.deepEqual(from('hide=rail,tabs,png,npy,image,weights,lang').hide, [...HIDE_PARTS]);
  assert.deepEqual(from('hide=rail, tabs rail,bogus,,').hide, ['rail', 'tabs']);
});

test('lock=: 1 or a bare attribute locks, 0/false/no do not', () => {
  assert.equal(from('lock=1').lock, true);
  assert.equal(parseInstructor((k) => (k === 'lock' ? '' : null)).lock, true);
  for (const v of ['0', 'false', 'No']) assert.equal(from(`lock=${v}`).lock, false, v);
});

test('predict= knows only "first"; image= takes a sample-shaped id only', () => {
  assert.equal(from('predict=first').predict, 'first');
  assert.equal(from('predict=last').predict, null);
  assert.equal(from('image=probe-stripes-8-0').image, 'probe-stripes-8-0');
  for (const bad of ['../x', 'https://evil/x.png', 'A', '']) assert.equal(from(`image=${encodeURIComponent(bad)}`).image, null, bad);
});

test('a locked page hides the rail and tabs; a fixed image hides the picker', () => {
  assert.deepEqual(hiddenParts(from('lock=1&hide=png')).sort(), ['png', 'rail', 'tabs']);
  assert.deepEqual(hiddenParts(from('image=chelsea')), ['image']);
});

test('locked: view, layer and tour-step moves are dropped, finer moves pass; a fixed image drops sample moves', () => {
  const locked = from('lock=1&image=chelsea');
  assert.deepEqual(allowedMove(locked, { view: 'kernels', layer: 'conv2', tour: 'pool', channel: 3, sample: 'coffee', lang: 'zh' }), { channel: 3, lang: 'zh' });
  assert.deepEqual(allowedMove(from(''), { view: 'kernels', layer: 'conv2' }), { view: 'kernels', layer: 'conv2' });
});
