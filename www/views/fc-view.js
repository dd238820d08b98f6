// FC view: a fully connected layer as one weight row per output; fc6 as a "full convolution" whose 6×6×256 kernel
// collapses the pool5 volume to one number, fc7/fc8 as bars of activations.
import { KIND_COLORS } from '../shared/config.js';
import { formulaText, shapeText, kernelText, fcInputs, findLayer } from '../shared/geometry.js';
import { el, canvasEl, canvasPoint, fitCanvas, fmtInt, fmtNum, maxAbs, diverging, mapCanvas, drawBars, pickLayer, clampInt, waitingNote, passOf } from './view-kit.js';
import { t as pageT } from '../shared/i18n.js';

/** Mounts the fc view in `container`. */
export function createFcView(container, ctx) {
  const { spec } = ctx;
  const t = ctx.t ?? pageT;
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
      lines.push(t('fc.asConv', { n: l.c_out, shape: shapeText(l.in_shape), input: l.input }),
        t('fc.fitsOnce', { formula: formulaText(w, w, 0, 1), n: l.c_out }),
        t('fc.flatten', { hw: h * w, w, c, h }),
        t('fc.seedCorrection', { wrong: shapeText(findLayer(spec, l.input).in_shape), input: l.input, shape: shapeText(l.in_shape) }));
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
    const avail = Math.max(640, Math.min(1100, root.clientWidth || 900));
    const g = fitCanvas(outCanvas, avail, 150);
    g.font = '12px system-ui, sans-serif';
    g.fillStyle = '#333';
    g.fillText(t('fc.outputs', { id: layer.id, n: fmtInt(output.data.length), neuron, v: fmtNum(output.data[neuron], 6) }), 0, 12);
    outBars = drawBars(g, output.data, 0, 20, avail, 120, { color: KIND_COLORS.fc, highlight: neuron });
    if (layer.towers === 2) {
      g.strokeStyle = '#999';
      g.setLineDash([4, 3]);
      g.beginPath();
      g.moveTo(avail / 2, 18); g.lineTo(avail / 2, 142);
      g.stroke();
      g.setLineDash([]);
      g.fillStyle = '#777';
      g.fillText(t('common.gpu', { gpu: 1 }), 4, 146);
      g.fillText(t('common.gpu', { gpu: 2 }), avail / 2 + 4, 146);
    }
    drawRow(avail);
  }

  function drawRow(avail) {
    const spatialIn = layer.in_shape.length === 3;
    if (!row || !input) {
      const g = fitCanvas(rowCanvas, avail, 30);
      g.font = '12px system-ui, sans-serif';
      g.fillStyle = '#777';
      g.fillText(row === null && input ? t('fc.loadingRow') : '', 0, 18);
      dotLine.textContent = '';
      return;
    }
    let dot = 0;
    for (let i = 0; i < row.length; i++) dot += row[i] * input.data[i];
    const b = bias?.v?.[neuron];
    const engine = output.data[neuron];
    if (spatialIn) {
      // 256 slices of 6×6 each: the input volume and the weight row reshaped to it, side by side.
      const [c, h, w] = layer.in_shape;
      const perRow = Math.ceil(Math.sqrt(c));
      const half = (avail - 30) / 2;
      const tile = Math.max(2, Math.floor(half / perRow / (w + 1)));
      const tpx = tile * w + tile;
      const rows = Math.ceil(c / perRow);
      const H = rows * tpx + 24;
      const g = fitCanvas(rowCanvas, avail, H);
      const mIn = maxAbs(input.data), mW = maxAbs(row);
      const imgIn = mapCanvas(input.data, 0, c * h, w, (v) => diverging(v, mIn));
      const imgW = mapCanvas(row, 0, c * h, w, (v) => diverging(v, mW));
      g.font = '12px system-ui, sans-serif';
      g.fillStyle = '#333';
      g.fillText(t('fc.inputSlices', { input: layer.input, c, w, h }), 0, 12);
      g.fillText(t('fc.rowShape', { neuron, c, h, w }), half + 30, 12);
      g.imageSmoothingEnabled = false;
      for (let k = 0; k < c; k++) {
        const tx = (k % perRow) * tpx, ty = 20 + Math.floor(k / perRow) * tpx;
        g.drawImage(imgIn, 0, k * h, w, h, tx, ty, tile * w, tile * h);
        g.drawImage(imgW, 0, k * h, w, h, half + 30 + tx, ty, tile * w, tile * h);
      }
      tiles = { perRow, tpx, tile, c, h, w, x0: [0, half + 30], y0: 20 };
    } else {
      const g = fitCanvas(rowCanvas, avail, 250);
      g.font = '12px system-ui, sans-serif';
      g.fillStyle = '#333';
      g.fillText(t('fc.inputValues', { input: layer.input, n: fmtInt(input.data.length) }), 0, 12);
      drawBars(g, input.data, 0, 18, avail, 95, { color: KIND_COLORS.relu });
      g.fillStyle = '#333';
      g.fillText(t('fc.rowOf', { neuron, id: layer.id, n: fmtInt(row.length) }), 0, 136);
      drawBars(g, row, 0, 142, avail, 95, { color: KIND_COLORS.fc });
      tiles = null;
    }
    const value = b === undefined ? null : dot + b;
    const ok = value !== null && Math.abs(value - engine) <= 1e-3 * Math.max(1, Math.abs(engine));
    dotLine.replaceChildren(t('fc.sum', { n: fmtInt(row.length), dot: fmtNum(dot, 6) }),
      b === undefined ? '' : t('fc.plusBias', { b: fmtNum(b, 6), v: fmtNum(value, 6) }), t('fc.engine', { id: layer.id, neuron }),
      el('strong', { text: fmtNum(engine, 6) }), ' ',
      value === null ? '' : el('span', { class: ok ? 'xv-ok' : 'xv-bad', text: ok ? t('fc.same') : t('fc.differs') }));
  }

  outCanvas.addEventListener('click', (ev) => {
    if (!outBars) return;
    ctx.navigate({ channel: outBars.indexAt(canvasPoint(outCanvas, ev)[0]) });
  });
  rowCanvas.addEventListener('mousemove', (ev) => {
    if (!tiles || !row || !input) return;
    const [px, py] = canvasPoint(rowCanvas, ev);
    for (const x0 of tiles.x0) {
      const lx = px - x0, ly = py - tiles.y0;
      if (lx < 0 || ly < 0) continue;
      const col = Math.floor(lx / tiles.tpx), rr = Math.floor(ly / tiles.tpx);
      const inX = Math.floor((lx % tiles.tpx) / tiles.tile), inY = Math.floor((ly % tiles.tpx) / tiles.tile);
      const c = rr * tiles.perRow + col;
      if (col >= tiles.perRow || c >= tiles.c || inX >= tiles.w || inY >= tiles.h) continue;
      const idx = c * tiles.h * tiles.w + inY * tiles.w + inX;
      hoverInfo.textContent = t('fc.hover', { input: layer.input, c, y: inY, x: inX, hw: tiles.h * tiles.w, w: tiles.w, idx, xv: fmtNum(input.data[idx]), wv: fmtNum(row[idx]) });
      return;
    }
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
