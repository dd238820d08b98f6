// Reading the app state in a view: which layer to show, integers clamped into range, and which pass the data is from.

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

/** Clamps an integer into [lo, hi]; what is not a number becomes `lo`. */
export function clampInt(v, lo, hi) {
  const n = Number.isFinite(+v) ? Math.round(+v) : lo;
  return Math.max(lo, Math.min(hi, n));
}
