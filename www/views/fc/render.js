// Drawing a fully connected layer: its outputs as bars, and one neuron's weight row beside the input it multiplies.
import { fitCanvas } from '../kit/canvas.js';
import { maxAbs, diverging, mapCanvas } from '../kit/heat.js';
import { drawBars } from '../kit/bars.js';
import { fmtInt, fmtNum } from '../kit/format.js';

/**
 * The layer's outputs as bars, the GPU split dashed when there is one.
 * @returns {{indexAt: (px: number) => number}} the bar under an x position
 */
export function drawOutputs(canvas, { layer, output, neuron, width: avail, colors, t }) {
  const g = fitCanvas(canvas, avail, 150);
  g.font = '12px system-ui, sans-serif';
  g.fillStyle = '#333';
  g.fillText(t('fc.outputs', { id: layer.id, n: fmtInt(output.data.length), neuron, v: fmtNum(output.data[neuron], 6) }), 0, 12);
  const bars = drawBars(g, output.data, 0, 20, avail, 120, { color: colors.fc, highlight: neuron });
  if (layer.towers === 2) {
    g.strokeStyle = '#999';
    g.setLineDash([4, 3]);
    g.beginPath();
    g.moveTo(avail / 2, 18); g.lineTo(avail / 2, 142);
    g.stroke();
    g.setLineDash([]);
    g.fillStyle = '#777';
    g.fillText(t('common.gpu', { gpu: 1 }), 4, 146);
    g.fillText(t('common.gpu', { gpu: 2 }), avail / 2 + 4, 146);
  }
  return bars;
}

/** The canvas while the row is on its way (or blank when there is no input yet). */
export function drawRowPending(canvas, { loading, width: avail, t }) {
  const g = fitCanvas(canvas, avail, 30);
  g.font = '12px system-ui, sans-serif';
  g.fillStyle = '#777';
  g.fillText(loading ? t('fc.loadingRow') : '', 0, 18);
}

/**
 * The weight row beside its input. A spatial input (fc6 reads pool5's 256×6×6) is drawn as one 6×6 tile per channel,
 * both side by side; a vector input as two bar charts.
 * @returns {object|null} the tile layout for hover lookups (null for bars)
 */
export function drawRow(canvas, { layer, neuron, input, row, width: avail, colors, t }) {
  if (layer.in_shape.length === 3) {
    const [c, h, w] = layer.in_shape;
    const perRow = Math.ceil(Math.sqrt(c));
    const half = (avail - 30) / 2;
    const tile = Math.max(2, Math.floor(half / perRow / (w + 1)));
    const tpx = tile * w + tile;
    const rows = Math.ceil(c / perRow);
    const H = rows * tpx + 24;
    const g = fitCanvas(canvas, avail, H);
    const mIn = maxAbs(input.data), mW = maxAbs(row);
    const imgIn = mapCanvas(input.data, 0, c * h, w, (v) => diverging(v, mIn));
    const imgW = mapCanvas(row, 0, c * h, w, (v) => diverging(v, mW));
    g.font = '12px system-ui, sans-serif';
    g.fillStyle = '#333';
    g.fillText(t('fc.inputSlices', { input: layer.input, c, w, h }), 0, 12);
    g.fillText(t('fc.rowShape', { neuron, c, h, w }), half + 30, 12);
    g.imageSmoothingEnabled = false;
    for (let k = 0; k < c; k++) {
      const tx = (k % perRow) * tpx, ty = 20 + Math.floor(k / perRow) * tpx;
      g.drawImage(imgIn, 0, k * h, w, h, tx, ty, tile * w, tile * h);
      g.drawImage(imgW, 0, k * h, w, h, half + 30 + tx, ty, tile * w, tile * h);
    }
    return { perRow, tpx, tile, c, h, w, x0: [0, half + 30], y0: 20 };
  }
  const g = fitCanvas(canvas, avail, 250);
  g.font = '12px system-ui, sans-serif';
  g.fillStyle = '#333';
  g.fillText(t('fc.inputValues', { input: layer.input, n: fmtInt(input.data.length) }), 0, 12);
  drawBars(g, input.data, 0, 18, avail, 95, { color: colors.relu });
  g.fillStyle = '#333';
  g.fillText(t('fc.rowOf', { neuron, id: layer.id, n: fmtInt(row.length) }), 0, 136);
  drawBars(g, row, 0, 142, avail, 95, { color: colors.fc });
  return null;
}

/** The flat input index under a point of the tiles, with its channel and position, or null. */
export function tileAt(tiles, px, py) {
  for (const x0 of tiles.x0) {
    const lx = px - x0, ly = py - tiles.y0;
    if (lx < 0 || ly < 0) continue;
    const col = Math.floor(lx / tiles.tpx), rr = Math.floor(ly / tiles.tpx);
    const inX = Math.floor((lx % tiles.tpx) / tiles.tile), inY = Math.floor((ly % tiles.tpx) / tiles.tile);
    const c = rr * tiles.perRow + col;
    if (col >= tiles.perRow || c >= tiles.c || inX >= tiles.w || inY >= tiles.h) continue;
    return { c, y: inY, x: inX, idx: c * tiles.h * tiles.w + inY * tiles.w + inX };
  }
  return null;
}
