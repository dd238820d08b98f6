// Arrow-key movement over a grid of cells drawn on one canvas (kernel tiles, kernel slices).

/**
 * The cell index after `key` from cell `i` in a grid of `count` cells laid out `cols` wide (row-major), or null
 * when the key does not move: arrows step, Home and End jump to the first and last cell.
 */
export function gridStep(key, i, count, cols) {
  const to = { ArrowLeft: i - 1, ArrowRight: i + 1, ArrowUp: i - cols, ArrowDown: i + cols, Home: 0, End: count - 1 }[key];
  if (to === undefined) return null;
  return Math.min(count - 1, Math.max(0, to));
}

/**
 * Makes a canvas of cells a keyboard stop: arrows move the focused cell, Enter or Space picks it.
 * `onMove(i)` redraws and describes the cell; `onPick(i)` is optional.
 * @returns {{at: () => number, set: (i: number) => void}}
 */
export function gridKeys(canvas, { count, cols, start = 0, onMove, onPick }) {
  let at = start;
  canvas.tabIndex = 0;
  canvas.addEventListener('keydown', (e) => {
    if ((e.key === 'Enter' || e.key === ' ') && onPick) { e.preventDefault(); onPick(at); return; }
    const to = gridStep(e.key, at, count, cols);
    if (to === null) return;
    e.preventDefault();
    at = to;
    onMove(at);
  });
  canvas.addEventListener('focus', () => onMove(at));
  return { at: () => at, set(i) { at = i; } };
}
