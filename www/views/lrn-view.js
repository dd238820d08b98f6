// LRN view: local response normalisation at one position, Caffe's formula with the window's numbers, checked.
import { lrnWindow, towerOf } from '../shared/geometry.js';
import { el, canvasEl, waitingNote } from './kit/dom.js';
import { canvasPoint, fitCanvas, blit, viewWidth } from './kit/canvas.js';
import { maxAbs, sequential, mapCanvas } from './kit/heat.js';
import { fmtNum, fmtParam } from './kit/format.js';
import { pickLayer, clampInt, passOf } from './kit/state.js';
import { createFootprint } from './kit/footprint.js';

/**
 * Mounts the LRN view in `container`: one output value worked out from its window's numbers and checked against the
 * engine's.
 */
export function createLrnView(container, ctx) {
  const { spec, t } = ctx;
  const lrns = spec.layers.filter((l) => l.kind === 'lrn');
  const layerSel = el('select', { 'aria-label': t('lrn.layerLabel') }, lrns.map((l) => el('option', { value: l.id, text: l.id })));
  const cIn = el('input', { type: 'number', min: 0, 'aria-label': t('common.channel') });
  const yIn = el('input', { type: 'number', min: 0, 'aria-label': t('lrn.rowY') });
  const xIn = el('input', { type: 'number', min: 0, 'aria-label': t('lrn.colX') });
  const canvas = canvasEl(t('lrn.canvasLabel'), 'xv-lrn-canvas');
  const table = el('table', { 'aria-label': t('common.windowValues') });
  const formula = el('div', { class: 'xv-formula', id: 'lrn-formula' });
  const result = el('p', { id: 'lrn-result' });
  const waiting = waitingNote(t('common.waiting'));
  const paper = el('p', { class: 'xv-note' });
  const fp = createFootprint(ctx);
  const root = el('section', { class: 'xv xv-lrn', 'aria-label': t('view.lrn') }, [
    el('div', { class: 'xv-controls' }, [el('label', {}, [t('common.layer'), layerSel]), el('label', {}, [t('common.channel'), cIn]),
      el('label', {}, ['y', yIn]), el('label', {}, ['x', xIn])]),
    waiting, canvas,
    el('div', { class: 'xv-row' }, [table, el('div', {}, [formula, result])]),
    fp.element, paper,
  ]);
  container.append(root);

  let gen = 0;
  let layer = null, c = 0, y = 0, x = 0;
  let a = null, b = null;
  let hitMaps = [];
  let loadedPass = -1;

  async function load(l) {
    const my = ++gen;
    layer = l;
    layerSel.value = l.id;
    const [C, H, W] = l.out_shape;
    cIn.max = String(C - 1); yIn.max = String(H - 1); xIn.max = String(W - 1);
    const p = l.lrn;
    paper.textContent = t('lrn.paper', { k: fmtParam(p.k), alpha: fmtParam(p.alpha), n: p.size, beta: fmtParam(p.beta) });
    loadedPass = passOf(ctx);
    const [ta, tb] = await Promise.all([ctx.tensor(l.input), ctx.tensor(l.id)]);
    if (my !== gen) return;
    a = ta; b = tb;
    waiting.hidden = !!(a && b);
    draw();
  }

  function draw() {
    if (!layer) return;
    const [C, H, W] = layer.out_shape;
    cIn.value = String(c); yIn.value = String(y); xIn.value = String(x);
    const p = layer.lrn;
    const win = lrnWindow(C, c, p.size);
    const hw = H * W, i = y * W + x;
    if (!a || !b) { formula.textContent = ''; table.replaceChildren(); result.textContent = ''; fitCanvas(canvas, 10, 10); return; }
    // The maps of the window's channels, the centre one outlined, the position marked on each.
    const avail = viewWidth(root);
    const s = Math.min(170, (avail - 4 * 12) / 5);
    const g = fitCanvas(canvas, avail, s + 34);
    let m = 0;
    for (let j = win.start; j < win.end; j++) m = Math.max(m, maxAbs(a.data, j * hw, (j + 1) * hw));
    hitMaps = [];
    g.font = '12px system-ui, sans-serif';
    for (let j = c - Math.floor(p.size / 2), k = 0; k < p.size; j++, k++) {
      const px = k * (s + 12), py = 20;
      g.fillStyle = '#333';
      g.fillText(j >= 0 && j < C ? t('lrn.ch', { input: layer.input, j }) : t('lrn.noChannel', { j }), px, 13);
      if (j < 0 || j >= C) {
        g.strokeStyle = '#ccc';
        g.setLineDash([4, 3]);
        g.strokeRect(px, py, s, s);
        g.setLineDash([]);
        continue;
      }
      blit(g, mapCanvas(a.data, j * hw, H, W, (v) => sequential(v, m)), px, py, s, s);
      hitMaps.push({ x0: px, y0: py, s });
      const cell = s / W;
      g.strokeStyle = '#e15759';
      g.lineWidth = 2;
      g.strokeRect(px + x * cell - 1, py + y * cell - 1, cell + 2, cell + 2);
      if (j === c) { g.strokeStyle = ctx.colors.lrn; g.lineWidth = 3; g.strokeRect(px - 2, py - 2, s + 4, s + 4); }
    }
    // The numbers.
    let sum = 0;
    const rows = [el('tr', {}, [t('lrn.colChannel'), t('lrn.colTower'), 'a_j', 'a_j²'].map((text) => el('th', { text })))];
    for (let j = win.start; j < win.end; j++) {
      const v = a.data[j * hw + i];
      sum += v * v;
      const tw = towerOf(layer, j);
      rows.push(el('tr', { class: j === c ? 'xv-centre' : '' }, [
        el('td', { text: j }), el('td', { text: tw === null ? '' : t('common.gpu', { gpu: tw + 1 }) }), el('td', { text: fmtNum(v, 6) }), el('td', { text: fmtNum(v * v, 6) }),
      ]));
    }
    rows.push(el('tr', {}, [el('td', { text: 'Σ' }), el('td'), el('td'), el('td', { text: fmtNum(sum, 6) })]));
    table.replaceChildren(...rows);
    const av = a.data[c * hw + i];
    const denom = (p.k + (p.alpha / p.size) * sum) ** p.beta;
    const mine = av / denom;
    const engine = b.data[c * hw + i];
    canvas.setAttribute('aria-label', t('lrn.alt', { id: layer.id, c, y, x, a: fmtNum(av, 4), b: fmtNum(engine, 4), n: p.size }));
    formula.textContent =
      `b = a / (k + (α/n)·Σ a_j²)^β\n` +
      `  = ${fmtNum(av, 6)} / (${fmtParam(p.k)} + (${fmtParam(p.alpha)}/${p.size})·${fmtNum(sum, 6)})^${fmtParam(p.beta)}\n` +
      `  = ${fmtNum(av, 6)} / ${fmtNum(denom, 7)}\n` +
      `  = ${fmtNum(mine, 6)}` + (win.end - win.start < p.size ? `\n${t('lrn.clipped', { first: win.start, last: win.end - 1 })}` : '');
    const ok = Math.abs(mine - engine) <= 1e-4 * Math.max(1, Math.abs(engine));
    result.replaceChildren(t('lrn.engine', { id: layer.id, c, y, x }), el('strong', { text: fmtNum(engine, 6) }), ' ',
      el('span', { class: ok ? 'xv-ok' : 'xv-bad', text: ok ? t('common.same') : t('common.differs', { d: fmtNum(engine - mine) }) }),
      t('lrn.divisor', { d: fmtNum(denom, 5), what: t(denom < 1.01 ? 'lrn.divisorSmall' : 'lrn.divisorShrinks') }));
  }

  const change = () => ctx.navigate({ channel: clampInt(cIn.value, 0, layer.out_shape[0] - 1), y: clampInt(yIn.value, 0, layer.out_shape[1] - 1), x: clampInt(xIn.value, 0, layer.out_shape[2] - 1) });
  cIn.addEventListener('change', change);
  yIn.addEventListener('change', change);
  xIn.addEventListener('change', change);
  layerSel.addEventListener('change', () => ctx.navigate({ layer: layerSel.value }));
  canvas.addEventListener('click', (ev) => {
    const [px, py] = canvasPoint(canvas, ev);
    for (const h of hitMaps) {
      if (px >= h.x0 && px < h.x0 + h.s && py >= h.y0 && py < h.y0 + h.s) {
        const [, H, W] = layer.out_shape;
        ctx.navigate({ y: clampInt(((py - h.y0) / h.s) * H - 0.5, 0, H - 1), x: clampInt(((px - h.x0) / h.s) * W - 0.5, 0, W - 1) });
      }
    }
  });

  const ro = new ResizeObserver(() => requestAnimationFrame(draw));
  ro.observe(root);

  return {
    update(state = {}) {
      const l = pickLayer(spec, state.layer, ['lrn']);
      if (!l) return;
      const [C, H, W] = l.out_shape;
      c = clampInt(state.channel ?? 0, 0, C - 1);
      y = clampInt(state.y ?? Math.floor(H / 2), 0, H - 1);
      x = clampInt(state.x ?? Math.floor(W / 2), 0, W - 1);
      fp.update({ layer: l.id, channel: c, y, x });
      if (l !== layer || !a || loadedPass !== passOf(ctx)) load(l);
      else draw();
    },
    destroy() { gen++; ro.disconnect(); root.remove(); },
  };
}
