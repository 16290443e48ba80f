// i18n.js holds the translation tables. Code names keys ("units.not_found"); the sentences
// live in /i18n/hi.json and /i18n/en.json. Hindi is the default.

import { staticJSON } from './api.js';

export const LANGS = ['hi', 'en'];
const STORAGE_KEY = 'sangathan.lang';

let lang = 'hi';
let table = {};
const listeners = new Set();

function stored() {
  try {
    const v = window.localStorage.getItem(STORAGE_KEY);
    return LANGS.includes(v) ? v : null;
  } catch (e) {
    return null; // storage can be off (private mode); Hindi then
  }
}

// init loads the remembered language, or Hindi.
export async function init() {
  await load(stored() || 'hi');
}

async function load(l) {
  table = await staticJSON(`/i18n/${l}.json`);
  lang = l;
  document.documentElement.lang = l;
}

// setLang switches the language, remembers it and tells the listeners.
export async function setLang(l) {
  if (!LANGS.includes(l)) return;
  await load(l);
  try {
    window.localStorage.setItem(STORAGE_KEY, l);
  } catch (e) {
    // not remembered; the switch still applies to this page
  }
  for (const fn of listeners) fn(l);
}

export const current = () => lang;

export function onChange(fn) {
  listeners.add(fn);
}

// t translates key, filling {name} placeholders from params. A missing key shows fallback,
// or the key itself, so a gap is visible rather than blank.
export function t(key, params, fallback) {
  let s = Object.prototype.hasOwnProperty.call(table, key) ? table[key] : fallback !== undefined ? fallback : key;
  if (params) {
    s = s.replace(/\{(\w+)\}/g, (m, k) => (params[k] !== undefined ? String(params[k]) : m));
  }
  return s;
}

// tn is t for a message about a count n, in the plural form of the UI's language: key.zero for
// nothing when there is one, else key.one, key.few, … as Intl.PluralRules names n's form, else
// key itself (the "other" form). {n} is n formatted.
export function tn(key, n, params = {}) {
  let form = n === 0 && has(key + '.zero') ? 'zero' : new Intl.PluralRules(locale()).select(n);
  if (!has(key + '.' + form)) form = '';
  return t(form ? key + '.' + form : key, { ...params, n: num(n) });
}

// has reports whether key is translated.
export const has = (key) => Object.prototype.hasOwnProperty.call(table, key);

const locale = () => (lang === 'hi' ? 'hi-IN' : 'en-IN');

// num formats a count the Indian way (12,34,567).
export function num(n) {
  if (n === null || n === undefined) return '—';
  return new Intl.NumberFormat(locale()).format(n);
}

// pct formats a fraction 0..1 as a percentage; a share too small to round to 0.1% shows as
// "<0.1%", so one complete booth of thousands does not read as none.
export function pct(x) {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  const f = new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 1 });
  return x > 0 && x < 0.0005 ? '<' + f.format(0.001) : f.format(x);
}

// dateTime formats an RFC 3339 time in the reader's time zone.
export function dateTime(s) {
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return s || '';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

// date formats an RFC 3339 time as a date in the reader's time zone.
export function date(s) {
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return s || '';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium' }).format(d);
}

// unitName is the unit's (or person's) name in the current language's script: name_hi in Hindi when there is
// one, name otherwise.
export function unitName(u) {
  if (!u) return '';
  return lang === 'hi' && u.name_hi ? u.name_hi : u.name;
}

// otherName is the name in the other script, or '' when it is the same or missing.
export function otherName(u) {
  if (!u || !u.name_hi) return '';
  const o = lang === 'hi' ? u.name : u.name_hi;
  return o === unitName(u) ? '' : o;
}
