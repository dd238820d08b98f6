// One sentence for people from anything the worker catches: an Error, a JsError from the engine, a wasm trap.

/** A message for people from anything thrown (Error, JsError, a string, a wasm trap). */
export function describe(err) {
  if (err instanceof WebAssembly.RuntimeError) {
    return `The engine stopped with an internal error (${err.message}). Reload the page if it keeps happening.`;
  }
  if (err && typeof err === 'object' && 'message' in err && err.message) return String(err.message);
  if (typeof err === 'string' && err) return err;
  return `Unexpected error: ${String(err)}`;
}

