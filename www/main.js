// The full-page explainer: mounts www/app.js on index.html's shell, with the URL hash as its state.

import { createApp } from './shell/app.js';
import { createEngine } from './client/engine.js';
import { parseHash } from './shell/state.js';
import { browserLang } from './shared/i18n.js';
import { createImageInput } from './image/input-panel.js';
import { parseInstructor } from './shell/instructor.js';

// ?weights=URL loads weights from a URL (an .onnx, a .safetensors, or a .parts.json manifest of parts); without
// it the seeded untrained network runs, which is enough to see every shape and every mechanism.
const params = new URL(location.href).searchParams;
const weightsUrl = params.get('weights');
// `__alexnetTestSources` is a test hook (tests/e2e/download.test.mjs): the file the download expects, so a
// generated model can stand in for the Zoo's. It cannot make any file "trained": labels follow digests only.
const engine = createEngine({ weights: weightsUrl || { source: 'auto' }, sources: globalThis.__alexnetTestSources });

const app = createApp({
  root: document,
  engine,
  mode: 'app',
  state: parseHash(location.hash),
  defaultLang: browserLang(),
  siteUrl: new URL('..', import.meta.url),
  weightsUrl,
  // ?hide=rail,tabs&lock=1&predict=first&image=chelsea: a teacher's page (docs/embedding.md, "Instructor controls").
  instructor: parseInstructor((key) => params.get(key)),
  createImageInput: ({ onImage, onPick }) => createImageInput({
    panel: document.getElementById('image-panel'),
    dropTarget: document.body,
    onImage,
    onPick,
  }),
});

// Exposed for debugging in the console and for the e2e tests; not an API.
window.alexnetApp = { app, engine, client: engine.client, ctx: app.ctx, get state() { return app.state; }, pass: engine.pass };
// The client's counters and fault hooks (worker restarts, stale replies, wasm memory), for the robustness tests.
window.__explainer = engine.client.debug;
