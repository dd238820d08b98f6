// Unit tests of www/protocol.js: the message type constants and the message shape check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MSG, MESSAGE_TYPES, GET_WHAT, isMessage } from '../../www/shared/protocol.js';

test('the message types are exactly the ones ARCHITECTURE.md lists', () => {
  assert.deepEqual([...MESSAGE_TYPES].sort(), ['attribute', 'cancel', 'compact', 'data', 'done', 'error', 'forget', 'get', 'init', 'layer', 'ping', 'pong', 'progress', 'ready', 'run', 'source', 'warmed']);
  assert.equal(MSG.RUN, 'run');
  assert.equal(MSG.LAYER, 'layer');
  assert.ok(Object.isFrozen(MSG));
});

test('queries cover every Session method the views use', () => {
  for (const what of ['tensor', 'kernels', 'kernel', 'bias', 'conv-dot', 'pool-argmax', 'top']) assert.ok(GET_WHAT.includes(what), what);
});

test('isMessage accepts known types with integer ids only', () => {
  assert.equal(isMessage({ id: 3, type: 'layer' }), true);
  assert.equal(isMessage({ id: 3, type: 'hello' }), false);
  assert.equal(isMessage({ id: '3', type: 'run' }), false);
  assert.equal(isMessage({ type: 'run' }), false);
  assert.equal(isMessage(null), false);
  assert.equal(isMessage('run'), false);
});
