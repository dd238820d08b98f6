// Feature maps view: every channel of a layer as a small canvas, grouped by GPU tower, with a shared colour scale and a zoom.

import { rangeOf, unionRange, scaleFor, paint, cssGradient, formatValue } from '../shared/colormap.js';
import { t as pageT } from '../shared/i18n.js';

const SCALE_MODES = [
  ['map', 'maps.scaleMap'],
  ['layer', 'maps.scaleLayer'],
  ['global', 'maps.scaleGlobal'],
];

/**
 * The global range of one pass, computed once per pass (it reads every spatial tensor). Kept per client, because
 * embeds on one page may run different images in different workers whose pass ids coincide.
 * @type {WeakMap<object, {passId: number, range: object}>}
 */
const globalCaches = new WeakMap();

async function globalRange(ctx) {
  const passId = ctx.passId?.() ?? 0;
  const key = ctx.client ?? ctx;
  const globalCache = globalCaches.get(key);
  if (globalCache?.passId === passId && globalCache.range) return globalCache.range;
  // The input (mean-subtracted pixels, ±150) is left out: it would flatten every activation map to one colour.
  const ids = ctx.spec.layers.filter((l) => l.out_shape.length === 3).map((l) => l.id);
  const tensors = await Promise.all(ids.map((id) => ctx.tensor(id)));
  const range = unionRange(tensors.filter(Boolean).map((t) => rangeOf(t.data)));
  globalCaches.set(key, { passId, range });
  return range;
}

/** Painting stops after this long and lets the browser draw and handle input before it goes on (issue 4: no task > 50 ms). */
const SLICE_MS = 8;

/** Give the main thread back for a moment: the browser paints what is there and handles input, then painting goes on. */
function yieldToBrowser() {
  if (globalThis.scheduler?.yield) return globalThis.scheduler.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function h(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * @param {HTMLElement} container
 * @param {object} ctx the view context (spec, layer(id), tensor(id), navigate, ...)
 */
export function createMapsView(container, ctx) {
  const t = ctx.t ?? pageT;
  let token = 0;
  let sortByActivation = false;
  /** The cells of the layer on screen: {layerId, c, h, w, cells: [{button, canvas, image}]}. */
  let grid = null;
  let lastState = null;
  let lastTensor = null;

  const scaleSelect = h('select', { id: 'maps-scale', 'aria-label': t('maps.scale') });
  for (const [value, key] of SCALE_MODES) scaleSelect.append(new Option(t(key), value));
  const sortBox = h('input', { type: 'checkbox', id: 'maps-sort' });
  const sortLabel = h('label', {});
  sortLabel.append(sortBox, ` ${t('maps.sort')}`);
  const legend = h('span', { class: 'legend', id: 'maps-legend' });
  const toolbar = h('div', { class: 'toolbar' });
  const scaleLabel = h('label', {}, `${t('maps.scale')} `);
  scaleLabel.append(scaleSelect);
  toolbar.append(scaleLabel, sortLabel, legend);

  const zoom = h('div', { class: 'zoom', id: 'maps-zoom', hidden: '' });
  const zoomCanvas = h('canvas', { id: 'maps-zoom-canvas', role: 'img', class: 'pixelated' });
  const readout = h('div', { class: 'readout' });
  zoom.append(zoomCanvas, readout);
  const note = h('p', { class: 'explain' });
  const towersBox = h('div', { id: 'maps-grid' });
  container.append(note, toolbar, zoom, towersBox);

  scaleSelect.addEventListener('change', () => ctx.navigate({ scale: scaleSelect.value }, { replace: true }));
  sortBox.addEventListener('change', () => {
    sortByActivation = sortBox.checked;
    if (lastState) update(lastState);
  });
  zoomCanvas.addEventListener('mousemove', (e) => {
    if (!lastTensor || lastState?.channel === undefined) return;
    const [, H, W] = lastTensor.shape;
    const r = zoomCanvas.getBoundingClientRect();
    const x = Math.min(W - 1, Math.max(0, Math.floor(((e.clientX - r.left) / r.width) * W)));
    const y = Math.min(H - 1, Math.max(0, Math.floor(((e.clientY - r.top) / r.height) * H)));
    const v = lastTensor.data[lastState.channel * H * W + y * W + x];
    readout.dataset.hover = `(${y}, ${x}) = ${formatValue(v)}`;
    renderReadout();
  });

  let readoutBase = '';
  function renderReadout() {
    readout.textContent = readoutBase + (readout.dataset.hover ? `\n${t('maps.under', { value: readout.dataset.hover })}` : '');
    readout.style.whiteSpace = 'pre-line';
  }

  function channelName(layer, c) {
    if (layer.kind === 'data') return `${ctx.spec.input.channel_order?.[c] ?? c}`;
    return String(c);
  }

  /**
   * (Re)build the grid's tower sections when the layer or its shape changes; otherwise reuse it. The cells
   * themselves are made by `cellAt` as painting reaches them, so a new grid of 96–384 canvases is spread over
   * several short tasks instead of one long one.
   */
  function ensureGrid(layer, C, H, W) {
    if (grid && grid.layerId === layer.id && grid.c === C && grid.h === H && grid.w === W) return;
    towersBox.replaceChildren();
    const towers = layer.towers === 2 ? 2 : 1;
    const per = C / towers;
    const cells = [];
    const groups = [];
    for (let tw = 0; tw < towers; tw++) {
      const section = h('section', { class: 'tower', 'data-tower': String(tw) });
      const title = towers === 2
        ? t('common.gpuChannels', { gpu: tw + 1, first: tw * per, last: (tw + 1) * per - 1 })
        : t(C === 1 ? 'maps.channel1' : 'maps.channels', { c: C });
      section.append(h('h3', {}, title));
      const gridEl = h('div', { class: 'map-grid' });
      gridEl.style.setProperty('--cell', `${Math.round(Math.max(40, Math.min(170, W * 1.2)))}px`);
      section.append(gridEl);
      towersBox.append(section);
      groups.push(gridEl);
    }
    grid = { layerId: layer.id, c: C, h: H, w: W, per, cells, groups, order: [...Array(C).keys()].join(',') };
  }

  /** Channel c's cell, made and appended to its tower the first time it is asked for (in channel order). */
  function cellAt(layer, c) {
    if (grid.cells[c]) return grid.cells[c];
    const { w: W, h: H } = grid;
    const group = grid.groups[Math.floor(c / grid.per)];
    const button = h('button', { type: 'button', class: 'map-cell', 'data-channel': String(c), 'aria-pressed': 'false' });
    const canvas = h('canvas', { role: 'img', id: `map-${layer.id}-${c}` });
    canvas.width = W;
    canvas.height = H;
    button.append(canvas, h('span', { class: 'idx' }, channelName(layer, c)));
    button.addEventListener('click', () => ctx.navigate({ channel: c }, { replace: true }));
    group.append(button);
    grid.cells[c] = { button, canvas, image: new ImageData(W, H), group };
    return grid.cells[c];
  }

  function setLegend(scale, mode) {
    legend.replaceChildren();
    const ramp = h('span', { class: 'ramp' });
    ramp.style.background = cssGradient(scale.lut);
    if (mode === 'map') {
      legend.append(t('maps.low'), ramp, t('maps.high'), h('span', {}, ` ${t('maps.perMapNote')}`));
    } else {
      legend.append(formatValue(scale.lo), ramp, formatValue(scale.hi));
    }
  }

  async function update(state) {
    lastState = state;
    const my = ++token;
    const layer = ctx.layer(state.layer);
    scaleSelect.value = state.scale && SCALE_MODES.some(([m]) => m === state.scale) ? state.scale : 'layer';
    const mode = scaleSelect.value;
    if (!layer || layer.out_shape.length !== 3) {
      towersBox.replaceChildren(h('p', { class: 'coming-soon' }, t('maps.vector', { id: state.layer })));
      grid = null;
      return;
    }
    const [C, H, W] = layer.out_shape;
    note.textContent = layer.kind === 'data'
      ? t('maps.noteData', { c: C, order: ctx.spec.input.channel_order, w: W, h: H })
      : t(layer.towers === 2 ? 'maps.noteTowers' : 'maps.noteOne', { id: layer.id, c: C, w: W, h: H, half: C / 2 }) +
        ` ${t('maps.noteClick')}`;
    const tensor = await ctx.tensor(layer.id);
    if (my !== token) return;
    if (!tensor) {
      towersBox.replaceChildren(h('p', { class: 'coming-soon' }, t('maps.run')));
      grid = null;
      return;
    }
    // The same pass, state and sorting were already drawn (the view is refreshed on the layer's event and
    // again when the pass ends): painting 96–384 maps again would only cost a frame.
    const drawnKey = `${ctx.passId?.()}|${layer.id}|${mode}|${state.channel}|${sortByActivation}`;
    if (tensor === lastTensor && grid?.drawnKey === drawnKey) return;
    lastTensor = tensor;
    ensureGrid(layer, C, H, W);
    grid.drawnKey = null;
    const n = H * W;
    const ranges = [];
    const means = new Float64Array(C);
    for (let c = 0; c < C; c++) {
      ranges.push(rangeOf(tensor.data, c * n, (c + 1) * n));
      let s = 0;
      for (let i = c * n; i < (c + 1) * n; i++) s += tensor.data[i];
      means[c] = s / n;
    }
    let shared = null;
    if (mode === 'layer') shared = scaleFor(unionRange(ranges));
    if (mode === 'global') {
      shared = scaleFor(await globalRange(ctx));
      if (my !== token) return;
    }
    let sliceStart = performance.now();
    let firstSlice = true;
    for (let c = 0; c < C; c++) {
      if (performance.now() - sliceStart > SLICE_MS) {
        if (firstSlice && layer.id === 'conv1') globalThis.performance?.mark?.('conv1-drawn');
        firstSlice = false;
        await yieldToBrowser();
        // A newer update (another layer, the next pass) takes over; it repaints from the start.
        if (my !== token) return;
        sliceStart = performance.now();
      }
      const cell = cellAt(layer, c);
      const scale = shared ?? scaleFor(ranges[c]);
      paint(cell.image.data, tensor.data, c * n, n, scale);
      cell.canvas.getContext('2d').putImageData(cell.image, 0, 0);
      cell.canvas.setAttribute('aria-label', t('maps.cellLabel', { id: layer.id, ch: channelName(layer, c), min: formatValue(ranges[c].min), max: formatValue(ranges[c].max), mean: formatValue(means[c]) }));
      cell.button.setAttribute('aria-pressed', String(c === state.channel));
    }
    // Sorting reorders within each tower, so the GPU split stays visible.
    const order = [...Array(C).keys()];
    if (sortByActivation) order.sort((a, b) => means[b] - means[a]);
    // Moving 96–384 nodes forces a relayout of the whole grid, so it is done only when the order changes.
    const key = order.join(',');
    if (grid.order !== key) {
      for (const c of order) grid.cells[c].group.append(grid.cells[c].button);
      grid.order = key;
    }
    setLegend(shared ?? scaleFor(unionRange(ranges)), mode);
    grid.drawnKey = drawnKey;
    // Image chosen → conv1 on screen is the latency people feel (tests/e2e/feel.test.mjs reads these marks): the
    // first maps are on screen after the first slice, all of them now.
    if (layer.id === 'conv1') {
      if (firstSlice) globalThis.performance?.mark?.('conv1-drawn');
      globalThis.performance?.mark?.('conv1-complete');
    }

    const ch = state.channel;
    if (Number.isInteger(ch) && ch >= 0 && ch < C) {
      zoom.hidden = false;
      zoomCanvas.width = W;
      zoomCanvas.height = H;
      const img = new ImageData(W, H);
      paint(img.data, tensor.data, ch * n, n, shared ?? scaleFor(ranges[ch]));
      zoomCanvas.getContext('2d').putImageData(img, 0, 0);
      zoomCanvas.setAttribute('aria-label', t('maps.zoomLabel', { id: layer.id, ch: channelName(layer, ch) }));
      const tower = layer.towers === 2 ? t('maps.onGpu', { gpu: ch < C / 2 ? 1 : 2 }) : '';
      readoutBase = t('maps.readout', { id: layer.id, ch: channelName(layer, ch), tower, w: W, h: H, min: formatValue(ranges[ch].min), max: formatValue(ranges[ch].max), mean: formatValue(means[ch]) });
      readout.dataset.hover = '';
      renderReadout();
    } else {
      zoom.hidden = true;
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
