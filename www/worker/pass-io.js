// What goes into a pass and out of it: the image a run request carries (pixels, or a file the worker decodes), and
// each finished layer, copied out of wasm memory into an array of the page's own.

import { MSG } from '../shared/protocol.js';

/** The pixels a run request carries, or why they cannot be run. */
export function checkPixels(pixels) {
  if (!pixels || !Number.isInteger(pixels.width) || !Number.isInteger(pixels.height) || !pixels.data) {
    throw new Error('run needs pixels {width, height, data} or an image file.');
  }
  if (pixels.data.length !== pixels.width * pixels.height * 4) {
    throw new Error(`The image data has ${pixels.data.length} bytes, but ${pixels.width}×${pixels.height} RGBA needs ${pixels.width * pixels.height * 4}.`);
  }
  return pixels;
}

/** True for a file (a Blob) in a run request, which the worker decodes itself. */
export const isFile = (x) => typeof Blob !== 'undefined' && x instanceof Blob;

/** A finished layer of `s`'s pass, to hand to the page later: its shape and where its output lies in wasm memory. */
export function placed(s, layer) {
  const [ptr, len] = s.tensorPlace(layer);
  return { layer, shape: Array.from(s.shape(layer)), ptr, len };
}

/**
 * Post a placed layer of pass `id`: an array of the page's own (from `buffers`, see idle.js), filled in one copy out
 * of wasm `memory` and then transferred (not copied again). It runs inside `stepWhile`, so it reads the memory
 * directly (the session is busy with the next step); the view is dropped at once, never posted.
 */
export function postPlaced(post, buffers, memory, id, p) {
  const data = buffers.take(p.len);
  data.set(new Float32Array(memory.buffer, p.ptr, p.len));
  post({ id, type: MSG.LAYER, layer: p.layer, shape: p.shape, data }, [data.buffer]);
}
