// Mounting the current view: its module loaded on demand, one mounted at a time, redrawn at most once per frame.

import { VIEW_MODULES } from '../shared/config.js';

/**
 * @param {{q: Function, doc: Document, win: Window, t: () => Function, showMessage: Function}} shell
 * @param {object} ctx what every view gets (www/shell/app.js)
 */
export function createViewHost({ q, doc, win, t, showMessage }, ctx) {
  const area = q('view');
  const factories = new Map();
  let mounted = { id: null, view: null };
  let seq = 0;
  let state = null;
  let destroyed = false;

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

  function failed(err) {
    console.warn(err);
    showMessage(t()('msg.viewFailed', { view: t()(`view.${mounted.id}`) ?? '', error: err.message }));
  }

  function update() {
    try {
      const r = mounted.view?.update(state);
      if (r && typeof r.catch === 'function') r.catch((err) => failed(err));
    } catch (err) {
      failed(err);
    }
  }

  /** Show `s.view` for state `s`: the mounted view is updated, or replaced (`remount` after a language change). */
  async function show(s, remount = false) {
    state = s;
    const viewId = s.view;
    if (!remount && mounted.id === viewId && mounted.view) {
      update();
      return;
    }
    const my = ++seq;
    try {
      mounted.view?.destroy();
    } catch (err) {
      console.warn(err);
    }
    mounted = { id: viewId, view: null };
    const factory = await loadFactory(viewId);
    if (my !== seq || destroyed) return;
    area.replaceChildren();
    area.dataset.view = viewId;
    if (!factory) {
      const p = doc.createElement('p');
      p.className = 'coming-soon';
      p.textContent = t()('app.comingSoon', { view: t()(`view.${viewId}`) });
      area.append(p);
      return;
    }
    const container = doc.createElement('div');
    container.className = `view view-${viewId}`;
    area.append(container);
    try {
      mounted.view = factory(container, ctx);
    } catch (err) {
      failed(err);
      return;
    }
    update();
  }

  /** Redraw the mounted view at most once per frame, however many layer events arrive. */
  let queued = false;
  function refresh() {
    if (queued) return;
    queued = true;
    win.requestAnimationFrame(() => {
      queued = false;
      if (mounted.view && !destroyed) update();
    });
  }

  function destroy() {
    destroyed = true;
    seq++;
    try {
      mounted.view?.destroy();
    } catch (err) {
      console.warn(err);
    }
    mounted = { id: null, view: null };
  }

  return { show, refresh, destroy, element: area };
}
