// Weights from URLs for the worker: a `.parts.json` manifest of parts (for hosts with file-size limits) downloaded
// with progress, verified by SHA-256 and joined; the Cache API, so a second visit loads the weights offline; and
// loadSession, which hands a file to the engine without a second copy in wasm memory.

/** The manifest format written by scripts/split-weights.mjs. */
export const MANIFEST_VERSION = 1;

/** The Cache API cache that holds downloaded weights (parts, manifests and single files). */
export const CACHE_NAME = 'alexnet-weights-v1';

/** True for a URL naming a parts manifest (`alexnet-int8.safetensors.parts.json`). */
export function isManifestUrl(url) {
  return /\.parts\.json$/i.test(new URL(url, 'http://x/').pathname);
}

// ---------- SHA-256 ----------

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
  0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
  0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
  0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/**
 * SHA-256 in plain JS, for pages served over plain http from a non-local host, where `crypto.subtle` does not
 * exist (it needs a secure context). Slow next to the native digest, but correct.
 */
export function sha256Js(bytes) {
  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const len = bytes.length;
  const padded = new Uint8Array(Math.ceil((len + 9) / 64) * 64);
  padded.set(bytes);
  padded[len] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(len / 0x20000000), false);
  view.setUint32(padded.length - 4, (len * 8) >>> 0, false);
  const w = new Uint32Array(64);
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + i * 4, false);
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15], b = w[i - 2];
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (hh + S1 + ((e & f) ^ (~e & g)) + K[i] + w[i]) >>> 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      hh = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
  }
  return [...h].map((x) => x.toString(16).padStart(8, '0')).join('');
}

/** The SHA-256 of some bytes as lowercase hex: the native digest where there is one. */
export async function sha256Hex(bytes) {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return sha256Js(bytes);
  const digest = new Uint8Array(await subtle.digest('SHA-256', bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

// ---------- the cache ----------

/**
 * The Cache API behind two small functions, or a cache that holds nothing where the API is missing (an insecure
 * context, a private window that refuses it, Node).
 * @returns {{get: (url: string) => Promise<Uint8Array|null>, put: (url: string, bytes: Uint8Array) => Promise<void>,
 *            delete: (url: string) => Promise<void>}}
 */
export function browserCache(name = CACHE_NAME) {
  const api = globalThis.caches;
  if (!api) return { get: async () => null, put: async () => {}, delete: async () => {} };
  const open = () => api.open(name);
  return {
    async get(url) {
      try {
        const response = await (await open()).match(url);
        return response ? new Uint8Array(await response.arrayBuffer()) : null;
      } catch {
        return null;
      }
    },
    async put(url, bytes) {
      try {
        const headers = { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes.byteLength) };
        await (await open()).put(url, new Response(bytes, { headers }));
      } catch (err) {
        // A full quota only costs the offline copy; the weights in hand are still used.
        console.warn(`weights not cached (${err?.message ?? err})`);
      }
    },
    async delete(url) {
      try {
        await (await open()).delete(url);
      } catch {
        // Nothing to forget.
      }
    },
  };
}

// ---------- downloads ----------

/**
 * Download `url` as bytes, reporting each chunk as `onBytes(loadedSoFar, total)`. A body shorter than its
 * Content-Length, a dropped connection or a 5xx is retried from the start, up to `attempts` times.
 */
export async function downloadBytes(url, { fetchFn = globalThis.fetch, onBytes = () => {}, attempts = 3, expectedSize = 0 } = {}) {
  let lastError;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let response;
    try {
      response = await fetchFn(url);
    } catch (err) {
      lastError = err;
      continue;
    }
    if (!response.ok) {
      lastError = new Error(`HTTP ${response.status} ${response.statusText ?? ''}`.trim());
      if (response.status < 500) break;
      continue;
    }
    const total = Number(response.headers?.get?.('Content-Length')) || expectedSize || 0;
    try {
      let bytes;
      if (!response.body?.getReader) {
        bytes = new Uint8Array(await response.arrayBuffer());
        onBytes(bytes.length, total || bytes.length);
      } else {
        const reader = response.body.getReader();
        const chunks = [];
        let loaded = 0;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          chunks.push(value);
          loaded += value.length;
          onBytes(loaded, total);
        }
        bytes = new Uint8Array(loaded);
        let offset = 0;
        for (const c of chunks) {
          bytes.set(c, offset);
          offset += c.length;
        }
      }
      if (total && bytes.length !== total) throw new Error(`the connection closed after ${bytes.length} of ${total} bytes`);
      return bytes;
    } catch (err) {
      lastError = err;
    }
  }
  throw new Error(`Could not download ${url}: ${lastError?.message ?? lastError}`);
}

/** Check a manifest's shape, so a wrong file fails with a sentence instead of a TypeError later. */
export function validateManifest(m) {
  if (!m || typeof m !== 'object' || !Array.isArray(m.parts) || !m.parts.length) throw new Error('not a parts manifest (no "parts" list)');
  if (m.version !== MANIFEST_VERSION) throw new Error(`manifest version ${m.version} is not supported (expected ${MANIFEST_VERSION})`);
  let sum = 0;
  for (const [i, p] of m.parts.entries()) {
    if (typeof p.file !== 'string' || !Number.isInteger(p.size) || p.size < 0 || !/^[0-9a-f]{64}$/.test(p.sha256 ?? '')) {
      throw new Error(`manifest part ${i} needs {file, size, sha256}`);
    }
    sum += p.size;
  }
  if (sum !== m.size) throw new Error(`the parts add up to ${sum} bytes, but the manifest says ${m.size}`);
  return m;
}

/**
 * Load a split weights file: fetch the `.parts.json` manifest, then each part (from the cache when it is there
 * and its SHA-256 still matches, else from the network with progress), verify every part and the whole, and
 * join them. The manifest is fetched fresh when the network answers and from the cache when it does not, so a
 * second visit works offline.
 * @param {string} manifestUrl an absolute URL
 * @param {{fetchFn?: typeof fetch, cache?: ReturnType<typeof browserCache>, onProgress?: (loaded: number, total: number) => void}} [options]
 * @returns {Promise<Uint8Array>} the joined file
 */
export async function fetchParts(manifestUrl, { fetchFn = globalThis.fetch, cache = browserCache(), onProgress = () => {} } = {}) {
  let manifestBytes = null;
  try {
    manifestBytes = await downloadBytes(manifestUrl, { fetchFn, attempts: 2 });
    await cache.put(manifestUrl, manifestBytes);
  } catch (err) {
    manifestBytes = await cache.get(manifestUrl);
    if (!manifestBytes) throw err;
  }
  let manifest;
  try {
    manifest = validateManifest(JSON.parse(new TextDecoder().decode(manifestBytes)));
  } catch (err) {
    throw new Error(`${manifestUrl}: ${err.message}`);
  }
  const total = manifest.size;
  const out = new Uint8Array(total);
  let done = 0;
  onProgress(0, total);
  for (const [i, part] of manifest.parts.entries()) {
    const url = new URL(part.file, manifestUrl).href;
    let bytes = await cache.get(url);
    if (bytes && (bytes.length !== part.size || (await sha256Hex(bytes)) !== part.sha256)) {
      await cache.delete(url);
      bytes = null;
    }
    if (!bytes) {
      bytes = await downloadBytes(url, { fetchFn, expectedSize: part.size, onBytes: (loaded) => onProgress(done + loaded, total) });
      if (bytes.length !== part.size) throw new Error(`part ${i} (${part.file}) has ${bytes.length} bytes, the manifest says ${part.size}`);
      const sha = await sha256Hex(bytes);
      if (sha !== part.sha256) throw new Error(`part ${i} (${part.file}) is corrupt: its SHA-256 is ${sha}, the manifest says ${part.sha256}`);
      await cache.put(url, bytes);
    }
    out.set(bytes, done);
    done += bytes.length;
    onProgress(done, total);
  }
  if (manifest.sha256) {
    const sha = await sha256Hex(out);
    if (sha !== manifest.sha256) throw new Error(`the joined file's SHA-256 is ${sha}, the manifest says ${manifest.sha256}`);
  }
  return out;
}

/** Bytes handed to wasm per call when filling a WeightsBuffer (each call copies its piece once). */
const PUSH_BYTES = 8 << 20;

/**
 * A wasm Session from a weights file's bytes, through the engine's WeightsBuffer: the bytes go into wasm memory
 * piece by piece and the engine views its tensors there in place (src/weights/blob.rs), so wasm memory holds the
 * file once plus one piece, where `Session.fromBytes` would hold the copied file and the parsed tensors at once
 * (about twice the file). Throws what the engine throws for a wrong or broken file.
 * @param {{Session: any, WeightsBuffer: any}} engine the loaded wasm package's classes
 * @param {Uint8Array} bytes
 */
export function loadSession({ Session, WeightsBuffer }, bytes) {
  const buf = new WeightsBuffer(bytes.length);
  try {
    for (let off = 0; off < bytes.length; off += PUSH_BYTES) buf.push(bytes.subarray(off, off + PUSH_BYTES));
  } catch (err) {
    buf.free();
    throw err;
  }
  return Session.fromBuffer(buf);
}
