// The module Web Worker that owns the one wasm Session: loads weights, runs passes one layer per task, answers queries.

import { MSG } from '../shared/protocol.js';
import { createLoaders } from './weights-sources.js';
import { weightsStore } from './weights-store.js';
import { loadEngine } from './load-engine.js';
import { describe } from './describe.js';
import { createLayerBuffers, passLengths, warmEngine } from './idle.js';
import { footprintQuery } from './footprint.js';
import { channelMaxima } from './top-patches.js';
import { createAttributor, SANITY_SEED } from './attribute.js';
import { decodeHere, MAX_SIDE, tinyJpeg, tinyPng } from '../image/decode.js';
import { checkPixels, isFile, placed, postPlaced } from './pass-io.js';

/** The seed of the untrained weights; fixed so every untrained run is reproducible. */
const UNTRAINED_SEED = 2012;

/** The instantiated module's exports, for the size of its memory. */
let wasmExports = null;
/** @type {Session|null} the one session; replaced only by a successful `init`. */
let session = null;
/** The pass in flight: {id, cancelled}. A newer run or a `cancel` flips `cancelled`. */
let currentPass = null;

const post = (msg, transfer = []) => self.postMessage(msg, transfer);

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

/** What runs (see load-engine.js); `sources` may be replaced by a page's init (tests). */
let engine = { threads: 1, relaxed: false, build: '', mode: 'not loaded' };
/** The wasm package's classes and functions, from whichever build loaded. */
let Session = null;
let WeightsBuffer = null;
let Sha256 = null;
let judgeWeightsHead = null;
let headBytes = null;
let yuv420ToRgba = null;

async function loadWasm(want) {
  const loaded = await loadEngine(want);
  if (!Session) {
    ({ Session, WeightsBuffer, Sha256, judgeWeightsHead, headBytes, yuv420ToRgba } = loaded.mod);
    wasmExports = loaded.exports;
    engine = { ...loaded.info };
  }
  return wasmExports;
}

/**
 * The folder holding index.html (the site manifest, `weights/manifest.json`, is looked for there). Taken from this
 * module's own URL: on a page of another origin the worker is a blob: URL that imports this module.
 */
const SITE_BASE = new URL('../../', import.meta.url).href;
const SITE_ORIGIN = new URL(SITE_BASE).origin;

/** The latest URL this page's Content-Security-Policy refused, so a failed download can say so. */
let cspBlockedUrl = null;
self.addEventListener('securitypolicyviolation', (e) => { cspBlockedUrl = e.blockedURI || e.blockedURL || 'a host'; });

/** The weights loaders (www/worker/weights-sources.js) for the loaded build; made once. */
let loaders = null;
const store = weightsStore();
function getLoaders() {
  loaders ??= createLoaders({
    wasm: { Session, WeightsBuffer, Sha256, judgeWeightsHead, headBytes },
    sources: engine.sources,
    store,
    siteBase: SITE_BASE,
    cspBlocked: () => cspBlockedUrl,
  });
  return loaders;
}

/** The init in flight: {id, controller}. A newer init or a `cancel` aborts it; only the latest may install its session. */
let currentInit = null;

/** A URL the page may load weights from: http(s), on this site. Anything else is refused at once, with the reason. */
function checkWeightsUrl(url) {
  let u;
  try {
    u = new URL(url, SITE_BASE);
  } catch {
    throw new Error(`“${url}” is not a URL.`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`weights URLs must be http or https; “${u.protocol}” URLs are refused.`);
  if (u.origin !== SITE_ORIGIN) {
    throw new Error(`weights are only loaded from this site (${SITE_ORIGIN}); ${u.origin} is another site. Download the file and use “Load weights file…” instead.`);
  }
  return u.href;
}

/** What the browser has stored ({name, dtype, bytes, by, from}), for the page to offer compacting or forgetting it. */
async function storedSummary() {
  const rec = await store.record();
  return rec ? { name: rec.name, dtype: rec.dtype, bytes: rec.bytes, by: rec.by, from: rec.from } : null;
}

/** The session for an init request's `weights` (see protocol.js InitRequest), and what was stored on the way. */
async function sessionFor(weights, { id, signal }) {
  const progress = (p) => post({ id, type: MSG.PROGRESS, ...p });
  const onRetry = ({ attempt, loaded, reason }) => post({ id, type: MSG.PROGRESS, retry: attempt - 1, attempt, loaded, message: reason });
  const L = getLoaders();
  if (weights === null || weights === undefined) return { session: Session.starter(UNTRAINED_SEED) };
  if (typeof weights === 'string') {
    cspBlockedUrl = null;
    return { session: await L.fromUrl(checkWeightsUrl(weights), { signal, onProgress: progress, onRetry }) };
  }
  if (typeof Blob !== 'undefined' && weights instanceof Blob) return { session: await L.fromFile(weights, { signal }) };
  if (weights instanceof ArrayBuffer || ArrayBuffer.isView(weights)) return { session: await L.fromFile(new Blob([weights]), { signal }) };
  switch (weights?.source) {
    case 'seeded': return { session: Session.untrained(UNTRAINED_SEED) };
    case 'zoo': {
      cspBlockedUrl = null;
      const r = await L.fromZoo({ signal, onProgress: progress, onRetry });
      return { session: r.session, stored: r.stored, from: r.from };
    }
    case 'stored':
    case 'auto': {
      const r = await L.fromStored({ signal });
      if (r) return { session: r.session, from: 'stored' };
      if (weights.source === 'stored') throw new Error('No weights are stored in this browser.');
      // A site that hosts its own copy and asks for it to be used at once (build-static.sh --weights).
      const site = await L.siteManifest({ signal });
      if (site?.manifest.autoload) {
        const z = await L.fromZoo({ signal, onProgress: progress, onRetry });
        return { session: z.session, stored: z.stored, from: z.from };
      }
      return { session: Session.starter(UNTRAINED_SEED) };
    }
    default:
      throw new Error('Weights must be a URL, a file, the bytes of an .onnx or .safetensors file, {source: "zoo" | "stored" | "auto" | "seeded"}, or null.');
  }
}

/** "Why?" maps on the pass (www/worker/attribute.js). */
const attributor = createAttributor({ post, yieldTask, session: () => requireSession(), untrained: () => Session.untrained(SANITY_SEED), PROGRESS: MSG.PROGRESS });

function install(next) {
  // Only a session that loaded replaces the old one, so a bad weights file leaves the page working.
  attributor.cancel();
  if (currentPass) currentPass.cancelled = true;
  currentPass = null;
  session?.free();
  session = next;
}

async function postReady(id, extra = {}) {
  post({ id, type: MSG.READY, spec: session.spec(), weightsInfo: session.weightsInfo(), engine, stored: await storedSummary(), ...extra });
}

async function handleInit(msg) {
  await loadWasm({ threads: msg.threads });
  // A page may say which file the download expects instead (tests serve a generated model in its place). Labels
  // do not follow it: only a Zoo digest or a vouched one makes weights "trained" (src/weights/provenance.rs).
  if (msg.sources && !loaders) engine.sources = { ...engine.sources, ...msg.sources };
  // The latest choice wins: a newer init cancels the one in flight (its reply says it was superseded).
  currentInit?.controller.abort();
  const mine = { id: msg.id, controller: new AbortController() };
  currentInit = mine;
  const before = wasmExports.memory.buffer.byteLength;
  let result;
  try {
    result = await sessionFor(msg.weights, { id: msg.id, signal: mine.controller.signal });
  } catch (err) {
    if (currentInit === mine) currentInit = null;
    if (mine.controller.signal.aborted) throw Object.assign(new Error('Loading these weights was cancelled by a newer choice.'), { cancelled: true });
    // wasm memory cannot shrink: a refused file that grew it leaves the worker bigger for good, so say by how much
    // and let the client replace the worker.
    throw Object.assign(err, { grewBy: wasmExports.memory.buffer.byteLength - before, code: err.code });
  }
  if (mine.controller.signal.aborted || currentInit !== mine) {
    result.session.free();
    throw Object.assign(new Error('Loading these weights was cancelled by a newer choice.'), { cancelled: true });
  }
  currentInit = null;
  install(result.session);
  await postReady(msg.id, { storedNow: result.stored, from: result.from });
  warmUp(session);
}

/** Store a compact copy of the loaded (verified) weights instead of the f32 file, and run on the copy from now on. */
async function handleCompact(msg) {
  const s = requireSession();
  const r = await getLoaders().compact(s, msg.dtype);
  install(r.session);
  await postReady(msg.id, { storedNow: r.stored, from: 'stored' });
}

function requireSession() {
  if (!session) throw new Error('The network is not loaded yet (no init has succeeded).');
  return session;
}

/** Copy a typed array out of a larger buffer (wasm memory) into its own, so it can be transferred safely. */
function ownCopy(array) {
  return array.byteOffset === 0 && array.byteLength === array.buffer.byteLength ? array : array.slice();
}

/** Work between two yields of a pass: small enough that a cancel or a newer image waits at most this long. */
const YIELD_AFTER_MS = 4;

/** Whether the warm-up is in flight, and whether this worker's engine has been warmed. */
let warming = false;
let warmed = false;
/** Touched arrays for the next pass's tensors (see idle.js). */
const buffers = createLayerBuffers();

/** Prepare the first pass's arrays, then warm the engine once (announced with `warmed`); both give way to a run. */
async function warmUp(s) {
  if (warmed || warming) return;
  warming = true;
  // This worker decodes the files given to run(): its decoding code runs once on tiny images first, a PNG for the
  // general path and a JPEG for the plain-JPEG one.
  await decodeHere(tinyPng(), MAX_SIDE).catch(() => {});
  await decodeHere(tinyJpeg(), MAX_SIDE, { yuv420ToRgba }).catch(() => {});
  // The arrays first: allocating them (8 MB) makes V8 collect this worker's heap soon after, and with the arrays
  // made after the warm-up that collection and the rest of the filling fell in the first pass (2 threads, cold
  // loads: first pass / warm 1.36× on average and above 1.5× in 3 of 20; arrays first, 1.24× and 1 in 20).
  await prepareBuffers(s);
  const { completed, ms } = await warmEngine(s, () => currentPass !== null || session !== s, yieldTask);
  warming = false;
  warmed = completed;
  post({ id: -1, type: MSG.WARMED, completed, ms });
}

/** The tensor sizes of a pass (the spec's, the same for every session). */
let lengths = null;
/** Prepare the arrays for a pass on `s` while idle; a run or new weights stop it. Resolves when done or stopped. */
function prepareBuffers(s) {
  lengths ??= passLengths(s.spec());
  return buffers.refill(lengths, () => currentPass !== null || session !== s, yieldTask);
}

async function handleRun(msg) {
  const s = requireSession();
  if (!isFile(msg.file)) checkPixels(msg.pixels);
  if (currentPass) currentPass.cancelled = true;
  attributor.cancel();
  const pass = { id: msg.id, cancelled: false };
  currentPass = pass;
  // Where the pass's time goes besides step(): decoding a file, copying tensors out and posting them, and waiting
  // between layers. Clock: absolute ms (timeOrigin + now), comparable with the page's; only the benchmark reads it.
  const trace = { received: performance.timeOrigin + performance.now(), decodeMs: 0, deliverMs: 0, yieldMs: 0 };
  let pixels = msg.pixels;
  if (isFile(msg.file)) {
    // A file is judged and decoded here, as the page's decode worker would (the same code): one hop fewer. The
    // decode runs off this thread, so a newer run or a cancel can still arrive meanwhile.
    const t = performance.now();
    pixels = checkPixels(await decodeHere(msg.file, MAX_SIDE, { yuv420ToRgba }));
    trace.decodeMs = performance.now() - t;
    if (pass.cancelled || session !== s) {
      post({ id: pass.id, type: MSG.ERROR, message: 'The pass was cancelled.', cancelled: true });
      return;
    }
  }

  const rgba = new Uint8Array(pixels.data.buffer, pixels.data.byteOffset, pixels.data.byteLength);
  const timings = {};
  let t0 = performance.now();
  s.start(rgba, pixels.width, pixels.height);
  timings.data = performance.now() - t0;
  // The page shows what a file decoded to; the engine has its own copy now.
  if (isFile(msg.file)) post({ id: pass.id, type: MSG.SOURCE, pixels }, [pixels.data.buffer]);
  const sent = new Set(['data']);
  // Each layer is posted during the next step (stepWhile): with threads the helper computes meanwhile, so the copy
  // costs the pass little; the input goes out during conv1, the last layer during the call that ends the pass.
  let pending = placed(s, 'data');
  let delivered = 0;
  const deliver = () => {
    if (!pending) return;
    const t = performance.now();
    postPlaced(post, buffers, wasmExports.memory, pass.id, pending);
    pending = null;
    delivered = performance.now() - t;
    trace.deliverMs += delivered;
  };
  // One thread does the copy and the step one after the other: the step's own time is the rest.
  const sequential = engine.threads < 2;

  let sinceYield = Infinity;
  for (;;) {
    // Yield to the message loop (where a cancel or a newer run lands) once a few ms of work went by since the last
    // time, not after every layer: a ReLU takes microseconds, and each hop costs a task.
    if (sinceYield >= YIELD_AFTER_MS) {
      t0 = performance.now();
      await yieldTask();
      trace.yieldMs += performance.now() - t0;
      sinceYield = 0;
    }
    // A newer run, a cancel or a new session may have arrived while we yielded.
    if (pass.cancelled || session !== s) {
      post({ id: pass.id, type: MSG.ERROR, message: 'The pass was cancelled.', cancelled: true });
      return;
    }
    const stepStart = performance.now();
    delivered = 0;
    const layer = s.stepWhile(deliver);
    if (layer === undefined || layer === null) break;
    timings[layer] = performance.now() - stepStart - (sequential ? delivered : 0);
    if (!sent.has(layer)) {
      sent.add(layer);
      pending = placed(s, layer);
    }
    sinceYield += performance.now() - stepStart;
  }
  currentPass = null;
  trace.finished = performance.timeOrigin + performance.now();
  post({ id: pass.id, type: MSG.DONE, top: s.topK(5), timings, preprocess: s.preprocessInfo(), trace });
  prepareBuffers(s);
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

async function handleGet(msg) {
  if (msg.what === 'stats') {
    await loadWasm();
    return postValue(msg.id, { wasmBytes: wasmExports.memory.buffer.byteLength });
  }
  if (msg.what === 'site-copy') {
    // The site's own copy of the trained weights, if it hosts one (the download button then names it).
    await loadWasm();
    const site = await getLoaders().siteManifest();
    return postValue(msg.id, site ? { name: site.manifest.name, bytes: site.manifest.bytes, dtype: site.manifest.dtype } : null);
  }
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
    case 'receptive-field': case 'feeding': case 'seeing': value = footprintQuery(s, msg); break;
    case 'channel-maxima': value = channelMaxima(s, msg); break;
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
      case MSG.GET: await handleGet(msg); break;
      case MSG.ATTRIBUTE: postValue(id, await attributor.handle(msg)); break;
      case MSG.CANCEL:
        if (currentPass && currentPass.id === msg.target) currentPass.cancelled = true;
        if (currentInit && currentInit.id === msg.target) currentInit.controller.abort();
        attributor.cancel(msg.target);
        break;
      case MSG.COMPACT: await handleCompact(msg); break;
      case MSG.FORGET:
        await store.forget();
        postValue(id, { stored: await storedSummary() });
        break;
      case MSG.PING: post({ id, type: MSG.PONG }); break;
      default: throw new Error(`Unknown request type "${msg?.type}".`);
    }
  } catch (err) {
    if (msg?.type === MSG.RUN && currentPass?.id === id) currentPass = null;
    // After a trap (a Rust panic, out of memory) the wasm instance's state cannot be trusted: say so, and the
    // client replaces this worker, reloading the weights it had.
    const fatal = err instanceof WebAssembly.RuntimeError;
    post({
      id, type: MSG.ERROR, message: describe(err),
      ...(fatal ? { fatal: true } : {}),
      ...(err?.cancelled ? { cancelled: true } : {}),
      ...(err?.code ? { code: err.code } : {}),
      ...(err?.grewBy ? { grewBy: err.grewBy } : {}),
    });
  }
};
