// Drawing the unit card: a channel's top patches from the student's photos, its kernel (conv layers), its means; and
// the layer's overview, each channel's best patch in one grid.

import { el } from '../kit/dom.js';
import { fitCanvas } from '../kit/canvas.js';
import { maxAbs, diverging, mapCanvas } from '../kit/heat.js';
import { formatValue } from '../../shared/colormap.js';

/** CSS size of a top patch, of the kernel picture and of one cell of the layer overview. */
const PATCH_CSS = 96;
const KERNEL_CSS = 96;
export const CELL_CSS = 32;

/** A patch's pixels (`size`² RGBA) on a canvas of its own. */
function patchCanvas(patch, size) {
  const c = document.createElement('canvas');
  c.width = c.height = size;
  c.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(patch), size, size), 0, 0);
  return c;
}

/** The top patches of `channel`: figures with the photo's name, the value and where its maximum is. */
export function patchFigures(record, channel, t) {
  const entries = record.channels[channel] ?? [];
  return entries.map((e, rank) => {
    const name = record.names[e.image] ?? String(e.image);
    const label = t('unit.patchLabel', { rank: rank + 1, name, value: formatValue(e.value), y: e.y, x: e.x, size: e.field.size });
    const canvas = el('canvas', { role: 'img', 'aria-label': label, class: 'pixelated' });
    const src = patchCanvas(e.patch, record.patchSize);
    const g = fitCanvas(canvas, PATCH_CSS, PATCH_CSS);
    g.imageSmoothingEnabled = false;
    g.drawImage(src, 0, 0, PATCH_CSS, PATCH_CSS);
    return el('figure', { class: 'unit-patch', 'data-image': String(e.image), 'data-value': String(e.value) }, [
      canvas, el('figcaption', { text: `${rank + 1}. ${name} · ${formatValue(e.value)}` }),
    ]);
  });
}

/**
 * One kernel `[c_in, k, k]` (from `offset` of `w`) as a k×k canvas: conv1's three input channels as colours
 * (BGR → RGB), deeper kernels as the sum over their input channels on the diverging scale (their inputs are not
 * colours).
 */
export function kernelPicture(w, offset, cIn, k) {
  const n = k * k;
  if (cIn === 3) {
    const m = maxAbs(w, offset, offset + 3 * n) || 1;
    const src = document.createElement('canvas');
    src.width = src.height = k;
    const img = new ImageData(k, k);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 3; c++) img.data[i * 4 + c] = 128 + (127 * w[offset + (2 - c) * n + i]) / m;
      img.data[i * 4 + 3] = 255;
    }
    src.getContext('2d').putImageData(img, 0, 0);
    return src;
  }
  const sum = new Float32Array(n);
  for (let c = 0; c < cIn; c++) for (let i = 0; i < n; i++) sum[i] += w[offset + c * n + i];
  const m = maxAbs(sum) || 1;
  return mapCanvas(sum, 0, k, k, (v) => diverging(v, m));
}

/** One channel's kernel `[c_in, k, k]` as the card's picture, with its text alternative. */
export function kernelCanvas(kernel, layer, t) {
  const [, cIn, k] = layer.kernel_shape;
  const canvas = el('canvas', { role: 'img', id: 'unit-kernel', class: 'pixelated' });
  const g = fitCanvas(canvas, KERNEL_CSS, KERNEL_CSS);
  g.imageSmoothingEnabled = false;
  g.drawImage(kernelPicture(kernel, 0, cIn, k), 0, 0, KERNEL_CSS, KERNEL_CSS);
  canvas.setAttribute('aria-label', t(cIn === 3 ? 'unit.kernelRgb' : 'unit.kernelSum', { k, c: cIn }));
  return canvas;
}

/** Every channel's best patch in a grid of `cols` columns, on one canvas (a click picks a channel). */
export function drawOverview(canvas, record, cols) {
  const C = record.channels.length;
  const rows = Math.ceil(C / cols);
  const g = fitCanvas(canvas, cols * CELL_CSS, rows * CELL_CSS);
  g.imageSmoothingEnabled = false;
  for (let c = 0; c < C; c++) {
    const best = record.channels[c][0];
    const x = (c % cols) * CELL_CSS, y = Math.floor(c / cols) * CELL_CSS;
    if (!best) continue;
    g.drawImage(patchCanvas(best.patch, record.patchSize), x + 1, y + 1, CELL_CSS - 2, CELL_CSS - 2);
  }
}

/** Ring channel `c` in the overview drawn by drawOverview. */
export function ringChannel(canvas, c, cols) {
  const g = canvas.getContext('2d');
  g.strokeStyle = '#e15759';
  g.lineWidth = 2;
  g.strokeRect((c % cols) * CELL_CSS + 1, Math.floor(c / cols) * CELL_CSS + 1, CELL_CSS - 2, CELL_CSS - 2);
}
