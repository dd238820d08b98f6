// Number formats of the views: counts with thousands separators, millions of MACs, shares, floats and hyper-parameters.

/** Thousands separators, always ',' (the ledger's totals must read the same in every locale). */
export function fmtInt(n) {
  const s = String(Math.abs(Math.round(n)));
  return (n < 0 ? '-' : '') + s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Multiply-accumulates in millions with one decimal: 724.4 M. */
export function fmtMacs(n) {
  return n ? `${(n / 1e6).toFixed(1)} M` : '—';
}

/** A share as a percentage with one decimal: 96.2 %. */
export function fmtPct(f) {
  return `${(f * 100).toFixed(1)} %`;
}

/** A float for the dot-product panels: 4 significant digits, no exponent for ordinary magnitudes. */
export function fmtNum(v, digits = 4) {
  if (v === 0) return '0';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-4) return v.toExponential(digits - 1);
  return String(Number(v.toPrecision(digits)));
}

/** A hyper-parameter as written in papers: the f32 1e-4 the engine sends (0.0000999999997) reads 0.0001. */
export function fmtParam(v) {
  return String(Number(Number(v).toPrecision(6)));
}
