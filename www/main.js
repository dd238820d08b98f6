// The app shell: wires the client, the layer rail, the view tabs, the URL-hash state, the image input and the status line.

import { createExplainer } from './client.js';
import { KIND_COLORS, VIEW_TITLES, GLOBAL_VIEWS, DEFAULT_VIEW_BY_KIND, VIEW_MODULES, viewsForLayer } from './config.js';
import { parseHash, formatHash, mergeState, sameState } from './state.js';
import { createImageInput } from './image-input.js';

const UNTRAINED_TEXT =
  'Untrained weights: this network has random weights, so its predictions mean nothing. ' +
  'Load the real BVLC AlexNet weights to see real predictions.';

const $ = (id) => document.getElementById(id);
const els = {
  weightsText: $('weights-text'),
  weightsButtons: document.querySelectorAll('[data-action="load-weights"]'),
  weightsInput: $('weights-input'),
  banner: $('untrained-banner'),
  rail: $('rail'),
  tabs: $('tabs'),
  title: $('view-title'),
  shape: $('shape-text'),
  view: $('view'),
  top5: $('top5'),
  topNote: $('top5-note'),
  status: $('status'),
  statusText: $('status-text'),
  pills: $('progress-pills'),
  message: $('message'),
};

// ?weights=URL loads weights from a URL (e.g. a local copy of bvlc_alexnet.onnx); without it the seeded
// untrained network runs, which is enough to see every shape and every mechanism.
const weightsUrl = new URL(location.href).searchParams.get('weights');
const client = createExplainer({ weights: weightsUrl || null });

/** @type {object|null} the spec table from the worker; the app never re-declares a shape. */
let spec = null;
let weightsInfo = null;
/** Layer rows by id, with a pseudo-row for 'data' built from `spec.input`. */
let layersById = new Map();
/** Layer ids in network order, 'data' first. */
let order = [];
/** @type {import('./state.js').State} */
let state = parseHash(location.hash);

/** The current pass: its tensors arrive one `layer` event at a time. */
const pass = {
  runId: 0,
  running: false,
  /** @type {Map<string, {shape: number[], data: Float32Array}>} */
  tensors: new Map(),
  /** Views waiting for a layer of the running pass: id → resolve functions. */
  waiters: new Map(),
  /** {top, timings, preprocess} of the last finished pass. */
  result: null,
  /** The pixels the pass was run on (≤ 1024 px on the longer side). */
  source: null,
  startedAt: 0,
};

// ---------- messages and status ----------

function showMessage(text, kind = 'error') {
  els.message.textContent = text;
  els.message.dataset.kind = kind;
  els.message.hidden = !text;
}

function setStatus(stateName, text) {
  els.status.dataset.state = stateName;
  els.statusText.textContent = text;
}

// ---------- the view context ----------

function layerRow(id) {
  return layersById.get(id) ?? null;
}

/**
 * A layer's tensor from the current pass. While the pass runs, asking for a layer not computed yet waits for
 * its `layer` event; with no pass at all it resolves to null.
 */
function tensor(id) {
  const cached = pass.tensors.get(id);
  if (cached) return Promise.resolve(cached);
  if (!layersById.has(id)) return Promise.resolve(null);
  if (pass.running) {
    return new Promise((resolve) => {
      if (!pass.waiters.has(id)) pass.waiters.set(id, []);
      pass.waiters.get(id).push(resolve);
    });
  }
  if (!pass.result) return Promise.resolve(null);
  // The pass finished but the tensor is not cached (the worker was restarted): ask the session again.
  return Promise.all([client.get('tensor', { layer: id }), client.get('shape', { layer: id })])
    .then(([data, shape]) => {
      const t = { shape, data };
      pass.tensors.set(id, t);
      return t;
    })
    .catch(() => null);
}

/** The context every view receives (see the view interface in the task brief and ARCHITECTURE.md). */
const ctx = {
  get spec() { return spec; },
  get weightsInfo() { return weightsInfo; },
  client,
  layer: layerRow,
  tensor,
  navigate,
  colors: KIND_COLORS,
  /** {top, timings, preprocess} of the last finished pass, or null. */
  result: () => pass.result,
  /** The RGBA pixels of the image being explained, or null. */
  source: () => pass.source,
  /** Increments with every pass, so a view can tell fresh data from what it already drew. */
  passId: () => pass.runId,
  /** True while a pass is running. */
  running: () => pass.running,
};

// ---------- state and navigation ----------

function kindOf(id) {
  return layerRow(id)?.kind;
}

/** Fill in the layer and view a state leaves out, and repair ones that do not fit. */
function normalise(s) {
  const next = { ...s };
  if (!layersById.has(next.layer)) next.layer = order.includes('conv1') ? 'conv1' : order[0];
  const row = layerRow(next.layer);
  const allowed = [...viewsForLayer(row), ...GLOBAL_VIEWS];
  if (!allowed.includes(next.view)) next.view = DEFAULT_VIEW_BY_KIND[row.kind] ?? 'overview';
  return next;
}

/**
 * Change the state. Moving to another layer opens that layer's default view unless a global view (overview,
 * ledger) is showing, which stays. Layer, view and image changes get their own history entry; finer moves
 * (a channel, a position) replace the current one so Back is not flooded.
 * @param {import('./state.js').State} partial
 * @param {{replace?: boolean}} [opts]
 */
function navigate(partial, opts = {}) {
  if (!spec) return;
  const layerChanged = partial.layer !== undefined && partial.layer !== state.layer;
  let next = mergeState(state, partial);
  if (layerChanged && partial.view === undefined && !GLOBAL_VIEWS.includes(state.view)) {
    next.view = DEFAULT_VIEW_BY_KIND[kindOf(next.layer)];
  }
  next = normalise(next);
  if (sameState(next, state)) return;
  const major = next.layer !== state.layer || next.view !== state.view || next.sample !== state.sample;
  const hash = formatHash(next) || '#';
  if (major && !opts.replace) history.pushState(null, '', hash);
  else history.replaceState(null, '', hash);
  state = next;
  render();
}

function onLocationChange() {
  if (!spec) return;
  const next = normalise(parseHash(location.hash));
  if (sameState(next, state)) return;
  state = next;
  render();
}

// ---------- shell rendering ----------

/** W×H×C-per-tower ×towers, the way the seed article writes conv1's output (55×55×48 ×2). */
export function shapeLabel(row) {
  const shape = row.out_shape;
  const towers = row.towers === 2 ? 2 : 1;
  const suffix = towers > 1 ? ` ×${towers}` : '';
  if (shape.length === 3) return `${shape[2]}×${shape[1]}×${shape[0] / towers}${suffix}`;
  return `${shape[0] / towers}${suffix}`;
}

function buildRail() {
  els.rail.replaceChildren();
  for (const id of order) {
    const row = layerRow(id);
    const b = document.createElement('button');
    b.type = 'button';
    b.id = `rail-${id}`;
    b.className = 'rail-btn';
    b.dataset.kind = row.kind;
    b.dataset.layer = id;
    b.style.setProperty('--kind', KIND_COLORS[row.kind] ?? '#888');
    b.textContent = id;
    b.title = `${id} (${row.kind}) · ${shapeLabel(row)}`;
    b.addEventListener('click', () => navigate({ layer: id }));
    els.rail.append(b);
  }
  els.pills.replaceChildren();
  for (const id of order) {
    const pill = document.createElement('i');
    pill.dataset.layer = id;
    pill.title = id;
    pill.style.setProperty('--kind', KIND_COLORS[kindOf(id)] ?? '#888');
    els.pills.append(pill);
  }
}

function markComputed(id, on) {
  document.getElementById(`rail-${id}`)?.classList.toggle('computed', on);
  els.pills.querySelector(`[data-layer="${id}"]`)?.classList.toggle('on', on);
}

function renderTabs() {
  const row = layerRow(state.layer);
  const views = [...viewsForLayer(row), ...GLOBAL_VIEWS];
  els.tabs.replaceChildren();
  for (const v of views) {
    const b = document.createElement('button');
    b.type = 'button';
    b.id = `tab-${v}`;
    b.setAttribute('role', 'tab');
    b.setAttribute('aria-selected', String(v === state.view));
    b.setAttribute('aria-controls', 'view');
    b.className = GLOBAL_VIEWS.includes(v) ? 'tab global' : 'tab';
    b.textContent = VIEW_TITLES[v];
    b.addEventListener('click', () => navigate({ view: v }));
    els.tabs.append(b);
  }
}

function render() {
  const row = layerRow(state.layer);
  for (const b of els.rail.querySelectorAll('.rail-btn')) {
    if (b.dataset.layer === state.layer) b.setAttribute('aria-current', 'true');
    else b.removeAttribute('aria-current');
  }
  document.getElementById(`rail-${state.layer}`)?.scrollIntoView?.({ block: 'nearest', inline: 'nearest' });
  renderTabs();
  els.title.textContent = `${state.layer} · ${VIEW_TITLES[state.view]}`;
  els.title.style.setProperty('--kind', KIND_COLORS[row.kind]);
  els.shape.textContent = shapeLabel(row);
  els.shape.title = row.out_shape.length === 3
    ? `${row.out_shape[0]} channels of ${row.out_shape[2]}×${row.out_shape[1]}${row.towers === 2 ? `, ${row.out_shape[0] / 2} on each GPU` : ''}`
    : `${row.out_shape[0]} values`;
  document.title = `${state.layer} · ${VIEW_TITLES[state.view]} — AlexNet Explainer`;
  if (state.sample && state.sample !== imageInput.currentSample()) loadSample(state.sample);
  showView();
}

// ---------- views ----------

const factories = new Map();
let mounted = { id: null, view: null };
let mountSeq = 0;

async function loadFactory(viewId) {
  if (factories.has(viewId)) return factories.get(viewId);
  const [path, name] = VIEW_MODULES[viewId];
  let factory = null;
  try {
    const mod = await import(path);
    factory = mod[name] ?? null;
  } catch (err) {
    // A view a colleague has not delivered yet is "coming soon", not a broken page.
    console.warn(`view ${viewId} unavailable:`, err.message);
  }
  factories.set(viewId, factory);
  return factory;
}

function safeUpdate() {
  try {
    const r = mounted.view?.update(state);
    if (r && typeof r.catch === 'function') r.catch((err) => viewFailed(err));
  } catch (err) {
    viewFailed(err);
  }
}

function viewFailed(err) {
  console.warn(err);
  showMessage(`The ${VIEW_TITLES[mounted.id] ?? ''} view failed: ${err.message}`);
}

async function showView() {
  const viewId = state.view;
  if (mounted.id === viewId && mounted.view) {
    safeUpdate();
    return;
  }
  const seq = ++mountSeq;
  try {
    mounted.view?.destroy();
  } catch (err) {
    console.warn(err);
  }
  mounted = { id: viewId, view: null };
  const factory = await loadFactory(viewId);
  if (seq !== mountSeq) return;
  els.view.replaceChildren();
  els.view.dataset.view = viewId;
  if (!factory) {
    const p = document.createElement('p');
    p.className = 'coming-soon';
    p.textContent = `${VIEW_TITLES[viewId]}: coming soon.`;
    els.view.append(p);
    return;
  }
  const container = document.createElement('div');
  container.className = `view view-${viewId}`;
  els.view.append(container);
  try {
    mounted.view = factory(container, ctx);
  } catch (err) {
    viewFailed(err);
    return;
  }
  safeUpdate();
}

/** Redraw the mounted view at most once per frame, however many layer events arrive. */
let refreshQueued = false;
function refreshView() {
  if (refreshQueued) return;
  refreshQueued = true;
  requestAnimationFrame(() => {
    refreshQueued = false;
    if (mounted.view) safeUpdate();
  });
}

// ---------- results ----------

function renderTop5() {
  els.top5.replaceChildren();
  const top = pass.result?.top ?? [];
  for (const p of top) {
    const li = document.createElement('li');
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = p.name;
    const pct = document.createElement('span');
    pct.className = 'pct';
    pct.textContent = `${(p.prob * 100).toFixed(1)}%`;
    const bar = document.createElement('span');
    bar.className = 'bar';
    bar.style.width = `${Math.max(0.5, p.prob * 100)}%`;
    li.append(name, pct, bar);
    li.title = `class ${p.index}, logit ${p.logit.toFixed(3)}`;
    els.top5.append(li);
  }
  els.topNote.textContent = weightsInfo && !weightsInfo.trained && top.length
    ? 'Random weights: these names are noise.'
    : '';
}

function fmtInt(n) {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function renderWeights() {
  const w = weightsInfo;
  if (!w) return;
  const what = w.trained ? `${w.source} (${w.format}, ${w.dtype})` : `untrained, seeded (${w.dtype})`;
  els.weightsText.textContent = `Weights: ${what} · ${fmtInt(w.params)} parameters`;
  els.banner.hidden = !!w.trained;
  els.banner.querySelector('.banner-text').textContent = UNTRAINED_TEXT;
}

// ---------- images ----------

const imageInput = createImageInput({
  panel: $('image-panel'),
  dropTarget: document.body,
  onImage: (source, meta) => useImage(source, meta),
  onPick: (sampleId) => navigate({ sample: sampleId }),
});

/**
 * Make `source` the image being explained. Decoding failures leave the previous image, its pass and the
 * state untouched: only the message changes.
 */
async function useImage(source, meta = {}) {
  let pixels;
  try {
    pixels = await imageInput.decode(source);
  } catch (err) {
    showMessage(err.message);
    return false;
  }
  showMessage('');
  imageInput.setCurrent(pixels, meta);
  if (meta.sample === undefined && state.sample !== undefined) navigate({ sample: undefined }, { replace: true });
  runImage(pixels);
  return true;
}

let sampleSeq = 0;
async function loadSample(id) {
  const seq = ++sampleSeq;
  let ok = false;
  try {
    const { source, meta } = await imageInput.loadSample(id);
    // A newer choice made while this one downloaded wins.
    if (seq !== sampleSeq) return;
    ok = await useImage(source, meta);
  } catch (err) {
    showMessage(err.message);
  }
  if (!ok && seq === sampleSeq) {
    // The image did not change, so the URL should not claim it did.
    imageInput.forget();
    if (state.sample === id) navigate({ sample: imageInput.currentSample() ?? null }, { replace: true });
  }
}

async function runImage(pixels) {
  try {
    await client.run(pixels);
  } catch (err) {
    if (!err.cancelled) {
      setStatus('error', 'The pass failed.');
      showMessage(err.message);
    }
  }
}

// ---------- client events ----------

client.on('progress', ({ loaded, total }) => {
  const mb = (n) => (n / 1048576).toFixed(1);
  setStatus('loading', total ? `Downloading weights: ${mb(loaded)} of ${mb(total)} MB` : `Downloading weights: ${mb(loaded)} MB`);
});

client.on('start', ({ runId, pixels }) => {
  pass.runId = runId;
  pass.running = true;
  pass.tensors = new Map();
  pass.source = pixels;
  pass.startedAt = performance.now();
  for (const id of order) markComputed(id, false);
  setStatus('running', `Running ${imageInput.currentLabel()}…`);
});

client.on('layer', ({ runId, layer, shape, data }) => {
  if (runId !== pass.runId) return;
  pass.tensors.set(layer, { shape, data });
  markComputed(layer, true);
  const waiting = pass.waiters.get(layer);
  if (waiting) {
    pass.waiters.delete(layer);
    for (const resolve of waiting) resolve(pass.tensors.get(layer));
  }
  const i = order.indexOf(layer) + 1;
  setStatus('running', `Running: ${layer} (${i} of ${order.length} layers)`);
  if (layer === state.layer || GLOBAL_VIEWS.includes(state.view)) refreshView();
});

client.on('done', ({ runId, top, timings, preprocess }) => {
  if (runId !== pass.runId) return;
  pass.running = false;
  pass.result = { top, timings, preprocess };
  const total = Object.values(timings).reduce((a, b) => a + b, 0);
  setStatus('done', `Done: ${order.length} layers in ${total.toFixed(0)} ms (${imageInput.currentLabel()})`);
  renderTop5();
  refreshView();
});

client.on('error', ({ message }) => {
  setStatus('error', 'Error');
  showMessage(message);
});

client.on('restart', ({ message }) => showMessage(message, 'info'));

client.on('ready', (info) => {
  weightsInfo = info.weightsInfo;
  renderWeights();
});

// ---------- weights ----------

function pickWeightsFile() {
  els.weightsInput.value = '';
  els.weightsInput.click();
}
for (const b of els.weightsButtons) b.addEventListener('click', pickWeightsFile);
els.weightsInput.addEventListener('change', async () => {
  const file = els.weightsInput.files?.[0];
  if (!file) return;
  const previous = els.status.dataset.state;
  setStatus('loading', `Loading weights from ${file.name} (${(file.size / 1048576).toFixed(1)} MB)…`);
  try {
    await client.loadWeights(file);
    showMessage('');
    setStatus('ready', `Loaded ${file.name}`);
    if (pass.source) runImage(pass.source);
  } catch (err) {
    setStatus(previous === 'loading' ? 'ready' : previous, 'The previous weights are still loaded.');
    showMessage(`Could not load weights from ${file.name}: ${err.message} The previous weights are still loaded.`);
  }
});

// ---------- keyboard ----------

document.addEventListener('keydown', (e) => {
  if (!spec || e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
  const t = e.target;
  if (t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
  const i = order.indexOf(state.layer);
  let next = null;
  if (e.key === 'ArrowRight') next = order[Math.min(order.length - 1, i + 1)];
  else if (e.key === 'ArrowLeft') next = order[Math.max(0, i - 1)];
  else if (e.key === 'Home') next = order[0];
  else if (e.key === 'End') next = order[order.length - 1];
  if (next === null) return;
  e.preventDefault();
  navigate({ layer: next });
});

window.addEventListener('popstate', onLocationChange);
window.addEventListener('hashchange', onLocationChange);

// ---------- start ----------

async function start() {
  setStatus('loading', weightsUrl ? `Loading weights from ${weightsUrl}…` : 'Loading the engine…');
  let info;
  try {
    info = await client.ready;
  } catch (err) {
    if (!weightsUrl) {
      setStatus('error', 'The engine could not start.');
      showMessage(err.message);
      return;
    }
    // A weights URL that fails should not leave an empty page: fall back to the untrained network.
    showMessage(`Could not load weights from ${weightsUrl}: ${err.message} Using untrained weights instead.`);
    try {
      info = await client.loadWeights(null);
    } catch (err2) {
      setStatus('error', 'The engine could not start.');
      showMessage(err2.message);
      return;
    }
  }
  spec = info.spec;
  weightsInfo = info.weightsInfo;
  const dataRow = {
    id: spec.input.id, kind: 'data', input: null, in_shape: null, out_shape: spec.input.shape, towers: 1,
    weights: 0, biases: 0, macs: 0, neurons: spec.input.shape.reduce((a, b) => a * b, 1),
  };
  layersById = new Map([[dataRow.id, dataRow], ...spec.layers.map((l) => [l.id, l])]);
  order = [dataRow.id, ...spec.layers.map((l) => l.id)];
  renderWeights();
  buildRail();
  setStatus('ready', 'Ready');
  document.body.dataset.ready = 'true';
  await imageInput.loadGallery();
  state = normalise(state);
  if (!state.sample) state.sample = imageInput.firstSample();
  history.replaceState(null, '', formatHash(state) || '#');
  render();
}

// Exposed for debugging in the console and for the e2e tests' long-task measurements; not an API.
window.alexnetApp = { client, ctx, get state() { return state; }, pass };

start();
