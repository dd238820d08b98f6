// What a unit sees: the 227 crop with the unit's receptive field drawn on it, and a strip of the layers below it with
// the slice that feeds the unit; a click on the crop shows instead which units of every layer see that pixel.
//
// Every view with positions (maps, sweep, pool, LRN) mounts one through its ctx; the geometry is the engine's
// (ctx.where: the worker's `receptive-field`, `feeding` and `seeing` queries), none of it is recomputed here.

import { el } from './dom.js';
import { fitCanvas, canvasPoint } from './canvas.js';
import { cropImageData } from './crop.js';

/** CSS size of the crop and of each layer's small map. */
const CROP_PX = 227;
const MAP_PX = 54;

/**
 * Mount a footprint panel. `show(layer, c, y, x)` draws unit (c, y, x) of `layer`; `update(state)` shows the unit a
 * state names (views whose state holds a position); `element` goes where the view wants it.
 * @param {object} ctx the view context (spec, tensor, where, t, passId)
 */
export function createFootprint(ctx) {
  const { t } = ctx;
  const crop = el('canvas', { id: 'footprint-crop', role: 'img', tabindex: '0', 'aria-label': t('fp.cropLabel') });
  const text = el('p', { id: 'footprint-text', class: 'readout', 'aria-live': 'polite', text: t('fp.hint') });
  const strip = el('div', { id: 'footprint-layers', class: 'footprint-layers', role: 'list', 'aria-label': t('fp.stripLabel') });
  const element = el('section', { id: 'footprint', class: 'footprint', 'aria-label': t('fp.title') }, [
    el('h3', { text: t('fp.title') }), crop, text, strip,
  ]);
  const layers = ctx.spec.layers.filter((l) => l.kind === 'conv' || l.kind === 'pool');
  const cells = new Map();
  for (const l of layers) {
    const c = el('canvas', { role: 'img', 'aria-label': l.id, 'data-layer': l.id });
    const cap = el('span', { class: 'caption', text: l.id });
    cells.set(l.id, { canvas: c, cap, row: l });
    strip.append(el('figure', { role: 'listitem', 'data-layer': l.id }, [c, cap]));
  }
  let token = 0;
  let image = null;
  let imagePass = -1;
  let box = null;

  async function cropPicture() {
    const pass = ctx.passId?.() ?? 0;
    if (image && imagePass === pass) return image;
    const tensor = await ctx.tensor('data');
    if (!tensor) return null;
    const c = document.createElement('canvas');
    [c.width, c.height] = [tensor.shape[2], tensor.shape[1]];
    c.getContext('2d').putImageData(cropImageData(tensor, ctx.spec.input), 0, 0);
    image = c;
    imagePass = pass;
    return c;
  }

  function drawCrop(pic, field, pixel) {
    const side = ctx.spec.input.crop;
    const g = fitCanvas(crop, CROP_PX, CROP_PX);
    const k = CROP_PX / side;
    if (pic) {
      g.imageSmoothingEnabled = false;
      g.drawImage(pic, 0, 0, CROP_PX, CROP_PX);
    }
    if (field) {
      // Everything outside the field is dimmed; the square itself is drawn unclipped (the canvas cuts it).
      g.fillStyle = 'rgba(0,0,0,0.45)';
      g.beginPath();
      g.rect(0, 0, CROP_PX, CROP_PX);
      g.rect(field.x0 * k, field.y0 * k, field.size * k, field.size * k);
      g.fill('evenodd');
      g.strokeStyle = '#e15759';
      g.lineWidth = 2;
      g.strokeRect(field.x0 * k, field.y0 * k, field.size * k, field.size * k);
    }
    if (pixel) {
      g.strokeStyle = '#edc948';
      g.lineWidth = 2;
      g.strokeRect((pixel.x - 1) * k, (pixel.y - 1) * k, 3 * k, 3 * k);
    }
  }

  /** Draw each layer's map with its box: the slice feeding the unit, or the units seeing the pixel. */
  function drawStrip(slices) {
    const by = new Map(slices.map((s) => [s.layer, s]));
    for (const [id, { canvas, cap, row }] of cells) {
      const [C, H, W] = row.out_shape;
      const g = fitCanvas(canvas, MAP_PX, MAP_PX);
      g.fillStyle = '#e8e8e8';
      g.fillRect(0, 0, MAP_PX, MAP_PX);
      const s = by.get(id);
      canvas.parentElement.dataset.active = s ? 'true' : 'false';
      if (!s) {
        cap.textContent = id;
        canvas.setAttribute('aria-label', t('fp.layerNone', { id }));
        continue;
      }
      const ky = MAP_PX / H, kx = MAP_PX / W;
      g.fillStyle = '#4e79a7';
      g.fillRect(s.x0 * kx, s.y0 * ky, Math.max(1, (s.x1 - s.x0) * kx), Math.max(1, (s.y1 - s.y0) * ky));
      const channels = s.c1 - s.c0 === C ? t('fp.allChannels', { c: C }) : t('fp.channels', { c0: s.c0, c1: s.c1 - 1 });
      cap.textContent = `${id} · ${channels}`;
      const label = t('fp.layerBox', { id, y0: s.y0, y1: s.y1 - 1, x0: s.x0, x1: s.x1 - 1, h: H, w: W, channels });
      canvas.setAttribute('aria-label', label);
      Object.assign(canvas.parentElement.dataset, { y0: s.y0, y1: s.y1, x0: s.x0, x1: s.x1, c0: s.c0, c1: s.c1 });
    }
  }

  /** Show unit (c, y, x) of `layer`: its receptive field on the crop, and what feeds it in each layer below. */
  async function show(layer, c, y, x) {
    const my = ++token;
    let field, slices;
    try {
      [field, slices] = await Promise.all([
        ctx.where('receptive-field', { layer, y, x }),
        ctx.where('feeding', { layer, c: c ?? 0, y, x }),
      ]);
    } catch (err) {
      if (my === token) text.textContent = err.message;
      return;
    }
    const pic = await cropPicture();
    if (my !== token) return;
    box = { layer, c, y, x, field };
    Object.assign(element.dataset, { layer, y: String(y), x: String(x), y0: String(field.y0), x0: String(field.x0), size: String(field.size) });
    delete element.dataset.pixel;
    drawCrop(pic, field, null);
    drawStrip(slices);
    const side = ctx.spec.input.crop;
    const inside = (a) => Math.min(side, a + field.size) - Math.max(0, a);
    const sentence = t('fp.field', { id: layer, y, x, size: field.size, y0: field.y0, x0: field.x0 }) +
      (inside(field.y0) < field.size || inside(field.x0) < field.size ? ` ${t('fp.padding', { h: inside(field.y0), w: inside(field.x0) })}` : '');
    text.textContent = sentence;
    crop.setAttribute('aria-label', sentence);
  }

  /** The crop alone, until a unit or a pixel is asked about (redrawn for a new pass). */
  async function plain() {
    const my = ++token;
    const pic = await cropPicture();
    if (my === token) drawCrop(pic, null, null);
  }

  /** Show which units of every layer see crop pixel (y, x). */
  async function showPixel(y, x) {
    const my = ++token;
    let slices;
    try {
      slices = await ctx.where('seeing', { y, x });
    } catch (err) {
      if (my === token) text.textContent = err.message;
      return;
    }
    const pic = await cropPicture();
    if (my !== token) return;
    box = null;
    element.dataset.pixel = `${y},${x}`;
    drawCrop(pic, null, { y, x });
    drawStrip(slices);
    text.textContent = t('fp.pixel', { y, x });
    crop.setAttribute('aria-label', text.textContent);
  }

  crop.addEventListener('click', (ev) => {
    const [px, py] = canvasPoint(crop, ev);
    const side = ctx.spec.input.crop;
    const k = side / CROP_PX;
    showPixel(Math.min(side - 1, Math.max(0, Math.floor(py * k))), Math.min(side - 1, Math.max(0, Math.floor(px * k))));
  });
  // The keyboard gets the same: Enter on the crop asks about its centre pixel.
  crop.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter' && ev.key !== ' ') return;
    ev.preventDefault();
    const mid = Math.floor(ctx.spec.input.crop / 2);
    showPixel(mid, mid);
  });
  drawCrop(null, null, null);

  return {
    element,
    show,
    showPixel,
    /** Show the unit a state names (layer, channel, y, x); a state without a position gets the plain crop. */
    update(state) {
      if (!Number.isInteger(state?.y) || !Number.isInteger(state?.x)) {
        // Whatever is shown stays, drawn again on a new pass's crop.
        const pixel = element.dataset.pixel?.split(',').map(Number);
        if ((box || pixel) && imagePass === (ctx.passId?.() ?? 0)) return;
        if (box) show(box.layer, box.c, box.y, box.x);
        else if (pixel) showPixel(pixel[0], pixel[1]);
        else plain();
        return;
      }
      if (box && box.layer === state.layer && box.y === state.y && box.x === state.x && box.c === state.channel && imagePass === (ctx.passId?.() ?? 0)) return;
      show(state.layer, state.channel ?? 0, state.y, state.x);
    },
    /** The unit shown: {layer, c, y, x, field}, or null. */
    current: () => box,
  };
}
