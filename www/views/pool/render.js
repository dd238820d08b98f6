// Drawing max pooling: the input with its windows, overlaps and winners, the output, and one window's numbers.
import { poolWindow } from '../../shared/geometry.js';
import { el } from '../kit/dom.js';
import { fitCanvas, blit } from '../kit/canvas.js';
import { maxAbs, sequential, diverging, mapCanvas } from '../kit/heat.js';
import { fmtNum } from '../kit/format.js';

/**
 * Draws channel `channel` of a pool layer's input and output at output position (sy, sx).
 * @param {{layer: object, channel: number, sy: number, sx: number, input: object, output: object,
 *   argmax: Uint32Array|null, coverage: object|null, width: number, color: string, t: Function}} o
 *   `coverage` (poolCoverage) shades the overlaps when given
 * @returns {{geo: object, winner: {y: number, x: number}}} where the maps are, for picking; the engine's arg-max
 *   in input coordinates (−1 without one)
 */
export function drawPool(canvas, { layer, channel, sy, sx, input, output, argmax, coverage, width: avail, color, t }) {
  const [, oh, ow] = layer.out_shape;
  const [, ih, iw] = layer.in_shape;
  const inS = Math.min(480, avail * 0.55), outS = Math.min(300, avail * 0.3);
  const gap = avail - inS - outS - 6;
  const g = fitCanvas(canvas, avail, inS + 26);
  const ioff = channel * ih * iw, ooff = channel * oh * ow;
  const mi = maxAbs(input.data, ioff, ioff + ih * iw);
  const signed = input.data.subarray(ioff, ioff + ih * iw).some((v) => v < 0);
  const colorOf = (v) => (signed ? diverging(v, mi) : sequential(v, mi));
  const ci = inS / Math.max(ih, iw), co = outS / Math.max(oh, ow);
  const ix = 0, iy = 20, ox = inS + gap, oy = 20 + (inS - oh * co) / 2;
  g.font = '12px system-ui, sans-serif';
  g.fillStyle = '#333';
  g.fillText(t('pool.input', { id: layer.input, ch: channel, w: iw, h: ih }), ix, 13);
  g.fillText(t('pool.output', { id: layer.id, w: ow, h: oh }), ox, 13);
  blit(g, mapCanvas(input.data, ioff, ih, iw, colorOf), ix, iy, iw * ci, ih * ci);
  blit(g, mapCanvas(output.data, ooff, oh, ow, colorOf), ox, oy, ow * co, oh * co);
  if (coverage) {
    // Darker where more windows overlap (2 or 4 with 3×3 at stride 2).
    for (let y = 0; y < ih; y++) for (let x = 0; x < iw; x++) {
      const k = coverage.counts[y * iw + x];
      if (k > 1) { g.fillStyle = `rgba(0,0,0,${0.07 * (k - 1)})`; g.fillRect(ix + x * ci, iy + y * ci, ci, ci); }
    }
  }
  // Every window's winner as a dot, when there is room for it.
  if (argmax && ci >= 4) {
    g.fillStyle = 'rgba(255,255,255,0.85)';
    g.strokeStyle = 'rgba(0,0,0,0.6)';
    for (let o = 0; o < oh * ow; o++) {
      const idx = argmax[ooff + o] - ioff;
      const wy = Math.floor(idx / iw), wx = idx % iw;
      g.beginPath();
      g.arc(ix + (wx + 0.5) * ci, iy + (wy + 0.5) * ci, Math.max(1.2, ci * 0.18), 0, 2 * Math.PI);
      g.fill();
      g.stroke();
    }
  }
  const win = poolWindow(layer, sy, sx);
  g.lineWidth = 2;
  g.strokeStyle = color;
  g.strokeRect(ix + win.clip.x0 * ci, iy + win.clip.y0 * ci, (win.clip.x1 - win.clip.x0) * ci, (win.clip.y1 - win.clip.y0) * ci);
  // The neighbouring windows, dashed, to show the shared rows and columns.
  g.setLineDash([3, 3]);
  g.lineWidth = 1;
  for (const [dy, dx] of [[0, 1], [1, 0], [0, -1], [-1, 0]]) {
    const ny = sy + dy, nx = sx + dx;
    if (ny < 0 || nx < 0 || ny >= oh || nx >= ow) continue;
    const n = poolWindow(layer, ny, nx);
    g.strokeRect(ix + n.clip.x0 * ci, iy + n.clip.y0 * ci, (n.clip.x1 - n.clip.x0) * ci, (n.clip.y1 - n.clip.y0) * ci);
  }
  g.setLineDash([]);
  const winner = { y: -1, x: -1 };
  if (argmax) {
    const idx = argmax[ooff + sy * ow + sx] - ioff;
    winner.y = Math.floor(idx / iw); winner.x = idx % iw;
    g.strokeStyle = '#e15759';
    g.lineWidth = 2.5;
    g.strokeRect(ix + winner.x * ci, iy + winner.y * ci, ci, ci);
  }
  g.lineWidth = 2;
  g.strokeStyle = '#111';
  g.strokeRect(ox + sx * co, oy + sy * co, co, co);
  g.strokeStyle = 'rgba(89,161,79,0.7)';
  g.lineWidth = 1;
  g.beginPath();
  g.moveTo(ix + win.clip.x1 * ci, iy + win.clip.y0 * ci); g.lineTo(ox + sx * co, oy + sy * co);
  g.moveTo(ix + win.clip.x1 * ci, iy + win.clip.y1 * ci); g.lineTo(ox + sx * co, oy + (sy + 1) * co);
  g.stroke();
  return { geo: { ox, oy, co, oh, ow, ix, iy, ci, ih, iw }, winner };
}

/**
 * The window's numbers: its values (the engine's winner marked), the max the engine stored and whether it is the
 * largest shown, whether the arg-max lies inside, and what average pooling would have given.
 */
export function windowDetail({ layer, channel, sy, sx, input, output, argmax, winner, t }) {
  const [, oh, ow] = layer.out_shape;
  const [, ih, iw] = layer.in_shape;
  const ioff = channel * ih * iw, ooff = channel * oh * ow;
  const win = poolWindow(layer, sy, sx);
  const rows = [];
  let best = -Infinity, by = -1, bx = -1, sum = 0, n = 0;
  for (let y = win.clip.y0; y < win.clip.y1; y++) {
    const cells = [];
    for (let x = win.clip.x0; x < win.clip.x1; x++) {
      const v = input.data[ioff + y * iw + x];
      sum += v; n++;
      if (v > best) { best = v; by = y; bx = x; }
      const isWin = y === winner.y && x === winner.x;
      cells.push(el('td', { text: fmtNum(v), style: isWin ? { background: '#fde0dd', fontWeight: '700' } : {} }));
    }
    rows.push(el('tr', {}, cells));
  }
  const out = output.data[ooff + sy * ow + sx];
  const inside = argmax ? winner.y >= win.clip.y0 && winner.y < win.clip.y1 && winner.x >= win.clip.x0 && winner.x < win.clip.x1 : null;
  const okMax = Math.abs(out - best) <= 1e-6 * Math.max(1, Math.abs(best));
  return el('div', { class: 'xv-row' }, [
    el('table', { class: 'xv-toy-grid xv-pool-window', 'aria-label': t('common.windowValues') }, rows),
    el('div', {}, [
      el('p', {}, [t('pool.takesMax', { y: sy, x: sx, y0: win.clip.y0, y1: win.clip.y1 - 1, x0: win.clip.x0, x1: win.clip.x1 - 1 }),
        el('strong', { id: 'pool-max', text: fmtNum(out, 6) }), ' ',
        el('span', { class: okMax ? 'xv-ok' : 'xv-bad', text: okMax ? t('pool.largest') : t('pool.largestShown', { v: fmtNum(best, 6) }) })]),
      argmax ? el('p', {}, [t('pool.argmax', { y: winner.y, x: winner.x }),
        el('span', { class: inside ? 'xv-ok' : 'xv-bad', text: inside ? t('pool.inside') : t('pool.outside') }),
        by === winner.y && bx === winner.x ? '' : t('pool.ties')]) : el('p', { class: 'xv-note', text: t('pool.noArgmax') }),
      el('p', {}, [t('pool.average', { sum: fmtNum(sum, 6), n }), el('strong', { text: fmtNum(sum / n, 6) }),
        t('pool.averageTail')]),
    ]),
  ]);
}
