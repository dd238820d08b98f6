// Canvas plumbing of the views: HiDPI sizing, pointer positions, the drawing width, unsmoothed blits and hatching.

/**
 * The width the canvas views draw at: the view's own width (at most 1100 CSS pixels), so a canvas is drawn at the
 * size it is shown and its text keeps its size; never shrunk by CSS (an embed in a 600 px column, a phone).
 */
export function viewWidth(root) {
  return Math.max(280, Math.min(1100, root.clientWidth || 900));
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

/**
 * Breaks `text` into lines no wider than `maxW` at the context's current font, at spaces (a word longer than the
 * line keeps its own line): canvas text wraps instead of being cut off or shrunk on a narrow screen.
 */
export function wrapText(g, text, maxW) {
  const lines = [];
  let line = '';
  for (const word of String(text).split(' ')) {
    const next = line ? `${line} ${word}` : word;
    if (line && g.measureText(next).width > maxW) {
      lines.push(line);
      line = word;
    } else {
      line = next;
    }
  }
  if (line) lines.push(line);
  return lines;
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
