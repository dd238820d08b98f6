// The engine of one explainer: a client (one worker), the spec, and the current pass's tensors, shared by the views
// and, on a page with several embeds showing the same image, by several mounted apps.

import { createEmitter } from './emitter.js';
import { createExplainer } from './explainer.js';
import { spawnModuleWorker } from '../shared/spawn-worker.js';
import { dataRow } from '../shared/data-row.js';

/**
 * Wrap a client with the bookkeeping every mounted app needs: the spec table with a pseudo-row for the input,
 * the tensors of the pass in flight (arriving one `layer` event at a time), and the image the pass ran on.
 * @param {{weights?: import('./explainer.js').WeightsSource, client?: import('./explainer.js').Explainer}} [options]
 *   `weights` defaults to `{source: 'auto'}`: the copy stored in this browser, the site's own copy if it asks to be
 *   loaded, or else the default session.
 */
export function createEngine({ weights = { source: 'auto' }, client, sources } = {}) {
  // The worker would resolve a relative URL against www/worker.js; `?weights=` is meant relative to the page.
  if (typeof weights === 'string' && globalThis.location) weights = new URL(weights, globalThis.location.href).href;
  const workerUrl = new URL('../worker/worker.js', import.meta.url);
  const c = client ?? createExplainer({ weights, sources, createWorker: () => spawnModuleWorker(workerUrl) });
  const events = createEmitter();
  const pass = {
    runId: 0,
    running: false,
    /** @type {Map<string, {shape: number[], data: Float32Array}>} */
    tensors: new Map(),
    /** Views waiting for a layer of the running pass: id → resolve functions. */
    waiters: new Map(),
    /** {top, timings, preprocess} of the last finished pass. */
    result: null,
    /** The pixels the pass was run on (≤ 1024 px on the longer side). */
    source: null,
    /** What the image is: {sample?, label}. */
    meta: null,
  };
  let spec = null;
  let weightsInfo = null;
  /** Which engine build the worker runs: {threads, relaxed, build, mode} (see worker.js loadWasm). */
  let engineInfo = null;
  let layersById = new Map();
  let order = [];
  /** A message for people when `?weights=URL` failed and the untrained network runs instead. */
  let fallbackMessage = null;
  let refs = 0;
  let destroyed = false;
  /** The sample the engine was asked to show (embeds), so several apps asking for it load it once. */
  let wantedSample = null;
  let samplePromise = null;

  // A failing listener must not stop the others nor the protocol (see emitter.js).
  const emit = events.emit;

  function setSpec(info) {
    spec = info.spec;
    weightsInfo = info.weightsInfo;
    engineInfo = info.engine ?? null;
    const input = dataRow(spec);
    layersById = new Map([[input.id, input], ...spec.layers.map((l) => [l.id, l])]);
    order = [input.id, ...spec.layers.map((l) => l.id)];
  }

  // Weights that fail to load should not leave an empty page: fall back to the default session, and say why when
  // it was a URL the page was given (a stored copy that no longer loads is simply not used).
  const ready = c.ready.catch(async (err) => {
    if (weights === null || weights === undefined) throw err;
    if (typeof weights === 'string' || weights instanceof ArrayBuffer || (typeof Blob !== 'undefined' && weights instanceof Blob)) {
      fallbackMessage = { url: typeof weights === 'string' ? weights : 'file', error: err.message };
    }
    return c.loadWeights(null);
  }).then((info) => {
    setSpec(info);
    return info;
  });
  ready.catch(() => {});

  // Events the engine only passes on (progress, error, restart) are subscribed to on the client itself (see `on`
  // below): one emitter hop, not two. The engine emits only what it must bring up to date first.
  const unsubscribe = [
    c.on('ready', (info) => {
      setSpec(info);
      emit('ready', info);
    }),
    c.on('start', ({ runId, pixels }) => {
      pass.runId = runId;
      pass.running = true;
      pass.tensors = new Map();
      pass.source = pixels;
      emit('start', { runId, pixels });
    }),
    c.on('layer', ({ runId, layer, shape, data }) => {
      if (runId !== pass.runId) return;
      pass.tensors.set(layer, { shape, data });
      const waiting = pass.waiters.get(layer);
      if (waiting) {
        pass.waiters.delete(layer);
        for (const resolve of waiting) resolve(pass.tensors.get(layer));
      }
      emit('layer', { runId, layer });
    }),
    c.on('done', ({ runId, top, timings, preprocess }) => {
      if (runId !== pass.runId) return;
      pass.running = false;
      pass.result = { top, timings, preprocess };
      emit('done', { runId, top, timings, preprocess });
    }),
  ];
  const PASSED_THROUGH = new Set(['progress', 'error', 'restart']);

  /**
   * A layer's tensor from the current pass. While the pass runs, asking for a layer not computed yet waits for
   * its `layer` event; with no pass at all it resolves to null.
   */
  function tensor(id) {
    const cached = pass.tensors.get(id);
    if (cached) return Promise.resolve(cached);
    if (!layersById.has(id)) return Promise.resolve(null);
    if (pass.running) {
      return new Promise((resolve) => {
        if (!pass.waiters.has(id)) pass.waiters.set(id, []);
        pass.waiters.get(id).push(resolve);
      });
    }
    if (!pass.result) return Promise.resolve(null);
    // The pass finished but the tensor is not cached (the worker was restarted): ask the session again.
    return Promise.all([c.get('tensor', { layer: id }), c.get('shape', { layer: id })])
      .then(([data, shape]) => {
        const t = { shape, data };
        pass.tensors.set(id, t);
        return t;
      })
      .catch(() => null);
  }

  return {
    client: c,
    ready,
    pass,
    get spec() { return spec; },
    get weightsInfo() { return weightsInfo; },
    get engineInfo() { return engineInfo; },
    /** What this browser has stored ({name, dtype, bytes, by, from}), or null (see worker.js storedSummary). */
    get stored() { return c.info()?.stored ?? null; },
    get order() { return order; },
    get fallbackMessage() { return fallbackMessage; },
    layer: (id) => layersById.get(id) ?? null,
    hasLayer: (id) => layersById.has(id),
    tensor,

    /** Run a pass on `pixels`; `meta` ({sample?, label}) says what the image is. Cancellations resolve to null. */
    async run(pixels, meta = {}) {
      pass.meta = meta;
      try {
        return await c.run(pixels);
      } catch (err) {
        if (err.cancelled) return null;
        throw err;
      }
    },

    /**
     * Show the sample `id` (a gallery photo or a probe), loading and running it once however many apps ask.
     * @param {string} id
     * @param {(id: string) => Promise<{pixels: object, label: string}>} load
     */
    useSample(id, load) {
      if (wantedSample === id && samplePromise) return samplePromise;
      wantedSample = id;
      samplePromise = (async () => {
        await ready;
        const { pixels, label } = await load(id);
        if (wantedSample !== id) return null;
        return this.run(pixels, { sample: id, label });
      })();
      samplePromise.catch(() => {
        if (wantedSample === id) samplePromise = null;
      });
      return samplePromise;
    },

    /**
     * Subscribe to `ready`, `start`, `layer` and `done` (after the engine's store is up to date) or, straight from
     * the client, `progress`, `error` and `restart`; returns an unsubscribe function.
     */
    on: (name, fn) => (PASSED_THROUGH.has(name) ? c.on(name, fn) : events.on(name, fn)),

    /** Count one more user of a shared engine. */
    retain() {
      refs++;
      return this;
    },

    /** One user fewer; the last one terminates the worker. Returns true when the engine was destroyed. */
    release() {
      refs = Math.max(0, refs - 1);
      if (refs === 0) {
        this.destroy();
        return true;
      }
      return false;
    },

    destroy() {
      if (destroyed) return;
      destroyed = true;
      for (const off of unsubscribe) off();
      events.clear();
      c.destroy();
    },
  };
}
