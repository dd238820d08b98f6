// Drawing the Why? view: a map over the 227 crop (upsampled for display only), its colour scale, and a sentence
// saying where it is strongest, for the canvas's text alternative.

import { colorOf, formatValue } from '../../shared/colormap.js';
import { mapCanvas } from '../kit/heat.js';

/** The map's colour scale: occlusion is signed (diverging, symmetric about 0), saliency and Grad-CAM are ≥ 0. */
export function mapScale(method, map) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of map) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!Number.isFinite(lo)) lo = hi = 0;
  if (method === 'occlusion') {
    const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    return { lo: -m, hi: m, lut: 'diverging', min: lo, max: hi };
  }
  return { lo: 0, hi: hi > 0 ? hi : 1, lut: 'viridis', min: lo, max: hi };
}

/**
 * Where each map cell lies on the crop, in crop pixels: occlusion's cell (i, j) is the patch at (i·S, j·S), drawn
 * as the S×S square at the patch's centre; Grad-CAM's grid and saliency's pixels cover the whole crop.
 */
export function mapBox(method, shape, side, { patch = 32, stride = 16 } = {}) {
  if (method === 'occlusion') {
    const off = patch / 2 - stride / 2;
    return { x: off, y: off, w: shape[1] * stride, h: shape[0] * stride };
  }
  return { x: 0, y: 0, w: side, h: side };
}

/**
 * Draw the crop `crop` (ImageData, side×side) and over it `result`'s map at `opacity` (0…1) on `canvas`, whose
 * backing store is `px`² pixels. The map is smoothed when upsampled (a grid of 13 is not 13 squares of meaning).
 */
export function drawOverlay(canvas, crop, result, opacity, px, geometry) {
  const doc = canvas.ownerDocument;
  canvas.width = px;
  canvas.height = px;
  const g = canvas.getContext('2d');
  const side = crop?.width ?? 227;
  const k = px / side;
  g.fillStyle = '#fff';
  g.fillRect(0, 0, px, px);
  if (crop) {
    const c = doc.createElement('canvas');
    c.width = crop.width;
    c.height = crop.height;
    c.getContext('2d').putImageData(crop, 0, 0);
    g.imageSmoothingEnabled = true;
    g.drawImage(c, 0, 0, px, px);
  }
  if (!result) return null;
  const scale = mapScale(result.method, result.map);
  const box = mapBox(result.method, result.shape, side, geometry);
  g.globalAlpha = opacity;
  g.imageSmoothingEnabled = result.method !== 'saliency';
  g.drawImage(mapCanvas(result.map, 0, result.shape[0], result.shape[1], (v) => colorOf(v, scale)), box.x * k, box.y * k, box.w * k, box.h * k);
  g.globalAlpha = 1;
  return scale;
}

/** The strongest cell of a map, in crop pixels (its centre), with its value; and the weakest value. */
export function strongest(result, geometry) {
  const { map, shape } = result;
  let at = 0;
  for (let i = 1; i < map.length; i++) if (map[i] > map[at]) at = i;
  const box = mapBox(result.method, shape, 227, geometry);
  const [h, w] = shape;
  const y = Math.round(box.y + ((Math.floor(at / w) + 0.5) * box.h) / h);
  const x = Math.round(box.x + (((at % w) + 0.5) * box.w) / w);
  let lo = map[0];
  for (const v of map) if (v < lo) lo = v;
  return { y, x, v: formatValue(map[at]), lo: formatValue(lo) };
}
