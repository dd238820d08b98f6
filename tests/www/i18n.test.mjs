// Unit tests of www/i18n.js and the message tables: same keys, no empty strings, same placeholders, language choice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import en from '../../www/shared/i18n/en.js';
import zh from '../../www/shared/i18n/zh.js';
import { translate, translator, detectLang, normaliseLang, interpolate, LANGS, TABLES } from '../../www/shared/i18n.js';

const WWW = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../www');
const placeholders = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('both tables have exactly the same keys', () => {
  assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
  assert.deepEqual(LANGS, Object.keys(TABLES));
});

test('no message is empty, and every value is a string', () => {
  for (const [lang, table] of Object.entries(TABLES)) {
    for (const [key, value] of Object.entries(table)) {
      assert.equal(typeof value, 'string', `${lang} ${key}`);
      assert.ok(value.trim().length > 0, `${lang} ${key} is empty`);
    }
  }
});

test('a translation uses the same placeholders as the English message', () => {
  for (const key of Object.keys(en)) {
    assert.deepEqual(new Set(placeholders(zh[key])), new Set(placeholders(en[key])), key);
  }
});

test('the Chinese table uses the seed article\'s terms', () => {
  const all = Object.values(zh).join('\n');
  for (const term of ['卷积核', '通道', '步长', '边界填充', '池化', '全连接层', '全卷积', '显卡']) assert.ok(all.includes(term), term);
  assert.equal(zh['view.kernels'], '卷积核');
});

test('every key the code asks for exists (literal t(\'…\') calls in www/)', () => {
  const files = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory() && e.name !== 'i18n' && e.name !== 'dev') walk(path.join(dir, e.name));
      else if (e.name.endsWith('.js') && e.name !== 'i18n.js') files.push(path.join(dir, e.name));
    }
  };
  walk(WWW);
  const html = ['index.html', 'embed.html'].map((f) => path.join(WWW, '..', f)).filter((f) => fs.existsSync(f));
  const missing = [];
  for (const file of [...files, ...html]) {
    const text = fs.readFileSync(file, 'utf8');
    // TABLES.en: en.js and the tour's own table (www/shared/i18n/tour-en.js).
    for (const m of text.matchAll(/\bt\('([\w.-]+)'/g)) if (!(m[1] in TABLES.en)) missing.push(`${path.basename(file)}: ${m[1]}`);
    for (const m of text.matchAll(/data-i18n="([\w.-]+)"/g)) if (!(m[1] in TABLES.en)) missing.push(`${path.basename(file)}: ${m[1]}`);
  }
  assert.deepEqual(missing, []);
});

test('translate fills parameters and falls back to English, then to the key', () => {
  assert.equal(translate('en', 'status.runningLayer', { layer: 'conv1', i: 2, n: 23 }), 'Running: conv1 (2 of 23 layers)');
  assert.equal(translate('zh', 'view.pool'), '最大池化');
  assert.equal(translate('fr', 'view.pool'), 'Max pooling');
  assert.equal(translate('zh', 'no.such.key'), 'no.such.key');
  assert.equal(interpolate('{a} and {b}', { a: 1 }), '1 and {b}');
  const t = translator('zh-CN');
  assert.equal(t.lang, 'zh');
  assert.equal(t('common.gpu', { gpu: 2 }), '显卡 2');
  assert.ok(t.has('view.maps'));
  assert.ok(!t.has('class.281'));
});

test('the language comes from the browser\'s preferences, English otherwise', () => {
  assert.equal(detectLang(['zh-CN', 'en']), 'zh');
  assert.equal(detectLang(['de-DE', 'zh-TW']), 'zh');
  assert.equal(detectLang(['en-US']), 'en');
  assert.equal(detectLang('fr'), 'en');
  assert.equal(detectLang(undefined), 'en');
  assert.equal(normaliseLang('ZH_hans'), 'zh');
  assert.equal(normaliseLang('xx'), null);
});
