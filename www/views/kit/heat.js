// Value maps as pictures: tensor slices painted one pixel per value, and the network's input as an RGB image.
import { colorOf } from '../../shared/colormap.js';

/** Largest absolute value of a range of an array. */
export function maxAbs(a, start = 0, end = a.length) {
  let m = 0;
  for (let i = start; i < end; i++) {
    const v = Math.abs(a[i]);
    if (v > m) m = v;
  }
  return m;
}

/**
 * Diverging colour from the shared colour maps (negative blue, zero white, positive red), so "negative" reads the
 * same in every view, which matters most for the ReLU view.
 */
export function diverging(v, m) {
  return colorOf(v, { lo: -(m || 1), hi: m || 1, lut: 'diverging' });
}

/** Sequential colour (viridis from 0) for non-negative values. */
export function sequential(v, m) {
  return colorOf(v, { lo: 0, hi: m || 1, lut: 'viridis' });
}

/**
 * Renders an h×w map from `data` (starting at `offset`, row-major) to a small canvas, one pixel per value; drawImage
 * it scaled with smoothing off. `color(v)` returns [r, g, b] or null for transparent. `mask(i)` can hide values.
 */
export function mapCanvas(data, offset, h, w, color, mask) {
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  const g = c.getContext('2d');
  const img = g.createImageData(w, h);
  for (let i = 0; i < h * w; i++) {
    if (mask && !mask(i)) continue;
    const rgb = color(data[offset + i], i);
    if (!rgb) continue;
    img.data[4 * i] = rgb[0];
    img.data[4 * i + 1] = rgb[1];
    img.data[4 * i + 2] = rgb[2];
    img.data[4 * i + 3] = 255;
  }
  g.putImageData(img, 0, 0);
  return c;
}

/**
 * The network-space input (BGR minus mean, [3,H,W]) as a displayable RGB image: channels reversed and each
 * stretched to its own range, which is enough to recognise the picture.
 */
export function inputRgbCanvas(t) {
  const [, h, w] = t.shape;
  const n = h * w;
  const lo = [0, 0, 0], hi = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    let a = Infinity, b = -Infinity;
    for (let i = 0; i < n; i++) { const v = t.data[c * n + i]; if (v < a) a = v; if (v > b) b = v; }
    lo[c] = a; hi[c] = b > a ? b : a + 1;
  }
  return mapCanvas(t.data, 0, h, w, (_, i) => [2, 1, 0].map((c) => Math.round(255 * (t.data[c * n + i] - lo[c]) / (hi[c] - lo[c]))));
}
