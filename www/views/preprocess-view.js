// Preprocessing view: original with the crop box → shorter side 256 → centre crop 227 → the BGR, mean-subtracted `data` tensor, and why 227.

import { scaleFor, paint, cssGradient, formatValue, rangeOf } from '../colormap.js';
import { outSize, formulaText } from '../geometry.js';

function h(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function figure(canvas, caption) {
  const f = h('figure', {});
  f.append(canvas, h('figcaption', {}, caption));
  return f;
}

/** A canvas holding RGBA pixels at their own size. */
function pixelsCanvas(pixels) {
  const c = document.createElement('canvas');
  c.width = pixels.width;
  c.height = pixels.height;
  c.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(pixels.data), pixels.width, pixels.height), 0, 0);
  return c;
}

/** Display size: at most `max` CSS pixels on the longer side. */
function fitStyle(canvas, w, hgt, max) {
  const s = Math.min(1, max / Math.max(w, hgt));
  canvas.style.width = `${Math.round(w * s)}px`;
  canvas.style.height = `${Math.round(hgt * s)}px`;
}

/**
 * The "why 227, not 224" arithmetic, from the spec's first conv row: (W − F + 2P)/S + 1 must be an integer.
 * @returns {{ok: string, bad: string, badExact: number}}
 */
export function whyCrop(spec) {
  const conv1 = spec.layers.find((l) => l.kind === 'conv' && l.input === spec.input.id) ?? spec.layers.find((l) => l.kind === 'conv');
  const { f, p, s } = conv1.formula ?? { f: conv1.k, p: conv1.pad, s: conv1.stride };
  const w = spec.input.crop;
  const paperSize = 224;
  return {
    layer: conv1.id,
    ok: formulaText(w, f, p, s),
    bad: formulaText(paperSize, f, p, s),
    badExact: outSize(paperSize, f, p, s).exact,
    out: outSize(w, f, p, s).out,
  };
}

/**
 * @param {HTMLElement} container
 * @param {object} ctx the view context
 */
export function createPreprocessView(container, ctx) {
  let token = 0;
  const steps = h('div', { class: 'steps', id: 'preprocess-steps' });
  const channels = h('div', { class: 'steps', id: 'preprocess-channels' });
  const why = h('div', { class: 'explain', id: 'why-227' });
  container.append(
    h('p', { class: 'explain' }, 'Before the first convolution, every image is made the same size and shape, the way Caffe\'s BVLC AlexNet was trained.'),
    steps, h('h3', {}, 'The data tensor, channel by channel'), channels, why,
  );

  async function update() {
    const my = ++token;
    const { spec } = ctx;
    const { resize, crop, mean_bgr: mean, channel_order: order } = spec.input;
    const w = whyCrop(spec);
    why.replaceChildren(
      h('h3', {}, `Why ${crop}×${crop} and not 224×224?`),
      h('p', {}, `The 2012 paper says 224, but ${w.layer}'s output size (W − F + 2P)/S + 1 must be a whole number:`),
      h('p', { class: 'formula' }, `${w.ok}  ✓`),
      h('p', { class: 'formula' }, `${w.bad}  ✗ (not a whole number)`),
      h('p', {}, `So the real input is ${crop}×${crop}×3, and ${w.layer} outputs ${w.out}×${w.out}.`),
    );

    const source = ctx.source?.();
    const t = await ctx.tensor(spec.input.id);
    if (my !== token) return;
    if (!t || !source) {
      steps.replaceChildren(h('p', { class: 'coming-soon' }, 'Run an image to see it preprocessed.'));
      channels.replaceChildren();
      return;
    }
    let info = null;
    try {
      info = await ctx.client.get('preprocess');
    } catch {
      info = ctx.result?.()?.preprocess ?? null;
    }
    if (my !== token) return;

    const [C, H, W] = t.shape;
    const n = H * W;
    const srcCanvas = pixelsCanvas(source);
    steps.replaceChildren();

    // 1. The original, with the crop box mapped back from resized coordinates.
    const original = h('canvas', { id: 'preprocess-original', role: 'img' });
    original.width = source.width;
    original.height = source.height;
    const g = original.getContext('2d');
    g.drawImage(srcCanvas, 0, 0);
    if (info) {
      const s = info.scale * (source.width / info.srcW || 1);
      g.strokeStyle = '#e15759';
      g.lineWidth = Math.max(2, source.width / 150);
      g.strokeRect(info.cropX / s, info.cropY / s, info.crop / s, info.crop / s);
    }
    fitStyle(original, source.width, source.height, 300);
    original.setAttribute('aria-label', `The original image, ${source.width}×${source.height}, with the ${crop}×${crop} crop outlined in red`);
    steps.append(figure(original, `Original: ${info ? `${info.srcW}×${info.srcH}` : `${source.width}×${source.height}`}. Red box: the part the network sees.`));

    // 2. Shorter side to 256 (drawn by the browser for display; the engine resizes with its own filter).
    if (info) {
      const resized = h('canvas', { id: 'preprocess-resized', role: 'img' });
      resized.width = info.resizedW;
      resized.height = info.resizedH;
      const r = resized.getContext('2d');
      r.imageSmoothingQuality = 'high';
      r.drawImage(srcCanvas, 0, 0, info.resizedW, info.resizedH);
      r.strokeStyle = '#e15759';
      r.lineWidth = 2;
      r.strokeRect(info.cropX, info.cropY, info.crop, info.crop);
      fitStyle(resized, info.resizedW, info.resizedH, 300);
      resized.setAttribute('aria-label', `Resized to ${info.resizedW}×${info.resizedH} (shorter side ${resize})`);
      steps.append(figure(resized, `Shorter side → ${resize}: ${info.resizedW}×${info.resizedH}. Crop at (${info.cropX}, ${info.cropY}).`));
    }

    // 3. The crop as the network sees it: the data tensor with the mean added back, channels reordered to RGB.
    const rgb = h('canvas', { id: 'preprocess-crop', role: 'img', class: 'pixelated' });
    rgb.width = W;
    rgb.height = H;
    const img = new ImageData(W, H);
    const toRgb = order === 'BGR' ? [2, 1, 0] : [0, 1, 2];
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 3; c++) img.data[i * 4 + c] = t.data[toRgb[c] * n + i] + mean[toRgb[c]];
      img.data[i * 4 + 3] = 255;
    }
    rgb.getContext('2d').putImageData(img, 0, 0);
    rgb.setAttribute('aria-label', `The ${W}×${H} centre crop the network receives`);
    steps.append(figure(rgb, `Centre crop ${W}×${H}: the network's input (the data tensor, mean added back to display it).`));

    // 4. Channels: what the network really gets is B, G, R minus the mean, signed.
    channels.replaceChildren();
    const names = order.split('');
    for (let c = 0; c < C; c++) {
      const range = rangeOf(t.data, c * n, (c + 1) * n);
      const scale = scaleFor(range);
      const cv = h('canvas', { id: `preprocess-channel-${names[c] ?? c}`, role: 'img', class: 'pixelated' });
      cv.width = W;
      cv.height = H;
      const im = new ImageData(W, H);
      paint(im.data, t.data, c * n, n, scale);
      cv.getContext('2d').putImageData(im, 0, 0);
      cv.style.width = '200px';
      cv.setAttribute('aria-label', `Channel ${names[c]} minus its mean ${mean[c]}: values ${formatValue(range.min)} to ${formatValue(range.max)}`);
      const ramp = h('span', { class: 'ramp' });
      ramp.style.background = cssGradient(scale.lut);
      const legend = h('span', { class: 'legend' });
      legend.append(formatValue(scale.lo), ramp, formatValue(scale.hi));
      const f = figure(cv, `${names[c]} − ${mean[c]}: ${formatValue(range.min)} … ${formatValue(range.max)}`);
      f.append(legend);
      channels.append(f);
    }
    channels.append(h('p', { class: 'hint' },
      `Caffe stores pixels as ${order} and subtracts the ImageNet mean (${names.map((c, i) => `${c} ${mean[i]}`).join(', ')}), ` +
      'so a pixel equal to the mean is 0 (white here), darker-than-average is blue and brighter is red.'));
  }

  return {
    update,
    destroy() {
      token++;
      container.replaceChildren();
    },
  };
}
