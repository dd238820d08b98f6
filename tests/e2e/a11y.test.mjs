// End to end: axe-core (npm, pinned) audits every view of the app, its About panel and embed dialog, and embed.html;
// no serious or critical violation is allowed. (Every view inside an element is audited by classroom.test.mjs, in
// the same pass that measures its text at 600 px.) The report of each page is written to tests/e2e/artifacts/axe-*.json.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSession, axeAudit, VIEWS } from './harness.mjs';

let session, app, page, errors;

before(async () => {
  session = await startSession();
  ({ app, page, errors } = session);
});
after(() => session?.close());

const audit = (p, name) => axeAudit(p, name, errors);

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

test('embed.html: no serious or critical axe violation (every view inside an element: classroom.test.mjs)', async () => {
  await page.setViewportSize({ width: 600, height: 450 });
  await page.goto(`${app.url}embed.html?view=sweep&layer=conv1&sample=chelsea&lang=en`);
  await done(page);
  await page.waitForSelector('#view[data-view="sweep"] .view');
  assert.deepEqual(await audit(page, 'embed-html-sweep'), []);
});

test('no console errors during the audits', () => {
  assert.deepEqual(errors, []);
});
