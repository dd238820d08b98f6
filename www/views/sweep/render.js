// Drawing the sweep: the padded input with the kernel's window, the output filled so far, the dot product's tiles.
import { convWindow, positionAt, shapeText } from '../../shared/geometry.js';
import { fitCanvas, blit, hatch, wrapText } from '../kit/canvas.js';
import { maxAbs, diverging, sequential, mapCanvas, inputRgbCanvas } from '../kit/heat.js';
import { fmtInt, fmtNum } from '../kit/format.js';
import { clampInt } from '../kit/state.js';

const TERMS_SHOWN = 6;
const par = (v) => (v < 0 ? `(${fmtNum(v)})` : fmtNum(v));
/** The hatch that marks zero padding, made once per canvas. */
const padPatterns = new WeakMap();

/**
 * The picture of the input the kernel slides over: the image itself for conv1, otherwise the mean over the input
 * channels this kernel reads (`range` from inputChannelRange), one picture of "what the kernel sees".
 */
export function inputPicture(src, range, isImage) {
  if (src.shape[0] === 3 && isImage) return inputRgbCanvas(src);
  const [, h, w] = src.shape;
  const mean = new Float32Array(h * w);
  for (let c = range.start; c < range.end; c++) for (let i = 0; i < h * w; i++) mean[i] += src.data[c * h * w + i] / range.count;
  const m = maxAbs(mean);
  const signed = mean.some((v) => v < 0);
  return mapCanvas(mean, 0, h, w, (v) => (signed ? diverging(v, m) : sequential(v, m)));
}

/** One output channel's map, in the diverging colours. */
export function outputPicture(outData, outH, outW) {
  const m = maxAbs(outData);
  return mapCanvas(outData, 0, outH, outW, (v) => diverging(v, m));
}

/**
 * The main canvas: the padded input with the window at sweep step `pos`, lines to the one value it produces, and
 * the output map filled up to that position.
 * @param {{layer: object, oc: number, pos: number, inputImg: HTMLCanvasElement|null, outImg: HTMLCanvasElement|null,
 *   width: number, color: string, t: Function}} o
 * @returns {{ux: number, uy: number, ocell: number}} where the output map is (CSS px of the canvas), for picking
 */
export function drawSweep(canvas, { layer, oc, pos, inputImg, outImg, width: avail, color, t }) {
  const [, outH, outW] = layer.out_shape;
  const inS = Math.min(360, avail * 0.42);
  const outS = Math.min(300, avail * 0.32);
  const gap = Math.min(220, avail - inS - outS - 20);
  const { y, x } = positionAt(pos, outW);
  const win = convWindow(layer, y, x);
  // A narrow canvas (a phone) has no room for the output's caption beside the input's: it gets a line of its own at
  // the bottom, and the window's caption wraps, so no caption is cut off at the edge or drawn over another.
  const measure = canvas.getContext('2d');
  measure.font = '12px system-ui, sans-serif';
  const outCaption = t('sweep.output', { id: layer.id, oc, w: outW, h: outH });
  const ownLine = inS + Math.min(220, avail - inS - outS - 20) + measure.measureText(outCaption).width > avail;
  const windowLines = wrapText(measure, t('sweep.window', { y0: win.y0, y1: win.y1 - 1, x0: win.x0, x1: win.x1 - 1, w: layer.in_shape[2] }), avail);
  const H = inS + 40 + (windowLines.length - 1) * 15 + (ownLine ? 18 : 0);
  const g = fitCanvas(canvas, avail, H);
  const [, ih, iw] = layer.in_shape;
  const p = layer.pad;
  const ph = ih + 2 * p, pw = iw + 2 * p;
  const cell = inS / Math.max(ph, pw);
  const ox = 0, oy = 22;
  g.font = '12px system-ui, sans-serif';
  g.fillStyle = '#333';
  g.textBaseline = 'alphabetic';
  g.fillText(t('sweep.input', { id: layer.input, shape: shapeText(layer.in_shape), pad: p ? t('sweep.inputPad', { p, w: pw, h: ph }) : '' }), ox, 14);
  // Zero padding: hatched ring around the real input.
  if (!padPatterns.has(canvas)) padPatterns.set(canvas, hatch(g, 'rgba(90,90,90,0.5)'));
  g.fillStyle = '#eee';
  g.fillRect(ox, oy, pw * cell, ph * cell);
  if (p) { g.fillStyle = padPatterns.get(canvas); g.fillRect(ox, oy, pw * cell, ph * cell); }
  if (inputImg) blit(g, inputImg, ox + p * cell, oy + p * cell, iw * cell, ih * cell);
  const wx = ox + win.padX0 * cell, wy = oy + win.padY0 * cell, ws = layer.k * cell;
  g.lineWidth = 2;
  g.strokeStyle = color;
  g.fillStyle = 'rgba(78,121,167,0.18)';
  g.fillRect(wx, wy, ws, ws);
  g.strokeRect(wx, wy, ws, ws);

  // Output map, filled up to the current position.
  const ocell = outS / Math.max(outH, outW);
  const ux = inS + gap, uy = oy + (inS - outH * ocell) / 2;
  g.fillStyle = '#333';
  if (ownLine) g.fillText(outCaption, 0, H - 4);
  else g.fillText(outCaption, ux, 14);
  g.fillStyle = '#f1f1f1';
  g.fillRect(ux, uy, outW * ocell, outH * ocell);
  if (outImg) {
    g.save();
    g.beginPath();
    g.rect(ux, uy, outW * ocell, y * ocell);
    g.rect(ux, uy + y * ocell, (x + 1) * ocell, ocell);
    g.clip();
    blit(g, outImg, ux, uy, outW * ocell, outH * ocell);
    g.restore();
  }
  g.strokeStyle = '#bbb';
  g.lineWidth = 1;
  g.strokeRect(ux, uy, outW * ocell, outH * ocell);
  const cx = ux + x * ocell, cy = uy + y * ocell;
  // Lines from the window to the one value it produces.
  g.strokeStyle = 'rgba(78,121,167,0.55)';
  g.beginPath();
  g.moveTo(wx + ws, wy); g.lineTo(cx, cy);
  g.moveTo(wx + ws, wy + ws); g.lineTo(cx, cy + ocell);
  g.stroke();
  g.lineWidth = 2;
  g.strokeStyle = '#111';
  g.strokeRect(cx, cy, Math.max(2, ocell), Math.max(2, ocell));
  g.fillStyle = '#555';
  for (const [i, line] of windowLines.entries()) g.fillText(line, ox, oy + ph * cell + 14 + i * 15);
  return { ux, uy, ocell };
}

/** The first terms of a conv-dot reply written out, x[c, y, x]·w[c, ky, kx] = a·b = product, and how many follow. */
export function dotTerms(d, t) {
  const n = d.products.length;
  const kk = d.k * d.k;
  const list = [];
  for (let i = 0; i < Math.min(TERMS_SHOWN, n); i++) {
    const c = Math.floor(i / kk), ky = Math.floor((i % kk) / d.k), kx = i % d.k;
    list.push(`x[${d.icStart + c}, ${d.y0 + ky}, ${d.x0 + kx}]·w[${c},${ky},${kx}] = ${par(d.patch[i])}·${par(d.kernel[i])} = ${fmtNum(d.products[i])}`);
  }
  return t('sweep.terms', { n: fmtInt(n), c: d.cIn, k: d.k, list: list.join(' + '), more: fmtInt(n - list.length) });
}

/** Three rows of tiles (input patch, kernel, products), one tile per input channel, each k×k. */
export function drawDotTiles(canvas, d, avail, t) {
  const tilePx = clampInt(Math.floor(Math.sqrt((avail * 60) / d.cIn)), 3 * d.k, 12 * d.k);
  const cellPx = Math.max(2, Math.floor(tilePx / d.k));
  const tile = cellPx * d.k + 3;
  const perRow = Math.max(1, Math.floor((avail - 70) / tile));
  const rows = Math.ceil(d.cIn / perRow);
  const blockH = rows * tile + 18;
  const g = fitCanvas(canvas, avail, blockH * 3 + 4);
  const blocks = [[t('sweep.blockInput'), d.patch], [t('sweep.blockKernel'), d.kernel], ['x·w', d.products]];
  blocks.forEach(([name, arr], b) => {
    const m = maxAbs(arr);
    const img = mapCanvas(arr, 0, d.cIn * d.k, d.k, (v) => diverging(v, m));
    const y0 = b * blockH;
    g.fillStyle = '#333';
    g.font = '12px system-ui, sans-serif';
    g.fillText(`${name}  (max |·| ${fmtNum(m)})`, 0, y0 + 12);
    for (let c = 0; c < d.cIn; c++) {
      const tx = 70 + (c % perRow) * tile, ty = y0 + 16 + Math.floor(c / perRow) * tile;
      g.imageSmoothingEnabled = false;
      g.drawImage(img, 0, c * d.k, d.k, d.k, tx, ty, cellPx * d.k, cellPx * d.k);
    }
  });
}
