// The dev-only views page: mounts one view with a fake ctx, driven by the URL hash (see views-dev.html).
import { createFakeCtx } from './fake-ctx.js';
const MODULES = {
  overview: ['../views/overview-view.js', 'createOverviewView'],
  ledger: ['../views/ledger-view.js', 'createLedgerView'],
  sweep: ['../views/sweep-view.js', 'createSweepView'],
  relu: ['../views/relu-view.js', 'createReluView'],
  lrn: ['../views/lrn-view.js', 'createLrnView'],
  pool: ['../views/pool-view.js', 'createPoolView'],
  fc: ['../views/fc-view.js', 'createFcView'],
};
const parse = () => {
  const p = new URLSearchParams(location.hash.slice(1));
  const s = {};
  for (const [k, v] of p) s[k] = /^-?\d+$/.test(v) && k !== 'layer' && k !== 'view' ? +v : v;
  return s;
};
let state = parse();
let view = null, viewName = null;
const ctx = await createFakeCtx((partial) => {
  state = { ...state, ...partial };
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(state)) if (v !== undefined && v !== null) p.set(k, v);
  history.replaceState(null, '', '#' + p);
  show();
});
window.__devCtx = ctx;
async function show() {
  document.getElementById('state').textContent = JSON.stringify(state);
  const name = state.view ?? 'overview';
  if (name !== viewName) {
    view?.destroy();
    const mount = document.getElementById('mount');
    mount.replaceChildren();
    const [path, fn] = MODULES[name];
    const mod = await import(path);
    view = mod[fn](mount, ctx);
    viewName = name;
  }
  view.update(state);
}
addEventListener('hashchange', () => { state = parse(); show(); });
await show();
window.__devReady = true;
