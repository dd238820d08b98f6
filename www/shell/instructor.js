// Instructor controls: `hide=`, `lock=1`, `predict=first` and `image=` from a URL or <alexnet-explainer>'s attributes.
//
// They are not navigation state (the hash): they say what a student may see and change. www/shell/app.js applies
// them through `applyInstructor`: hidden parts get `display: none` through `data-hide` on the shell's host element
// (www/style.css), `lock` keeps the view and layer (and hides the way out, "Open the explainer"), `image` fixes the
// sample, `predict` covers the results (www/shell/predict.js).

import { createPredict } from './predict.js';

/** The parts `hide=` can name, and what each hides (www/style.css has the selectors). */
export const HIDE_PARTS = Object.freeze(['rail', 'tabs', 'png', 'npy', 'image', 'weights', 'lang']);

/** The names the controls are read under: URL parameters and attributes alike. */
export const INSTRUCTOR_KEYS = Object.freeze(['hide', 'lock', 'predict', 'image']);

/**
 * @typedef {{hide: string[], lock: boolean, predict: 'first'|null, image: string|null}} Instructor
 *   `hide`: the parts to hide, known names only; `lock`: the view, layer and tour step stay as given; `predict`: 'first'
 *   covers the top-5 until the student has guessed; `image`: a sample id that cannot be changed.
 */

/**
 * Read the controls. Unknown names and malformed values are ignored, as the hash's are.
 * @param {(name: string) => string|null} get a URL parameter or an attribute (null when absent)
 * @returns {Instructor}
 */
export function parseInstructor(get) {
  const hide = String(get('hide') ?? '').split(/[\s,]+/).filter((p) => HIDE_PARTS.includes(p));
  const lock = get('lock');
  const image = get('image');
  return {
    hide: [...new Set(hide)],
    // An attribute present without a value (`<alexnet-explainer lock>`) locks too.
    lock: lock !== null && !/^(0|false|no)$/i.test(lock),
    predict: get('predict') === 'first' ? 'first' : null,
    image: image && /^[a-z0-9][a-z0-9-]{0,63}$/.test(image) ? image : null,
  };
}

/** The parts hidden in effect: a locked page has no rail or tabs to go elsewhere with, a fixed image no picker. */
export function hiddenParts(o) {
  const parts = new Set(o.hide);
  if (o.lock) for (const p of ['rail', 'tabs']) parts.add(p);
  if (o.image) parts.add('image');
  return [...parts];
}

/**
 * The change a student's move may make: without the view, layer and tour step when locked, without the sample when
 * the image is fixed.
 * @param {Instructor} o
 * @param {object} partial a navigation (www/shell/state.js keys)
 */
export function allowedMove(o, partial) {
  const next = { ...partial };
  if (o.lock) {
    delete next.view;
    delete next.layer;
    delete next.tour;
  }
  if (o.image) delete next.sample;
  return next;
}

/**
 * Apply the controls to a mounted shell.
 * @param {object} shell the app's shell parts (root, doc, isApp, q, engine, t)
 * @param {Instructor} [given] parsed controls (absent: none)
 * @param {() => void} onReveal redraw what the predict cover hid (the top-5 and the view)
 * @returns {{image: string|null, lock: boolean, move: (p: object) => object, pin: (next: object, current?: object) => object}}
 *   `move` filters a navigation, `pin` puts the fixed keys back into a state read from elsewhere (the hash)
 */
export function applyInstructor(shell, given, onReveal) {
  const o = { hide: [], lock: false, predict: null, image: null, ...given };
  const { root, doc, isApp, q } = shell;
  const host = isApp ? doc.documentElement : root.querySelector('.ae-embed');
  const hidden = hiddenParts(o);
  if (host && hidden.length) host.dataset.hide = hidden.join(' ');
  if (host && o.lock) host.dataset.lock = '';
  if (host && o.predict) {
    // The guess goes where the top-5 is (the app's side panel), or above an embed's view, which has none.
    const top5 = q('top5');
    shell.predict = createPredict(shell, {
      host,
      place: (box) => (top5 ? top5.before(box) : root.querySelector('.ae-body')?.before(box)),
      onReveal,
    });
  }
  return {
    image: o.image,
    lock: o.lock,
    move: (partial) => allowedMove(o, partial),
    pin(next, current = next) {
      const out = { ...next };
      if (o.lock && current.view !== undefined) Object.assign(out, { view: current.view, layer: current.layer, tour: current.tour });
      if (o.image) out.sample = o.image;
      return out;
    },
  };
}
