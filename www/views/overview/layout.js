// The overview's layout: Figure 2's columns, two towers, relu/lrn tags, connections and hit-testing, in CSS pixels.
import { dataRow } from '../../shared/data-row.js';
import { shapeText } from '../../shared/geometry.js';

/**
 * A volume's drawn size at `unit` pixels per √-unit: front face `w` (channels) × `h` (rows), oblique depth `d`
 * (columns, drawn at 45° and foreshortened). The overview also uses it for the small kernel cubes.
 */
export function volumeBox(unit, c, h, w) {
  return { w: unit * Math.max(0.35, 0.6 * scaleLen(c)), h: unit * scaleLen(h), d: unit * 0.35 * scaleLen(w) * Math.SQRT1_2 };
}

// Kinds that get their own column in the overview; relu and lrn ride along as small tags on their producer's column.
const TAG_KINDS = new Set(['relu', 'lrn']);

/**
 * Edge length on the overview's scale. The network spans 227 → 6 pixels and 3 → 256 channels, so lengths are
 * proportional to √value: that keeps order and relative size while both ends stay visible on one canvas.
 */
export function scaleLen(v) {
  return Math.sqrt(v);
}

/**
 * Layout of the overview (the paper's Figure 2): one column per data/conv/pool/fc/softmax layer, two towers
 * (GPU 1 on top, GPU 2 below) for split layers, relu/lrn as tags in the band between the towers.
 * Volumes are drawn as boxes whose front face is C (across) × H (up) and whose oblique depth is W.
 * @param {object} spec
 * @param {{width: number, height: number, marginLeft?: number, minSlot?: number}} size CSS pixels; minSlot is the
 *   narrowest column (room for its labels)
 * @returns {{nodes: object[], tags: object[], edges: object[], columns: object[], unit: number, width: number, height: number}}
 */
export function overviewLayout(spec, { width, height, marginLeft = 16, minSlot = 60 }) {
  const ordered = [dataRow(spec), ...spec.layers.filter((l) => l.kind !== 'data')];
  const columns = [];
  const columnOf = new Map();
  for (const l of ordered) {
    if (TAG_KINDS.has(l.kind) && columns.length) {
      columns[columns.length - 1].tags.push(l);
      columnOf.set(l.id, columns.length - 1);
    } else {
      columnOf.set(l.id, columns.length);
      columns.push({ layer: l, tags: [] });
    }
  }

  // Natural sizes in units u (√-scaled), fitted to the canvas below.
  const BAR = 1.1; // fc bar thickness in u
  const GAP = 3.4; // gap between columns in u (room for connections)
  const maxBarN = Math.max(...ordered.filter((l) => l.out_shape.length === 1).map((l) => l.out_shape[0] / (l.towers === 2 ? 2 : 1)), 1);
  const natural = columns.map(({ layer }) => {
    const split = layer.towers === 2 ? 2 : 1;
    if (layer.out_shape.length === 3) {
      const [c, h, w] = layer.out_shape;
      const cc = c / split;
      const box = volumeBox(1, cc, h, w);
      return { volume: true, split, c: cc, h, w, fw: box.w, fh: box.h, d: box.d };
    }
    const n = layer.out_shape[0] / split;
    return { volume: false, split, c: n, h: n, w: 1, fw: BAR, fh: null, d: 0, n };
  });
  const naturalWidth = natural.reduce((a, n) => a + n.fw + n.d, 0) + GAP * (columns.length - 1);
  const margin = { left: marginLeft, right: 16, top: 34, bottom: 30 };
  const band = 54; // the central band holding the relu/lrn tags
  const slotH = (height - margin.top - margin.bottom - band) / 2;
  // The tallest tower volume (front face plus oblique rise) and the shared input must fit their slots.
  const towerMax = Math.max(...natural.filter((n) => n.volume && n.split === 2).map((n) => n.fh + n.d), 1);
  const sharedMax = Math.max(...natural.filter((n) => n.volume && n.split === 1).map((n) => n.fh + n.d), 1);
  const labelRoom = 30; // two label lines above and below each tower volume
  const avail = width - margin.left - margin.right;
  let unit = Math.min(
    avail / naturalWidth,
    (slotH - labelRoom) / towerMax,
    (height - margin.top - margin.bottom - 2 * labelRoom) / sharedMax,
  );
  const barMaxH = 0.8 * (slotH - labelRoom);
  const towerCy = [margin.top + slotH / 2, height - margin.bottom - slotH / 2];
  const midY = margin.top + slotH + band / 2;

  // Every column needs room for its labels (minSlot px), so narrow fc bars do not crowd their captions; shrink the
  // unit until the columns plus a minimal gap fit, then spread the spare width evenly between the columns.
  const labelSlot = Math.min(minSlot, (avail - 6 * (columns.length - 1)) / columns.length);
  const slot = (n) => Math.max((n.fw + n.d) * unit, labelSlot);
  const minGap = 6;
  for (let i = 0; i < 40 && natural.reduce((a, n) => a + slot(n), 0) + minGap * (columns.length - 1) > avail; i++) unit *= 0.97;
  const used = natural.reduce((a, n) => a + slot(n), 0);
  const gapPx = columns.length > 1 ? (avail - used) / (columns.length - 1) : 0;

  const nodes = [];
  const tags = [];
  const colInfo = [];
  let left = margin.left;
  columns.forEach((col, ci) => {
    const n = natural[ci];
    const w = n.fw * unit, d = n.d * unit;
    const x = left + (slot(n) - (w + d)) / 2;
    const towers = n.split === 2 ? [0, 1] : [null];
    const colNodes = [];
    for (const t of towers) {
      const h = n.volume ? n.fh * unit : Math.max(6, barMaxH * Math.sqrt(n.n / maxBarN));
      const cy = t === null ? midY : towerCy[t];
      // Centre the whole drawn box (front face plus the oblique top) on the slot's centre line.
      const y = cy - (h - d) / 2;
      const node = {
        id: col.layer.id, kind: col.layer.kind, tower: t, column: ci, volume: n.volume,
        x, y, w, h, dx: d, dy: d, dims: { c: n.c, h: n.h, w: n.w },
        label: n.volume ? shapeText(col.layer.out_shape, n.c) : String(n.c),
        bbox: { x0: x, y0: y - d, x1: x + w + d, y1: y + h },
      };
      nodes.push(node);
      colNodes.push(node);
    }
    const cx = x + (w + d) / 2;
    col.tags.forEach((l, i) => {
      const tw = 40, th = 16;
      const ty = midY - (col.tags.length * (th + 4) - 4) / 2 + i * (th + 4);
      tags.push({ id: l.id, kind: l.kind, column: ci, x: cx - tw / 2, y: ty, w: tw, h: th,
        bbox: { x0: cx - tw / 2, y0: ty, x1: cx + tw / 2, y1: ty + th } });
    });
    colInfo.push({ id: col.layer.id, x0: x, x1: x + w + d, cx, nodes: colNodes, tags: col.tags.map((l) => l.id) });
    left += slot(n) + gapPx;
  });

  // Connections: each column feeds the next. Within a tower unless the receiving layer reads both towers
  // (conv3, fc6, fc7, fc8), where every source tower feeds every destination tower and the lines cross.
  const edges = [];
  for (let ci = 1; ci < colInfo.length; ci++) {
    const dst = columns[ci].layer;
    const from = colInfo[ci - 1].nodes, to = colInfo[ci].nodes;
    for (const a of from) {
      for (const b of to) {
        const sameTower = a.tower === null || b.tower === null || a.tower === b.tower;
        if (!sameTower && !dst.reads_both_towers) continue;
        edges.push({ from: a.id, to: b.id, fromTower: a.tower, toTower: b.tower, cross: !sameTower,
          x0: a.x + a.w, y0: a.y + a.h / 2, x1: b.x, y1: b.y + b.h / 2 });
      }
    }
  }
  return { nodes, tags, edges, columns: colInfo, unit, width, height, midY, towerCy, columnOf };
}

/** The overview element (volume, bar or tag) under a point, or null. Tags win over the volumes they sit between. */
export function hitTest(layout, px, py) {
  for (const t of layout.tags) if (px >= t.bbox.x0 && px <= t.bbox.x1 && py >= t.bbox.y0 && py <= t.bbox.y1) return t;
  for (const n of layout.nodes) if (px >= n.bbox.x0 - 3 && px <= n.bbox.x1 + 3 && py >= n.bbox.y0 - 3 && py <= n.bbox.y1 + 3) return n;
  return null;
}
