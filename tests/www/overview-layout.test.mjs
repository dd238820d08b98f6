// Unit tests of the overview's layout (www/views/overview/layout.js) against the spec table: Figure 2's columns,
// towers and crossings, drawn to scale and inside the canvas.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { overviewLayout, hitTest } from '../../www/views/overview/layout.js';
import { loadSpec } from './spec-fixture.mjs';

const { spec } = loadSpec();

test('overviewLayout: Figure 2 columns, towers, crossings, inside the canvas', () => {
  const lay = overviewLayout(spec, { width: 1200, height: 520 });
  const cols = lay.columns.map((c) => c.id);
  assert.deepEqual(cols, ['data', 'conv1', 'pool1', 'conv2', 'pool2', 'conv3', 'conv4', 'conv5', 'pool5', 'fc6', 'fc7', 'fc8', 'prob']);
  assert.deepEqual(lay.columns[1].tags, ['relu1', 'norm1']);
  const conv1 = lay.nodes.filter((n) => n.id === 'conv1');
  assert.equal(conv1.length, 2);
  assert.deepEqual(conv1.map((n) => n.label), ['55×55×48', '55×55×48']);
  assert.ok(conv1[0].y + conv1[0].h < conv1[1].y - conv1[1].dy, 'GPU 1 above GPU 2');
  assert.equal(lay.nodes.filter((n) => n.id === 'fc6').map((n) => n.label).join(), '2048,2048');
  assert.equal(lay.nodes.filter((n) => n.id === 'fc8').length, 1);
  // Crossing edges only into layers that read both towers.
  const crossInto = [...new Set(lay.edges.filter((e) => e.cross).map((e) => e.to))];
  assert.deepEqual(crossInto, spec.layers.filter((l) => l.reads_both_towers && l.towers === 2).map((l) => l.id));
  assert.deepEqual(crossInto, ['conv3', 'fc6', 'fc7']);
  assert.equal(lay.edges.filter((e) => e.to === 'conv2').length, 2);
  assert.equal(lay.edges.filter((e) => e.to === 'conv3').length, 4);
  // To scale (√): bigger maps are taller, thicker stacks wider, and the data block taller than any tower volume.
  const h = (id) => lay.nodes.find((n) => n.id === id).h;
  const w = (id) => lay.nodes.find((n) => n.id === id).w;
  assert.ok(h('data') > h('conv1') && h('conv1') > h('conv2') && h('conv2') > h('conv3') && h('conv3') > h('pool5'));
  assert.ok(Math.abs(h('conv1') / h('pool1') - Math.sqrt(55 / 27)) < 1e-9);
  assert.ok(w('conv3') > w('conv2') && w('conv2') > w('conv1') && w('conv1') > w('data'));
  for (const n of [...lay.nodes, ...lay.tags]) {
    assert.ok(n.bbox.x0 >= 0 && n.bbox.x1 <= 1200 + 1e-6, `${n.id} inside horizontally`);
    assert.ok(n.bbox.y0 >= 0 && n.bbox.y1 <= 520, `${n.id} inside vertically`);
  }
  const c2 = lay.nodes.find((n) => n.id === 'conv2' && n.tower === 1);
  assert.equal(hitTest(lay, c2.x + 1, c2.y + c2.h / 2).id, 'conv2');
  const tag = lay.tags.find((t) => t.id === 'norm2');
  assert.equal(hitTest(lay, tag.x + 2, tag.y + 2).id, 'norm2');
  assert.equal(hitTest(lay, 1, 1), null);
});

test('overviewLayout: a narrow canvas wraps the columns onto rows instead of shrinking or overflowing', () => {
  const wide = overviewLayout(spec, { width: 1200, height: 520 });
  assert.equal(wide.rows.length, 1);
  assert.equal(wide.breaks.length, 0);
  for (const [width, rows] of [[900, 1], [760, 2], [600, 2], [390, 3], [340, 4], [320, 4]]) {
    const lay = overviewLayout(spec, { width, height: 420, marginLeft: 30 });
    assert.equal(lay.rows.length, rows, `${width} px: rows`);
    assert.equal(lay.height, 420 * rows);
    assert.equal(lay.breaks.length, rows - 1);
    // Every column is still there, in order, each at least MIN_COLUMN_PX-ish apart within its row.
    assert.deepEqual(lay.columns.map((c) => c.id), wide.columns.map((c) => c.id));
    for (const row of lay.rows) {
      const cx = row.columns.map((ci) => lay.columns[ci].cx);
      for (let i = 1; i < cx.length; i++) assert.ok(cx[i] - cx[i - 1] >= 64, `${width} px: columns ${i - 1},${i} apart`);
    }
    for (const n of [...lay.nodes, ...lay.tags]) {
      const row = lay.rows[n.row];
      assert.ok(n.bbox.x0 >= 0 && n.bbox.x1 <= width, `${width} px: ${n.id} inside horizontally`);
      assert.ok(n.bbox.y0 >= row.top && n.bbox.y1 <= row.bottom, `${width} px: ${n.id} inside its row`);
    }
    // No connection jumps between rows; each break names the layer that opens the next row.
    const rowOf = new Map(lay.columns.map((c) => [c.id, c.row]));
    for (const e of lay.edges) assert.equal(rowOf.get(e.from), rowOf.get(e.to));
    for (const b of lay.breaks) assert.equal(rowOf.get(b.to), b.row + 1);
    assert.equal(lay.edges.length + lay.breaks.length > 0, true);
  }
});
