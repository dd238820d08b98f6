// Drawing one side of "trained next to untrained": a bank of kernels, one channel's map with the shared cursor, the
// share of zero activations, the top-5.

import { el } from '../kit/dom.js';
import { fitCanvas } from '../kit/canvas.js';
import { maxAbs, diverging, mapCanvas } from '../kit/heat.js';
import { kernelPicture } from '../unit/card.js';
import { formatValue } from '../../shared/colormap.js';

/** How many kernels a side shows, their tile size, and the map's size (CSS pixels). */
export const KERNELS_SHOWN = 48;
const TILE = 28;
const TILE_COLS = 12;
export const MAP_CSS = 220;

/**
 * The first KERNELS_SHOWN kernels of a conv layer's bank `[c_out, c_in/groups, k, k]`, as tiles on `canvas`, the
 * `selected` channel's ringed (on both sides, like the maps' cursor).
 */
export function drawKernels(canvas, bank, layer, selected) {
  const [cOut, cIn, k] = layer.kernel_shape;
  const n = Math.min(cOut, KERNELS_SHOWN);
  const rows = Math.ceil(n / TILE_COLS);
  const g = fitCanvas(canvas, TILE_COLS * TILE, rows * TILE);
  g.imageSmoothingEnabled = false;
  for (let c = 0; c < n; c++) {
    g.drawImage(kernelPicture(bank, c * cIn * k * k, cIn, k), (c % TILE_COLS) * TILE + 1, Math.floor(c / TILE_COLS) * TILE + 1, TILE - 2, TILE - 2);
  }
  canvas.dataset.selected = selected < n ? String(selected) : '';
  if (selected >= n) return;
  g.strokeStyle = '#e15759';
  g.lineWidth = 2;
  g.strokeRect((selected % TILE_COLS) * TILE + 1, Math.floor(selected / TILE_COLS) * TILE + 1, TILE - 2, TILE - 2);
}

/** Channel `c` of a `[C, H, W]` tensor as a small canvas on its own diverging scale. */
export function channelPicture(tensor, c) {
  const [, H, W] = tensor.shape;
  const off = c * H * W;
  const m = maxAbs(tensor.data, off, off + H * W) || 1;
  return mapCanvas(tensor.data, off, H, W, (v) => diverging(v, m));
}

/** The map scaled onto `canvas` with the cursor's unit ringed. */
export function drawMap(canvas, picture, shape, cursor) {
  const [, H, W] = shape;
  const g = fitCanvas(canvas, MAP_CSS, MAP_CSS * (H / W));
  g.imageSmoothingEnabled = false;
  g.drawImage(picture, 0, 0, MAP_CSS, MAP_CSS * (H / W));
  if (!cursor) return;
  const s = MAP_CSS / W;
  g.strokeStyle = '#111';
  g.lineWidth = 2;
  g.strokeRect(cursor.x * s, cursor.y * s, s, s);
  g.strokeStyle = '#fff';
  g.lineWidth = 1;
  g.strokeRect(cursor.x * s - 1.5, cursor.y * s - 1.5, s + 3, s + 3);
}

/** The share of values ≤ 0 in a tensor (for a conv layer: what its ReLU will set to zero). */
export function zeroShare(data) {
  let z = 0;
  for (let i = 0; i < data.length; i++) if (data[i] <= 0) z++;
  return data.length ? z / data.length : 0;
}

/** The top-5 as a list. */
export function topList(top, id) {
  return el('ol', { class: 'compare-top', id }, (top ?? []).map((p) => el('li', { text: `${p.name} · ${(100 * p.prob).toFixed(1)} %` })));
}

/** The value of unit (c, y, x) of a tensor, for the readout. */
export function valueAt(tensor, c, { y, x }) {
  const [, H, W] = tensor.shape;
  return formatValue(tensor.data[c * H * W + y * W + x]);
}
