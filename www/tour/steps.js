// The guided tour's steps: where each one takes the app, what it points at, and the numbers its text quotes.
import { shapeText, kernelText, layerFormulaText, formulaText, fcInputs, ledgerRows, outSize, fmtExact } from '../shared/geometry.js';
import { fmtInt, fmtNum, fmtPct, fmtParam } from '../views/kit/format.js';

// Every AlexNet number a step quotes is read here from the spec the worker sent (or from the current pass) and
// handed to the text as a parameter; the texts themselves (www/shared/i18n/tour-*.js) hold no digits. The only
// constants are the article's own examples, which are not layers of the network.

/** The article's worked examples: a 5×5×3 input with one 3×3×3 kernel, and 2×2 stride-2 pooling of a 224×224×64 map. */
export const ARTICLE = Object.freeze({
  toy: Object.freeze({ w: 5, c: 3, f: 3, s: 1, p: 0, kernels: 1 }),
  pool: Object.freeze({ w: 224, c: 64, f: 2, s: 2 }),
  // The input size printed in the paper's figure, which the article shows cannot be right.
  paperInput: 224,
});

/** Kernel sizes the later networks are known for: NiN's 1×1, VGG's stacked 3×3 in place of one 7×7. */
export const LATER = Object.freeze({ one: 1, three: 3, seven: 7, stack: 3 });

/** The size formula in letters, as the article writes it; the steps fill in AlexNet's numbers beside it. */
export const FORMULA = '(W − F + 2P)/S + 1';

/** The chapters, in order; each step names one. */
export const CHAPTERS = Object.freeze(['conv', 'alexnet', 'classifier', 'after']);

const layer = (spec, id) => spec.layers.find((l) => l.id === id);
const centre = (spec, id) => {
  const [, h, w] = layer(spec, id).out_shape;
  return { y: Math.floor(h / 2), x: Math.floor(w / 2) };
};
const side = (l) => l.out_shape[1];
/** Layer ids as a list in the reader's language ('conv1, conv2' or 'conv1、conv2'). */
const list = (t, ids) => ids.join(t('tour.listSep'));
const half = (l) => l.out_shape[0] / (l.towers === 2 ? 2 : 1);

/** One value of a [C,H,W] tensor of the pass, or null while the pass has not reached it. */
function at(live, id, c, y, x) {
  const tensor = live?.tensor?.(id);
  if (!tensor) return null;
  const [, h, w] = tensor.shape;
  return tensor.data[(c * h + y) * w + x];
}

/** The conv layer a pool follows (pool1 → conv1), walking the `input` links back through ReLU and LRN. */
function convBefore(spec, l) {
  let cur = l;
  while (cur && cur.kind !== 'conv') cur = layer(spec, cur.input);
  return cur;
}

/**
 * The steps, in the article's order. `state(spec)` is where the step takes the app (view, layer, channel,
 * position); `target` is the selector, inside the view, of what the box points at; `needs` lists the weight tensors
 * whose training the step's picture depends on ('all': the whole network); `facts(spec, t)` gives the parameters of
 * its texts and `live(spec, live, t)` those of its one sentence about the current pass (null until there is one).
 * `press`, if any, is the i18n key of the label of a button in the view that the box's "Show me" presses.
 */
export const STEPS = Object.freeze([
  {
    id: 'conv-idea', chapter: 'conv', target: '.xv-sweep-main', needs: ['conv1.weight'],
    state: (spec) => ({ view: 'sweep', layer: 'conv1', channel: 0, ...centre(spec, 'conv1') }),
    facts(spec, t) {
      const c1 = layer(spec, 'conv1');
      return { k: c1.k, cin: c1.c_in, s: c1.stride, n: fmtInt(side(c1) * side(c1)), terms: fmtInt(c1.k * c1.k * c1.c_in), play: t('sweep.play') };
    },
    live(_spec, live, _t, state) {
      const v = at(live, 'conv1', state.channel, state.y, state.x);
      return v === null ? null : { y: state.y, x: state.x, oc: state.channel, value: fmtNum(v) };
    },
  },
  {
    id: 'kernel-thickness', chapter: 'conv', target: '#kernels-gpu1', needs: ['conv1.weight'],
    state: () => ({ view: 'kernels', layer: 'conv1' }),
    facts(spec) {
      const c1 = layer(spec, 'conv1'), c2 = layer(spec, 'conv2');
      return {
        kernels: kernelText(c1), thick: c1.kernel_shape[1], cin: c1.c_in, count: c1.kernel_shape[0], cout: c1.c_out,
        kernels2: kernelText(c2), thick2: c2.kernel_shape[1], cout2: c2.c_out, cin2: c2.c_in,
      };
    },
  },
  {
    id: 'toy-formula', chapter: 'conv', target: '.xv-sweep .xv-controls', needs: ['conv1.weight'], press: 'sweep.modeToy',
    state: () => ({ view: 'sweep', layer: 'conv1', channel: 0, y: 0, x: 0 }),
    facts(_spec, t) {
      const { w, c, f, s, p, kernels } = ARTICLE.toy;
      const r = outSize(w, f, p, s);
      return {
        formula: FORMULA, w, c, f, s, p, kernels, params: f * f * c, out: r.out, worked: formulaText(w, f, p, s),
        toy: t('sweep.modeToy'), stride: t('sweep.strideS'), pad: t('sweep.paddingP'),
      };
    },
  },
  {
    id: 'why-227', chapter: 'alexnet', target: '#why-227', needs: [],
    state: () => ({ view: 'preprocess', layer: 'data' }),
    facts(spec) {
      const c1 = layer(spec, 'conv1');
      const { f, p, s } = c1.formula;
      const bad = outSize(ARTICLE.paperInput, f, p, s);
      return {
        crop: spec.input.crop, resize: spec.input.resize, paper: ARTICLE.paperInput, ok: layerFormulaText(c1),
        bad: formulaText(ARTICLE.paperInput, f, p, s), frac: fmtExact(bad.exact), formula: FORMULA,
      };
    },
  },
  {
    id: 'conv1-output', chapter: 'alexnet', target: '#maps-grid', needs: ['conv1.weight'],
    state: () => ({ view: 'maps', layer: 'conv1', channel: 0 }),
    facts(spec) {
      const c1 = layer(spec, 'conv1');
      return {
        formula: layerFormulaText(c1), out: side(c1), kernels: kernelText(c1), count: c1.c_out, half: half(c1),
        perGpu: shapeText(c1.out_shape, half(c1)), whole: shapeText(c1.out_shape), neurons: fmtInt(c1.neurons),
      };
    },
    live(_spec, live, _t, state) {
      const tensor = live?.tensor?.('conv1');
      if (!tensor) return null;
      const [, h, w] = tensor.shape;
      const c = state.channel;
      let best = 0;
      for (let i = 1; i < h * w; i++) if (tensor.data[c * h * w + i] > tensor.data[c * h * w + best]) best = i;
      return { c, max: fmtNum(tensor.data[c * h * w + best]), y: Math.floor(best / w), x: best % w };
    },
  },
  {
    id: 'pooling', chapter: 'alexnet', target: '.xv-pool-canvas', needs: ['conv1.weight'],
    state: (spec) => ({ view: 'pool', layer: 'pool1', channel: 0, ...centre(spec, 'pool1') }),
    facts(spec, t) {
      const pools = spec.layers.filter((l) => l.kind === 'pool');
      const p1 = pools[0];
      const a = ARTICLE.pool;
      return {
        after: list(t, pools.map((l) => convBefore(spec, l)?.id)), k: p1.k, s: p1.stride,
        sides: [layer(spec, p1.input), ...pools].map(side).join(' → '), formula: layerFormulaText(p1),
        af: a.f, as: a.s, aw: a.w, ac: a.c, aout: outSize(a.w, a.f, 0, a.s).out, pools: pools.length,
      };
    },
    live(_spec, live, _t, state) {
      const v = at(live, 'pool1', state.channel, state.y, state.x);
      return v === null ? null : { value: fmtNum(v), y: state.y, x: state.x };
    },
  },
  {
    id: 'towers', chapter: 'alexnet', target: '.xv-overview-canvas', needs: [],
    state: () => ({ view: 'overview', layer: 'conv3' }),
    facts(spec, t) {
      const c2 = layer(spec, 'conv2'), c3 = layer(spec, 'conv3'), c4 = layer(spec, 'conv4');
      const cross = spec.layers.filter((l) => l.reads_both_towers && l.kind === 'conv').map((l) => l.id);
      return {
        cross: list(t, cross), fcs: list(t, spec.layers.filter((l) => l.reads_both_towers && l.kind === 'fc').map((l) => l.id)),
        thick2: c2.kernel_shape[1], cin2: c2.c_in, thick3: c3.kernel_shape[1], cin3: c3.c_in,
        thick4: c4.kernel_shape[1], cin4: c4.c_in, kernels3: kernelText(c3),
      };
    },
  },
  {
    id: 'relu', chapter: 'alexnet', target: '.xv-relu-canvas', needs: ['conv1.weight'],
    state: () => ({ view: 'relu', layer: 'relu1' }),
    facts(spec, t) {
      const relus = spec.layers.filter((l) => l.kind === 'relu');
      const convRelus = relus.filter((l) => l.out_shape.length === 3).map((l) => l.id);
      const fcRelus = relus.filter((l) => l.out_shape.length === 1);
      return { conv: list(t, convRelus), fc: list(t, fcRelus.map((l) => l.id)), n: fcRelus[0] ? fmtInt(fcRelus[0].out_shape[0]) : '' };
    },
    live(_spec, live) {
      const tensor = live?.tensor?.('relu1');
      if (!tensor) return null;
      let zeros = 0;
      for (const v of tensor.data) if (v === 0) zeros++;
      return { pct: fmtPct(zeros / tensor.data.length), n: fmtInt(tensor.data.length) };
    },
  },
  {
    id: 'lrn', chapter: 'alexnet', target: '#lrn-formula', needs: ['conv1.weight'],
    state: (spec) => ({ view: 'lrn', layer: 'norm1', channel: 0, ...centre(spec, 'norm1') }),
    facts(spec, t) {
      const lrns = spec.layers.filter((l) => l.kind === 'lrn');
      const { size, alpha, beta, k } = lrns[0].lrn;
      return { layers: list(t, lrns.map((l) => l.id)), n: size, alpha: fmtParam(alpha), beta: fmtParam(beta), k: fmtParam(k), side: Math.floor(size / 2) };
    },
    live(spec, live, _t, state) {
      const n1 = layer(spec, 'norm1');
      const before = at(live, n1.input, state.channel, state.y, state.x);
      const after = at(live, n1.id, state.channel, state.y, state.x);
      return before === null || after === null ? null : { before: fmtNum(before), after: fmtNum(after), c: state.channel };
    },
  },
  {
    id: 'fc6-full-conv', chapter: 'classifier', target: '.xv-fc-row', needs: ['all'],
    state: () => ({ view: 'fc', layer: 'fc6', channel: 0 }),
    facts(spec) {
      const f6 = layer(spec, 'fc6');
      const p5 = layer(spec, f6.input);
      return {
        input: f6.input, shape: shapeText(f6.in_shape), count: fmtInt(f6.c_out), half: fmtInt(f6.c_out / 2),
        wrong: shapeText(p5.in_shape), per: fmtInt(fcInputs(f6)), formula: formulaText(f6.in_shape[2], f6.in_shape[2], 0, 1),
      };
    },
    live(_spec, live, _t, state) {
      const tensor = live?.tensor?.('fc6');
      return tensor ? { n: state.channel, value: fmtNum(tensor.data[state.channel]) } : null;
    },
  },
  {
    id: 'softmax', chapter: 'classifier', target: '#softmax-bars', needs: ['all'],
    state: () => ({ view: 'softmax', layer: 'prob' }),
    facts(spec) {
      const f7 = layer(spec, 'fc7'), f8 = layer(spec, 'fc8'), prob = spec.layers.find((l) => l.kind === 'softmax');
      return { in7: fmtInt(fcInputs(f7)), out7: fmtInt(f7.c_out), in8: fmtInt(fcInputs(f8)), classes: fmtInt(f8.c_out), prob: prob.id };
    },
    live(_spec, live, t) {
      const tensor = live?.tensor?.('prob');
      const top = live?.top?.[0];
      if (!tensor || !top) return null;
      let sum = 0;
      for (const v of tensor.data) sum += v;
      const name = t.has?.(`class.${top.index}`) ? t(`class.${top.index}`) : top.name;
      return { sum: sum.toFixed(4), name, p: fmtPct(top.prob) };
    },
  },
  {
    id: 'parameters', chapter: 'classifier', target: 'tr[data-layer="fc6"]', needs: [], figure: 'params',
    state: () => ({ view: 'ledger', layer: 'fc6' }),
    facts(spec) {
      const led = ledgerRows(spec);
      const f6 = layer(spec, 'fc6');
      const conv = led.byKind.conv, fc = led.byKind.fc;
      return {
        total: fmtInt(spec.totals.params), convCount: conv.layers, fc6: fmtInt(f6.weights),
        kernels: kernelText(f6), share: fmtPct(f6.weights / spec.totals.params), fcShare: fmtPct(fc.paramShare),
        convShare: fmtPct(conv.paramShare), convMacs: fmtPct(conv.macShare),
      };
    },
  },
  {
    id: 'after-alexnet', chapter: 'after', target: '.xv-overview-canvas', needs: [],
    state: () => ({ view: 'overview', layer: 'fc8' }),
    facts(spec) {
      const c1 = layer(spec, 'conv1');
      const fc = ledgerRows(spec).byKind.fc;
      return { ...LATER, k1: c1.k, depth: spec.layers.filter((l) => l.kind === 'conv' || l.kind === 'fc').length, fcShare: fmtPct(fc.paramShare) };
    },
  },
]);

/** The step with this id, or undefined. */
export function stepById(id) {
  return STEPS.find((s) => s.id === id);
}

/** The state keys a step may set; going to a step clears the others, so no old channel or position leaks in. */
const PLACE_KEYS = ['view', 'layer', 'tower', 'channel', 'y', 'x', 'step'];

/** The partial state that takes the app to step `id` (keys the step leaves out are cleared), with `tour` set. */
export function stepPlace(spec, id) {
  const step = stepById(id);
  const place = Object.fromEntries(PLACE_KEYS.map((k) => [k, null]));
  return { ...place, ...step.state(spec), tour: id };
}

/**
 * A state as the app should show it when it names a tour step: an unknown step is dropped; a state that names a step
 * but no view or layer (a typed `#tour=pooling`) gets the step's place. A state with its own view keeps it, so a
 * student who wanders off with the box open comes back to the same screen from the URL.
 */
export function tourState(s, spec) {
  if (s.tour === undefined) return s;
  if (!stepById(s.tour)) {
    const { tour: _drop, ...rest } = s;
    return rest;
  }
  if (s.view !== undefined || s.layer !== undefined) return s;
  return { ...stepById(s.tour).state(spec), ...s };
}

/** True when the loaded weights make this step's picture the trained one. */
export function stepTrained(step, weightsInfo) {
  if (!weightsInfo) return false;
  if (weightsInfo.trained) return true;
  if (step.needs.includes('all')) return false;
  const have = weightsInfo.trained_tensors ?? [];
  return step.needs.every((n) => have.includes(n));
}

/**
 * A step's texts in one language, numbers filled in: {title, body: string[], try, weights, weightsLabel, live}.
 * `live` is {tensor(id), top} of the current pass (or null); `state` is the app's state (its channel and position).
 */
export function stepText(step, { spec, t, live = null, weightsInfo = null, state = null }) {
  const params = step.facts(spec, t);
  const key = (k) => `tour.${step.id}.${k}`;
  // The live sentence reads the channel and position the student has moved to, as long as they are still on the
  // step's own view and layer; elsewhere it reads the step's place.
  const place = step.state(spec);
  const onPlace = state && state.view === place.view && state.layer === place.layer;
  const here = onPlace ? { ...place, ...Object.fromEntries(Object.entries(state).filter(([, v]) => v !== undefined)) } : place;
  const liveParams = step.live ? step.live(spec, live, t, here) : null;
  const trained = stepTrained(step, weightsInfo);
  return {
    title: t(key('title'), params),
    body: t(key('body'), params).split('\n\n'),
    try: t(key('try'), params),
    weightsLabel: t(trained ? 'tour.trainedLabel' : 'tour.untrainedLabel'),
    weights: t(key(trained ? 'trained' : 'untrained'), params),
    live: liveParams ? t(key('live'), { ...params, ...liveParams }) : '',
    trained,
  };
}
