// The unit card view (#view=unit&layer=conv5&channel=17): what one channel likes in the student's own photos (its
// top patches, cropped to the unit's receptive field), its kernel and its mean activation; the photos panel above.

import { el } from '../kit/dom.js';
import { canvasPoint } from '../kit/canvas.js';
import { clampInt } from '../kit/state.js';
import { formatValue } from '../../shared/colormap.js';
import { loadPatches } from '../../client/patch-store.js';
import { createPhotosPanel } from './photos.js';
import { patchFigures, kernelCanvas, drawOverview, ringChannel, CELL_CSS } from './card.js';

/** Channels per row of the layer overview. */
const COLS = 16;

/**
 * Mounts the view.
 * @param {HTMLElement} container
 * @param {object} ctx the view context (spec, layer, tensor, client, navigate, t)
 */
export function createUnitView(container, ctx) {
  const { t } = ctx;
  let state = {};
  let record = null;
  let gen = 0;
  const spatial = ctx.spec.layers.filter((l) => l.out_shape.length === 3 && l.kind !== 'data');
  const layerOf = () => spatial.find((l) => l.id === state.layer) ?? spatial.find((l) => l.id === 'conv5');

  const photos = createPhotosPanel(ctx, {
    layer: () => layerOf().id,
    onResult: (r) => { if (r.layer === layerOf().id) { record = r; render(); } },
    onCleared: () => { record = null; render(); },
  });
  const chIn = el('input', { type: 'number', id: 'unit-channel', min: '0', step: '1' });
  const title = el('h3', { id: 'unit-title' });
  const means = el('p', { id: 'unit-means', class: 'readout' });
  const patches = el('div', { id: 'unit-patches', class: 'unit-patches' });
  const kernelBox = el('div', { id: 'unit-kernel-box' });
  const empty = el('p', { id: 'unit-empty', class: 'xv-note' });
  const overview = el('canvas', { id: 'unit-overview', role: 'img', class: 'pixelated' });
  const overviewNote = el('p', { class: 'hint', text: t('unit.overviewHint') });
  const card = el('section', { id: 'unit-card', class: 'unit-card', 'aria-labelledby': 'unit-title' }, [
    title, el('div', { class: 'xv-controls' }, [el('label', {}, [t('common.channel'), ' ', chIn])]),
    empty, patches, kernelBox, means, el('h3', { text: t('unit.overview') }), overviewNote, overview,
  ]);
  const root = el('section', { class: 'xv xv-unit', 'aria-label': t('view.unit') }, [
    el('p', { class: 'xv-note', text: t('unit.intro') }), photos.element, card,
  ]);
  container.append(root);

  chIn.addEventListener('change', () => ctx.navigate({ channel: clampInt(chIn.value, 0, layerOf().out_shape[0] - 1) }, { replace: true }));
  overview.addEventListener('click', (ev) => {
    if (!record) return;
    const [x, y] = canvasPoint(overview, ev);
    const c = Math.floor(y / CELL_CSS) * COLS + Math.floor(x / CELL_CSS);
    if (c >= 0 && c < record.channels.length) ctx.navigate({ channel: c }, { replace: true });
  });

  async function render() {
    const my = ++gen;
    const layer = layerOf();
    const C = layer.out_shape[0];
    const channel = clampInt(state.channel ?? 0, 0, C - 1);
    chIn.max = String(C - 1);
    chIn.value = String(channel);
    title.textContent = t('unit.title', { id: layer.id, ch: channel });
    card.dataset.layer = layer.id;
    card.dataset.channel = String(channel);
    // The kernel and the current image's mean come from the engine; the patches from the stored record.
    const [kernel, tensor] = await Promise.all([
      layer.kind === 'conv' ? ctx.client.get('kernel', { layer: layer.id, oc: channel }).catch(() => null) : null,
      ctx.tensor(layer.id),
    ]);
    if (my !== gen) return;
    const have = record?.layer === layer.id ? record : null;
    empty.hidden = !!have;
    empty.textContent = t('unit.empty', { id: layer.id });
    patches.replaceChildren(...(have ? patchFigures(have, channel, t) : []));
    kernelBox.replaceChildren(...(kernel ? [kernelCanvas(kernel, layer, t)] : []));
    const lines = [];
    if (have) lines.push(t('unit.meanPhotos', { n: have.images, value: formatValue(have.means[channel]) }));
    if (tensor) {
      const [, H, W] = tensor.shape;
      let s = 0;
      for (let i = channel * H * W; i < (channel + 1) * H * W; i++) s += tensor.data[i];
      lines.push(t('unit.meanImage', { value: formatValue(s / (H * W)) }));
    }
    means.textContent = lines.join(' ');
    overview.hidden = !have;
    overviewNote.hidden = !have;
    if (have) {
      drawOverview(overview, have, COLS);
      ringChannel(overview, channel, COLS);
      overview.setAttribute('aria-label', t('unit.overviewLabel', { id: layer.id, c: C, n: have.images }));
    }
  }

  return {
    async update(next = {}) {
      const layerChanged = next.layer !== state.layer;
      state = next;
      if (layerChanged || !record) {
        const my = ++gen;
        const id = layerOf().id;
        const stored = await loadPatches(id).catch(() => null);
        if (my !== gen && layerOf().id !== id) return;
        record = stored;
      }
      render();
    },
    destroy() {
      gen++;
      photos.destroy();
      root.remove();
    },
  };
}
