// The worker's weights loaders with a fake engine and a fake Cache API: judging, part and whole-file hashes, vouching,
// the Zoo download, the stored copy and compact copies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { createLoaders, readManifest, sessionFromBytes, isManifestUrl } from '../../www/worker/weights-sources.js';
import { weightsStore, recordKey, storeFailure } from '../../www/worker/weights-store.js';
import { sha, bytesOf, body } from './download-fixtures.mjs';

/** A fake wasm package: WeightsBuffer and Sha256 as the engine's, Session recording what it was given. */
function fakeWasm() {
  const log = { sessions: [], buffers: 0, freed: 0 };
  class WeightsBuffer {
    constructor(len, hash) { this.bytes = new Uint8Array(len); this.n = 0; this.hash = hash; log.buffers++; }
    push(c) { if (this.n + c.length > this.bytes.length) throw new Error('longer than announced'); this.bytes.set(c, this.n); this.n += c.length; }
    reset() { this.n = 0; }
    filled() { return this.n; }
    sha256() { return this.hash && this.n === this.bytes.length ? sha(this.bytes) : undefined; }
    slice(o, l) { return this.bytes.slice(o, Math.min(this.n, o + l)); }
    free() { log.freed++; }
  }
  class Sha256 {
    constructor() { this.h = crypto.createHash('sha256'); }
    update(b) { this.h.update(b); }
    hex() { return this.h.copy().digest('hex'); }
    free() {}
  }
  const Session = {
    fromBuffer(buf, options) {
      const s = { bytes: buf.bytes, options, sha: sha(buf.bytes), weightsInfo: () => ({ trained: options.vouched.length > 0, zoo: 'z.onnx' }), toStore: (dt) => new TextEncoder().encode(`compact ${dt}`), free() {} };
      log.sessions.push(s);
      return s;
    },
    starter: () => ({ starter: true }),
  };
  // The engine's judge: only files starting with 0x08 (ONNX) are weights here.
  const judgeWeightsHead = (head, total) => {
    if (total > 1e6) throw new Error('this file is too big');
    if (head[0] !== 0x08) throw new Error('this file is neither an ONNX model nor a safetensors weights file');
    return 'onnx';
  };
  return { wasm: { Session, WeightsBuffer, Sha256, judgeWeightsHead, headBytes: () => 16 }, log };
}

/** A fake CacheStorage with one cache (Map of url → Response bodies as bytes). */
function fakeCaches({ quota = Infinity } = {}) {
  const entries = new Map();
  const cache = {
    async put(url, response) {
      const b = new Uint8Array(await response.arrayBuffer());
      if (b.length > quota) throw Object.assign(new Error('Quota exceeded'), { name: 'QuotaExceededError' });
      entries.set(String(url), b);
    },
    async match(url) { const b = entries.get(String(url)); return b ? new Response(b) : undefined; },
    async delete(url) { return entries.delete(String(url)); },
  };
  return { entries, caches: { open: async () => cache, delete: async () => { entries.clear(); return true; } } };
}

const ZOO = { name: 'z.onnx', bytes: 0, sha256: '', kind: 'f32' };

function setup({ zooBytes, files = {}, quota } = {}) {
  const { wasm, log } = fakeWasm();
  const zoo = { ...ZOO, bytes: zooBytes.length, sha256: sha(zooBytes) };
  const primaryUrl = 'https://huggingface.co/r/z.onnx';
  const served = { [primaryUrl]: zooBytes, ...files };
  const requests = [];
  const fetchFn = async (url, init = {}) => {
    requests.push({ url, range: init.headers?.Range });
    const b = served[url];
    if (!b) return new Response('missing', { status: 404 });
    return new Response(typeof b === 'string' ? b : body(b), { headers: typeof b === 'string' ? {} : { 'Content-Length': String(b.length) } });
  };
  const fc = fakeCaches({ quota });
  const store = weightsStore({ caches: fc.caches, origin: 'https://site.example' });
  const sources = { primary: zoo, primaryUrl, files: [zoo], maxFileBytes: 1e6 };
  const L = createLoaders({ wasm, sources, store, siteBase: 'https://site.example/', fetchFn });
  return { L, log, requests, store, fc, zoo, primaryUrl };
}

const onnxLike = (n, seed) => { const b = bytesOf(n, seed); b[0] = 0x08; return b; };

test('the Zoo download: verified, stored under the stable URL with a record, loaded', async () => {
  const zooBytes = onnxLike(30_000, 5);
  const { L, store, fc, primaryUrl, log } = setup({ zooBytes });
  const r = await L.fromZoo();
  assert.equal(r.from, 'huggingface');
  assert.deepEqual(r.stored, { stored: true });
  assert.equal(log.sessions[0].sha, sha(zooBytes));
  assert.equal(log.sessions[0].options.name, 'z.onnx');
  assert.ok(Buffer.from(fc.entries.get(primaryUrl)).equals(zooBytes), 'the file is stored under the stable URL');
  const rec = await store.record();
  assert.equal(rec.sha256, sha(zooBytes));
  assert.equal(rec.by, 'zoo');
  // The next visit loads it from storage, re-verified, with no request.
  const again = await L.fromStored();
  assert.equal(again.session.sha, sha(zooBytes));
  assert.deepEqual(again.session.options.vouched, [], 'the Zoo file needs no vouch: its digest is the Zoo\'s');
});

test('a wrong file is refused by its checksum and nothing is stored', async () => {
  const zooBytes = onnxLike(20_000, 6);
  const s = setup({ zooBytes });
  // The server sends a different file of the same size.
  const other = onnxLike(20_000, 7);
  const L = createLoaders({ ...s, wasm: fakeWasm().wasm, sources: { primary: s.zoo, primaryUrl: s.primaryUrl, files: [s.zoo], maxFileBytes: 1e6 }, siteBase: 'https://site.example/',
    fetchFn: async () => new Response(body(other), { headers: { 'Content-Length': String(other.length) } }), store: s.store });
  const e = await L.fromZoo().then(() => null, (x) => x);
  assert.equal(e.code, 'checksum');
  assert.match(e.message, /SHA-256 is [0-9a-f]{64}, but z\.onnx's is [0-9a-f]{64}; it was not used or kept/);
  assert.equal(s.fc.entries.size, 0);
  assert.equal(await s.store.record(), null);
});

test('storage full: the verified weights are used anyway, and the reason is given', async () => {
  const zooBytes = onnxLike(10_000, 8);
  const { L } = setup({ zooBytes, quota: 100 });
  const r = await L.fromZoo();
  assert.equal(r.stored.stored, false);
  assert.match(r.stored.reason, /no room left to store them \(storage quota\)/);
  assert.equal(storeFailure(new Error('x')), 'this browser would not store them (x)');
});

test('a stored file that changed is forgotten, not trusted', async () => {
  const zooBytes = onnxLike(10_000, 9);
  const { L, fc, primaryUrl, store } = setup({ zooBytes });
  await L.fromZoo();
  fc.entries.get(primaryUrl)[100] ^= 1;
  assert.equal(await L.fromStored(), null);
  assert.equal(await store.record(), null);
});

test('a compact copy is stored with its digest and vouched for by this browser', async () => {
  const zooBytes = onnxLike(10_000, 10);
  const { L, store, fc, primaryUrl } = setup({ zooBytes });
  const { session } = await L.fromZoo();
  session.weightsInfo = () => ({ trained: true, zoo: 'z.onnx' });
  const c = await L.compact(session, 'int8');
  assert.deepEqual(c.stored, { stored: true });
  const rec = await store.record();
  assert.equal(rec.by, 'browser-copy');
  assert.equal(rec.name, 'bvlc-alexnet-int8.safetensors');
  assert.equal(rec.sha256, sha(new TextEncoder().encode('compact int8')));
  assert.deepEqual(c.session.options.vouched, [{ sha256: rec.sha256, bytes: rec.bytes, by: 'browser-copy', from: 'z.onnx' }]);
  assert.equal(new TextDecoder().decode(fc.entries.get(primaryUrl)), 'compact int8');
  const again = await L.fromStored();
  assert.deepEqual(again.session.options.vouched, c.session.options.vouched);
  // Untrained or unverified weights are never compacted into a "verified" copy.
  await assert.rejects(L.compact({ weightsInfo: () => ({ trained: false }) }, 'int8'), /Only verified BVLC weights/);
});

test('the site\'s own copy comes first: parts verified, the whole vouched for by the site manifest', async () => {
  const zooBytes = onnxLike(1000, 11);
  const copy = onnxLike(25_000, 12);
  const parts = [copy.subarray(0, 10_000), copy.subarray(10_000, 20_000), copy.subarray(20_000)];
  const manifest = {
    version: 2, name: 'bvlc-alexnet-int8.safetensors', dtype: 'int8', bytes: copy.length, sha256: sha(copy), autoload: true,
    from: { name: 'z.onnx', sha256: sha(zooBytes) },
    parts: parts.map((p, i) => ({ file: `bvlc-alexnet-int8.safetensors.part${i}`, bytes: p.length, sha256: sha(p) })),
  };
  const files = { 'https://site.example/weights/manifest.json': JSON.stringify(manifest) };
  parts.forEach((p, i) => { files[`https://site.example/weights/bvlc-alexnet-int8.safetensors.part${i}`] = p; });
  const { L, requests, store } = setup({ zooBytes, files });
  const r = await L.fromZoo();
  assert.equal(r.from, 'site');
  assert.ok(!requests.some((q) => q.url.includes('huggingface')), 'Hugging Face is not asked when the site has a copy');
  assert.equal(r.session.sha, sha(copy));
  assert.deepEqual(r.session.options.vouched, [{ sha256: sha(copy), bytes: copy.length, by: 'site-manifest', from: 'z.onnx' }]);
  assert.equal((await store.record()).by, 'site-manifest');

  // A manifest that names a digest other than the Zoo file's is not vouched for.
  const { L: L2 } = setup({ zooBytes, files: { ...files, 'https://site.example/weights/manifest.json': JSON.stringify({ ...manifest, from: { name: 'z.onnx', sha256: 'ab'.repeat(32) } }) } });
  assert.deepEqual((await L2.fromZoo()).session.options.vouched, []);

  // A corrupt part is refused by its own SHA-256.
  const bad = new Uint8Array(parts[1]);
  bad[5] ^= 1;
  const { L: L3 } = setup({ zooBytes, files: { ...files, 'https://site.example/weights/bvlc-alexnet-int8.safetensors.part1': bad } });
  await assert.rejects(L3.fromZoo(), /part 1 \(bvlc-alexnet-int8\.safetensors\.part1\) is corrupt/);
});

test('manifests of both versions are read; bad ones are refused with the reason', () => {
  const v1 = { version: 1, name: 'a', size: 3, sha256: 'ab'.repeat(32), parts: [{ file: 'a.part0', size: 3, sha256: 'cd'.repeat(32) }] };
  assert.equal(readManifest(v1).bytes, 3);
  assert.throws(() => readManifest({ version: 1, parts: [] }), /no "parts" list/);
  assert.throws(() => readManifest({ ...v1, version: 9 }), /version 9/);
  assert.throws(() => readManifest({ ...v1, size: 4 }), /add up to 3 bytes, but the manifest says 4/);
  assert.throws(() => readManifest({ ...v1, parts: [{ ...v1.parts[0], file: '../etc/passwd' }] }), /relative name/);
  assert.throws(() => readManifest({ ...v1, parts: [{ ...v1.parts[0], file: 'https://evil.example/x' }] }), /relative name/);
  assert.ok(isManifestUrl('https://s/weights/manifest.json') && isManifestUrl('https://s/x.parts.json') && !isManifestUrl('https://s/x.onnx'));
});

test('a chosen file is judged from its size and first bytes before it is read', async () => {
  const { L, log } = setup({ zooBytes: onnxLike(10, 1) });
  let read = 0;
  const fileOf = (bytes, name, size = bytes.length) => ({
    name, size, slice: (a, b) => ({ arrayBuffer: async () => bytes.slice(a, b).buffer }),
    stream: () => { read++; return body(bytes); },
  });
  await assert.rejects(L.fromFile(fileOf(new Uint8Array(100), 'zeros.bin')), /this file is neither an ONNX model/);
  await assert.rejects(L.fromFile(fileOf(new Uint8Array(8), 'huge.onnx', 5e9)), /this file is too big/);
  assert.equal(read, 0, 'refused files are never read');
  assert.equal(log.buffers, 0, 'nor is wasm memory reserved for them');
  const ok = onnxLike(5000, 3);
  const s = await L.fromFile(fileOf(ok, 'mine.onnx'));
  assert.equal(s.sha, sha(ok));
  assert.equal(s.options.name, 'mine.onnx');
  assert.deepEqual(s.options.vouched, [], 'a chosen file is vouched for by nobody');
});

test('sessionFromBytes pushes in pieces and frees the buffer when a push fails', () => {
  const { wasm, log } = fakeWasm();
  const bytes = bytesOf(20 << 20);
  const s = sessionFromBytes(wasm, bytes, { name: 'x' });
  assert.equal(s.sha, sha(bytes));
  class Failing extends wasm.WeightsBuffer { push() { throw new Error('the weights file is longer than announced'); } }
  assert.throws(() => sessionFromBytes({ ...wasm, WeightsBuffer: Failing }, bytes), /longer than announced/);
  assert.equal(log.freed, 1);
});

test('the record key is a URL of this origin that is never fetched', () => {
  assert.equal(recordKey('https://site.example'), 'https://site.example/__alexnet-explainer__/stored-weights.json');
});
