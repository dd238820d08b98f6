// The "Why?" view: which part of the crop made the network say class k, by occlusion, saliency or Grad-CAM, with
// the same map from untrained weights beside it (the sanity check of Adebayo et al., 2018).

import { el } from '../kit/dom.js';
import { scaleLegend } from '../kit/legend.js';
import { cropImageData } from '../kit/crop.js';
import { drawOverlay, strongest } from './render.js';

const METHODS = ['occlusion', 'saliency', 'gradcam'];
const GRADCAM_LAYERS = ['conv1', 'conv2', 'conv3', 'conv4', 'conv5'];
/** Occlusion's patch and stride (the engine's defaults), for the help text and for placing the cells. */
const GEOMETRY = { patch: 32, stride: 16 };
/** Backing-store side of each panel's canvas: twice the crop, sharp at the CSS size. */
const PX = 454;

/**
 * @param {HTMLElement} container
 * @param {object} ctx the view context (www/shell/app.js)
 */
export function createWhyView(container, ctx) {
  const { t } = ctx;
  let token = 0;
  let job = null;
  let key = null;
  let results = { main: null, sanity: null };
  let crop = null;
  let layer = 'conv5';
  let opacity = 0.6;
  let names = { passId: -1, byIndex: new Map() };

  const banner = el('p', { class: 'banner', id: 'why-untrained', role: 'note', hidden: true });
  const intro = el('p', { class: 'explain', id: 'why-intro' });
  const methodBox = el('fieldset', { class: 'why-methods', id: 'why-method' }, [el('legend', {}, t('why.method'))]);
  // One group name per mounted view, so the arrow keys move between the three and two embeds do not share a group.
  const group = `why-method-${Math.random().toString(36).slice(2)}`;
  const radios = METHODS.map((m) => {
    const input = el('input', { type: 'radio', name: group, value: m, id: `why-m-${m}` });
    input.addEventListener('change', () => input.checked && ctx.navigate({ method: m }));
    methodBox.append(el('label', { for: input.id }, [input, ` ${t(`why.m.${m}`)}`]));
    return input;
  });
  const classSelect = el('select', { id: 'why-class' });
  const classInput = el('input', { type: 'number', id: 'why-class-index', min: 0, max: 999, step: 1, inputmode: 'numeric' });
  classSelect.addEventListener('change', () => {
    if (classSelect.value !== 'other') ctx.navigate({ class: Number(classSelect.value) });
    else classInput.focus();
  });
  classInput.addEventListener('change', () => {
    const v = Number(classInput.value);
    if (Number.isInteger(v) && v >= 0 && v <= 999) ctx.navigate({ class: v });
  });
  const layerSelect = el('select', { id: 'why-layer' }, GRADCAM_LAYERS.map((id) => el('option', { value: id }, id)));
  layerSelect.value = layer;
  layerSelect.addEventListener('change', () => {
    layer = layerSelect.value;
    update(lastState);
  });
  const layerLabel = el('label', { for: 'why-layer', id: 'why-layer-label' }, [`${t('why.layer')} `, layerSelect]);
  const opacityInput = el('input', { type: 'range', id: 'why-opacity', min: 0, max: 100, step: 5, value: Math.round(opacity * 100) });
  opacityInput.addEventListener('input', () => {
    opacity = Number(opacityInput.value) / 100;
    redraw();
  });
  const controls = el('div', { class: 'why-controls' }, [
    methodBox,
    el('label', { for: 'why-class' }, [`${t('why.class')} `, classSelect]),
    el('label', { for: 'why-class-index' }, [`${t('why.classIndex')} `, classInput]),
    layerLabel,
    el('label', { for: 'why-opacity' }, [`${t('why.opacity')} `, opacityInput]),
  ]);
  const progress = el('progress', { id: 'why-progress', max: 1, value: 0, hidden: true, 'aria-label': t('why.computing') });
  const status = el('p', { class: 'hint', id: 'why-status', 'aria-live': 'polite' });
  const panel = (id, title) => {
    const canvas = el('canvas', { id: `why-${id}-canvas`, role: 'img', class: 'why-canvas', 'aria-label': title });
    const legend = el('div', { class: 'why-legend', id: `why-${id}-legend` });
    const caption = el('figcaption', { id: `why-${id}-title` }, title);
    return { fig: el('figure', { class: 'why-panel', id: `why-${id}` }, [caption, canvas, legend]), canvas, legend, caption };
  };
  const mainPanel = panel('main', t('why.trainedPanel'));
  const sanityPanel = panel('sanity', t('why.untrainedPanel'));
  const def = el('p', { class: 'explain', id: 'why-definition' });
  const can = el('p', { class: 'explain', id: 'why-can' });
  const sanityNote = el('p', { class: 'explain', id: 'why-sanity' }, t('why.sanity'));
  const runNote = el('p', { class: 'xv-note', id: 'why-run', hidden: true }, t('why.run'));
  container.append(banner, runNote, intro, controls, progress, status, el('div', { class: 'why-panels' }, [mainPanel.fig, sanityPanel.fig]), def, can, sanityNote);

  let lastState = {};
  const methodOf = (s) => (METHODS.includes(s.method) ? s.method : 'gradcam');
  const classOf = (s, top) => (Number.isInteger(s.class) && s.class >= 0 && s.class <= 999 ? s.class : (top?.[0]?.index ?? 0));
  const nameOf = (i) => (t.has?.(`class.${i}`) ? t(`class.${i}`) : null) ?? names.byIndex.get(i) ?? `#${i}`;

  async function loadNames(passId) {
    if (names.passId === passId) return;
    names = { passId, byIndex: new Map((ctx.result?.()?.top ?? []).map((p) => [p.index, p.name])) };
    try {
      const all = await ctx.client.get('top', { k: 1000 });
      if (names.passId === passId) names.byIndex = new Map(all.map((p) => [p.index, p.name]));
    } catch {
      // Names are a label nicety; the map works without them.
    }
  }

  function texts(m, k, top) {
    const trained = !!ctx.weightsInfo?.trained;
    banner.hidden = trained;
    banner.textContent = trained ? '' : t('why.bothUntrained');
    intro.textContent = t('why.intro', { name: nameOf(k) });
    radios.forEach((r) => { r.checked = r.value === m; });
    classSelect.replaceChildren(
      ...top.map((p) => el('option', { value: p.index }, t('why.classTop', { name: nameOf(p.index), p: (p.prob * 100).toFixed(1) }))),
      el('option', { value: 'other' }, t('why.classOther')),
    );
    classSelect.value = top.some((p) => p.index === k) ? String(k) : 'other';
    classInput.value = String(k);
    layerLabel.hidden = m !== 'gradcam';
    const relu = ctx.spec.layers.find((l) => l.input === layer && l.kind === 'relu');
    const [c, h, w] = relu?.out_shape ?? [0, 0, 0];
    const p = { p: GEOMETRY.patch, s: GEOMETRY.stride, layer, relu: relu?.id ?? '', c, h, w, jump: ctx.layer(layer)?.jump ?? '' };
    def.textContent = t(`why.def.${m}`, p);
    can.textContent = t(`why.can.${m}`, p);
  }

  function drawPanel(pn, result, m, k) {
    const scale = drawOverlay(pn.canvas, crop, result, opacity, PX, GEOMETRY);
    pn.legend.replaceChildren(...(scale ? [scaleLegend(scale)] : []));
    if (result) {
      const s = strongest(result, GEOMETRY);
      pn.canvas.setAttribute('aria-label', `${pn.caption.textContent}. ${t('why.mapLabel', { method: t(`why.m.${m}`), name: nameOf(k), ...s })}`);
      pn.canvas.dataset.ready = '1';
    } else {
      pn.canvas.setAttribute('aria-label', `${pn.caption.textContent}. ${t('why.computing')}`);
      delete pn.canvas.dataset.ready;
    }
  }

  function redraw() {
    const m = methodOf(lastState);
    const k = classOf(lastState, ctx.result?.()?.top);
    drawPanel(mainPanel, results.main, m, k);
    drawPanel(sanityPanel, results.sanity, m, k);
  }

  function onProgress({ done, total }) {
    progress.max = total || 1;
    progress.value = done;
    progress.setAttribute('aria-valuetext', t('why.progress', { done, total }));
  }

  async function update(state) {
    lastState = state ?? {};
    const pass = ctx.result?.();
    const data = pass ? await ctx.tensor('data') : null;
    if (!pass || !data) {
      runNote.hidden = false;
      return;
    }
    runNote.hidden = true;
    const m = methodOf(lastState);
    const k = classOf(lastState, pass.top);
    await loadNames(ctx.passId?.() ?? 0);
    texts(m, k, pass.top ?? []);
    const want = [ctx.passId?.(), m, k, m === 'gradcam' ? layer : '', ctx.weightsInfo?.sha256 ?? ctx.weightsInfo?.source].join('|');
    if (want === key) {
      redraw();
      return;
    }
    key = want;
    job?.abort();
    const my = ++token;
    job = new AbortController();
    crop = cropImageData(data, ctx.spec.input);
    results = { main: null, sanity: null };
    redraw();
    progress.hidden = false;
    status.textContent = t('why.computing');
    const ask = { method: m, target: k, layer, signal: job.signal, onProgress };
    try {
      results.main = await ctx.client.attribute(ask);
      if (my !== token) return;
      redraw();
      const r = results.main;
      status.textContent = [t('why.took', { method: t(`why.m.${m}`), ms: Math.round(r.ms) }),
        r.macsFull ? t('why.saved', { pct: ((100 * r.macsComputed) / r.macsFull).toFixed(0), n: r.positions }) : ''].join(' ').trim();
      results.sanity = await ctx.client.attribute({ ...ask, untrained: true });
      if (my !== token) return;
      redraw();
    } catch (err) {
      if (my !== token || err?.cancelled) return;
      status.textContent = t('why.failed', { error: err?.message ?? String(err) });
      key = null;
    } finally {
      if (my === token) progress.hidden = true;
    }
  }

  return {
    update,
    destroy() {
      token++;
      job?.abort();
      container.replaceChildren();
    },
  };
}
