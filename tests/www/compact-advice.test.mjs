// Unit tests of compactAdvice (www/shell/weights-panel.js): which devices are told to keep the int8 copy, and why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compactAdvice } from '../../www/shell/weights-panel.js';
import en from '../../www/shared/i18n/en.js';
import { translator } from '../../www/shared/i18n.js';

test('a device reporting 4 GB or less is told its memory and to keep int8', () => {
  for (const gb of [0.5, 2, 4]) {
    const a = compactAdvice({ deviceMemory: gb });
    assert.deepEqual(a, { key: 'stored.smallMemory', params: { gb } });
    assert.match(translator('en')(a.key, a.params), new RegExp(`reports ${gb} GB of memory: keep the int8 copy`));
  }
});

test('a phone-sized screen without a memory figure is told the same for its size; a big device gets no advice', () => {
  assert.deepEqual(compactAdvice({ narrow: true }), { key: 'stored.smallScreen', params: {} });
  assert.equal(compactAdvice({ deviceMemory: 8 }), null);
  assert.equal(compactAdvice({}), null);
  assert.ok(en['stored.smallScreen'].includes('int8'));
});
