// The explainer as a mountable app: layer rail, view tabs, state (URL hash or private), the views, status, exports
// and the language; mounted by main.js on index.html and, with minimal chrome, by embed.html and <alexnet-explainer>.

import { KIND_COLORS, GLOBAL_VIEWS, DEFAULT_VIEW_BY_KIND, VIEW_MODULES, viewsForLayer } from '../shared/config.js';
import { parseHash, formatHash, mergeState, sameState } from './state.js';
import { translator, normaliseLang, LANGS, LANG_NAMES, applyStatic } from '../shared/i18n.js';
import { composeCanvases, canvasToPng, tensorToNpy, downloadBlob } from './export.js';
import { createWeightsPanel, weightsLabel, weightsNote } from './weights-panel.js';
import { createLatest } from './latest.js';

/** The view ids, as used in URLs and in embed.html's `view=` parameter. */
export const VIEW_IDS = Object.freeze(Object.keys(VIEW_MODULES));

/** W×H×C-per-tower ×towers, the way the seed article writes conv1's output (55×55×48 ×2). */
export function shapeLabel(row) {
  const shape = row.out_shape;
  const towers = row.towers === 2 ? 2 : 1;
  const suffix = towers > 1 ? ` ×${towers}` : '';
  if (shape.length === 3) return `${shape[2]}×${shape[1]}×${shape[0] / towers}${suffix}`;
  return `${shape[0] / towers}${suffix}`;
}

/** The markup of an embed: one view, a one-line bar above it, nothing else. */
export const EMBED_SHELL = `
  <div class="ae-embed" part="embed">
    <div class="ae-bar">
      <strong id="view-title" class="ae-title">AlexNet</strong>
      <span id="shape-text" class="shape"></span>
      <span id="status" class="ae-status" role="status" aria-live="polite" data-state="loading"><span id="status-text"></span>
        <progress id="weights-progress" hidden></progress></span>
      <span class="ae-actions">
        <button type="button" id="png-button" class="ae-btn" data-i18n="export.png">PNG</button>
        <a id="open-full" class="ae-btn" target="_blank" rel="noopener" data-i18n="embed.open">Open the explainer ↗</a>
      </span>
    </div>
    <div id="untrained-banner" class="ae-note" hidden data-i18n="embed.untrained"></div>
    <div id="message" role="alert" hidden></div>
    <div class="ae-fit"><div class="ae-scale"><div id="view" class="view-area"></div></div></div>
  </div>`;

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
 * @param {(root: Element, api: object) => object} [o.createImageInput] app mode: builds the image panel
 * @param {(id: string) => Promise<{pixels: object, label: string}>} [o.loadSample] embed mode: sample pixels by id
 * @param {() => Promise<string>} [o.firstSample] the sample to show when the state names none
 * @param {boolean} [o.fitHeight] embed mode: shrink the view to the container's height too (not just its width)
 */
export function createApp(o) {
  const { root, engine, mode = 'app' } = o;
  const isApp = mode === 'app';
  const doc = root.ownerDocument ?? root;
  const win = doc.defaultView ?? globalThis;
  const siteUrl = new URL(o.siteUrl ?? '.', win.location.href);
  const q = (id) => root.querySelector(`#${id}`);
  const els = {
    banner: q('untrained-banner'),
    fallback: q('weights-fallback'),
    rail: q('rail'),
    tabs: q('tabs'),
    title: q('view-title'),
    shape: q('shape-text'),
    view: q('view'),
    top5: q('top5'),
    topNote: q('top5-note'),
    status: q('status'),
    statusText: q('status-text'),
    pills: q('progress-pills'),
    progress: q('weights-progress'),
    message: q('message'),
    langSelect: q('lang-select'),
    about: q('about-list'),
    openFull: q('open-full'),
    embedDialog: q('embed-dialog'),
  };
  const client = engine.client;
  const cleanups = [];
  const listen = (target, type, fn, opts) => {
    target.addEventListener(type, fn, opts);
    cleanups.push(() => target.removeEventListener(type, fn, opts));
  };
  let destroyed = false;

  /** @type {import('./state.js').State} */
  let state = { ...(o.state ?? {}) };
  let t = translator(normaliseLang(state.lang) ?? o.defaultLang ?? 'en');
  let appliedLang = null;
  let lastStatus = { name: 'loading', key: 'status.loadingEngine', params: {} };
  let started = false;
  /**
   * Why `?weights=URL` did not load ({url, error}), shown beside the weights until other weights load. It does not
   * live in the message line, which the first image clears.
   */
  let weightsFailure = engine.fallbackMessage;

  const effLang = () => normaliseLang(state.lang) ?? normaliseLang(o.defaultLang) ?? 'en';
  const viewTitle = (v) => t(`view.${v}`);

  // ---------- messages and status ----------

  function showMessage(text, kind = 'error') {
    if (!els.message) return;
    els.message.textContent = text;
    els.message.dataset.kind = kind;
    els.message.hidden = !text;
  }

  function setStatus(name, key, params = {}) {
    lastStatus = { name, key, params };
    if (els.status) els.status.dataset.state = name;
    if (els.statusText) {
      els.statusText.textContent = t(key, params);
      // The line is cut with an ellipsis when a file name makes it long; the whole of it is in the tooltip.
      els.statusText.title = els.statusText.textContent;
    }
    if (name !== 'loading' && els.progress) els.progress.hidden = true;
  }

  /** A sample's title in the current language; uploads keep their file name. */
  function labelOf(meta) {
    if (!meta) return '';
    if (meta.sample && t.has(`sample.${meta.sample}`)) return t(`sample.${meta.sample}`);
    return meta.label ?? meta.sample ?? '';
  }

  // ---------- the view context ----------

  const ctx = {
    get spec() { return engine.spec; },
    get weightsInfo() { return engine.weightsInfo; },
    client,
    layer: (id) => engine.layer(id),
    tensor: (id) => engine.tensor(id),
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
  };

  // ---------- state and navigation ----------

  const kindOf = (id) => engine.layer(id)?.kind;

  /** Fill in the layer and view a state leaves out, and repair ones that do not fit. */
  function normalise(s) {
    const next = { ...s };
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
    const layerChanged = partial.layer !== undefined && partial.layer !== state.layer;
    let next = mergeState(state, partial);
    if (layerChanged && partial.view === undefined && !GLOBAL_VIEWS.includes(state.view)) {
      next.view = DEFAULT_VIEW_BY_KIND[kindOf(next.layer)];
    }
    next = normalise(next);
    if (sameState(next, state)) return;
    if (isApp) {
      const major = next.layer !== state.layer || next.view !== state.view || next.sample !== state.sample || next.lang !== state.lang;
      const hash = formatHash(next) || '#';
      if (major && !opts.replace) win.history.pushState(null, '', hash);
      else win.history.replaceState(null, '', hash);
    }
    state = next;
    render();
  }

  function onLocationChange() {
    if (!engine.spec) return;
    const next = normalise(parseHash(win.location.hash));
    if (sameState(next, state)) return;
    state = next;
    render();
  }

  // ---------- links and snippets ----------

  /** The state as a link restores it: the language is written out even when it was only the default. */
  function linkState(s = state) {
    return { ...s, lang: normaliseLang(s.lang) ?? t.lang };
  }

  function withWeights(url) {
    if (o.weightsUrl) url.searchParams.set('weights', o.weightsUrl);
    return url;
  }

  /** A link to the full app that opens exactly this view. */
  function appLink(s = state) {
    const url = withWeights(new URL('index.html', siteUrl));
    url.hash = formatHash(linkState(s));
    return url.href;
  }

  /** embed.html's URL for this view: the state as query parameters. */
  function embedLink(s = state) {
    const url = new URL('embed.html', siteUrl);
    url.search = formatHash(linkState(s)).replace(/^#/, '');
    withWeights(url);
    return url.href;
  }

  function escapeAttr(v) {
    return String(v).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  }

  /** Copy-paste snippets for the current view: an iframe of embed.html and the custom element. */
  function embedSnippets(s = state) {
    const ls = linkState(s);
    const title = `AlexNet · ${ls.layer} · ${t(`view.${ls.view}`)}`;
    const iframe = `<iframe src="${escapeAttr(embedLink(s))}" width="640" height="400" style="border:0;max-width:100%" ` +
      `loading="lazy" title="${escapeAttr(title)}"></iframe>`;
    const attrs = Object.entries(ls).filter(([, v]) => v !== undefined && v !== null && v !== '')
      .map(([k, v]) => ` ${k}="${escapeAttr(v)}"`).join('');
    const weights = o.weightsUrl ? ` weights="${escapeAttr(new URL(o.weightsUrl, win.location.href).href)}"` : '';
    const element = `<script type="module" src="${escapeAttr(new URL('www/element.js', siteUrl).href)}"></script>\n` +
      `<alexnet-explainer${attrs}${weights}></alexnet-explainer>`;
    return { iframe, element };
  }

  async function copyText(text) {
    try {
      await win.navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Clipboard access can be refused (no user gesture, an iframe without permission): show the text instead.
      return false;
    }
  }

  // ---------- shell rendering ----------

  function buildRail() {
    if (!els.rail) return;
    els.rail.replaceChildren();
    els.rail.setAttribute('aria-label', t('app.railLabel'));
    for (const id of engine.order) {
      const row = engine.layer(id);
      const b = doc.createElement('button');
      b.type = 'button';
      b.id = `rail-${id}`;
      b.className = 'rail-btn';
      b.dataset.kind = row.kind;
      b.dataset.layer = id;
      b.style.setProperty('--kind', KIND_COLORS[row.kind] ?? '#888');
      b.textContent = id;
      b.title = t('app.railTitle', { id, kind: t(`kind.${row.kind}`), shape: shapeLabel(row) });
      b.addEventListener('click', () => navigate({ layer: id }));
      els.rail.append(b);
    }
    if (!els.pills) return;
    els.pills.replaceChildren();
    for (const id of engine.order) {
      const pill = doc.createElement('i');
      pill.dataset.layer = id;
      pill.title = id;
      pill.style.setProperty('--kind', KIND_COLORS[kindOf(id)] ?? '#888');
      els.pills.append(pill);
    }
    for (const id of engine.pass.tensors.keys()) markComputed(id, true);
  }

  function markComputed(id, on) {
    q(`rail-${id}`)?.classList.toggle('computed', on);
    els.pills?.querySelector(`[data-layer="${id}"]`)?.classList.toggle('on', on);
  }

  function renderTabs() {
    if (!els.tabs) return;
    const row = engine.layer(state.layer);
    const views = [...viewsForLayer(row), ...GLOBAL_VIEWS];
    els.tabs.replaceChildren();
    els.tabs.setAttribute('aria-label', t('app.tabsLabel'));
    for (const v of views) {
      const b = doc.createElement('button');
      b.type = 'button';
      b.id = `tab-${v}`;
      b.setAttribute('role', 'tab');
      b.setAttribute('aria-selected', String(v === state.view));
      b.setAttribute('aria-controls', 'view');
      b.className = GLOBAL_VIEWS.includes(v) ? 'tab global' : 'tab';
      b.textContent = viewTitle(v);
      b.addEventListener('click', () => navigate({ view: v }));
      els.tabs.append(b);
    }
  }

  function shapeTitle(row) {
    if (row.out_shape.length !== 3) return t('app.shapeValues', { n: row.out_shape[0] });
    const [c, h, w] = row.out_shape;
    return row.towers === 2 ? t('app.shapeChannelsTowers', { c, w, h, half: c / 2 }) : t('app.shapeChannels', { c, w, h });
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
    if (els.langSelect) els.langSelect.value = lang;
    buildRail();
    renderWeights();
    renderWeightsFailure();
    renderTop5();
    renderAbout();
    // The image's name is part of some status lines, and it has a name in each language.
    const params = 'label' in lastStatus.params ? { ...lastStatus.params, label: labelOf(engine.pass.meta) } : lastStatus.params;
    setStatus(lastStatus.name, lastStatus.key, params);
    relabelImages?.();
    return true;
  }

  function render() {
    if (destroyed) return;
    const langChanged = applyLang();
    const row = engine.layer(state.layer);
    for (const b of els.rail?.querySelectorAll('.rail-btn') ?? []) {
      if (b.dataset.layer === state.layer) b.setAttribute('aria-current', 'true');
      else b.removeAttribute('aria-current');
    }
    q(`rail-${state.layer}`)?.scrollIntoView?.({ block: 'nearest', inline: 'nearest' });
    renderTabs();
    els.title.textContent = `${state.layer} · ${viewTitle(state.view)}`;
    els.title.style.setProperty('--kind', KIND_COLORS[row.kind]);
    els.shape.textContent = shapeLabel(row);
    els.shape.title = shapeTitle(row);
    if (isApp) doc.title = `${state.layer} · ${viewTitle(state.view)} — ${t('app.title')}`;
    if (els.openFull) els.openFull.href = appLink();
    useSample(state.sample);
    showView(langChanged);
  }

  // ---------- views ----------

  const factories = new Map();
  let mounted = { id: null, view: null };
  let mountSeq = 0;

  async function loadFactory(viewId) {
    if (factories.has(viewId)) return factories.get(viewId);
    const [path, name] = VIEW_MODULES[viewId];
    let factory = null;
    try {
      const mod = await import(path);
      factory = mod[name] ?? null;
    } catch (err) {
      // A view that failed to load is "coming soon", not a broken page.
      console.warn(`view ${viewId} unavailable:`, err.message);
    }
    factories.set(viewId, factory);
    return factory;
  }

  function safeUpdate() {
    try {
      const r = mounted.view?.update(state);
      if (r && typeof r.catch === 'function') r.catch((err) => viewFailed(err));
    } catch (err) {
      viewFailed(err);
    }
    fit();
  }

  function viewFailed(err) {
    console.warn(err);
    showMessage(t('msg.viewFailed', { view: viewTitle(mounted.id) ?? '', error: err.message }));
  }

  async function showView(remount = false) {
    const viewId = state.view;
    if (!remount && mounted.id === viewId && mounted.view) {
      safeUpdate();
      return;
    }
    const seq = ++mountSeq;
    try {
      mounted.view?.destroy();
    } catch (err) {
      console.warn(err);
    }
    mounted = { id: viewId, view: null };
    resetFit();
    const factory = await loadFactory(viewId);
    if (seq !== mountSeq || destroyed) return;
    els.view.replaceChildren();
    els.view.dataset.view = viewId;
    if (!factory) {
      const p = doc.createElement('p');
      p.className = 'coming-soon';
      p.textContent = t('app.comingSoon', { view: viewTitle(viewId) });
      els.view.append(p);
      return;
    }
    const container = doc.createElement('div');
    container.className = `view view-${viewId}`;
    els.view.append(container);
    try {
      mounted.view = factory(container, ctx);
    } catch (err) {
      viewFailed(err);
      return;
    }
    safeUpdate();
  }

  /** Redraw the mounted view at most once per frame, however many layer events arrive. */
  let refreshQueued = false;
  function refreshView() {
    if (refreshQueued) return;
    refreshQueued = true;
    win.requestAnimationFrame(() => {
      refreshQueued = false;
      if (mounted.view && !destroyed) safeUpdate();
    });
  }

  // ---------- embed fitting ----------

  const fitBox = root.querySelector('.ae-fit');
  const scaleBox = root.querySelector('.ae-scale');
  /**
   * Shrink the view (a CSS transform, so the views' own layout is untouched) until it fits the embed's box:
   * an iframe at 640×400 shows the whole view with no scrollbars. Pointer maths in the views uses
   * getBoundingClientRect, which already includes the transform.
   */
  let layoutWidth = 0;
  let widenSteps = 0;
  function fit() {
    if (!fitBox || !scaleBox) return;
    const availW = fitBox.clientWidth;
    const availH = fitBox.clientHeight;
    const needW = Math.max(scaleBox.scrollWidth, scaleBox.offsetWidth);
    const needH = scaleBox.scrollHeight;
    if (!availW || !needW || !needH) return;
    const sw = Math.min(1, availW / needW);
    let s = sw;
    if (o.fitHeight && availH > 0) {
      const sh = availH / needH;
      s = Math.min(s, sh);
      // A tall view shrunk to the height leaves the sides empty; laying it out wider makes it shorter, so it can be
      // shrunk less. The width only grows (a few steps per mounted view), so this cannot oscillate.
      if (sh < sw * 0.9 && widenSteps < 4 && needW < 1600) {
        widenSteps++;
        layoutWidth = Math.min(1600, Math.round(needW * Math.sqrt(sw / sh)));
        scaleBox.style.width = `${layoutWidth}px`;
      }
    }
    scaleBox.style.transform = s < 0.999 ? `scale(${s})` : '';
    scaleBox.dataset.scale = s.toFixed(3);
    if (!o.fitHeight) fitBox.style.height = `${Math.ceil(needH * s)}px`;
  }
  /** A new view starts from the frame's own width again. */
  function resetFit() {
    widenSteps = 0;
    layoutWidth = 0;
    if (scaleBox) scaleBox.style.width = '';
  }
  if (fitBox && scaleBox && 'ResizeObserver' in win) {
    const ro = new win.ResizeObserver(() => win.requestAnimationFrame(fit));
    ro.observe(fitBox);
    ro.observe(scaleBox);
    cleanups.push(() => ro.disconnect());
  }

  // ---------- results ----------

  function renderTop5() {
    if (!els.top5) return;
    els.top5.replaceChildren();
    const top = engine.pass.result?.top ?? [];
    for (const p of top) {
      const li = doc.createElement('li');
      const name = doc.createElement('span');
      name.className = 'name';
      name.textContent = t.has(`class.${p.index}`) ? t(`class.${p.index}`) : p.name;
      const pct = doc.createElement('span');
      pct.className = 'pct';
      pct.textContent = `${(p.prob * 100).toFixed(1)}%`;
      const bar = doc.createElement('span');
      bar.className = 'bar';
      bar.style.width = `${Math.max(0.5, p.prob * 100)}%`;
      li.append(name, pct, bar);
      li.title = t('app.classTitle', { index: p.index, logit: p.logit.toFixed(3) });
      els.top5.append(li);
    }
    const notes = [];
    if (['starter', 'seeded'].includes(engine.weightsInfo?.origin) && top.length) notes.push(t('app.randomNames'));
    // No Chinese ImageNet-1k names were found in a package we can ship, so other languages say the names are English.
    if (top.length && t.lang !== 'en') notes.push(t('app.classNamesNote'));
    if (els.topNote) els.topNote.textContent = notes.join(' ');
  }

  const fmtInt = (n) => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

  function renderWeights() {
    weightsPanel.render();
    if (isApp) return;
    // An embed has no weights controls, only its one-line note under the bar.
    const w = engine.weightsInfo;
    if (els.banner) els.banner.textContent = w?.origin === 'starter' ? t('embed.starter') : w?.origin === 'file' ? weightsNote(w, t) : t('embed.untrained');
  }

  function renderWeightsFailure() {
    const text = weightsFailure ? t('msg.weightsUrlFailed', weightsFailure) : '';
    if (els.fallback) {
      els.fallback.textContent = text;
      els.fallback.hidden = !text;
    } else if (text) {
      // An embed has no banner line for it; its message line is not cleared by images.
      showMessage(text);
    }
  }

  /** Other weights loaded: the old failure no longer describes what runs. */
  function weightsLoaded() {
    weightsFailure = null;
    renderWeightsFailure();
  }

  /** The About panel: what runs where, and whether threads are possible on this host. */
  function renderAbout() {
    if (!els.about) return;
    const isolated = !!win.crossOriginIsolated;
    // The worker reports the build it runs; before it has, an isolated page can only say threads are possible.
    const threads = engine.engineInfo?.threads ?? client.info?.()?.engine?.threads;
    let mode;
    if (!isolated || threads === 1) mode = t('about.singleThreaded');
    else if (threads > 1) mode = t('about.multiThreaded', { n: threads });
    else mode = t('about.threadsPossible');
    const relaxed = engine.engineInfo?.relaxed ?? client.info?.()?.engine?.relaxed;
    const rows = [
      ['about.isolatedLabel', t('about.isolated', { yesno: t(isolated ? 'about.yes' : 'about.no'), threads: mode })],
      ['about.simdLabel', relaxed === undefined ? '…' : t(relaxed ? 'about.simdRelaxed' : 'about.simd128')],
      ['about.weightsLabel', engine.weightsInfo ? `${weightsLabel(engine.weightsInfo, t)} · ${engine.weightsInfo.format} · ${engine.weightsInfo.dtype}` : '…'],
      ['about.cacheLabel', t(typeof win.caches === 'undefined' ? 'about.cacheNo' : 'about.cacheYes')],
      ['about.classesLabel', t('about.classes')],
    ];
    els.about.replaceChildren();
    for (const [key, value] of rows) {
      const dt = doc.createElement('dt');
      dt.textContent = t(key);
      const dd = doc.createElement('dd');
      dd.textContent = value;
      if (key === 'about.isolatedLabel') dd.id = 'about-isolated';
      if (key === 'about.simdLabel') dd.id = 'about-simd';
      els.about.append(dt, dd);
    }
  }

  // ---------- images ----------

  let imageInput = null;
  let relabelImages = null;
  /** Every image choice (a file, a drop, a paste, a sample): the latest one wins, however long the others take. */
  const imageChoices = createLatest();

  /** Show the sample the state names (or the first one); the app loads it through its image panel. */
  function useSample(id) {
    if (!started) return;
    if (!isApp) {
      engine.useSample(id, o.loadSample).catch((err) => {
        setStatus('error', 'status.error');
        showMessage(err.message);
      });
      return;
    }
    if (id && id !== imageInput.currentSample()) loadSample(id);
  }

  /**
   * Make `source` the image being explained, unless a newer choice was made meanwhile (`choice` is no longer
   * current): then it is dropped without a trace. Decoding failures leave the previous image, its pass and the
   * state untouched: only the message changes.
   */
  async function useImage(source, meta = {}, choice = imageChoices.begin()) {
    let pixels;
    try {
      pixels = await imageInput.decode(source);
    } catch (err) {
      if (choice.current()) showMessage(err.message);
      return false;
    }
    if (!choice.current()) return false;
    showMessage('');
    imageInput.setCurrent(pixels, { ...meta, label: labelOf(meta) });
    // The URL follows the winner: a file is no sample; a sample was put in the URL when it was picked.
    if (meta.sample === undefined && state.sample !== undefined) navigate({ sample: undefined }, { replace: true });
    else if (meta.sample !== undefined && state.sample !== meta.sample) navigate({ sample: meta.sample }, { replace: true });
    runImage(pixels, meta);
    return true;
  }

  /** A cheap, permanent mark: tests/e2e/feel.test.mjs measures from it to the first conv1 maps on screen. */
  function markChosen() {
    win.performance?.mark?.('image-chosen');
  }

  async function loadSample(id) {
    markChosen();
    const choice = imageChoices.begin();
    let ok = false;
    try {
      const { source, meta } = await imageInput.loadSample(id);
      if (!choice.current()) return;
      ok = await useImage(source, meta, choice);
    } catch (err) {
      if (choice.current()) showMessage(err.message);
    }
    if (!ok && choice.current()) {
      // The image did not change, so the URL should not claim it did.
      imageInput.forget();
      if (state.sample === id) navigate({ sample: imageInput.currentSample() ?? null }, { replace: true });
    }
  }

  async function runImage(pixels, meta) {
    try {
      await engine.run(pixels, meta);
    } catch (err) {
      setStatus('error', 'status.passFailed');
      showMessage(err.message);
    }
  }

  if (isApp && o.createImageInput) {
    imageInput = o.createImageInput({
      onImage: (source, meta) => {
        markChosen();
        return useImage(source, meta);
      },
      onPick: (sampleId) => navigate({ sample: sampleId }),
    });
    relabelImages = () => {
      const panel = q('image-panel');
      if (!panel) return;
      applyStatic(panel, t);
      for (const b of panel.querySelectorAll('[data-sample]')) {
        const span = b.querySelector('span');
        if (!span) continue;
        span.dataset.title ??= span.textContent;
        const key = `sample.${b.dataset.sample}`;
        span.textContent = t.has(key) ? t(key) : span.dataset.title;
      }
      const pixels = imageInput.currentPixels?.();
      const sample = imageInput.currentSample?.();
      if (pixels && engine.pass.meta) imageInput.setCurrent(pixels, { ...engine.pass.meta, sample, label: labelOf(engine.pass.meta) });
    };
  }

  // ---------- engine events ----------

  const subscriptions = [
    engine.on('start', () => {
      for (const id of engine.order) markComputed(id, false);
      setStatus('running', 'status.running', { label: labelOf(engine.pass.meta) });
    }),
    engine.on('layer', ({ layer }) => {
      markComputed(layer, true);
      const i = engine.order.indexOf(layer) + 1;
      setStatus('running', 'status.runningLayer', { layer, i, n: engine.order.length });
      if (layer === state.layer || GLOBAL_VIEWS.includes(state.view)) refreshView();
    }),
    engine.on('done', ({ timings }) => {
      const total = Object.values(timings).reduce((a, b) => a + b, 0);
      setStatus('done', 'status.done', { n: engine.order.length, ms: total.toFixed(0), label: labelOf(engine.pass.meta) });
      renderTop5();
      refreshView();
    }),
    engine.on('error', ({ message }) => {
      setStatus('error', 'status.error');
      showMessage(message);
    }),
    engine.on('restart', ({ message }) => showMessage(message, 'info')),
    engine.on('ready', () => {
      renderWeights();
      renderAbout();
    }),
  ];
  cleanups.push(() => subscriptions.forEach((off) => off()));

  // ---------- buttons ----------

  function onAction(id, fn) {
    const el = q(id);
    if (el) listen(el, 'click', fn);
  }

  async function exportPng() {
    const canvas = composeCanvases(els.view, { scale: 2, title: `AlexNet · ${state.layer} · ${viewTitle(state.view)}` });
    if (!canvas) {
      showMessage(t('export.noCanvas'), 'info');
      return null;
    }
    const blob = await canvasToPng(canvas);
    downloadBlob(blob, `alexnet-${state.layer}-${state.view}.png`, doc);
    return { blob, width: canvas.width, height: canvas.height };
  }

  async function exportNpy() {
    const tensor = await engine.tensor(state.layer);
    if (!tensor) {
      showMessage(t('export.noTensor'), 'info');
      return null;
    }
    const blob = tensorToNpy(tensor);
    downloadBlob(blob, `alexnet-${state.layer}.npy`, doc);
    return { blob, shape: tensor.shape };
  }

  onAction('png-button', () => exportPng().catch((err) => showMessage(err.message)));
  onAction('npy-button', () => exportNpy().catch((err) => showMessage(err.message)));
  onAction('copy-link', async () => {
    const link = appLink();
    const ok = await copyText(link);
    const button = q('copy-link');
    button.dataset.link = link;
    showMessage(ok ? t('share.copied') : t('share.copyThis', { link }), 'info');
  });
  onAction('embed-button', () => {
    const dialog = els.embedDialog;
    if (!dialog) return;
    const { iframe, element } = embedSnippets();
    q('embed-iframe-snippet').value = iframe;
    q('embed-element-snippet').value = element;
    const preview = q('embed-preview-link');
    if (preview) preview.href = embedLink();
    if (typeof dialog.showModal === 'function') dialog.showModal();
    else dialog.setAttribute('open', '');
  });
  for (const [button, field] of [['embed-copy-iframe', 'embed-iframe-snippet'], ['embed-copy-element', 'embed-element-snippet']]) {
    onAction(button, async () => {
      const ok = await copyText(q(field).value);
      if (!ok) q(field).select();
      q(button).textContent = t(ok ? 'share.copiedShort' : 'share.selected');
    });
  }
  onAction('embed-close', () => els.embedDialog?.close?.());
  if (els.langSelect) {
    els.langSelect.replaceChildren(...LANGS.map((l) => new Option(LANG_NAMES[l], l)));
    els.langSelect.value = effLang();
    listen(els.langSelect, 'change', () => navigate({ lang: els.langSelect.value }));
  }

  // ---------- weights ----------

  // The weights panel: in the app the header, banner, download and stored copy; in an embed (whose shell has none of
  // those) the download progress of `?weights=` and the note.
  const weightsPanel = createWeightsPanel({
    q, root, engine, t: () => t, setStatus, showMessage, listen,
    onLoaded: () => {
      weightsLoaded();
      if (engine.pass.source) runImage(engine.pass.source, engine.pass.meta);
    },
  });
  cleanups.push(() => weightsPanel.destroy());

  // ---------- keyboard and history (app) ----------

  if (isApp) {
    listen(doc, 'keydown', (e) => {
      if (!engine.spec || e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
      const target = e.target;
      if (target instanceof win.HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
      if (els.embedDialog?.open) return;
      const order = engine.order;
      const i = order.indexOf(state.layer);
      let next = null;
      if (e.key === 'ArrowRight') next = order[Math.min(order.length - 1, i + 1)];
      else if (e.key === 'ArrowLeft') next = order[Math.max(0, i - 1)];
      else if (e.key === 'Home') next = order[0];
      else if (e.key === 'End') next = order[order.length - 1];
      if (next === null) return;
      e.preventDefault();
      navigate({ layer: next });
    });
    listen(win, 'popstate', onLocationChange);
    listen(win, 'hashchange', onLocationChange);
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
    renderAbout();
    buildRail();
    if (engine.pass.result) {
      setStatus('done', 'status.done', { n: engine.order.length, ms: Object.values(engine.pass.result.timings).reduce((a, b) => a + b, 0).toFixed(0), label: labelOf(engine.pass.meta) });
      renderTop5();
    } else if (engine.pass.running) {
      setStatus('running', 'status.running', { label: labelOf(engine.pass.meta) });
    } else {
      setStatus('ready', 'status.ready');
    }
    if (isApp) {
      weightsPanel.probeSite();
      doc.body.dataset.ready = 'true';
      await imageInput?.loadGallery();
      relabelImages?.();
    }
    if (destroyed) return;
    state = normalise(state);
    if (!state.sample) state.sample = isApp ? imageInput?.firstSample() : await o.firstSample?.();
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
    appLink,
    embedLink,
    embedSnippets,
    exportPng,
    exportNpy,
    downloadZooWeights: () => weightsPanel.downloadTrained(),
    destroy() {
      if (destroyed) return;
      destroyed = true;
      mountSeq++;
      try {
        mounted.view?.destroy();
      } catch (err) {
        console.warn(err);
      }
      mounted = { id: null, view: null };
      for (const fn of cleanups.splice(0)) fn();
    },
  };
}
