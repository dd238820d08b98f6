// End to end: axe-core (npm, pinned) audits every view of the app and of embed.html; no serious or critical
// violation is allowed. The report of each page is written to tests/e2e/artifacts/axe-*.json.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startSession, REPO_ROOT, ARTIFACTS_DIR } from './harness.mjs';

const AXE = fs.readFileSync(path.join(REPO_ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
/** Every view with a layer it belongs to. */
const VIEWS = [
  ['overview', 'conv1'], ['preprocess', 'data'], ['maps', 'conv1'], ['kernels', 'conv1'], ['sweep', 'conv1'],
  ['relu', 'relu1'], ['lrn', 'norm1'], ['pool', 'pool1'], ['fc', 'fc6'], ['softmax', 'prob'], ['ledger', 'conv1'],
];

let session, app, browser, page, errors;

before(async () => {
  session = await startSession();
  ({ app, browser, page, errors } = session);
});
after(() => session?.close());

/**
 * Runs axe in the page (page.evaluate is not subject to the page's CSP, a script tag would be) and returns the
 * serious and critical violations as one line each.
 */
async function audit(p, name) {
  await p.evaluate(AXE);
  const result = await p.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
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
    await page.waitForTimeout(300);
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

test('embed.html: no serious or critical axe violation in any view', async () => {
  const embed = await browser.context.newPage();
  try {
    await embed.setViewportSize({ width: 600, height: 450 });
    const found = [];
    for (const [view, layer] of VIEWS) {
      await embed.goto(`${app.url}embed.html?view=${view}&layer=${layer}&sample=chelsea&lang=en`);
      await done(embed);
      await embed.waitForSelector(`#view[data-view="${view}"] .view`, { timeout: 30_000 });
      await embed.waitForTimeout(300);
      for (const line of await audit(embed, `embed-${view}`)) found.push(`${view}: ${line}`);
    }
    assert.deepEqual(found, []);
  } finally {
    await embed.close();
  }
});

test('no console errors during the audits', () => {
  assert.deepEqual(errors, []);
});
