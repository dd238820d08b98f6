// The public promise API of the explainer: createExplainer() starts the worker and turns its messages into promises and events.

import { MSG } from './protocol.js';

/** The engine resizes to 256 anyway; larger images are downscaled on decode so transfers stay small. */
export const MAX_SIDE = 1024;

/** Crashes tolerated within {@link CRASH_WINDOW_MS} before the client gives up restarting the worker. */
const MAX_CRASHES = 3;
const CRASH_WINDOW_MS = 60_000;

/**
 * @typedef {import('./protocol.js').Pixels} Pixels
 * @typedef {import('./protocol.js').WeightsInfo} WeightsInfo
 * @typedef {import('./protocol.js').Prediction} Prediction
 * @typedef {import('./protocol.js').PreprocessInfo} PreprocessInfo
 * @typedef {{spec: object, weightsInfo: WeightsInfo}} ReadyInfo
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
 * @property {(event: string, fn: Function) => () => void} on Subscribe to `progress` {loaded, total},
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

/** True for an object laid out like ImageData: RGBA bytes, width × height × 4 of them. */
function isPixels(x) {
  return x && typeof x === 'object' && Number.isInteger(x.width) && Number.isInteger(x.height) &&
    x.data && typeof x.data.length === 'number' && x.data.length === x.width * x.height * 4;
}

function makeCanvas(width, height) {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(width, height);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

/**
 * Turn any supported image into RGBA pixels whose longer side is at most `maxSide`. Decoding and
 * downscaling happen here, on the main thread, because they are image decoding, not a network layer; the
 * engine does its own resize to 256 from whatever it receives.
 * @param {ImageSource} image
 * @param {number} [maxSide]
 * @returns {Promise<Pixels>} a fresh copy that the caller may transfer
 */
export async function toPixels(image, maxSide = MAX_SIDE) {
  if (isPixels(image) && Math.max(image.width, image.height) <= maxSide) {
    if (image.width === 0 || image.height === 0) throw new Error('The image is empty (0 pixels).');
    return { width: image.width, height: image.height, data: new Uint8ClampedArray(image.data) };
  }
  let source = image;
  let width;
  let height;
  if (typeof Blob !== 'undefined' && image instanceof Blob) {
    try {
      source = await createImageBitmap(image, { imageOrientation: 'from-image' });
    } catch (err) {
      const name = image.name ? `“${image.name}”` : 'The file';
      throw new Error(`${name} could not be read as an image (${image.type || 'unknown type'}): it is not a picture the browser can decode, or it is damaged.`);
    }
  } else if (isPixels(image)) {
    const data = image.data instanceof Uint8ClampedArray ? image.data : new Uint8ClampedArray(image.data);
    source = await createImageBitmap(new ImageData(data, image.width, image.height));
  } else if (typeof HTMLImageElement !== 'undefined' && image instanceof HTMLImageElement) {
    if (!image.complete || image.naturalWidth === 0) await image.decode();
    width = image.naturalWidth;
    height = image.naturalHeight;
  } else if (!image || typeof image !== 'object' || !('width' in image)) {
    throw new Error('run() needs an ImageData, ImageBitmap, image, canvas or image file.');
  }
  width ??= source.width;
  height ??= source.height;
  if (!width || !height) throw new Error('The image is empty (0 pixels).');
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const canvas = makeCanvas(w, h);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, 0, 0, w, h);
  const { data } = ctx.getImageData(0, 0, w, h);
  if (source !== image && typeof source.close === 'function') source.close();
  return { width: w, height: h, data };
}

/**
 * Start the explainer: a module worker that owns the wasm session.
 * @param {{weights?: WeightsSource, workerUrl?: string|URL, createWorker?: () => Worker}} [options]
 *   `createWorker` replaces `new Worker(workerUrl, {type: 'module'})` (tests pass a fake).
 * @returns {Explainer}
 */
export function createExplainer({ weights = null, workerUrl, createWorker } = {}) {
  const url = workerUrl ?? new URL('./worker.js', import.meta.url);
  const spawn = createWorker ?? (() => new Worker(url, { type: 'module' }));

  const listeners = new Map();
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

  function emit(event, payload) {
    for (const fn of [...(listeners.get(event) ?? [])]) {
      try {
        fn(payload);
      } catch (err) {
        // A failing listener must not stop the others nor the protocol; report it where developers look.
        console.error(err);
      }
    }
  }

  function send(msg, transfer = []) {
    worker.postMessage(msg, transfer);
  }

  function request(kind, msg, transfer) {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { kind, resolve, reject });
      send({ ...msg, id }, transfer);
    });
  }

  function onMessage(event) {
    const msg = event.data;
    if (!msg || typeof msg !== 'object') return;
    const entry = pending.get(msg.id);
    switch (msg.type) {
      case MSG.PROGRESS:
        if (entry?.kind === 'init') emit('progress', { loaded: msg.loaded, total: msg.total });
        return;
      case MSG.READY:
        if (!entry) return;
        pending.delete(msg.id);
        entry.resolve({ spec: msg.spec, weightsInfo: msg.weightsInfo });
        return;
      case MSG.LAYER:
        // Layers of a cancelled or superseded pass are stale: their id is no longer the active run's.
        if (!activeRun || msg.id !== activeRun.id) return;
        emit('layer', { runId: msg.id, layer: msg.layer, shape: msg.shape, data: msg.data });
        return;
      case MSG.DONE: {
        if (!activeRun || msg.id !== activeRun.id) return;
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
          entry.reject(new Error(msg.message));
          return;
        }
        // An error with no live request (id -1: the worker could not even read the request) still matters.
        if (!Number.isInteger(msg.id) || msg.id < 0) emit('error', { message: msg.message });
        return;
      }
      default:
    }
  }

  /** Bytes for an init message. Blobs are read now; ArrayBuffers are copied, not transferred, so a restart can resend them. */
  async function weightsPayload(source) {
    if (typeof Blob !== 'undefined' && source instanceof Blob) {
      const buffer = await source.arrayBuffer();
      return { weights: buffer, transfer: [buffer] };
    }
    return { weights: source ?? null, transfer: [] };
  }

  async function init(source) {
    const { weights: payload, transfer } = await weightsPayload(source);
    if (destroyed) throw new Error('The explainer was destroyed.');
    const ready = await request('init', { type: MSG.INIT, weights: payload }, transfer);
    currentWeights = source;
    info = ready;
    emit('ready', ready);
    return ready;
  }

  function attach() {
    worker = spawn();
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

  function handleCrash(reason) {
    if (destroyed) return;
    try {
      worker.terminate();
    } catch {
      // A dead worker may refuse termination; it is being replaced either way.
    }
    const now = Date.now();
    crashes = crashes.filter((t) => now - t < CRASH_WINDOW_MS);
    crashes.push(now);
    rejectPending(new Error(`The engine worker stopped (${reason}).`));
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
    emit('restart', { message: `The engine worker stopped (${reason}) and was restarted; the last image is being run again.` });
    const weightsAtCrash = currentWeights;
    initPromise = init(weightsAtCrash);
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

  function postRun(run) {
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
      return request('get', { ...args, type: MSG.GET, what });
    },

    async loadWeights(source) {
      const previous = initPromise;
      const attempt = init(source);
      // A failed load keeps the old session, so queued requests should keep waiting on the old init.
      initPromise = attempt.catch(() => previous);
      return attempt;
    },

    cancel() {
      runSeq++;
      if (!activeRun) return;
      const run = activeRun;
      activeRun = null;
      send({ id: nextId++, type: MSG.CANCEL, target: run.id });
      run.reject(cancelledError());
    },

    on(event, fn) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(fn);
      return () => listeners.get(event)?.delete(fn);
    },

    off(event, fn) {
      listeners.get(event)?.delete(fn);
    },

    destroy() {
      if (destroyed) return;
      destroyed = true;
      worker.terminate();
      const err = new Error('The explainer was destroyed.');
      rejectPending(err);
      activeRun?.reject(err);
      activeRun = null;
      listeners.clear();
    },
  };
}
