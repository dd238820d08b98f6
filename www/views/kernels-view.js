// Kernels view: conv1's 96 kernels as RGB tiles (GPU 1 then GPU 2); deeper layers one output channel's per-input-channel slices.

import { scaleFor, paint, formatValue } from '../shared/colormap.js';
import { inputChannelRange } from '../shared/geometry.js';
import { el } from './kit/dom.js';
import { fmtInt } from './kit/format.js';
import { scaleLegend } from './kit/legend.js';
import { gridKeys } from './kit/grid-keys.js';

/**
 * The sentences of the seed article's two rules, filled in from the spec row:
 * kernel thickness = input channels, kernel count = output channels. The bank's weight count is the spec's.
 */
export function kernelSentences(layer, t) {
  const [count, thickness, kh, kw] = layer.kernel_shape;
  const groups = layer.groups ?? 1;
  const lines = [
    t('kernels.rule', { thick: thickness, count }),
    t('kernels.bank', { id: layer.id, count, kw, kh, thick: thickness, n: fmtInt(layer.weights), biases: fmtInt(layer.biases) }),
  ];
  if (groups > 1) {
    lines.push(t('kernels.groups', { id: layer.id, groups, cin: layer.c_in, perGpu: layer.c_in / groups, perGpuK: count / groups, thick: thickness }));
  } else if (layer.reads_both_towers) {
    lines.push(t('kernels.both', { id: layer.id, cin: layer.c_in, kw, kh, thick: thickness, half: thickness / 2 }));
  }
  return lines;
}

/**
 * @param {HTMLElement} container
 * @param {object} ctx the view context
 */
export function createKernelsView(container, ctx) {
  const { t } = ctx;
  let token = 0;
  const cache = new Map();
  const sentences = el('div', { class: 'explain', id: 'kernel-sentence' });
  const toolbar = el('div', { class: 'toolbar' });
  const body = el('div', {});
  // What the keyboard cursor is on, said politely (the canvases' own labels say it too).
  const live = el('p', { class: 'hint', id: 'kernels-live', 'aria-live': 'polite' });
  container.append(sentences, toolbar, body);
  /** conv1's tiles on screen: the layer drawn and one ring update per tower (a new channel only moves rings). */
  let tilesOf = null;
  let tileRings = [];
  let selectedChannel = -1;

  async function fetchOnce(key, what, args) {
    if (!cache.has(key)) cache.set(key, ctx.client.get(what, args).catch((err) => { cache.delete(key); throw err; }));
    return cache.get(key);
  }

  /** conv1: each kernel is an 11×11 colour patch; the weights are BGR, so channels are reversed to show RGB. */
  async function drawRgbKernels(layer, _state, my) {
    const [count, cin, k] = layer.kernel_shape;
    const [all, bias] = await Promise.all([
      fetchOnce(`${layer.id}:all`, 'kernels', { layer: layer.id }),
      fetchOnce(`${layer.id}:bias`, 'bias', { layer: layer.id }),
    ]);
    if (my !== token) return;
    body.replaceChildren();
    const towers = layer.towers === 2 ? 2 : 1;
    const per = count / towers;
    const cols = Math.min(per, 12);
    const gap = 1;
    const size = k * cin * k;
    const bgrToRgb = ctx.spec.input.channel_order === 'BGR' ? [2, 1, 0] : [0, 1, 2];
    for (let tw = 0; tw < towers; tw++) {
      const rows = Math.ceil(per / cols);
      const canvas = el('canvas', { id: `kernels-gpu${tw + 1}`, role: 'img', class: 'pixelated',
        'aria-label': t('kernels.tilesLabel', { id: layer.id, first: tw * per, last: (tw + 1) * per - 1, gpu: tw + 1, k }) });
      canvas.width = cols * (k + gap) + gap;
      canvas.height = rows * (k + gap) + gap;
      canvas.style.width = `${canvas.width * 4}px`;
      const g = canvas.getContext('2d');
      g.fillStyle = '#fff';
      g.fillRect(0, 0, canvas.width, canvas.height);
      const img = new ImageData(k, k);
      const ranges = [];
      for (let j = 0; j < per; j++) {
        const oc = tw * per + j;
        const base = oc * size;
        // Each kernel is stretched to its own range, the convention of the 2012 paper's Figure 3.
        let lo = Infinity;
        let hi = -Infinity;
        for (let i = 0; i < size; i++) {
          const v = all[base + i];
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        ranges.push([lo, hi]);
        const span = hi - lo || 1;
        for (let p = 0; p < k * k; p++) {
          for (let c = 0; c < 3; c++) img.data[p * 4 + c] = Math.round((255 * (all[base + bgrToRgb[c] * k * k + p] - lo)) / span);
          img.data[p * 4 + 3] = 255;
        }
        g.putImageData(img, gap + (j % cols) * (k + gap), gap + Math.floor(j / cols) * (k + gap));
      }
      const tiles = g.getImageData(0, 0, canvas.width, canvas.height);
      const pick = (j) => ctx.navigate({ channel: tw * per + j }, { replace: true });
      // The selected kernel is ringed in the 1-pixel gap around its tile, the keyboard's in blue; the text
      // alternative and the live line below say which kernel and what its weights are.
      const ring = (j) => {
        g.putImageData(tiles, 0, 0);
        const sel = selectedChannel - tw * per;
        for (const [i, color] of [[sel, '#222'], [j, '#1a73e8']]) {
          if (i < 0 || i >= per) continue;
          g.strokeStyle = color;
          g.lineWidth = 1;
          g.strokeRect((i % cols) * (k + gap) + 0.5, Math.floor(i / cols) * (k + gap) + 0.5, k + gap, k + gap);
        }
      };
      const describe = (j) => {
        const oc = tw * per + j;
        const text = t('kernels.tileAt', { id: layer.id, oc, gpu: tw + 1, k, cin, lo: formatValue(ranges[j][0]), hi: formatValue(ranges[j][1]), bias: formatValue(bias[oc]) });
        canvas.setAttribute('aria-label', `${t('kernels.tilesLabel', { id: layer.id, first: tw * per, last: (tw + 1) * per - 1, gpu: tw + 1, k })}. ${text}`);
        live.textContent = text;
      };
      const start = selectedChannel >= tw * per && selectedChannel < (tw + 1) * per ? selectedChannel - tw * per : 0;
      const keys = gridKeys(canvas, { count: per, cols, start, onMove: (j) => { ring(j); describe(j); }, onPick: pick });
      canvas.addEventListener('blur', () => ring(-1));
      tileRings.push((ch) => { if (ch >= tw * per && ch < (tw + 1) * per) keys.set(ch - tw * per); ring(document.activeElement === canvas ? keys.at() : -1); });
      ring(-1);
      canvas.addEventListener('click', (e) => {
        const r = canvas.getBoundingClientRect();
        const col = Math.floor(((e.clientX - r.left) / r.width) * canvas.width / (k + gap));
        const row = Math.floor(((e.clientY - r.top) / r.height) * canvas.height / (k + gap));
        const j = row * cols + col;
        if (col < cols && j < per) { keys.set(j); describe(j); pick(j); }
      });
      const fig = el('figure', { class: 'tower' });
      fig.append(el('h3', {}, t('kernels.gpuKernels', { gpu: tw + 1, first: tw * per, last: (tw + 1) * per - 1 })), canvas);
      body.append(fig);
    }
    // The default session ships AlexNet's real conv1 kernels; the weights say which tensors are trained.
    const w = ctx.weightsInfo;
    const trainedHere = !!w?.trained_tensors?.includes(`${layer.id}.weight`);
    const note = trainedHere && layer.id === ctx.spec.layers[0].id ? t('kernels.trainedConv1')
      : w && !trainedHere && w.origin !== 'file' ? t('kernels.randomTiles') : '';
    body.append(live, el('p', { class: 'hint' }, t('kernels.tileHint', { k, cin, order: ctx.spec.input.channel_order })));
    if (note) body.append(el('p', { class: 'hint', id: 'kernels-trained-note' }, note));
  }

  /** Deeper layers: one output channel's kernel, one k×k slice per input channel it reads. */
  async function drawSlices(layer, state, my) {
    const [count, thickness, k] = layer.kernel_shape;
    const oc = Number.isInteger(state.channel) && state.channel >= 0 && state.channel < count ? state.channel : 0;
    toolbar.replaceChildren();
    const input = el('input', { type: 'number', id: 'kernel-oc', min: '0', max: String(count - 1), value: String(oc) });
    input.addEventListener('change', () => {
      const v = Math.max(0, Math.min(count - 1, Number.parseInt(input.value, 10) || 0));
      ctx.navigate({ channel: v }, { replace: true });
    });
    const prev = el('button', { type: 'button' }, '◀');
    const next = el('button', { type: 'button' }, '▶');
    prev.addEventListener('click', () => ctx.navigate({ channel: Math.max(0, oc - 1) }, { replace: true }));
    next.addEventListener('click', () => ctx.navigate({ channel: Math.min(count - 1, oc + 1) }, { replace: true }));
    const label = el('label', {}, `${t('kernels.outputChannel')} `);
    label.append(input);
    toolbar.append(label, prev, next);

    const [kernel, bias] = await Promise.all([
      fetchOnce(`${layer.id}:${oc}`, 'kernel', { layer: layer.id, oc }),
      fetchOnce(`${layer.id}:bias`, 'bias', { layer: layer.id }),
    ]);
    if (my !== token) return;
    const range = inputChannelRange(layer, oc);
    let m = 0;
    for (const v of kernel) m = Math.max(m, Math.abs(v));
    const scale = scaleFor({ min: -m, max: m });
    const cols = Math.ceil(Math.sqrt(thickness * 2));
    const rows = Math.ceil(thickness / cols);
    const cell = k + 1;
    const canvas = el('canvas', { id: 'kernel-slices', role: 'img', class: 'pixelated',
      'aria-label': t('kernels.slicesLabel', { id: layer.id, oc, thick: thickness, k, first: range.start, last: range.end - 1 }) });
    canvas.width = cols * cell + 1;
    canvas.height = rows * cell + 1;
    canvas.style.width = `${Math.min(900, canvas.width * Math.max(3, Math.floor(540 / canvas.width)))}px`;
    const g = canvas.getContext('2d');
    g.fillStyle = '#fff';
    g.fillRect(0, 0, canvas.width, canvas.height);
    const img = new ImageData(k, k);
    for (let s = 0; s < thickness; s++) {
      paint(img.data, kernel, s * k * k, k * k, scale);
      g.putImageData(img, 1 + (s % cols) * cell, 1 + Math.floor(s / cols) * cell);
    }
    const tower = layer.towers === 2 ? ` (${t('common.gpu', { gpu: oc < count / 2 ? 1 : 2 })})` : '';
    const describe = (sl) => {
      let lo = Infinity, hi = -Infinity;
      for (let i = sl * k * k; i < (sl + 1) * k * k; i++) { lo = Math.min(lo, kernel[i]); hi = Math.max(hi, kernel[i]); }
      const c = Math.floor(k / 2);
      const text = t('kernels.sliceAt', { id: layer.id, oc, ic: range.start + sl, k, lo: formatValue(lo), hi: formatValue(hi), centre: formatValue(kernel[sl * k * k + c * k + c]) });
      canvas.setAttribute('aria-label', `${t('kernels.slicesLabel', { id: layer.id, oc, thick: thickness, k, first: range.start, last: range.end - 1 })}. ${text}`);
      live.textContent = text;
      g.putImageData(slices, 0, 0);
      g.strokeStyle = '#1a73e8';
      g.strokeRect((sl % cols) * cell + 0.5, Math.floor(sl / cols) * cell + 0.5, cell, cell);
    };
    const slices = g.getImageData(0, 0, canvas.width, canvas.height);
    gridKeys(canvas, { count: thickness, cols, onMove: describe });
    canvas.addEventListener('blur', () => g.putImageData(slices, 0, 0));
    body.replaceChildren(
      live,
      el('p', { class: 'explain' },
        t('kernels.slices', { oc, tower, id: layer.id, k, thick: thickness, first: range.start, last: range.end - 1, bias: formatValue(bias[oc]) })),
      canvas, scaleLegend(scale, t('kernels.scaleNote')),
    );
  }

  async function update(state) {
    const my = ++token;
    const layer = ctx.layer(state.layer);
    if (layer?.kind !== 'conv' || !layer.kernel_shape) {
      sentences.replaceChildren();
      toolbar.replaceChildren();
      body.replaceChildren(el('p', { class: 'coming-soon' }, t('kernels.none', { id: state.layer })));
      return;
    }
    sentences.replaceChildren(...kernelSentences(layer, t).map((line, i) => el('p', i === 0 ? { class: 'formula', id: 'kernel-rule' } : {}, line)));
    const rgb = layer.kernel_shape[1] === 3 && layer.input === ctx.spec.input.id;
    if (rgb) {
      toolbar.replaceChildren();
      selectedChannel = Number.isInteger(state.channel) ? state.channel : -1;
      // Picking a kernel only moves the rings: redrawing would take the keyboard focus away from the tiles.
      if (tilesOf === layer.id && body.isConnected) { for (const f of tileRings) f(selectedChannel); return; }
      tileRings = [];
      tilesOf = null;
      await drawRgbKernels(layer, state, my);
      if (my === token) tilesOf = layer.id;
    } else {
      tilesOf = null;
      await drawSlices(layer, state, my);
    }
  }

  return {
    update,
    destroy() {
      token++;
      container.replaceChildren();
    },
  };
}
