// Softmax view: fc8's 1000 logits beside the 1000 probabilities, the top 5 named, and their sum computed from the prob tensor.

import { formatValue } from '../shared/colormap.js';
import { el } from './kit/dom.js';

/** Σ of a Float32Array in float64, so the displayed sum reflects the tensor, not the summation's rounding. */
export function sum64(data) {
  let s = 0;
  for (let i = 0; i < data.length; i++) s += data[i];
  return s;
}

/** Indices of the k largest values, largest first. */
export function topIndices(data, k) {
  return [...data.keys()].sort((a, b) => data[b] - data[a]).slice(0, k);
}

/**
 * Draw one bar per value. Bars grow up from a zero line that sits at the bottom for non-negative data and
 * in proportion for signed data; `highlight` bars are drawn in the accent colour.
 */
function drawBars(canvas, data, highlight, color, accent) {
  const W = canvas.width;
  const H = canvas.height;
  const g = canvas.getContext('2d');
  g.fillStyle = '#fff';
  g.fillRect(0, 0, W, H);
  let lo = 0;
  let hi = 0;
  for (const v of data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi - lo || 1;
  const zeroY = H - 1 - ((0 - lo) / span) * (H - 2);
  const bw = W / data.length;
  const barW = Math.max(1, bw);
  g.fillStyle = '#ccc';
  g.fillRect(0, Math.round(zeroY), W, 1);
  const hl = new Set(highlight);
  for (let i = 0; i < data.length; i++) {
    const y = H - 1 - ((data[i] - lo) / span) * (H - 2);
    g.fillStyle = hl.has(i) ? accent : color;
    g.fillRect(i * bw, Math.min(y, zeroY), barW, Math.max(1, Math.abs(zeroY - y)));
  }
  return { lo, hi };
}

/**
 * @param {HTMLElement} container
 * @param {object} ctx the view context
 */
export function createSoftmaxView(container, ctx) {
  const { t } = ctx;
  let token = 0;
  let names = { passId: -1, byIndex: null };
  const banner = el('p', { class: 'banner', id: 'softmax-untrained', role: 'note' }, t('app.untrained'));
  const formula = el('p', { class: 'explain' });
  const sumLine = el('p', { class: 'formula', id: 'softmax-sum' });
  const logitsCanvas = el('canvas', { id: 'softmax-logits', role: 'img', class: 'bars' });
  const probCanvas = el('canvas', { id: 'softmax-bars', role: 'img', class: 'bars' });
  const hover = el('p', { class: 'hint', id: 'softmax-hover' }, t('soft.hover'));
  const table = el('table', { id: 'softmax-top', class: 'explain' });
  const logitsFig = el('figure', {});
  logitsFig.append(el('figcaption', {}, t('soft.logitsCaption')), logitsCanvas);
  const probFig = el('figure', {});
  probFig.append(el('figcaption', {}, t('soft.probCaption')), probCanvas);
  container.append(banner, formula, sumLine, logitsFig, probFig, hover, table);

  let current = null;
  function onHover(e) {
    if (!current) return;
    const canvas = e.currentTarget;
    const r = canvas.getBoundingClientRect();
    const i = Math.min(current.prob.length - 1, Math.max(0, Math.floor(((e.clientX - r.left) / r.width) * current.prob.length)));
    const name = names.byIndex?.get(i) ?? '';
    hover.textContent = t('soft.hoverClass', { i, name: name ? ` (${name})` : '', logit: formatValue(current.logits[i]), p: (current.prob[i] * 100).toFixed(3) });
  }
  logitsCanvas.addEventListener('mousemove', onHover);
  probCanvas.addEventListener('mousemove', onHover);

  async function loadNames(passId, n) {
    if (names.passId === passId) return;
    names = { passId, byIndex: null };
    try {
      const all = await ctx.client.get('top', { k: n });
      if (names.passId === passId) names.byIndex = new Map(all.map((p) => [p.index, p.name]));
    } catch {
      // Names are a hover nicety; the chart works without them.
    }
  }

  async function update(_state) {
    const my = ++token;
    const note = ctx.weightsNote?.() ?? (ctx.weightsInfo?.trained ? '' : t('app.untrained'));
    banner.hidden = !note;
    banner.textContent = note;
    const softmax = ctx.spec.layers.find((l) => l.kind === 'softmax');
    const logitsLayer = ctx.layer(softmax.input);
    formula.textContent = t('soft.formula', { id: softmax.id, logits: logitsLayer.id, n: softmax.out_shape[0] });
    const [prob, logits] = await Promise.all([ctx.tensor(softmax.id), ctx.tensor(logitsLayer.id)]);
    if (my !== token) return;
    if (!prob || !logits) {
      sumLine.textContent = t('soft.run');
      return;
    }
    current = { prob: prob.data, logits: logits.data };
    const n = prob.data.length;
    const top = topIndices(prob.data, 5);
    const s = sum64(prob.data);
    sumLine.textContent = t('soft.sum', { n, s: s.toFixed(6) });
    for (const c of [logitsCanvas, probCanvas]) {
      c.width = Math.max(n, 1000);
      c.height = 200;
    }
    const lr = drawBars(logitsCanvas, logits.data, top, '#b8a030', '#e15759');
    drawBars(probCanvas, prob.data, top, '#9aa5b1', '#e15759');
    const named = new Map((ctx.result?.()?.top ?? []).map((p) => [p.index, p.name]));
    await loadNames(ctx.passId?.() ?? 0, n);
    if (my !== token) return;
    const nameOf = (i) => (t.has?.(`class.${i}`) ? t(`class.${i}`) : null) ?? named.get(i) ?? names.byIndex?.get(i) ?? t('soft.class', { i });
    logitsCanvas.setAttribute('aria-label', t('soft.logitsLabel', { n, lo: formatValue(lr.lo), hi: formatValue(lr.hi), list: top.map(nameOf).join(', ') }));
    probCanvas.setAttribute('aria-label', t('soft.probLabel', { n, list: top.map((i) => `${nameOf(i)} ${(prob.data[i] * 100).toFixed(1)}%`).join(', ') }));
    table.replaceChildren();
    const head = el('tr', {});
    for (const key of ['soft.colRank', 'soft.colClass', 'soft.colLogit', 'soft.colProb']) head.append(el('th', {}, t(key)));
    table.append(head);
    top.forEach((i, r) => {
      const row = el('tr', {});
      row.append(el('td', {}, String(r + 1)), el('td', {}, `${nameOf(i)} (${i})`), el('td', {}, formatValue(logits.data[i])), el('td', {}, `${(prob.data[i] * 100).toFixed(2)}%`));
      table.append(row);
    });
  }

  return {
    update,
    destroy() {
      token++;
      container.replaceChildren();
    },
  };
}
