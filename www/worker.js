// The module Web Worker that owns the one wasm Session: loads weights, runs passes one layer per task, answers queries.

import { MSG } from './protocol.js';
import { isManifestUrl, fetchParts, browserCache, loadSession } from './weights-fetch.js';
import { buildCandidates, relaxedSimdSupported, whyNoThreads } from './builds.js';

/** The seed of the untrained weights; fixed so every untrained run is reproducible. */
const UNTRAINED_SEED = 2012;

/** Resolves once the wasm module is instantiated (to its exports); created on the first request. */
let wasmReady = null;
/** The instantiated module's exports, for the size of its memory. */
let wasmExports = null;
/** Attempts at a weights download before giving up; a dropped connection is usually transient. */
const DOWNLOAD_ATTEMPTS = 3;
/** @type {Session|null} the one session; replaced only by a successful `init`. */
let session = null;
/** The pass in flight: {id, cancelled}. A newer run or a `cancel` flips `cancelled`. */
let currentPass = null;

const post = (msg, transfer = []) => self.postMessage(msg, transfer);

/** A message for people from anything thrown (Error, JsError, a string, a wasm trap). */
function describe(err) {
  if (err instanceof WebAssembly.RuntimeError) {
    return `The engine stopped with an internal error (${err.message}). Reload the page if it keeps happening.`;
  }
  if (err && typeof err === 'object' && 'message' in err && err.message) return String(err.message);
  if (typeof err === 'string' && err) return err;
  return `Unexpected error: ${String(err)}`;
}

/**
 * Yield to the event loop so queued messages (a `cancel`, a newer `run`) are handled between layers.
 * A MessageChannel task is not clamped to 4 ms the way nested `setTimeout(0)` is.
 */
const channel = new MessageChannel();
const yieldQueue = [];
channel.port1.onmessage = () => yieldQueue.shift()?.();
function yieldTask() {
  return new Promise((resolve) => {
    yieldQueue.push(resolve);
    channel.port2.postMessage(0);
  });
}

/**
 * The engine build this worker runs (www/builds.js): two threads (pkg-threads*, rayon over shared memory) when
 * the page is cross-origin isolated, relaxed SIMD (pkg-*relaxed, fused multiply-adds) when the browser has it,
 * else the single-threaded SIMD128 pkg/, which any static host can serve. Set by loadWasm().
 * `zoo` describes the Model Zoo's trained weights file (from the engine, so the page need not repeat it).
 * @type {{threads: number, relaxed: boolean, build: string, mode: string,
 *   zoo?: {url: string, name: string, size: number, sha256: string}}}
 */
let engine = { threads: 1, relaxed: false, build: '', mode: 'not loaded' };
/** The wasm package's `Session` and `WeightsBuffer` classes, from whichever build loaded. */
let Session = null;
let WeightsBuffer = null;

async function loadBuild(b) {
  const mod = await import(`../${b.dir}/alexnet_explainer.js`);
  const exports = await mod.default();
  if (b.threads > 1) await mod.initThreadPool(b.threads);
  return { mod, exports, threads: b.threads > 1 ? mod.engineThreads() : 1, relaxed: mod.relaxedSimd() };
}

function loadWasm() {
  wasmReady ??= (async () => {
    const host = {
      isolated: self.crossOriginIsolated && typeof SharedArrayBuffer === 'function',
      cores: navigator.hardwareConcurrency || 1,
      relaxed: relaxedSimdSupported(),
    };
    const notes = [];
    const noThreads = whyNoThreads(host);
    if (noThreads) notes.push(noThreads);
    if (!host.relaxed) notes.push('this browser has no relaxed SIMD');
    let loaded = null;
    let build = null;
    let lastError = null;
    // Best first; a host without a build (or a browser that refuses it) falls through to the next, and pkg/ last.
    for (const b of buildCandidates(host)) {
      try {
        loaded = await loadBuild(b);
        build = b;
        break;
      } catch (err) {
        lastError = err;
        notes.push(`${b.dir}/ did not load: ${describe(err)}`);
      }
    }
    if (!loaded) throw lastError;
    const parts = [
      loaded.threads > 1 ? `two threads (wasm threads, cross-origin isolated page)` : 'single-threaded',
      loaded.relaxed ? 'relaxed SIMD (fused multiply-add)' : 'SIMD128',
    ];
    Session = loaded.mod.Session;
    WeightsBuffer = loaded.mod.WeightsBuffer;
    wasmExports = loaded.exports;
    engine = {
      threads: loaded.threads,
      relaxed: loaded.relaxed,
      build: build.dir,
      mode: `${parts.join(', ')}${notes.length ? ` (${notes.join('; ')})` : ''}`,
      zoo: loaded.mod.zooWeights(),
    };
    return wasmExports;
  })();
  return wasmReady;
}

/** An error that retrying cannot fix (a 404, a refused URL), so the download is not attempted again. */
class PermanentError extends Error {}

/**
 * Fetch a URL as bytes, posting `progress` as chunks arrive. A connection that drops mid-body, a body shorter
 * than its Content-Length, or a 5xx is retried (the download restarts; nothing partial is ever used); each
 * retry is announced with a `progress` message carrying `retry` and `message`.
 */
async function fetchWithProgress(id, url) {
  let lastError;
  for (let attempt = 1; attempt <= DOWNLOAD_ATTEMPTS; attempt++) {
    try {
      return await fetchOnce(id, url);
    } catch (err) {
      if (err instanceof PermanentError) throw err;
      lastError = err;
      if (attempt < DOWNLOAD_ATTEMPTS) {
        post({ id, type: MSG.PROGRESS, loaded: 0, total: 0, retry: attempt, attempt: attempt + 1, attempts: DOWNLOAD_ATTEMPTS, message: `The weights download was interrupted (${describe(err)}); retrying (attempt ${attempt + 1} of ${DOWNLOAD_ATTEMPTS})…` });
        await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
      }
    }
  }
  throw new Error(`Could not download weights from ${url}: ${describe(lastError)} (tried ${DOWNLOAD_ATTEMPTS} times).`);
}

async function fetchOnce(id, url) {
  // A failure before the headers (connection refused or reset, or a URL the CSP forbids) is retried like one
  // mid-body: the browser does not tell them apart.
  const response = await fetch(url);
  if (!response.ok) {
    const message = `Could not download weights from ${url}: HTTP ${response.status} ${response.statusText}`;
    if (response.status >= 500) throw new Error(message);
    throw new PermanentError(message);
  }
  const total = Number(response.headers.get('Content-Length')) || 0;
  if (!response.body) {
    const buffer = new Uint8Array(await response.arrayBuffer());
    post({ id, type: MSG.PROGRESS, loaded: buffer.length, total: buffer.length });
    return buffer;
  }
  const reader = response.body.getReader();
  const chunks = [];
  let loaded = 0;
  let lastPost = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    // Posting for every 64 KiB chunk of a 244 MB file would flood the page; a few hundred updates are plenty.
    if (loaded - lastPost > 1 << 20 || loaded === total) {
      post({ id, type: MSG.PROGRESS, loaded, total });
      lastPost = loaded;
    }
  }
  if (total && loaded !== total) {
    throw new Error(`the connection closed after ${loaded} of ${total} bytes`);
  }
  post({ id, type: MSG.PROGRESS, loaded, total: total || loaded });
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

/**
 * A session from URL weights: a `.parts.json` manifest of parts (www/weights-fetch.js joins and verifies them), or
 * one file. Both are kept in the Cache API, so the next visit starts without the network; a single file is
 * cached only once it has loaded, so a broken download is never kept.
 */
async function sessionFromUrl(id, url) {
  const report = (loaded, total) => post({ id, type: MSG.PROGRESS, loaded, total });
  if (isManifestUrl(url)) return loadSession({ Session, WeightsBuffer }, await fetchParts(url, { onProgress: report }));
  const cache = browserCache();
  const cached = await cache.get(url);
  if (cached) {
    report(cached.length, cached.length);
    try {
      return loadSession({ Session, WeightsBuffer }, cached);
    } catch {
      await cache.delete(url);
    }
  }
  const bytes = await fetchWithProgress(id, url);
  const s = loadSession({ Session, WeightsBuffer }, bytes);
  await cache.put(url, bytes);
  return s;
}

async function handleInit(msg) {
  await loadWasm();
  let next;
  if (msg.weights === null || msg.weights === undefined) {
    next = Session.untrained(UNTRAINED_SEED);
  } else if (typeof msg.weights === 'string') {
    next = await sessionFromUrl(msg.id, msg.weights);
  } else if (msg.weights instanceof ArrayBuffer || ArrayBuffer.isView(msg.weights)) {
    const bytes = msg.weights instanceof ArrayBuffer ? new Uint8Array(msg.weights) : new Uint8Array(msg.weights.buffer, msg.weights.byteOffset, msg.weights.byteLength);
    next = loadSession({ Session, WeightsBuffer }, bytes);
  } else {
    throw new Error('Weights must be a URL, the bytes of an .onnx or .safetensors file, or null.');
  }
  // Only a session that loaded replaces the old one, so a bad weights file leaves the page working.
  if (currentPass) currentPass.cancelled = true;
  currentPass = null;
  session?.free();
  session = next;
  post({ id: msg.id, type: MSG.READY, spec: session.spec(), weightsInfo: session.weightsInfo(), engine });
}

function requireSession() {
  if (!session) throw new Error('The network is not loaded yet (no init has succeeded).');
  return session;
}

/** Copy a typed array out of a larger buffer (wasm memory) into its own, so it can be transferred safely. */
function ownCopy(array) {
  return array.byteOffset === 0 && array.byteLength === array.buffer.byteLength ? array : array.slice();
}

function postLayer(id, layer) {
  const data = ownCopy(session.tensor(layer));
  const shape = Array.from(session.shape(layer));
  post({ id, type: MSG.LAYER, layer, shape, data }, [data.buffer]);
}

async function handleRun(msg) {
  const s = requireSession();
  const { pixels } = msg;
  if (!pixels || !Number.isInteger(pixels.width) || !Number.isInteger(pixels.height) || !pixels.data) {
    throw new Error('run needs pixels {width, height, data}.');
  }
  if (pixels.data.length !== pixels.width * pixels.height * 4) {
    throw new Error(`The image data has ${pixels.data.length} bytes, but ${pixels.width}×${pixels.height} RGBA needs ${pixels.width * pixels.height * 4}.`);
  }
  if (currentPass) currentPass.cancelled = true;
  const pass = { id: msg.id, cancelled: false };
  currentPass = pass;

  const rgba = new Uint8Array(pixels.data.buffer, pixels.data.byteOffset, pixels.data.byteLength);
  const timings = {};
  let t0 = performance.now();
  s.start(rgba, pixels.width, pixels.height);
  timings.data = performance.now() - t0;
  const sent = new Set(['data']);
  postLayer(pass.id, 'data');

  for (;;) {
    await yieldTask();
    // A newer run, a cancel or a new session may have arrived while we yielded.
    if (pass.cancelled || session !== s) {
      post({ id: pass.id, type: MSG.ERROR, message: 'The pass was cancelled.', cancelled: true });
      return;
    }
    t0 = performance.now();
    const layer = s.step();
    if (layer === undefined || layer === null) break;
    timings[layer] = performance.now() - t0;
    if (!sent.has(layer)) {
      sent.add(layer);
      postLayer(pass.id, layer);
    }
  }
  currentPass = null;
  post({ id: pass.id, type: MSG.DONE, top: s.topK(5), timings, preprocess: s.preprocessInfo() });
}

/** Collect the transferable buffers of typed arrays in a reply value, copying views of larger buffers. */
function detachable(value, transfer) {
  if (ArrayBuffer.isView(value)) {
    const copy = ownCopy(value);
    transfer.push(copy.buffer);
    return copy;
  }
  if (Array.isArray(value)) return value.map((v) => detachable(v, transfer));
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = detachable(v, transfer);
    return out;
  }
  return value;
}

function handleGet(msg) {
  if (msg.what === 'stats') return postValue(msg.id, { wasmBytes: wasmExports?.memory?.buffer.byteLength ?? 0 });
  const s = requireSession();
  const { what, layer } = msg;
  let value;
  switch (what) {
    case 'tensor': value = s.tensor(layer); break;
    case 'shape': value = Array.from(s.shape(layer)); break;
    case 'kernels': value = s.kernels(layer); break;
    case 'kernel': value = s.kernel(layer, msg.oc ?? 0); break;
    case 'bias': value = s.bias(layer); break;
    case 'conv-dot': value = s.convDot(layer, msg.oc ?? 0, msg.y ?? 0, msg.x ?? 0); break;
    case 'pool-argmax': value = s.poolArgmax(layer); break;
    case 'top': value = s.topK(msg.k ?? 5); break;
    case 'preprocess': value = s.preprocessInfo(); break;
    default: throw new Error(`Unknown query "${what}".`);
  }
  postValue(msg.id, value);
}

function postValue(id, value) {
  const transfer = [];
  const out = detachable(value, transfer);
  post({ id, type: MSG.DATA, value: out }, transfer);
}

self.onmessage = async (event) => {
  const msg = event.data;
  const id = msg && Number.isInteger(msg.id) ? msg.id : -1;
  try {
    switch (msg?.type) {
      case MSG.INIT: await handleInit(msg); break;
      case MSG.RUN: await handleRun(msg); break;
      case MSG.GET: handleGet(msg); break;
      case MSG.CANCEL:
        if (currentPass && currentPass.id === msg.target) currentPass.cancelled = true;
        break;
      case MSG.PING: post({ id, type: MSG.PONG }); break;
      default: throw new Error(`Unknown request type "${msg?.type}".`);
    }
  } catch (err) {
    if (msg?.type === MSG.RUN && currentPass?.id === id) currentPass = null;
    // After a trap (a Rust panic, out of memory) the wasm instance's state cannot be trusted: say so, and the
    // client replaces this worker, reloading the weights it had.
    const fatal = err instanceof WebAssembly.RuntimeError;
    post({ id, type: MSG.ERROR, message: describe(err), ...(fatal ? { fatal: true } : {}) });
  }
};
