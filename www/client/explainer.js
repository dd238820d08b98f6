// The public promise API of the explainer: createExplainer() starts the worker and turns its messages into promises and events.

import { createEmitter } from './emitter.js';
import { MSG } from '../shared/protocol.js';
import { toPixels, warmDecoder } from './decoder.js';
import { createConnection, cancelledError, replyError } from './connection.js';
import { createWatchdog } from './watchdog.js';
import { topPatches } from './top-patches.js';
import { attribute } from './attribute.js';

/** A refused weights file that grew wasm memory by more than this gets the worker replaced (memory cannot shrink). */
const RECYCLE_GROWTH_BYTES = 32 << 20;
/** Crashes tolerated within {@link CRASH_WINDOW_MS} before the client gives up restarting the worker. */
const MAX_CRASHES = 3;
const CRASH_WINDOW_MS = 60_000;
/** A worker silent this long while a request is open is presumed dead and replaced (see watchdog.js). */
const WATCHDOG_MS = 30_000;

/** @typedef {import('./api-types.js').Explainer} Explainer */

/**
 * Start the explainer: a module worker that owns the wasm session.
 * @param {{weights?: WeightsSource, workerUrl?: string|URL, createWorker?: () => Worker, watchdogMs?: number,
 *   sources?: {primary?: {name: string, bytes: number, sha256: string}, primaryUrl?: string}, threads?: 1|2}} [options]
 *   `createWorker` replaces `new Worker(workerUrl, {type: 'module'})` (tests pass a fake). `watchdogMs`: how long
 *   the worker may stay silent while a request is open before it is presumed dead and restarted. `sources`
 *   replaces the file the trained-weights download expects (tests serve a generated model in its place); a file
 *   verified against it is still not called the BVLC weights unless its digest is the Zoo's. `threads`: 1 keeps the
 *   engine single-threaded, 2 asks for two (where the page is cross-origin isolated); default: the best allowed.
 * @returns {Explainer} see www/client/api-types.js
 */
export function createExplainer({ weights = null, workerUrl, createWorker, watchdogMs = WATCHDOG_MS, sources, threads } = {}) {
  /** What every init tells the worker besides the weights: the threads asked for, the download's expected file. */
  const initExtras = { ...(sources ? { sources } : {}), ...(threads ? { threads } : {}) };
  const url = workerUrl ?? new URL('../worker/worker.js', import.meta.url);
  const spawn = createWorker ?? (() => new Worker(url, { type: 'module' }));

  const events = createEmitter();
  let destroyed = false;
  /** The weights the live session was built from; a restarted worker is re-initialised with them. */
  let currentWeights = weights;
  /** @type {ReadyInfo|null} */
  let info = null;
  /** The pass in flight: {id, source, resolve, reject}; `source` is `{pixels}`, or `{file}` until the worker has
   * decoded it (its `source` reply). */
  let activeRun = null;
  /** The last image sent ({pixels} or {file}), re-run after a restart so the views get their tensors back. */
  let lastSource = null;
  /** Counts run() calls, so a slow decode cannot overtake a newer run. */
  let runSeq = 0;
  let crashes = [];
  /** The init in flight (or done); runs and queries wait for it. */
  let initPromise;
  /** The init that restores a replaced worker's weights, while it is in flight. */
  let restoring = null;
  /** The latest weights load the caller asked for ({id once sent, cancelled}), which `cancelLoad` stops. */
  let userLoad = null;
  /** Counters for the debug hook: replies dropped as stale, restarts, workers replaced to return memory. */
  const counts = { stale: 0, restarts: 0, recycled: 0 };
  let watchdog = null;
  /** Unanswered `get` requests by question; a new pass or new weights start a new generation of answers. */
  const inFlight = new Map();
  let queryGeneration = 0;

  // A failing listener must not stop the others nor the protocol (see emitter.js).
  const emit = events.emit;

  /** A pass's replies (and errors with no request): only the active run's count, older ones are stale. */
  function onPass(msg) {
    if (msg.type === MSG.ERROR && !(activeRun && msg.id === activeRun.id)) {
      // An error with no live request (id -1: the worker could not even read the request) still matters.
      if (!Number.isInteger(msg.id) || msg.id < 0) emit('error', { message: msg.message });
      return;
    }
    if (!activeRun || msg.id !== activeRun.id) {
      counts.stale++;
      return;
    }
    if (msg.type === MSG.LAYER) {
      emit('layer', { runId: msg.id, layer: msg.layer, shape: msg.shape, data: msg.data });
      return;
    }
    if (msg.type === MSG.SOURCE) {
      // A file run: the worker decoded it, and this pass starts now for the page.
      const source = { pixels: msg.pixels };
      if (lastSource === activeRun.source) lastSource = source;
      activeRun.source = source;
      emit('start', { runId: msg.id, pixels: msg.pixels });
      return;
    }
    const run = activeRun;
    activeRun = null;
    if (msg.type === MSG.DONE) {
      const result = { top: msg.top, timings: msg.timings, preprocess: msg.preprocess, trace: { ...msg.trace, sent: run.sentAt, done: performance.timeOrigin + performance.now() } };
      emit('done', { runId: msg.id, ...result });
      run.resolve(result);
      return;
    }
    if (!msg.cancelled) emit('error', { message: msg.message });
    // A file the worker could not decode is no image to run again after a restart: the one before it is.
    if (run.source.file && lastSource === run.source) lastSource = run.before;
    run.reject(replyError(msg));
  }

  const conn = createConnection({
    spawn,
    onPass,
    onProgress: (progress) => emit('progress', progress),
    onDead: (reason, failId) => replaceWorker(reason, { failId }),
    onHeard: () => watchdog?.heard(),
    onWarmed: (msg) => {
      resolveWarmed({ completed: msg.completed, ms: msg.ms });
      emit('warmed', { completed: msg.completed, ms: msg.ms });
    },
  });
  const { request, send } = conn;

  /**
   * Load weights in the worker. A File or Blob is passed as it is (cloning it reads nothing), so the worker judges it
   * from its size and first bytes before reading the rest; ArrayBuffers are copied, not transferred, so a restart
   * can resend them. The latest call wins: the worker cancels an init still in flight when a newer one arrives.
   */
  async function init(source) {
    if (destroyed) throw new Error('The explainer was destroyed.');
    const load = { id: null, cancelled: false };
    userLoad = load;
    // A replaced worker gets its weights back first; a newer choice must not cancel that, or a choice that then
    // failed would leave the new worker with no session at all.
    await restoring?.catch(() => {});
    if (load.cancelled) throw cancelledError('Loading was cancelled.');
    const ready = await request('init', { type: MSG.INIT, weights: source ?? null, ...initExtras }, [], (id) => { load.id = id; });
    return adopt(ready, source);
  }

  /** Send an init that restores a replaced worker's weights; `init()` calls wait for it. */
  function restore(source) {
    const p = request('init', { type: MSG.INIT, weights: source ?? null, ...initExtras }).then((ready) => adopt(ready, source));
    restoring = p;
    const clear = () => { if (restoring === p) restoring = null; };
    p.then(clear, clear);
    return p;
  }

  /** Make a `ready` reply the live session's description; `source` is what a restarted worker should load. */
  function adopt(ready, source) {
    // A download that was stored is loaded from storage after a restart instead of downloaded again.
    currentWeights = ready.storedNow?.stored || ready.from === 'stored' ? { source: 'auto' } : source;
    queryGeneration++;
    info = ready;
    emit('ready', ready);
    return ready;
  }

  /**
   * Replace a dead or untrustworthy worker: the new one loads the current weights again and the pass in flight (or
   * the last image) runs again, so the page keeps what it had. `failId` names a request that caused the crash: it
   * is rejected, not re-run.
   */
  function replaceWorker(reason, { failId } = {}) {
    if (destroyed) return;
    conn.terminate();
    watchdog.idle();
    let failed = false;
    counts.restarts++;
    const now = Date.now();
    crashes = crashes.filter((t) => now - t < CRASH_WINDOW_MS);
    crashes.push(now);
    conn.rejectAll(new Error(`The engine worker stopped (${reason}).`));
    if (activeRun && failId !== undefined && activeRun.id === failId) {
      const run = activeRun;
      activeRun = null;
      failed = true;
      // Without a last image to re-run, the restart below only reloads the weights.
      if (lastSource === run.source) lastSource = null;
      run.reject(new Error(reason));
    }
    if (crashes.length > MAX_CRASHES) {
      const message = `The engine worker keeps stopping (${reason}); giving up. Reload the page to try again.`;
      if (activeRun) activeRun.reject(new Error(message));
      activeRun = null;
      destroyed = true;
      rejectReady(new Error(message));
      emit('error', { message });
      return;
    }
    conn.attach();
    emit('restart', {
      message: failed
        ? `${reason} The engine was restarted with the same weights; this image was not run again.`
        : `The engine worker stopped (${reason}) and was restarted; the last image is being run again.`,
    });
    const run = activeRun;
    initPromise = restore(currentWeights);
    resume(run);
  }

  /**
   * Give back the wasm memory a refused file grew (it never shrinks): a second worker loads the current weights and
   * replaces this one once it is ready; the pass in flight, or the last image, then runs again there. If it cannot
   * start (offline, say), this worker simply stays.
   */
  function recycle() {
    if (destroyed) return;
    const previous = initPromise;
    const swapped = conn.swap({ type: MSG.INIT, weights: currentWeights ?? null, ...initExtras });
    restoring = swapped.catch(() => {});
    initPromise = swapped.then(
      (ready) => {
        counts.recycled++;
        watchdog.heard();
        adopt(ready, currentWeights);
        resume(activeRun);
        return ready;
      },
      () => previous,
    );
  }

  /** After a worker replacement: `run` (the pass that was in flight) continues, or the last image runs again. */
  function resume(run) {
    initPromise.then(
      (readyInfo) => {
        resolveReady(readyInfo);
        if (run && activeRun === run) {
          // The promise the caller holds survives the replacement: the same run continues under a new id.
          run.id = conn.newId();
          postRun(run);
        } else if (!activeRun && lastSource) {
          startRun(lastSource).catch(() => {});
        }
      },
      (err) => {
        if (run && activeRun === run) {
          activeRun = null;
          run.reject(err);
        }
        rejectReady(err);
        emit('error', { message: err.message });
      },
    );
  }

  function postRun(run) {
    queryGeneration++;
    run.sentAt = performance.timeOrigin + performance.now();
    const { pixels, file } = run.source;
    // A file is sent as it is (cloning a Blob copies nothing); 'start' comes with the worker's `source` reply.
    if (file) return send({ id: run.id, type: MSG.RUN, file });
    const data = new Uint8ClampedArray(pixels.data);
    emit('start', { runId: run.id, pixels });
    send({ id: run.id, type: MSG.RUN, pixels: { width: pixels.width, height: pixels.height, data } }, [data.buffer]);
  }

  function startRun(source) {
    if (activeRun) {
      // The worker cancels the older pass itself when the newer run arrives; its replies are now stale.
      activeRun.reject(cancelledError('The pass was superseded by a newer image.'));
      activeRun = null;
    }
    const before = lastSource;
    lastSource = source;
    return new Promise((resolve, reject) => {
      activeRun = { id: conn.newId(), source, before, resolve, reject };
      postRun(activeRun);
    });
  }

  /** Resolves when the worker's warm-up pass after the first weights ended (see worker.js warmUp). */
  let resolveWarmed;
  const warmed = new Promise((resolve) => { resolveWarmed = resolve; });

  // `ready` settles with the first successful init; a worker crash during that init is not a failure yet,
  // because the restarted worker inits again and settles it.
  let resolveReady;
  let rejectReady;
  const ready = new Promise((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => {});
  watchdog = createWatchdog({
    watchdogMs,
    busy: () => !destroyed && (conn.openRequests() > 0 || !!activeRun),
    ping: () => send({ id: 0, type: MSG.PING }),
    dead: (reason) => replaceWorker(reason),
  });
  conn.attach();
  initPromise = init(weights);
  // Images are decoded in a worker of their own; starting it now keeps its start-up out of the first pass.
  warmDecoder();
  initPromise.then(resolveReady, (err) => {
    if (crashes.length === 0) rejectReady(err);
  });

  return {
    ready,
    /** Resolves ({completed, ms}) when the worker's warm-up pass ended (a run before that stops it). */
    warmed,
    info: () => info,

    async run(image) {
      const seq = ++runSeq;
      // A file goes to the engine worker, which judges and decodes it with the decode worker's code: one hop and
      // one copy fewer than through the decode worker and this page. Anything else becomes pixels here.
      const source = typeof Blob !== 'undefined' && image instanceof Blob ? { file: image } : { pixels: await toPixels(image) };
      await initPromise.catch(() => {});
      if (destroyed) throw new Error('The explainer was destroyed.');
      if (!info) throw new Error('No weights are loaded, so the network cannot run.');
      if (seq !== runSeq) throw cancelledError('The pass was superseded by a newer image.');
      return startRun(source);
    },

    async get(what, args = {}) {
      await initPromise.catch(() => {});
      if (destroyed) throw new Error('The explainer was destroyed.');
      // The same question asked again while the first is still unanswered (views remounted by key repeat, several
      // embeds) shares the one request, so the worker's queue holds each question once.
      const key = JSON.stringify([queryGeneration, what, args]);
      const open = inFlight.get(key);
      if (open) return open.then((value) => (typeof structuredClone === 'function' ? structuredClone(value) : value));
      const promise = request('get', { ...args, type: MSG.GET, what });
      inFlight.set(key, promise);
      const forget = () => { if (inFlight.get(key) === promise) inFlight.delete(key); };
      promise.then(forget, forget);
      return promise;
    },

    /** Per channel of `layer`, the top-k of `images` by its maximum activation (see www/client/top-patches.js). */
    topPatches: (images, options) => topPatches({ ready: () => initPromise.catch(() => {}), spec: () => info?.spec ?? null, decode: (im) => toPixels(im),
      ask: (args, transfer) => request('get', { ...args, type: MSG.GET }, transfer) }, images, options),

    /** "Why?": an occlusion, saliency or Grad-CAM map of the current pass (see www/client/attribute.js). */
    attribute: (options) => attribute({ ready: () => initPromise.catch(() => {}), request, send, newId: conn.newId, isPending: conn.isPending }, options),

    async loadWeights(source) {
      const previous = initPromise;
      const attempt = init(source);
      // A failed load keeps the old session, so queued requests should keep waiting on the old init.
      initPromise = attempt.catch(() => previous);
      try {
        return await attempt;
      } catch (err) {
        // More than a few MB of wasm memory grown by a refused file is given back by a fresh worker.
        if (!err.cancelled && err.grewBy > RECYCLE_GROWTH_BYTES) recycle();
        throw err;
      }
    },

    /** Stop the latest weights load (download) in flight; its promise rejects with `cancelled: true`. */
    cancelLoad() {
      const load = userLoad;
      if (!load) return;
      load.cancelled = true;
      if (load.id !== null && conn.isPending(load.id)) send({ id: conn.newId(), type: MSG.CANCEL, target: load.id });
    },

    /**
     * Store a compact copy (`f16` or `int8`) of the verified weights instead of the f32 file, and run on it.
     * @returns {Promise<ReadyInfo>}
     */
    async compact(dtype) {
      await initPromise.catch(() => {});
      const ready = await request('init', { type: MSG.COMPACT, dtype });
      return adopt(ready, { source: 'stored' });
    },

    /** Forget the weights stored in this browser (the loaded ones stay loaded until the page closes). */
    async forgetStored() {
      const value = await request('get', { type: MSG.FORGET });
      if (info) info = { ...info, stored: value.stored };
      if (currentWeights?.source === 'auto') currentWeights = null;
      return value;
    },

    cancel() {
      runSeq++;
      if (!activeRun) return;
      const run = activeRun;
      activeRun = null;
      send({ id: conn.newId(), type: MSG.CANCEL, target: run.id });
      run.reject(cancelledError());
    },

    on: events.on,

    off: events.off,

    /**
     * Debugging and test hooks (not an API): counters, the worker, a simulated crash, engine memory.
     */
    debug: {
      stats: () => ({
        pending: conn.openRequests(),
        running: !!activeRun,
        ...counts,
        ...conn.counts,
        workersAlive: conn.counts.spawned - conn.counts.terminated,
        crashes: crashes.length,
        destroyed,
      }),
      worker: () => conn.worker(),
      /** Kill the worker as a crash would: it is terminated and the client handles the death it reports. */
      killWorker(reason = 'killed by a test') {
        replaceWorker(reason);
      },
      /** Kill the worker silently (no event), so only the watchdog can notice. */
      killWorkerSilently() {
        conn.worker().terminate();
      },
      /** {wasmBytes}: the size of the worker's wasm memory. */
      memory: () => request('get', { type: MSG.GET, what: 'stats' }),
    },

    destroy() {
      if (destroyed) return;
      destroyed = true;
      watchdog.stop();
      conn.terminate();
      const err = new Error('The explainer was destroyed.');
      conn.rejectAll(err);
      activeRun?.reject(err);
      activeRun = null;
      events.clear();
    },
  };
}
