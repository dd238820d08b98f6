// Drawing the overview: shaded 3-D volumes with kernel cubes, fc bars, relu/lrn tags, connections and labels.
import { kernelText } from '../../shared/geometry.js';
import { volumeBox } from './layout.js';

const INK = '#2b2b2b';

/**
 * Draws a layout from overviewLayout onto `g` (CSS pixels, already cleared).
 * @param {CanvasRenderingContext2D} g
 * @param {object} layout
 * @param {{layer: (id: string) => object, colors: Record<string, string>, t: Function,
 *   activeId: string|null, selected: string|null, focusedId: string|undefined}} o
 */
export function drawOverview(g, layout, o) {
  const { width } = layout;
  g.fillStyle = '#fff';
  g.fillRect(0, 0, width, layout.height);
  g.font = '12px system-ui, sans-serif';
  g.textBaseline = 'middle';

  // Each row's band between its towers, and its tower captions.
  for (const row of layout.rows) {
    g.fillStyle = '#f4f4f2';
    g.fillRect(0, row.midY - 27, width, 54);
    g.fillStyle = '#777';
    g.font = '600 12px system-ui, sans-serif';
    g.textAlign = 'center';
    for (const [i, cy] of row.towerCy.entries()) {
      g.save();
      g.translate(12, cy);
      g.rotate(-Math.PI / 2);
      g.fillText(o.t('common.gpu', { gpu: i + 1 }), 0, 0);
      g.restore();
    }
  }

  const { activeId, selected, focusedId } = o;
  for (const e of layout.edges) drawEdge(g, layout, e, activeId, o);
  for (const n of layout.nodes) drawNode(g, layout, n, n.id === activeId || n.id === selected, focusedId === n.id, o);
  for (const tag of layout.tags) drawTag(g, tag, tag.id === activeId || tag.id === selected, focusedId === tag.id, o);
  drawLabels(g, layout, o);
  drawBreaks(g, layout);
}

// Where the columns wrap, the row ends with an arrow and the name of the layer that opens the next row.
function drawBreaks(g, layout) {
  g.fillStyle = '#555';
  g.font = '600 12px system-ui, sans-serif';
  g.textAlign = 'center';
  for (const b of layout.breaks) {
    g.fillText('↓', b.x + 10, b.y - 8);
    g.save();
    g.translate(b.x + 10, b.y + 8);
    g.rotate(Math.PI / 2);
    g.textAlign = 'left';
    g.fillText(b.to, 0, 0);
    g.restore();
  }
}

function nodeAt(layout, id, tower) {
  return layout.nodes.find((n) => n.id === id && n.tower === tower) ?? layout.nodes.find((n) => n.id === id);
}

// The small k×k×(C/groups) cube of the next conv layer drawn inside its input volume, as in Figure 2.
function kernelCube(layout, src, dstId, o) {
  const dst = o.layer(dstId);
  if (!src.volume || dst.kind !== 'conv') return null;
  const box = volumeBox(layout.unit, dst.kernel_shape[1], dst.k, dst.k);
  const w = Math.min(box.w, src.w * 0.8), h = Math.min(box.h, src.h * 0.8), d = Math.min(box.d, src.dx * 0.8);
  const x = src.x + src.w - w - Math.max(1, (src.w - w) * 0.15);
  const y = src.y + (src.h - h) * 0.55;
  return { x, y, w, h, d };
}

function drawEdge(g, layout, e, activeId, o) {
  const a = nodeAt(layout, e.from, e.fromTower), b = nodeAt(layout, e.to, e.toTower);
  const hot = activeId && (activeId === e.from || activeId === e.to);
  g.strokeStyle = e.cross ? (hot ? '#b03a2e' : 'rgba(176,58,46,0.65)') : hot ? '#333' : 'rgba(70,70,70,0.45)';
  g.lineWidth = hot ? 1.6 : 1;
  g.setLineDash(e.cross ? [4, 3] : []);
  const cube = kernelCube(layout, a, e.to, o);
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

function drawNode(g, layout, n, hot, focused, o) {
  const col = o.colors[n.kind] ?? '#999';
  const { x, y, w, h, dx, dy } = n;
  g.lineWidth = hot ? 2 : 1;
  g.strokeStyle = hot ? INK : shade(col, -0.45);
  if (n.volume) {
    // Top, side, then front face, so the front's edges stay on top.
    poly(g, [[x, y], [x + dx, y - dy], [x + w + dx, y - dy], [x + w, y]], shade(col, 0.62));
    poly(g, [[x + w, y], [x + w + dx, y - dy], [x + w + dx, y + h - dy], [x + w, y + h]], shade(col, 0.1));
    poly(g, [[x, y], [x + w, y], [x + w, y + h], [x, y + h]], shade(col, 0.38));
    const cubeFor = layout.edges.find((e) => e.from === n.id && (e.fromTower === n.tower));
    const cube = cubeFor && kernelCube(layout, n, cubeFor.to, o);
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

function drawTag(g, tag, hot, focused, o) {
  const col = o.colors[tag.kind] ?? '#999';
  g.fillStyle = hot ? shade(col, -0.15) : shade(col, 0.15);
  roundRect(g, tag.x, tag.y, tag.w, tag.h, 8);
  g.fill();
  if (hot) { g.strokeStyle = INK; g.lineWidth = 1.5; g.stroke(); }
  g.fillStyle = '#1d1d1d';
  g.font = '600 12px system-ui, sans-serif';
  g.textAlign = 'center';
  g.fillText(tag.id, tag.x + tag.w / 2, tag.y + tag.h / 2 + 0.5);
  if (focused) focusRing(g, tag.bbox);
}

function drawLabels(g, layout, o) {
  g.textAlign = 'center';
  // Where columns are too close for two shapes side by side at 12 px ("13×13×128 13×13×192"), every other
  // column's shape labels move one line further out, so the text keeps its size instead of shrinking.
  for (const row of layout.rows) {
    const narrow = layout.width / row.columns.length < 84;
    for (const ci of row.columns) drawColumnLabels(g, layout.columns[ci], row, narrow && ci % 2 === 1 ? 13 : 0, o);
  }
}

function drawColumnLabels(g, c, row, out, o) {
  const { t } = o;
  const layer = o.layer(c.id);
  const top = c.nodes[0], bottom = c.nodes[c.nodes.length - 1];
  const cx = c.cx;
  g.fillStyle = INK;
  g.font = '600 12px system-ui, sans-serif';
  g.fillText(c.id, cx, row.top + 12);
  g.font = '12px system-ui, sans-serif';
  g.fillStyle = '#333';
  // Shape above the top box (and below the bottom one when the layer is split over two towers).
  g.fillText(top.label, cx, top.bbox.y0 - 8 - out);
  if (bottom !== top) g.fillText(bottom.label, cx, bottom.bbox.y1 + 9 + out);
  else if (!top.volume) g.fillText(layer.kind === 'softmax' ? t('kind.softmax') : '', cx, top.bbox.y1 + 9);
  const kt = layer.kind === 'pool' ? t('ov.poolKernel', { k: layer.k, s: layer.stride }) : kernelText(layer);
  if (kt) {
    g.fillStyle = shade(o.colors[layer.kind] ?? '#666', -0.5);
    g.font = '12px system-ui, sans-serif';
    const [count, rest] = kt.split(' × ');
    g.fillText(`${count} ×`, cx, row.bottom - 22);
    g.fillText(rest, cx, row.bottom - 9);
  }
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

/** "#rrggbb" → "rgba(r,g,b,a)". */
function alpha(hex, a) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a})`;
}

/** Mixes a hex colour towards white (t > 0) or black (t < 0). */
function shade(hex, t) {
  const n = parseInt(hex.slice(1), 16);
  const f = (c) => Math.round(t >= 0 ? c + (255 - c) * t : c * (1 + t));
  return `rgb(${f((n >> 16) & 255)},${f((n >> 8) & 255)},${f(n & 255)})`;
}
