// Unit tests of www/state.js: the URL hash round trip and state merging.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHash, formatHash, mergeState, sameState, STATE_KEYS } from '../../www/state.js';

test('a full state survives a round trip through the hash', () => {
  const state = { view: 'sweep', layer: 'conv2', tower: 1, channel: 17, y: 12, x: 0, step: 40, scale: 'layer', sample: 'chelsea' };
  const hash = formatHash(state);
  assert.equal(hash, '#view=sweep&layer=conv2&tower=1&channel=17&y=12&x=0&step=40&scale=layer&sample=chelsea');
  assert.deepEqual(parseHash(hash), state);
  assert.deepEqual(STATE_KEYS, Object.keys(state));
});

test('the documented example parses to numbers where numbers are meant', () => {
  assert.deepEqual(parseHash('#view=maps&layer=conv1&channel=17'), { view: 'maps', layer: 'conv1', channel: 17 });
  assert.deepEqual(parseHash('view=maps'), { view: 'maps' });
});

test('junk in the hash is ignored, not thrown', () => {
  assert.deepEqual(parseHash('#channel=abc&y=1.5&bogus=3&layer='), {});
  assert.deepEqual(parseHash(''), {});
  assert.deepEqual(parseHash(undefined), {});
  assert.deepEqual(parseHash('#sample=probe%3Astripes'), { sample: 'probe:stripes' });
});

test('formatHash leaves out absent values and non-integer positions', () => {
  assert.equal(formatHash({}), '');
  assert.equal(formatHash({ layer: 'fc6', channel: undefined, y: 2.5, x: null }), '#layer=fc6');
  assert.equal(formatHash({ sample: 'a b&c' }), '#sample=a+b%26c');
  assert.deepEqual(parseHash(formatHash({ sample: 'a b&c' })), { sample: 'a b&c' });
});

test('changing layer drops the position keys of the old layer', () => {
  const s = { view: 'maps', layer: 'conv1', channel: 90, y: 50, x: 3, scale: 'global' };
  assert.deepEqual(mergeState(s, { layer: 'conv3' }), { view: 'maps', layer: 'conv3', scale: 'global' });
  assert.deepEqual(mergeState(s, { channel: 5 }), { ...s, channel: 5 });
  assert.deepEqual(mergeState(s, { channel: undefined, nonsense: 1 }), { view: 'maps', layer: 'conv1', y: 50, x: 3, scale: 'global' });
  assert.ok(sameState({ layer: 'a', view: 'b' }, { view: 'b', layer: 'a' }));
  assert.ok(!sameState({ layer: 'a' }, { layer: 'b' }));
});
