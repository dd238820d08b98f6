// Pure geometry of the explainer, driven by the spec table: teaching arithmetic, windows, towers, fields, shares.
import { findLayer } from './data-row.js';

// Shapes, sizes, receptive fields and totals that the spec holds are read from it, never recomputed or re-declared.
// What is worked out here is what it does not hold: which input window an output position reads, how channels split
// over the towers, where a receptive field starts, the seed's toy and the 224 it shows failing.

/**
 * The output size formula (W − F + 2P)/S + 1, for sizes the spec does not hold: the seed's 224 that fails, the toy.
 * `out` is what Caffe's convolution produces (floor); `exact` keeps the fraction so the app can show why 224 fails
 * (54.25) and 227 works (55). AlexNet's own layers carry theirs in `formula` (see layerFormulaText).
 * @returns {{out: number, exact: number, num: number, den: number, integral: boolean}}
 */
export function outSize(w, f, p, s) {
  const num = w - f + 2 * p;
  return { out: Math.floor(num / s) + 1, exact: num / s + 1, num, den: s, integral: num % s === 0 };
}

/** Formats a number for formulas: integers as is, fractions with up to 4 decimals (54.25). */
export function fmtExact(v) {
  return Number.isInteger(v) ? String(v) : String(Number(v.toFixed(4)));
}

/** The formula with its numbers, e.g. "(227 − 11 + 2·0)/4 + 1 = 55"; a non-integral result is shown exactly. */
export function formulaText(w, f, p, s) {
  const r = outSize(w, f, p, s);
  return `(${w} − ${f} + 2·${p})/${s} + 1 = ${fmtExact(r.exact)}`;
}

/** A conv or pool row's formula with the spec's own numbers and result, e.g. "(27 − 5 + 2·2)/1 + 1 = 27". */
export function layerFormulaText(layer) {
  const { w, f, p, s, out } = layer.formula;
  return `(${w} − ${f} + 2·${p})/${s} + 1 = ${out}`;
}

function checkPos(layer, y, x) {
  const [, outH, outW] = layer.out_shape;
  if (!(Number.isInteger(y) && Number.isInteger(x) && y >= 0 && x >= 0 && y < outH && x < outW)) {
    throw new RangeError(`${layer.id}: output position (${y}, ${x}) outside ${outH}×${outW}`);
  }
}

function window(layer, y, x) {
  checkPos(layer, y, x);
  const k = layer.k, s = layer.stride, p = layer.pad ?? 0;
  const [, h, w] = layer.in_shape;
  const y0 = y * s - p, x0 = x * s - p;
  return {
    k, stride: s, pad: p,
    // Input coordinates; negative or ≥ size means the window covers zero padding there.
    y0, x0, y1: y0 + k, x1: x0 + k,
    // The same corner in the coordinates of the zero-padded input, whose size is size + 2P.
    padY0: y * s, padX0: x * s, paddedH: h + 2 * p, paddedW: w + 2 * p,
    // The part of the window that lies on real input (exclusive ends).
    clip: { y0: Math.max(0, y0), x0: Math.max(0, x0), y1: Math.min(h, y0 + k), x1: Math.min(w, x0 + k) },
  };
}

/** The input rectangle a conv output (y, x) reads, padding included. Throws RangeError outside the output. */
export function convWindow(layer, y, x) {
  return window(layer, y, x);
}

/** The input rectangle a pool output (y, x) takes its max over (clipped to the input, as Caffe does). */
export function poolWindow(layer, y, x) {
  return window(layer, y, x);
}

/** Every output position in sweep order: left→right, then top→bottom. */
export function sweepPositions(outH, outW) {
  const out = new Array(outH * outW);
  for (let y = 0, i = 0; y < outH; y++) for (let x = 0; x < outW; x++, i++) out[i] = { i, y, x };
  return out;
}

/** The position of sweep step `i` in an output of width `outW`. */
export function positionAt(i, outW) {
  return { y: Math.floor(i / outW), x: i % outW };
}

/**
 * How many pooling windows cover each input pixel. With 3×3 windows at stride 2 (overlapping pooling) the counts are
 * 1, 2 or 4: every odd row/column is shared by two neighbouring windows.
 * @returns {{h: number, w: number, counts: Uint8Array, max: number, histogram: Map<number, number>}}
 */
export function poolCoverage(layer) {
  const [, h, w] = layer.in_shape;
  const [, outH, outW] = layer.out_shape;
  const rows = axisCoverage(h, outH, layer.k, layer.stride, layer.pad ?? 0);
  const cols = axisCoverage(w, outW, layer.k, layer.stride, layer.pad ?? 0);
  const counts = new Uint8Array(h * w);
  const histogram = new Map();
  let max = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const c = rows[y] * cols[x];
      counts[y * w + x] = c;
      if (c > max) max = c;
      histogram.set(c, (histogram.get(c) ?? 0) + 1);
    }
  }
  return { h, w, counts, max, histogram };
}

function axisCoverage(size, out, k, s, p) {
  const c = new Uint8Array(size);
  for (let o = 0; o < out; o++) {
    for (let i = Math.max(0, o * s - p); i < Math.min(size, o * s - p + k); i++) c[i]++;
  }
  return c;
}

function channels(layer) {
  return layer.out_shape[0];
}

/** Which GPU tower (0 = GPU 1, 1 = GPU 2) holds an output channel; null for layers that are not split. */
export function towerOf(layer, channel) {
  if (layer.towers !== 2) return null;
  return channel < channels(layer) / 2 ? 0 : 1;
}

/** The output channels a tower holds, [start, end). */
export function towerChannels(layer, tower) {
  const c = channels(layer);
  if (layer.towers !== 2) return { start: 0, end: c };
  const half = c / 2;
  return { start: tower * half, end: (tower + 1) * half };
}

/**
 * The input channels one kernel reads. With groups = 2 (conv2, conv4, conv5) a kernel sees only its own tower's half,
 * so conv2's output channel 200 (group 1) reads channels 48..95; conv3 (groups = 1) reads all 256 of both towers.
 * For fc layers every input value is read. `end` is exclusive.
 */
export function inputChannelRange(layer, oc) {
  if (layer.kind === 'fc') return { group: 0, start: 0, end: fcInputs(layer), count: fcInputs(layer) };
  const g = layer.groups ?? 1;
  if (!(oc >= 0 && oc < layer.c_out)) throw new RangeError(`${layer.id}: output channel ${oc} outside 0..${layer.c_out - 1}`);
  const group = Math.floor(oc / (layer.c_out / g));
  const count = layer.c_in / g;
  return { group, start: group * count, end: (group + 1) * count, count };
}

/** How many input values an fc layer reads: kernel_shape [n_out, n_in] (c_in is the input's channel count). */
export function fcInputs(layer) {
  return layer.kernel_shape[1];
}

/**
 * The receptive field of a layer: size, jump and `rf_start` (the top-left of unit 0's field) are the spec's;
 * `start` is the image coordinate of the first output unit's field centre, rf_start + (size − 1)/2. A layer whose
 * output is a vector (fc6 on) has no positions: each of its values sees the whole image (`global`).
 */
export function receptiveField(spec, id) {
  const l = findLayer(spec, id);
  if (l.out_shape.length !== 3) return { size: spec.input.shape[1], jump: null, start: null, global: true };
  return { size: l.receptive_field, jump: l.jump, start: l.rf_start + (l.receptive_field - 1) / 2, global: false };
}

/** The image rectangle [y0, y1) × [x0, x1) that output (y, x) of a spatial layer depends on (may overhang the image). */
export function receptiveWindow(spec, id, y, x) {
  const rf = receptiveField(spec, id);
  const h = (rf.size - 1) / 2;
  const cy = rf.start + y * rf.jump, cx = rf.start + x * rf.jump;
  return { y0: cy - h, x0: cx - h, y1: cy + h + 1, x1: cx + h + 1, size: rf.size };
}

/**
 * Per-layer parameter and cost rows, the totals and the conv/fc shares. The totals are the spec's `totals`; only
 * what it does not hold is summed here: the values of all layers, and each kind's params, MACs and values.
 */
export function ledgerRows(spec) {
  const layers = spec.layers.filter((l) => l.kind !== 'data');
  const params = (l) => (l.weights ?? 0) + (l.biases ?? 0);
  const { weights, biases, params: allParams, macs, conv_neurons: convNeurons } = spec.totals;
  const totals = { weights, biases, params: allParams, macs, neurons: layers.reduce((a, l) => a + (l.neurons ?? 0), 0), convNeurons };
  const rows = layers.map((l) => ({
    id: l.id, kind: l.kind, outShape: l.out_shape, kernelShape: l.kernel_shape ?? null,
    weights: l.weights ?? 0, biases: l.biases ?? 0, params: params(l), macs: l.macs ?? 0, neurons: l.neurons ?? 0,
    paramShare: totals.params ? params(l) / totals.params : 0, macShare: totals.macs ? (l.macs ?? 0) / totals.macs : 0,
  }));
  const byKind = {};
  for (const r of rows) {
    byKind[r.kind] ??= { params: 0, macs: 0, neurons: 0, layers: 0 };
    const k = byKind[r.kind];
    k.params += r.params; k.macs += r.macs; k.neurons += r.neurons; k.layers++;
  }
  for (const k of Object.values(byKind)) {
    k.paramShare = totals.params ? k.params / totals.params : 0;
    k.macShare = totals.macs ? k.macs / totals.macs : 0;
  }
  return { rows, totals, byKind };
}

/** Shape as the paper and the seed write it, W×H×C (or N for vectors). */
export function shapeText(shape, channelsOverride) {
  if (!shape) return '';
  if (shape.length === 3) return `${shape[2]}×${shape[1]}×${channelsOverride ?? shape[0]}`;
  return String(channelsOverride ?? shape[0]);
}

/**
 * The kernel bank as the seed writes it, count × k×k×thickness: conv1 "96 × 11×11×3", conv2 "256 × 5×5×48";
 * fc6 reads as a full convolution over its input volume, "4096 × 6×6×256"; fc7 "4096 × 4096".
 */
export function kernelText(layer) {
  const ks = layer.kernel_shape;
  if (!ks?.length) return '';
  if (ks.length === 4) return `${ks[0]} × ${ks[2]}×${ks[3]}×${ks[1]}`;
  if (layer.in_shape && layer.in_shape.length === 3) return `${ks[0]} × ${shapeText(layer.in_shape)}`;
  return `${ks[0]} × ${ks[1]}`;
}

/**
 * The seed's toy convolution (not AlexNet, so it is computed here): input [C,H,W] and one kernel [C,k,k] as flat
 * arrays, zero padding P, stride S. Returns the output map and, per position, the window's products.
 */
export function toyConv(input, [c, h, w], kernel, k, stride, pad) {
  const oh = outSize(h, k, pad, stride).out, ow = outSize(w, k, pad, stride).out;
  const out = new Float64Array(Math.max(0, oh) * Math.max(0, ow));
  const terms = [];
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const t = [];
      let s = 0;
      for (let ci = 0; ci < c; ci++) {
        for (let ky = 0; ky < k; ky++) {
          for (let kx = 0; kx < k; kx++) {
            const iy = y * stride - pad + ky, ix = x * stride - pad + kx;
            const a = iy >= 0 && iy < h && ix >= 0 && ix < w ? input[(ci * h + iy) * w + ix] : 0;
            const b = kernel[(ci * k + ky) * k + kx];
            t.push([a, b]);
            s += a * b;
          }
        }
      }
      out[y * ow + x] = s;
      terms.push(t);
    }
  }
  return { outH: oh, outW: ow, out, terms };
}

/** The channels an LRN at channel c sums over: c − ⌊n/2⌋ … c + ⌊n/2⌋, clipped to [0, C). */
export function lrnWindow(channelCount, c, size) {
  const half = Math.floor(size / 2);
  return { start: Math.max(0, c - half), end: Math.min(channelCount, c + half + 1) };
}
