// Trained next to untrained (#view=compare): the same image through the loaded weights and through the seeded
// untrained network, side by side: kernels, one channel's map with a shared cursor and the share of zeros, top-5.

import { el } from '../kit/dom.js';
import { canvasPoint } from '../kit/canvas.js';
import { clampInt, passOf } from '../kit/state.js';
import { drawKernels, channelPicture, drawMap, zeroShare, topList, valueAt, MAP_CSS, KERNELS_SHOWN } from './render.js';

/** Whether the loaded weights hold anything trained (the Zoo file, or the default session's conv1 kernels). */
function hasTrained(info) {
  return !!info && (info.trained || (info.trained_tensors ?? []).length > 0);
}

/**
 * Mounts the view.
 * @param {HTMLElement} container
 * @param {object} ctx the view context (spec, tensor, client, twin, source, result, passId, navigate, t)
 */
export function createCompareView(container, ctx) {
  const { t } = ctx;
  const toggle = el('input', { type: 'checkbox', id: 'compare-toggle' });
  const note = el('p', { class: 'xv-note', id: 'compare-note' });
  const status = el('p', { class: 'readout', id: 'compare-status', 'aria-live': 'polite' });
  const chIn = el('input', { type: 'number', id: 'compare-channel', min: '0', step: '1' });
  const readout = el('p', { class: 'readout', id: 'compare-readout', 'aria-live': 'polite' });
  const side = (id, title) => {
    const parts = {
      kernels: el('canvas', { role: 'img', class: 'pixelated', id: `${id}-kernels` }),
      map: el('canvas', { role: 'img', class: 'pixelated compare-map', id: `${id}-map`, tabindex: '0' }),
      zeros: el('p', { class: 'readout', id: `${id}-zeros` }),
      top: el('div', { id: `${id}-top-box` }),
    };
    parts.root = el('section', { class: 'compare-side', id, 'aria-labelledby': `${id}-title` }, [
      el('h3', { id: `${id}-title`, text: title }), parts.kernels, parts.map, parts.zeros, parts.top,
    ]);
    return parts;
  };
  const trained = side('compare-trained', t('cmp.trained'));
  const untrained = side('compare-untrained', t('cmp.untrained'));
  const sides = el('div', { class: 'compare-sides', id: 'compare-sides', hidden: true }, [trained.root, untrained.root]);
  const root = el('section', { class: 'xv xv-compare', 'aria-label': t('view.compare') }, [
    el('p', { class: 'xv-note', text: t('cmp.intro') }),
    el('div', { class: 'xv-controls' }, [el('label', {}, [toggle, ` ${t('cmp.toggle')}`]), el('label', {}, [t('common.channel'), ' ', chIn])]),
    note, status, readout, sides,
  ]);
  container.append(root);

  let state = {};
  let gen = 0;
  let cursor = null;
  /** What is drawn: {layer, channel, mine, theirs} (tensors), for the cursor. */
  let shown = null;
  /** The twin's pass: {pass, top} for the app's pass id it ran on. */
  let twinRun = null;

  toggle.addEventListener('change', () => {
    if (!toggle.checked) {
      ctx.twin.drop();
      twinRun = null;
    }
    render();
  });
  chIn.addEventListener('change', () => ctx.navigate({ channel: clampInt(chIn.value, 0, Number(chIn.max)) }, { replace: true }));
  for (const s of [trained, untrained]) {
    s.map.addEventListener('pointermove', (ev) => pointAt(s.map, ev));
    s.map.addEventListener('click', (ev) => pointAt(s.map, ev));
    s.map.addEventListener('keydown', (ev) => {
      const d = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] }[ev.key];
      if (!d || !shown) return;
      ev.preventDefault();
      const c = cursor ?? { y: 0, x: 0 };
      setCursor(c.y + d[0], c.x + d[1]);
    });
  }

  function pointAt(canvas, ev) {
    if (!shown) return;
    const [, H, W] = shown.mine.shape;
    const [x, y] = canvasPoint(canvas, ev);
    setCursor(Math.floor((y / (MAP_CSS * (H / W))) * H), Math.floor((x / MAP_CSS) * W));
  }

  /** One cursor for both maps: the same unit is ringed on each, and both values are read out. */
  function setCursor(y0, x0) {
    const [, H, W] = shown.mine.shape;
    cursor = { y: clampInt(y0, 0, H - 1), x: clampInt(x0, 0, W - 1) };
    sides.dataset.cursor = `${cursor.y},${cursor.x}`;
    drawMap(trained.map, shown.minePic, shown.mine.shape, cursor);
    drawMap(untrained.map, shown.theirsPic, shown.theirs.shape, cursor);
    readout.textContent = t('cmp.cursor', {
      id: shown.layer, ch: shown.channel, y: cursor.y, x: cursor.x,
      a: valueAt(shown.mine, shown.channel, cursor), b: valueAt(shown.theirs, shown.channel, cursor),
    });
  }

  async function render() {
    const my = ++gen;
    const layer = ctx.spec.layers.find((l) => l.id === state.layer && l.out_shape.length === 3) ?? ctx.spec.layers.find((l) => l.id === 'conv1');
    const C = layer.out_shape[0];
    const channel = clampInt(state.channel ?? 0, 0, C - 1);
    chIn.max = String(C - 1);
    chIn.value = String(channel);
    const available = hasTrained(ctx.weightsInfo);
    toggle.disabled = !available;
    if (!available) toggle.checked = false;
    note.textContent = available ? t('cmp.note', { seed: 2012 }) : t('cmp.unavailable');
    sides.hidden = !toggle.checked;
    if (!toggle.checked) {
      status.textContent = '';
      readout.textContent = '';
      shown = null;
      return;
    }
    const pixels = ctx.source();
    if (!pixels) {
      status.textContent = t('cmp.noImage');
      return;
    }
    const twin = ctx.twin.get();
    const pass = passOf(ctx);
    try {
      if (twinRun?.pass !== pass) {
        status.textContent = t('cmp.running');
        await twin.ready;
        const done = await twin.run(pixels);
        if (my !== gen) return;
        twinRun = { pass, top: done.top };
      }
      const [mine, theirs, bankA, bankB] = await Promise.all([
        ctx.tensor(layer.id), twin.get('tensor', { layer: layer.id }).then((data) => ({ shape: layer.out_shape, data })),
        layer.kind === 'conv' ? ctx.client.get('kernels', { layer: layer.id }) : null,
        layer.kind === 'conv' ? twin.get('kernels', { layer: layer.id }) : null,
      ]);
      if (my !== gen || !mine) return;
      status.textContent = '';
      shown = { layer: layer.id, channel, mine, theirs, minePic: channelPicture(mine, channel), theirsPic: channelPicture(theirs, channel) };
      for (const [s, tensor, bank, top] of [[trained, mine, bankA, ctx.result()?.top], [untrained, theirs, bankB, twinRun.top]]) {
        s.kernels.hidden = !bank;
        if (bank) {
          drawKernels(s.kernels, bank, layer, channel);
          s.kernels.setAttribute('aria-label', t('cmp.kernelsLabel', { id: layer.id, n: Math.min(C, KERNELS_SHOWN) }));
        }
        const share = zeroShare(tensor.data);
        s.zeros.textContent = t(layer.kind === 'conv' ? 'cmp.zerosConv' : 'cmp.zeros', { id: layer.id, pct: (100 * share).toFixed(1) });
        s.zeros.dataset.share = String(share);
        s.map.setAttribute('aria-label', t('cmp.mapLabel', { id: layer.id, ch: channel }));
        s.top.replaceChildren(el('h4', { text: t('cmp.top5') }), topList(top, `${s.root.id}-top`));
      }
      if (cursor) setCursor(cursor.y, cursor.x);
      else {
        drawMap(trained.map, shown.minePic, mine.shape, null);
        drawMap(untrained.map, shown.theirsPic, theirs.shape, null);
      }
    } catch (err) {
      if (my === gen && !err.cancelled) status.textContent = err.message;
    }
  }

  return {
    update(next = {}) {
      if (next.layer !== state.layer) cursor = null;
      state = next;
      render();
    },
    destroy() {
      gen++;
      // The twin's weights are as big as the loaded ones: it goes with the view.
      ctx.twin.drop();
      root.remove();
    },
  };
}
