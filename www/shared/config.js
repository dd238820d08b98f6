// Visual constants of the explainer: layer-kind colours, view names, and which views apply to which layer kind.

/** One colour per layer kind (Tableau 10), used by the rail, the overview and every legend. */
export const KIND_COLORS = Object.freeze({
  data: '#9c755f',
  conv: '#4e79a7',
  relu: '#f28e2b',
  lrn: '#76b7b2',
  pool: '#59a14f',
  fc: '#edc948',
  softmax: '#e15759',
});

/** Views that do not belong to one layer; the tab bar always offers them. */
export const GLOBAL_VIEWS = Object.freeze(['overview', 'ledger', 'why']);

/** The view a layer opens with, by kind. */
export const DEFAULT_VIEW_BY_KIND = Object.freeze({
  data: 'preprocess',
  conv: 'maps',
  relu: 'relu',
  lrn: 'lrn',
  pool: 'pool',
  fc: 'fc',
  softmax: 'softmax',
});

/**
 * The layer views that make sense for a layer. Feature maps need a [C,H,W] output, so they are offered
 * by shape rather than by kind: relu6 and relu7 act on vectors and get no maps.
 * @param {{kind: string, out_shape: number[]}} layer a spec row (or the input row, with kind 'data')
 * @returns {string[]}
 */
export function viewsForLayer(layer) {
  const spatial = Array.isArray(layer.out_shape) && layer.out_shape.length === 3;
  const views = [DEFAULT_VIEW_BY_KIND[layer.kind]].filter(Boolean);
  if (layer.kind === 'conv') views.push('kernels', 'sweep');
  if (spatial && !views.includes('maps')) views.push('maps');
  // For every layer with maps: a unit card (what its channels like in the student's photos), and the layer through
  // the loaded weights next to the untrained ones.
  if (spatial && layer.kind !== 'data') views.push('unit', 'compare');
  return views;
}

/**
 * The views, loaded lazily so a missing file degrades to "coming soon". Paths are relative to www/shell/view-host.js,
 * which imports them.
 */
export const VIEW_MODULES = Object.freeze({
  overview: ['../views/overview/index.js', 'createOverviewView'],
  preprocess: ['../views/preprocess-view.js', 'createPreprocessView'],
  maps: ['../views/maps/index.js', 'createMapsView'],
  kernels: ['../views/kernels-view.js', 'createKernelsView'],
  sweep: ['../views/sweep/index.js', 'createSweepView'],
  relu: ['../views/relu-view.js', 'createReluView'],
  lrn: ['../views/lrn-view.js', 'createLrnView'],
  pool: ['../views/pool/index.js', 'createPoolView'],
  fc: ['../views/fc/index.js', 'createFcView'],
  softmax: ['../views/softmax-view.js', 'createSoftmaxView'],
  ledger: ['../views/ledger-view.js', 'createLedgerView'],
  unit: ['../views/unit/index.js', 'createUnitView'],
  compare: ['../views/compare/index.js', 'createCompareView'],
  why: ['../views/why/index.js', 'createWhyView'],
});

/** Where the app looks for weights first; absent files fall back to seeded untrained weights. */
export const DEFAULT_WEIGHTS_URL = null;

/** The seed of `Session.untrained`, fixed so every untrained run shows the same maps. */
export const UNTRAINED_SEED = 2012;

/** The engine resizes to 256 anyway, so larger photos are downscaled on decode to keep transfers small. */
export const MAX_IMAGE_SIDE = 1024;

