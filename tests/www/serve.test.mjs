// Unit tests for scripts/serve.mjs: MIME types, isolation headers, traversal refusal, HEAD, ranges, streaming.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServer, resolveRequestPath, parseRange, mimeType } from '../../scripts/serve.mjs';

const SECRET = 'top secret, outside the root';
let base; // temp dir holding the root and, beside it, a file the server must never hand out
let root;
let app;

/** Raw request: unlike fetch, http.request sends the path exactly as written (no `..` clean-up). */
function request(rawPath, { method = 'GET', headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: app.port, path: rawPath, method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

before(async () => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'serve-test-'));
  root = path.join(base, 'root');
  const files = {
    'index.html': '<!doctype html><title>root</title>',
    'a.wasm': Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]),
    'a.js': 'export const a = 1;',
    'a.mjs': 'export const b = 2;',
    'a.json': '{"ok":true}',
    'style.css': 'body{}',
    'img.png': Buffer.from([0x89, 0x50, 0x4e, 0x47]),
    'photo.jpg': Buffer.from([0xff, 0xd8, 0xff]),
    'icon.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
    'model.onnx': Buffer.alloc(16),
    'model.safetensors': Buffer.alloc(16),
    'ref.npy': Buffer.alloc(16),
    'unknown.xyz': 'x',
    'empty.txt': '',
    'sub/index.html': '<!doctype html><title>sub</title>',
    'sub/file.txt': 'in sub',
    '.git/config': SECRET,
    '.venv/pyvenv.cfg': SECRET,
    'target/release/x': SECRET,
    'node_modules/x/index.js': SECRET,
    'sub/.hidden': SECRET,
  };
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), content);
  }
  fs.writeFileSync(path.join(base, 'secret.txt'), SECRET);
  fs.symlinkSync(path.join(base, 'secret.txt'), path.join(root, 'link.txt'));
  // 3 MB of a known pattern, to check that streaming delivers every byte.
  const big = Buffer.alloc(3 * 1024 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = i % 251;
  fs.writeFileSync(path.join(root, 'big.bin'), big);
  app = await createServer({ root, port: 0 });
});

after(async () => {
  await app?.close();
  fs.rmSync(base, { recursive: true, force: true });
});

test('url is http://127.0.0.1:<port>/ on the chosen free port', () => {
  assert.ok(app.port > 0);
  assert.equal(app.url, `http://127.0.0.1:${app.port}/`);
});

test('MIME types by extension', async () => {
  const expected = {
    '/a.wasm': 'application/wasm',
    '/a.js': 'text/javascript; charset=utf-8',
    '/a.mjs': 'text/javascript; charset=utf-8',
    '/a.json': 'application/json; charset=utf-8',
    '/index.html': 'text/html; charset=utf-8',
    '/style.css': 'text/css; charset=utf-8',
    '/img.png': 'image/png',
    '/photo.jpg': 'image/jpeg',
    '/icon.svg': 'image/svg+xml',
    '/model.onnx': 'application/octet-stream',
    '/model.safetensors': 'application/octet-stream',
    '/ref.npy': 'application/octet-stream',
    '/unknown.xyz': 'application/octet-stream',
  };
  for (const [p, type] of Object.entries(expected)) {
    const res = await request(p);
    assert.equal(res.status, 200, p);
    assert.equal(res.headers['content-type'], type, p);
  }
  assert.equal(mimeType('X.WASM'), 'application/wasm');
});

test('isolation and safety headers on success and on errors', async () => {
  for (const p of ['/a.wasm', '/missing', '/../secret.txt', '/.git/config']) {
    const res = await request(p);
    assert.equal(res.headers['cross-origin-opener-policy'], 'same-origin', p);
    assert.equal(res.headers['cross-origin-embedder-policy'], 'require-corp', p);
    assert.equal(res.headers['cross-origin-resource-policy'], 'same-origin', p);
    assert.equal(res.headers['x-content-type-options'], 'nosniff', p);
    assert.equal(res.headers['cache-control'], 'no-cache', p);
  }
});

test('/ serves index.html, a directory with a slash serves its index.html', async () => {
  assert.match((await request('/')).body.toString(), /<title>root<\/title>/);
  assert.match((await request('/sub/')).body.toString(), /<title>sub<\/title>/);
  assert.match((await request('/?v=1')).body.toString(), /<title>root<\/title>/);
});

test('a directory without its slash redirects, keeping the query', async () => {
  const res = await request('/sub?x=1');
  assert.equal(res.status, 301);
  assert.equal(res.headers.location, '/sub/?x=1');
});

test('traversal is refused in every encoding', async () => {
  const attempts = [
    '/../secret.txt',
    '/sub/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E/secret.txt',
    '/.%2e/secret.txt',
    '/sub/%2e%2e/%2e%2e/secret.txt',
    '/..%2fsecret.txt',
    '/..%2Fsecret.txt',
    '/sub%2f..%2f..%2fsecret.txt',
    '/..%5csecret.txt',
    '/..\\secret.txt',
    '/sub\\..\\..\\secret.txt',
    '/%252e%252e/secret.txt',
    '/secret.txt%00.png',
    '/index.html%00',
    '/link.txt', // a symlink pointing out of the root
    '/./a.js',
    'secret.txt', // not origin-form
  ];
  for (const p of attempts) {
    const res = await request(p);
    assert.ok([400, 403, 404].includes(res.status), `${p} → ${res.status}`);
    assert.ok(!res.body.toString().includes(SECRET), `${p} leaked the secret`);
  }
});

test('.git, .venv, target, node_modules and dot files are 404', async () => {
  for (const p of ['/.git/config', '/.venv/pyvenv.cfg', '/target/release/x', '/node_modules/x/index.js',
    '/sub/.hidden', '/%2egit/config']) {
    const res = await request(p);
    assert.equal(res.status, 404, p);
    assert.ok(!res.body.toString().includes(SECRET), p);
  }
});

test('missing file is 404 with a text body', async () => {
  const res = await request('/nope.js');
  assert.equal(res.status, 404);
  assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
});

test('HEAD sends the headers and Content-Length but no body', async () => {
  const res = await request('/big.bin', { method: 'HEAD' });
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-length'], String(3 * 1024 * 1024));
  assert.equal(res.body.length, 0);
  const missing = await request('/nope', { method: 'HEAD' });
  assert.equal(missing.status, 404);
  assert.equal(missing.body.length, 0);
});

test('other methods are 405', async () => {
  const res = await request('/a.js', { method: 'POST' });
  assert.equal(res.status, 405);
  assert.equal(res.headers.allow, 'GET, HEAD');
});

test('large files stream completely with Content-Length', async () => {
  const res = await request('/big.bin');
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-length'], String(3 * 1024 * 1024));
  assert.ok(res.body.equals(fs.readFileSync(path.join(root, 'big.bin'))));
});

test('empty file is 200 with Content-Length 0', async () => {
  const res = await request('/empty.txt');
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-length'], '0');
});

test('Range requests return 206 with the right bytes, 416 when out of bounds', async () => {
  const res = await request('/big.bin', { headers: { Range: 'bytes=251-260' } });
  assert.equal(res.status, 206);
  assert.equal(res.headers['content-range'], `bytes 251-260/${3 * 1024 * 1024}`);
  assert.deepEqual([...res.body], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const bad = await request('/big.bin', { headers: { Range: 'bytes=99999999-' } });
  assert.equal(bad.status, 416);
});

test('ETag revalidation answers 304', async () => {
  const first = await request('/a.js');
  const again = await request('/a.js', { headers: { 'If-None-Match': first.headers.etag } });
  assert.equal(again.status, 304);
  assert.equal(again.body.length, 0);
});

test('resolveRequestPath and parseRange', () => {
  assert.deepEqual(resolveRequestPath('/www/main.js?x#y'), { segments: ['www', 'main.js'], trailingSlash: false });
  assert.deepEqual(resolveRequestPath('/a%20b.txt'), { segments: ['a b.txt'], trailingSlash: false });
  assert.deepEqual(resolveRequestPath('/%E0%A4%A'), { status: 400 });
  assert.deepEqual(parseRange('bytes=0-0', 10), { start: 0, end: 0 });
  assert.deepEqual(parseRange('bytes=-3', 10), { start: 7, end: 9 });
  assert.deepEqual(parseRange('bytes=5-', 10), { start: 5, end: 9 });
  assert.deepEqual(parseRange('bytes=5-100', 10), { start: 5, end: 9 });
  assert.equal(parseRange('bytes=10-', 10), 'unsatisfiable');
  assert.equal(parseRange('bytes=0-1,4-5', 10), null);
});

test('a file asked for as a folder (/index.html/) is redirected to the file, not served under a wrong base', async () => {
  const r = await request('/index.html/');
  assert.equal(r.status, 301);
  assert.equal(r.headers.location, '/index.html');
  const q = await request('/a.js/?x=1');
  assert.equal(q.status, 301);
  assert.equal(q.headers.location, '/a.js?x=1');
  assert.equal((await request('/')).status, 200, 'the root is still served');
});

test('a port already in use is reported, not swallowed', async () => {
  await assert.rejects(createServer({ root, port: app.port }), { code: 'EADDRINUSE' });
});

test('the Content-Security-Policy allows only our origin and wasm compilation, on every response', async () => {
  const { CONTENT_SECURITY_POLICY } = await import('../../scripts/serve.mjs');
  for (const p of ['/', '/a.js', '/a.wasm', '/missing', '/../secret.txt']) {
    assert.equal((await request(p)).headers['content-security-policy'], CONTENT_SECURITY_POLICY, p);
  }
  const directives = Object.fromEntries(CONTENT_SECURITY_POLICY.split(/;\s*/).map((d) => { const [k, ...v] = d.split(' '); return [k, v]; }));
  assert.deepEqual(directives['default-src'], ["'self'"]);
  assert.deepEqual(directives['script-src'], ["'self'", "'wasm-unsafe-eval'"]);
  // Our origin, and exactly Hugging Face and its CDN for the Model Zoo download: the engine's own list.
  assert.deepEqual(directives['connect-src'], ["'self'", 'https://huggingface.co', 'https://*.hf.co']);
  const zoo = fs.readFileSync(new URL('../../src/weights/zoo.rs', import.meta.url), 'utf8');
  const engineOrigins = /CONNECT_ORIGINS: &\[&str\] = &\[([^\]]*)\]/.exec(zoo)[1].match(/"[^"]+"/g).map((x) => JSON.parse(x));
  assert.deepEqual(directives['connect-src'].slice(1), engineOrigins, 'serve.mjs and src/weights/zoo.rs agree');
  assert.ok(!CONTENT_SECURITY_POLICY.includes('github'), 'GitHub no longer serves the Zoo files');
  assert.deepEqual(directives['object-src'], ["'none'"]);
  for (const v of Object.values(directives).flat()) {
    assert.ok(!["'unsafe-eval'", "'unsafe-inline'", '*', 'http:', 'https:'].includes(v), `the policy allows ${v}`);
  }
  // index.html carries the same policy for static hosts.
  const html = fs.readFileSync(new URL('../../index.html', import.meta.url), 'utf8');
  const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  assert.equal(meta?.[1], CONTENT_SECURITY_POLICY);
  const embed = fs.readFileSync(new URL('../../embed.html', import.meta.url), 'utf8');
  assert.match(embed, /connect-src 'self' https:\/\/huggingface\.co https:\/\/\*\.hf\.co;/, 'embed.html allows the same connections');
});

test('the server listens on 127.0.0.1 unless told otherwise', async () => {
  assert.equal(app.server.address().address, '127.0.0.1');
  const cli = fs.readFileSync(new URL('../../scripts/serve.mjs', import.meta.url), 'utf8');
  assert.match(cli, /host: '127\.0\.0\.1'/);
});

test('more traversal encodings: overlong UTF-8, double encoding, mixed separators, absolute paths', async () => {
  const attempts = [
    '/%c0%ae%c0%ae/secret.txt', // overlong UTF-8 for '.', rejected by decodeURIComponent
    '/%c0%af..%c0%afsecret.txt',
    '/%25%32%65%25%32%65/secret.txt', // %2e%2e encoded once more
    '/..%252fsecret.txt',
    '/sub/..%2f..%2fsecret.txt',
    '/.%2e/.%2e/secret.txt',
    '/%2e%2e%5csecret.txt',
    '/sub/%2E./%2E./secret.txt',
    '//etc/passwd',
    '/..;/secret.txt',
    '/sub/./../../secret.txt',
    `/${'../'.repeat(20)}secret.txt`,
    '/%2e%2e%2f%2e%2e%2fsecret.txt',
    '/link.txt/',
    '/%ef%bc%8e%ef%bc%8e/secret.txt', // fullwidth dots are just a name, which does not exist
  ];
  for (const p of attempts) {
    const res = await request(p);
    assert.ok([301, 400, 403, 404].includes(res.status), `${p} → ${res.status}`);
    assert.ok(!res.body.toString().includes(SECRET), `${p} leaked the secret`);
  }
});
