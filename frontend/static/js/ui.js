// ui.js holds the few shared pieces: an element builder, lists, forms with field errors next
// to their inputs, and SVG bars. Text always goes in through textContent or text nodes.

import { t, pct, num } from './i18n.js';
import { fieldMessage } from './errors.js';

const SVG = 'http://www.w3.org/2000/svg';

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false || c === '') continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') el.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value' || k === 'checked' || k === 'selected') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

// h builds an element: h('a', {href: '#/units/1', class: 'x'}, 'text', child, [more]).
// Attributes named on… are event listeners; strings become text nodes, never markup.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

// s builds an SVG element.
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

// put replaces an element's children, skipping null, undefined, false and ''.
export function put(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// clear empties an element.
export function clear(el) {
  el.replaceChildren();
  return el;
}

// msg is a message paragraph: kind is '', 'error', 'ok' or 'warn'.
export function msg(text, kind = '', attrs = {}) {
  const role = kind === 'error' ? 'alert' : 'status';
  return h('p', { class: 'msg' + (kind ? ' msg-' + kind : ''), role, ...attrs }, text);
}

// bar draws a share 0..1 as an SVG bar.
export function bar(share, label) {
  const w = Math.max(0, Math.min(1, Number(share) || 0)) * 100;
  return s('svg', { class: 'bar', viewBox: '0 0 100 6', preserveAspectRatio: 'none', role: 'img', 'aria-label': label || pct(share) },
    s('rect', { class: 'bar-track', x: 0, y: 0, width: 100, height: 6, rx: 3 }),
    s('rect', { class: 'bar-fill', x: 0, y: 0, width: w, height: 6, rx: w > 0 ? 3 : 0 }));
}

// coverage shows booth coverage {booths, complete, share} as a bar and "complete / booths";
// for a booth itself (booth: true) it says whether its committee is complete.
export function coverage(c, { booth = false, ...attrs } = {}) {
  const cov = c || { booths: 0, complete: 0, share: 0 };
  let text;
  if (booth) text = t(cov.complete > 0 ? 'coverage.booth_complete' : 'coverage.booth_incomplete');
  else if (cov.booths > 0) text = t('coverage.value', { complete: num(cov.complete), booths: num(cov.booths), share: pct(cov.share) });
  else text = t('coverage.no_booths');
  return h('div', { class: 'coverage' + (booth ? ' coverage-booth' : ''), ...attrs },
    bar(cov.share, text),
    h('span', { class: 'coverage-text' }, text));
}

// dl is a definition list from [label, value] pairs; pairs with an empty value are left out.
export function dl(pairs, attrs = {}) {
  const el = h('dl', { class: 'facts', ...attrs });
  for (const [label, value, key] of pairs) {
    if (value === null || value === undefined || value === '') continue;
    el.append(h('div', { class: 'fact', 'data-fact': key || null }, h('dt', null, label), h('dd', null, value)));
  }
  return el;
}

// field is a labelled input with a place for its error right below it. The error element is
// found by the field name the API uses (data-field), so problem+json errors land next to the
// right input.
export function field(name, label, input, { hint, control } = {}) {
  const id = input.id || 'f-' + name;
  input.id = id;
  input.name = input.name || name;
  const err = h('p', { class: 'field-error', id: id + '-error', 'data-field': name, lang: 'en', role: 'alert' });
  input.setAttribute('aria-describedby', id + '-error');
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    control || input,
    hint ? h('p', { class: 'hint' }, hint) : null,
    err);
}

// showErrors puts an ApiError's field errors next to their inputs and its detail at the top
// of the form; errors for fields the form lacks go to the top too.
export function showErrors(form, err, fallback) {
  clearErrors(form);
  const top = form.querySelector('.form-error');
  const rest = [];
  for (const f of (err && err.fields) || []) {
    const slot = form.querySelector(`.field-error[data-field="${cssEscape(f.field)}"]`);
    // The form's own checks are worded already; the server's errors are worded from their code
    // (errors.js), and only an error of a code this UI does not know stays in English.
    const { text, local } = f.local ? { text: f.message, local: true } : fieldMessage(f);
    if (slot) {
      slot.lang = local ? document.documentElement.lang : 'en';
      slot.textContent = slot.textContent ? slot.textContent + '; ' + text : text;
      const input = document.getElementById(slot.id.replace(/-error$/, ''));
      if (input) input.setAttribute('aria-invalid', 'true');
    } else {
      rest.push((f.field ? t('field.' + f.field, null, f.field) + ': ' : '') + text);
    }
  }
  if (top) {
    // When every problem sits next to its input, the top line only points there.
    const placed = err && err.fields && err.fields.length && !rest.length;
    top.textContent = [fallback || (placed ? t('error.invalid') : errorText(err)), ...rest].filter(Boolean).join(' · ');
    top.hidden = false;
  }
}

// clearErrors empties a form's error slots.
export function clearErrors(form) {
  for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  const top = form.querySelector('.form-error');
  if (top) {
    top.textContent = '';
    top.hidden = true;
  }
}

function cssEscape(v) {
  return window.CSS && CSS.escape ? CSS.escape(v) : String(v).replace(/["\\]/g, '\\$&');
}

// formError is the slot for a form's overall error.
export const formError = () => h('p', { class: 'form-error msg msg-error', role: 'alert', hidden: true });

// errorText explains an ApiError in the current language; the server's own words (English)
// follow for anything the table does not name.
export function errorText(err) {
  if (!err) return t('error.generic');
  switch (err.status) {
    case 0: return t('error.network');
    case 403: return t('error.forbidden');
    case 404: return t('error.not_found');
    case 409: return t('error.conflict', { detail: err.detail });
    case 412: return t('error.stale');
    case 422: return t('error.invalid');
    case 429: return t('error.rate_limited', { seconds: err.retryAfter || '?' });
    case 503: return t('error.unavailable');
    default: return t('error.generic_detail', { detail: err.detail || String(err.status || '') });
  }
}

// button makes a button of type "button" unless told otherwise.
export function button(label, attrs = {}) {
  return h('button', { type: 'button', class: 'btn', ...attrs }, label);
}

// moreButton shows "show more" while a list has a next cursor.
export function moreButton(onMore, attrs = {}) {
  const b = button(t('list.more'), { class: 'btn btn-more', ...attrs });
  b.addEventListener('click', async () => {
    b.disabled = true;
    b.textContent = t('common.loading');
    try {
      await onMore();
    } finally {
      b.disabled = false;
      b.textContent = t('list.more');
    }
  });
  return b;
}

// enterSearches makes Enter in a search box run search and never send the form around it.
// Cancelling keydown is not enough: a browser (or a remote-controlled one) that delivers the
// character as a keypress of its own still submits the form implicitly on it, so the keypress
// of Enter is cancelled too.
export function enterSearches(input, search) {
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.isComposing) {
      e.preventDefault();
      search();
    }
  });
  input.addEventListener('keypress', (e) => {
    if (e.key === 'Enter') e.preventDefault();
  });
}

// unitPicker is a search box that lists matching units to pick one. search(q) returns the
// API's items; label(u) names a unit; onPick(u) gets the choice (null when cleared).
export function unitPicker({ id, search, label, onPick, placeholder }) {
  const input = h('input', { type: 'search', id, autocomplete: 'off', placeholder: placeholder || t('units.search_placeholder'), enterkeyhint: 'search' });
  const results = h('ul', { class: 'picker-results', id: id + '-results' });
  const chosen = h('div', { class: 'picker-chosen', id: id + '-chosen', hidden: true });
  let seq = 0;
  async function run() {
    const q = input.value.trim();
    const mine = ++seq;
    if (!q) {
      clear(results);
      return;
    }
    let items;
    try {
      items = await search(q);
    } catch (e) {
      if (mine === seq) put(results, h('li', { class: 'msg msg-error' }, errorText(e)));
      return;
    }
    if (mine !== seq) return;
    clear(results);
    if (!items.length) results.append(h('li', { class: 'msg' }, t('search.none')));
    for (const u of items) {
      results.append(h('li', null, button(label(u), { class: 'btn btn-pick', 'data-unit-id': u.id, onclick: () => pick(u) })));
    }
  }
  function pick(u) {
    clear(results);
    input.value = '';
    if (u) {
      put(chosen, h('span', null, label(u)),
        button(t('common.change'), { class: 'btn btn-link', onclick: () => pick(null) }));
      chosen.hidden = false;
      input.hidden = true;
    } else {
      chosen.hidden = true;
      input.hidden = false;
      input.focus();
    }
    onPick(u);
  }
  let timer;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(run, 250);
  });
  enterSearches(input, () => {
    clearTimeout(timer);
    run();
  });
  const el = h('div', { class: 'picker' }, input, chosen, results);
  el.pick = pick;
  return { el, input, pick };
}
