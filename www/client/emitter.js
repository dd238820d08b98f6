// A small event emitter shared by the client and the engine: named events, listeners in sets, failures isolated.

/** @returns {{on(event: string, fn: Function): () => void, off(event: string, fn: Function): void, emit(event: string, payload?: any): void, clear(): void}} */
export function createEmitter() {
  const listeners = new Map();
  return {
    /** Adds `fn` for `event`; returns a function that removes it again. */
    on(event, fn) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(fn);
      return () => listeners.get(event)?.delete(fn);
    },
    off(event, fn) {
      listeners.get(event)?.delete(fn);
    },
    /** Calls every listener of `event`; one that throws is reported and does not stop the others. */
    emit(event, payload) {
      for (const fn of [...(listeners.get(event) ?? [])]) {
        try {
          fn(payload);
        } catch (err) {
          console.error(err);
        }
      }
    },
    clear() {
      listeners.clear();
    },
  };
}
