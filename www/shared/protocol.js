// The worker protocol: message type constants and JSDoc typedefs shared by worker.js and client.js.

/**
 * Message types. Requests go page → worker and carry a fresh `id`; every reply echoes the `id` of the
 * request it answers, so the client can drop replies that belong to a cancelled or superseded request.
 * @readonly
 * @enum {string}
 */
export const MSG = Object.freeze({
  /** Request: load weights (see InitRequest). A newer init cancels the one in flight. */
  INIT: 'init',
  /** Reply to `init` while a weights URL downloads. */
  PROGRESS: 'progress',
  /** Reply to `init`: the session exists; carries the spec table and the weights description. */
  READY: 'ready',
  /** Request: run a forward pass over an RGBA image (`pixels`) or an image file (`file`, decoded in the worker). */
  RUN: 'run',
  /** Reply to `run` with a file, before its first layer: the decoded pixels (transferred), for the page to show. */
  SOURCE: 'source',
  /** Reply to `run`, once per layer, in network order, starting with `data`. */
  LAYER: 'layer',
  /** Reply to `run`: the pass finished. */
  DONE: 'done',
  /** Request: ask the session for something (a tensor, kernels, a conv dot product, ...). */
  GET: 'get',
  /** Reply to `get`. */
  DATA: 'data',
  /** Request: stop the pass (before its next layer) or the weights load (download) whose id is `target`. */
  CANCEL: 'cancel',
  /** Request: store a compact copy (`dtype` f16 or int8) of the verified weights instead of the f32 file; replies `ready`. */
  COMPACT: 'compact',
  /** Request: forget the weights stored in this browser; replies `data {stored: null}`. */
  FORGET: 'forget',
  /** Reply to any request that failed; `message` is meant for people. `fatal` means the engine trapped and the
   * worker must be replaced. */
  ERROR: 'error',
  /** Request: are you alive? Sent by the client's watchdog while a request has been silent for a while. */
  PING: 'ping',
  /** Reply to `ping`, between layers. */
  PONG: 'pong',
  /** Request: an attribution map of the finished pass ("Why?", see www/worker/attribute.js); replies `progress`
   * {done, total} while it runs, then `data`. A newer attribute, a run or new weights cancel it. */
  ATTRIBUTE: 'attribute',
  /** From the worker, once: the warm-up pass after the first weights finished (`completed`) or gave way to a run. */
  WARMED: 'warmed',
});

/** Every type in {@link MSG}, for validation. */
export const MESSAGE_TYPES = Object.freeze(Object.values(MSG));

/** What a `get` request may ask for, and the session method that answers it. */
export const GET_WHAT = Object.freeze(['tensor', 'shape', 'kernels', 'kernel', 'bias', 'conv-dot', 'pool-argmax', 'top', 'preprocess', 'stats', 'site-copy']);

/** True when `msg` looks like a protocol message: an object with a known `type` and a numeric `id`. */
export function isMessage(msg) {
  return msg !== null && typeof msg === 'object' && MESSAGE_TYPES.includes(msg.type) && Number.isInteger(msg.id);
}

/**
 * @typedef {{width: number, height: number, data: Uint8ClampedArray}} Pixels
 *   Row-major RGBA, 4 bytes per pixel (the layout of `ImageData`).
 *
 * @typedef {{id: number, type: 'init', weights: string|Blob|ArrayBuffer|null|{source: 'zoo'|'stored'|'auto'|'seeded'}}} InitRequest
 *   `weights` is a same-origin URL (fetched with progress; a `.parts.json` or `manifest.json` names parts), a File
 *   or Blob (judged from its size and first bytes before it is read), the bytes of an .onnx or .safetensors file,
 *   null for the default session (AlexNet's trained conv1 kernels, the rest seeded: `Session.starter(2012)`), or
 *   `{source}`: `zoo` downloads the trained weights (the site's own copy first, else Hugging Face), verifies and
 *   stores them; `stored` loads the copy stored in this browser; `auto` loads the stored copy if there is one, the
 *   site's copy if its manifest says `autoload`, else the default session; `seeded` is `Session.untrained(2012)`.
 *   A failed init keeps the previous session. An init may also carry `threads` (1 or 2: how many threads the
 *   engine may use; the first init of a worker decides) and `sources` (the file the download expects; tests).
 * @typedef {{id: number, type: 'compact', dtype: 'f16'|'int8'}} CompactRequest
 * @typedef {{id: number, type: 'forget'}} ForgetRequest
 * @typedef {{id: number, type: 'run', pixels?: Pixels, file?: Blob}} RunRequest
 *   A newer run supersedes (cancels) the older one. `pixels.data.buffer` is transferred.
 * @typedef {{id: number, type: 'get', what: string, layer?: string, oc?: number, y?: number, x?: number, k?: number}} GetRequest
 * @typedef {{id: number, type: 'cancel', target: number}} CancelRequest
 *
 * @typedef {{id: number, type: 'progress', loaded: number, total: number, rate?: number, eta?: number|null,
 *   resumed?: number, retry?: number, attempt?: number, message?: string}} ProgressReply  `rate` is bytes/s over the
 *   last seconds, `eta` seconds left, `resumed` how many times the download resumed with a Range request. A
 *   retry announces itself with `retry` (attempts failed so far), `attempt` (the one starting) and `message`.
 * @typedef {{source: string, origin: 'zoo'|'vouched'|'file'|'starter'|'seeded', format: string, dtype: string,
 *   trained: boolean, trained_tensors: string[], file: string|null, sha256: string|null, zoo: string|null,
 *   vouched_by: string|null, params: number}} WeightsInfo  `trained` only for weights verified as the BVLC ones.
 * @typedef {{name: string, dtype: string, bytes: number, by: string, from: string}} StoredSummary
 * @typedef {{id: number, type: 'ready', spec: object, weightsInfo: WeightsInfo, engine: object,
 *   stored: StoredSummary|null, storedNow?: {stored: boolean, reason?: string}, from?: string}} ReadyReply
 *   `stored` is what this browser holds now; `storedNow` says whether this load stored its weights (and why not).
 * @typedef {{id: number, type: 'layer', layer: string, shape: number[], data: Float32Array}} LayerReply
 *   `shape` is [C,H,W] or [N]; `data` is the worker's own copy, transferred.
 * @typedef {{index: number, name: string, prob: number, logit: number}} Prediction
 * @typedef {{srcW: number, srcH: number, scale: number, resizedW: number, resizedH: number,
 *            cropX: number, cropY: number, crop: number}} PreprocessInfo
 *   The crop box is in resized coordinates; the resized image is the source times `scale`.
 * @typedef {{id: number, type: 'done', top: Prediction[], timings: Object<string, number>, preprocess: PreprocessInfo}} DoneReply
 *   `timings` maps layer id → milliseconds spent in `step()`.
 * @typedef {{id: number, type: 'data', value: *}} DataReply
 * @typedef {{id: number, type: 'error', message: string, cancelled?: boolean, fatal?: boolean, code?: string,
 *   grewBy?: number}} ErrorReply  `code` classifies a failed download (www/worker/download.js DownloadError,
 *   plus `checksum`); `grewBy` is how much a refused load grew wasm memory, which cannot shrink.
 */
