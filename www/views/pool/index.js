// Pool view as a container: controls, state and engine queries (the tensors, the arg-max) for max pooling.
import { poolCoverage, formulaText, layerFormulaText, towerOf, shapeText } from '../../shared/geometry.js';
import { el, canvasEl, waitingNote } from '../kit/dom.js';
import { canvasPoint, fitCanvas, viewWidth } from '../kit/canvas.js';
import { fmtInt, fmtNum } from '../kit/format.js';
import { pickLayer, clampInt, passOf } from '../kit/state.js';
import { drawPool, windowDetail } from './render.js';
import { createFootprint } from '../kit/footprint.js';

/**
 * Mounts the pool view in `container`: overlapping 3×3 stride-2 max pooling drawn over its input map, the winners
 * from the engine's arg-max, and how 55→27→13→6 follow from (W−F+2P)/S+1. render.js draws.
 */
export function createPoolView(container, ctx) {
  const { spec, t } = ctx;
  const pools = spec.layers.filter((l) => l.kind === 'pool');
  const layerSel = el('select', { 'aria-label': t('pool.layerLabel') }, pools.map((l) => el('option', { value: l.id, text: l.id })));
  const chIn = el('input', { type: 'number', min: 0, 'aria-label': t('common.channel') });
  const covBox = el('input', { type: 'checkbox', checked: true, 'aria-label': t('pool.shadeLabel') });
  const towerNote = el('span', { class: 'xv-note' });
  const canvas = canvasEl(t('pool.canvasLabel'), 'xv-pool-canvas');
  const sizes = el('div', { class: 'xv-formula', id: 'pool-formulas' });
  const detail = el('div', { id: 'pool-detail' });
  const coverage = el('p', { class: 'xv-note' });
  const waiting = waitingNote(t('common.waiting'));
  const fp = createFootprint(ctx);
  const root = el('section', { class: 'xv xv-pool', 'aria-label': t('view.pool') }, [
    el('div', { class: 'xv-controls' }, [el('label', {}, [t('common.layer'), layerSel]), el('label', {}, [t('common.channel'), chIn]),
      el('label', {}, [covBox, t('pool.shade')]), towerNote]),
    sizes, waiting, canvas, detail, fp.element, coverage,
  ]);
  container.append(root);
  // The seed's 224 → 112 example is not one of AlexNet's layers, so its size is worked out here.
  sizes.textContent = pools.map((l) => `${l.id}: ${layerFormulaText(l)}  (${shapeText(l.in_shape)} → ${shapeText(l.out_shape)})`).join('\n') +
    `\n${t('pool.seedExample', { formula: formulaText(224, 2, 0, 2) })}`;

  let gen = 0;
  let layer = null, channel = 0, sy = 0, sx = 0;
  let input = null, output = null, argmax = null;
  let geo = null;
  let cov = null;
  let loadedPass = -1;

  async function load(l) {
    const my = ++gen;
    layer = l;
    layerSel.value = l.id;
    cov = poolCoverage(l);
    const hist = cov.histogram;
    coverage.textContent = t('pool.coverage', {
      k: l.k, s: l.stride, shape: shapeText(l.in_shape, '').replace(/×$/, ''),
      list: [...hist.entries()].sort((p, q) => p[0] - q[0]).map(([k, n]) => t(k > 1 ? 'pool.lieIn' : 'pool.lieIn1', { n: fmtInt(n), k })).join(', '),
    });
    loadedPass = passOf(ctx);
    const [a, b] = await Promise.all([ctx.tensor(l.input), ctx.tensor(l.id)]);
    if (my !== gen) return;
    // Asked only once the layer exists: during a pass the session cannot answer for a layer it has not run yet.
    const am = b ? await ctx.client.get('pool-argmax', { layer: l.id }).catch(() => null) : null;
    if (my !== gen) return;
    input = a; output = b; argmax = am;
    waiting.hidden = !!(a && b);
    draw();
  }

  function draw() {
    if (!layer) return;
    chIn.max = String(layer.out_shape[0] - 1);
    chIn.value = String(channel);
    const tw = towerOf(layer, channel);
    towerNote.textContent = tw === null ? '' : t('pool.onGpu', { ch: channel, gpu: tw + 1 });
    if (!input || !output) { fitCanvas(canvas, 10, 10); detail.replaceChildren(); return; }
    const o = { layer, channel, sy, sx, input, output, argmax, t };
    const drawn = drawPool(canvas, { ...o, coverage: covBox.checked ? cov : null, width: viewWidth(root), color: ctx.colors.pool });
    geo = drawn.geo;
    detail.replaceChildren(windowDetail({ ...o, winner: drawn.winner }));
    const [, oh, ow] = layer.out_shape;
    const value = output.data[(channel * oh + sy) * ow + sx];
    canvas.setAttribute('aria-label', t('pool.alt', { id: layer.id, ch: channel, y: sy, x: sx, k: layer.k, value: fmtNum(value, 4) }));
  }

  function pick(ev, commit) {
    if (!geo) return;
    const [px, py] = canvasPoint(canvas, ev);
    let y = -1, x = -1;
    if (px >= geo.ox && py >= geo.oy && px < geo.ox + geo.ow * geo.co && py < geo.oy + geo.oh * geo.co) {
      y = Math.floor((py - geo.oy) / geo.co); x = Math.floor((px - geo.ox) / geo.co);
    } else if (px >= geo.ix && py >= geo.iy && px < geo.ix + geo.iw * geo.ci && py < geo.iy + geo.ih * geo.ci) {
      // An input pixel picks the window whose start is nearest at or before it.
      const iy = Math.floor((py - geo.iy) / geo.ci), ix = Math.floor((px - geo.ix) / geo.ci);
      y = clampInt(Math.floor(iy / layer.stride), 0, geo.oh - 1); x = clampInt(Math.floor(ix / layer.stride), 0, geo.ow - 1);
    }
    if (y < 0) return;
    if (commit) ctx.navigate({ y, x });
    else if (y !== sy || x !== sx) { sy = y; sx = x; requestAnimationFrame(draw); fp.show(layer.id, channel, y, x); }
  }
  canvas.addEventListener('mousemove', (ev) => pick(ev, false));
  canvas.addEventListener('click', (ev) => pick(ev, true));
  canvas.tabIndex = 0;
  canvas.addEventListener('keydown', (ev) => {
    const d = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] }[ev.key];
    if (!d || !layer) return;
    ev.preventDefault();
    ctx.navigate({ y: clampInt(sy + d[0], 0, layer.out_shape[1] - 1), x: clampInt(sx + d[1], 0, layer.out_shape[2] - 1) });
  });
  layerSel.addEventListener('change', () => ctx.navigate({ layer: layerSel.value }));
  chIn.addEventListener('change', () => ctx.navigate({ channel: clampInt(chIn.value, 0, layer.out_shape[0] - 1) }));
  covBox.addEventListener('change', () => draw());

  const ro = new ResizeObserver(() => requestAnimationFrame(draw));
  ro.observe(root);

  return {
    update(state = {}) {
      const l = pickLayer(spec, state.layer, ['pool']);
      if (!l) return;
      const [C, oh, ow] = l.out_shape;
      let c = state.channel;
      if (c === undefined && state.tower !== undefined) c = state.tower * (C / 2);
      channel = clampInt(c ?? 0, 0, C - 1);
      sy = clampInt(state.y ?? 0, 0, oh - 1);
      sx = clampInt(state.x ?? 0, 0, ow - 1);
      fp.update({ layer: l.id, channel, y: sy, x: sx });
      if (l !== layer || !input || loadedPass !== passOf(ctx)) load(l);
      else draw();
    },
    destroy() { gen++; ro.disconnect(); root.remove(); },
  };
}
