// The client's end of the worker protocol: one worker at a time, request ids, and replies matched to requests.

import { MSG } from '../shared/protocol.js';

/** An Error marked as a cancellation, so callers can tell "superseded" from "failed". */
export function cancelledError(message = 'The pass was cancelled.') {
  const err = new Error(message);
  err.cancelled = true;
  return err;
}

/** The Error a request's `error` reply becomes: cancelled, or failed with the worker's `code` and `grewBy`. */
export function replyError(msg) {
  const err = msg.cancelled ? cancelledError(msg.message) : new Error(msg.message);
  if (msg.code) err.code = msg.code;
  if (msg.grewBy) err.grewBy = msg.grewBy;
  return err;
}

/**
 * @param {object} o
 * @param {() => Worker} o.spawn starts a worker
 * @param {(msg: object) => void} o.onPass replies that belong to no open request: a pass's `source`, `layer`, `done` and
 *   `error`, and errors with no request at all (id -1)
 * @param {(progress: object) => void} o.onProgress a weights load's `progress`
 * @param {(reason: string, failId?: number) => void} o.onDead the worker died, trapped (`failId`: the request that
 *   tripped it) or cannot be read from
 * @param {() => void} o.onHeard the worker said something (for the watchdog)
 * @param {(msg: {completed: boolean, ms: number}) => void} [o.onWarmed] the worker's warm-up pass ended
 */
export function createConnection({ spawn, onPass, onProgress, onDead, onHeard, onWarmed = () => {} }) {
  /** Requests awaiting a reply: id → {kind, resolve, reject}. */
  const pending = new Map();
  let nextId = 1;
  let worker = null;
  const counts = { spawned: 0, terminated: 0 };

  function onMessage(event) {
    const msg = event.data;
    onHeard();
    if (!msg || typeof msg !== 'object') return;
    const entry = pending.get(msg.id);
    switch (msg.type) {
      case MSG.PONG:
        return;
      case MSG.PROGRESS: {
        if (entry?.onProgress) {
          entry.onProgress({ done: msg.done, total: msg.total });
          return;
        }
        if (entry?.kind !== 'init') return;
        // Bytes, rate and time left, or a resume announcement saying why (www/worker/download.js).
        const { id: _id, type: _type, ...progress } = msg;
        onProgress(progress);
        return;
      }
      case MSG.READY:
        if (!entry) return;
        pending.delete(msg.id);
        entry.resolve({ spec: msg.spec, weightsInfo: msg.weightsInfo, engine: msg.engine, stored: msg.stored ?? null, storedNow: msg.storedNow ?? null, from: msg.from ?? null });
        return;
      case MSG.DATA:
        if (!entry) return;
        pending.delete(msg.id);
        entry.resolve(msg.value);
        return;
      case MSG.ERROR:
        if (msg.fatal) {
          // The wasm instance trapped: its state cannot be trusted any more, so the worker is replaced. The
          // request that tripped it fails with the message (re-running the same input would trip it again).
          onDead(msg.message, msg.id);
          return;
        }
        if (entry) {
          pending.delete(msg.id);
          entry.reject(replyError(msg));
          return;
        }
        onPass(msg);
        return;
      case MSG.LAYER:
      case MSG.SOURCE:
      case MSG.DONE:
        onPass(msg);
        return;
      case MSG.WARMED:
        onWarmed(msg);
        return;
      default:
    }
  }

  function wire(w) {
    worker = w;
    onHeard();
    worker.onmessage = onMessage;
    worker.onerror = (event) => {
      event?.preventDefault?.();
      onDead(event?.message || 'the worker failed');
    };
    worker.onmessageerror = () => onDead('a message from the worker could not be read');
  }

  return {
    /** Start a (new) worker. */
    attach() {
      counts.spawned++;
      wire(spawn());
    },
    /**
     * Start a second worker, send it `init`, and make it the worker only once it is ready; until then, and for
     * good if it fails (its script cannot load offline, its weights fail), the old worker keeps working. Requests
     * still open on the old worker are failed as cancelled when it goes. Resolves to the new worker's `ready`.
     */
    swap(init) {
      const next = spawn();
      counts.spawned++;
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const fail = (message) => {
          next.terminate();
          counts.terminated++;
          reject(new Error(message));
        };
        next.onerror = (event) => {
          event?.preventDefault?.();
          fail(`a new engine worker could not start (${event?.message || 'worker error'})`);
        };
        next.onmessage = ({ data: msg }) => {
          if (msg?.id !== id || msg.type === MSG.PROGRESS) return;
          if (msg.type !== MSG.READY) {
            fail(msg.message ?? 'the new engine worker refused the weights');
            return;
          }
          const old = worker;
          const orphans = [...pending.values()];
          pending.clear();
          wire(next);
          try {
            old.terminate();
            counts.terminated++;
          } catch {
            // Gone already.
          }
          for (const entry of orphans) entry.reject(cancelledError('The engine worker was replaced to return memory.'));
          resolve({ spec: msg.spec, weightsInfo: msg.weightsInfo, engine: msg.engine, stored: msg.stored ?? null, storedNow: msg.storedNow ?? null, from: msg.from ?? null });
        };
        next.postMessage({ ...init, id });
      });
    },
    /** Stop the worker (a dead one may refuse; it is being replaced either way). */
    terminate() {
      try {
        worker.terminate();
        counts.terminated++;
      } catch {
        // Nothing more to stop.
      }
    },
    /** A fresh message id. */
    newId: () => nextId++,
    send(msg, transfer = []) {
      worker.postMessage(msg, transfer);
    },
    /**
     * Send a request and wait for its reply; `onId(id)` learns its id (so it can be cancelled); `onProgress` gets
     * the request's own `progress` replies ({done, total}).
     */
    request(kind, msg, transfer = [], onId, onProgress) {
      const id = nextId++;
      onId?.(id);
      return new Promise((resolve, reject) => {
        pending.set(id, { kind, resolve, reject, onProgress });
        worker.postMessage({ ...msg, id }, transfer);
      });
    },
    isPending: (id) => pending.has(id),
    openRequests: () => pending.size,
    /** Fail every open request with `err`. */
    rejectAll(err) {
      for (const entry of pending.values()) entry.reject(err);
      pending.clear();
    },
    worker: () => worker,
    counts,
  };
}
