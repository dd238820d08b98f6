// Every way weights reach the worker's engine: a chosen file, a same-origin URL, the Model Zoo download, the stored copy.
//
// Each path judges a file from its size and first bytes before reading the rest, streams it straight into the
// engine's WeightsBuffer (wasm memory holds it once; the buffer hashes as it fills) and hands the buffer to
// `Session.fromBuffer`, which decides from digests alone whether the weights are the trained BVLC ones.

import { download, DownloadError } from './download.js';

/** Bytes pushed into wasm per call when a chunk is large (each call copies its piece once). */
const PUSH_BYTES = 8 << 20;

/**
 * A wasm Session from a file's bytes already in hand (benchmarks, tests), through the engine's WeightsBuffer: the
 * bytes go into wasm memory piece by piece and the engine views its tensors there in place, so wasm memory holds
 * the file once plus one piece. A failed push frees the buffer. Throws what the engine throws for a wrong file.
 * @param {{Session: any, WeightsBuffer: any}} wasm the loaded package's classes
 * @param {Uint8Array} bytes
 * @param {{name?: string, vouched?: object[]}} [options] as `Session.fromBuffer` takes them
 */
export function sessionFromBytes({ Session, WeightsBuffer }, bytes, options = {}) {
  const buf = new WeightsBuffer(bytes.length, false);
  try {
    for (let off = 0; off < bytes.length; off += PUSH_BYTES) buf.push(bytes.subarray(off, off + PUSH_BYTES));
  } catch (err) {
    buf.free();
    throw err;
  }
  return Session.fromBuffer(buf, options);
}

/** True for a manifest of parts (`x.parts.json`) or the site manifest (`manifest.json`). */
export function isManifestUrl(url) {
  return /(\.parts|\/manifest)\.json$/i.test(new URL(url, 'http://x/').pathname);
}

/**
 * A manifest in either format: the site manifest (version 2, written by build-static.sh:
 * `{version: 2, name, dtype, bytes, sha256, from: {name, sha256}, parts: [{file, bytes, sha256}], autoload}`) or a
 * parts manifest (version 1, scripts/split-weights.mjs: `{version: 1, name, size, sha256, parts: [{file, size,
 * sha256}]}`). Returns `{name, bytes, sha256, dtype?, from?, autoload, parts: [{file, bytes, sha256}]}` or throws
 * with what is wrong.
 */
export function readManifest(m) {
  if (!m || typeof m !== 'object' || !Array.isArray(m.parts) || !m.parts.length) throw new Error('not a weights manifest (no "parts" list)');
  if (m.version !== 1 && m.version !== 2) throw new Error(`manifest version ${m.version} is not supported (expected 1 or 2)`);
  const hex = (v) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
  const parts = m.parts.map((p, i) => {
    const bytes = p.bytes ?? p.size;
    if (typeof p.file !== 'string' || !p.file || /^[a-z]+:|^\/|\.\./i.test(p.file) || !Number.isSafeInteger(bytes) || bytes < 0 || !hex(p.sha256)) {
      throw new Error(`manifest part ${i} needs {file (a relative name), bytes, sha256}`);
    }
    return { file: p.file, bytes, sha256: p.sha256 };
  });
  const bytes = m.bytes ?? m.size;
  const sum = parts.reduce((a, p) => a + p.bytes, 0);
  if (sum !== bytes) throw new Error(`the parts add up to ${sum} bytes, but the manifest says ${bytes}`);
  if (m.sha256 !== undefined && !hex(m.sha256)) throw new Error('the manifest\'s sha256 is not a SHA-256');
  const from = m.from && typeof m.from.name === 'string' && hex(m.from.sha256) ? { name: m.from.name, sha256: m.from.sha256 } : null;
  return { name: String(m.name ?? 'weights'), bytes, sha256: m.sha256 ?? null, dtype: m.dtype ?? null, from, autoload: m.autoload === true, parts };
}

/**
 * The loaders, bound to one loaded wasm package.
 * @param {object} o
 * @param {{Session: any, WeightsBuffer: any, Sha256: any, judgeWeightsHead: Function, headBytes: Function}} o.wasm
 * @param {{primary: object, primaryUrl: string, files: object[], maxFileBytes: number}} o.sources `weightSources()`
 * @param {ReturnType<import('./weights-store.js').weightsStore>} o.store
 * @param {string} o.siteBase the folder holding index.html (the site manifest is `weights/manifest.json` there)
 * @param {typeof fetch} [o.fetchFn]
 * @param {() => string|null} [o.cspBlocked] a URL this page's CSP refused during the current download, if any
 */
export function createLoaders({ wasm, sources, store, siteBase, fetchFn = globalThis.fetch.bind(globalThis), cspBlocked }) {
  const knownSizes = new Set(sources.files.map((f) => f.bytes));
  const zooByName = new Map(sources.files.map((f) => [f.name, f]));

  /** wasm memory for a file of `size` bytes, hashed as it fills when hashing can tell us something. */
  function buffer(size, hash) {
    return new wasm.WeightsBuffer(size, hash);
  }

  function pushInto(buf, chunk) {
    for (let off = 0; off < chunk.length; off += PUSH_BYTES) buf.push(chunk.subarray(off, off + PUSH_BYTES));
  }

  /** Reads a local stream (a chosen file, the stored copy) into `buf`, stopping when `signal` aborts. */
  async function pushStream(buf, stream, signal) {
    const reader = stream.getReader();
    for (;;) {
      if (signal?.aborted) {
        reader.cancel().catch(() => {});
        throw new DownloadError('cancelled', 'Loading was cancelled.');
      }
      const { done, value } = await reader.read();
      if (done) return;
      pushInto(buf, value);
    }
  }

  /** Hands a filled buffer to the engine; `vouched` digests are the ones this app verified itself. */
  function session(buf, name, vouched = []) {
    return wasm.Session.fromBuffer(buf, { name, vouched });
  }

  /**
   * Throws (with the engine's reason) unless a file of `size` bytes starting with `head` can be AlexNet's weights.
   * The message does not repeat the file's name: every caller's message names it already.
   */
  function judge(head, size) {
    wasm.judgeWeightsHead(head, size);
  }

  /** A chosen file (File or Blob): judged from File.size and its first bytes, then streamed into wasm memory. */
  async function fromFile(file, { signal } = {}) {
    const name = file.name || 'the file';
    if (file.size > sources.maxFileBytes) judge(new Uint8Array(0), file.size);
    let head;
    try {
      head = new Uint8Array(await file.slice(0, wasm.headBytes()).arrayBuffer());
    } catch (err) {
      throw new Error(`${name} could not be read (${err.message}); if it is on a removable or network drive, copy it to this computer first.`);
    }
    judge(head, file.size);
    const buf = buffer(file.size, knownSizes.has(file.size));
    try {
      await pushStream(buf, file.stream(), signal);
    } catch (err) {
      buf.free();
      if (err instanceof DownloadError) throw err;
      throw new Error(`${name} could not be read to the end (${err.message}).`);
    }
    return session(buf, name);
  }

  /** Downloads one file into a new buffer (its size from the server), judging its head as soon as it arrives. */
  async function fetchOne(url, { signal, onProgress, onRetry, size = null, hash = null, writer = null }) {
    let buf = null;
    let head = [];
    let headLen = 0;
    let judged = false;
    const want = wasm.headBytes();
    const sink = (n) => {
      if (n > sources.maxFileBytes) judge(new Uint8Array(0), n);
      buf = buffer(n, hash ?? knownSizes.has(n));
      return {
        push(chunk) {
          if (!judged) {
            // Nothing is kept of a file that cannot be AlexNet's weights: its first bytes decide before the rest.
            head.push(chunk);
            headLen += chunk.length;
            if (headLen >= Math.min(want, n)) {
              const h = new Uint8Array(headLen);
              let o = 0;
              for (const c of head) { h.set(c, o); o += c.length; }
              judge(h, n);
              judged = true;
              head = [];
            }
          }
          pushInto(buf, chunk);
          writer?.push(chunk);
        },
        reset() {
          buf.reset();
          writer?.reset();
          judged = false;
          head = [];
          headLen = 0;
        },
      };
    };
    try {
      await download(url, size, sink, { fetchFn, signal, onProgress, onRetry, cspBlocked });
    } catch (err) {
      buf?.free();
      writer?.abort();
      throw err;
    }
    return buf;
  }

  /**
   * A manifest's parts, one after another into one buffer, each part verified by its SHA-256 (wasm) and the whole
   * by the buffer's own hash. `vouch` is added when the manifest is the site's own and names a verified Zoo file.
   */
  async function fromManifest(url, { signal, onProgress, onRetry, site = false, writer = null }) {
    const response = await fetchFn(url, { signal, cache: 'no-cache' });
    if (!response.ok) throw new DownloadError('http', `${url} answered HTTP ${response.status}`, { status: response.status });
    let m;
    try {
      m = readManifest(await response.json());
    } catch (err) {
      throw new Error(`${url}: ${err.message}`);
    }
    if (m.bytes > sources.maxFileBytes) judge(new Uint8Array(0), m.bytes);
    const buf = buffer(m.bytes, !!m.sha256);
    let done = 0;
    try {
      for (const [i, part] of m.parts.entries()) {
        const partUrl = new URL(part.file, url).href;
        const hasher = new wasm.Sha256();
        await download(partUrl, part.bytes, {
          push(chunk) { pushInto(buf, chunk); hasher.update(chunk); writer?.push(chunk); },
          reset() { throw new Error('a part was sent again from its start'); },
        }, { fetchFn, signal, onRetry, cspBlocked, onProgress: (p) => onProgress?.({ ...p, loaded: done + p.loaded, total: m.bytes }) });
        const sha = hasher.hex();
        hasher.free();
        if (sha !== part.sha256) throw new Error(`part ${i} (${part.file}) is corrupt: its SHA-256 is ${sha}, the manifest says ${part.sha256}`);
        done += part.bytes;
        if (i === 0) judge(buf.slice(0, wasm.headBytes()), m.bytes);
      }
      if (m.sha256 && buf.sha256() !== m.sha256) throw new Error(`the joined file's SHA-256 is ${buf.sha256()}, the manifest says ${m.sha256}`);
    } catch (err) {
      buf.free();
      writer?.abort();
      throw err;
    }
    const zoo = m.from && zooByName.get(m.from.name);
    const vouched = site && m.sha256 && zoo && zoo.sha256 === m.from.sha256
      ? [{ sha256: m.sha256, bytes: m.bytes, by: 'site-manifest', from: zoo.name }] : [];
    // Stored before the engine parses it: parsing aligns tensors in place and rewrites header bytes. A copy the
    // manifest does not tie to a verified Zoo file is stored too (a second visit works offline), but its record
    // names no Zoo file, so it is not vouched for when it is loaded again.
    const stored = writer && m.sha256
      ? await writer.commit({ version: 1, url: sources.primaryUrl, name: m.name, dtype: m.dtype ?? 'f32', bytes: m.bytes, sha256: m.sha256, by: 'site-manifest', from: vouched.length ? zoo.name : null })
      : null;
    if (!stored) writer?.abort();
    return { session: session(buf, m.name, vouched), manifest: m, stored };
  }

  /** A same-origin URL: a manifest of parts, or one file. */
  async function fromUrl(url, { signal, onProgress, onRetry } = {}) {
    if (isManifestUrl(url)) return (await fromManifest(url, { signal, onProgress, onRetry })).session;
    const buf = await fetchOne(url, { signal, onProgress, onRetry });
    return session(buf, decodeURIComponent(new URL(url).pathname.split('/').pop()));
  }

  /** The site's own copy, if the site has a manifest (`weights/manifest.json`): null when it has none. */
  async function siteManifest({ signal } = {}) {
    const url = new URL('weights/manifest.json', siteBase).href;
    try {
      const r = await fetchFn(url, { signal, cache: 'no-cache' });
      if (!r.ok) return null;
      return { url, manifest: readManifest(await r.json()) };
    } catch {
      return null;
    }
  }

  /**
   * The trained weights: the site's own copy when it has one, else the Zoo file from Hugging Face, streamed into
   * wasm memory and into the browser's storage at once, verified by size and SHA-256 before either is used.
   * @returns {Promise<{session: any, stored: {stored: boolean, reason?: string}, from: string}>}
   */
  async function fromZoo({ signal, onProgress, onRetry } = {}) {
    const site = await siteManifest({ signal });
    if (site) {
      const { session: s, stored } = await fromManifest(site.url, { signal, onProgress, onRetry, site: true, writer: store.writer(sources.primaryUrl) });
      return { session: s, stored: stored ?? { stored: false, reason: 'the site\'s manifest gives no SHA-256 for the whole file' }, from: 'site' };
    }
    const file = sources.primary;
    const url = sources.primaryUrl;
    const writer = store.writer(url);
    const buf = await fetchOne(url, { signal, onProgress, onRetry, size: file.bytes, hash: true, writer });
    const sha = buf.sha256();
    if (sha !== file.sha256) {
      buf.free();
      writer.abort();
      throw new DownloadError('checksum', `the downloaded file's SHA-256 is ${sha}, but ${file.name}'s is ${file.sha256}; it was not used or kept`);
    }
    // Stored before the engine parses it: parsing aligns tensors in place and rewrites header bytes.
    const stored = await writer.commit({ version: 1, url, name: file.name, dtype: 'f32', bytes: file.bytes, sha256: sha, by: 'zoo', from: file.name });
    return { session: session(buf, file.name), stored, from: 'huggingface' };
  }

  /** The copy stored in this browser (null when there is none), re-verified against its record's digest. */
  async function fromStored({ signal } = {}) {
    const rec = await store.record();
    if (!rec) return null;
    const body = await store.body(rec);
    if (!body) return null;
    const zoo = zooByName.get(rec.from);
    const buf = buffer(rec.bytes, true);
    try {
      await pushStream(buf, body, signal);
    } catch (err) {
      buf.free();
      if (err instanceof DownloadError) throw err;
      return null;
    }
    if (buf.filled() !== rec.bytes || buf.sha256() !== rec.sha256) {
      // Changed or cut short: not the file that was verified. Forget it rather than trust it.
      buf.free();
      await store.forget();
      return null;
    }
    const vouched = rec.by !== 'zoo' && zoo ? [{ sha256: rec.sha256, bytes: rec.bytes, by: rec.by, from: zoo.name }] : [];
    return { session: session(buf, rec.name, vouched), record: rec };
  }

  /**
   * Make a compact copy (`f16` or `int8`) of the verified weights in `s`, store it instead of the f32 file, and
   * return a session of the copy (so what runs now is what the next visit loads).
   */
  async function compact(s, dtype) {
    const info = s.weightsInfo();
    if (!info.trained || !info.zoo) throw new Error('Only verified BVLC weights are stored in compact form.');
    const bytes = s.toStore(dtype);
    const hasher = new wasm.Sha256();
    hasher.update(bytes);
    const sha256 = hasher.hex();
    hasher.free();
    const name = `bvlc-alexnet-${dtype}.safetensors`;
    const record = { version: 1, url: sources.primaryUrl, name, dtype, bytes: bytes.length, sha256, by: 'browser-copy', from: info.zoo };
    const stored = await store.putBytes(record, bytes);
    const buf = buffer(bytes.length, true);
    pushInto(buf, bytes);
    const next = session(buf, name, [{ sha256, bytes: bytes.length, by: 'browser-copy', from: info.zoo }]);
    return { session: next, stored, bytes: bytes.length };
  }

  return { fromFile, fromUrl, fromZoo, fromStored, siteManifest, compact };
}
