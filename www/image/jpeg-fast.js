// Plain baseline 4:2:0 JPEGs decoded with WebCodecs' ImageDecoder from the bytes already read, to the same RGBA
// as createImageBitmap: the usual photo skips a second read of the file and a canvas round trip.

/** The narrowest image this path takes (three chroma columns); see `decodePlainJpeg`. */
const MIN_WIDTH = 5;

/**
 * Whether a JPEG's first bytes describe the case this path reproduces exactly: an 8-bit baseline (or extended)
 * Huffman frame with three components sampled 2×2, 1×1, 1×1 (YCbCr 4:2:0), and no ICC profile or Adobe marker
 * (either would make the browser convert colours, or read the components as RGB or CMYK). Anything else, and
 * anything this reader does not follow, is false: the caller then takes the general path.
 * @param {Uint8Array} b
 */
export function plainJpeg420(b) {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return false;
  const text = (i, n) => String.fromCharCode(...b.subarray(i, i + n));
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return false;
    const marker = b[i + 1];
    if (marker === 0xff) {
      i += 1;
      continue;
    }
    const len = (b[i + 2] << 8) | b[i + 3];
    if (len < 2) return false;
    if (marker === 0xe2 && text(i + 4, 11) === 'ICC_PROFILE') return false;
    if (marker === 0xee && text(i + 4, 5) === 'Adobe') return false;
    if (marker === 0xc0 || marker === 0xc1) {
      const f = i + 4;
      if (f + 15 > b.length || b[f] !== 8 || b[f + 5] !== 3) return false;
      return b[f + 7] === 0x22 && b[f + 10] === 0x11 && b[f + 13] === 0x11;
    }
    // Any other frame type (progressive, lossless, arithmetic coding) or scan data before a frame: not this case.
    if ((marker >= 0xc2 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xcc) || marker === 0xda) return false;
    i += 2 + len;
  }
  return false;
}

/**
 * RGBA pixels of a plain 4:2:0 JPEG (see `plainJpeg420`) that is `width` × `height` as stored, or null when this
 * browser has no ImageDecoder, decodes the frame to anything but I420 planes of that size, or fails: the caller
 * then decodes the file the general way (and reports any error from there).
 * @param {Uint8Array} bytes the whole file
 * @param {(y: Uint8Array, ys: number, u: Uint8Array, us: number, v: Uint8Array, vs: number, w: number, h: number)
 *   => Uint32Array} toRgba the engine's `yuv420ToRgba` (libjpeg-turbo's upsampling and colour conversion; each
 *   word's bytes are R, G, B, A)
 * @returns {Promise<Uint8ClampedArray | null>}
 */
export async function decodeJpeg420(bytes, width, height, toRgba) {
  if (typeof ImageDecoder === 'undefined') return null;
  let decoder;
  let frame;
  try {
    decoder = new ImageDecoder({ data: bytes, type: 'image/jpeg' });
    frame = (await decoder.decode()).image;
    const rect = frame.visibleRect;
    if (frame.format !== 'I420' || rect.x !== 0 || rect.y !== 0 || rect.width !== width || rect.height !== height) {
      return null;
    }
    const buf = new Uint8Array(frame.allocationSize());
    const [y, u, v] = await frame.copyTo(buf);
    // Each plane's own rows only: the engine copies what it is given into its memory.
    const at = (p, rows) => buf.subarray(p.offset, Math.min(buf.length, p.offset + p.stride * rows));
    const half = Math.ceil(height / 2);
    const rgba = toRgba(at(y, height), y.stride, at(u, half), u.stride, at(v, half), v.stride, width, height);
    return new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  } catch {
    return null;
  } finally {
    frame?.close();
    decoder?.close();
  }
}

/**
 * The fast path for a judged file (`head` sniffed from its first `bytes`): `{width, height, data}` when it is a plain
 * upright 4:2:0 JPEG no larger than `maxSide` and the decode above works, else null.
 * @param {Blob} blob
 * @param {{head: ReturnType<typeof import('./decode.js').sniffImage>, bytes: Uint8Array}} judged
 */
export async function decodePlainJpeg(blob, { head, bytes }, maxSide, toRgba) {
  const { width, height } = head ?? {};
  // Images of one or two chroma columns (4 pixels wide or less) go the general way: with one, libjpeg's upsampler
  // reads past the plane; with two, Chromium's decode differed from this upsampling in the tests (3×3, 4×1).
  if (head?.type !== 'jpeg' || head.orientation !== 1 || !(width >= MIN_WIDTH && height >= 1)) return null;
  if (Math.max(width, height) > maxSide || !plainJpeg420(bytes)) return null;
  const whole = bytes.length === blob.size ? bytes : new Uint8Array(await blob.arrayBuffer());
  const data = await decodeJpeg420(whole, width, height, toRgba);
  return data && { width, height, data };
}
