// The worker protocol: message type constants and JSDoc typedefs shared by worker.js and client.js.

/**
 * Message types. Requests go page → worker and carry a fresh `id`; every reply echoes the `id` of the
 * request it answers, so the client can drop replies that belong to a cancelled or superseded request.
 * @readonly
 * @enum {string}
 */
export const MSG = Object.freeze({
  /** Request: load weights (URL, ArrayBuffer or null for seeded untrained weights). */
  INIT: 'init',
  /** Reply to `init` while a weights URL downloads. */
  PROGRESS: 'progress',
  /** Reply to `init`: the session exists; carries the spec table and the weights description. */
  READY: 'ready',
  /** Request: run a forward pass over an RGBA image. */
  RUN: 'run',
  /** Reply to `run`, once per layer, in network order, starting with `data`. */
  LAYER: 'layer',
  /** Reply to `run`: the pass finished. */
  DONE: 'done',
  /** Request: ask the session for something (a tensor, kernels, a conv dot product, ...). */
  GET: 'get',
  /** Reply to `get`. */
  DATA: 'data',
  /** Request: stop the pass whose id is `target` before its next layer. */
  CANCEL: 'cancel',
  /** Reply to any request that failed; `message` is meant for people. `fatal` means the engine trapped and the
   * worker must be replaced. */
  ERROR: 'error',
  /** Request: are you alive? Sent by the client's watchdog while a request has been silent for a while. */
  PING: 'ping',
  /** Reply to `ping`, between layers. */
  PONG: 'pong',
});

/** Every type in {@link MSG}, for validation. */
export const MESSAGE_TYPES = Object.freeze(Object.values(MSG));

/** What a `get` request may ask for, and the session method that answers it. */
export const GET_WHAT = Object.freeze(['tensor', 'shape', 'kernels', 'kernel', 'bias', 'conv-dot', 'pool-argmax', 'top', 'preprocess', 'stats']);

/** True when `msg` looks like a protocol message: an object with a known `type` and a numeric `id`. */
export function isMessage(msg) {
  return msg !== null && typeof msg === 'object' && MESSAGE_TYPES.includes(msg.type) && Number.isInteger(msg.id);
}

/**
 * @typedef {{width: number, height: number, data: Uint8ClampedArray}} Pixels
 *   Row-major RGBA, 4 bytes per pixel (the layout of `ImageData`).
 *
 * @typedef {{id: number, type: 'init', weights: string|ArrayBuffer|null}} InitRequest
 *   `weights` is a URL (fetched with progress), the bytes of an .onnx or .safetensors file, or null for
 *   `Session.untrained(2012)`. A failed init keeps the previous session.
 * @typedef {{id: number, type: 'run', pixels: Pixels}} RunRequest
 *   A newer run supersedes (cancels) the older one. `pixels.data.buffer` is transferred.
 * @typedef {{id: number, type: 'get', what: string, layer?: string, oc?: number, y?: number, x?: number, k?: number}} GetRequest
 * @typedef {{id: number, type: 'cancel', target: number}} CancelRequest
 *
 * @typedef {{id: number, type: 'progress', loaded: number, total: number, retry?: number, attempt?: number,
 *   attempts?: number, message?: string}} ProgressReply  A retried download announces itself with `retry` (the
 *   attempt that failed), `attempt` (the one starting) of `attempts`, and a readable `message`.
 *   `total` is 0 when the server sent no Content-Length.
 * @typedef {{source: string, format: string, dtype: string, trained: boolean, params: number}} WeightsInfo
 * @typedef {{id: number, type: 'ready', spec: object, weightsInfo: WeightsInfo}} ReadyReply
 * @typedef {{id: number, type: 'layer', layer: string, shape: number[], data: Float32Array}} LayerReply
 *   `shape` is [C,H,W] or [N]; `data` is the worker's own copy, transferred.
 * @typedef {{index: number, name: string, prob: number, logit: number}} Prediction
 * @typedef {{srcW: number, srcH: number, scale: number, resizedW: number, resizedH: number,
 *            cropX: number, cropY: number, crop: number}} PreprocessInfo
 *   The crop box is in resized coordinates; the resized image is the source times `scale`.
 * @typedef {{id: number, type: 'done', top: Prediction[], timings: Object<string, number>, preprocess: PreprocessInfo}} DoneReply
 *   `timings` maps layer id → milliseconds spent in `step()`.
 * @typedef {{id: number, type: 'data', value: *}} DataReply
 * @typedef {{id: number, type: 'error', message: string, cancelled?: boolean, fatal?: boolean}} ErrorReply
 */
