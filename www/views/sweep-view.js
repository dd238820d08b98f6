// Sweep view: one conv kernel sliding over its tower's zero-padded input, with the dot product's real numbers from the
// engine at each position; plus the seed's 5×5×3 toy convolution with editable stride and padding.
import { KIND_COLORS } from '../shared/config.js';
import { convWindow, inputChannelRange, towerOf, positionAt, formulaText, outSize, toyConv, kernelText, shapeText } from '../shared/geometry.js';
import {
  el, canvasEl, fitCanvas, fmtInt, fmtNum, maxAbs, diverging, sequential, mapCanvas, blit, hatch, inputRgbCanvas,
  pickLayer, clampInt, waitingNote, passOf,
} from './view-kit.js';
import { t as pageT } from '../shared/i18n.js';

const SPEEDS = [1, 4, 16, 64, 256, 1024];
// Deterministic small integers lo..lo+n−1 (a tiny LCG), so the toy shows the same numbers on every visit.
function smallInts(count, n, lo, seed) {
  let s = seed;
  return Array.from({ length: count }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return lo + (Math.floor(s / 65536) % n);
  });
}
const par = (v) => (v < 0 ? `(${fmtNum(v)})` : fmtNum(v));
const TERMS_SHOWN = 6;

/** Mounts the sweep view in `container`. */
export function createSweepView(container, ctx) {
  const { spec } = ctx;
  const t = ctx.t ?? pageT;
  const convs = spec.layers.filter((l) => l.kind === 'conv');

  // Controls shared by both modes: the one animator drives whichever is showing.
  const modeReal = el('button', { type: 'button', 'aria-pressed': 'true', text: t('sweep.modeReal') });
  const modeToy = el('button', { type: 'button', 'aria-pressed': 'false', text: t('sweep.modeToy') });
  const layerSel = el('select', { 'aria-label': t('sweep.layerLabel') }, convs.map((l) => el('option', { value: l.id, text: l.id })));
  const ocInput = el('input', { type: 'number', min: 0, step: 1, 'aria-label': t('sweep.ocLabel') });
  const towerNote = el('span', { class: 'xv-note' });
  const playBtn = el('button', { type: 'button', text: t('sweep.play'), 'aria-label': t('sweep.playLabel') });
  const backBtn = el('button', { type: 'button', text: t('sweep.back'), 'aria-label': t('sweep.backLabel') });
  const fwdBtn = el('button', { type: 'button', text: t('sweep.fwd'), 'aria-label': t('sweep.fwdLabel') });
  const scrub = el('input', { type: 'range', min: 0, value: 0, step: 1, 'aria-label': t('sweep.scrubLabel') });
  const speedSel = el('select', { 'aria-label': t('sweep.speedLabel') },
    SPEEDS.map((s) => el('option', { value: s, text: `${s} / s`, selected: s === 16 })));
  const posOut = el('span', { id: 'sweep-pos', class: 'xv-mono', 'aria-live': 'off' });
  const realControls = el('div', { class: 'xv-controls' }, [
    el('label', {}, [t('common.layer'), layerSel]), el('label', {}, [t('sweep.ocLabel'), ocInput]), towerNote,
  ]);
  const playControls = el('div', { class: 'xv-controls' }, [
    playBtn, backBtn, fwdBtn, el('label', {}, [t('sweep.position'), scrub]), el('label', {}, [t('sweep.speed'), speedSel]),
    el('span', {}, ['(y, x) = ', posOut]),
  ]);

  // Real mode.
  const main = canvasEl(t('sweep.mainLabel'), 'xv-sweep-main');
  const dotCanvas = canvasEl(t('sweep.dotLabel'), 'xv-sweep-dot');
  const formula = el('div', { class: 'xv-formula' });
  const sumOut = el('span', { id: 'sweep-sum' });
  const storedOut = el('span', { class: 'xv-mono' });
  const check = el('span');
  const terms = el('div', { class: 'xv-terms' });
  const dotText = el('div', { class: 'xv-dot' }, [
    terms,
    el('div', {}, [el('span', { class: 'dot-sum' }), ` ${t('sweep.plusBias')} `, el('span', { class: 'dot-bias' }), ' = ', sumOut]),
    el('div', {}, [`${t('sweep.stored')} `, storedOut, ' ', check]),
  ]);
  const waiting = waitingNote(t('common.waiting'));
  const realPane = el('div', { class: 'xv-real' }, [
    realControls, formula, waiting, main,
    el('h3', { text: t('sweep.dotTitle') }), dotText, dotCanvas,
  ]);

  // Toy mode.
  const strideIn = el('input', { type: 'number', min: 1, max: 4, value: 1, 'aria-label': t('sweep.stride') });
  const padIn = el('input', { type: 'number', min: 0, max: 3, value: 0, 'aria-label': t('sweep.padding') });
  const toyFormula = el('div', { class: 'xv-formula', id: 'toy-formula' });
  const toyGrids = el('div', { class: 'xv-row' });
  const toyDot = el('div', { class: 'xv-terms' });
  const toyPane = el('div', { class: 'xv-toy', hidden: true }, [
    el('p', { class: 'xv-note', text: t('sweep.toyNote') }),
    el('div', { class: 'xv-controls' }, [el('label', {}, [t('sweep.strideS'), strideIn]), el('label', {}, [t('sweep.paddingP'), padIn])]),
    toyFormula, toyGrids, el('h3', { text: t('sweep.toySum') }), toyDot,
  ]);

  const root = el('section', { class: 'xv xv-sweep', 'aria-label': t('view.sweep') }, [
    el('div', { class: 'xv-controls' }, [modeReal, modeToy]), playControls, realPane, toyPane,
  ]);
  container.append(root);

  let mode = 'real';
  let layer = null, oc = 0, outH = 1, outW = 1;
  let pos = 0;
  let gen = 0;
  let inputImg = null, outImg = null, outData = null, inputShape = null;
  let dot = null; // last conv-dot reply
  let inFlight = false;
  let playing = false, lastT = 0, acc = 0, raf = 0;
  let padPattern = null;
  let loadedPass = -1;

  // The toy's numbers: small integers, fixed so the page always shows the same example.
  const toyInput = smallInts(75, 3, 0, 11);
  const toyKernel = smallInts(27, 3, -1, 5);
  let toy = null;

  function count() {
    return mode === 'toy' ? (toy ? toy.outH * toy.outW : 1) : outH * outW;
  }
  function width() {
    return mode === 'toy' ? toy.outW : outW;
  }

  async function loadLayer(l, channel) {
    const my = ++gen;
    layer = l;
    oc = clampInt(channel, 0, l.c_out - 1);
    [, outH, outW] = l.out_shape;
    layerSel.value = l.id;
    ocInput.max = String(l.c_out - 1);
    ocInput.value = String(oc);
    const r = inputChannelRange(l, oc);
    const tw = towerOf(l, oc);
    towerNote.textContent = t('sweep.reads', {
      gpu: tw === null ? '' : t('sweep.gpuPrefix', { gpu: tw + 1 }), input: l.input, first: r.start, last: r.end - 1, count: r.count,
      which: l.reads_both_towers ? t('sweep.bothTowers') : l.groups > 1 ? t('sweep.ownTower') : '',
    });
    const f = l.formula;
    formula.textContent = t('sweep.formula', {
      id: l.id, kernels: kernelText(l), s: l.stride, p: l.pad, formula: formulaText(f.w, f.f, f.p, f.s), shape: shapeText(l.out_shape),
      oc, w: outW, h: outH, n: fmtInt(outH * outW), terms: fmtInt(r.count * l.k * l.k),
    });
    scrub.max = String(outH * outW - 1);
    inputImg = outImg = outData = null;
    dot = null;
    loadedPass = passOf(ctx);
    const [src, out] = await Promise.all([ctx.tensor(l.input), ctx.tensor(l.id)]);
    if (my !== gen) return;
    waiting.hidden = !!(src && out);
    if (src) {
      inputShape = src.shape;
      const [, h, w] = src.shape;
      if (src.shape[0] === 3 && l.input === spec.input.id) inputImg = inputRgbCanvas(src);
      else {
        // The mean over the channels this kernel reads: one picture of "what the kernel sees".
        const mean = new Float32Array(h * w);
        for (let c = r.start; c < r.end; c++) for (let i = 0; i < h * w; i++) mean[i] += src.data[c * h * w + i] / r.count;
        const m = maxAbs(mean);
        const signed = mean.some((v) => v < 0);
        inputImg = mapCanvas(mean, 0, h, w, (v) => (signed ? diverging(v, m) : sequential(v, m)));
      }
    }
    if (out) {
      outData = out.data.subarray(oc * outH * outW, (oc + 1) * outH * outW);
      const m = maxAbs(outData);
      outImg = mapCanvas(outData, 0, outH, outW, (v) => diverging(v, m));
    }
    setPos(pos, false);
  }

  function setPos(i, nav = true) {
    pos = clampInt(i, 0, count() - 1);
    scrub.value = String(pos);
    const { y, x } = positionAt(pos, width());
    posOut.textContent = `${y},${x}`;
    if (mode === 'toy') drawToy();
    else {
      drawMain();
      requestDot();
    }
    if (nav && !playing && mode === 'real') ctx.navigate({ y, x });
  }

  // One request at a time; when it lands on a stale position the latest one is asked for next.
  async function requestDot() {
    if (inFlight || !layer || !outData) return;
    const my = gen, want = pos, l = layer, k = oc;
    const { y, x } = positionAt(want, outW);
    inFlight = true;
    try {
      const d = await ctx.client.get('conv-dot', { layer: l.id, oc: k, y, x });
      if (my === gen && want === pos) { dot = d; drawDot(); }
    } catch (e) {
      terms.textContent = t('sweep.dotFailed', { error: e.message ?? e });
    } finally {
      inFlight = false;
    }
    if (my === gen && want !== pos) requestDot();
  }

  function drawMain() {
    if (!layer) return;
    const avail = Math.max(640, Math.min(1100, root.clientWidth || 900));
    const inS = Math.min(360, avail * 0.42);
    const outS = Math.min(300, avail * 0.32);
    const gap = Math.min(220, avail - inS - outS - 20);
    const H = inS + 40;
    const g = fitCanvas(main, avail, H);
    const [, ih, iw] = layer.in_shape;
    const p = layer.pad;
    const ph = ih + 2 * p, pw = iw + 2 * p;
    const cell = inS / Math.max(ph, pw);
    const ox = 0, oy = 22;
    g.font = '12px system-ui, sans-serif';
    g.fillStyle = '#333';
    g.textBaseline = 'alphabetic';
    g.fillText(t('sweep.input', { id: layer.input, shape: shapeText(layer.in_shape), pad: p ? t('sweep.inputPad', { p, w: pw, h: ph }) : '' }), ox, 14);
    // Zero padding: hatched ring around the real input.
    padPattern ??= hatch(g, 'rgba(90,90,90,0.5)');
    g.fillStyle = '#eee';
    g.fillRect(ox, oy, pw * cell, ph * cell);
    if (p) { g.fillStyle = padPattern; g.fillRect(ox, oy, pw * cell, ph * cell); }
    if (inputImg) blit(g, inputImg, ox + p * cell, oy + p * cell, iw * cell, ih * cell);
    const { y, x } = positionAt(pos, outW);
    const win = convWindow(layer, y, x);
    const wx = ox + win.padX0 * cell, wy = oy + win.padY0 * cell, ws = layer.k * cell;
    g.lineWidth = 2;
    g.strokeStyle = KIND_COLORS.conv;
    g.fillStyle = 'rgba(78,121,167,0.18)';
    g.fillRect(wx, wy, ws, ws);
    g.strokeRect(wx, wy, ws, ws);

    // Output map, filled up to the current position.
    const ocell = outS / Math.max(outH, outW);
    const ux = inS + gap, uy = oy + (inS - outH * ocell) / 2;
    g.fillStyle = '#333';
    g.fillText(t('sweep.output', { id: layer.id, oc, w: outW, h: outH }), ux, 14);
    g.fillStyle = '#f1f1f1';
    g.fillRect(ux, uy, outW * ocell, outH * ocell);
    if (outImg) {
      g.save();
      g.beginPath();
      g.rect(ux, uy, outW * ocell, y * ocell);
      g.rect(ux, uy + y * ocell, (x + 1) * ocell, ocell);
      g.clip();
      blit(g, outImg, ux, uy, outW * ocell, outH * ocell);
      g.restore();
    }
    g.strokeStyle = '#bbb';
    g.lineWidth = 1;
    g.strokeRect(ux, uy, outW * ocell, outH * ocell);
    const cx = ux + x * ocell, cy = uy + y * ocell;
    // Lines from the window to the one value it produces.
    g.strokeStyle = 'rgba(78,121,167,0.55)';
    g.beginPath();
    g.moveTo(wx + ws, wy); g.lineTo(cx, cy);
    g.moveTo(wx + ws, wy + ws); g.lineTo(cx, cy + ocell);
    g.stroke();
    g.lineWidth = 2;
    g.strokeStyle = '#111';
    g.strokeRect(cx, cy, Math.max(2, ocell), Math.max(2, ocell));
    g.fillStyle = '#555';
    g.fillText(t('sweep.window', { y0: win.y0, y1: win.y1 - 1, x0: win.x0, x1: win.x1 - 1, w: iw }), ox, oy + ph * cell + 14);
  }

  function drawDot() {
    if (!dot) return;
    const d = dot;
    const n = d.products.length;
    const kk = d.k * d.k;
    const list = [];
    for (let i = 0; i < Math.min(TERMS_SHOWN, n); i++) {
      const c = Math.floor(i / kk), ky = Math.floor((i % kk) / d.k), kx = i % d.k;
      list.push(`x[${d.icStart + c}, ${d.y0 + ky}, ${d.x0 + kx}]·w[${c},${ky},${kx}] = ${par(d.patch[i])}·${par(d.kernel[i])} = ${fmtNum(d.products[i])}`);
    }
    terms.textContent = t('sweep.terms', { n: fmtInt(n), c: d.cIn, k: d.k, list: list.join(' + '), more: fmtInt(n - list.length) });
    dotText.querySelector('.dot-sum').textContent = `Σ = ${fmtNum(d.sum, 6)}`;
    dotText.querySelector('.dot-bias').textContent = fmtNum(d.bias, 6);
    sumOut.textContent = fmtNum(d.value, 6);
    sumOut.dataset.value = String(d.value);
    sumOut.dataset.pos = `${d.y},${d.x}`;
    storedOut.textContent = fmtNum(d.stored, 6);
    const ok = Math.abs(d.value - d.stored) <= 1e-4 * Math.max(1, Math.abs(d.stored));
    check.textContent = ok ? t('common.same') : t('common.differs', { d: fmtNum(d.value - d.stored) });
    check.className = ok ? 'xv-ok' : 'xv-bad';
    drawDotCanvas(d);
  }

  // Three rows of tiles (input patch, kernel, products), one tile per input channel, each k×k.
  function drawDotCanvas(d) {
    const avail = Math.max(640, Math.min(1100, root.clientWidth || 900));
    const tilePx = clampInt(Math.floor(Math.sqrt((avail * 60) / d.cIn)), 3 * d.k, 12 * d.k);
    const cellPx = Math.max(2, Math.floor(tilePx / d.k));
    const tile = cellPx * d.k + 3;
    const perRow = Math.max(1, Math.floor((avail - 70) / tile));
    const rows = Math.ceil(d.cIn / perRow);
    const blockH = rows * tile + 18;
    const g = fitCanvas(dotCanvas, avail, blockH * 3 + 4);
    const kk = d.k * d.k;
    const blocks = [[t('sweep.blockInput'), d.patch], [t('sweep.blockKernel'), d.kernel], ['x·w', d.products]];
    blocks.forEach(([name, arr], b) => {
      const m = maxAbs(arr);
      const img = mapCanvas(arr, 0, d.cIn * d.k, d.k, (v) => diverging(v, m));
      const y0 = b * blockH;
      g.fillStyle = '#333';
      g.font = '12px system-ui, sans-serif';
      g.fillText(`${name}  (max |·| ${fmtNum(m)})`, 0, y0 + 12);
      for (let c = 0; c < d.cIn; c++) {
        const tx = 70 + (c % perRow) * tile, ty = y0 + 16 + Math.floor(c / perRow) * tile;
        g.imageSmoothingEnabled = false;
        g.drawImage(img, 0, c * d.k, d.k, d.k, tx, ty, cellPx * d.k, cellPx * d.k);
      }
      void kk;
    });
  }

  // Toy mode: HTML tables with the numbers, since every one of the 27 terms fits on screen.
  function rebuildToy() {
    const s = clampInt(strideIn.value, 1, 4), p = clampInt(padIn.value, 0, 3);
    const r = outSize(5, 3, p, s);
    toy = toyConv(toyInput, [3, 5, 5], toyKernel, 3, s, p);
    toyFormula.textContent = `(W − F + 2P)/S + 1 = ${formulaText(5, 3, p, s)}` +
      (r.integral ? t('sweep.toyOut', { w: toy.outW, h: toy.outH }) : t('sweep.toyNotInt', { r: r.num % s, w: toy.outW, h: toy.outH }));
    scrub.max = String(count() - 1);
    setPos(Math.min(pos, count() - 1), false);
  }

  function drawToy() {
    if (!toy) return;
    const s = clampInt(strideIn.value, 1, 4), p = clampInt(padIn.value, 0, 3);
    const { y, x } = positionAt(pos, toy.outW);
    const y0 = y * s, x0 = x * s; // padded coordinates
    const grids = [];
    for (let c = 0; c < 3; c++) {
      const rows = [];
      for (let py = 0; py < 5 + 2 * p; py++) {
        const cells = [];
        for (let px = 0; px < 5 + 2 * p; px++) {
          const iy = py - p, ix = px - p;
          const real = iy >= 0 && iy < 5 && ix >= 0 && ix < 5;
          const inWin = py >= y0 && py < y0 + 3 && px >= x0 && px < x0 + 3;
          cells.push(el('td', { text: real ? toyInput[(c * 5 + iy) * 5 + ix] : '0',
            style: { background: inWin ? 'rgba(78,121,167,0.3)' : real ? '#fff' : '#eee', color: real ? '#111' : '#999' } }));
        }
        rows.push(el('tr', {}, cells));
      }
      grids.push(el('div', {}, [el('div', { class: 'xv-note', text: t('sweep.inputChannel', { c }) }), el('table', { class: 'xv-toy-grid' }, rows)]));
    }
    for (let c = 0; c < 3; c++) {
      const rows = [];
      for (let ky = 0; ky < 3; ky++) rows.push(el('tr', {}, [0, 1, 2].map((kx) => el('td', { text: toyKernel[(c * 3 + ky) * 3 + kx], style: { background: '#fdf3e3' } }))));
      grids.push(el('div', {}, [el('div', { class: 'xv-note', text: t('sweep.kernelSlice', { c }) }), el('table', { class: 'xv-toy-grid' }, rows)]));
    }
    const orows = [];
    for (let oy = 0; oy < toy.outH; oy++) {
      orows.push(el('tr', {}, Array.from({ length: toy.outW }, (_, ox) => {
        const i = oy * toy.outW + ox;
        return el('td', { text: i <= pos ? toy.out[i] : '', style: { background: i === pos ? 'rgba(78,121,167,0.35)' : i < pos ? '#fff' : '#f3f3f3' } });
      })));
    }
    grids.push(el('div', {}, [el('div', { class: 'xv-note', text: t('sweep.toyOutput', { w: toy.outW, h: toy.outH }) }), el('table', { class: 'xv-toy-grid' }, orows)]));
    toyGrids.replaceChildren(...grids);
    const products = toy.terms[pos];
    toyDot.textContent = `${products.map(([a, b]) => `${a}·${b < 0 ? `(${b})` : b}`).join(' + ')} = ${toy.out[pos]}`;
  }

  function setMode(m) {
    if (m === mode) return;
    stop();
    mode = m;
    modeReal.setAttribute('aria-pressed', String(m === 'real'));
    modeToy.setAttribute('aria-pressed', String(m === 'toy'));
    realPane.hidden = m !== 'real';
    toyPane.hidden = m !== 'toy';
    pos = 0;
    if (m === 'toy') rebuildToy();
    else { scrub.max = String(count() - 1); setPos(0, false); }
  }

  // The one animator: a requestAnimationFrame loop that runs only while playing.
  function tick(now) {
    if (!playing) return;
    const dt = lastT ? (now - lastT) / 1000 : 0;
    lastT = now;
    acc += dt * Number(speedSel.value);
    if (acc >= 1) {
      const steps = Math.floor(acc);
      acc -= steps;
      if (pos + steps >= count() - 1) { setPos(count() - 1, false); stop(); return; }
      setPos(pos + steps, false);
    }
    raf = requestAnimationFrame(tick);
  }
  function play() {
    if (pos >= count() - 1) setPos(0, false);
    playing = true;
    lastT = 0;
    acc = 0;
    playBtn.textContent = t('sweep.pause');
    playBtn.setAttribute('aria-label', t('sweep.pauseLabel'));
    raf = requestAnimationFrame(tick);
  }
  function stop() {
    const was = playing;
    playing = false;
    cancelAnimationFrame(raf);
    playBtn.textContent = t('sweep.play');
    playBtn.setAttribute('aria-label', t('sweep.playLabel'));
    if (was && mode === 'real') ctx.navigate(positionAt(pos, width()));
  }

  modeReal.addEventListener('click', () => setMode('real'));
  modeToy.addEventListener('click', () => setMode('toy'));
  playBtn.addEventListener('click', () => (playing ? stop() : play()));
  backBtn.addEventListener('click', () => { stop(); setPos(pos - 1); });
  fwdBtn.addEventListener('click', () => { stop(); setPos(pos + 1); });
  scrub.addEventListener('input', () => { stop(); setPos(Number(scrub.value)); });
  layerSel.addEventListener('change', () => { stop(); ctx.navigate({ layer: layerSel.value, channel: 0, y: 0, x: 0 }); });
  ocInput.addEventListener('change', () => { stop(); ctx.navigate({ channel: clampInt(ocInput.value, 0, layer.c_out - 1) }); });
  strideIn.addEventListener('input', rebuildToy);
  padIn.addEventListener('input', rebuildToy);

  // Redraw at the new width when the page resizes (the canvases size themselves to the view).
  const ro = new ResizeObserver(() => requestAnimationFrame(() => { if (mode === 'real') { drawMain(); drawDot(); } }));
  ro.observe(root);

  return {
    update(state = {}) {
      const l = pickLayer(spec, state.layer, ['conv']);
      if (!l) return;
      let channel = state.channel;
      if (channel === undefined && state.tower !== undefined) channel = state.tower * (l.c_out / 2);
      channel = clampInt(channel ?? 0, 0, l.c_out - 1);
      const [, h, w] = l.out_shape;
      const wantPos = state.step ?? (clampInt(state.y ?? 0, 0, h - 1) * w + clampInt(state.x ?? 0, 0, w - 1));
      if (mode === 'toy') setMode('real');
      if (l !== layer || channel !== oc || !outData || loadedPass !== passOf(ctx)) {
        stop();
        pos = clampInt(wantPos, 0, h * w - 1);
        loadLayer(l, channel);
      } else if (!playing && wantPos !== pos) {
        setPos(wantPos, false);
      }
    },
    destroy() {
      playing = false;
      cancelAnimationFrame(raf);
      gen++;
      ro.disconnect();
      root.remove();
    },
  };
}
