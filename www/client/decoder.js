// Image files to pixels for the page, in a decode worker of its own, so no decode ever blocks the main thread.

import { decodeHere, MAX_SIDE, tinyPng } from '../image/decode.js';
import { spawnModuleWorker } from '../shared/spawn-worker.js';

/**
 * The page's decode worker (www/image/decode-worker.js), started on the first image file and kept: decoding a
 * file, above all a huge PNG, takes seconds; in the worker it takes none of the page's main thread. Where
 * workers cannot start (Node tests), files are decoded in the calling thread.
 */
let decoder = null;
function decodeWorker() {
  if (decoder || typeof Worker === 'undefined') return decoder;
  let worker;
  try {
    worker = spawnModuleWorker(new URL('../image/decode-worker.js', import.meta.url));
  } catch {
    return null;
  }
  const waiting = new Map();
  let next = 1;
  const stop = (message, { cancelled = false } = {}) => {
    worker.terminate();
    for (const { reject } of waiting.values()) reject(Object.assign(new Error(message), cancelled ? { cancelled } : {}));
    waiting.clear();
    if (decoder === d) decoder = null;
  };
  worker.onmessage = ({ data }) => {
    const w = waiting.get(data.id);
    waiting.delete(data.id);
    if (data.error) w?.reject(new Error(data.error));
    else w?.resolve(data.pixels);
  };
  worker.onerror = (e) => {
    e.preventDefault?.();
    stop(`the image decoder stopped (${e.message || 'worker error'})`);
  };
  const d = {
    // The warm-up decode does not count: superseding it would only throw the warmed worker away.
    busy: () => [...waiting.values()].some((w) => !w.warm),
    /** Ask the worker for pixels: `{blob, maxSide}` decodes a file, `{probe, size}` draws a probe. */
    ask: (request, warm = false) => new Promise((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve, reject, warm });
      worker.postMessage({ id, ...request });
    }),
    /** Abandon every decode in flight (a decode cannot be interrupted, so the worker is replaced). */
    cancel: () => stop('The image was superseded by a newer one.', { cancelled: true }),
  };
  decoder = d;
  return d;
}

/**
 * Start the decode worker and decode one tiny image in it, so that the page's first real image finds the worker's
 * modules loaded and its decode path run once: a cold decoder made the first pass after page load ~60 ms slower.
 */
export function warmDecoder() {
  const d = decodeWorker();
  if (!d) return;
  d.ask({ blob: tinyPng(), maxSide: MAX_SIDE }, true).catch(() => {});
}

/**
 * Turn any supported image into RGBA pixels whose longer side is at most `maxSide` (1024): files are judged from
 * their size and header, then decoded in the page's decode worker; pixels and elements already on the page are
 * copied or drawn here.
 * @param {ImageSource} image
 * @param {number} [maxSide]
 * @param {{supersede?: boolean}} [options] `supersede`: abandon file decodes still in flight (they reject with
 *   `cancelled: true`), for a page that shows one image and whose newer choice always wins
 * @returns {Promise<Pixels>} a fresh copy that the caller may transfer
 */
export async function toPixels(image, maxSide = MAX_SIDE, { supersede = false } = {}) {
  const isFile = typeof Blob !== 'undefined' && image instanceof Blob;
  // The page's one image slot: a newer choice need not wait seconds for an older huge decode nobody will see.
  if (isFile && supersede && decoder?.busy()) decoder.cancel();
  const d = isFile ? decodeWorker() : null;
  return d ? d.ask({ blob: image, maxSide }) : decodeHere(image, maxSide);
}

/**
 * A synthetic probe's pixels (www/image/probes.js) at `size`, drawn in the decode worker so the page's main thread
 * never computes them; in place where workers cannot start. Gallery thumbnails do not count as a decode in flight
 * (a newer image need not supersede them), but a superseded worker takes them along: callers may ask again.
 * @param {string} probeId
 * @param {number} [size]
 * @returns {Promise<Pixels>}
 */
export async function probePixels(probeId, size) {
  const d = decodeWorker();
  if (d) return d.ask({ probe: probeId, size }, true);
  const { probeImage } = await import('../image/probes.js');
  return probeImage(probeId, size);
}

