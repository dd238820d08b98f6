// The layer rail and its progress pills, the view tabs, and the title line with the layer's shape.

import { GLOBAL_VIEWS, viewsForLayer } from '../shared/config.js';

/** W×H×C-per-tower ×towers, the way the seed article writes conv1's output (55×55×48 ×2). */
export function shapeLabel(row) {
  const shape = row.out_shape;
  const towers = row.towers === 2 ? 2 : 1;
  const suffix = towers > 1 ? ` ×${towers}` : '';
  if (shape.length === 3) return `${shape[2]}×${shape[1]}×${shape[0] / towers}${suffix}`;
  return `${shape[0] / towers}${suffix}`;
}

/** The shape in words: channels of W×H, and how many on each GPU. */
function shapeTitle(row, t) {
  if (row.out_shape.length !== 3) return t('app.shapeValues', { n: row.out_shape[0] });
  const [c, h, w] = row.out_shape;
  return row.towers === 2 ? t('app.shapeChannelsTowers', { c, w, h, half: c / 2 }) : t('app.shapeChannels', { c, w, h });
}

/**
 * @param {{q: Function, doc: Document, engine: object, t: () => Function, navigate: Function, colors: object}} shell
 */
export function createRail({ q, doc, engine, t, navigate, colors }) {
  const els = { rail: q('rail'), pills: q('progress-pills'), tabs: q('tabs'), title: q('view-title'), shape: q('shape-text') };

  function mark(id, on) {
    q(`rail-${id}`)?.classList.toggle('computed', on);
    els.pills?.querySelector(`[data-layer="${id}"]`)?.classList.toggle('on', on);
  }

  /** One button per layer (and one pill per layer in the status bar), in the current language. */
  function build() {
    if (!els.rail) return;
    const tt = t();
    els.rail.replaceChildren();
    els.rail.setAttribute('aria-label', tt('app.railLabel'));
    for (const id of engine.order) {
      const row = engine.layer(id);
      const b = doc.createElement('button');
      b.type = 'button';
      b.id = `rail-${id}`;
      b.className = 'rail-btn';
      b.dataset.kind = row.kind;
      b.dataset.layer = id;
      b.style.setProperty('--kind', colors[row.kind] ?? '#888');
      b.textContent = id;
      b.title = tt('app.railTitle', { id, kind: tt(`kind.${row.kind}`), shape: shapeLabel(row) });
      b.addEventListener('click', () => navigate({ layer: id }));
      els.rail.append(b);
    }
    if (els.pills) {
      els.pills.replaceChildren();
      for (const id of engine.order) {
        const pill = doc.createElement('i');
        pill.dataset.layer = id;
        pill.title = id;
        pill.style.setProperty('--kind', colors[engine.layer(id)?.kind] ?? '#888');
        els.pills.append(pill);
      }
    }
    for (const id of engine.pass.tensors.keys()) mark(id, true);
  }

  /** Mark the current layer, rebuild the tabs for it, and write the title line. */
  function show(state) {
    const tt = t();
    const row = engine.layer(state.layer);
    for (const b of els.rail?.querySelectorAll('.rail-btn') ?? []) {
      if (b.dataset.layer === state.layer) b.setAttribute('aria-current', 'true');
      else b.removeAttribute('aria-current');
    }
    q(`rail-${state.layer}`)?.scrollIntoView?.({ block: 'nearest', inline: 'nearest' });
    if (els.tabs) {
      els.tabs.replaceChildren();
      els.tabs.setAttribute('aria-label', tt('app.tabsLabel'));
      for (const v of [...viewsForLayer(row), ...GLOBAL_VIEWS]) {
        const b = doc.createElement('button');
        b.type = 'button';
        b.id = `tab-${v}`;
        b.setAttribute('role', 'tab');
        b.setAttribute('aria-selected', String(v === state.view));
        b.setAttribute('aria-controls', 'view');
        b.className = GLOBAL_VIEWS.includes(v) ? 'tab global' : 'tab';
        b.textContent = tt(`view.${v}`);
        b.addEventListener('click', () => navigate({ view: v }));
        els.tabs.append(b);
      }
    }
    els.title.textContent = `${state.layer} · ${tt(`view.${state.view}`)}`;
    els.title.style.setProperty('--kind', colors[row.kind]);
    els.shape.textContent = shapeLabel(row);
    els.shape.title = shapeTitle(row, tt);
  }

  return { build, mark, show };
}
