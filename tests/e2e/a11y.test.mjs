// End to end: axe-core (npm, pinned) audits every view of the app and of an embed (embed.html, the element); no
// serious or critical violation is allowed. The report of each page is written to tests/e2e/artifacts/axe-*.json.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startSession, eachViewInElement, VIEWS, REPO_ROOT, ARTIFACTS_DIR } from './harness.mjs';

const AXE = fs.readFileSync(path.join(REPO_ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
let session, app, page, errors;

before(async () => {
  session = await startSession();
  ({ app, page, errors } = session);
});
after(() => session?.close());

/**
 * Runs axe in the page (page.evaluate is not subject to the page's CSP, a script tag would be) and returns the
 * serious and critical violations as one line each.
 */
async function audit(p, name) {
  const before = errors.length;
  if (!(await p.evaluate(() => typeof window.axe === 'object'))) await p.evaluate(AXE);
  const result = await p.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  // axe's own probes in shadow roots try inline styles, which the page's CSP refuses: that is axe, not the page.
  errors.push(...errors.splice(before).filter((e) => !/Applying inline style violates/.test(e)));
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(ARTIFACTS_DIR, `axe-${name}.json`), JSON.stringify(result.violations, null, 1));
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help}; ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

const done = (p) => p.waitForSelector('#status[data-state="done"]', { timeout: 90_000 });

test('the app: no serious or critical axe violation in any view', async () => {
  const found = [];
  await page.goto(`${app.url}index.html#view=overview&sample=chelsea&lang=en`);
  await done(page);
  for (const [view, layer] of VIEWS) {
    await page.evaluate((h) => { location.hash = h; }, `#view=${view}&layer=${layer}&sample=chelsea&lang=en`);
    await page.waitForSelector(`#view[data-view="${view}"] .view`, { timeout: 30_000 });
    await page.waitForTimeout(200);
    for (const line of await audit(page, `app-${view}`)) found.push(`${view}: ${line}`);
  }
  assert.deepEqual(found, []);
});

test('the app in Chinese, with the About panel and the embed dialog open', async () => {
  await page.goto(`${app.url}index.html#view=maps&layer=conv1&sample=chelsea&lang=zh`);
  await done(page);
  await page.click('#about summary');
  assert.deepEqual(await audit(page, 'app-zh-about'), []);
  await page.click('#about summary');
  await page.click('#embed-button');
  assert.deepEqual(await audit(page, 'app-embed-dialog'), []);
});

test('embeds: embed.html, and every view in an <alexnet-explainer>: no serious or critical axe violation', async () => {
  await page.setViewportSize({ width: 600, height: 450 });
  await page.goto(`${app.url}embed.html?view=sweep&layer=conv1&sample=chelsea&lang=en`);
  await done(page);
  await page.waitForSelector('#view[data-view="sweep"] .view');
  assert.deepEqual(await audit(page, 'embed-html-sweep'), []);
  // The element switches views through its attributes on one engine, which keeps this quick.
  const found = [];
  await eachViewInElement(page, app.url, async (view) => {
    for (const line of await audit(page, `element-${view}`)) found.push(`${view}: ${line}`);
  }, { settle: 200 });
  assert.deepEqual(found, []);
});

test('no console errors during the audits', () => {
  assert.deepEqual(errors, []);
});
