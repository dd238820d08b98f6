// Colour maps for activations and weights: lookup tables, value ranges, and painting a float map into RGBA pixels.

/** Viridis at nine evenly spaced stops (matplotlib's table, sampled); perceptually uniform and grey-safe. */
const VIRIDIS_STOPS = [
  [68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141],
  [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37],
];

/** Blue–white–red (ColorBrewer RdBu reversed): negative values blue, zero white, positive red. */
const DIVERGING_STOPS = [
  [33, 102, 172], [103, 169, 207], [209, 229, 240], [247, 247, 247],
  [253, 219, 199], [239, 138, 98], [178, 24, 43],
];

/** Black to white, for single image channels. */
const GREY_STOPS = [[0, 0, 0], [255, 255, 255]];

/**
 * Interpolate evenly spaced RGB stops into a 256-entry lookup table.
 * @param {number[][]} stops
 * @returns {Uint8ClampedArray} 256 × [r, g, b]
 */
export function buildLut(stops) {
  const lut = new Uint8ClampedArray(256 * 3);
  const segments = stops.length - 1;
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * segments;
    const s = Math.min(segments - 1, Math.floor(t));
    const f = t - s;
    for (let c = 0; c < 3; c++) lut[i * 3 + c] = Math.round(stops[s][c] * (1 - f) + stops[s + 1][c] * f);
  }
  return lut;
}

/** The lookup tables by name. */
export const LUTS = Object.freeze({
  viridis: buildLut(VIRIDIS_STOPS),
  diverging: buildLut(DIVERGING_STOPS),
  grey: buildLut(GREY_STOPS),
});

/**
 * The finite minimum and maximum of `data[start..end)`; {min: 0, max: 0} when there is none.
 * @param {ArrayLike<number>} data
 * @returns {{min: number, max: number}}
 */
export function rangeOf(data, start = 0, end = data.length) {
  let min = Infinity;
  let max = -Infinity;
  for (let i = start; i < end; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === Infinity) return { min: 0, max: 0 };
  return { min, max };
}

/** The union of several ranges. */
export function unionRange(ranges) {
  let min = Infinity;
  let max = -Infinity;
  for (const r of ranges) {
    if (r.min < min) min = r.min;
    if (r.max > max) max = r.max;
  }
  return min === Infinity ? { min: 0, max: 0 } : { min, max };
}

/**
 * The colour scale for a value range. Signed data gets the diverging map, centred on zero so that white
 * always means 0 (a ReLU's input and output then read the same way); non-negative data gets viridis
 * from 0, so "dark" always means "did not fire".
 * @param {{min: number, max: number}} range
 * @returns {{lo: number, hi: number, lut: string}}
 */
export function scaleFor(range) {
  if (range.min < 0) {
    const m = Math.max(-range.min, range.max) || 1;
    return { lo: -m, hi: m, lut: 'diverging' };
  }
  return { lo: 0, hi: range.max > 0 ? range.max : 1, lut: 'viridis' };
}

/**
 * Map a value to a LUT index in [0, 255], clamping out-of-range values.
 * @param {number} v
 * @param {{lo: number, hi: number}} scale
 */
export function lutIndex(v, scale) {
  const span = scale.hi - scale.lo;
  const t = span > 0 ? (v - scale.lo) / span : 0.5;
  if (!(t > 0)) return 0; // also catches NaN
  if (t >= 1) return 255;
  return Math.round(t * 255);
}

/**
 * The RGB colour of a value under a scale.
 * @returns {number[]} [r, g, b]
 */
export function colorOf(v, scale) {
  const lut = LUTS[scale.lut];
  const i = lutIndex(v, scale) * 3;
  return [lut[i], lut[i + 1], lut[i + 2]];
}

/**
 * Paint `count` floats of `src` starting at `offset` into RGBA pixels (alpha 255). This is colouring
 * values the worker already computed, not computing a layer.
 * @param {Uint8ClampedArray} out RGBA, at least `count * 4` bytes (an ImageData's data)
 * @param {ArrayLike<number>} src
 * @param {number} offset
 * @param {number} count
 * @param {{lo: number, hi: number, lut: string}} scale
 */
export function paint(out, src, offset, count, scale) {
  const span = scale.hi - scale.lo;
  const k = span > 0 ? 255 / span : 0;
  const lo = scale.lo;
  // One 32-bit store per pixel instead of four byte stores: this loop colours up to 290,400 values per frame.
  if (out.byteOffset % 4 === 0 && LITTLE_ENDIAN) {
    const lut32 = lut32Of(scale.lut);
    const out32 = new Uint32Array(out.buffer, out.byteOffset, count);
    for (let i = 0; i < count; i++) {
      const t = (src[offset + i] - lo) * k;
      out32[i] = lut32[t > 0 ? (t < 255 ? Math.round(t) : 255) : 0];
    }
    return out;
  }
  const lut = LUTS[scale.lut];
  for (let i = 0; i < count; i++) {
    let t = (src[offset + i] - lo) * k;
    t = t > 0 ? (t < 255 ? Math.round(t) : 255) : 0;
    const j = t * 3;
    const o = i * 4;
    out[o] = lut[j];
    out[o + 1] = lut[j + 1];
    out[o + 2] = lut[j + 2];
    out[o + 3] = 255;
  }
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const LUT32 = new Map();

/** A LUT as opaque RGBA packed into little-endian 32-bit words (bytes r, g, b, 255 in memory order). */
function lut32Of(name) {
  let t = LUT32.get(name);
  if (!t) {
    const lut = LUTS[name];
    t = new Uint32Array(256);
    for (let i = 0; i < 256; i++) t[i] = (255 << 24) | (lut[i * 3 + 2] << 16) | (lut[i * 3 + 1] << 8) | lut[i * 3];
    LUT32.set(name, t);
  }
  return t;
}

/** A CSS linear-gradient of a LUT, left (low) to right (high), for legends. */
export function cssGradient(lutName, direction = 'to right') {
  const lut = LUTS[lutName];
  const stops = [];
  for (let i = 0; i <= 8; i++) {
    const j = Math.round((i / 8) * 255) * 3;
    stops.push(`rgb(${lut[j]}, ${lut[j + 1]}, ${lut[j + 2]}) ${(i / 8) * 100}%`);
  }
  return `linear-gradient(${direction}, ${stops.join(', ')})`;
}

/** A number formatted for a legend: 3 significant digits, exponent for very small or large values. */
export function formatValue(v) {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(2);
  return Number(v.toPrecision(3)).toString();
}
