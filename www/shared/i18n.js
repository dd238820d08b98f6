// The explainer's translations: one message table per language (www/i18n/en.js, www/i18n/zh.js) and t(key, params).

import en from './i18n/en.js';
import zh from './i18n/zh.js';
import tourEn from './i18n/tour-en.js';
import tourZh from './i18n/tour-zh.js';
import unitsEn from './i18n/units-en.js';
import unitsZh from './i18n/units-zh.js';
import whyEn from './i18n/why-en.js';
import whyZh from './i18n/why-zh.js';

/**
 * The message tables by language code; every table has the same keys (checked by tests/www/i18n.test.mjs and, for
 * the tour's texts, which live in their own files, tests/www/tour-text.test.mjs).
 */
export const TABLES = Object.freeze({ en: { ...en, ...tourEn, ...unitsEn, ...whyEn }, zh: { ...zh, ...tourZh, ...unitsZh, ...whyZh } });

/** The languages the UI speaks, in the order the language control lists them. */
export const LANGS = Object.freeze(['en', 'zh']);

/** Each language's name in itself, for the language control. */
export const LANG_NAMES = Object.freeze({ en: 'English', zh: '中文' });

/** A supported language code for a BCP 47 tag ('zh-CN' → 'zh', 'en-GB' → 'en'), or null. */
export function normaliseLang(tag) {
  const base = String(tag ?? '').trim().toLowerCase().split(/[-_]/)[0];
  return LANGS.includes(base) ? base : null;
}

/**
 * The language to start in from the browser's preferences: the first supported one of `languages`, else
 * English. Headless Chromium reports en-US, so the e2e suite runs in English.
 * @param {readonly string[]|string|undefined} languages e.g. navigator.languages
 */
export function detectLang(languages) {
  const list = Array.isArray(languages) ? languages : [languages];
  for (const tag of list) {
    const lang = normaliseLang(tag);
    if (lang) return lang;
  }
  return 'en';
}

/** The browser's preferred language, or English outside a browser. */
export function browserLang() {
  const nav = globalThis.navigator;
  return detectLang(nav?.languages?.length ? nav.languages : nav?.language);
}

/** Replace `{name}` placeholders by `params.name`; a missing parameter stays visible as `{name}`. */
export function interpolate(text, params) {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (params[name] === undefined || params[name] === null ? whole : String(params[name])));
}

/**
 * The message `key` in `lang`, with its parameters filled in. A key missing from a table falls back to
 * English, then to the key itself, so a forgotten string shows up as its key rather than as nothing.
 */
export function translate(lang, key, params) {
  const table = TABLES[lang] ?? TABLES.en;
  const text = table[key] ?? TABLES.en[key];
  return text === undefined ? key : interpolate(text, params);
}

/**
 * A translate function bound to one language. Each mounted explainer gets its own, so two embeds on one page
 * can speak different languages without sharing a global.
 * @returns {((key: string, params?: object) => string) & {lang: string}}
 */
export function translator(lang) {
  const code = normaliseLang(lang) ?? 'en';
  const fn = (key, params) => translate(code, key, params);
  fn.lang = code;
  /** True when `key` exists in this language's table (e.g. a Chinese class name). */
  fn.has = (key) => Object.hasOwn(TABLES[code], key);
  return fn;
}

/**
 * The page-wide default translator, for code that has no view context (the dev pages). Apps pass their own
 * translator to views as `ctx.t`; views fall back to this one.
 */
let pageLang = 'en';
export function setPageLang(lang) {
  pageLang = normaliseLang(lang) ?? 'en';
}
export function t(key, params) {
  return translate(pageLang, key, params);
}

/**
 * Translate the static text of a subtree: elements with `data-i18n="key"` get that text, and
 * `data-i18n-attr="aria-label:key;title:key2"` sets attributes. Used for the HTML shells (index.html,
 * embed shells) and the image panel, whose markup is written once and relabelled on a language change.
 * @param {ParentNode} root
 * @param {(key: string, params?: object) => string} tr
 */
export function applyStatic(root, tr) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = tr(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':').map((s) => s.trim());
      if (attr && key) el.setAttribute(attr, tr(key));
    }
  }
}
