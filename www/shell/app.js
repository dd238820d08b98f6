// The explainer as a mountable app, composed of the shell's parts: state and navigation here, the rest in its own file.
//
// Mounted by main.js on index.html, and with minimal chrome (EMBED_SHELL) by embed.html and <alexnet-explainer>.

import { KIND_COLORS, GLOBAL_VIEWS, DEFAULT_VIEW_BY_KIND, VIEW_MODULES, viewsForLayer } from '../shared/config.js';
import { parseHash, formatHash, mergeState, sameState } from './state.js';
import { translator, normaliseLang, LANGS, LANG_NAMES, applyStatic } from '../shared/i18n.js';
import { createWeightsPanel, weightsNote } from './weights-panel.js';
import { createStatus } from './status.js';
import { createLinks, bindShareButtons } from './links.js';
import { createRail } from './rail.js';
import { createViewHost } from './view-host.js';
import { renderTop5, renderAbout } from './results.js';
import { createImages } from './images.js';
import { bindLayerKeys } from './keyboard.js';
import { createExports } from './export.js';
import { applyInstructor } from './instructor.js';
import { createTour } from '../tour/controller.js';
import { tourState } from '../tour/steps.js';
import { untrainedTwin, dropTwin } from '../client/twin.js';

export { EMBED_SHELL } from './embed-shell.js';

/** The view ids, as used in URLs and in embed.html's `view=` parameter. */
const VIEW_IDS = Object.freeze(Object.keys(VIEW_MODULES));

/**
 * Mount the explainer into `root`.
 * @param {object} o
 * @param {ParentNode} o.root a document, shadow root or element that holds the shell's ids (index.html's, or EMBED_SHELL)
 * @param {ReturnType<import('../client/engine.js').createEngine>} o.engine the worker and pass (possibly shared with other embeds)
 * @param {'app'|'embed'} [o.mode] 'app' syncs the URL hash and listens to the keyboard; 'embed' keeps its state private
 * @param {import('./state.js').State} [o.state] the state to open with
 * @param {string} [o.defaultLang] the language when the state names none
 * @param {URL|string} [o.siteUrl] the folder holding index.html and embed.html, for links and snippets
 * @param {string|null} [o.weightsUrl] `?weights=` to carry into links
 * @param {(api: object) => object} [o.createImageInput] app mode: builds the image panel
 * @param {(id: string) => Promise<{pixels: object, label: string}>} [o.loadSample] embed mode: sample pixels by id
 * @param {() => Promise<string>} [o.firstSample] the sample to show when the state names none
 * @param {import('./instructor.js').Instructor} [o.instructor] hide=, lock=, predict=, image= (www/shell/instructor.js)
 */
export function createApp(o) {
  const { root, engine, mode = 'app' } = o;
  const isApp = mode === 'app';
  const doc = root.ownerDocument ?? root;
  const win = doc.defaultView ?? globalThis;
  const cleanups = [];
  let destroyed = false;
  /** @type {import('./state.js').State} */
  let state = { ...(o.state ?? {}) };
  let t = translator(normaliseLang(state.lang) ?? o.defaultLang ?? 'en');
  let appliedLang = null;
  let started = false;
  /**
   * Why `?weights=URL` did not load ({url, error}), shown beside the weights until other weights load. It does not
   * live in the message line, which the first image clears.
   */
  let weightsFailure = engine.fallbackMessage;

  /** What every part of the shell is given: the DOM, the engine, the current language and state, navigation. */
  const shell = {
    root, doc, win, engine, isApp,
    q: (id) => root.querySelector(`#${id}`),
    listen(target, type, fn, opts) {
      target.addEventListener(type, fn, opts);
      cleanups.push(() => target.removeEventListener(type, fn, opts));
    },
    t: () => t,
    state: () => state,
    navigate,
    colors: KIND_COLORS,
  };
  const { q } = shell;
  Object.assign(shell, createStatus(shell));
  const { setStatus, showMessage, labelOf } = shell;

  const effLang = () => normaliseLang(state.lang) ?? normaliseLang(o.defaultLang) ?? 'en';

  // ---------- the view context: everything a view may use ----------

  const ctx = {
    get spec() { return engine.spec; },
    get weightsInfo() { return engine.weightsInfo; },
    client: engine.client,
    layer: (id) => engine.layer(id),
    tensor: (id) => engine.tensor(id),
    /** The engine's receptive-field geometry: 'receptive-field' | 'feeding' | 'seeing' (www/worker/footprint.js). */
    where: (what, args) => engine.client.get(what, args),
    /** The seeded-untrained network beside this one, made on demand, and dropping it (www/client/twin.js). */
    twin: { get: () => untrainedTwin(engine.client), drop: () => dropTwin(engine.client) },
    navigate,
    colors: KIND_COLORS,
    /** {top, timings, preprocess} of the last finished pass, or null. */
    result: () => engine.pass.result,
    /** The RGBA pixels of the image being explained, or null. */
    source: () => engine.pass.source,
    /** Increments with every pass, so a view can tell fresh data from what it already drew. */
    passId: () => engine.pass.runId,
    /** True while a pass is running. */
    running: () => engine.pass.running,
    /** What the predictions are worth with the loaded weights, in one sentence ('' for verified trained weights). */
    weightsNote: () => weightsNote(engine.weightsInfo, t),
    /** The translate function of this app's language (each embed has its own). */
    get t() { return t; },
    get lang() { return t.lang; },
    /** True when the reader asked for less motion (prefers-reduced-motion): no autoplay, cuts instead of tweens. */
    get reducedMotion() { return !!win.matchMedia?.('(prefers-reduced-motion: reduce)').matches; },
  };

  const siteUrl = new URL(o.siteUrl ?? '.', win.location.href);
  const links = createLinks({ siteUrl, weightsUrl: o.weightsUrl, win, t: () => t, state: () => state });
  const share = bindShareButtons(shell, links);
  const rail = createRail(shell);
  const views = createViewHost(shell, ctx);
  const exports = createExports(shell, views.element);
  const tour = createTour(shell);
  cleanups.push(() => tour.destroy());
  const instructor = applyInstructor(shell, o.instructor, () => {
    renderTop5(shell);
    views.refresh();
  });
  state = instructor.pin(state);
  const images = createImages(shell, { createImageInput: isApp ? o.createImageInput : null, loadSample: o.loadSample, fixed: !!instructor.image });
  // The weights panel: in the app the header, banner, download and stored copy; in an embed (whose shell has none of
  // those) the download progress of `?weights=` and the note.
  const weightsPanel = createWeightsPanel({
    ...shell, t: () => t,
    onLoaded: () => {
      weightsFailure = null;
      renderWeightsFailure();
      images.rerun();
    },
  });
  cleanups.push(() => weightsPanel.destroy());

  // ---------- state and navigation ----------

  /** Fill in the layer and view a state leaves out, and repair ones that do not fit. */
  function normalise(s) {
    // A typed `#tour=<step>` names no view: the step's own place fills it in.
    const next = tourState({ ...s }, engine.spec);
    const order = engine.order;
    if (!engine.hasLayer(next.layer)) next.layer = order.includes('conv1') ? 'conv1' : order[0];
    const row = engine.layer(next.layer);
    const allowed = [...viewsForLayer(row), ...GLOBAL_VIEWS];
    if (!allowed.includes(next.view)) {
      // A view that exists for another layer (sweep on relu1) keeps the view and moves to a layer that has it.
      const host = VIEW_IDS.includes(next.view) && order.find((id) => viewsForLayer(engine.layer(id)).includes(next.view));
      if (host && s.layer === undefined) next.layer = host;
      else next.view = DEFAULT_VIEW_BY_KIND[row.kind] ?? 'overview';
    }
    if (next.lang !== undefined && !LANGS.includes(next.lang)) delete next.lang;
    return next;
  }

  /**
   * Change the state. Moving to another layer opens that layer's default view unless a global view (overview,
   * ledger) is showing, which stays. In the app, layer, view and image changes get their own history entry;
   * finer moves (a channel, a position) replace the current one so Back is not flooded.
   * @param {import('./state.js').State} partial
   * @param {{replace?: boolean}} [opts]
   */
  function navigate(partial, opts = {}) {
    if (!engine.spec || destroyed) return;
    partial = instructor.move(partial);
    const layerChanged = partial.layer !== undefined && partial.layer !== state.layer;
    let next = mergeState(state, partial);
    if (layerChanged && partial.view === undefined && !GLOBAL_VIEWS.includes(state.view)) {
      next.view = DEFAULT_VIEW_BY_KIND[engine.layer(next.layer)?.kind];
    }
    next = normalise(next);
    if (sameState(next, state)) return;
    if (isApp) {
      const major = next.layer !== state.layer || next.view !== state.view || next.sample !== state.sample || next.lang !== state.lang ||
        next.tour !== state.tour;
      const hash = formatHash(next) || '#';
      if (major && !opts.replace) win.history.pushState(null, '', hash);
      else win.history.replaceState(null, '', hash);
    }
    state = next;
    render();
  }

  function onLocationChange() {
    if (!engine.spec) return;
    const next = normalise(instructor.pin(parseHash(win.location.hash), state));
    // A locked page puts its own place back into a hash that was edited to go elsewhere.
    if (instructor.lock || instructor.image) win.history.replaceState(null, '', formatHash(next) || '#');
    if (sameState(next, state)) return;
    state = next;
    render();
  }

  // ---------- rendering ----------

  function renderWeights() {
    weightsPanel.render();
    if (isApp) return;
    // An embed has no weights controls, only its one-line note under the bar.
    const w = engine.weightsInfo;
    const banner = q('untrained-banner');
    if (banner) banner.textContent = w?.origin === 'starter' ? t('embed.starter') : w?.origin === 'file' ? weightsNote(w, t) : t('embed.untrained');
  }

  function renderWeightsFailure() {
    const text = weightsFailure ? t('msg.weightsUrlFailed', weightsFailure) : '';
    const fallback = q('weights-fallback');
    if (fallback) {
      fallback.textContent = text;
      fallback.hidden = !text;
    } else if (text) {
      // An embed has no banner line for it; its message line is not cleared by images.
      showMessage(text);
    }
  }

  /** Re-translate everything that is already on screen; views are re-mounted by render(). */
  function applyLang() {
    const lang = effLang();
    if (lang === appliedLang) return false;
    appliedLang = lang;
    t = translator(lang);
    applyStatic(root, t);
    if (isApp) doc.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    else q('view')?.closest('.ae-embed')?.setAttribute('lang', lang === 'zh' ? 'zh-CN' : 'en');
    const select = q('lang-select');
    if (select) select.value = lang;
    rail.build();
    renderWeights();
    renderWeightsFailure();
    renderTop5(shell);
    renderAbout(shell);
    shell.retranslate(engine.pass.meta);
    images.relabel();
    return true;
  }

  function render() {
    if (destroyed) return;
    const langChanged = applyLang();
    rail.show(state);
    if (isApp) doc.title = `${state.layer} · ${t(`view.${state.view}`)} — ${t('app.title')}`;
    const openFull = q('open-full');
    if (openFull) openFull.href = links.appLink();
    if (started) images.useSample(state.sample);
    views.show(state, langChanged);
    tour.show(state);
  }

  // ---------- engine events ----------

  const subscriptions = [
    engine.on('start', () => {
      for (const id of engine.order) rail.mark(id, false);
      setStatus('running', 'status.running', { label: labelOf(engine.pass.meta) });
    }),
    engine.on('layer', ({ layer }) => {
      rail.mark(layer, true);
      const i = engine.order.indexOf(layer) + 1;
      setStatus('running', 'status.runningLayer', { layer, i, n: engine.order.length });
      if (layer === state.layer || GLOBAL_VIEWS.includes(state.view)) views.refresh();
    }),
    engine.on('done', ({ timings }) => {
      const total = Object.values(timings).reduce((a, b) => a + b, 0);
      setStatus('done', 'status.done', { n: engine.order.length, ms: total.toFixed(0), label: labelOf(engine.pass.meta) });
      renderTop5(shell);
      views.refresh();
    }),
    engine.on('error', ({ message }) => {
      setStatus('error', 'status.error');
      showMessage(message);
    }),
    engine.on('restart', ({ message }) => showMessage(message, 'info')),
    engine.on('ready', () => {
      renderWeights();
      renderAbout(shell);
    }),
  ];
  cleanups.push(() => {
    for (const off of subscriptions) off();
  });

  // ---------- controls ----------

  const select = q('lang-select');
  if (select) {
    select.replaceChildren(...LANGS.map((l) => new Option(LANG_NAMES[l], l)));
    select.value = effLang();
    shell.listen(select, 'change', () => navigate({ lang: select.value }));
  }
  // The service worker's answer (www/coi/register.js) can come after the About panel was drawn.
  shell.listen(win, 'alexnet-coi', () => renderAbout(shell));
  if (isApp) {
    bindLayerKeys(shell, share.dialogOpen);
    shell.listen(win, 'popstate', onLocationChange);
    shell.listen(win, 'hashchange', onLocationChange);
  }

  // ---------- start ----------

  async function start() {
    applyLang();
    setStatus('loading', o.weightsUrl ? 'status.loadingWeightsFrom' : 'status.loadingEngine', { url: o.weightsUrl });
    try {
      await engine.ready;
    } catch (err) {
      setStatus('error', 'status.engineFailed');
      showMessage(err.message);
      return;
    }
    if (destroyed) return;
    weightsFailure = engine.fallbackMessage;
    renderWeightsFailure();
    renderWeights();
    renderAbout(shell);
    rail.build();
    if (engine.pass.result) {
      setStatus('done', 'status.done', { n: engine.order.length, ms: Object.values(engine.pass.result.timings).reduce((a, b) => a + b, 0).toFixed(0), label: labelOf(engine.pass.meta) });
      renderTop5(shell);
    } else if (engine.pass.running) {
      setStatus('running', 'status.running', { label: labelOf(engine.pass.meta) });
    } else {
      setStatus('ready', 'status.ready');
    }
    let first;
    if (isApp) {
      weightsPanel.probeSite();
      doc.body.dataset.ready = 'true';
      first = await images.gallery();
      images.relabel();
    }
    // The gallery's buttons are laid out in a task of their own, before the first view draws: together they made
    // one 60–95 ms task at page load.
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (destroyed) return;
    state = normalise(state);
    if (!state.sample) state.sample = isApp ? first : await o.firstSample?.();
    if (isApp) win.history.replaceState(null, '', formatHash(state) || '#');
    started = true;
    render();
  }

  const ready = start();

  return {
    ctx,
    ready,
    get state() { return state; },
    navigate,
    /** Replace the whole state (e.g. from the custom element's attributes). */
    setState(next) {
      if (!started) {
        state = { ...next };
        return;
      }
      const s = normalise({ ...next, sample: next.sample ?? state.sample });
      if (sameState(s, state)) return;
      state = s;
      render();
    },
    /** The guided tour: open(), next(), back(), close() (the step itself is the state's `tour`). */
    tour,
    appLink: links.appLink,
    embedLink: links.embedLink,
    embedSnippets: links.embedSnippets,
    exportPng: exports.png,
    exportNpy: exports.npy,
    downloadZooWeights: () => weightsPanel.downloadTrained(),
    destroy() {
      if (destroyed) return;
      destroyed = true;
      views.destroy();
      for (const fn of cleanups.splice(0)) fn();
    },
  };
}
