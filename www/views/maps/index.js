// Feature maps view as a container: the toolbar, the zoom, the colour scales and the engine queries.
import { rangeOf, unionRange, scaleFor, formatValue } from '../../shared/colormap.js';
import { el } from '../kit/dom.js';
import { createGrid, paintGrid, reorderGrid, paintZoom, legendParts } from './render.js';
import { createFootprint } from '../kit/footprint.js';

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

/**
 * Mounts the feature maps: every channel of a layer as a small canvas, grouped by GPU tower, with a shared colour
 * scale and a zoom. render.js draws the grid.
 * @param {HTMLElement} container
 * @param {object} ctx the view context (spec, layer(id), tensor(id), navigate, ...)
 */
export function createMapsView(container, ctx) {
  const { t } = ctx;
  let token = 0;
  let sortByActivation = false;
  /** The cells of the layer on screen (see createGrid). */
  let grid = null;
  let lastState = null;
  let lastTensor = null;

  const scaleSelect = el('select', { id: 'maps-scale', 'aria-label': t('maps.scale') });
  for (const [value, key] of SCALE_MODES) scaleSelect.append(new Option(t(key), value));
  const sortBox = el('input', { type: 'checkbox', id: 'maps-sort' });
  const sortLabel = el('label', {}, [sortBox, ` ${t('maps.sort')}`]);
  const legend = el('span', { class: 'legend', id: 'maps-legend' });
  const scaleLabel = el('label', {}, [`${t('maps.scale')} `, scaleSelect]);
  const toolbar = el('div', { class: 'toolbar' }, [scaleLabel, sortLabel, legend]);

  // The zoom is a keyboard stop too: arrow keys walk a cursor over its units, and its text alternative reads the
  // value under the cursor, as the readout does for the mouse.
  const zoomCanvas = el('canvas', { id: 'maps-zoom-canvas', role: 'img', class: 'pixelated', tabindex: '0' });
  const cursor = el('span', { class: 'zoom-cursor', hidden: '' });
  const readout = el('div', { class: 'readout', 'aria-live': 'polite' });
  const fp = createFootprint(ctx);
  const zoom = el('div', { class: 'zoom', id: 'maps-zoom', hidden: '' }, [el('span', { class: 'zoom-frame' }, [zoomCanvas, cursor]), readout]);
  // Beside the zoom, not in it: the zoom's canvas rule would stretch the footprint's pictures.
  fp.element.hidden = true;
  /** The unit under the mouse or keyboard cursor, [y, x], or null. */
  let unit = null;
  const note = el('p', { class: 'explain' });
  const towersBox = el('div', { id: 'maps-grid' });
  container.append(note, toolbar, zoom, fp.element, towersBox);

  scaleSelect.addEventListener('change', () => ctx.navigate({ scale: scaleSelect.value }, { replace: true }));
  sortBox.addEventListener('change', () => {
    sortByActivation = sortBox.checked;
    if (lastState) update(lastState);
  });
  // Hover with a mouse, tap on a touch screen: both point at a unit.
  const pointAt = (e) => {
    if (!lastTensor || lastState?.channel === undefined) return;
    const [, H, W] = lastTensor.shape;
    const r = zoomCanvas.getBoundingClientRect();
    showUnit(Math.floor(((e.clientY - r.top) / r.height) * H), Math.floor(((e.clientX - r.left) / r.width) * W));
  };
  zoomCanvas.addEventListener('mousemove', pointAt);
  zoomCanvas.addEventListener('click', pointAt);
  zoomCanvas.addEventListener('keydown', (e) => {
    const d = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] }[e.key];
    if (!d || !lastTensor) return;
    e.preventDefault();
    const [y, x] = unit ?? [0, 0];
    showUnit(unit ? y + d[0] : 0, unit ? x + d[1] : 0);
  });

  /** Moves the cursor to unit (y, x) of the zoomed channel (clamped) and says its value. */
  function showUnit(y0, x0) {
    const ch = lastState?.channel;
    if (!lastTensor || !Number.isInteger(ch)) return;
    const [, H, W] = lastTensor.shape;
    const y = Math.min(H - 1, Math.max(0, y0)), x = Math.min(W - 1, Math.max(0, x0));
    unit = [y, x];
    const v = lastTensor.data[ch * H * W + y * W + x];
    readout.dataset.hover = `(${y}, ${x}) = ${formatValue(v)}`;
    Object.assign(cursor.style, { left: `${(100 * x) / W}%`, top: `${(100 * y) / H}%`, width: `${100 / W}%`, height: `${100 / H}%` });
    cursor.hidden = false;
    const layer = ctx.layer(lastState.layer);
    const [n, ...k] = layer?.kind === 'conv' ? [layer.kernel_shape[1], ...layer.kernel_shape.slice(2)] : [];
    zoomCanvas.setAttribute('aria-label', t(layer?.kind === 'conv' ? 'maps.unitConv' : 'maps.unit', {
      id: layer?.id, ch: channelName(layer, ch), y, x, value: formatValue(v), n: n ? n * k[0] * k[1] : 0,
    }));
    renderReadout();
    if (lastState.layer !== 'data') fp.show(lastState.layer, ch, y, x);
  }

  let readoutBase = '';
  function renderReadout() {
    readout.textContent = readoutBase + (readout.dataset.hover ? `\n${t('maps.under', { value: readout.dataset.hover })}` : '');
    readout.style.whiteSpace = 'pre-line';
  }

  function channelName(layer, c) {
    if (layer.kind === 'data') return `${ctx.spec.input.channel_order?.[c] ?? c}`;
    return String(c);
  }

  async function update(state) {
    lastState = state;
    const my = ++token;
    const layer = ctx.layer(state.layer);
    scaleSelect.value = state.scale && SCALE_MODES.some(([m]) => m === state.scale) ? state.scale : 'layer';
    const mode = scaleSelect.value;
    if (layer?.out_shape.length !== 3) {
      towersBox.replaceChildren(el('p', { class: 'coming-soon' }, t('maps.vector', { id: state.layer })));
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
      towersBox.replaceChildren(el('p', { class: 'coming-soon' }, t('maps.run')));
      grid = null;
      return;
    }
    // The same pass, state and sorting were already drawn (the view is refreshed on the layer's event and
    // again when the pass ends): painting 96–384 maps again would only cost a frame.
    const drawnKey = `${ctx.passId?.()}|${layer.id}|${mode}|${state.channel}|${sortByActivation}`;
    if (tensor === lastTensor && grid?.drawnKey === drawnKey) return;
    lastTensor = tensor;
    // The grid is rebuilt only when the layer or its shape changes.
    if (!(grid && grid.layerId === layer.id && grid.c === C && grid.h === H && grid.w === W)) grid = createGrid(towersBox, layer, C, H, W, t);
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
    const painted = await paintGrid(grid, layer, tensor.data, {
      scaleOf: (c) => shared ?? scaleFor(ranges[c]),
      label: (c) => channelName(layer, c),
      aria: (c) => t('maps.cellLabel', { id: layer.id, ch: channelName(layer, c), min: formatValue(ranges[c].min), max: formatValue(ranges[c].max), mean: formatValue(means[c]) }),
      selected: state.channel,
      onPick: (c) => ctx.navigate({ channel: c }, { replace: true }),
      onSlice: (first) => { if (first && layer.id === 'conv1') globalThis.performance?.mark?.('conv1-drawn'); },
      current: () => my === token,
    });
    if (!painted) return;
    // Sorting reorders within each tower, so the GPU split stays visible.
    const order = [...Array(C).keys()];
    if (sortByActivation) order.sort((a, b) => means[b] - means[a]);
    reorderGrid(grid, order);
    legend.replaceChildren(...legendParts(shared ?? scaleFor(unionRange(ranges)), mode, t));
    grid.drawnKey = drawnKey;
    // Image chosen → conv1 on screen is the latency people feel (tests/e2e/feel.test.mjs reads these marks): the
    // first maps are on screen after the first slice, all of them now.
    if (layer.id === 'conv1') {
      if (painted.firstSlice) globalThis.performance?.mark?.('conv1-drawn');
      globalThis.performance?.mark?.('conv1-complete');
    }

    const ch = state.channel;
    fp.update({});
    if (Number.isInteger(ch) && ch >= 0 && ch < C) {
      zoom.hidden = false;
      fp.element.hidden = layer.kind === 'data';
      paintZoom(zoomCanvas, tensor.data, ch, W, H, shared ?? scaleFor(ranges[ch]));
      zoomCanvas.setAttribute('aria-label', t('maps.zoomLabel', { id: layer.id, ch: channelName(layer, ch) }));
      cursor.hidden = true;
      unit = null;
      const tower = layer.towers === 2 ? t('maps.onGpu', { gpu: ch < C / 2 ? 1 : 2 }) : '';
      readoutBase = t('maps.readout', { id: layer.id, ch: channelName(layer, ch), tower, w: W, h: H, min: formatValue(ranges[ch].min), max: formatValue(ranges[ch].max), mean: formatValue(means[ch]) });
      readout.dataset.hover = '';
      renderReadout();
    } else {
      zoom.hidden = true;
      fp.element.hidden = true;
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
