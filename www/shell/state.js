// The explainer's navigation state and its URL-hash encoding (e.g. `#view=maps&layer=conv1&channel=17&lang=zh`).

/** The state keys, in the order they are written to the hash. */
export const STATE_KEYS = Object.freeze(['view', 'layer', 'tower', 'channel', 'y', 'x', 'step', 'scale', 'sample', 'lang', 'tour', 'method', 'class']);

/** Keys whose values are integers; the others are strings. */
const INT_KEYS = new Set(['tower', 'channel', 'y', 'x', 'step', 'class']);

/**
 * @typedef {{view?: string, layer?: string, tower?: number, channel?: number, y?: number, x?: number,
 *            step?: number, scale?: string, sample?: string, lang?: string, tour?: string, method?: string,
 *            class?: number}} State
 *   Absent keys mean "the view's default"; `scale` is a colour-scale mode ('map' | 'layer' | 'global');
 *   `sample` is a gallery photo id ('chelsea') or a probe id ('probe-vedge'); `lang` is 'en' or 'zh' (absent: the
 *   browser's language); `tour` is the guided tour's step ('conv1-output', www/tour/steps.js), absent when it is
 *   closed; `method` and `class` are the Why? view's method (occlusion | saliency | gradcam) and ImageNet class.
 *   The same keys are embed.html's query parameters and <alexnet-explainer>'s attributes.
 */

/**
 * Parse a location hash (with or without the leading '#'). Unknown keys and malformed integers are
 * ignored rather than rejected, because hashes are typed and shared by people.
 * @param {string} hash
 * @returns {State}
 */
export function parseHash(hash) {
  const text = String(hash ?? '').replace(/^#/, '');
  const params = new URLSearchParams(text);
  /** @type {State} */
  const state = {};
  for (const key of STATE_KEYS) {
    const raw = params.get(key);
    if (raw === null || raw === '') continue;
    if (INT_KEYS.has(key)) {
      if (!/^-?\d+$/.test(raw)) continue;
      state[key] = Number.parseInt(raw, 10);
    } else {
      state[key] = raw;
    }
  }
  return state;
}

/**
 * Format a state as a hash (with the leading '#'); undefined and null values are left out.
 * @param {State} state
 * @returns {string}
 */
export function formatHash(state) {
  const params = new URLSearchParams();
  for (const key of STATE_KEYS) {
    const value = state?.[key];
    if (value === undefined || value === null || value === '') continue;
    if (INT_KEYS.has(key) && !Number.isInteger(value)) continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `#${text}` : '';
}

/**
 * Merge a partial state into a state. A change of layer drops the position keys (tower, channel, y, x,
 * step) because they index into the old layer's tensor and would point at the wrong neuron, or out of range.
 * @param {State} state
 * @param {State} partial
 * @returns {State}
 */
export function mergeState(state, partial) {
  const next = { ...state };
  if (partial.layer !== undefined && partial.layer !== state.layer) {
    for (const key of ['tower', 'channel', 'y', 'x', 'step']) delete next[key];
  }
  for (const [key, value] of Object.entries(partial)) {
    if (!STATE_KEYS.includes(key)) continue;
    if (value === undefined || value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}

/** True when two states would format to the same hash. */
export function sameState(a, b) {
  return formatHash(a) === formatHash(b);
}
