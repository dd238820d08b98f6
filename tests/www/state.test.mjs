// Unit tests of www/state.js: the URL hash round trip and state merging.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHash, formatHash, mergeState, sameState, STATE_KEYS } from '../../www/shell/state.js';

test('a full state survives a round trip through the hash', () => {
  const state = { view: 'sweep', layer: 'conv2', tower: 1, channel: 17, y: 12, x: 0, step: 40, scale: 'layer', sample: 'chelsea', lang: 'zh', tour: 'conv1-output', method: 'gradcam', class: 281 };
  const hash = formatHash(state);
  assert.equal(hash, '#view=sweep&layer=conv2&tower=1&channel=17&y=12&x=0&step=40&scale=layer&sample=chelsea&lang=zh&tour=conv1-output&method=gradcam&class=281');
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

test('every field round-trips on its own, with edge values', () => {
  const cases = {
    view: ['overview', 'preprocess', 'maps', 'kernels', 'sweep', 'relu', 'lrn', 'pool', 'fc', 'softmax', 'ledger', 'why'],
    layer: ['data', 'conv1', 'norm2', 'pool5', 'fc6', 'prob'],
    tower: [0, 1],
    channel: [0, 17, 383, 4095],
    y: [0, 54],
    x: [0, 26],
    step: [0, 3024],
    scale: ['map', 'layer', 'global'],
    sample: ['chelsea', 'coffee', 'probe-vedge', 'probe-stripes-16-45', 'my photo (1).jpg', '猫'],
    lang: ['en', 'zh'],
    tour: ['conv-idea', 'conv1-output', 'fc6-full-conv'],
    method: ['occlusion', 'saliency', 'gradcam'],
    class: [0, 281, 999],
  };
  assert.deepEqual(Object.keys(cases), [...STATE_KEYS], 'a test case for every state key');
  for (const [key, values] of Object.entries(cases)) {
    for (const value of values) {
      const state = { [key]: value };
      assert.deepEqual(parseHash(formatHash(state)), state, `${key}=${value}`);
      // embed.html reads the same keys from its query string.
      assert.deepEqual(parseHash(formatHash(state).replace(/^#/, '?').slice(1)), state, `?${key}=${value}`);
    }
  }
});

test('a deep link with every field, in any order, parses to the same state', () => {
  const state = { view: 'kernels', layer: 'conv1', tower: 0, channel: 5, y: 1, x: 2, step: 3, scale: 'global', sample: 'probe-blob', lang: 'en' };
  const shuffled = '#lang=en&sample=probe-blob&scale=global&step=3&x=2&y=1&channel=5&tower=0&layer=conv1&view=kernels';
  assert.deepEqual(parseHash(shuffled), state);
  assert.ok(sameState(parseHash(shuffled), state));
  assert.equal(formatHash(parseHash(shuffled)), formatHash(state));
});

test('changing layer keeps the language and the sample', () => {
  assert.deepEqual(mergeState({ layer: 'conv1', channel: 3, lang: 'zh', sample: 'coffee' }, { layer: 'conv2' }), { layer: 'conv2', lang: 'zh', sample: 'coffee' });
  assert.deepEqual(mergeState({ lang: 'zh' }, { lang: undefined }), {});
});

test('the tour step survives a change of layer and goes with tour: null', () => {
  assert.deepEqual(mergeState({ layer: 'conv1', channel: 3, tour: 'pooling' }, { layer: 'pool1' }), { layer: 'pool1', tour: 'pooling' });
  assert.deepEqual(mergeState({ layer: 'conv1', tour: 'pooling' }, { tour: null }), { layer: 'conv1' });
});
