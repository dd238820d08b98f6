// Unit tests of the tour's texts: both languages complete, no digit typed in, no sentence of the source article.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import tourEn from '../../www/shared/i18n/tour-en.js';
import tourZh from '../../www/shared/i18n/tour-zh.js';
import { translator } from '../../www/shared/i18n.js';
import { STEPS, stepText } from '../../www/tour/steps.js';
import { loadSpec } from './spec-fixture.mjs';

const { spec } = loadSpec();
// The project's source article (../shared/seed/ beside the repository), copied into the fixtures so the check runs
// in any checkout; where the shared copy exists, the fixture must equal it.
const ARTICLE = new URL('../fixtures/seed/alexnet-cnn-structure.zh.txt', import.meta.url);
const SHARED_ARTICLE = new URL('../../../shared/seed/alexnet-cnn-structure.zh.txt', import.meta.url);

test('the fixture is the source article', () => {
  const text = fs.readFileSync(ARTICLE, 'utf8');
  assert.ok(text.length > 1000, 'the article is there');
  if (fs.existsSync(SHARED_ARTICLE)) assert.equal(text, fs.readFileSync(SHARED_ARTICLE, 'utf8'));
});
const RUN = 20;
const placeholders = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

/** The strings of every step rendered from the spec fixture in one language, trained and untrained. */
function renderedStrings(lang) {
  const t = translator(lang);
  const out = [];
  const live = { tensor: () => null, top: null };
  for (const step of STEPS) {
    for (const trained of [true, false]) {
      const text = stepText(step, { spec, t, live, weightsInfo: { trained, trained_tensors: [] } });
      out.push(text.title, ...text.body, text.try, text.weights, text.weightsLabel);
    }
  }
  return out;
}

/** Every string a student can read in the tour, in one language: the raw tables and each step rendered. */
const tourStrings = (lang) => [...Object.values(lang === 'zh' ? tourZh : tourEn), ...renderedStrings(lang)];

test('both languages have the same tour keys and the same placeholders, none empty', () => {
  assert.deepEqual(Object.keys(tourZh).sort(), Object.keys(tourEn).sort());
  for (const key of Object.keys(tourEn)) {
    assert.ok(tourEn[key].trim() && tourZh[key].trim(), `${key} is empty`);
    assert.deepEqual(new Set(placeholders(tourZh[key])), new Set(placeholders(tourEn[key])), key);
  }
});

test('every step has a title, one to three paragraphs, a prompt, both weights notes, and a live line if it reads the pass', () => {
  assert.ok(STEPS.length >= 12, `${STEPS.length} steps`);
  for (const step of STEPS) {
    for (const part of ['title', 'body', 'try', 'trained', 'untrained']) assert.ok(tourEn[`tour.${step.id}.${part}`], `${step.id}.${part}`);
    assert.equal(!!tourEn[`tour.${step.id}.live`], !!step.live, `${step.id}.live`);
    const paragraphs = tourEn[`tour.${step.id}.body`].split('\n\n').length;
    assert.ok(paragraphs >= 1 && paragraphs <= 3, `${step.id}: ${paragraphs} paragraphs`);
    assert.equal(tourZh[`tour.${step.id}.body`].split('\n\n').length, paragraphs, `${step.id}: zh paragraphs`);
  }
});

test('no number is typed into a tour text: digits come from the spec as parameters (years and layer ids aside)', () => {
  for (const [lang, table] of [['en', tourEn], ['zh', tourZh]]) {
    for (const [key, text] of Object.entries(table)) {
      const rest = text.replace(/\{\w+\}/g, '').replace(/\b(conv|relu|norm|pool|fc)\d\b/g, '');
      assert.doesNotMatch(rest, /\d/, `${lang} ${key}: ${rest.match(/.{0,20}\d.{0,20}/)?.[0]}`);
    }
  }
});

test('rendered from the spec, no step leaves a placeholder unfilled', () => {
  for (const lang of ['en', 'zh']) {
    for (const s of renderedStrings(lang)) assert.doesNotMatch(s, /\{\w+\}/, `${lang}: ${s}`);
  }
});

test(`no ${RUN}-character run of the source article appears in any tour string`, () => {
  const article = fs.readFileSync(ARTICLE, 'utf8').replace(/\s+/g, '');
  const runs = new Set();
  for (let i = 0; i + RUN <= article.length; i++) runs.add(article.slice(i, i + RUN));
  for (const lang of ['en', 'zh']) {
    for (const s of tourStrings(lang)) {
      const flat = s.replace(/\s+/g, '');
      for (let i = 0; i + RUN <= flat.length; i++) {
        assert.ok(!runs.has(flat.slice(i, i + RUN)), `${lang}: "${flat.slice(i, i + RUN)}" is the article's wording`);
      }
    }
  }
});

test('the check itself catches a copied run (a sentence of the article, pasted)', () => {
  const article = fs.readFileSync(ARTICLE, 'utf8').replace(/\s+/g, '');
  const pasted = article.slice(1000, 1030);
  const runs = new Set();
  for (let i = 0; i + RUN <= article.length; i++) runs.add(article.slice(i, i + RUN));
  assert.ok(runs.has(pasted.slice(3, 3 + RUN)));
});

test('the Chinese texts use the article\'s terms', () => {
  const all = Object.values(tourZh).join('\n');
  for (const term of ['卷积核', '厚度', '通道', '步长', '边界填充', '池化', '全连接', '串接']) assert.ok(all.includes(term), term);
});
