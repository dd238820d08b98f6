// Sweep view as a container: controls, state and engine queries for a kernel sliding over its input, and the toy.
import { inputChannelRange, towerOf, positionAt, layerFormulaText, kernelText, shapeText } from '../../shared/geometry.js';
import { el, canvasEl, waitingNote } from '../kit/dom.js';
import { viewWidth, canvasPoint } from '../kit/canvas.js';
import { fmtInt, fmtNum } from '../kit/format.js';
import { pickLayer, clampInt, passOf } from '../kit/state.js';
import { createAnimator } from './animate.js';
import { drawSweep, drawDotTiles, dotTerms, inputPicture, outputPicture } from './render.js';
import { makeToy, toyTables } from './toy.js';
import { createFootprint } from '../kit/footprint.js';

const SPEEDS = [1, 4, 16, 64, 256, 1024];

/**
 * Mounts the sweep view in `container`: one conv kernel sliding over its tower's zero-padded input, with the dot
 * product's real numbers from the engine at each position; plus the seed's 5×5×3 toy convolution with editable
 * stride and padding. animate.js plays it, render.js and toy.js draw it.
 */
export function createSweepView(container, ctx) {
  const { spec, t } = ctx;
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
    // With reduced motion asked for, playing moves one position a second: a cut each time, not a flicker.
    SPEEDS.map((s) => el('option', { value: s, text: `${s} / s`, selected: s === (ctx.reducedMotion ? 1 : 16) })));
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
  const dotSum = el('span', { class: 'dot-sum' });
  const dotBias = el('span', { class: 'dot-bias' });
  const dotText = el('div', { class: 'xv-dot' }, [
    terms,
    el('div', {}, [dotSum, ` ${t('sweep.plusBias')} `, dotBias, ' = ', sumOut]),
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

  const fp = createFootprint(ctx);
  const root = el('section', { class: 'xv xv-sweep', 'aria-label': t('view.sweep') }, [
    el('div', { class: 'xv-controls' }, [modeReal, modeToy]), playControls, realPane, toyPane, fp.element,
  ]);
  container.append(root);

  let mode = 'real';
  let layer = null, oc = 0, outH = 1, outW = 1;
  /** Where drawSweep put the output map, for picking a position on it. */
  let outMap = null;
  let pos = 0;
  let gen = 0;
  let inputImg = null, outImg = null, outData = null;
  let dot = null; // last conv-dot reply
  let inFlight = false;
  let loadedPass = -1;
  let toy = null;

  const count = () => (mode === 'toy' ? (toy ? toy.outH * toy.outW : 1) : outH * outW);
  const width = () => (mode === 'toy' ? toy.outW : outW);

  const animator = createAnimator({
    rate: () => Number(speedSel.value),
    count,
    position: () => pos,
    moveTo: (i) => setPos(i, false),
    onChange(playing, was) {
      playBtn.textContent = playing ? t('sweep.pause') : t('sweep.play');
      playBtn.setAttribute('aria-label', playing ? t('sweep.pauseLabel') : t('sweep.playLabel'));
      // The position goes to the URL when playing stops, not at every step.
      if (!playing && was && mode === 'real') ctx.navigate(positionAt(pos, width()));
    },
  });
  const stop = () => animator.stop();

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
    formula.textContent = t('sweep.formula', {
      id: l.id, kernels: kernelText(l), s: l.stride, p: l.pad, formula: layerFormulaText(l), shape: shapeText(l.out_shape),
      oc, w: outW, h: outH, n: fmtInt(outH * outW), terms: fmtInt(r.count * l.k * l.k),
    });
    scrub.max = String(outH * outW - 1);
    inputImg = outImg = outData = null;
    dot = null;
    loadedPass = passOf(ctx);
    const [src, out] = await Promise.all([ctx.tensor(l.input), ctx.tensor(l.id)]);
    if (my !== gen) return;
    waiting.hidden = !!(src && out);
    if (src) inputImg = inputPicture(src, r, l.input === spec.input.id);
    if (out) {
      outData = out.data.subarray(oc * outH * outW, (oc + 1) * outH * outW);
      outImg = outputPicture(outData, outH, outW);
    }
    setPos(pos, false);
  }

  function setPos(i, nav = true) {
    pos = clampInt(i, 0, count() - 1);
    scrub.value = String(pos);
    const { y, x } = positionAt(pos, width());
    posOut.textContent = `${y},${x}`;
    if (mode === 'real' && layer) fp.update({ layer: layer.id, channel: oc, y, x });
    if (mode === 'toy') drawToy();
    else {
      drawMain();
      requestDot();
    }
    if (nav && !animator.playing && mode === 'real') ctx.navigate({ y, x });
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
    outMap = drawSweep(main, { layer, oc, pos, inputImg, outImg, width: viewWidth(root), color: ctx.colors.conv, t });
  }

  // The engine's dot product at this position, term by term, and whether it equals the layer's stored output.
  function drawDot() {
    if (!dot) return;
    const d = dot;
    terms.textContent = dotTerms(d, t);
    dotSum.textContent = `Σ = ${fmtNum(d.sum, 6)}`;
    dotBias.textContent = fmtNum(d.bias, 6);
    sumOut.textContent = fmtNum(d.value, 6);
    sumOut.dataset.value = String(d.value);
    sumOut.dataset.pos = `${d.y},${d.x}`;
    storedOut.textContent = fmtNum(d.stored, 6);
    const ok = Math.abs(d.value - d.stored) <= 1e-4 * Math.max(1, Math.abs(d.stored));
    check.textContent = ok ? t('common.same') : t('common.differs', { d: fmtNum(d.value - d.stored) });
    check.className = ok ? 'xv-ok' : 'xv-bad';
    drawDotTiles(dotCanvas, d, viewWidth(root), t);
    // The canvases' text alternative follows the position: what a sighted reader gets from the picture and the sum.
    const alt = t('sweep.alt', { id: d.layer, oc: d.oc, y: d.y, x: d.x, value: fmtNum(d.value, 4), n: fmtInt(d.products.length) });
    main.setAttribute('aria-label', alt);
    dotCanvas.setAttribute('aria-label', alt);
  }

  // Toy mode: HTML tables with the numbers, since every one of the 27 terms fits on screen.
  function rebuildToy() {
    toy = makeToy(clampInt(strideIn.value, 1, 4), clampInt(padIn.value, 0, 3), t);
    toyFormula.textContent = toy.formula;
    scrub.max = String(count() - 1);
    setPos(Math.min(pos, count() - 1), false);
  }

  function drawToy() {
    if (!toy) return;
    const { grids, sum } = toyTables(toy, pos, t);
    toyGrids.replaceChildren(...grids);
    toyDot.textContent = sum;
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

  modeReal.addEventListener('click', () => setMode('real'));
  modeToy.addEventListener('click', () => setMode('toy'));
  playBtn.addEventListener('click', () => (animator.playing ? stop() : animator.play()));
  backBtn.addEventListener('click', () => { stop(); setPos(pos - 1); });
  fwdBtn.addEventListener('click', () => { stop(); setPos(pos + 1); });
  scrub.addEventListener('input', () => { stop(); setPos(Number(scrub.value)); });
  // A tap or a drag on the output map moves the window to that output (touch: a horizontal drag; vertical ones scroll).
  function pickOutput(ev) {
    if (!outMap || mode !== 'real') return;
    const [px, py] = canvasPoint(main, ev);
    const col = Math.floor((px - outMap.ux) / outMap.ocell), row = Math.floor((py - outMap.uy) / outMap.ocell);
    if (col < 0 || row < 0 || col >= outW || row >= outH) return;
    stop();
    if (row * outW + col !== pos) setPos(row * outW + col);
  }
  main.style.touchAction = 'pan-y';
  main.addEventListener('pointerdown', (ev) => {
    main.setPointerCapture?.(ev.pointerId);
    pickOutput(ev);
  });
  main.addEventListener('pointermove', (ev) => { if (ev.buttons) pickOutput(ev); });
  // The keyboard moves the window over the output: ← → one column, ↑ ↓ one row (the unit after layer and channel).
  main.tabIndex = 0;
  main.addEventListener('keydown', (ev) => {
    const step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -width(), ArrowDown: width() }[ev.key];
    if (step === undefined) return;
    ev.preventDefault();
    stop();
    setPos(pos + step);
  });
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
      } else if (!animator.playing && wantPos !== pos) {
        setPos(wantPos, false);
      }
    },
    destroy() {
      animator.cancel();
      gen++;
      ro.disconnect();
      root.remove();
    },
  };
}
