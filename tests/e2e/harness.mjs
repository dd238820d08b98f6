// Shared helpers for the browser end-to-end tests: our static server, headless Chromium, console errors, pixels.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import http from 'node:http';
import { createServer, mimeType } from '../../scripts/serve.mjs';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ARTIFACTS_DIR = path.join(REPO_ROOT, 'tests', 'e2e', 'artifacts');
/** The `alexnet` CLI as the native tests built it (scripts/test.sh's `ci` profile), else a release build's. */
export const ALEXNET_BIN = ['ci', 'release'].map((p) => path.join(REPO_ROOT, 'target', p, 'alexnet')).find((f) => fs.existsSync(f))
  ?? path.join(REPO_ROOT, 'target/ci/alexnet');

// Debian's Chromium; we never download a browser build (no `npx playwright install`).
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox', // we run as root, where Chromium's sandbox refuses to start
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Serves `root` (default: the repository) on a free port of 127.0.0.1; `handler(req, res)` may answer requests
 * first (returning true), e.g. a download that drops the connection.
 * @returns {Promise<{url: string, close: () => Promise<void>}>} url ends with a slash.
 */
export async function startApp({ root = REPO_ROOT, handler } = {}) {
  const { url, close } = await createServer({ root, host: '127.0.0.1', port: 0, handler });
  return { url, close };
}

/**
 * A static host as teachers get it: the files of `dir` under the sub-path `base`, with their MIME type and no other
 * header (no COOP/COEP, no CSP). Records every request path, so a test can check the app stayed under `base`.
 * @returns {Promise<{url: string, requests: string[], close: () => Promise<void>}>} url ends with `base`.
 */
export function servePlain(dir, { base = '/' } = {}) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const { pathname } = new URL(req.url, 'http://x');
    requests.push(pathname);
    if (!pathname.startsWith(base)) {
      res.writeHead(404).end('outside the sub-path');
      return;
    }
    let rel = decodeURIComponent(pathname.slice(base.length));
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    const file = path.join(dir, rel);
    if (!file.startsWith(dir) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    const body = fs.readFileSync(file);
    res.writeHead(200, { 'Content-Type': mimeType(file), 'Content-Length': body.length });
    res.end(body);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({ url: `http://127.0.0.1:${server.address().port}${base}`, requests, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

/**
 * Launches headless Chromium with a fresh profile in a temp dir (removed again by `close`); `args` adds flags
 * (e.g. `--host-resolver-rules` to answer a real host name from a loopback server); `serviceWorkers: 'block'` makes
 * every service worker registration fail (a browser where www/coi/register.js cannot isolate the page).
 * @returns {Promise<{context: import('playwright-core').BrowserContext, page: import('playwright-core').Page,
 *   close: () => Promise<void>}>}
 */
export async function launchBrowser({ args = [], serviceWorkers = 'allow' } = {}) {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium chromium-driver (scripts/test.sh does this)`);
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'alexnet-e2e-'));
  // launch() refuses a --user-data-dir argument, so a fresh profile needs a persistent context.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, ...args],
    viewport: { width: 1280, height: 900 },
    serviceWorkers,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close().catch(() => {});
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * The usual start of a browser test file: our server, a fresh Chromium, and the page's console errors collected.
 * @returns {Promise<{app: {url: string}, browser: object, page: import('playwright-core').Page, errors: string[],
 *   close: () => Promise<void>}>}
 */
export async function startSession({ args } = {}) {
  const app = await startApp();
  const browser = await launchBrowser({ args });
  const errors = collectConsoleErrors(browser.page);
  return {
    app, browser, page: browser.page, errors,
    close: async () => {
      await browser.close();
      await app.close();
    },
  };
}

/**
 * Collects console errors and uncaught exceptions of the page and its workers from now on (Chromium's own
 * favicon 404 excepted).
 * @returns {string[]} filled in as they happen; assert it is empty at the end of a test.
 */
export function collectConsoleErrors(page) {
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      const { url, lineNumber } = msg.location();
      // Chromium asks for /favicon.ico on its own and logs the 404; that is not the page's error.
      if (url.endsWith('/favicon.ico')) return;
      errors.push(url ? `console: ${msg.text()} (${url}:${lineNumber})` : `console: ${msg.text()}`);
    }
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  return errors;
}

/** Saves a screenshot as tests/e2e/artifacts/<name>.png (git-ignored) and returns its path. */
export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Ids (or `#index`) of the canvases matching `selector` that show more than one distinct colour, i.e. something
 * was drawn; at most `limit`, or only the first match with `firstOnly`. Works for 2d and WebGL canvases alike by
 * copying each into a fresh 2d one.
 */
export async function drawnCanvases(page, selector, { limit = Infinity, firstOnly = false } = {}) {
  return page.evaluate(([sel, max, first]) => {
    const out = [];
    const canvases = first ? [document.querySelector(sel)].filter(Boolean) : [...document.querySelectorAll(sel)];
    for (const [i, canvas] of canvases.entries()) {
      if (out.length >= max) break;
      if (!(canvas instanceof HTMLCanvasElement) || !canvas.width || !canvas.height) continue;
      const copy = document.createElement('canvas');
      copy.width = canvas.width;
      copy.height = canvas.height;
      const g = copy.getContext('2d', { willReadFrequently: true });
      g.drawImage(canvas, 0, 0);
      const px = new Uint32Array(g.getImageData(0, 0, copy.width, copy.height).data.buffer);
      if (px.some((v) => v !== px[0])) out.push(canvas.id || `#${i}`);
    }
    return out;
  }, [selector, limit, firstOnly]);
}

/** True when the first canvas matching `selector` shows more than one distinct colour; throws if none matches. */
export async function canvasIsNonBlank(page, selector) {
  const isCanvas = await page.evaluate((sel) => document.querySelector(sel) instanceof HTMLCanvasElement, selector);
  if (!isCanvas) throw new Error(`no canvas matches ${selector}`);
  return (await drawnCanvases(page, selector, { firstOnly: true })).length > 0;
}

/** Init script: records every main-thread long task from the page's first script on as `window.__longTasks`
 * (`{start, duration}` in ms); reset with `window.__longTasks.length = 0`. Use with `page.addInitScript`. */
export function observeLongTasks() {
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
}

/** Init script: records every text the status line shows, from page load on, as `window.__statusLog` (a retry
 * note lasts only a moment). Use with `page.addInitScript`. */
export function recordStatus() {
  window.__statusLog = [];
  document.addEventListener('DOMContentLoaded', () => {
    const el = document.getElementById('status-text');
    const log = () => { if (window.__statusLog.at(-1) !== el.textContent) window.__statusLog.push(el.textContent); };
    new MutationObserver(log).observe(el, { childList: true, characterData: true, subtree: true });
  });
}

/** Init script: counts the object URLs, workers and canvases the page creates (`window.__counts`), so leaks show
 * up as numbers. Use with `page.addInitScript`. */
export function instrument() {
  const counts = { urlsCreated: 0, urlsRevoked: 0, workersCreated: 0, workersTerminated: 0, canvasesCreated: 0 };
  window.__counts = counts;
  const create = URL.createObjectURL.bind(URL);
  const revoke = URL.revokeObjectURL.bind(URL);
  URL.createObjectURL = (x) => { counts.urlsCreated++; return create(x); };
  URL.revokeObjectURL = (u) => { counts.urlsRevoked++; return revoke(u); };
  const NativeWorker = window.Worker;
  window.Worker = class extends NativeWorker {
    constructor(...args) { super(...args); counts.workersCreated++; }
    terminate() { counts.workersTerminated++; return super.terminate(); }
  };
  const createElement = document.createElement.bind(document);
  document.createElement = (tag, ...rest) => {
    if (String(tag).toLowerCase() === 'canvas') counts.canvasesCreated++;
    return createElement(tag, ...rest);
  };
}


/** Open `url` and wait until its first pass is done. */
export async function openApp(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById('status').dataset.state === 'done', null, { timeout: 60_000 });
}

/** Init script: records on each canvas the smallest font it drew text with, in the CSS pixels it drew at
 * (`canvas.__minFont`, `canvas.__minText`), so a test can tell the size the text is shown at. Use with
 * `page.addInitScript`. */
export function recordCanvasFonts() {
  const fillText = CanvasRenderingContext2D.prototype.fillText;
  CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
    const m = /(\d+(?:\.\d+)?)px/.exec(this.font);
    const tr = this.getTransform();
    // The context's scale beyond the device pixel ratio (fitCanvas sets exactly that ratio).
    const px = m ? Number(m[1]) * (Math.hypot(tr.a, tr.b) / (devicePixelRatio || 1)) : 0;
    const c = this.canvas;
    if (String(text).trim() && px && !(c.__minFont <= px)) {
      c.__minFont = px;
      c.__minText = String(text);
    }
    return fillText.call(this, text, ...rest);
  };
}

/**
 * In the page: every visible text under `selector` (shadow roots included) rendered below `min` CSS px, as
 * `"size px: text"` lines. DOM text counts its computed font size; canvas text (recordCanvasFonts) counts its drawn
 * size times the canvas's shown/drawn width ratio, so a canvas shrunk by CSS shows up too.
 */
export function smallTexts([selector, min]) {
  const out = [];
  const visit = (root) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
    for (let n = walker.currentNode; n; n = walker.nextNode()) {
      if (n.nodeType === Node.ELEMENT_NODE) {
        if (n.shadowRoot) visit(n.shadowRoot);
        if (n instanceof HTMLCanvasElement && n.__minFont && n.getClientRects().length) {
          const shown = n.getBoundingClientRect().width;
          const drawn = Number(n.dataset.cssWidth || n.width);
          const px = (n.__minFont * shown) / drawn;
          if (px < min - 0.05) out.push(`${px.toFixed(1)} px (canvas ${n.id || n.className}): ${n.__minText.slice(0, 40)}`);
        }
        continue;
      }
      const e = n.parentElement;
      if (!n.textContent.trim() || !e?.getClientRects().length) continue;
      const cs = getComputedStyle(e);
      if (cs.visibility === 'hidden' || e.closest('[hidden], option, script, style')) continue;
      const px = Number.parseFloat(cs.fontSize);
      if (px < min - 0.05) out.push(`${px} px (${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}): ${n.textContent.trim().slice(0, 40)}`);
    }
  };
  for (const root of document.querySelectorAll(selector)) visit(root);
  return [...new Set(out)];
}

/** Every view, with a layer it belongs to. */
export const VIEWS = Object.freeze([
  ['overview', 'conv1'], ['preprocess', 'data'], ['maps', 'conv1'], ['kernels', 'conv1'], ['sweep', 'conv1'],
  ['relu', 'relu1'], ['lrn', 'norm1'], ['pool', 'pool1'], ['fc', 'fc6'], ['softmax', 'prob'], ['ledger', 'conv1'],
  ['unit', 'conv5'], ['compare', 'conv1'], ['why', 'prob'],
]);

/**
 * Mounts one <alexnet-explainer> (chelsea, English) on blank.html, `width` CSS px wide (or the page's width), then
 * shows every view of VIEWS in it through its attributes, on one engine (quick), and awaits `visit(view)` once each
 * is mounted and drawn. The page is a course page: it has a lang and a <main>.
 */
export async function eachViewInElement(page, appUrl, visit, { width = null, settle = 300 } = {}) {
  await page.goto(`${appUrl}tests/e2e/blank.html`);
  await page.evaluate(async ([src, w]) => {
    await import(src);
    document.documentElement.lang = 'en';
    document.body.innerHTML = '<main><alexnet-explainer view="overview" sample="chelsea" lang="en"></alexnet-explainer></main>';
    // Through the CSSOM: the page's CSP refuses style attributes.
    if (w) document.querySelector('alexnet-explainer').style.width = `${w}px`;
  }, [`${appUrl}www/element.js`, width]);
  const inside = (sel) => page.waitForFunction((q) => document.querySelector('alexnet-explainer').shadowRoot?.querySelector(q), sel, { timeout: 90_000 });
  await inside('#status[data-state="done"]');
  for (const [view, layer] of VIEWS) {
    await page.evaluate(([v, l]) => {
      const el = document.querySelector('alexnet-explainer');
      el.setAttribute('layer', l);
      el.setAttribute('view', v);
    }, [view, layer]);
    await inside(`#view[data-view="${view}"] .view`);
    await page.waitForTimeout(settle);
    await visit(view);
  }
}

const AXE_SOURCE = path.join(REPO_ROOT, 'node_modules/axe-core/axe.min.js');

/**
 * Runs axe-core (npm, pinned) in the page, through page.evaluate, which the page's CSP does not block as it would a
 * script tag; writes the report to tests/e2e/artifacts/axe-<name>.json and returns the serious and critical
 * violations, one line each. `errors` (collectConsoleErrors) loses the CSP complaints axe's own probes cause.
 */
export async function axeAudit(page, name, errors = []) {
  const before = errors.length;
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(fs.readFileSync(AXE_SOURCE, 'utf8'));
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  // axe tries inline styles in shadow roots, which the page's CSP refuses: that is axe, not the page.
  errors.push(...errors.splice(before).filter((e) => !/Applying inline style violates/.test(e)));
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(ARTIFACTS_DIR, `axe-${name}.json`), JSON.stringify(result.violations, null, 1));
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help}; ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}
