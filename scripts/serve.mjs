#!/usr/bin/env node
// A small static file server for the explainer: repo root, COOP/COEP headers, streamed files, no dependencies.
//
// Usage: node scripts/serve.mjs [--host 127.0.0.1] [--port 8000] [--root DIR] [--quiet]
// (PORT in the environment sets the port too; --port wins.)
// Tests import `createServer` and start it on port 0 in-process.

import http from 'node:http';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** File extension → Content-Type. Anything not listed is served as application/octet-stream. */
export const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.toml': 'text/plain; charset=utf-8',
  '.rs': 'text/plain; charset=utf-8',
  '.py': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.onnx': 'application/octet-stream',
  '.safetensors': 'application/octet-stream',
  '.npy': 'application/octet-stream',
  '.bin': 'application/octet-stream',
};

// Top-level directories that hold build output, dependencies or tooling rather than the site.
// Dot-directories (.git, .venv, .cargo, .ci) are refused separately, at any depth.
const HIDDEN_TOP_DIRS = new Set(['target', 'node_modules']);

/**
 * The origins besides our own that the page may fetch from: Hugging Face, which serves the Model Zoo's BVLC
 * weights the user asks for, and its CDN hosts under *.hf.co that it redirects downloads to. Nothing else. The
 * engine's own list (src/weights/zoo.rs CONNECT_ORIGINS) is the same; tests/www/serve.test.mjs checks it.
 */
export const CONNECT_HOSTS = Object.freeze([
  'https://huggingface.co',
  'https://*.hf.co',
]);

/**
 * The Content-Security-Policy: everything from our own origin only, plus compiling wasm ('wasm-unsafe-eval', not
 * 'unsafe-eval') and fetching from CONNECT_HOSTS. Images may also be data: (the blank favicon) and blob: URLs.
 * Nothing is ever sent elsewhere, so images never leave the machine; without the download button nothing is even
 * fetched from elsewhere. index.html carries the same policy in a <meta http-equiv> for static hosts that cannot
 * send headers (tests/e2e/robustness.test.mjs checks they agree). No frame-ancestors: embed.html is meant to be
 * framed by other sites.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  // The one download the page offers: the Model Zoo's weights on Hugging Face and its CDN.
  `connect-src 'self' ${CONNECT_HOSTS.join(' ')}`,
  "worker-src 'self' blob:", // embeds on another origin start the engine (and its pool helpers) from blob: URLs
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');

// Sent on every response, errors included. COOP + COEP make the page cross-origin isolated
// (SharedArrayBuffer, threaded wasm); CORP keeps our files from being embedded by other origins.
const COMMON_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-cache',
};

/** Content-Type for a file path, by extension. */
export function mimeType(filePath) {
  return MIME_TYPES[path.extname(filePath).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Maps a raw request target to path segments under the root, or to an HTTP status refusing it.
 * Works on the raw, still-encoded URL on purpose: WHATWG URL parsing would silently resolve
 * `..` and `%2e%2e`, turning an attack into an ordinary request instead of refusing it.
 * @returns {{segments: string[], trailingSlash: boolean} | {status: number}}
 */
export function resolveRequestPath(rawUrl) {
  const rawPath = rawUrl.split(/[?#]/, 1)[0];
  if (!rawPath.startsWith('/')) return { status: 400 };
  // Encoded separators and NUL have no business in a file name; backslashes are separators on Windows.
  if (/%2f|%5c|%00/i.test(rawPath) || rawPath.includes('\\') || rawPath.includes('\0')) {
    return { status: 403 };
  }
  let decoded;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { status: 400 };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { status: 403 };
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.')) return { status: 403 };
  if (segments.some((s) => s.startsWith('.'))) return { status: 404 };
  if (segments.length > 0 && HIDDEN_TOP_DIRS.has(segments[0])) return { status: 404 };
  return { segments, trailingSlash: decoded.endsWith('/') };
}

/**
 * Parses a single `bytes=` range against a file size.
 * @returns {{start: number, end: number} | null | 'unsatisfiable'} null means "ignore the header".
 */
export function parseRange(header, size) {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null; // Multiple or malformed ranges: send the whole file.
  let start;
  let end;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

function isInside(root, candidate) {
  const rel = path.relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function sendStatus(req, res, status, extraHeaders = {}) {
  const body = `${status} ${http.STATUS_CODES[status] ?? ''}\n`;
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    ...extraHeaders,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

async function handle(root, req, res) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendStatus(req, res, 405, { Allow: 'GET, HEAD' });
    return;
  }
  const target = resolveRequestPath(req.url ?? '/');
  if ('status' in target) {
    sendStatus(req, res, target.status);
    return;
  }
  let filePath = path.join(root, ...target.segments);
  let stat = await fsp.stat(filePath).catch(() => null);
  const requestedFile = !!stat?.isFile();
  if (stat?.isDirectory()) {
    // A directory URL without its slash would resolve relative links against the parent; redirect.
    if (!target.trailingSlash && target.segments.length > 0) {
      const query = (req.url ?? '').slice((req.url ?? '').split(/[?#]/, 1)[0].length);
      sendStatus(req, res, 301, { Location: `/${target.segments.map(encodeURIComponent).join('/')}/${query}` });
      return;
    }
    filePath = path.join(filePath, 'index.html');
    stat = await fsp.stat(filePath).catch(() => null);
  }
  if (requestedFile && target.trailingSlash) {
    // `/index.html/` is not a folder: served as the page, its relative scripts would resolve under it and 404.
    const query = (req.url ?? '').slice((req.url ?? '').split(/[?#]/, 1)[0].length);
    sendStatus(req, res, 301, { Location: `/${target.segments.map(encodeURIComponent).join('/')}${query}` });
    return;
  }
  if (!stat?.isFile() && target.segments.length === 0 && fs.existsSync(path.join(root, 'www', 'index.html'))) {
    // The app may live in www/ rather than at the root; send the bare address there.
    sendStatus(req, res, 302, { Location: '/www/' });
    return;
  }
  if (!stat?.isFile()) {
    sendStatus(req, res, 404);
    return;
  }
  // A symlink could point out of the tree; resolve it and check again.
  const real = await fsp.realpath(filePath).catch(() => null);
  if (real === null || !isInside(root, real)) {
    sendStatus(req, res, 403);
    return;
  }

  const etag = `W/"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
  const headers = {
    ...COMMON_HEADERS,
    'Content-Type': mimeType(filePath),
    'Last-Modified': stat.mtime.toUTCString(),
    ETag: etag,
    'Accept-Ranges': 'bytes',
  };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }

  let status = 200;
  let start = 0;
  let end = stat.size - 1;
  if (req.headers.range !== undefined) {
    const range = parseRange(req.headers.range, stat.size);
    if (range === 'unsatisfiable') {
      sendStatus(req, res, 416, { 'Content-Range': `bytes */${stat.size}` });
      return;
    }
    if (range !== null) {
      status = 206;
      ({ start, end } = range);
      headers['Content-Range'] = `bytes ${start}-${end}/${stat.size}`;
    }
  }
  // Content-Length lets the browser show download progress for the 244 MB weight files.
  headers['Content-Length'] = stat.size === 0 ? 0 : end - start + 1;
  res.writeHead(status, headers);
  if (req.method === 'HEAD' || stat.size === 0) {
    res.end();
    return;
  }
  // Stream: a weight file must never be read into memory in one piece.
  await pipeline(fs.createReadStream(filePath, { start, end }), res);
}

/**
 * Starts the static server and resolves once it is listening.
 * @param {{root?: string, host?: string, port?: number, log?: boolean,
 *   handler?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean}} [options]
 *   root defaults to the repository root, host to 127.0.0.1, port to 8000 (0 picks a free one). `handler` (tests
 *   only) sees each request first and returns true when it answered it, e.g. to serve a download that fails.
 * @returns {Promise<{server: http.Server, url: string, port: number, close: () => Promise<void>}>}
 *   url ends with a slash, e.g. `http://127.0.0.1:8000/`.
 */
export async function createServer({ root = REPO_ROOT, host = '127.0.0.1', port = 8000, log = false, handler } = {}) {
  const realRoot = await fsp.realpath(path.resolve(root));
  const server = http.createServer((req, res) => {
    if (log) {
      res.on('finish', () => console.log(`${req.method} ${req.url} ${res.statusCode}`));
    }
    if (handler?.(req, res)) return;
    handle(realRoot, req, res).catch((err) => {
      // A client that goes away mid-download is normal; anything else is worth a line.
      if (err?.code !== 'ERR_STREAM_PREMATURE_CLOSE') console.error(`error serving ${req.url}: ${err?.message ?? err}`);
      if (!res.headersSent) sendStatus(req, res, 500);
      else res.destroy();
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = server.address().port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    server,
    port: actualPort,
    url: `http://${urlHost}:${actualPort}/`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function parseArgs(argv) {
  const opts = { host: '127.0.0.1', port: process.env.PORT ? Number(process.env.PORT) : 8000, root: REPO_ROOT, log: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      if (i + 1 >= argv.length) throw new Error(`${flag} needs a value`);
      return argv[++i];
    };
    if (flag === '--host') opts.host = value();
    else if (flag === '--port' || flag === '-p') opts.port = Number(value());
    else if (flag === '--root') opts.root = path.resolve(value());
    else if (flag === '--quiet' || flag === '-q') opts.log = false;
    else if (flag === '--help' || flag === '-h') opts.help = true;
    else throw new Error(`unknown argument: ${arg}`);
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    throw new Error(`invalid port: ${opts.port}`);
  }
  return opts;
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`serve: ${err.message} (try --help)`);
    process.exit(2);
  }
  if (opts.help) {
    console.log('Usage: node scripts/serve.mjs [--host 127.0.0.1] [--port 8000] [--root DIR] [--quiet]');
    return;
  }
  try {
    const { url } = await createServer(opts);
    console.log(`Serving AlexNet Explainer at ${url}`);
    if (!fs.existsSync(path.join(opts.root, 'pkg', 'alexnet_explainer_bg.wasm'))) {
      console.log('(pkg/ has not been built yet: run ./scripts/build-wasm.sh, or start with ./scripts/serve.sh)');
    }
  } catch (err) {
    if (err.code === 'EADDRINUSE') {
      console.error(`serve: port ${opts.port} on ${opts.host} is in use; pick another with --port N`);
    } else {
      console.error(`serve: ${err.message}`);
    }
    process.exit(1);
  }
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main();
}
