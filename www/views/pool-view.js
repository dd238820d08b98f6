// Pool view: overlapping 3×3 stride-2 max pooling drawn over its input map, the winners from the engine's arg-max, and
// how 55→27→13→6 follow from (W−F+2P)/S+1.
import { KIND_COLORS } from '../shared/config.js';
import { poolWindow, poolCoverage, formulaText, towerOf, shapeText } from '../shared/geometry.js';
import { el, canvasEl, canvasPoint, fitCanvas, fmtInt, fmtNum, maxAbs, sequential, diverging, mapCanvas, blit, pickLayer, clampInt, waitingNote, passOf } from './view-kit.js';
import { t as pageT } from '../shared/i18n.js';

/** Mounts the pool view in `container`. */
export function createPoolView(container, ctx) {
  const { spec } = ctx;
  const t = ctx.t ?? pageT;
  const pools = spec.layers.filter((l) => l.kind === 'pool');
  const layerSel = el('select', { 'aria-label': t('pool.layerLabel') }, pools.map((l) => el('option', { value: l.id, text: l.id })));
  const chIn = el('input', { type: 'number', min: 0, 'aria-label': t('common.channel') });
  const covBox = el('input', { type: 'checkbox', checked: true, 'aria-label': t('pool.shadeLabel') });
  const towerNote = el('span', { class: 'xv-note' });
  const canvas = canvasEl(t('pool.canvasLabel'), 'xv-pool-canvas');
  const sizes = el('div', { class: 'xv-formula', id: 'pool-formulas' });
  const detail = el('div', { id: 'pool-detail' });
  const coverage = el('p', { class: 'xv-note' });
  const waiting = waitingNote(t('common.waiting'));
  const root = el('section', { class: 'xv xv-pool', 'aria-label': t('view.pool') }, [
    el('div', { class: 'xv-controls' }, [el('label', {}, [t('common.layer'), layerSel]), el('label', {}, [t('common.channel'), chIn]),
      el('label', {}, [covBox, t('pool.shade')]), towerNote]),
    sizes, waiting, canvas, detail, coverage,
  ]);
  container.append(root);
  sizes.textContent = pools.map((l) => `${l.id}: ${formulaText(l.formula.w, l.formula.f, l.formula.p, l.formula.s)}  (${shapeText(l.in_shape)} → ${shapeText(l.out_shape)})`).join('\n') +
    `\n${t('pool.seedExample', { formula: formulaText(224, 2, 0, 2) })}`;

  let gen = 0;
  let layer = null, channel = 0, sy = 0, sx = 0;
  let input = null, output = null, argmax = null;
  let geo = null;
  let cov = null;
  let loadedPass = -1;

  async function load(l) {
    const my = ++gen;
    layer = l;
    layerSel.value = l.id;
    cov = poolCoverage(l);
    const hist = cov.histogram;
    coverage.textContent = t('pool.coverage', {
      k: l.k, s: l.stride, shape: shapeText(l.in_shape, '').replace(/×$/, ''),
      list: [...hist.entries()].sort((p, q) => p[0] - q[0]).map(([k, n]) => t(k > 1 ? 'pool.lieIn' : 'pool.lieIn1', { n: fmtInt(n), k })).join(', '),
    });
    loadedPass = passOf(ctx);
    const [a, b] = await Promise.all([ctx.tensor(l.input), ctx.tensor(l.id)]);
    if (my !== gen) return;
    // Asked only once the layer exists: during a pass the session cannot answer for a layer it has not run yet.
    const am = b ? await ctx.client.get('pool-argmax', { layer: l.id }).catch(() => null) : null;
    if (my !== gen) return;
    input = a; output = b; argmax = am;
    waiting.hidden = !!(a && b);
    draw();
  }

  function draw() {
    if (!layer) return;
    const [C, oh, ow] = layer.out_shape;
    const [, ih, iw] = layer.in_shape;
    chIn.max = String(C - 1);
    chIn.value = String(channel);
    const tw = towerOf(layer, channel);
    towerNote.textContent = tw === null ? '' : t('pool.onGpu', { ch: channel, gpu: tw + 1 });
    if (!input || !output) { fitCanvas(canvas, 10, 10); detail.replaceChildren(); return; }
    const avail = Math.max(640, Math.min(1100, root.clientWidth || 900));
    const inS = Math.min(480, avail * 0.55), outS = Math.min(300, avail * 0.3);
    const gap = avail - inS - outS - 6;
    const g = fitCanvas(canvas, avail, inS + 26);
    const ioff = channel * ih * iw, ooff = channel * oh * ow;
    const mi = maxAbs(input.data, ioff, ioff + ih * iw);
    const signed = input.data.subarray(ioff, ioff + ih * iw).some((v) => v < 0);
    const color = (v) => (signed ? diverging(v, mi) : sequential(v, mi));
    const ci = inS / Math.max(ih, iw), co = outS / Math.max(oh, ow);
    const ix = 0, iy = 20, ox = inS + gap, oy = 20 + (inS - oh * co) / 2;
    g.font = '12px system-ui, sans-serif';
    g.fillStyle = '#333';
    g.fillText(t('pool.input', { id: layer.input, ch: channel, w: iw, h: ih }), ix, 13);
    g.fillText(t('pool.output', { id: layer.id, w: ow, h: oh }), ox, 13);
    blit(g, mapCanvas(input.data, ioff, ih, iw, color), ix, iy, iw * ci, ih * ci);
    blit(g, mapCanvas(output.data, ooff, oh, ow, color), ox, oy, ow * co, oh * co);
    if (covBox.checked) {
      // Darker where more windows overlap (2 or 4 with 3×3 at stride 2).
      for (let y = 0; y < ih; y++) for (let x = 0; x < iw; x++) {
        const k = cov.counts[y * iw + x];
        if (k > 1) { g.fillStyle = `rgba(0,0,0,${0.07 * (k - 1)})`; g.fillRect(ix + x * ci, iy + y * ci, ci, ci); }
      }
    }
    // Every window's winner as a dot, when there is room for it.
    if (argmax && ci >= 4) {
      g.fillStyle = 'rgba(255,255,255,0.85)';
      g.strokeStyle = 'rgba(0,0,0,0.6)';
      for (let o = 0; o < oh * ow; o++) {
        const idx = argmax[ooff + o] - ioff;
        const wy = Math.floor(idx / iw), wx = idx % iw;
        g.beginPath();
        g.arc(ix + (wx + 0.5) * ci, iy + (wy + 0.5) * ci, Math.max(1.2, ci * 0.18), 0, 2 * Math.PI);
        g.fill();
        g.stroke();
      }
    }
    const win = poolWindow(layer, sy, sx);
    g.lineWidth = 2;
    g.strokeStyle = KIND_COLORS.pool;
    g.strokeRect(ix + win.clip.x0 * ci, iy + win.clip.y0 * ci, (win.clip.x1 - win.clip.x0) * ci, (win.clip.y1 - win.clip.y0) * ci);
    // The neighbouring windows, dashed, to show the shared rows and columns.
    g.setLineDash([3, 3]);
    g.lineWidth = 1;
    for (const [dy, dx] of [[0, 1], [1, 0], [0, -1], [-1, 0]]) {
      const ny = sy + dy, nx = sx + dx;
      if (ny < 0 || nx < 0 || ny >= oh || nx >= ow) continue;
      const n = poolWindow(layer, ny, nx);
      g.strokeRect(ix + n.clip.x0 * ci, iy + n.clip.y0 * ci, (n.clip.x1 - n.clip.x0) * ci, (n.clip.y1 - n.clip.y0) * ci);
    }
    g.setLineDash([]);
    let win_y = -1, win_x = -1;
    if (argmax) {
      const idx = argmax[ooff + sy * ow + sx] - ioff;
      win_y = Math.floor(idx / iw); win_x = idx % iw;
      g.strokeStyle = '#e15759';
      g.lineWidth = 2.5;
      g.strokeRect(ix + win_x * ci, iy + win_y * ci, ci, ci);
    }
    g.lineWidth = 2;
    g.strokeStyle = '#111';
    g.strokeRect(ox + sx * co, oy + sy * co, co, co);
    g.strokeStyle = 'rgba(89,161,79,0.7)';
    g.lineWidth = 1;
    g.beginPath();
    g.moveTo(ix + win.clip.x1 * ci, iy + win.clip.y0 * ci); g.lineTo(ox + sx * co, oy + sy * co);
    g.moveTo(ix + win.clip.x1 * ci, iy + win.clip.y1 * ci); g.lineTo(ox + sx * co, oy + (sy + 1) * co);
    g.stroke();
    geoUpdate({ ox, oy, co, oh, ow, ix, iy, ci, ih, iw });

    // The window's numbers: max (the engine's value and arg-max) and what average pooling would give.
    const rows = [];
    let best = -Infinity, by = -1, bx = -1, sum = 0, n = 0;
    for (let y = win.clip.y0; y < win.clip.y1; y++) {
      const cells = [];
      for (let x = win.clip.x0; x < win.clip.x1; x++) {
        const v = input.data[ioff + y * iw + x];
        sum += v; n++;
        if (v > best) { best = v; by = y; bx = x; }
        const isWin = y === win_y && x === win_x;
        cells.push(el('td', { text: fmtNum(v), style: isWin ? { background: '#fde0dd', fontWeight: '700' } : {} }));
      }
      rows.push(el('tr', {}, cells));
    }
    const out = output.data[ooff + sy * ow + sx];
    const inside = argmax ? win_y >= win.clip.y0 && win_y < win.clip.y1 && win_x >= win.clip.x0 && win_x < win.clip.x1 : null;
    const okMax = Math.abs(out - best) <= 1e-6 * Math.max(1, Math.abs(best));
    detail.replaceChildren(
      el('div', { class: 'xv-row' }, [
        el('table', { class: 'xv-toy-grid xv-pool-window', 'aria-label': t('common.windowValues') }, rows),
        el('div', {}, [
          el('p', {}, [t('pool.takesMax', { y: sy, x: sx, y0: win.clip.y0, y1: win.clip.y1 - 1, x0: win.clip.x0, x1: win.clip.x1 - 1 }),
            el('strong', { id: 'pool-max', text: fmtNum(out, 6) }), ' ',
            el('span', { class: okMax ? 'xv-ok' : 'xv-bad', text: okMax ? t('pool.largest') : t('pool.largestShown', { v: fmtNum(best, 6) }) })]),
          argmax ? el('p', {}, [t('pool.argmax', { y: win_y, x: win_x }),
            el('span', { class: inside ? 'xv-ok' : 'xv-bad', text: inside ? t('pool.inside') : t('pool.outside') }),
            by === win_y && bx === win_x ? '' : t('pool.ties')]) : el('p', { class: 'xv-note', text: t('pool.noArgmax') }),
          el('p', {}, [t('pool.average', { sum: fmtNum(sum, 6), n }), el('strong', { text: fmtNum(sum / n, 6) }),
            t('pool.averageTail')]),
        ]),
      ]),
    );
  }

  function geoUpdate(gg) { geo = gg; }

  function pick(ev, commit) {
    if (!geo) return;
    const [px, py] = canvasPoint(canvas, ev);
    let y = -1, x = -1;
    if (px >= geo.ox && py >= geo.oy && px < geo.ox + geo.ow * geo.co && py < geo.oy + geo.oh * geo.co) {
      y = Math.floor((py - geo.oy) / geo.co); x = Math.floor((px - geo.ox) / geo.co);
    } else if (px >= geo.ix && py >= geo.iy && px < geo.ix + geo.iw * geo.ci && py < geo.iy + geo.ih * geo.ci) {
      // An input pixel picks the window whose start is nearest at or before it.
      const iy = Math.floor((py - geo.iy) / geo.ci), ix = Math.floor((px - geo.ix) / geo.ci);
      y = clampInt(Math.floor(iy / layer.stride), 0, geo.oh - 1); x = clampInt(Math.floor(ix / layer.stride), 0, geo.ow - 1);
    }
    if (y < 0) return;
    if (commit) ctx.navigate({ y, x });
    else if (y !== sy || x !== sx) { sy = y; sx = x; requestAnimationFrame(draw); }
  }
  canvas.addEventListener('mousemove', (ev) => pick(ev, false));
  canvas.addEventListener('click', (ev) => pick(ev, true));
  canvas.tabIndex = 0;
  canvas.addEventListener('keydown', (ev) => {
    const d = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] }[ev.key];
    if (!d || !layer) return;
    ev.preventDefault();
    ctx.navigate({ y: clampInt(sy + d[0], 0, layer.out_shape[1] - 1), x: clampInt(sx + d[1], 0, layer.out_shape[2] - 1) });
  });
  layerSel.addEventListener('change', () => ctx.navigate({ layer: layerSel.value }));
  chIn.addEventListener('change', () => ctx.navigate({ channel: clampInt(chIn.value, 0, layer.out_shape[0] - 1) }));
  covBox.addEventListener('change', () => draw());

  const ro = new ResizeObserver(() => requestAnimationFrame(draw));
  ro.observe(root);

  return {
    update(state = {}) {
      const l = pickLayer(spec, state.layer, ['pool']);
      if (!l) return;
      const [C, oh, ow] = l.out_shape;
      let c = state.channel;
      if (c === undefined && state.tower !== undefined) c = state.tower * (C / 2);
      channel = clampInt(c ?? 0, 0, C - 1);
      sy = clampInt(state.y ?? 0, 0, oh - 1);
      sx = clampInt(state.x ?? 0, 0, ow - 1);
      if (l !== layer || !input || loadedPass !== passOf(ctx)) load(l);
      else draw();
    },
    destroy() { gen++; ro.disconnect(); root.remove(); },
  };
}
