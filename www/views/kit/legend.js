// Colour-scale legends: a CSS ramp of a lookup table between the values it spans.
import { cssGradient, formatValue } from '../../shared/colormap.js';
import { el } from './dom.js';

/** The ramp of a lookup table ('viridis', 'diverging'), low values on the left. */
export function ramp(lut) {
  const r = el('span', { class: 'ramp' });
  r.style.background = cssGradient(lut);
  return r;
}

/** The parts of a scale's legend: its low value, the ramp, its high value (append them to a `.legend` element). */
export function scaleParts(scale) {
  return [formatValue(scale.lo), ramp(scale.lut), formatValue(scale.hi)];
}

/** A `.legend` element for a scale {lo, hi, lut}; `note` says what the scale spans (one kernel, one layer…). */
export function scaleLegend(scale, note = '') {
  return el('span', { class: 'legend' }, note ? [...scaleParts(scale), el('span', {}, ` ${note}`)] : scaleParts(scale));
}
