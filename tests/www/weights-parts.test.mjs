// Unit tests of scripts/split-weights.mjs: split a synthetic file into parts under a size limit and join it back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { splitFile, joinParts, planParts, parseSize, DEFAULT_PART_SIZE } from '../../scripts/split-weights.mjs';
import { readManifest } from '../../www/worker/weights-sources.js';

function tmpdir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'alexnet-parts-'));
}

/** A deterministic pseudo-random file of `size` bytes. */
function synthetic(size, seed = 1) {
  const buf = Buffer.alloc(size);
  let s = seed;
  for (let i = 0; i < size; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    buf[i] = s >>> 24;
  }
  return buf;
}

test('planParts covers the file exactly, every part under the limit', () => {
  assert.deepEqual(planParts(10, 4), [[0, 4], [4, 8], [8, 10]]);
  assert.deepEqual(planParts(8, 4), [[0, 4], [4, 8]]);
  assert.deepEqual(planParts(0, 4), [[0, 0]]);
  // The real int8 file (61,041,224 bytes) at the default part size: two parts, both under 50 MB.
  const real = planParts(61041224, DEFAULT_PART_SIZE);
  assert.equal(real.length, 2);
  for (const [a, b] of real) assert.ok(b - a < 50_000_000);
  assert.equal(parseSize('45MiB'), 47185920);
  assert.equal(parseSize('50MB'), 50000000);
  assert.equal(parseSize('1234'), 1234);
  assert.throws(() => parseSize('lots'));
});

test('split writes parts and a manifest with sizes and SHA-256s; join gives the file back', () => {
  const dir = tmpdir();
  try {
    const data = synthetic(1_000_003);
    const file = path.join(dir, 'w.safetensors');
    fs.writeFileSync(file, data);
    const m = splitFile(file, { partSize: 300_000, outDir: path.join(dir, 'out') });
    assert.deepEqual(m.parts.map((p) => p.file), ['w.safetensors.part0', 'w.safetensors.part1', 'w.safetensors.part2', 'w.safetensors.part3']);
    assert.deepEqual(m.parts.map((p) => p.size), [300_000, 300_000, 300_000, 100_003]);
    assert.equal(m.size, data.length);
    assert.equal(m.sha256, crypto.createHash('sha256').update(data).digest('hex'));
    const onDisk = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'w.safetensors.parts.json'), 'utf8'));
    assert.deepEqual(onDisk, m);
    for (const p of m.parts) {
      const buf = fs.readFileSync(path.join(dir, 'out', p.file));
      assert.equal(p.sha256, crypto.createHash('sha256').update(buf).digest('hex'));
    }
    assert.ok(joinParts(path.join(dir, 'out', 'w.safetensors.parts.json')).equals(data));
    assert.equal(readManifest(m).bytes, data.length, 'the worker reads the manifest split-weights writes');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

