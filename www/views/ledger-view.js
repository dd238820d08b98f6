// Ledger view: where AlexNet's 60 M parameters and 724 M multiply-accumulates are, layer by layer, from the spec.
import { ledgerRows, shapeText, kernelText } from '../shared/geometry.js';
import { el } from './kit/dom.js';
import { fmtInt, fmtMacs, fmtPct } from './kit/format.js';

/** Mounts the ledger table in `container`. */
export function createLedgerView(container, ctx) {
  const { spec, t } = ctx;
  const led = ledgerRows(spec);
  const { totals, byKind } = led;
  const fc = byKind.fc ?? { params: 0, paramShare: 0, macShare: 0 };
  const conv = byKind.conv ?? { params: 0, paramShare: 0, macs: 0, macShare: 0 };

  const sums = el('div', { class: 'xv-sums' }, [
    panel(t('led.params'), fmtInt(totals.params), t('led.paramsNote', { w: fmtInt(totals.weights), b: fmtInt(totals.biases) }), 'ledger-total-params'),
    panel(t('led.macs'), fmtMacs(totals.macs), t('led.macsNote', { n: fmtInt(totals.macs), g: (2 * totals.macs / 1e9).toFixed(2) })),
    panel(t('led.neurons'), fmtInt(totals.convNeurons), t('led.neuronsNote'), 'ledger-conv-neurons'),
    panel(t('led.fcShare'), fmtPct(fc.paramShare), t('led.fcShareNote', { n: byKind.fc?.layers ?? 0, pct: fmtPct(fc.macShare) })),
    panel(t('led.convShare'), fmtPct(conv.macShare), t('led.convShareNote', { pct: fmtPct(conv.paramShare) })),
  ]);

  const timeHead = el('th', { scope: 'col', text: t('led.colTime'), title: t('led.colTimeTitle') });
  const head = el('tr', {}, [
    ['layer', 'kind', 'output', 'kernels', 'weights', 'biases', 'params', 'paramShare', 'macs', 'macShare', 'values']
      .map((k) => el('th', { scope: 'col', text: t(`led.col.${k}`) })),
    timeHead,
  ].flat());
  const maxParamShare = Math.max(...led.rows.map((r) => r.paramShare));
  const maxMacShare = Math.max(...led.rows.map((r) => r.macShare));
  const timeCells = new Map();
  const body = el('tbody', {}, led.rows.map((r) => {
    const color = ctx.colors[r.kind] ?? '#999';
    const layer = spec.layers.find((l) => l.id === r.id);
    // A state without a view opens the layer's own one (maps for conv, ...), in a new tab as on a click.
    const link = el('a', { href: `#layer=${r.id}`, onclick: (ev) => {
      ev.preventDefault();
      ctx.navigate({ layer: r.id, view: null });
    } }, r.id);
    const tc = el('td', { text: '' });
    timeCells.set(r.id, tc);
    return el('tr', { class: `xv-kind-${r.kind}${r.params ? '' : ' xv-nonparam'}`, 'data-layer': r.id }, [
      el('td', {}, [el('span', { class: 'xv-swatch', style: { background: color } }), link]),
      el('td', { class: 'xv-left', text: t(`kind.${r.kind}`) }),
      el('td', { text: shapeText(r.outShape) }),
      el('td', { text: kernelText(layer) }),
      el('td', { text: r.weights ? fmtInt(r.weights) : '' }),
      el('td', { text: r.biases ? fmtInt(r.biases) : '' }),
      el('td', { text: r.params ? fmtInt(r.params) : '0' }),
      shareCell(r.paramShare, maxParamShare, color),
      el('td', { text: r.macs ? fmtInt(r.macs) : '' }),
      shareCell(r.macShare, maxMacShare, color),
      el('td', { text: fmtInt(r.neurons) }),
      tc,
    ]);
  }));
  const totalTime = el('td', { text: '' });
  const foot = el('tfoot', {}, [
    el('tr', { class: 'xv-total', id: 'ledger-total' }, [
      el('td', { text: t('led.total') }), el('td', { text: '' }), el('td', { text: '' }), el('td', { text: '' }),
      el('td', { text: fmtInt(totals.weights) }), el('td', { text: fmtInt(totals.biases) }),
      el('td', { id: 'ledger-params' }, [fmtInt(totals.params), el('span', { class: 'xv-sub', text: t('led.paramsSub') })]), el('td', { text: '100 %' }),
      el('td', { id: 'ledger-macs' }, [fmtInt(totals.macs), el('span', { class: 'xv-sub', text: fmtMacs(totals.macs) })]), el('td', { text: '100 %' }),
      el('td', { text: fmtInt(totals.neurons) }), totalTime,
    ]),
    el('tr', { class: 'xv-total' }, [
      el('td', { text: t('led.convLayers') }), el('td', {}), el('td', {}), el('td', {}), el('td', {}), el('td', {}),
      el('td', { text: fmtInt(conv.params) }), el('td', { text: fmtPct(conv.paramShare) }),
      el('td', { text: fmtInt(conv.macs) }), el('td', { text: fmtPct(conv.macShare) }),
      el('td', { text: fmtInt(totals.convNeurons) }), el('td', {}),
    ]),
    el('tr', { class: 'xv-total xv-kind-fc' }, [
      el('td', { text: t('led.fcLayers') }), el('td', {}), el('td', {}), el('td', {}), el('td', {}), el('td', {}),
      el('td', { text: fmtInt(fc.params) }), el('td', { text: fmtPct(fc.paramShare) }),
      el('td', { text: fmtInt(fc.macs ?? 0) }), el('td', { text: fmtPct(fc.macShare) }),
      el('td', { text: fmtInt(fc.neurons ?? 0) }), el('td', {}),
    ]),
  ]);
  const table = el('table', { id: 'ledger-table' }, [
    el('caption', { class: 'xv-note', text: t('led.caption') }),
    el('thead', {}, head), body, foot,
  ]);
  labelCells(table);
  const fc6 = spec.layers.find((l) => l.kind === 'fc');
  const root = el('section', { class: 'xv xv-ledger', 'aria-label': t('view.ledger') }, [
    sums,
    el('div', { class: 'xv-ledger-wrap' }, table),
    fc6 ? el('p', { class: 'xv-note', text: t('led.fc6Note', { id: fc6.id, w: fmtInt(fc6.weights), kernels: kernelText(fc6), pct: fmtPct(fc6.weights / totals.params) }) }) : null,
  ]);
  container.append(root);

  function showTimings() {
    // main.js keeps the last pass's {top, timings, preprocess} behind ctx.result(); a plain ctx.timings also works.
    const timings = ctx.timings ?? (typeof ctx.result === 'function' ? ctx.result()?.timings : null);
    let sum = 0, any = false;
    for (const [id, td] of timeCells) {
      const ms = timingOf(timings, id);
      td.textContent = ms === null || ms === undefined ? '' : ms.toFixed(1);
      if (ms !== null && ms !== undefined) { sum += ms; any = true; }
    }
    totalTime.textContent = any ? sum.toFixed(1) : '';
    timeHead.hidden = false;
  }

  return {
    update() { showTimings(); },
    destroy() { root.remove(); },
  };
}

/** The timing of a layer from `done.timings`, whatever its shape ({id: ms} or [{layer, ms}]). */
function timingOf(timings, id) {
  if (!timings) return null;
  if (Array.isArray(timings)) {
    const t = timings.find((r) => r.layer === id || r.id === id);
    return t ? (t.ms ?? t.time ?? t.millis ?? null) : null;
  }
  const v = timings[id];
  return typeof v === 'number' ? v : v?.ms ?? null;
}

/**
 * Gives every cell its column's name (data-label) and the table explicit roles. A narrow container shows each row
 * as a card of "name: value" lines (views.css); CSS display changes drop a table's semantics in some browsers, so
 * the roles keep it a table for screen readers either way.
 */
function labelCells(table) {
  const names = [...table.tHead.rows[0].cells].map((th) => th.textContent);
  table.setAttribute('role', 'table');
  for (const group of [table.tHead, ...table.tBodies, table.tFoot]) group.setAttribute('role', 'rowgroup');
  for (const row of table.rows) {
    row.setAttribute('role', 'row');
    [...row.cells].forEach((cell, i) => {
      cell.setAttribute('role', cell.tagName === 'TH' ? 'columnheader' : 'cell');
      if (cell.tagName === 'TD') cell.dataset.label = names[i] ?? '';
    });
  }
}

function panel(title, big, note, id) {
  return el('div', { class: 'xv-panel' }, [
    el('p', { class: 'xv-cap', text: title }),
    el('div', { class: 'xv-big', text: big, id }),
    el('div', { class: 'xv-note', text: note }),
  ]);
}

function shareCell(share, max, color) {
  const w = max > 0 ? Math.round((share / max) * 60) : 0;
  return el('td', {}, [share ? fmtPct(share) : '', share ? el('span', { class: 'xv-bar', style: { width: `${w}px`, background: color } }) : null]);
}
