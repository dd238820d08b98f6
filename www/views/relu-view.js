// ReLU view: one channel before (the conv or fc output) and after the ReLU, with the negative values that become 0 marked.
import { towerOf, shapeText } from '../shared/geometry.js';
import { el, canvasEl, waitingNote } from './kit/dom.js';
import { fitCanvas, blit, hatch, viewWidth } from './kit/canvas.js';
import { maxAbs, diverging, mapCanvas } from './kit/heat.js';
import { drawBars } from './kit/bars.js';
import { fmtInt, fmtPct } from './kit/format.js';
import { pickLayer, clampInt, passOf } from './kit/state.js';

/** Mounts the ReLU view in `container`. */
export function createReluView(container, ctx) {
  const { spec, t, colors } = ctx;
  const relus = spec.layers.filter((l) => l.kind === 'relu');
  const layerSel = el('select', { 'aria-label': t('relu.layerLabel') }, relus.map((l) => el('option', { value: l.id, text: l.id })));
  const chIn = el('input', { type: 'number', min: 0, step: 1, 'aria-label': t('common.channel') });
  const chLabel = el('label', {}, [t('common.channel'), chIn]);
  const towerNote = el('span', { class: 'xv-note' });
  const canvas = canvasEl(t('relu.canvasLabel'), 'xv-relu-canvas');
  const counts = el('p', { id: 'relu-counts' });
  const waiting = waitingNote(t('common.waiting'));
  const root = el('section', { class: 'xv xv-relu', 'aria-label': t('view.relu') }, [
    el('p', { class: 'xv-note', text: t('relu.intro') }),
    el('div', { class: 'xv-controls' }, [el('label', {}, [t('common.layer'), layerSel]), chLabel, towerNote]),
    waiting, canvas, counts,
  ]);
  container.append(root);

  let gen = 0;
  let layer = null, channel = 0;
  let before = null, after = null;
  let loadedPass = -1;

  async function load(l, c) {
    const my = ++gen;
    layer = l;
    layerSel.value = l.id;
    const spatial = l.out_shape.length === 3;
    chLabel.hidden = !spatial;
    channel = spatial ? clampInt(c ?? 0, 0, l.out_shape[0] - 1) : 0;
    chIn.max = String(l.out_shape[0] - 1);
    chIn.value = String(channel);
    const tw = spatial ? towerOf(l, channel) : null;
    towerNote.textContent = t('relu.tower', { input: l.input, id: l.id, shape: shapeText(l.out_shape), where: tw === null ? '' : t('relu.lives', { ch: channel, gpu: tw + 1 }) });
    loadedPass = passOf(ctx);
    const [b, a] = await Promise.all([ctx.tensor(l.input), ctx.tensor(l.id)]);
    if (my !== gen) return;
    before = b; after = a;
    waiting.hidden = !!(b && a);
    draw();
  }

  function draw() {
    if (!before || !after) { fitCanvas(canvas, 10, 10); counts.textContent = ''; return; }
    const spatial = layer.out_shape.length === 3;
    const avail = viewWidth(root);
    let neg = 0, total = 0;
    for (const v of before.data) if (v < 0) neg++;
    total = before.data.length;
    if (spatial) {
      const [, h, w] = layer.out_shape;
      const off = channel * h * w;
      let negC = 0;
      for (let i = 0; i < h * w; i++) if (before.data[off + i] < 0) negC++;
      const m = maxAbs(before.data, off, off + h * w);
      const s = Math.min(380, (avail - 60) / 2);
      const g = fitCanvas(canvas, avail, s + 30);
      const pat = hatch(g, 'rgba(20,40,90,0.55)', 5);
      const imgB = mapCanvas(before.data, off, h, w, (v) => diverging(v, m));
      const imgA = mapCanvas(after.data, off, h, w, (v) => diverging(v, m));
      const cell = s / Math.max(h, w);
      g.font = '12px system-ui, sans-serif';
      g.fillStyle = '#333';
      g.fillText(t('relu.before', { input: layer.input, ch: channel }), 0, 14);
      g.fillText(t('relu.after', { id: layer.id }), s + 60, 14);
      blit(g, imgB, 0, 22, w * cell, h * cell);
      blit(g, imgA, s + 60, 22, w * cell, h * cell);
      // Hatch the values the ReLU zeroed, on the "after" map.
      g.fillStyle = pat;
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
        if (before.data[off + y * w + x] < 0) g.fillRect(s + 60 + x * cell, 22 + y * cell, cell, cell);
      }
      g.strokeStyle = '#bbb';
      g.strokeRect(0, 22, w * cell, h * cell);
      g.strokeRect(s + 60, 22, w * cell, h * cell);
      g.fillStyle = colors.relu;
      g.font = '600 20px system-ui, sans-serif';
      g.fillText('→', s + 18, 22 + s / 2);
      counts.replaceChildren(`${t('relu.countsChannel', { ch: channel, neg: fmtInt(negC), n: fmtInt(h * w), pct: fmtPct(negC / (h * w)) })} `,
        t('relu.countsLayer', { neg: fmtInt(neg), n: fmtInt(total), pct: fmtPct(neg / total) }));
    } else {
      const g = fitCanvas(canvas, avail, 300);
      const range = [Math.min(0, ...sample(before.data, 'min')), Math.max(0, ...sample(before.data, 'max'))];
      g.font = '12px system-ui, sans-serif';
      g.fillStyle = '#333';
      g.fillText(t('relu.beforeVec', { input: layer.input, n: fmtInt(total) }), 0, 12);
      drawBars(g, before.data, 0, 18, avail, 115, { color: colors.fc, range });
      g.fillStyle = '#333';
      g.fillText(t('relu.afterVec', { id: layer.id }), 0, 160);
      drawBars(g, after.data, 0, 166, avail, 115, { color: colors.relu, range });
      counts.textContent = t('relu.countsVec', { neg: fmtInt(neg), n: fmtInt(total), pct: fmtPct(neg / total) });
    }
    // The picture's text alternative is the count it illustrates, with the canvas's own description first.
    canvas.setAttribute('aria-label', `${t('relu.canvasLabel')}: ${counts.textContent}`);
  }

  layerSel.addEventListener('change', () => ctx.navigate({ layer: layerSel.value, channel: 0 }));
  chIn.addEventListener('change', () => ctx.navigate({ channel: clampInt(chIn.value, 0, layer.out_shape[0] - 1) }));
  const ro = new ResizeObserver(() => requestAnimationFrame(draw));
  ro.observe(root);

  return {
    update(state = {}) {
      const l = pickLayer(spec, state.layer, ['relu']);
      if (!l) return;
      let c = state.channel;
      if (c === undefined && state.tower !== undefined && l.towers === 2) c = state.tower * (l.out_shape[0] / 2);
      if (l !== layer || (c ?? 0) !== channel || !before || loadedPass !== passOf(ctx)) load(l, c);
    },
    destroy() { gen++; ro.disconnect(); root.remove(); },
  };
}

// Min/max without spreading a 4096-long array into Math.min's arguments more than once.
function sample(data, which) {
  let v = which === 'min' ? Infinity : -Infinity;
  for (const x of data) v = which === 'min' ? Math.min(v, x) : Math.max(v, x);
  return [v];
}
