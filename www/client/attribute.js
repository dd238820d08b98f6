// explainer.attribute(): "Why this prediction?" as an occlusion, saliency or Grad-CAM map of the current pass.

import { MSG } from '../shared/protocol.js';
import { cancelledError } from './connection.js';

/** The methods, as the engine, the URL and the view name them. */
export const METHODS = Object.freeze(['occlusion', 'saliency', 'gradcam']);

/**
 * @typedef {{map: Float32Array, shape: [number, number], method: string, target: number, layer: string|null,
 *   ms: number, untrained: boolean, positions?: number, macsComputed?: number, macsFull?: number}} AttributionResult
 *   `map` is row-major `shape` (occlusion 13×13 by default, saliency 227×227, Grad-CAM the layer's H×W); `ms` is the
 *   worker's time for it; occlusion says what its incremental recompute cost (`macsComputed` of `macsFull`).
 */

/**
 * Attribute class `target` of the current pass (definitions in ARCHITECTURE.md, "Attribution"). Rejects with
 * `cancelled: true` when `signal` aborts, a newer `attribute` or `run` supersedes it, or new weights arrive.
 * @param {{ready: () => Promise<void>, request: Function, send: Function, newId: () => number, isPending: Function}} io
 * @param {{method: 'occlusion'|'saliency'|'gradcam', target: number, layer?: string, patch?: number,
 *   stride?: number, untrained?: boolean, signal?: AbortSignal,
 *   onProgress?: (p: {done: number, total: number}) => void}} options `untrained` computes the same map with
 *   seeded untrained weights (the sanity check of Adebayo et al., 2018)
 * @returns {Promise<AttributionResult>}
 */
export async function attribute(io, { method, target, layer, patch, stride, untrained = false, signal, onProgress } = {}) {
  if (!METHODS.includes(method)) throw new Error(`The method must be ${METHODS.join(', ')}, not “${method}”.`);
  if (!Number.isInteger(target) || target < 0 || target > 999) throw new Error(`The class must be a whole number from 0 to 999, not ${target}.`);
  for (const [name, v] of [['patch', patch], ['stride', stride]]) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1 && v <= 227)) throw new Error(`The ${name} must be a whole number from 1 to 227, not ${v}.`);
  }
  await io.ready();
  if (signal?.aborted) throw cancelledError('The attribution was cancelled.');
  let id = null;
  const onAbort = () => {
    if (id !== null && io.isPending(id)) io.send({ id: io.newId(), type: MSG.CANCEL, target: id });
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const msg = { type: MSG.ATTRIBUTE, method, target, layer, patch, stride, untrained };
    return await io.request('attribute', msg, [], (i) => { id = i; }, onProgress);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
