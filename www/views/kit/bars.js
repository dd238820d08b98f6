// Bar charts of vectors (fc activations, a weight row): one bar per value around a zero line, thousands to a canvas.

/**
 * Bars for a vector: one bar per value around a zero line, negative values blue, positive in `color`; many values
 * share a pixel column by their extremes so 4096 bars still fit. Returns the x→index mapping.
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
