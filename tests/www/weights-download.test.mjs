// The worker's one download loop in Node: resume with Range, restarts, every failure's code, cancel, lazy memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { download, rateMeter, MAX_STALLS } from '../../www/worker/download.js';
import { bytesOf, collector, body, fileServer, fast } from './download-fixtures.mjs';

test('a whole file arrives, with progress that never goes back, rate and time left', async () => {
  const file = bytesOf(25_000);
  const { fetchFn, log } = fileServer(file);
  const sink = collector();
  const progress = [];
  let t = 0;
  await download('https://huggingface.co/x.onnx', file.length, sink, { fetchFn, onProgress: (p) => progress.push(p), now: () => (t += 50), ...fast });
  assert.ok(Buffer.from(file).equals(sink.bytes));
  assert.equal(log.length, 1);
  assert.equal(log[0].credentials, 'omit', 'no credentials: only a wildcard ACAO passes after a cross-site redirect');
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i].loaded >= progress[i - 1].loaded);
  assert.equal(progress.at(-1).loaded, file.length);
  assert.ok(progress.some((p) => p.rate > 0 && p.eta !== null), 'rate and time left are reported');
});

test('a dropped connection resumes with Range: bytes=N- from the stable URL', async () => {
  const file = bytesOf(50_000, 2);
  const { fetchFn, log } = fileServer(file, { dropFirstAt: 20_000 });
  const sink = collector();
  const retries = [];
  await download('https://huggingface.co/x.onnx', file.length, sink, { fetchFn, onRetry: (r) => retries.push(r), ...fast });
  assert.ok(Buffer.from(file).equals(sink.bytes));
  assert.deepEqual(log.map((l) => l.range), [null, 'bytes=20000-']);
  assert.ok(log.every((l) => l.url === 'https://huggingface.co/x.onnx'), 'every attempt asks the stable URL');
  assert.equal(retries.length, 1);
  assert.equal(sink.resets, 0);
});

test('a server that ignores the range starts the sink again; a wrong range start too', async () => {
  const file = bytesOf(30_000, 3);
  const a = fileServer(file, { dropFirstAt: 10_000, ignoreRange: true });
  const sink = collector();
  await download('https://h/x', file.length, sink, { fetchFn: a.fetchFn, ...fast });
  assert.ok(Buffer.from(file).equals(sink.bytes));
  assert.equal(sink.resets, 1);

  let calls = 0;
  const wrongStart = async (_url, init) => {
    calls++;
    if (calls === 1) return new Response(body(file, { dropAfter: 5000 }), { headers: { 'Content-Length': String(file.length) } });
    if (init.headers.Range) return new Response(body(file.subarray(100)), { status: 206, headers: { 'Content-Range': `bytes 100-${file.length - 1}/${file.length}` } });
    return new Response(body(file), { headers: { 'Content-Length': String(file.length) } });
  };
  const sink2 = collector();
  await download('https://h/x', file.length, sink2, { fetchFn: wrongStart, ...fast });
  assert.ok(Buffer.from(file).equals(sink2.bytes));
  assert.equal(sink2.resets, 1);

  // A CDN sending only Access-Control-Allow-Origin exposes no Content-Range: a 206 whose (safelisted)
  // Content-Length fits the range asked for is spliced in.
  let n = 0;
  const hidden = async (_url, init) => {
    n++;
    if (n === 1) return new Response(body(file, { dropAfter: 7000 }), { headers: { 'Content-Length': String(file.length) } });
    const start = Number(/\d+/.exec(init.headers.Range)[0]);
    return new Response(body(file.subarray(start)), { status: 206, headers: { 'Content-Length': String(file.length - start) } });
  };
  const sink3 = collector();
  await download('https://h/x', file.length, sink3, { fetchFn: hidden, ...fast });
  assert.ok(Buffer.from(file).equals(sink3.bytes));
  assert.equal(sink3.resets, 0);
  assert.equal(n, 2);
});

test('each failure has its own code', async () => {
  const file = bytesOf(1000);
  const err = (fn, opts = {}) => download('https://huggingface.co/x', file.length, collector(), { fetchFn: fn, ...fast, ...opts }).then(() => null, (e) => e);

  const notFound = fileServer(file, { status: 404 });
  const e404 = await err(notFound.fetchFn);
  assert.equal(e404.code, 'http');
  assert.equal(e404.status, 404);
  assert.equal(notFound.log.length, 1, 'a 404 is not asked again');
  assert.match(e404.message, /huggingface\.co answered HTTP 404/);

  // A 403 (an expired signed CDN URL) is asked again at the stable URL, which redirects to a fresh one.
  const expired = fileServer(file, { status: (n) => (n === 1 ? 403 : null) });
  assert.equal(await err(expired.fetchFn), null);
  assert.equal(expired.log.length, 2);

  const down = fileServer(file, { status: 503 });
  const e503 = await err(down.fetchFn);
  assert.equal(e503.code, 'http');
  assert.equal(down.log.length, MAX_STALLS);

  const offline = await err(async () => { throw new TypeError('Failed to fetch'); }, { online: () => false });
  assert.equal(offline.code, 'offline');
  const unreachable = await err(async () => { throw new TypeError('Failed to fetch'); }, { online: () => true });
  assert.equal(unreachable.code, 'network');
  assert.match(unreachable.message, /could not be reached, or its answer was not readable/);
  const csp = await err(async () => { throw new TypeError('Failed to fetch'); }, { cspBlocked: () => 'https://evil.example/x' });
  assert.equal(csp.code, 'csp');
  assert.match(csp.message, /Content-Security-Policy does not allow connecting to evil\.example/);

  const other = await err(async () => new Response(body(bytesOf(2000)), { headers: { 'Content-Length': '2000' } }));
  assert.equal(other.code, 'size');
  assert.match(other.message, /2000 bytes, but the expected file has 1000/);
  const longer = await err(async () => new Response(body(bytesOf(2000))));
  assert.equal(longer.code, 'size');

  const dropsForever = await err(async () => new Response(body(file, { dropAfter: 0 }), { headers: { 'Content-Length': '1000' } }));
  assert.equal(dropsForever.code, 'stalled');
});

test('cancelling stops the download with cancelled: true', async () => {
  const file = bytesOf(100_000);
  const controller = new AbortController();
  let pushed = 0;
  const sink = { push: (c) => { pushed += c.length; if (pushed > 30_000) controller.abort(); }, reset() {} };
  const fetchFn = async (_url, init) => {
    const stream = body(file, { chunk: 5000 });
    init.signal?.addEventListener('abort', () => {});
    return new Response(stream, { headers: { 'Content-Length': String(file.length) } });
  };
  const e = await download('https://h/x', file.length, sink, { fetchFn, signal: controller.signal, ...fast }).then(() => null, (x) => x);
  assert.equal(e?.cancelled, true);
});

test('with no size given the first answer sets it, and the sink is made for exactly that size', async () => {
  const file = bytesOf(4321);
  const sizes = [];
  const sink = collector();
  await download('https://h/x', null, (n) => { sizes.push(n); return sink; }, { fetchFn: fileServer(file).fetchFn, ...fast });
  assert.deepEqual(sizes, [4321]);
  assert.ok(Buffer.from(file).equals(sink.bytes));
  const noLength = await download('https://h/x', null, () => sink, { fetchFn: async () => new Response(body(file)), ...fast }).then(() => null, (e) => e);
  assert.equal(noLength.code, 'size');
});

test('rateMeter: bytes per second over its window', () => {
  let t = 0;
  const m = rateMeter(() => t, 1000);
  m.sample(0, 1000);
  t = 500;
  const r = m.sample(250, 1000);
  assert.equal(r.rate, 500);
  assert.equal(r.eta, 1.5);
});

test('a server that ignores Range and drops at the same byte every time is not asked forever', async () => {
  const file = bytesOf(10_000);
  let calls = 0;
  const fetchFn = async () => {
    calls++;
    return new Response(body(file, { dropAfter: 5000 }), { headers: { 'Content-Length': String(file.length) } });
  };
  const e = await download('https://h/x', file.length, collector(), { fetchFn, ...fast }).then(() => null, (x) => x);
  assert.equal(e.code, 'stalled');
  assert.match(e.message, /kept dropping \(5000 of 10000 bytes arrived/);
  assert.equal(calls, MAX_STALLS);
});

test('memory for a download is taken only when a server answers with the file', async () => {
  let made = 0;
  const lazy = () => { made++; return collector(); };
  const offline = await download('https://h/x', 1000, lazy, { fetchFn: async () => { throw new TypeError('Failed to fetch'); }, online: () => false, ...fast }).then(() => null, (e) => e);
  assert.equal(offline.code, 'offline');
  const missing = await download('https://h/x', 1000, lazy, { fetchFn: async () => new Response('no', { status: 404 }), ...fast }).then(() => null, (e) => e);
  assert.equal(missing.status, 404);
  assert.equal(made, 0, 'no sink was made for downloads that never started');
  await download('https://h/x', 1000, lazy, { fetchFn: fileServer(bytesOf(1000)).fetchFn, ...fast });
  assert.equal(made, 1);
});
