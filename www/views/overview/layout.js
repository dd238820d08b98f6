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
 * The narrowest a column may be and still hold its 12 px labels side by side with its neighbours' ("max 3×3 ×",
 * "3×3×256"); below this the columns wrap onto more rows.
 */
export const MIN_COLUMN_PX = 64;
/** The canvas width the margins (tower captions, continuation marks) take from the columns when they wrap. */
const WRAP_MARGINS = 60;

/**
 * Edge length on the overview's scale. The network spans 227 → 6 pixels and 3 → 256 channels, so lengths are
 * proportional to √value: that keeps order and relative size while both ends stay visible on one canvas.
 */
export function scaleLen(v) {
  return Math.sqrt(v);
}

/** Figure 2's columns in order: `{layer, tags}`, the relu/lrn layers as tags of the column that produced them. */
export function overviewColumns(spec) {
  const columns = [];
  for (const l of [dataRow(spec), ...spec.layers.filter((m) => m.kind !== 'data')]) {
    if (TAG_KINDS.has(l.kind) && columns.length) columns[columns.length - 1].tags.push(l);
    else columns.push({ layer: l, tags: [] });
  }
  return columns;
}

/** How many rows the columns need at `width` CSS pixels so that none is narrower than MIN_COLUMN_PX. */
export function overviewRows(columnCount, width) {
  const perRow = Math.max(1, Math.floor((width - WRAP_MARGINS) / MIN_COLUMN_PX));
  return Math.max(1, Math.ceil(columnCount / perRow));
}

/**
 * Layout of the overview (the paper's Figure 2): one column per data/conv/pool/fc/softmax layer, two towers
 * (GPU 1 on top, GPU 2 below) for split layers, relu/lrn as tags in the band between the towers.
 * Volumes are drawn as boxes whose front face is C (across) × H (up) and whose oblique depth is W.
 * A narrow canvas (a phone, a course column) wraps the columns onto `rows` bands of `height` each, read left to
 * right and then down, rather than shrinking the text; connections that would cross from one row to the next are
 * left out and each row ends with a continuation mark (`breaks`) naming the layer that follows.
 * @param {object} spec
 * @param {{width: number, height: number, marginLeft?: number, minSlot?: number, rows?: number}} size CSS pixels;
 *   `height` is one row's; minSlot is the narrowest column (room for its labels); rows defaults to overviewRows
 * @returns {{nodes: object[], tags: object[], edges: object[], columns: object[], rows: object[], breaks: object[],
 *   unit: number, width: number, height: number}}
 */
export function overviewLayout(spec, { width, height, marginLeft = 16, minSlot = 60, rows }) {
  const ordered = [dataRow(spec), ...spec.layers.filter((l) => l.kind !== 'data')];
  const columns = overviewColumns(spec);
  const nRows = Math.min(columns.length, rows ?? overviewRows(columns.length, width));

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

  // Rows hold consecutive columns, as evenly as they divide (the first rows take one more where they must).
  const base = Math.floor(columns.length / nRows);
  const extra = columns.length % nRows;
  const rowCols = [];
  for (let r = 0, next = 0; r < nRows; r++) {
    const n = base + (r < extra ? 1 : 0);
    rowCols.push(Array.from({ length: n }, (_, i) => next + i));
    next += n;
  }
  const rowCount = nRows;

  const margin = { left: marginLeft, right: rowCount > 1 ? WRAP_MARGINS - marginLeft : 16, top: 34, bottom: 30 };
  const band = 54; // the central band holding the relu/lrn tags
  const slotH = (height - margin.top - margin.bottom - band) / 2;
  const labelRoom = 30; // two label lines above and below each tower volume
  const avail = width - margin.left - margin.right;
  // One unit for every row, so that sizes compare across rows: the tightest row sets it.
  let unit = Math.min(...rowCols.map((cis) => {
    const ns = cis.map((ci) => natural[ci]);
    const naturalWidth = ns.reduce((a, n) => a + n.fw + n.d, 0) + GAP * (ns.length - 1);
    // The tallest tower volume (front face plus oblique rise) and the shared input must fit their slots.
    const towerMax = Math.max(...ns.filter((n) => n.volume && n.split === 2).map((n) => n.fh + n.d), 1);
    const sharedMax = Math.max(...ns.filter((n) => n.volume && n.split === 1).map((n) => n.fh + n.d), 1);
    return Math.min(avail / naturalWidth, (slotH - labelRoom) / towerMax, (height - margin.top - margin.bottom - 2 * labelRoom) / sharedMax);
  }));
  const barMaxH = 0.8 * (slotH - labelRoom);

  // Every column needs room for its labels (minSlot px), so narrow fc bars do not crowd their captions; shrink the
  // unit until each row's columns plus a minimal gap fit, then spread a row's spare width evenly between its columns.
  const most = Math.max(...rowCols.map((cis) => cis.length));
  const labelSlot = Math.min(minSlot, (avail - 6 * (most - 1)) / most);
  const slot = (n) => Math.max((n.fw + n.d) * unit, labelSlot);
  const minGap = 6;
  const rowWidth = (cis) => cis.reduce((a, ci) => a + slot(natural[ci]), 0) + minGap * (cis.length - 1);
  for (let i = 0; i < 40 && Math.max(...rowCols.map(rowWidth)) > avail; i++) unit *= 0.97;

  const rowsOut = rowCols.map((cis, r) => {
    const top = r * height;
    return { index: r, top, bottom: top + height, midY: top + margin.top + slotH + band / 2,
      towerCy: [top + margin.top + slotH / 2, top + height - margin.bottom - slotH / 2], columns: cis };
  });

  const nodes = [];
  const tags = [];
  const colInfo = [];
  for (const row of rowsOut) {
    const used = row.columns.reduce((a, ci) => a + slot(natural[ci]), 0);
    // A short last row keeps the others' spacing instead of stretching its few columns across the canvas.
    const gapPx = row.columns.length > 1 ? Math.min((avail - used) / (row.columns.length - 1), rowCount > 1 ? 3 * MIN_COLUMN_PX : Infinity) : 0;
    let left = margin.left;
    for (const ci of row.columns) {
      const col = columns[ci];
      const n = natural[ci];
      const w = n.fw * unit, d = n.d * unit;
      const x = left + (slot(n) - (w + d)) / 2;
      const towers = n.split === 2 ? [0, 1] : [null];
      const colNodes = [];
      for (const t of towers) {
        const h = n.volume ? n.fh * unit : Math.max(6, barMaxH * Math.sqrt(n.n / maxBarN));
        const cy = t === null ? row.midY : row.towerCy[t];
        // Centre the whole drawn box (front face plus the oblique top) on the slot's centre line.
        const y = cy - (h - d) / 2;
        const node = {
          id: col.layer.id, kind: col.layer.kind, tower: t, column: ci, row: row.index, volume: n.volume,
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
        const ty = row.midY - (col.tags.length * (th + 4) - 4) / 2 + i * (th + 4);
        tags.push({ id: l.id, kind: l.kind, column: ci, row: row.index, x: cx - tw / 2, y: ty, w: tw, h: th,
          bbox: { x0: cx - tw / 2, y0: ty, x1: cx + tw / 2, y1: ty + th } });
      });
      colInfo.push({ id: col.layer.id, row: row.index, x0: x, x1: x + w + d, cx, nodes: colNodes, tags: col.tags.map((l) => l.id) });
      left += slot(n) + gapPx;
    }
  }

  // Connections: each column feeds the next. Within a tower unless the receiving layer reads both towers
  // (conv3, fc6, fc7, fc8), where every source tower feeds every destination tower and the lines cross.
  const edges = [];
  const breaks = [];
  for (let ci = 1; ci < colInfo.length; ci++) {
    const dst = columns[ci].layer;
    if (colInfo[ci].row !== colInfo[ci - 1].row) {
      const row = rowsOut[colInfo[ci - 1].row];
      breaks.push({ from: colInfo[ci - 1].id, to: dst.id, row: row.index, x: width - margin.right + 4, y: row.midY });
      continue;
    }
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
  return { nodes, tags, edges, breaks, columns: colInfo, rows: rowsOut, unit, width, height: height * rowCount };
}

/** The overview element (volume, bar or tag) under a point, or null. Tags win over the volumes they sit between. */
export function hitTest(layout, px, py) {
  for (const t of layout.tags) if (px >= t.bbox.x0 && px <= t.bbox.x1 && py >= t.bbox.y0 && py <= t.bbox.y1) return t;
  for (const n of layout.nodes) if (px >= n.bbox.x0 - 3 && px <= n.bbox.x1 + 3 && py >= n.bbox.y0 - 3 && py <= n.bbox.y1 + 3) return n;
  return null;
}
