// The <alexnet-explainer> custom element: one view of the explainer in a shadow root, usable from any page with one
// <script type="module" src=".../www/element.js"> tag. Elements showing the same image share one worker.

import { createApp, EMBED_SHELL } from './shell/app.js';
import { createEngine } from './client/engine.js';
import { parseHash, STATE_KEYS } from './shell/state.js';
import { browserLang } from './shared/i18n.js';
import { loadSamplePixels, firstSampleId } from './image/samples.js';
import { parseInstructor, INSTRUCTOR_KEYS } from './shell/instructor.js';

/** The site root (the folder of index.html), found from this module's own URL so any page and sub-path works. */
const SITE = new URL('../', import.meta.url);
const STYLES = ['www/style.css', 'www/views/views.css', 'www/embed.css'].map((p) => new URL(p, SITE).href);

/**
 * Engines (a worker and its pass) shared by the elements of this page, keyed by weights and sample: elements
 * that show the same image run it once. Each element keeps its own state, ids (in its shadow root) and
 * listeners; the last element to leave terminates the worker.
 * @type {Map<string, ReturnType<typeof createEngine>>}
 */
const engines = new Map();

function acquireEngine(weights, sample) {
  const key = JSON.stringify([weights ?? null, sample ?? null]);
  let engine = engines.get(key);
  if (!engine) {
    engine = createEngine({ weights: weights ?? { source: 'auto' } });
    engines.set(key, engine);
  }
  engine.retain();
  return { engine, key };
}

function releaseEngine(key) {
  const engine = engines.get(key);
  if (engine?.release()) engines.delete(key);
}

/**
 * The element's attribute for a state key: the same name, except the Why? view's `class` (an ImageNet class), which
 * would collide with HTML's own `class` attribute and so is `target-class` here.
 */
const attrOf = (key) => (key === 'class' ? 'target-class' : key);

export class AlexNetExplainer extends HTMLElement {
  static observedAttributes = [...STATE_KEYS.map(attrOf), 'weights', 'height', ...INSTRUCTOR_KEYS];

  #app = null;
  #key = null;

  /** The mounted app (state, navigate, exportPng, ...), or null while disconnected. */
  get app() {
    return this.#app;
  }

  /** The shared engine's client: `element.client.get('tensor', {layer: 'conv1'})`. */
  get client() {
    return engines.get(this.#key)?.client ?? null;
  }

  /** The state from the attributes: the keys of www/state.js, parsed the same way as a URL. */
  #state() {
    const params = new URLSearchParams();
    for (const key of STATE_KEYS) {
      const value = this.getAttribute(attrOf(key));
      if (value !== null) params.set(key, value);
    }
    return parseHash(params.toString());
  }

  #weights() {
    const w = this.getAttribute('weights');
    return w ? new URL(w, document.baseURI).href : null;
  }

  connectedCallback() {
    this.#mount();
  }

  disconnectedCallback() {
    this.#unmount();
  }

  attributeChangedCallback(name, oldValue, value) {
    if (!this.#app || oldValue === value) return;
    // A new image or new weights means another engine, and the instructor controls shape the shell; everything else
    // is a state change of this element only.
    if (name === 'sample' || name === 'weights' || name === 'height' || INSTRUCTOR_KEYS.includes(name)) {
      this.#unmount();
      this.#mount();
    } else {
      this.#app.setState(this.#state());
    }
  }

  #mount() {
    if (this.#app) return;
    const shadow = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
    const height = this.getAttribute('height');
    this.style.height = height ? (/^\d+$/.test(height) ? `${height}px` : height) : '';
    shadow.innerHTML = `${STYLES.map((href) => `<link rel="stylesheet" href="${href}">`).join('')}${EMBED_SHELL}`;
    const state = this.#state();
    const weights = this.#weights();
    const instructor = parseInstructor((name) => this.getAttribute(name));
    const { engine, key } = acquireEngine(weights, instructor.image ?? state.sample);
    this.#key = key;
    this.#app = createApp({
      root: shadow,
      engine,
      mode: 'embed',
      state,
      defaultLang: browserLang(),
      siteUrl: SITE,
      weightsUrl: weights,
      instructor,
      loadSample: loadSamplePixels,
      firstSample: firstSampleId,
    });
  }

  #unmount() {
    this.#app?.destroy();
    this.#app = null;
    if (this.#key) releaseEngine(this.#key);
    this.#key = null;
  }
}

if (!customElements.get('alexnet-explainer')) customElements.define('alexnet-explainer', AlexNetExplainer);
