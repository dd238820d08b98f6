// Overview view: the whole network as stacked 3-D volumes in two GPU towers, drawn like Figure 2 of the AlexNet paper.
import { KIND_COLORS, DEFAULT_VIEW_BY_KIND } from '../shared/config.js';
import { overviewLayout, hitTest, volumeBox, kernelText, shapeText, formulaText, receptiveField, findLayer, fcInputs } from '../shared/geometry.js';
import { el, canvasEl, canvasPoint, fitCanvas, fmtInt, fmtParam, shade, alpha, frameScheduler } from './view-kit.js';
import { t as pageT } from '../shared/i18n.js';

const INK = '#2b2b2b';

/** Mounts the overview in `container`. */
export function createOverviewView(container, ctx) {
  const { spec } = ctx;
  const t = ctx.t ?? pageT;
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

  function size() {
    const w = Math.max(760, Math.floor(root.clientWidth || container.clientWidth || 1100));
    return { width: w, height: Math.round(Math.min(600, Math.max(440, w * 0.44))) };
  }

  function draw() {
    const { width, height } = size();
    layout = overviewLayout(spec, { width, height, marginLeft: 30 });
    const g = fitCanvas(canvas, width, height);
    g.fillStyle = '#fff';
    g.fillRect(0, 0, width, height);
    g.font = '12px system-ui, sans-serif';
    g.textBaseline = 'middle';

    // Tower captions and the band between them.
    const band = layout.midY;
    g.fillStyle = '#f4f4f2';
    g.fillRect(0, band - 27, width, 54);
    g.fillStyle = '#777';
    g.font = '600 11px system-ui, sans-serif';
    g.textAlign = 'center';
    for (const [i, cy] of layout.towerCy.entries()) {
      g.save();
      g.translate(12, cy);
      g.rotate(-Math.PI / 2);
      g.fillText(t('common.gpu', { gpu: i + 1 }), 0, 0);
      g.restore();
    }

    const activeId = hover?.id ?? null;
    for (const e of layout.edges) drawEdge(g, e, activeId);
    for (const n of layout.nodes) drawNode(g, n, n.id === activeId || n.id === selected, order()[focusIdx] === n.id);
    for (const t of layout.tags) drawTag(g, t, t.id === activeId || t.id === selected, order()[focusIdx] === t.id);
    drawLabels(g);
  }
  const frame = frameScheduler(draw);

  function nodeAt(id, tower) {
    return layout.nodes.find((n) => n.id === id && n.tower === tower) ?? layout.nodes.find((n) => n.id === id);
  }

  // The small k×k×(C/groups) cube of the next conv layer drawn inside its input volume, as in Figure 2.
  function kernelCube(src, dstId) {
    const dst = findLayer(spec, dstId);
    if (!src.volume || dst.kind !== 'conv') return null;
    const box = volumeBox(layout.unit, dst.kernel_shape[1], dst.k, dst.k);
    const w = Math.min(box.w, src.w * 0.8), h = Math.min(box.h, src.h * 0.8), d = Math.min(box.d, src.dx * 0.8);
    const x = src.x + src.w - w - Math.max(1, (src.w - w) * 0.15);
    const y = src.y + (src.h - h) * 0.55;
    return { x, y, w, h, d };
  }

  function drawEdge(g, e, activeId) {
    const a = nodeAt(e.from, e.fromTower), b = nodeAt(e.to, e.toTower);
    const hot = activeId && (activeId === e.from || activeId === e.to);
    g.strokeStyle = e.cross ? (hot ? '#b03a2e' : 'rgba(176,58,46,0.65)') : hot ? '#333' : 'rgba(70,70,70,0.45)';
    g.lineWidth = hot ? 1.6 : 1;
    g.setLineDash(e.cross ? [4, 3] : []);
    const cube = kernelCube(a, e.to);
    // Lines converge on a point inside the next volume's front face: one kernel position gives one output value.
    const tx = b.x + Math.min(b.w * 0.5, 6), ty = b.y + b.h * 0.5;
    g.beginPath();
    if (cube) {
      g.moveTo(cube.x + cube.w, cube.y);
      g.lineTo(tx, ty);
      g.moveTo(cube.x + cube.w, cube.y + cube.h);
      g.lineTo(tx, ty);
    } else {
      g.moveTo(a.x + a.w + a.dx / 2, a.y + a.h / 2 - a.dy / 2);
      g.lineTo(tx, ty);
    }
    g.stroke();
    g.setLineDash([]);
  }

  function drawNode(g, n, hot, focused) {
    const col = KIND_COLORS[n.kind] ?? '#999';
    const { x, y, w, h, dx, dy } = n;
    g.lineWidth = hot ? 2 : 1;
    g.strokeStyle = hot ? INK : shade(col, -0.45);
    if (n.volume) {
      // Top, side, then front face, so the front's edges stay on top.
      poly(g, [[x, y], [x + dx, y - dy], [x + w + dx, y - dy], [x + w, y]], shade(col, 0.62));
      poly(g, [[x + w, y], [x + w + dx, y - dy], [x + w + dx, y + h - dy], [x + w, y + h]], shade(col, 0.1));
      poly(g, [[x, y], [x + w, y], [x + w, y + h], [x, y + h]], shade(col, 0.38));
      const cubeFor = layout.edges.find((e) => e.from === n.id && (e.fromTower === n.tower));
      const cube = cubeFor && kernelCube(n, cubeFor.to);
      if (cube) {
        g.lineWidth = 1;
        g.strokeStyle = shade(col, -0.6);
        const { x: cx, y: cy, w: cw, h: ch, d: cd } = cube;
        poly(g, [[cx, cy], [cx + cd, cy - cd], [cx + cw + cd, cy - cd], [cx + cw, cy]], alpha('#ffffff', 0.7));
        poly(g, [[cx + cw, cy], [cx + cw + cd, cy - cd], [cx + cw + cd, cy + ch - cd], [cx + cw, cy + ch]], alpha('#ffffff', 0.45));
        poly(g, [[cx, cy], [cx + cw, cy], [cx + cw, cy + ch], [cx, cy + ch]], alpha('#ffffff', 0.85));
      }
    } else {
      poly(g, [[x, y], [x + w, y], [x + w, y + h], [x, y + h]], shade(col, 0.1));
    }
    if (focused) focusRing(g, n.bbox);
  }

  function drawTag(g, t, hot, focused) {
    const col = KIND_COLORS[t.kind] ?? '#999';
    g.fillStyle = hot ? shade(col, -0.15) : shade(col, 0.15);
    roundRect(g, t.x, t.y, t.w, t.h, 8);
    g.fill();
    if (hot) { g.strokeStyle = INK; g.lineWidth = 1.5; g.stroke(); }
    g.fillStyle = '#1d1d1d';
    g.font = '600 10px system-ui, sans-serif';
    g.textAlign = 'center';
    g.fillText(t.id, t.x + t.w / 2, t.y + t.h / 2 + 0.5);
    if (focused) focusRing(g, t.bbox);
  }

  function drawLabels(g) {
    g.textAlign = 'center';
    for (const c of layout.columns) {
      const layer = findLayer(spec, c.id);
      const top = c.nodes[0], bottom = c.nodes[c.nodes.length - 1];
      const cx = c.cx;
      g.fillStyle = INK;
      g.font = '600 12px system-ui, sans-serif';
      g.fillText(c.id, cx, 12);
      // Narrow canvases get a smaller label font so neighbouring shapes ("27×27×128 13×13×128") stay apart.
      g.font = `${layout.width < 1000 ? 10 : 11}px system-ui, sans-serif`;
      g.fillStyle = '#333';
      // Shape above the top box (and below the bottom one when the layer is split over two towers).
      g.fillText(top.label, cx, top.bbox.y0 - 8);
      if (bottom !== top) g.fillText(bottom.label, cx, bottom.bbox.y1 + 9);
      else if (!top.volume) g.fillText(layer.kind === 'softmax' ? t('kind.softmax') : '', cx, top.bbox.y1 + 9);
      const kt = layer.kind === 'pool' ? t('ov.poolKernel', { k: layer.k, s: layer.stride }) : kernelText(layer);
      if (kt) {
        g.fillStyle = shade(KIND_COLORS[layer.kind] ?? '#666', -0.5);
        g.font = '10.5px system-ui, sans-serif';
        const [count, rest] = kt.split(' × ');
        g.fillText(`${count} ×`, cx, layout.height - 22);
        g.fillText(rest, cx, layout.height - 9);
      }
    }
  }

  function showTip(item, px, py) {
    if (!item) { tip.hidden = true; return; }
    const l = findLayer(spec, item.id);
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
    if (l.formula) {
      const f = l.formula;
      lines.push(t('ov.tipSize', { formula: formulaText(f.w, f.f, f.p, f.s) }));
    }
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

  function open(id) {
    const l = findLayer(spec, id);
    ctx.navigate({ layer: id, view: DEFAULT_VIEW_BY_KIND[l.kind] ?? 'overview' });
  }

  function local(ev) {
    return canvasPoint(canvas, ev);
  }
  const onMove = (ev) => {
    if (!layout) return;
    const [px, py] = local(ev);
    const item = hitTest(layout, px, py);
    if ((item?.id ?? null) !== (hover?.id ?? null)) { hover = item; frame.request(); }
    canvas.style.cursor = item ? 'pointer' : 'default';
    showTip(item, px, py);
  };
  const onLeave = () => { hover = null; tip.hidden = true; frame.request(); };
  const onClick = (ev) => {
    const [px, py] = local(ev);
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
    const item = layout.tags.find((t) => t.id === id) ?? layout.nodes.find((n) => n.id === id);
    hover = item;
    showTip(item, item.bbox.x0, item.bbox.y1);
    canvas.setAttribute('aria-label', t('ov.focused', { lines: tipLines(findLayer(spec, id)).join('; ') }));
    frame.request();
  };
  canvas.addEventListener('mousemove', onMove);
  canvas.addEventListener('mouseleave', onLeave);
  canvas.addEventListener('click', onClick);
  canvas.addEventListener('keydown', onKey);
  canvas.addEventListener('blur', onLeave);
  const ro = new ResizeObserver(() => frame.request());
  ro.observe(root);

  return {
    update(state) {
      selected = state?.layer ?? null;
      frame.request();
    },
    destroy() {
      frame.cancel();
      ro.disconnect();
      root.remove();
    },
  };
}

function poly(g, pts, fill) {
  g.beginPath();
  g.moveTo(pts[0][0], pts[0][1]);
  for (let i = 1; i < pts.length; i++) g.lineTo(pts[i][0], pts[i][1]);
  g.closePath();
  g.fillStyle = fill;
  g.fill();
  g.stroke();
}

function roundRect(g, x, y, w, h, r) {
  g.beginPath();
  g.moveTo(x + r, y);
  g.arcTo(x + w, y, x + w, y + h, r);
  g.arcTo(x + w, y + h, x, y + h, r);
  g.arcTo(x, y + h, x, y, r);
  g.arcTo(x, y, x + w, y, r);
  g.closePath();
}

function focusRing(g, b) {
  g.save();
  g.strokeStyle = '#1a73e8';
  g.lineWidth = 2;
  g.setLineDash([3, 2]);
  g.strokeRect(b.x0 - 4, b.y0 - 4, b.x1 - b.x0 + 8, b.y1 - b.y0 + 8);
  g.restore();
}
