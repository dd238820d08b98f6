// Preprocessing view: original with the crop box → shorter side 256 → centre crop 227 → the BGR, mean-subtracted `data` tensor, and why 227.

import { scaleFor, paint, formatValue, rangeOf } from '../shared/colormap.js';
import { outSize, formulaText, layerFormulaText } from '../shared/geometry.js';
import { el } from './kit/dom.js';
import { cropImageData } from './kit/crop.js';
import { createFootprint } from './kit/footprint.js';
import { scaleLegend } from './kit/legend.js';

function figure(canvas, caption) {
  return el('figure', {}, [canvas, el('figcaption', {}, caption)]);
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
 * The "why 227, not 224" arithmetic, from the spec's first conv row: (W − F + 2P)/S + 1 must be an integer. The
 * crop's line is the spec's own formula; the paper's 224, which no layer has, is worked out here.
 * @returns {{layer: string, ok: string, bad: string, badExact: number, out: number}}
 */
export function whyCrop(spec) {
  const conv1 = spec.layers.find((l) => l.kind === 'conv' && l.input === spec.input.id) ?? spec.layers.find((l) => l.kind === 'conv');
  const { f, p, s, out } = conv1.formula;
  const paperSize = 224;
  return {
    layer: conv1.id,
    ok: layerFormulaText(conv1),
    bad: formulaText(paperSize, f, p, s),
    badExact: outSize(paperSize, f, p, s).exact,
    out,
  };
}

/**
 * @param {HTMLElement} container
 * @param {object} ctx the view context
 */
export function createPreprocessView(container, ctx) {
  const { t } = ctx;
  let token = 0;
  const steps = el('div', { class: 'steps', id: 'preprocess-steps' });
  const channels = el('div', { class: 'steps', id: 'preprocess-channels' });
  const why = el('div', { class: 'explain', id: 'why-227' });
  // Which units of each layer see a pixel of the input: click the crop (here or in the panel).
  const fp = createFootprint(ctx);
  container.append(
    el('p', { class: 'explain' }, t('pre.intro')),
    // src/preprocess.rs composites alpha on white before resizing; a transparent PNG would otherwise look black.
    el('p', { class: 'explain', id: 'pre-alpha' }, t('pre.alpha')),
    steps, fp.element, el('h3', {}, t('pre.channelsTitle')), channels, why,
  );

  async function update() {
    const my = ++token;
    const { spec } = ctx;
    const { resize, crop, mean_bgr: mean, channel_order: order } = spec.input;
    const w = whyCrop(spec);
    why.replaceChildren(
      el('h3', {}, t('pre.whyTitle', { crop })),
      el('p', {}, t('pre.whyText', { layer: w.layer })),
      el('p', { class: 'formula' }, `${w.ok}  ✓`),
      el('p', { class: 'formula' }, t('pre.notWhole', { formula: w.bad })),
      el('p', {}, t('pre.whySo', { crop, layer: w.layer, out: w.out })),
    );

    const source = ctx.source?.();
    const tensor = await ctx.tensor(spec.input.id);
    if (my !== token) return;
    if (!tensor || !source) {
      steps.replaceChildren(el('p', { class: 'coming-soon' }, t('pre.run')));
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

    const [C, H, W] = tensor.shape;
    const n = H * W;
    const srcCanvas = pixelsCanvas(source);
    steps.replaceChildren();

    // 1. The original, with the crop box mapped back from resized coordinates.
    const original = el('canvas', { id: 'preprocess-original', role: 'img' });
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
    original.setAttribute('aria-label', t('pre.originalLabel', { w: source.width, h: source.height, crop }));
    steps.append(figure(original, t('pre.original', { size: info ? `${info.srcW}×${info.srcH}` : `${source.width}×${source.height}` })));

    // 2. Shorter side to 256 (drawn by the browser for display; the engine resizes with its own filter).
    if (info) {
      const resized = el('canvas', { id: 'preprocess-resized', role: 'img' });
      resized.width = info.resizedW;
      resized.height = info.resizedH;
      const r = resized.getContext('2d');
      r.imageSmoothingQuality = 'high';
      r.drawImage(srcCanvas, 0, 0, info.resizedW, info.resizedH);
      r.strokeStyle = '#e15759';
      r.lineWidth = 2;
      r.strokeRect(info.cropX, info.cropY, info.crop, info.crop);
      fitStyle(resized, info.resizedW, info.resizedH, 300);
      resized.setAttribute('aria-label', t('pre.resizedLabel', { w: info.resizedW, h: info.resizedH, resize }));
      steps.append(figure(resized, t('pre.resized', { resize, w: info.resizedW, h: info.resizedH, x: info.cropX, y: info.cropY })));
    }

    // 3. The crop as the network sees it: the data tensor with the mean added back, channels reordered to RGB.
    const rgb = el('canvas', { id: 'preprocess-crop', role: 'img', class: 'pixelated' });
    rgb.width = W;
    rgb.height = H;
    rgb.getContext('2d').putImageData(cropImageData(tensor, spec.input), 0, 0);
    rgb.setAttribute('aria-label', t('pre.cropLabel', { w: W, h: H }));
    steps.append(figure(rgb, t('pre.crop', { w: W, h: H })));
    rgb.addEventListener('click', (ev) => {
      const r = rgb.getBoundingClientRect();
      const px = Math.floor(((ev.clientX - r.left) / r.width) * W), py = Math.floor(((ev.clientY - r.top) / r.height) * H);
      fp.showPixel(Math.min(H - 1, Math.max(0, py)), Math.min(W - 1, Math.max(0, px)));
    });
    fp.update({});

    // 4. Channels: what the network really gets is B, G, R minus the mean, signed.
    channels.replaceChildren();
    const names = order.split('');
    for (let c = 0; c < C; c++) {
      const range = rangeOf(tensor.data, c * n, (c + 1) * n);
      const scale = scaleFor(range);
      const cv = el('canvas', { id: `preprocess-channel-${names[c] ?? c}`, role: 'img', class: 'pixelated' });
      cv.width = W;
      cv.height = H;
      const im = new ImageData(W, H);
      paint(im.data, tensor.data, c * n, n, scale);
      cv.getContext('2d').putImageData(im, 0, 0);
      cv.style.width = '200px';
      cv.setAttribute('aria-label', t('pre.channelLabel', { name: names[c], mean: mean[c], min: formatValue(range.min), max: formatValue(range.max) }));
      const f = figure(cv, `${names[c]} − ${mean[c]}: ${formatValue(range.min)} … ${formatValue(range.max)}`);
      f.append(scaleLegend(scale));
      channels.append(f);
    }
    channels.append(el('p', { class: 'hint' },
      t('pre.channelsHint', { order, means: names.map((c, i) => `${c} ${mean[i]}`).join(', ') })));
  }

  return {
    update,
    destroy() {
      token++;
      container.replaceChildren();
    },
  };
}
