// Small shared helpers for the explanatory views: DOM building, HiDPI canvases, heat maps, colours and number formats.
import { colorOf } from '../shared/colormap.js';
import { t as pageT } from '../shared/i18n.js';

/** Creates an element: el('div', {class: 'x', onclick: f}, [children or text]). */
export function el(tag, attrs = {}, children = []) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k === 'style' && typeof v === 'object') Object.assign(e.style, v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of [].concat(children)) if (c !== null && c !== undefined) e.append(c);
  return e;
}

/** An accessible canvas: role="img" with an aria-label. */
export function canvasEl(label, cls) {
  return el('canvas', { role: 'img', 'aria-label': label, class: cls });
}

/**
 * Sizes a canvas for the device pixel ratio and returns its 2-D context in CSS pixels, so every view draws crisp
 * lines on HiDPI screens without thinking about it.
 */
export function fitCanvas(canvas, cssW, cssH) {
  const dpr = globalThis.devicePixelRatio || 1;
  // Only the width is set: with `height: auto` (views.css) a canvas squeezed by max-width keeps its aspect ratio.
  canvas.style.width = `${cssW}px`;
  canvas.style.height = '';
  canvas.dataset.cssWidth = String(cssW);
  const w = Math.max(1, Math.round(cssW * dpr)), h = Math.max(1, Math.round(cssH * dpr));
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const g = canvas.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, cssW, cssH);
  return g;
}

/** A pointer event's position in the canvas's drawing coordinates (CSS pixels of fitCanvas), even when CSS shrank it. */
export function canvasPoint(canvas, ev) {
  const r = canvas.getBoundingClientRect();
  const k = r.width > 0 ? Number(canvas.dataset.cssWidth || r.width) / r.width : 1;
  return [(ev.clientX - r.left) * k, (ev.clientY - r.top) * k];
}

/** Thousands separators, always ',' (the ledger's totals must read the same in every locale). */
export function fmtInt(n) {
  const s = String(Math.abs(Math.round(n)));
  return (n < 0 ? '-' : '') + s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Multiply-accumulates in millions with one decimal: 724.4 M. */
export function fmtMacs(n) {
  return n ? `${(n / 1e6).toFixed(1)} M` : '—';
}

/** A share as a percentage with one decimal: 96.2 %. */
export function fmtPct(f) {
  return `${(f * 100).toFixed(1)} %`;
}

/** A float for the dot-product panels: 4 significant digits, no exponent for ordinary magnitudes. */
export function fmtNum(v, digits = 4) {
  if (v === 0) return '0';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-4) return v.toExponential(digits - 1);
  return String(Number(v.toPrecision(digits)));
}

/** A hyper-parameter as written in papers: the f32 1e-4 the engine sends (0.0000999999997) reads 0.0001. */
export function fmtParam(v) {
  return String(Number(Number(v).toPrecision(6)));
}

/** Largest absolute value of a range of an array. */
export function maxAbs(a, start = 0, end = a.length) {
  let m = 0;
  for (let i = start; i < end; i++) {
    const v = Math.abs(a[i]);
    if (v > m) m = v;
  }
  return m;
}

/**
 * Diverging colour from the shared colour maps (negative blue, zero white, positive red), so "negative" reads the
 * same in every view, which matters most for the ReLU view.
 */
export function diverging(v, m) {
  return colorOf(v, { lo: -(m || 1), hi: m || 1, lut: 'diverging' });
}

/** Sequential colour (viridis from 0) for non-negative values. */
export function sequential(v, m) {
  return colorOf(v, { lo: 0, hi: m || 1, lut: 'viridis' });
}

/** "#rrggbb" → "rgba(r,g,b,a)". */
export function alpha(hex, a) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a})`;
}

/** Mixes a hex colour towards white (t > 0) or black (t < 0). */
export function shade(hex, t) {
  const n = parseInt(hex.slice(1), 16);
  const f = (c) => Math.round(t >= 0 ? c + (255 - c) * t : c * (1 + t));
  return `rgb(${f((n >> 16) & 255)},${f((n >> 8) & 255)},${f(n & 255)})`;
}

/**
 * Renders an h×w map from `data` (starting at `offset`, row-major) to a small canvas, one pixel per value; drawImage
 * it scaled with smoothing off. `color(v)` returns [r, g, b] or null for transparent. `mask(i)` can hide values.
 */
export function mapCanvas(data, offset, h, w, color, mask) {
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  const g = c.getContext('2d');
  const img = g.createImageData(w, h);
  for (let i = 0; i < h * w; i++) {
    if (mask && !mask(i)) continue;
    const rgb = color(data[offset + i], i);
    if (!rgb) continue;
    img.data[4 * i] = rgb[0];
    img.data[4 * i + 1] = rgb[1];
    img.data[4 * i + 2] = rgb[2];
    img.data[4 * i + 3] = 255;
  }
  g.putImageData(img, 0, 0);
  return c;
}

/** Draws a map canvas scaled into a rectangle without smoothing. */
export function blit(g, src, x, y, w, h) {
  g.imageSmoothingEnabled = false;
  g.drawImage(src, x, y, w, h);
}

/** A diagonal hatch pattern (marks padding and negative values). */
export function hatch(g, color = 'rgba(60,60,60,0.35)', size = 6) {
  const c = document.createElement('canvas');
  c.width = c.height = size;
  const h = c.getContext('2d');
  h.strokeStyle = color;
  h.lineWidth = 1;
  h.beginPath();
  h.moveTo(0, size);
  h.lineTo(size, 0);
  h.stroke();
  return g.createPattern(c, 'repeat');
}

/**
 * The network-space input (BGR minus mean, [3,H,W]) as a displayable RGB image: channels reversed and each
 * stretched to its own range, which is enough to recognise the picture.
 */
export function inputRgbCanvas(t) {
  const [, h, w] = t.shape;
  const n = h * w;
  const lo = [0, 0, 0], hi = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    let a = Infinity, b = -Infinity;
    for (let i = 0; i < n; i++) { const v = t.data[c * n + i]; if (v < a) a = v; if (v > b) b = v; }
    lo[c] = a; hi[c] = b > a ? b : a + 1;
  }
  return mapCanvas(t.data, 0, h, w, (_, i) => [2, 1, 0].map((c) => Math.round(255 * (t.data[c * n + i] - lo[c]) / (hi[c] - lo[c]))));
}

/** Coalesces redraw requests into one requestAnimationFrame callback. */
export function frameScheduler(draw) {
  let id = 0;
  return {
    request() { if (!id) id = requestAnimationFrame(() => { id = 0; draw(); }); },
    cancel() { if (id) cancelAnimationFrame(id); id = 0; },
  };
}

/**
 * Picks the layer a view should show: the state's layer when its kind is wanted, else the first wanted layer at or
 * after it (conv1 → relu1 for the ReLU view), else the first wanted layer of the network.
 */
export function pickLayer(spec, id, kinds) {
  const layers = spec.layers;
  const i = layers.findIndex((l) => l.id === id);
  if (i >= 0) {
    if (kinds.includes(layers[i].kind)) return layers[i];
    const after = layers.slice(i).find((l) => kinds.includes(l.kind));
    if (after) return after;
  }
  return layers.find((l) => kinds.includes(l.kind)) ?? null;
}

/** The id of the app's current pass (0 when the ctx has none), so views reload when a new image has run. */
export function passOf(ctx) {
  return typeof ctx.passId === 'function' ? ctx.passId() : 0;
}

/** Clamps an integer into [lo, hi]. */
export function clampInt(v, lo, hi) {
  const n = Number.isFinite(+v) ? Math.round(+v) : lo;
  return Math.max(lo, Math.min(hi, n));
}

/** A "no pass yet" message shown when the view needs activations that do not exist yet (views pass their ctx.t text). */
export function waitingNote(text = pageT('common.waiting')) {
  return el('p', { class: 'xv-note xv-waiting', text });
}

/** The timing of a layer from `done.timings`, whatever its shape ({id: ms} or [{layer, ms}]). */
export function timingOf(timings, id) {
  if (!timings) return null;
  if (Array.isArray(timings)) {
    const t = timings.find((r) => r.layer === id || r.id === id);
    return t ? (t.ms ?? t.time ?? t.millis ?? null) : null;
  }
  const v = timings[id];
  return typeof v === 'number' ? v : v?.ms ?? null;
}

/**
 * Bars for a vector (fc activations): one bar per value around a zero line, negative values blue, positive in
 * `color`; many values share a pixel column by their extremes so 4096 bars still fit. Returns the x→index mapping.
 */
export function drawBars(g, data, x, y, w, h, { color = '#e0a030', highlight = -1, range } = {}) {
  const n = data.length;
  let lo = 0, hi = 0;
  if (range) [lo, hi] = range;
  else for (const v of data) { if (v < lo) lo = v; if (v > hi) hi = v; }
  const span = hi - lo || 1;
  const zeroY = y + (hi / span) * h;
  const cols = Math.max(1, Math.min(Math.floor(w), n));
  const per = n / cols, bw = w / cols;
  for (let c = 0; c < cols; c++) {
    const i0 = Math.floor(c * per), i1 = Math.max(i0 + 1, Math.floor((c + 1) * per));
    let mn = 0, mx = 0;
    for (let i = i0; i < i1; i++) { if (data[i] < mn) mn = data[i]; if (data[i] > mx) mx = data[i]; }
    if (mx > 0) { g.fillStyle = color; g.fillRect(x + c * bw, zeroY - (mx / span) * h, Math.max(bw, 1), (mx / span) * h); }
    if (mn < 0) { g.fillStyle = '#2166ac'; g.fillRect(x + c * bw, zeroY, Math.max(bw, 1), (-mn / span) * h); }
  }
  g.strokeStyle = '#999';
  g.lineWidth = 1;
  g.beginPath();
  g.moveTo(x, zeroY + 0.5);
  g.lineTo(x + w, zeroY + 0.5);
  g.stroke();
  if (highlight >= 0 && highlight < n) {
    const hx = x + (highlight / per) * bw;
    g.strokeStyle = '#111';
    g.lineWidth = 1.5;
    g.strokeRect(hx - 2, y, Math.max(bw, 1) + 4, h);
  }
  return { indexAt: (px) => Math.max(0, Math.min(n - 1, Math.floor(((px - x) / bw) * per))), zeroY, range: [lo, hi] };
}
