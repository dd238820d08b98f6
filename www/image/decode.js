// Image files to pixels: sniffing a file's type and size from its first bytes, refusing what cannot be decoded
// safely, and decoding (with EXIF orientation, downscaled to at most 1024 px) wherever it is called from.

import { decodePlainJpeg } from './jpeg-fast.js';

/** The engine resizes to 256 anyway; larger images are downscaled on decode so transfers stay small. */
export const MAX_SIDE = 1024;

/**
 * Images up to this many pixels are decoded at full size and downscaled on a canvas (best quality). Bigger ones
 * are decoded straight to the target size (`createImageBitmap` resize options), so a 20000×20000 PNG never
 * becomes a 1.6 GB bitmap on the page.
 */
export const DIRECT_DECODE_PIXELS = 16_000_000;
/** Images claiming more pixels than this (in their header) are refused before any decoding. */
export const MAX_DECODE_PIXELS = 500_000_000;
/** How much of a file is read to find its dimensions: JPEG's size comes after its EXIF block (≤ 64 KB). */
const HEADER_BYTES = 256 * 1024;
/**
 * Image files larger than this are refused from their size alone, before any byte is read: a photo is a few MB,
 * the largest PNG or TIFF a student would pick some tens; a bigger file only costs memory to look at.
 */
export const MAX_IMAGE_FILE_BYTES = 256 * 1024 * 1024;

/** A 1×1 PNG (the smallest file the decoder accepts), to run a decoder's code once before a real image needs it. */
export function tinyPng() {
  const bytes = Uint8Array.from(atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='), (c) => c.charCodeAt(0));
  return new Blob([bytes], { type: 'image/png' });
}

/**
 * An 8×8 grey baseline 4:2:0 JPEG without an ICC profile (283 bytes, made by Chromium's encoder with its APP2
 * segment cut out), to run the engine worker's plain-JPEG path (jpeg-fast.js) once before a photo needs it: its
 * first decode after page load took 4.1–5.3 ms against 2.1–2.3 warm.
 */
export function tinyJpeg() {
  const bytes = Uint8Array.from(atob('/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAAIAAgDASIAAhEBAxEB/8QAFAABAAAAAAAAAAAAAAAAAAAAAP/EABQQAQAAAAAAAAAAAAAAAAAAAAD/xAAUAQEAAAAAAAAAAAAAAAAAAAAA/8QAFBEBAAAAAAAAAAAAAAAAAAAAAP/aAAwDAQACEQMRAD8AAA//2Q=='), (c) => c.charCodeAt(0));
  return new Blob([bytes], { type: 'image/jpeg' });
}

/** True for an object laid out like ImageData: RGBA bytes, width × height × 4 of them. */
export function isPixels(x) {
  return x && typeof x === 'object' && Number.isInteger(x.width) && Number.isInteger(x.height) &&
    x.data && typeof x.data.length === 'number' && x.data.length === x.width * x.height * 4;
}

/** Big-endian and little-endian readers over a byte array that return 0 past its end instead of throwing. */
const be16 = (b, i) => ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
const be32 = (b, i) => (be16(b, i) * 65536) + be16(b, i + 2);
const le16 = (b, i) => (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8);
const le32 = (b, i) => le16(b, i) + le16(b, i + 2) * 65536;

/** The EXIF orientation (1–8) in a JPEG APP1 segment's bytes `b[start, end)`, or 1. */
function exifOrientation(b, start, end) {
  if (String.fromCharCode(...b.subarray(start, start + 4)) !== 'Exif') return 1;
  const t = start + 6;
  const little = b[t] === 0x49;
  const u16 = (i) => (little ? le16(b, i) : be16(b, i));
  const u32 = (i) => (little ? le32(b, i) : be32(b, i));
  const ifd = t + u32(t + 4);
  const n = u16(ifd);
  for (let k = 0; k < n && ifd + 2 + k * 12 + 12 <= end; k++) {
    const e = ifd + 2 + k * 12;
    if (u16(e) === 0x0112) {
      const v = u16(e + 8);
      return v >= 1 && v <= 8 ? v : 1;
    }
  }
  return 1;
}

/**
 * What the first bytes of a file say it is: `{type, width, height, orientation}` for PNG, JPEG, GIF, WebP and
 * BMP (width/height as stored, before EXIF orientation), `{type: 'svg'}` for SVG/XML text, or null when unknown.
 * It never throws on garbage: a wrong guess only means the browser's decoder decides.
 * @param {Uint8Array} b
 */
export function sniffImage(b) {
  if (b.length >= 24 && be32(b, 0) === 0x89504e47 && be32(b, 12) === 0x49484452) {
    return { type: 'png', width: be32(b, 16), height: be32(b, 20), orientation: 1 };
  }
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) {
    let i = 2;
    let orientation = 1;
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) return { type: 'jpeg', width: 0, height: 0, orientation };
      const marker = b[i + 1];
      if (marker === 0xff) { i += 1; continue; }
      const len = be16(b, i + 2);
      if (marker === 0xe1) orientation = exifOrientation(b, i + 4, Math.min(b.length, i + 2 + len));
      // SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC): the frame header holds the size.
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { type: 'jpeg', width: be16(b, i + 7), height: be16(b, i + 5), orientation };
      }
      i += 2 + len;
    }
    return { type: 'jpeg', width: 0, height: 0, orientation };
  }
  const ascii = (i, n) => String.fromCharCode(...b.subarray(i, i + n));
  if (b.length >= 10 && ascii(0, 4) === 'GIF8') return { type: 'gif', width: le16(b, 6), height: le16(b, 8), orientation: 1 };
  if (b.length >= 30 && ascii(0, 4) === 'RIFF' && ascii(8, 4) === 'WEBP') {
    const chunk = ascii(12, 4);
    if (chunk === 'VP8X') return { type: 'webp', width: 1 + (le32(b, 24) & 0xffffff), height: 1 + (le32(b, 27) & 0xffffff), orientation: 1 };
    if (chunk === 'VP8L') {
      const v = le32(b, 21);
      return { type: 'webp', width: 1 + (v & 0x3fff), height: 1 + ((v >>> 14) & 0x3fff), orientation: 1 };
    }
    if (chunk === 'VP8 ') return { type: 'webp', width: le16(b, 26) & 0x3fff, height: le16(b, 28) & 0x3fff, orientation: 1 };
    return { type: 'webp', width: 0, height: 0, orientation: 1 };
  }
  // AVIF (and HEIF's AVIF brand): an ISO-BMFF `ftyp` box; the size is in the `ispe` property box.
  if (b.length >= 12 && ascii(4, 4) === 'ftyp' && /^avi[fs]$/.test(ascii(8, 4))) {
    for (let i = 8; i + 16 <= b.length; i++) {
      if (b[i] === 0x69 && ascii(i, 4) === 'ispe') return { type: 'avif', width: be32(b, i + 8), height: be32(b, i + 12), orientation: 1 };
    }
    return { type: 'avif', width: 0, height: 0, orientation: 1 };
  }
  if (b.length >= 26 && ascii(0, 2) === 'BM') return { type: 'bmp', width: Math.abs(le32(b, 18) | 0), height: Math.abs(le32(b, 22) | 0), orientation: 1 };
  // Text that opens like XML or SVG (after an optional BOM and whitespace).
  const text = new TextDecoder().decode(b.subarray(0, 512)).replace(/^\uFEFF/, '').trimStart().toLowerCase();
  if (text.startsWith('<svg') || (text.startsWith('<?xml') && text.includes('<svg')) || (text.startsWith('<!doctype svg'))) return { type: 'svg' };
  return null;
}

/**
 * Judge an image file before decoding it: refuse empty, huge and SVG files and images whose header claims too many
 * pixels, with readable errors. Returns what its first bytes say (`head`, see `sniffImage`) and those `bytes`.
 */
async function judgeFile(blob) {
  const name = blob.name ? `“${blob.name}”` : 'The file';
  if (blob.size === 0) throw new Error(`${name} is empty (0 bytes): there is no image in it.`);
  if (blob.size > MAX_IMAGE_FILE_BYTES) {
    throw new Error(`${name} is ${Math.round(blob.size / 1e6)} MB; the largest image file this page opens is ${Math.round(MAX_IMAGE_FILE_BYTES / 1e6)} MB. Save a smaller copy (a JPEG of a few MB is plenty: the network sees 227×227 pixels).`);
  }
  // A file no longer than the header is read whole, not sliced: slicing a Blob that came in a message costs a round
  // trip of its own (the judging read of a 31 KB photo in the engine worker took 0.92–1.05 ms with the slice,
  // 0.75–0.77 without), and the plain-JPEG path then has all the bytes from this one read.
  const bytes = new Uint8Array(await (blob.size <= HEADER_BYTES ? blob : blob.slice(0, HEADER_BYTES)).arrayBuffer());
  const head = sniffImage(bytes);
  if (head?.type === 'svg' || /svg/i.test(blob.type)) {
    // Rendering SVG means a document that could carry script and external links; bitmaps only.
    throw new Error(`${name} is an SVG drawing. Only bitmap images (JPEG, PNG, GIF, WebP, AVIF, BMP) can be explained: export it as PNG first.`);
  }
  if (head?.width && head.height) {
    const pixels = head.width * head.height;
    if (pixels > MAX_DECODE_PIXELS) {
      const [w, h] = head.orientation >= 5 ? [head.height, head.width] : [head.width, head.height];
      throw new Error(`${name} is ${w}×${h} pixels (${Math.round(pixels / 1e6)} megapixels); the largest image this page decodes is ${MAX_DECODE_PIXELS / 1e6} megapixels. Downscale it first.`);
    }
  }
  return { name, head, bytes };
}

/**
 * Decode a judged image file into an ImageBitmap no larger than `maxSide` when its header says it is huge, upright
 * (EXIF orientation applied).
 */
async function decodeBlob(blob, maxSide, { name, head }) {
  const options = { imageOrientation: 'from-image' };
  if (head?.width && head.height) {
    const swap = head.orientation >= 5;
    const w = swap ? head.height : head.width;
    const h = swap ? head.width : head.height;
    if (w * h > DIRECT_DECODE_PIXELS) {
      const scale = maxSide / Math.max(w, h);
      options.resizeWidth = Math.max(1, Math.round(w * scale));
      options.resizeHeight = Math.max(1, Math.round(h * scale));
      // 'low' decodes a 22000² PNG in about half the time of 'medium' (2.5 s against 5.3 s here), and the
      // result is downscaled again to 256 by the engine.
      options.resizeQuality = 'low';
    }
  }
  try {
    return await createImageBitmap(blob, options);
  } catch {
    const what = head ? `a damaged or truncated ${head.type.toUpperCase()}` : 'not a picture the browser can decode';
    throw new Error(`${name} could not be read as an image (${blob.type || 'unknown type'}): it is ${what}.`);
  }
}

function makeCanvas(width, height) {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(width, height);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

/**
 * Turn any supported image into RGBA pixels whose longer side is at most `maxSide`, in the thread that calls it:
 * the page decodes files in its decode worker (www/image/decode-worker.js) so a huge PNG never blocks it; images
 * already on the page (an <img>, a canvas) are drawn here. The engine does its own resize to 256 afterwards.
 * @param {ImageSource} image
 * @param {number} [maxSide]
 * @param {{yuv420ToRgba?: Function}} [engine] the engine's `yuv420ToRgba`, where it is loaded (the engine worker):
 *   plain 4:2:0 JPEGs then take the faster path of jpeg-fast.js, to the same bytes
 * @returns {Promise<Pixels>} a fresh copy that the caller may transfer
 */
export async function decodeHere(image, maxSide = MAX_SIDE, { yuv420ToRgba } = {}) {
  if (isPixels(image) && Math.max(image.width, image.height) <= maxSide) {
    if (image.width === 0 || image.height === 0) throw new Error('The image is empty (0 pixels).');
    return { width: image.width, height: image.height, data: new Uint8ClampedArray(image.data) };
  }
  let source = image;
  let width;
  let height;
  if (typeof Blob !== 'undefined' && image instanceof Blob) {
    const judged = await judgeFile(image);
    // The usual photo (a plain upright 4:2:0 JPEG) has a faster way to the same bytes when the engine is at hand.
    const plain = yuv420ToRgba && (await decodePlainJpeg(image, judged, maxSide, yuv420ToRgba));
    if (plain) return plain;
    source = await decodeBlob(image, maxSide, judged);
  } else if (isPixels(image)) {
    const data = image.data instanceof Uint8ClampedArray ? image.data : new Uint8ClampedArray(image.data);
    source = await createImageBitmap(new ImageData(data, image.width, image.height));
  } else if (typeof HTMLImageElement !== 'undefined' && image instanceof HTMLImageElement) {
    if (!image.complete || image.naturalWidth === 0) await image.decode();
    width = image.naturalWidth;
    height = image.naturalHeight;
  } else if (!image || typeof image !== 'object' || !('width' in image)) {
    throw new Error('run() needs an ImageData, ImageBitmap, image, canvas or image file.');
  }
  width ??= source.width;
  height ??= source.height;
  if (!width || !height) throw new Error('The image is empty (0 pixels).');
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const canvas = makeCanvas(w, h);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, 0, 0, w, h);
  const { data } = ctx.getImageData(0, 0, w, h);
  if (source !== image && typeof source.close === 'function') source.close();
  // Free the canvas's backing store now rather than at the next GC: a long session decodes hundreds of images.
  canvas.width = 0;
  canvas.height = 0;
  return { width: w, height: h, data };
}

