// Shared by the worker's download and loader tests: bytes, a collecting sink, bodies that drop, a one-file server.

import crypto from 'node:crypto';

export const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');

export function bytesOf(n, seed = 1) {
  const b = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    b[i] = s >>> 24;
  }
  return b;
}

/** A sink collecting what a download pushes. */
export function collector() {
  const chunks = [];
  let resets = 0;
  return {
    push: (c) => chunks.push(new Uint8Array(c)),
    reset: () => { chunks.length = 0; resets++; },
    get bytes() { return Buffer.concat(chunks); },
    get resets() { return resets; },
  };
}

/** A body that sends `bytes` in chunks of `chunk` and errors after `dropAfter` bytes (a dropped connection). */
export function body(bytes, { chunk = 1000, dropAfter = Infinity } = {}) {
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      if (sent >= dropAfter) return c.error(new TypeError('network error: connection reset'));
      if (sent >= bytes.length) return c.close();
      const n = Math.min(chunk, bytes.length - sent, dropAfter - sent);
      c.enqueue(bytes.slice(sent, sent + n));
      sent += n;
    },
  });
}

/** A server for one file: honours `Range: bytes=N-` (206), optionally drops the first answer mid-body. */
export function fileServer(file, { dropFirstAt = null, ignoreRange = false, status = null } = {}) {
  const log = [];
  const fetchFn = async (url, init = {}) => {
    const range = init.headers?.Range ?? null;
    log.push({ url, range, credentials: init.credentials });
    const s = typeof status === 'function' ? status(log.length) : status;
    if (s) return new Response('no', { status: s, statusText: 'Nope' });
    const drop = log.length === 1 && dropFirstAt !== null ? dropFirstAt : Infinity;
    const m = /^bytes=(\d+)-$/.exec(range ?? '');
    if (m && !ignoreRange) {
      const start = Number(m[1]);
      return new Response(body(file.subarray(start)), { status: 206, headers: { 'Content-Range': `bytes ${start}-${file.length - 1}/${file.length}`, 'Content-Length': String(file.length - start) } });
    }
    return new Response(body(file, { dropAfter: drop }), { headers: { 'Content-Length': String(file.length) } });
  };
  return { fetchFn, log };
}

export const fast = { backoffMs: () => 0 };
