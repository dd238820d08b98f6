// FC view as a container: controls, state and engine queries (the tensors, one weight row, the biases).
import { formulaText, shapeText, kernelText, fcInputs } from '../../shared/geometry.js';
import { el, canvasEl, waitingNote } from '../kit/dom.js';
import { canvasPoint, fitCanvas, viewWidth } from '../kit/canvas.js';
import { fmtInt, fmtNum } from '../kit/format.js';
import { pickLayer, clampInt, passOf } from '../kit/state.js';
import { drawOutputs, drawRow, drawRowPending, tileAt } from './render.js';

/**
 * Mounts the fc view in `container`: a fully connected layer as one weight row per output; fc6 as a "full
 * convolution" whose 6×6×256 kernel collapses the pool5 volume to one number, fc7/fc8 as bars. render.js draws.
 */
export function createFcView(container, ctx) {
  const { spec, t } = ctx;
  const fcs = spec.layers.filter((l) => l.kind === 'fc');
  const layerSel = el('select', { 'aria-label': t('fc.layerLabel') }, fcs.map((l) => el('option', { value: l.id, text: l.id })));
  const nIn = el('input', { type: 'number', min: 0, 'aria-label': t('fc.neuron') });
  const intro = el('div', { class: 'xv-formula', id: 'fc-intro' });
  const outCanvas = canvasEl(t('fc.outLabel'), 'xv-fc-out');
  const rowCanvas = canvasEl(t('fc.rowLabel'), 'xv-fc-row');
  const hoverInfo = el('p', { class: 'xv-mono', id: 'fc-hover', text: ' ' });
  const dotLine = el('p', { id: 'fc-dot' });
  const waiting = waitingNote(t('common.waiting'));
  const root = el('section', { class: 'xv xv-fc', 'aria-label': t('view.fc') }, [
    el('div', { class: 'xv-controls' }, [el('label', {}, [t('common.layer'), layerSel]), el('label', {}, [t('fc.neuron'), nIn])]),
    intro, waiting, outCanvas, rowCanvas, hoverInfo, dotLine,
  ]);
  container.append(root);

  let gen = 0;
  let layer = null, neuron = 0;
  let input = null, output = null, row = null, bias = null;
  let outBars = null, tiles = null;
  let loadedPass = -1;

  async function load(l, n) {
    const my = ++gen;
    layer = l;
    neuron = n;
    bias = null; // new weights may have arrived with a new pass
    layerSel.value = l.id;
    nIn.max = String(l.c_out - 1);
    nIn.value = String(n);
    const spatialIn = l.in_shape.length === 3;
    const lines = [t('fc.introOutputs', { id: l.id, n: fmtInt(l.c_out), inputs: fmtInt(fcInputs(l)) }),
      t('fc.introWeights', { kernels: kernelText(l), w: fmtInt(l.weights), b: fmtInt(l.biases) })];
    if (spatialIn) {
      const [c, h, w] = l.in_shape;
      // fc6 read as a convolution whose kernel is as large as its input: (6 − 6 + 0)/1 + 1 = 1 position.
      lines.push(t('fc.asConv', { n: l.c_out, shape: shapeText(l.in_shape), input: l.input }),
        t('fc.fitsOnce', { formula: formulaText(w, w, 0, 1), n: l.c_out }),
        t('fc.flatten', { hw: h * w, w, c, h }),
        t('fc.seedCorrection', { wrong: shapeText(ctx.layer(l.input).in_shape), input: l.input, shape: shapeText(l.in_shape) }));
    }
    if (l.towers === 2) lines.push(t('fc.split', { half: l.c_out / 2, both: l.reads_both_towers ? t('fc.readsBoth') : '' }));
    intro.textContent = lines.join('\n');
    loadedPass = passOf(ctx);
    const [a, b] = await Promise.all([ctx.tensor(l.input), ctx.tensor(l.id)]);
    if (my !== gen) return;
    input = a; output = b;
    waiting.hidden = !!(a && b);
    await loadRow();
  }

  async function loadRow() {
    const my = gen, l = layer, n = neuron;
    row = null;
    draw();
    const [r, bs] = await Promise.all([
      ctx.client.get('kernel', { layer: l.id, oc: n }).catch(() => null),
      bias && bias.layer === l.id ? bias : ctx.client.get('bias', { layer: l.id }).then((v) => ({ layer: l.id, v })).catch(() => null),
    ]);
    if (my !== gen || n !== neuron) return;
    row = r;
    bias = bs;
    draw();
  }

  function draw() {
    if (!layer || !output) { fitCanvas(outCanvas, 10, 10); fitCanvas(rowCanvas, 10, 10); return; }
    const o = { layer, neuron, output, input, row, width: viewWidth(root), colors: ctx.colors, t };
    outBars = drawOutputs(outCanvas, o);
    if (!row || !input) {
      drawRowPending(rowCanvas, { ...o, loading: row === null && !!input });
      dotLine.textContent = '';
      return;
    }
    tiles = drawRow(rowCanvas, o);
    showDot();
  }

  // The row's dot product with the input, plus the bias, beside the engine's output (one value, to explain it).
  function showDot() {
    let dot = 0;
    for (let i = 0; i < row.length; i++) dot += row[i] * input.data[i];
    const b = bias?.v?.[neuron];
    const engine = output.data[neuron];
    const value = b === undefined ? null : dot + b;
    const ok = value !== null && Math.abs(value - engine) <= 1e-3 * Math.max(1, Math.abs(engine));
    dotLine.replaceChildren(t('fc.sum', { n: fmtInt(row.length), dot: fmtNum(dot, 6) }),
      b === undefined ? '' : t('fc.plusBias', { b: fmtNum(b, 6), v: fmtNum(value, 6) }), t('fc.engine', { id: layer.id, neuron }),
      el('strong', { text: fmtNum(engine, 6) }), ' ',
      value === null ? '' : el('span', { class: ok ? 'xv-ok' : 'xv-bad', text: ok ? t('fc.same') : t('fc.differs') }));
    // Both canvases' text alternative: the chosen neuron, its value and what it is made of.
    const alt = t('fc.alt', { id: layer.id, neuron, value: fmtNum(engine, 4), n: fmtInt(row.length) });
    outCanvas.setAttribute('aria-label', alt);
    rowCanvas.setAttribute('aria-label', alt);
  }

  outCanvas.addEventListener('click', (ev) => {
    if (!outBars) return;
    ctx.navigate({ channel: outBars.indexAt(canvasPoint(outCanvas, ev)[0]) });
  });
  rowCanvas.addEventListener('mousemove', (ev) => {
    if (!tiles || !row || !input) return;
    const [px, py] = canvasPoint(rowCanvas, ev);
    const hit = tileAt(tiles, px, py);
    if (!hit) return;
    hoverInfo.textContent = t('fc.hover', { input: layer.input, c: hit.c, y: hit.y, x: hit.x, hw: tiles.h * tiles.w, w: tiles.w, idx: hit.idx, xv: fmtNum(input.data[hit.idx]), wv: fmtNum(row[hit.idx]) });
  });
  layerSel.addEventListener('change', () => ctx.navigate({ layer: layerSel.value, channel: 0 }));
  nIn.addEventListener('change', () => ctx.navigate({ channel: clampInt(nIn.value, 0, layer.c_out - 1) }));

  const ro = new ResizeObserver(() => requestAnimationFrame(draw));
  ro.observe(root);

  return {
    update(state = {}) {
      const l = pickLayer(spec, state.layer, ['fc']);
      if (!l) return;
      const n = clampInt(state.channel ?? 0, 0, l.c_out - 1);
      if (l !== layer || !output || loadedPass !== passOf(ctx)) load(l, n);
      else if (n !== neuron) { neuron = n; nIn.value = String(n); loadRow(); }
    },
    destroy() { gen++; ro.disconnect(); root.remove(); },
  };
}
