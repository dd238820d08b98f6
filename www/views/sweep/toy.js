// The seed's toy convolution (a 5×5×3 input, one 3×3×3 kernel; not AlexNet): its numbers, output and tables.
import { outSize, formulaText, positionAt, toyConv } from '../../shared/geometry.js';
import { el } from '../kit/dom.js';

// Deterministic small integers lo..lo+n−1 (a tiny LCG), so the toy shows the same numbers on every visit.
function smallInts(count, n, lo, seed) {
  let s = seed;
  return Array.from({ length: count }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return lo + (Math.floor(s / 65536) % n);
  });
}

// The toy's numbers: small integers, fixed so the page always shows the same example.
const TOY_INPUT = smallInts(75, 3, 0, 11);
const TOY_KERNEL = smallInts(27, 3, -1, 5);

/** The toy convolved at stride `s` and padding `p`, with the formula line that explains its size. */
export function makeToy(s, p, t) {
  const r = outSize(5, 3, p, s);
  const toy = toyConv(TOY_INPUT, [3, 5, 5], TOY_KERNEL, 3, s, p);
  const formula = `(W − F + 2P)/S + 1 = ${formulaText(5, 3, p, s)}` +
    (r.integral ? t('sweep.toyOut', { w: toy.outW, h: toy.outH }) : t('sweep.toyNotInt', { r: r.num % s, w: toy.outW, h: toy.outH }));
  return { ...toy, stride: s, pad: p, formula };
}

/**
 * The toy at sweep step `pos` as tables: each padded input channel with the window shaded, the kernel's slices and
 * the output filled up to `pos`; and the step's dot product written out.
 * @returns {{grids: HTMLElement[], sum: string}}
 */
export function toyTables(toy, pos, t) {
  const { stride: s, pad: p } = toy;
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
        cells.push(el('td', { text: real ? TOY_INPUT[(c * 5 + iy) * 5 + ix] : '0',
          style: { background: inWin ? 'rgba(78,121,167,0.3)' : real ? '#fff' : '#eee', color: real ? '#111' : '#999' } }));
      }
      rows.push(el('tr', {}, cells));
    }
    grids.push(el('div', {}, [el('div', { class: 'xv-note', text: t('sweep.inputChannel', { c }) }), el('table', { class: 'xv-toy-grid' }, rows)]));
  }
  for (let c = 0; c < 3; c++) {
    const rows = [];
    for (let ky = 0; ky < 3; ky++) rows.push(el('tr', {}, [0, 1, 2].map((kx) => el('td', { text: TOY_KERNEL[(c * 3 + ky) * 3 + kx], style: { background: '#fdf3e3' } }))));
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
  const products = toy.terms[pos];
  return { grids, sum: `${products.map(([a, b]) => `${a}·${b < 0 ? `(${b})` : b}`).join(' + ')} = ${toy.out[pos]}` };
}
