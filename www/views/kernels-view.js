// Kernels view: conv1's 96 kernels as RGB tiles (GPU 1 then GPU 2); deeper layers one output channel's per-input-channel slices.

import { scaleFor, paint, cssGradient, formatValue } from '../colormap.js';
import { inputChannelRange } from '../geometry.js';

const fmtInt = (n) => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

function h(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * The sentences of the seed article's two rules, filled in from the spec row:
 * kernel thickness = input channels, kernel count = output channels.
 */
export function kernelSentences(layer) {
  const [count, thickness, kh, kw] = layer.kernel_shape;
  const groups = layer.groups ?? 1;
  const lines = [
    `kernel thickness = input channels = ${thickness}; kernel count = output channels = ${count}`,
    `${layer.id}: ${count}×${kw}×${kh}×${thickness} (count/width/height/thickness) = ${fmtInt(count * kw * kh * thickness)} weights` +
      (count * kw * kh * thickness === layer.weights ? '' : ` (spec: ${fmtInt(layer.weights)})`) + `, plus ${fmtInt(layer.biases)} biases.`,
  ];
  if (groups > 1) {
    lines.push(`${layer.id} has groups = ${groups}: its input has ${layer.c_in} channels, ${layer.c_in / groups} on each GPU, and each ` +
      `GPU's ${count / groups} kernels read only their own GPU's ${thickness} channels, so the thickness is ${layer.c_in} / ${groups} = ${thickness}.`);
  } else if (layer.reads_both_towers) {
    lines.push(`${layer.id} reads both GPUs: the two towers' channels are concatenated into ${layer.c_in}, so every kernel is ` +
      `${kw}×${kh}×${thickness} (the usual figure draws it as two ${kw}×${kh}×${thickness / 2} halves, one per GPU).`);
  }
  return lines;
}

/**
 * @param {HTMLElement} container
 * @param {object} ctx the view context
 */
export function createKernelsView(container, ctx) {
  let token = 0;
  const cache = new Map();
  const sentences = h('div', { class: 'explain', id: 'kernel-sentence' });
  const toolbar = h('div', { class: 'toolbar' });
  const body = h('div', {});
  container.append(sentences, toolbar, body);

  async function fetchOnce(key, what, args) {
    if (!cache.has(key)) cache.set(key, ctx.client.get(what, args).catch((err) => { cache.delete(key); throw err; }));
    return cache.get(key);
  }

  /** conv1: each kernel is an 11×11 colour patch; the weights are BGR, so channels are reversed to show RGB. */
  async function drawRgbKernels(layer, state, my) {
    const [count, cin, k] = layer.kernel_shape;
    const all = await fetchOnce(`${layer.id}:all`, 'kernels', { layer: layer.id });
    if (my !== token) return;
    body.replaceChildren();
    const towers = layer.towers === 2 ? 2 : 1;
    const per = count / towers;
    const cols = Math.min(per, 12);
    const gap = 1;
    const size = k * cin * k;
    const bgrToRgb = ctx.spec.input.channel_order === 'BGR' ? [2, 1, 0] : [0, 1, 2];
    for (let t = 0; t < towers; t++) {
      const rows = Math.ceil(per / cols);
      const canvas = h('canvas', { id: `kernels-gpu${t + 1}`, role: 'img', class: 'pixelated',
        'aria-label': `${layer.id} kernels ${t * per}–${(t + 1) * per - 1} (GPU ${t + 1}) as ${k}×${k} colour tiles` });
      canvas.width = cols * (k + gap) + gap;
      canvas.height = rows * (k + gap) + gap;
      canvas.style.width = `${canvas.width * 4}px`;
      const g = canvas.getContext('2d');
      g.fillStyle = '#fff';
      g.fillRect(0, 0, canvas.width, canvas.height);
      const img = new ImageData(k, k);
      for (let j = 0; j < per; j++) {
        const oc = t * per + j;
        const base = oc * size;
        // Each kernel is stretched to its own range, the convention of the 2012 paper's Figure 3.
        let lo = Infinity;
        let hi = -Infinity;
        for (let i = 0; i < size; i++) {
          const v = all[base + i];
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        const span = hi - lo || 1;
        for (let p = 0; p < k * k; p++) {
          for (let c = 0; c < 3; c++) img.data[p * 4 + c] = Math.round((255 * (all[base + bgrToRgb[c] * k * k + p] - lo)) / span);
          img.data[p * 4 + 3] = 255;
        }
        g.putImageData(img, gap + (j % cols) * (k + gap), gap + Math.floor(j / cols) * (k + gap));
      }
      canvas.addEventListener('click', (e) => {
        const r = canvas.getBoundingClientRect();
        const col = Math.floor(((e.clientX - r.left) / r.width) * canvas.width / (k + gap));
        const row = Math.floor(((e.clientY - r.top) / r.height) * canvas.height / (k + gap));
        const j = row * cols + col;
        if (col < cols && j < per) ctx.navigate({ channel: t * per + j }, { replace: true });
      });
      const fig = h('figure', { class: 'tower' });
      fig.append(h('h3', {}, `GPU ${t + 1}: kernels ${t * per}–${(t + 1) * per - 1}`), canvas);
      body.append(fig);
    }
    body.append(h('p', { class: 'hint' },
      `Each tile is one ${k}×${k}×${cin} kernel shown as colour (the weights are stored in ${ctx.spec.input.channel_order} order and drawn as RGB), ` +
      'stretched to its own range: grey is 0-ish, colours are what the kernel looks for.' +
      (ctx.weightsInfo && !ctx.weightsInfo.trained ? ' These weights are random, so the tiles are noise; trained AlexNet shows edges and colour blobs here.' : '')));
  }

  /** Deeper layers: one output channel's kernel, one k×k slice per input channel it reads. */
  async function drawSlices(layer, state, my) {
    const [count, thickness, k] = layer.kernel_shape;
    const oc = Number.isInteger(state.channel) && state.channel >= 0 && state.channel < count ? state.channel : 0;
    toolbar.replaceChildren();
    const input = h('input', { type: 'number', id: 'kernel-oc', min: '0', max: String(count - 1), value: String(oc) });
    input.addEventListener('change', () => {
      const v = Math.max(0, Math.min(count - 1, Number.parseInt(input.value, 10) || 0));
      ctx.navigate({ channel: v }, { replace: true });
    });
    const prev = h('button', { type: 'button' }, '◀');
    const next = h('button', { type: 'button' }, '▶');
    prev.addEventListener('click', () => ctx.navigate({ channel: Math.max(0, oc - 1) }, { replace: true }));
    next.addEventListener('click', () => ctx.navigate({ channel: Math.min(count - 1, oc + 1) }, { replace: true }));
    const label = h('label', {}, 'Output channel ');
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
    const canvas = h('canvas', { id: 'kernel-slices', role: 'img', class: 'pixelated',
      'aria-label': `${layer.id} kernel ${oc}: ${thickness} slices of ${k}×${k}, one per input channel ${range.start}–${range.end - 1}` });
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
    const tower = layer.towers === 2 ? ` (GPU ${oc < count / 2 ? 1 : 2})` : '';
    const legend = h('span', { class: 'legend' });
    const ramp = h('span', { class: 'ramp' });
    ramp.style.background = cssGradient(scale.lut);
    legend.append(formatValue(scale.lo), ramp, formatValue(scale.hi));
    body.replaceChildren(
      h('p', { class: 'explain' },
        `Kernel ${oc}${tower} of ${layer.id} is ${k}×${k}×${thickness}: ${thickness} slices of ${k}×${k}, one for each input channel ` +
        `${range.start}–${range.end - 1} it reads. It produces output channel ${oc}; its bias is ${formatValue(bias[oc])}.`),
      canvas, legend,
    );
  }

  async function update(state) {
    const my = ++token;
    const layer = ctx.layer(state.layer);
    if (!layer || layer.kind !== 'conv' || !layer.kernel_shape) {
      sentences.replaceChildren();
      toolbar.replaceChildren();
      body.replaceChildren(h('p', { class: 'coming-soon' }, `${state.layer} has no convolution kernels.`));
      return;
    }
    sentences.replaceChildren(...kernelSentences(layer).map((line, i) => h('p', i === 0 ? { class: 'formula', id: 'kernel-rule' } : {}, line)));
    const rgb = layer.kernel_shape[1] === 3 && layer.input === ctx.spec.input.id;
    if (rgb) {
      toolbar.replaceChildren();
      await drawRgbKernels(layer, state, my);
    } else {
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
