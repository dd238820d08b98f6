// The public promise API of the explainer: createExplainer() starts the worker and turns its messages into promises and events.

import { createEmitter } from './emitter.js';
import { MSG } from '../shared/protocol.js';
import { toPixels } from './decoder.js';

/** A refused weights file that grew wasm memory by more than this gets the worker replaced (memory cannot shrink). */
const RECYCLE_GROWTH_BYTES = 32 << 20;
/** Crashes tolerated within {@link CRASH_WINDOW_MS} before the client gives up restarting the worker. */
const MAX_CRASHES = 3;
const CRASH_WINDOW_MS = 60_000;
/** While a request is open, a worker silent this long is pinged, and one silent for `watchdogMs` is restarted. */
const PING_AFTER_MS = 5_000;
const WATCHDOG_MS = 30_000;
const WATCHDOG_TICK_MS = 1_000;

/**
 * @typedef {import('../shared/protocol.js').Pixels} Pixels
 * @typedef {import('../shared/protocol.js').WeightsInfo} WeightsInfo
 * @typedef {import('../shared/protocol.js').Prediction} Prediction
 * @typedef {import('../shared/protocol.js').PreprocessInfo} PreprocessInfo
 * @typedef {{spec: object, weightsInfo: WeightsInfo, engine: {threads: number, relaxed: boolean, build: string, mode: string}}} ReadyInfo
 * @typedef {{top: Prediction[], timings: Object<string, number>, preprocess: PreprocessInfo}} RunResult
 * @typedef {string|ArrayBuffer|Blob|null} WeightsSource
 *   A URL, the bytes or a File/Blob of an .onnx or .safetensors file, or null for seeded untrained weights.
 * @typedef {ImageData|ImageBitmap|HTMLImageElement|HTMLCanvasElement|OffscreenCanvas|Blob|Pixels} ImageSource
 *
 * @typedef {object} Explainer
 * @property {Promise<ReadyInfo>} ready Resolves once the first weights are loaded.
 * @property {(image: ImageSource) => Promise<RunResult>} run Run a forward pass. A newer `run` supersedes an
 *   older one, whose promise then rejects with an error whose `cancelled` is true.
 * @property {(what: string, args?: object) => Promise<*>} get Query the session: `get('tensor', {layer})`,
 *   `get('kernels', {layer})`, `get('kernel', {layer, oc})`, `get('bias', {layer})`,
 *   `get('conv-dot', {layer, oc, y, x})`, `get('pool-argmax', {layer})`, `get('top', {k})`.
 * @property {(weights: WeightsSource) => Promise<ReadyInfo>} loadWeights Replace the weights; on failure the
 *   promise rejects with a readable message and the previous weights stay loaded.
 * @property {() => void} cancel Stop the pass in flight (its promise rejects with `cancelled: true`).
 * @property {(event: string, fn: Function) => () => void} on Subscribe to `progress` {loaded, total} (a retried
 *   download adds {retry, attempt, attempts, message}),
 *   `ready` {spec, weightsInfo}, `start` {runId, pixels}, `layer` {runId, layer, shape, data},
 *   `done` {runId, top, timings, preprocess}, `error` {message} and `restart` {message}; returns an unsubscribe function.
 * @property {(event: string, fn: Function) => void} off Unsubscribe.
 * @property {() => ReadyInfo|null} info The spec and weights of the loaded session, or null before the first ready.
 * @property {() => void} destroy Terminate the worker and reject everything pending.
 */

/** An Error marked as a cancellation, so callers can tell "superseded" from "failed". */
function cancelledError(message = 'The pass was cancelled.') {
  const err = new Error(message);
  err.cancelled = true;
  return err;
}

/**
 * Start the explainer: a module worker that owns the wasm session.
 * @param {{weights?: WeightsSource, workerUrl?: string|URL, createWorker?: () => Worker, watchdogMs?: number,
 *   sources?: {primary?: {name: string, bytes: number, sha256: string}, primaryUrl?: string}}} [options]
 *   `createWorker` replaces `new Worker(workerUrl, {type: 'module'})` (tests pass a fake). `watchdogMs`: how long
 *   the worker may stay silent while a request is open before it is presumed dead and restarted. `sources`
 *   replaces the file the trained-weights download expects (tests serve a generated model in its place); a file
 *   verified against it is still not called the BVLC weights unless its digest is the Zoo's.
 * @returns {Explainer}
 */
export function createExplainer({ weights = null, workerUrl, createWorker, watchdogMs = WATCHDOG_MS, sources } = {}) {
  const url = workerUrl ?? new URL('../worker/worker.js', import.meta.url);
  const spawn = createWorker ?? (() => new Worker(url, { type: 'module' }));

  const events = createEmitter();
  /** Requests awaiting a reply: id → {kind, resolve, reject}. */
  const pending = new Map();
  let nextId = 1;
  let worker = null;
  let destroyed = false;
  /** The weights the live session was built from; a restarted worker is re-initialised with them. */
  let currentWeights = weights;
  /** @type {ReadyInfo|null} */
  let info = null;
  /** The pass in flight: {id, pixels, resolve, reject}. */
  let activeRun = null;
  /** The last image sent, re-run after a restart so the views get their tensors back. */
  let lastPixels = null;
  /** Counts run() calls, so a slow decode cannot overtake a newer run. */
  let runSeq = 0;
  let crashes = [];
  /** The init in flight (or done); runs and queries wait for it. */
  let initPromise;
  /** The init that restores a replaced worker's weights, while it is in flight. */
  let restoring = null;
  /** The latest weights load the caller asked for ({id once sent, cancelled}), which `cancelLoad` stops. */
  let userLoad = null;
  /** Counters for the debug hook: replies dropped as stale, restarts, workers spawned and terminated. */
  const counts = { stale: 0, restarts: 0, spawned: 0, terminated: 0, recycled: 0 };
  /** When the worker last said anything, and since when a request has been open (null while idle). */
  let lastHeard = Date.now();
  let busySince = null;
  const pingAfter = Math.min(PING_AFTER_MS, watchdogMs / 2);
  let watchdog = null;
  /** Unanswered `get` requests by question; a new pass or new weights start a new generation of answers. */
  const inFlight = new Map();
  let queryGeneration = 0;

  // A failing listener must not stop the others nor the protocol (see emitter.js).
  const emit = events.emit;

  function send(msg, transfer = []) {
    worker.postMessage(msg, transfer);
  }

  /** Send a request; `onId(id)` learns its id (so it can be cancelled). */
  function request(kind, msg, transfer, onId) {
    const id = nextId++;
    onId?.(id);
    return new Promise((resolve, reject) => {
      pending.set(id, { kind, resolve, reject });
      send({ ...msg, id }, transfer);
    });
  }

  function onMessage(event) {
    const msg = event.data;
    lastHeard = Date.now();
    if (!msg || typeof msg !== 'object') return;
    const entry = pending.get(msg.id);
    switch (msg.type) {
      case MSG.PONG:
        return;
      case MSG.PROGRESS: {
        if (entry?.kind !== 'init') return;
        // Bytes, rate and time left, or a retry announcement saying which attempt starts next and why (worker.js).
        const { id: _id, type: _type, ...progress } = msg;
        emit('progress', progress);
        return;
      }
      case MSG.READY:
        if (!entry) return;
        pending.delete(msg.id);
        entry.resolve({ spec: msg.spec, weightsInfo: msg.weightsInfo, engine: msg.engine, stored: msg.stored ?? null, storedNow: msg.storedNow ?? null, from: msg.from ?? null });
        return;
      case MSG.LAYER:
        // Layers of a cancelled or superseded pass are stale: their id is no longer the active run's.
        if (!activeRun || msg.id !== activeRun.id) {
          counts.stale++;
          return;
        }
        emit('layer', { runId: msg.id, layer: msg.layer, shape: msg.shape, data: msg.data });
        return;
      case MSG.DONE: {
        if (!activeRun || msg.id !== activeRun.id) {
          counts.stale++;
          return;
        }
        const run = activeRun;
        activeRun = null;
        const result = { top: msg.top, timings: msg.timings, preprocess: msg.preprocess };
        emit('done', { runId: msg.id, ...result });
        run.resolve(result);
        return;
      }
      case MSG.DATA:
        if (!entry) return;
        pending.delete(msg.id);
        entry.resolve(msg.value);
        return;
      case MSG.ERROR: {
        if (msg.fatal) {
          // The wasm instance trapped: its state cannot be trusted any more, so the worker is replaced. The
          // request that tripped it fails with the message (re-running the same input would trip it again).
          handleCrash(msg.message, { failId: msg.id });
          return;
        }
        if (activeRun && msg.id === activeRun.id) {
          const run = activeRun;
          activeRun = null;
          const err = msg.cancelled ? cancelledError(msg.message) : new Error(msg.message);
          if (!msg.cancelled) emit('error', { message: msg.message });
          run.reject(err);
          return;
        }
        if (entry) {
          pending.delete(msg.id);
          const err = msg.cancelled ? cancelledError(msg.message) : new Error(msg.message);
          if (msg.code) err.code = msg.code;
          if (msg.grewBy) err.grewBy = msg.grewBy;
          entry.reject(err);
          return;
        }
        // An error with no live request (id -1: the worker could not even read the request) still matters.
        if (!Number.isInteger(msg.id) || msg.id < 0) emit('error', { message: msg.message });
        return;
      }
      default:
    }
  }

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
    const ready = await request('init', { type: MSG.INIT, weights: source ?? null, ...(sources ? { sources } : {}) }, [], (id) => { load.id = id; });
    return adopt(ready, source);
  }

  /** Send an init that restores a replaced worker's weights; `init()` calls wait for it. */
  function restore(source) {
    const p = request('init', { type: MSG.INIT, weights: source ?? null, ...(sources ? { sources } : {}) }).then((ready) => adopt(ready, source));
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
   * Replace a worker whose wasm memory a refused file grew (wasm memory never shrinks): a fresh worker loads the
   * current weights again and re-runs the last image, so the page keeps what it had and the memory comes back.
   */
  function recycle() {
    if (destroyed) return;
    try {
      worker.terminate();
      counts.terminated++;
    } catch {
      // Being replaced either way.
    }
    counts.recycled = (counts.recycled ?? 0) + 1;
    rejectPending(cancelledError('The engine worker was replaced to return memory.'));
    const run = activeRun;
    attach();
    initPromise = restore(currentWeights).then((ready) => {
      if (run && activeRun === run) {
        run.id = nextId++;
        postRun(run);
      } else if (!activeRun && lastPixels) {
        startRun(lastPixels).catch(() => {});
      }
      return ready;
    });
    initPromise.catch((err) => emit('error', { message: err.message }));
  }

  function attach() {
    worker = spawn();
    counts.spawned++;
    lastHeard = Date.now();
    worker.onmessage = onMessage;
    worker.onerror = (event) => {
      event?.preventDefault?.();
      handleCrash(event?.message || 'the worker failed');
    };
    worker.onmessageerror = () => handleCrash('a message from the worker could not be read');
  }

  function rejectPending(err) {
    for (const entry of pending.values()) entry.reject(err);
    pending.clear();
  }

  /**
   * Replace a dead (or untrustworthy) worker: re-initialise with the current weights and re-run the pass in
   * flight, or the last image. `failId` names a request that caused the failure: it is rejected, not re-run.
   */
  function handleCrash(reason, { failId } = {}) {
    if (destroyed) return;
    try {
      worker.terminate();
      counts.terminated++;
    } catch {
      // A dead worker may refuse termination; it is being replaced either way.
    }
    counts.restarts++;
    busySince = null;
    const now = Date.now();
    crashes = crashes.filter((t) => now - t < CRASH_WINDOW_MS);
    crashes.push(now);
    rejectPending(new Error(`The engine worker stopped (${reason}).`));
    let failed = false;
    if (activeRun && failId !== undefined && activeRun.id === failId) {
      const run = activeRun;
      activeRun = null;
      failed = true;
      // Without a last image to re-run, the restart below only reloads the weights.
      if (lastPixels === run.pixels) lastPixels = null;
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
    attach();
    emit('restart', {
      message: failed
        ? `${reason} The engine was restarted with the same weights; this image was not run again.`
        : `The engine worker stopped (${reason}) and was restarted; the last image is being run again.`,
    });
    initPromise = restore(currentWeights);
    const run = activeRun;
    initPromise.then(
      (readyInfo) => {
        resolveReady(readyInfo);
        if (run && activeRun === run) {
          // The promise the caller holds survives the crash: the same run continues under a new id.
          run.id = nextId++;
          postRun(run);
        } else if (!activeRun && lastPixels) {
          startRun(lastPixels).catch(() => {});
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

  /** Restart a worker that has stopped answering while a request is open (a hang, or a death nobody reported). */
  function checkAlive() {
    if (destroyed || !worker) return;
    if (pending.size === 0 && !activeRun) {
      busySince = null;
      return;
    }
    const now = Date.now();
    busySince ??= now;
    const silent = now - Math.max(lastHeard, busySince);
    if (silent > watchdogMs) {
      handleCrash(`it did not answer for ${Math.round(silent / 1000)} s`);
    } else if (silent > pingAfter) {
      // The worker answers a ping between layers; silence after it means the worker is gone or stuck.
      try {
        worker.postMessage({ id: 0, type: MSG.PING });
      } catch {
        handleCrash('it can no longer receive messages');
      }
    }
  }

  function postRun(run) {
    queryGeneration++;
    const data = new Uint8ClampedArray(run.pixels.data);
    emit('start', { runId: run.id, pixels: run.pixels });
    send({ id: run.id, type: MSG.RUN, pixels: { width: run.pixels.width, height: run.pixels.height, data } }, [data.buffer]);
  }

  function startRun(pixels) {
    if (activeRun) {
      // The worker cancels the older pass itself when the newer run arrives; its replies are now stale.
      activeRun.reject(cancelledError('The pass was superseded by a newer image.'));
      activeRun = null;
    }
    lastPixels = pixels;
    return new Promise((resolve, reject) => {
      activeRun = { id: nextId++, pixels, resolve, reject };
      postRun(activeRun);
    });
  }

  // `ready` settles with the first successful init; a worker crash during that init is not a failure yet,
  // because the restarted worker inits again and settles it.
  let resolveReady;
  let rejectReady;
  const ready = new Promise((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => {});
  watchdog = setInterval(checkAlive, Math.min(WATCHDOG_TICK_MS, watchdogMs / 4));
  // In Node tests a pending interval would keep the process alive; browsers have no unref.
  watchdog.unref?.();
  attach();
  initPromise = init(weights);
  initPromise.then(resolveReady, (err) => {
    if (crashes.length === 0) rejectReady(err);
  });

  return {
    ready,
    info: () => info,

    async run(image) {
      const seq = ++runSeq;
      const pixels = await toPixels(image);
      await initPromise.catch(() => {});
      if (destroyed) throw new Error('The explainer was destroyed.');
      if (!info) throw new Error('No weights are loaded, so the network cannot run.');
      if (seq !== runSeq) throw cancelledError('The pass was superseded by a newer image.');
      return startRun(pixels);
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
      if (load.id !== null && pending.has(load.id)) send({ id: nextId++, type: MSG.CANCEL, target: load.id });
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
      send({ id: nextId++, type: MSG.CANCEL, target: run.id });
      run.reject(cancelledError());
    },

    on: events.on,

    off: events.off,

    /**
     * Debugging and test hooks (not an API): counters, the worker, a simulated crash, engine memory.
     */
    debug: {
      stats: () => ({
        pending: pending.size,
        running: !!activeRun,
        ...counts,
        workersAlive: counts.spawned - counts.terminated,
        crashes: crashes.length,
        destroyed,
      }),
      worker: () => worker,
      /** Kill the worker as a crash would: it is terminated and the client handles the death it reports. */
      killWorker(reason = 'killed by a test') {
        handleCrash(reason);
      },
      /** Kill the worker silently (no event), so only the watchdog can notice. */
      killWorkerSilently() {
        worker.terminate();
      },
      /** {wasmBytes}: the size of the worker's wasm memory. */
      memory: () => request('get', { type: MSG.GET, what: 'stats' }),
    },

    destroy() {
      if (destroyed) return;
      destroyed = true;
      clearInterval(watchdog);
      worker.terminate();
      counts.terminated++;
      const err = new Error('The explainer was destroyed.');
      rejectPending(err);
      activeRun?.reject(err);
      activeRun = null;
      events.clear();
    },
  };
}
