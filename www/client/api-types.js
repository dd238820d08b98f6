// The public API's types (JSDoc only, nothing runs here): what createExplainer() returns and what it takes.

/**
 * @typedef {import('../shared/protocol.js').Pixels} Pixels
 * @typedef {import('../shared/protocol.js').WeightsInfo} WeightsInfo
 * @typedef {import('../shared/protocol.js').Prediction} Prediction
 * @typedef {import('../shared/protocol.js').PreprocessInfo} PreprocessInfo
 * @typedef {{spec: object, weightsInfo: WeightsInfo, engine: {threads: number, relaxed: boolean, build: string, mode: string,
 *   sources: object}, stored: object|null, storedNow: {stored: boolean, reason?: string}|null, from: string|null}} ReadyInfo
 *   `stored`: what this browser holds; `storedNow`: whether this load stored its weights (and why not).
 * @typedef {{top: Prediction[], timings: Object<string, number>, preprocess: PreprocessInfo, trace: object}} RunResult
 * @typedef {string|ArrayBuffer|Blob|null|{source: 'zoo'|'stored'|'auto'|'seeded'}} WeightsSource
 *   A same-origin URL, the bytes or a File/Blob of an .onnx or .safetensors file, null for the default session
 *   (AlexNet's trained conv1 kernels, the rest seeded), or a source: `zoo` (download the trained weights),
 *   `stored` (the copy stored in this browser), `auto` (stored, else the site's own, else the default).
 * @typedef {ImageData|ImageBitmap|HTMLImageElement|HTMLCanvasElement|OffscreenCanvas|Blob|Pixels} ImageSource
 *
 * @typedef {object} Explainer
 * @property {Promise<ReadyInfo>} ready Resolves once the first weights are loaded.
 * @property {Promise<{completed: boolean, ms: number}>} warmed Resolves when the worker's warm-up pass after the
 *   first weights ended (`completed` false: a run came first and stopped it). A page may wait for it before timing.
 * @property {(image: ImageSource) => Promise<RunResult>} run Run a forward pass. A newer `run` supersedes an
 *   older one, whose promise then rejects with an error whose `cancelled` is true.
 * @property {(what: string, args?: object) => Promise<*>} get Query the session: `get('tensor', {layer})`,
 *   `get('kernels', {layer})`, `get('kernel', {layer, oc})`, `get('bias', {layer})`,
 *   `get('conv-dot', {layer, oc, y, x})`, `get('pool-argmax', {layer})`, `get('top', {k})`,
 *   `get('receptive-field', {layer, y, x})` ({y0, x0, size} in crop pixels, unclipped), `get('feeding', {layer, c, y,
 *   x})`, `get('seeing', {y, x})`.
 * @property {(images: Array<Blob|ImageSource>, options: {layer: string, k?: number, patches?: boolean,
 *   signal?: AbortSignal, onProgress?: Function}) => Promise<Array<Array<import('./top-patches.js').TopPatch>>>}
 *   topPatches Per channel of `layer`, the top `k` images by the channel's maximum, by value, descending
 *   (www/client/top-patches.js); bad files are skipped and listed in the result's `errors`.
 * @property {(options: {method: 'occlusion'|'saliency'|'gradcam', target: number, layer?: string, patch?: number,
 *   stride?: number, untrained?: boolean, signal?: AbortSignal, onProgress?: Function}) =>
 *   Promise<import('./attribute.js').AttributionResult>} attribute Why class `target`? A map of the current pass;
 *   cancelled (`cancelled: true`) by `signal`, a newer attribute or run, or new weights.
 * @property {(weights: WeightsSource) => Promise<ReadyInfo>} loadWeights Replace the weights; on failure the
 *   promise rejects with a readable message and the previous weights stay loaded.
 * @property {() => void} cancelLoad Stop the latest weights load (a download) in flight.
 * @property {(dtype: 'f16'|'int8') => Promise<ReadyInfo>} compact Store a compact copy of the verified weights
 *   instead of the f32 file, and run on it.
 * @property {() => Promise<{stored: null}>} forgetStored Forget the weights stored in this browser.
 * @property {() => void} cancel Stop the pass in flight (its promise rejects with `cancelled: true`).
 * @property {(event: string, fn: Function) => () => void} on Subscribe to `progress` {loaded, total, rate, eta,
 *   resumed} (a resumed download announces itself with {retry, attempt, loaded, message}),
 *   `ready` {spec, weightsInfo}, `start` {runId, pixels}, `layer` {runId, layer, shape, data},
 *   `done` {runId, top, timings, preprocess, trace}, `warmed` {completed, ms}, `error` {message} and `restart`
 *   {message}; returns an unsubscribe function. `trace` (absolute ms: sent, received, finished, done; and
 *   deliverMs, yieldMs spent in the worker copying tensors out and between layers) says where a pass's time went.
 * @property {(event: string, fn: Function) => void} off Unsubscribe.
 * @property {() => ReadyInfo|null} info The spec and weights of the loaded session, or null before the first ready.
 * @property {() => void} destroy Terminate the worker and reject everything pending.
 */


export {};
