// loadSession (www/weights-fetch.js): a file reaches the engine's WeightsBuffer in pieces, and a failed push frees it.
import test from 'node:test';
import assert from 'node:assert/strict';
import { loadSession } from '../../www/weights-fetch.js';

function fakeEngine({ failAt = -1 } = {}) {
  const log = { pieces: [], freed: 0, loaded: null };
  class WeightsBuffer {
    constructor(len) { this.len = len; this.bytes = new Uint8Array(len); this.filled = 0; }
    push(piece) {
      if (log.pieces.length === failAt) throw new Error('the weights file is longer than announced');
      this.bytes.set(piece, this.filled);
      this.filled += piece.length;
      log.pieces.push(piece.length);
    }
    free() { log.freed++; }
  }
  const Session = { fromBuffer(buf) { log.loaded = buf; return { buf }; } };
  return { engine: { Session, WeightsBuffer }, log };
}

test('a file goes to the engine in 8 MiB pieces, in order, and arrives whole', () => {
  const bytes = new Uint8Array(20 * 1024 * 1024 + 5).map((_, i) => i * 7);
  const { engine, log } = fakeEngine();
  const s = loadSession(engine, bytes);
  assert.deepEqual(log.pieces, [8 << 20, 8 << 20, (4 << 20) + 5]);
  assert.equal(s.buf.filled, bytes.length);
  assert.deepEqual(s.buf.bytes, bytes);
  assert.equal(log.freed, 0, 'the engine owns the buffer once fromBuffer has it');
});

test('an empty file still reaches the engine (which refuses it with its own message)', () => {
  const { engine, log } = fakeEngine();
  loadSession(engine, new Uint8Array(0));
  assert.equal(log.loaded.len, 0);
});

test('a push that throws frees the buffer and rethrows', () => {
  const { engine, log } = fakeEngine({ failAt: 1 });
  assert.throws(() => loadSession(engine, new Uint8Array(9 << 20)), /longer than announced/);
  assert.equal(log.freed, 1);
  assert.equal(log.loaded, null);
});
