// The floor benchmark's worker: the browser's own costs on the client path, each done bare (see floor.js).

/** Arrays of the pass's tensor lengths, written once as the engine worker prepares them, and a source to copy. */
let arrays = null;
let source = null;

/**
 * The ways a worker can get from a Blob that just came in a message to the decoded image, each timed from the
 * first touch of the Blob: read its bytes, then WebCodecs' decode to planes (no upsampling or colour conversion);
 * the same decoder reading the Blob's stream itself; and createImageBitmap on the Blob (an ImageBitmap, whose
 * pixels would still need a canvas to read: cheaper than any path to RGBA bytes).
 */
const DECODES = {
  async readThenPlanes(blob) {
    const bytes = new Uint8Array(await blob.arrayBuffer());
    await planes(new ImageDecoder({ data: bytes, type: blob.type || 'image/jpeg' }));
  },
  async streamToPlanes(blob) {
    await planes(new ImageDecoder({ data: blob.stream(), type: blob.type || 'image/jpeg' }));
  },
  async bitmap(blob) {
    (await createImageBitmap(blob)).close();
  },
};

async function planes(decoder) {
  const frame = (await decoder.decode()).image;
  await frame.copyTo(new Uint8Array(frame.allocationSize()));
  frame.close();
  decoder.close();
}

self.onmessage = async ({ data: { blob, lengths, way } }) => {
  const received = performance.timeOrigin + performance.now();
  if (!arrays) {
    arrays = lengths.map((n) => new Float32Array(n).fill(1));
    // Shared like the threaded build's wasm memory; a plain buffer copies no faster.
    source = new Float32Array(new SharedArrayBuffer(4 * lengths.reduce((a, b) => a + b, 0))).fill(2);
  }
  let t = performance.now();
  await DECODES[way](blob);
  const decodeMs = performance.now() - t;
  t = performance.now();
  // Every layer's tensor out of (shared) memory into arrays prepared beforehand: the copies that keep wasm memory
  // in the worker.
  let at = 0;
  for (const a of arrays) {
    a.set(source.subarray(at, at + a.length));
    at += a.length;
  }
  const copyMs = performance.now() - t;
  postMessage({ received, decodeMs, copyMs, finished: performance.timeOrigin + performance.now() });
};
