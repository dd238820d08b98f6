// The dev-only views page: mounts one view with a fake ctx, driven by the URL hash (see views-dev.html).
import { createFakeCtx } from './fake-ctx.js';
import { VIEW_MODULES, DEFAULT_VIEW_BY_KIND } from '../shared/config.js';
// The app's own table of views (its paths are relative to a folder one below www/, as this one is).
const MODULES = VIEW_MODULES;
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
  // As in the app, a state without a view opens the layer's own view (the overview and ledger ask for that).
  if (state.view === null) state.view = DEFAULT_VIEW_BY_KIND[ctx.layer(state.layer)?.kind] ?? 'overview';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(state)) if (v !== undefined && v !== null) p.set(k, v);
  history.replaceState(null, '', `#${p}`);
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
