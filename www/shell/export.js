// Exports of the current view: its canvases composed into one PNG at 2× resolution, and a layer's tensor as .npy.

import { encodeNpy } from '../shared/npy.js';

/** True when a canvas is drawn with image-rendering: pixelated (feature maps, kernels): scale it without smoothing. */
function isPixelated(canvas) {
  if (canvas.classList.contains('pixelated')) return true;
  const style = canvas.ownerDocument.defaultView?.getComputedStyle(canvas);
  return style?.imageRendering === 'pixelated' || style?.imageRendering === 'crisp-edges';
}

/**
 * Compose every visible canvas of `container` into one canvas, laid out as on screen, at `scale`× the CSS
 * size (2 by default: sharp enough for slides). HTML text between the canvases is not drawn; the optional
 * `title` is written above them so a picture pasted into notes still says what it shows.
 * @param {Element} container
 * @param {{scale?: number, title?: string, background?: string}} [options]
 * @returns {HTMLCanvasElement|null} null when the view has no visible canvas
 */
export function composeCanvases(container, { scale = 2, title = '', background = '#ffffff' } = {}) {
  const doc = container.ownerDocument;
  const box = container.getBoundingClientRect();
  // An embed may be shrunk with a CSS transform to fit its frame; measure in layout (CSS) pixels regardless.
  const k = box.width > 0 && container.offsetWidth > 0 ? container.offsetWidth / box.width : 1;
  const parts = [];
  for (const canvas of container.querySelectorAll('canvas')) {
    const r = canvas.getBoundingClientRect();
    if (r.width < 1 || r.height < 1 || !canvas.width || !canvas.height) continue;
    if (canvas.closest('[hidden]')) continue;
    parts.push({ canvas, x: (r.left - box.left) * k, y: (r.top - box.top) * k, w: r.width * k, h: r.height * k });
  }
  if (!parts.length) return null;
  const x0 = Math.min(...parts.map((p) => p.x));
  const y0 = Math.min(...parts.map((p) => p.y));
  const x1 = Math.max(...parts.map((p) => p.x + p.w));
  const y1 = Math.max(...parts.map((p) => p.y + p.h));
  const titleH = title ? 28 : 0;
  const pad = 8;
  const out = doc.createElement('canvas');
  out.width = Math.ceil((x1 - x0 + 2 * pad) * scale);
  out.height = Math.ceil((y1 - y0 + 2 * pad + titleH) * scale);
  const g = out.getContext('2d');
  g.fillStyle = background;
  g.fillRect(0, 0, out.width, out.height);
  g.scale(scale, scale);
  if (title) {
    g.fillStyle = '#1f2328';
    g.font = '600 15px system-ui, "Noto Sans CJK SC", sans-serif';
    g.textBaseline = 'middle';
    g.fillText(title, pad, pad + titleH / 2 - 2);
  }
  for (const p of parts) {
    g.imageSmoothingEnabled = !isPixelated(p.canvas);
    g.drawImage(p.canvas, p.x - x0 + pad, p.y - y0 + pad + titleH, p.w, p.h);
  }
  return out;
}

/** A canvas as PNG bytes. */
export function canvasToPng(canvas) {
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('The browser could not encode the PNG.'))), 'image/png');
  });
}

/** A layer's tensor as a .npy Blob (float32, C order). */
export function tensorToNpy(tensor) {
  return new Blob([encodeNpy(tensor.data, tensor.shape)], { type: 'application/octet-stream' });
}

/** Offer a Blob as a download named `filename`. */
export function downloadBlob(blob, filename, doc = document) {
  const url = URL.createObjectURL(blob);
  const a = doc.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  a.style.display = 'none';
  (doc.body ?? doc.documentElement).append(a);
  a.click();
  a.remove();
  // The click has handed the URL to the download manager; revoking at once can cancel it in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * The PNG and .npy buttons of a mounted app: the view's canvases as one PNG at 2×, the layer's tensor as .npy.
 * @param {{q: Function, doc: Document, engine: object, t: () => Function, state: () => object, listen: Function,
 *   showMessage: Function}} shell
 * @param {Element} viewArea the element the view is mounted in
 */
export function createExports({ q, doc, engine, t, state, listen, showMessage }, viewArea) {
  async function png() {
    const s = state();
    const canvas = composeCanvases(viewArea, { scale: 2, title: `AlexNet · ${s.layer} · ${t()(`view.${s.view}`)}` });
    if (!canvas) {
      showMessage(t()('export.noCanvas'), 'info');
      return null;
    }
    const blob = await canvasToPng(canvas);
    downloadBlob(blob, `alexnet-${s.layer}-${s.view}.png`, doc);
    return { blob, width: canvas.width, height: canvas.height };
  }

  async function npy() {
    const { layer } = state();
    const tensor = await engine.tensor(layer);
    if (!tensor) {
      showMessage(t()('export.noTensor'), 'info');
      return null;
    }
    const blob = tensorToNpy(tensor);
    downloadBlob(blob, `alexnet-${layer}.npy`, doc);
    return { blob, shape: tensor.shape };
  }

  for (const [id, fn] of [['png-button', png], ['npy-button', npy]]) {
    const el = q(id);
    if (el) listen(el, 'click', () => fn().catch((err) => showMessage(err.message)));
  }
  return { png, npy };
}
