// Unit tests of scripts/split-weights.mjs and www/weights-fetch.js: split a synthetic file, join it back through the
// worker's logic (fake fetch, fake cache), progress, corruption, offline second visits, and the SHA-256 fallback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { splitFile, joinParts, planParts, parseSize, DEFAULT_PART_SIZE } from '../../scripts/split-weights.mjs';
import { fetchParts, sha256Js, sha256Hex, isManifestUrl, validateManifest, downloadBytes } from '../../www/weights-fetch.js';

const BASE = 'https://host.example/course/alexnet/weights/';

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

/** fetch() over a directory, as a static host would serve it; `offline` makes every request fail. */
function fakeFetch(dir, { offline = () => false, log = [] } = {}) {
  return async (url) => {
    log.push(url);
    if (offline()) throw new TypeError('Failed to fetch');
    const file = path.join(dir, decodeURIComponent(new URL(url).pathname.replace(/^\/course\/alexnet\/weights\//, '')));
    if (!fs.existsSync(file)) return new Response('not found', { status: 404, statusText: 'Not Found' });
    const body = fs.readFileSync(file);
    return new Response(body, { headers: { 'Content-Length': String(body.length) } });
  };
}

function memoryCache() {
  const m = new Map();
  return { map: m, get: async (u) => m.get(u) ?? null, put: async (u, b) => { m.set(u, new Uint8Array(b)); }, delete: async (u) => { m.delete(u); } };
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
    validateManifest(m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the worker joins the parts with progress, caches them, and starts offline the second time', async () => {
  const dir = tmpdir();
  try {
    const data = synthetic(700_001, 7);
    fs.writeFileSync(path.join(dir, 'a.bin'), data);
    splitFile(path.join(dir, 'a.bin'), { partSize: 256_000 });
    const cache = memoryCache();
    const progress = [];
    let offline = false;
    const log = [];
    const fetchFn = fakeFetch(dir, { offline: () => offline, log });
    const url = `${BASE}a.bin.parts.json`;
    assert.ok(isManifestUrl(url) && !isManifestUrl(`${BASE}a.bin`));
    const bytes = await fetchParts(url, { fetchFn, cache, onProgress: (l, t) => progress.push([l, t]) });
    assert.ok(Buffer.from(bytes).equals(data));
    assert.ok(progress.every(([, t]) => t === data.length));
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i][0] >= progress[i - 1][0], 'progress never goes back');
    assert.deepEqual(progress.at(-1), [data.length, data.length]);
    assert.equal(cache.map.size, 4, 'the manifest and three parts are cached');
    assert.equal(log.length, 4);

    // Second visit with no network: everything comes from the cache.
    offline = true;
    const again = await fetchParts(url, { fetchFn, cache });
    assert.ok(Buffer.from(again).equals(data));

    // A cached part that went bad is dropped and fetched again.
    offline = false;
    const partUrl = `${BASE}a.bin.part1`;
    cache.map.get(partUrl)[10] ^= 0xff;
    log.length = 0;
    const healed = await fetchParts(url, { fetchFn, cache });
    assert.ok(Buffer.from(healed).equals(data));
    assert.deepEqual(log, [url, partUrl]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a corrupt or missing part is refused with a readable message', async () => {
  const dir = tmpdir();
  try {
    fs.writeFileSync(path.join(dir, 'b.bin'), synthetic(50_000, 3));
    splitFile(path.join(dir, 'b.bin'), { partSize: 20_000 });
    const p1 = path.join(dir, 'b.bin.part1');
    const buf = fs.readFileSync(p1);
    buf[0] ^= 1;
    fs.writeFileSync(p1, buf);
    await assert.rejects(fetchParts(`${BASE}b.bin.parts.json`, { fetchFn: fakeFetch(dir), cache: memoryCache() }), /part 1 \(b\.bin\.part1\) is corrupt/);
    fs.rmSync(p1);
    await assert.rejects(fetchParts(`${BASE}b.bin.parts.json`, { fetchFn: fakeFetch(dir), cache: memoryCache() }), /HTTP 404/);
    await assert.rejects(fetchParts(`${BASE}nothing.parts.json`, { fetchFn: fakeFetch(dir), cache: memoryCache() }), /HTTP 404/);
    fs.writeFileSync(path.join(dir, 'bad.parts.json'), '{"version": 1, "parts": []}');
    await assert.rejects(fetchParts(`${BASE}bad.parts.json`, { fetchFn: fakeFetch(dir), cache: memoryCache() }), /not a parts manifest/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a truncated download is retried, then reported', async () => {
  let calls = 0;
  const full = synthetic(1000);
  const flaky = async () => {
    calls++;
    const body = calls === 1 ? full.subarray(0, 500) : full;
    return new Response(body, { headers: { 'Content-Length': String(full.length) } });
  };
  assert.ok(Buffer.from(await downloadBytes('https://x/y', { fetchFn: flaky })).equals(full));
  assert.equal(calls, 2);
  const broken = async () => new Response(full.subarray(0, 10), { headers: { 'Content-Length': '1000' } });
  await assert.rejects(downloadBytes('https://x/y', { fetchFn: broken, attempts: 2 }), /closed after 10 of 1000 bytes/);
});

test('the plain-JS SHA-256 agrees with the native one', async () => {
  for (const n of [0, 1, 55, 56, 63, 64, 65, 1000, 100_000]) {
    const buf = synthetic(n, n + 1);
    const want = crypto.createHash('sha256').update(buf).digest('hex');
    assert.equal(sha256Js(buf), want, `${n} bytes`);
    assert.equal(await sha256Hex(buf), want);
  }
  assert.equal(sha256Js(new TextEncoder().encode('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});
