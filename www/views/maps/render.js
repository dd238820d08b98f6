// Drawing the feature maps: one canvas per channel in tower sections, painted in short slices; the zoom and legend.
import { paint } from '../../shared/colormap.js';
import { el } from '../kit/dom.js';
import { ramp, scaleParts } from '../kit/legend.js';

/** Painting stops after this long and lets the browser draw and handle input before it goes on (issue 4: no task > 50 ms). */
const SLICE_MS = 8;

/**
 * Canvases painted between two frames at most. Each changed canvas is handed to the compositor when the frame is
 * committed, and that, not the painting, is what costs: 1–2.5 ms a canvas here (Chromium without a GPU), so conv1's
 * 96 maps painted in one go made one 150–270 ms task. Six per frame keep each frame's commit short.
 */
const CANVASES_PER_FRAME = 6;

/**
 * Give the main thread back until the browser has drawn a frame with what is painted so far (and handled input),
 * then painting goes on. A page that draws no frames (hidden) goes on after 50 ms anyway.
 */
function nextFrame() {
  return new Promise((resolve) => {
    let done = false;
    const go = () => { if (!done) { done = true; resolve(); } };
    const timer = setTimeout(go, 50);
    if (typeof requestAnimationFrame !== 'function') return;
    // The rAF callback runs before the frame is committed; the task after it runs once the frame is out.
    requestAnimationFrame(() => setTimeout(() => { clearTimeout(timer); go(); }, 0));
  });
}

/**
 * Builds the grid's tower sections in `box` for a layer of C channels of H×W. The cells themselves are made by
 * `cellAt` as painting reaches them, so a new grid of 96–384 canvases is spread over several short tasks instead
 * of one long one.
 * @returns {{layerId: string, c: number, h: number, w: number, per: number, cells: object[], groups: HTMLElement[],
 *   order: string, drawnKey: string|null}}
 */
export function createGrid(box, layer, C, H, W, t) {
  box.replaceChildren();
  const towers = layer.towers === 2 ? 2 : 1;
  const per = C / towers;
  const groups = [];
  for (let tw = 0; tw < towers; tw++) {
    const title = towers === 2
      ? t('common.gpuChannels', { gpu: tw + 1, first: tw * per, last: (tw + 1) * per - 1 })
      : t(C === 1 ? 'maps.channel1' : 'maps.channels', { c: C });
    const gridEl = el('div', { class: 'map-grid' });
    gridEl.style.setProperty('--cell', `${Math.round(Math.max(40, Math.min(170, W * 1.2)))}px`);
    box.append(el('section', { class: 'tower', 'data-tower': String(tw) }, [el('h3', {}, title), gridEl]));
    groups.push(gridEl);
  }
  return { layerId: layer.id, c: C, h: H, w: W, per, cells: [], groups, order: [...Array(C).keys()].join(','), drawnKey: null };
}

/** Channel c's cell, made and appended to its tower the first time it is asked for (in channel order). */
function cellAt(grid, layer, c, label, onPick) {
  if (grid.cells[c]) return grid.cells[c];
  const { w: W, h: H } = grid;
  const group = grid.groups[Math.floor(c / grid.per)];
  const canvas = el('canvas', { role: 'img', id: `map-${layer.id}-${c}` });
  canvas.width = W;
  canvas.height = H;
  const button = el('button', { type: 'button', class: 'map-cell', 'data-channel': String(c), 'aria-pressed': 'false' },
    [canvas, el('span', { class: 'idx' }, label)]);
  button.addEventListener('click', () => onPick(c));
  group.append(button);
  grid.cells[c] = { button, canvas, image: new ImageData(W, H), group };
  return grid.cells[c];
}

/**
 * Paints every channel of `data` into its cell, in slices of SLICE_MS. `scaleOf(c)` is the channel's colour scale,
 * `label(c)` its name and `aria(c)` its description; `selected` is the zoomed channel. Gives up (returning false)
 * as soon as `current()` says a newer update took over; `onSlice(first)` hears the end of each slice.
 */
export async function paintGrid(grid, layer, data, o) {
  const n = grid.h * grid.w;
  let sliceStart = performance.now();
  let first = true;
  let painted = 0;
  for (let c = 0; c < grid.c; c++) {
    if (performance.now() - sliceStart > SLICE_MS || painted >= CANVASES_PER_FRAME) {
      o.onSlice(first);
      first = false;
      painted = 0;
      await nextFrame();
      // A newer update (another layer, the next pass) takes over; it repaints from the start.
      if (!o.current()) return null;
      sliceStart = performance.now();
    }
    const cell = cellAt(grid, layer, c, o.label(c), o.onPick);
    paint(cell.image.data, data, c * n, n, o.scaleOf(c));
    cell.canvas.getContext('2d').putImageData(cell.image, 0, 0);
    cell.canvas.setAttribute('aria-label', o.aria(c));
    cell.button.setAttribute('aria-pressed', String(c === o.selected));
    painted++;
  }
  return { firstSlice: first };
}

/** Puts the cells in `order` within their towers; moving 96–384 nodes forces a relayout, so only when it changed. */
export function reorderGrid(grid, order) {
  const key = order.join(',');
  if (grid.order === key) return;
  for (const c of order) grid.cells[c].group.append(grid.cells[c].button);
  grid.order = key;
}

/** One channel at its own size into `canvas` (CSS scales it up). */
export function paintZoom(canvas, data, ch, W, H, scale) {
  canvas.width = W;
  canvas.height = H;
  const img = new ImageData(W, H);
  paint(img.data, data, ch * W * H, W * H, scale);
  canvas.getContext('2d').putImageData(img, 0, 0);
}

/**
 * The legend's parts: low/high words when each map has its own scale, else the shared scale's values; either way
 * it says which scale it is (per map, per layer, global), so colours are never compared across a scale they lack.
 */
export function legendParts(scale, mode, t) {
  if (mode === 'map') return [t('maps.low'), ramp(scale.lut), t('maps.high'), el('span', {}, ` ${t('maps.perMapNote')}`)];
  return [...scaleParts(scale), el('span', {}, ` ${t(mode === 'global' ? 'maps.globalNote' : 'maps.perLayerNote')}`)];
}
