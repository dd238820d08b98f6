// End to end: dist/ on a plain static host (no COOP/COEP) becomes cross-origin isolated through coi-sw.js, runs two
// threads, and its About panel says the service worker did it; embed.html on that site is isolated too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { launchBrowser, collectConsoleErrors, servePlain, REPO_ROOT } from './harness.mjs';

const THREADS_BUILT = fs.existsSync(path.join(REPO_ROOT, 'pkg-threads/alexnet_explainer_bg.wasm'));
let tmp, site, browser, page, errors;
const hits = (p) => site.requests.filter((r) => r === p).length;

/** Polls `fn` in the page until it returns true, across the reloads the service worker causes. */
async function eventually(p, fn, timeout = 60_000) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    const ok = await p.evaluate(fn).catch(() => false);
    if (ok) return;
    await p.waitForTimeout(200);
  }
  throw new Error(`timed out waiting for ${fn}`);
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alexnet-coi-'));
  execFileSync('bash', ['scripts/build-static.sh', '--out', path.join(tmp, 'site')], { cwd: REPO_ROOT, stdio: 'pipe' });
  site = await servePlain(path.join(tmp, 'site'));
  browser = await launchBrowser();
  page = browser.page;
  errors = collectConsoleErrors(page);
});

after(async () => {
  await browser?.close();
  await site?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('build-static.sh puts the service worker at the site root', () => {
  const sw = fs.readFileSync(path.join(tmp, 'site/coi-sw.js'), 'utf8');
  assert.match(sw, /Cross-Origin-Embedder-Policy/);
  for (const html of ['index.html', 'embed.html']) {
    assert.match(fs.readFileSync(path.join(tmp, 'site', html), 'utf8'), /<script src="www\/coi\/register\.js"><\/script>/, html);
  }
});

test('no COOP/COEP from the host: one reload through coi-sw.js, then cross-origin isolated with two threads', async () => {
  await page.goto(`${site.url}index.html#view=maps&layer=conv1&sample=chelsea&lang=en`);
  await eventually(page, () => crossOriginIsolated === true && navigator.serviceWorker.controller !== null);
  await page.waitForSelector('#status[data-state="done"]', { timeout: 90_000 });
  assert.equal(await page.evaluate(() => window.alexnetCoi.how), 'service-worker');
  assert.equal(hits('/index.html'), 2, 'the page was loaded once, then reloaded once');
  assert.equal(await page.evaluate(() => typeof SharedArrayBuffer), 'function');
  const engine = await page.evaluate(() => window.alexnetApp.engine.engineInfo);
  if (THREADS_BUILT) assert.equal(engine.threads, 2, JSON.stringify(engine));
  await page.click('#about summary');
  assert.match(await page.textContent('#about-isolated'), /^cross-origin isolated: yes → /);
  assert.match(await page.textContent('#about-why'), /service worker \(coi-sw\.js\) adds them/);

  // A second visit is isolated from the first byte: no reload.
  const before = hits('/index.html');
  await page.reload();
  await page.waitForSelector('#status[data-state="done"]', { timeout: 90_000 });
  assert.equal(hits('/index.html'), before + 1);
  assert.equal(await page.evaluate(() => crossOriginIsolated), true);

  // embed.html on the same site is controlled by the same worker, so it is isolated at once too.
  await page.goto(`${site.url}embed.html?view=kernels&layer=conv1&sample=chelsea&lang=zh`);
  await page.waitForSelector('#status[data-state="done"]', { timeout: 90_000 });
  assert.equal(await page.evaluate(() => [crossOriginIsolated, window.alexnetCoi.how].join()), 'true,service-worker');
});

test('no console errors on the statically hosted, service-worker-isolated site', () => {
  assert.deepEqual(errors, []);
});
