// embed.html's script: one view, its state from the query string (or the hash), laid out for the frame's width.

import { createApp, EMBED_SHELL } from './shell/app.js';
import { createEngine } from './client/engine.js';
import { parseHash } from './shell/state.js';
import { browserLang } from './shared/i18n.js';
import { loadSamplePixels, firstSampleId } from './image/samples.js';
import { parseInstructor } from './shell/instructor.js';

const url = new URL(location.href);
// The query holds the state (embed.html?view=sweep&layer=conv1); a hash, if any, wins key by key.
const state = { ...parseHash(url.search.slice(1)), ...parseHash(url.hash) };
const weightsUrl = url.searchParams.get('weights');

const root = document.getElementById('ae-root');
root.innerHTML = EMBED_SHELL;
const engine = createEngine({ weights: weightsUrl || { source: 'auto' } });
const app = createApp({
  root,
  engine,
  mode: 'embed',
  state,
  defaultLang: browserLang(),
  siteUrl: new URL('..', import.meta.url),
  weightsUrl,
  instructor: parseInstructor((key) => url.searchParams.get(key)),
  loadSample: loadSamplePixels,
  firstSample: firstSampleId,
});

// For debugging and the e2e tests; not an API (scripting goes through www/client.js or <alexnet-explainer>).
window.alexnetEmbed = { app, engine, get state() { return app.state; } };
