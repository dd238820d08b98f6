// Overview view (the paper's Figure 2) as a container: the canvas, hover, keyboard focus, tooltip and navigation.
import { kernelText, shapeText, layerFormulaText, receptiveField, fcInputs } from '../../shared/geometry.js';
import { el, canvasEl } from '../kit/dom.js';
import { canvasPoint, fitCanvas } from '../kit/canvas.js';
import { fmtInt, fmtParam } from '../kit/format.js';
import { overviewLayout, overviewColumns, overviewRows, hitTest } from './layout.js';
import { drawOverview } from './render.js';

/**
 * Mounts the overview in `container`: the whole network as stacked 3-D volumes in two GPU towers, drawn like Figure 2
 * of the AlexNet paper. layout.js places them, render.js draws them.
 */
export function createOverviewView(container, ctx) {
  const { spec, t } = ctx;
  const canvas = canvasEl(t('ov.canvasLabel'), 'xv-overview-canvas');
  canvas.tabIndex = 0;
  const tip = el('div', { class: 'xv-tooltip', role: 'tooltip', hidden: true });
  const crossIds = spec.layers.filter((l) => l.reads_both_towers).map((l) => l.id);
  const sides = spec.layers.filter((l) => l.out_shape.length === 3).map((l) => l.out_shape[1]);
  const root = el('section', { class: 'xv xv-overview', 'aria-label': t('ov.label') }, [
    el('div', { class: 'xv-canvas-wrap' }, [canvas, tip]),
    el('p', { class: 'xv-note', text: t('ov.note', { big: spec.input.shape[1], small: Math.min(...sides), cross: crossIds.join(', ') }) }),
  ]);
  container.append(root);

  let layout = null;
  let hover = null;
  let selected = null;
  let focusIdx = -1;
  const order = () => (layout ? [...layout.columns.flatMap((c) => [c.id, ...c.tags])] : []);

  // The canvas takes its container's width; a narrow one wraps Figure 2's columns onto more rows (each `height`
  // tall) so the labels keep their 12 px instead of the figure shrinking or scrolling sideways.
  function size() {
    const width = Math.max(240, Math.floor(root.clientWidth || container.clientWidth || 1100));
    const rows = overviewRows(overviewColumns(spec).length, width);
    const height = rows > 1 ? 400 : Math.round(Math.min(600, Math.max(440, width * 0.44)));
    return { width, height };
  }

  function draw() {
    const { width, height } = size();
    layout = overviewLayout(spec, { width, height, marginLeft: 30 });
    canvas.dataset.rowHeight = String(height);
    drawOverview(fitCanvas(canvas, width, layout.height), layout, {
      layer: ctx.layer, colors: ctx.colors, t, activeId: hover?.id ?? null, selected, focusedId: order()[focusIdx],
    });
  }
  // Hover, focus and resizes each ask for a redraw; they are coalesced into one per frame.
  let frameId = 0;
  const requestDraw = () => { if (!frameId) frameId = requestAnimationFrame(() => { frameId = 0; draw(); }); };

  function showTip(item, px, py) {
    if (!item) { tip.hidden = true; return; }
    const l = ctx.layer(item.id);
    tip.replaceChildren(...tipLines(l).map((line, i) => el(i ? 'div' : 'strong', { text: line })));
    tip.hidden = false;
    const wrap = canvas.getBoundingClientRect();
    const left = Math.min(px + 14, wrap.width - 300);
    tip.style.left = `${Math.max(0, left)}px`;
    tip.style.top = `${py + 14}px`;
  }

  function tipLines(l) {
    const lines = [`${l.id} · ${t(`kind.${l.kind}`)}`];
    const split = l.towers === 2 ? t('ov.tipSplit', { shape: shapeText(l.out_shape, l.out_shape[0] / 2) }) : '';
    lines.push(t('ov.tipOutput', { shape: shapeText(l.out_shape), split }));
    if (l.formula) lines.push(t('ov.tipSize', { formula: layerFormulaText(l) }));
    if (l.kind === 'conv') {
      lines.push(t('ov.tipKernels', { kernels: kernelText(l), groups: l.groups > 1 ? t('ov.tipGroups', { g: l.groups, thick: l.kernel_shape[1], cin: l.c_in }) : '' }));
    }
    if (l.kind === 'fc') lines.push(t('ov.tipFcKernels', { kernels: kernelText(l), n: fmtInt(fcInputs(l)) }));
    if (l.reads_both_towers) lines.push(t('ov.tipCross'));
    if (l.lrn) lines.push(`LRN n=${l.lrn.size}, α=${fmtParam(l.lrn.alpha)}, β=${fmtParam(l.lrn.beta)}, k=${fmtParam(l.lrn.k)}`);
    const params = (l.weights ?? 0) + (l.biases ?? 0);
    lines.push(t('ov.tipParams', { n: fmtInt(params), split: params ? t('ov.tipParamsSplit', { w: fmtInt(l.weights), b: fmtInt(l.biases) }) : '' }));
    lines.push(t('ov.tipMacs', { n: fmtInt(l.macs ?? 0) }));
    lines.push(t('ov.tipNeurons', { n: fmtInt(l.neurons ?? 0) }));
    if (l.kind !== 'data') {
      const rf = receptiveField(spec, l.id);
      lines.push(rf.global ? t('ov.rfWhole') : t('ov.rf', { size: rf.size, jump: rf.jump }));
    }
    return lines;
  }

  // Opening a layer leaves the view out of the state, so the app shows that layer's own view (maps for conv, ...).
  const open = (id) => ctx.navigate({ layer: id, view: null });

  const onMove = (ev) => {
    if (!layout) return;
    const [px, py] = canvasPoint(canvas, ev);
    const item = hitTest(layout, px, py);
    if ((item?.id ?? null) !== (hover?.id ?? null)) { hover = item; requestDraw(); }
    canvas.style.cursor = item ? 'pointer' : 'default';
    showTip(item, px, py);
  };
  const onLeave = () => { hover = null; tip.hidden = true; requestDraw(); };
  const onClick = (ev) => {
    const [px, py] = canvasPoint(canvas, ev);
    const item = layout && hitTest(layout, px, py);
    if (item) open(item.id);
  };
  const onKey = (ev) => {
    const ids = order();
    if (ev.key === 'ArrowRight' || ev.key === 'ArrowDown') focusIdx = Math.min(ids.length - 1, focusIdx + 1);
    else if (ev.key === 'ArrowLeft' || ev.key === 'ArrowUp') focusIdx = Math.max(0, focusIdx - 1);
    else if ((ev.key === 'Enter' || ev.key === ' ') && focusIdx >= 0) { open(ids[focusIdx]); ev.preventDefault(); return; }
    else return;
    ev.preventDefault();
    const id = ids[focusIdx];
    const item = layout.tags.find((tag) => tag.id === id) ?? layout.nodes.find((n) => n.id === id);
    hover = item;
    showTip(item, item.bbox.x0, item.bbox.y1);
    canvas.setAttribute('aria-label', t('ov.focused', { lines: tipLines(ctx.layer(id)).join('; ') }));
    requestDraw();
  };
  canvas.addEventListener('mousemove', onMove);
  canvas.addEventListener('mouseleave', onLeave);
  canvas.addEventListener('click', onClick);
  canvas.addEventListener('keydown', onKey);
  canvas.addEventListener('blur', onLeave);
  const ro = new ResizeObserver(() => requestDraw());
  ro.observe(root);

  return {
    update(state) {
      selected = state?.layer ?? null;
      requestDraw();
    },
    destroy() {
      if (frameId) cancelAnimationFrame(frameId);
      frameId = 0;
      ro.disconnect();
      root.remove();
    },
  };
}
