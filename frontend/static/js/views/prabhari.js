// views/prabhari.js: in-charges (प्रभारी). #/prabhari is the board: for one purpose and one level
// (district, Lok Sabha constituency, assembly) every unit in the user's area with its active
// in-charges, each with their load (how many assignments they hold now) beside the name, and
// the vacant units marked रिक्त; the state office and admin appoint to a vacancy and end an
// assignment on a date. #/prabhari/new?unit=&purpose= is the assignment form, with the person
// picker that tells namesakes apart (pickFacts) and filters candidates by public office. Every
// text of a record is set with textContent (h does), never as markup.

import * as api from '../api.js';
import { t, tn, unitName, date } from '../i18n.js';
import { h, put, msg, field, errorText, button, formError, showErrors, clearErrors, enterSearches } from '../ui.js';
import { name as personName, other as otherName, pickFacts, tags, nearOf } from '../person.js';

const LEVELS = ['district', 'parliamentary', 'assembly'];
const OFFICES = ['mla', 'mp', 'former_mla', 'former_mp', 'minister', 'local_body'];

// board outlives one drawing, so switching the language keeps the level and purpose.
const board = { level: 'parliamentary', purpose: '' };

export function reset() {
  Object.assign(board, { level: 'parliamentary', purpose: '' });
}

// Only the state office and admin appoint and end; the server enforces the same.
export const mayAppoint = (role) => role === 'admin' || role === 'state_office';

// today is today's date in India time, YYYY-MM-DD.
export function today() {
  return new Date(Date.now() + 330 * 60000).toISOString().slice(0, 10);
}

export async function render(root, ctx) {
  const q = ctx.params.query || {};
  if (ctx.params.id === 'new') return formPage(root, ctx, q);
  return boardPage(root, ctx, q);
}

// all reads every page of a list (the board shows at most a state's 403 assemblies).
async function all(path, query) {
  const out = [];
  let cursor;
  for (let i = 0; i < 20; i++) {
    const page = await api.get(path, { ...query, limit: 500, cursor });
    out.push(...page.items);
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  return out;
}

const loadText = (n) => tn('prabhari.load', n || 0);

async function boardPage(root, ctx, q) {
  ctx.setTitle(t('prabhari.title'));
  const role = ctx.user && ctx.user.role;
  if (q.level && LEVELS.includes(q.level)) board.level = q.level;
  if (q.purpose !== undefined) board.purpose = q.purpose;
  let purposes = [];
  try {
    purposes = (await api.get('/assignments/purposes')).items;
  } catch (e) {
    root.append(msg(errorText(e), 'error', { id: 'prabhari-error' }));
    return;
  }
  if (!board.purpose && purposes.length) board.purpose = purposes[0].purpose;
  root.append(h('h1', null, t('prabhari.title')));
  const tabs = h('div', { class: 'tabs', role: 'tablist', id: 'prabhari-levels' }, LEVELS.map((l) => h('button', {
    type: 'button', class: 'btn tab' + (l === board.level ? ' btn-primary' : ''), role: 'tab', id: 'prabhari-level-' + l,
    'aria-selected': l === board.level ? 'true' : 'false', onclick: () => {
      board.level = l;
      redraw();
    },
  }, t('level.' + l, null, l))));
  const purposeIn = h('input', { type: 'text', id: 'prabhari-purpose', list: 'prabhari-purposes', maxlength: 100, value: board.purpose, autocomplete: 'off' });
  const datalist = h('datalist', { id: 'prabhari-purposes' }, purposes.map((p) => h('option', { value: p.purpose })));
  const form = h('form', { class: 'form filters', id: 'prabhari-filters', onsubmit: (ev) => {
    ev.preventDefault();
    board.purpose = purposeIn.value.trim();
    redraw();
  } }, field('purpose', t('prabhari.purpose'), purposeIn, { hint: t('prabhari.purpose_hint') }), datalist,
  h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary', id: 'prabhari-show' }, t('prabhari.show'))));
  const summary = h('p', { class: 'hint', id: 'prabhari-summary' });
  const list = h('ul', { class: 'item-list', id: 'prabhari-board' });
  root.append(form, tabs, summary, list);

  // redraw keeps the level and purpose in the hash, so that a reload or the back button keeps them.
  const redraw = () => {
    const hash = '#/prabhari?' + new URLSearchParams({ level: board.level, purpose: board.purpose }).toString();
    if (window.location.hash !== hash) window.location.hash = hash;
    else draw();
  };
  let seq = 0;
  const draw = async () => {
    const mine = ++seq;
    put(summary);
    if (!board.purpose) {
      put(list, h('li', { class: 'msg', id: 'prabhari-no-purpose' }, t('prabhari.choose_purpose')));
      return;
    }
    put(list, h('li', { class: 'msg' }, t('common.loading')));
    let units;
    let assignments;
    try {
      [units, assignments] = await Promise.all([all('/units', { level: board.level }),
        all('/assignments', { level: board.level, purpose: board.purpose, active: 'true' })]);
    } catch (e) {
      if (mine === seq) put(list, h('li', { class: 'msg msg-error' }, errorText(e)));
      return;
    }
    if (mine !== seq) return;
    const byUnit = {};
    for (const a of assignments) (byUnit[a.unit_id] = byUnit[a.unit_id] || []).push(a);
    const vacant = units.filter((u) => !byUnit[u.id]).length;
    put(summary, t('prabhari.summary', { units: units.length, vacant }));
    if (!units.length) {
      put(list, h('li', { class: 'msg', id: 'prabhari-empty' }, t('prabhari.no_units')));
      return;
    }
    put(list, ...units.map((u) => unitRow(u, byUnit[u.id] || [], role, draw)));
  };
  draw();
}

function unitRow(u, incharges, role, redraw) {
  const appoint = mayAppoint(role)
    ? h('a', { class: 'btn btn-link prabhari-appoint', 'data-unit-id': u.id,
      href: '#/prabhari/new?' + new URLSearchParams({ unit: u.id, purpose: board.purpose }).toString() }, t('prabhari.appoint'))
    : null;
  const head = h('div', { class: 'item-head' }, h('span', { class: 'item-title' }, unitName(u)),
    incharges.length ? null : h('span', { class: 'badge badge-off prabhari-vacant' }, t('prabhari.vacant')));
  return h('li', { class: 'item prabhari-unit', 'data-unit-id': u.id, 'data-vacant': incharges.length ? 'false' : 'true' }, head,
    incharges.length ? h('ul', { class: 'prabhari-incharges' }, incharges.map((a) => incharge(a, role, redraw))) : null,
    appoint && !incharges.length ? h('p', null, appoint) : null);
}

// incharge names an in-charge with their load and, for the state office, the way to end it.
function incharge(a, role, redraw) {
  const li = h('li', { class: 'prabhari-incharge', 'data-assignment-id': a.id },
    h('a', { href: '#/people/' + encodeURIComponent(a.person.id), class: 'prabhari-person' }, personName(a.person)), ' ',
    h('span', { class: 'hint prabhari-load' }, '(' + loadText(a.person.assignments_active) + ')'), ' ',
    h('span', { class: 'hint' }, t('prabhari.since', { date: date(a.starts_on) })));
  if (mayAppoint(role)) li.append(' ', endControl(a, redraw));
  return li;
}

// endControl is the button that ends an assignment on a date (today unless changed).
export function endControl(a, done) {
  const box = h('span', { class: 'prabhari-end' });
  const on = h('input', { type: 'date', class: 'prabhari-end-on', value: today(), min: a.starts_on, 'aria-label': t('prabhari.end_on') });
  const err = h('span', { class: 'msg msg-error', role: 'alert', hidden: true });
  const confirm = button(t('prabhari.end_confirm'), { class: 'btn btn-primary prabhari-end-confirm', onclick: async () => {
    confirm.disabled = true;
    try {
      await api.del('/assignments/' + encodeURIComponent(a.id) + '?on=' + encodeURIComponent(on.value || today()), a.version);
      done();
    } catch (e) {
      err.textContent = errorText(e);
      err.hidden = false;
      confirm.disabled = false;
    }
  } });
  const form = h('span', { hidden: true, class: 'prabhari-end-form' }, on, ' ', confirm, err);
  const open = button(t('prabhari.end'), { class: 'btn btn-link prabhari-end-open', onclick: () => {
    open.hidden = true;
    form.hidden = false;
  } });
  box.append(open, form);
  return box;
}

async function formPage(root, ctx, q) {
  ctx.setTitle(t('prabhari.new'));
  root.append(h('h1', null, t('prabhari.new')));
  const role = ctx.user && ctx.user.role;
  if (!mayAppoint(role)) {
    root.append(msg(t('error.forbidden'), 'error', { id: 'forbidden' }));
    return;
  }
  if (!q.unit) {
    root.append(msg(t('prabhari.pick_vacancy'), '', { id: 'prabhari-no-unit' }), h('p', null, h('a', { class: 'btn', href: '#/prabhari' }, t('prabhari.back'))));
    return;
  }
  const unit = await api.get('/units/' + encodeURIComponent(q.unit));
  let person = null;
  const form = h('form', { class: 'form', id: 'prabhari-form', novalidate: true }, formError());
  const purpose = h('input', { type: 'text', id: 'prabhari-form-purpose', maxlength: 100, value: q.purpose || '', required: true });
  const starts = h('input', { type: 'date', id: 'prabhari-starts-on', value: today(), required: true });
  const ends = h('input', { type: 'date', id: 'prabhari-ends-on' });
  const office = h('select', { id: 'prabhari-office' }, h('option', { value: '' }, t('prabhari.any_office')),
    h('option', { value: 'mla,mp,former_mla,former_mp,minister' }, t('prabhari.leaders')),
    OFFICES.map((o) => h('option', { value: o }, t('public_office.' + o, null, o))));
  const search = h('input', { type: 'search', id: 'prabhari-person-search', autocomplete: 'off', enterkeyhint: 'search', maxlength: 100 });
  const results = h('ul', { class: 'picker-results', id: 'prabhari-person-results' });
  const chosen = h('div', { class: 'picker-chosen', id: 'prabhari-person-chosen', hidden: true });
  let seq = 0;
  const run = async () => {
    const text = search.value.trim();
    const mine = ++seq;
    if (!text && !office.value) return put(results);
    put(results, h('li', { class: 'msg' }, t('common.loading')));
    let page;
    try {
      // near: the people of the unit's own booth, sector or assembly first.
      page = await api.get('/people', { q: text, public_office: office.value, near: nearOf(unit), limit: 10 });
    } catch (e) {
      if (mine === seq) put(results, h('li', { class: 'msg msg-error' }, errorText(e)));
      return;
    }
    if (mine !== seq) return;
    put(results, ...page.items.map((p) => h('li', null, button([h('span', { class: 'pick-name' }, personName(p), otherName(p) ? ' · ' + otherName(p) : ''),
      p.public_office ? h('span', { class: 'tag pick-office' }, t('public_office.' + p.public_office, null, p.public_office)) : null,
      ...pickFacts(p), p.assignments_active ? null : h('span', { class: 'hint pick-load' }, loadText(0)), tags(p)], { class: 'btn btn-pick person-pick', 'data-person-id': p.id, onclick: () => {
      person = p;
      put(results);
      search.value = '';
      put(chosen, h('span', { class: 'pick-name' }, personName(p), ' (', loadText(p.assignments_active), ')'), ' ',
        button(t('common.change'), { class: 'btn btn-link', onclick: () => {
          person = null;
          chosen.hidden = true;
          search.focus();
        } }));
      chosen.hidden = false;
    } }))));
    if (!page.items.length) results.append(h('li', { class: 'msg', id: 'prabhari-person-none' }, t('search.none')));
  };
  let timer;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(run, 300);
  });
  office.addEventListener('change', run);
  enterSearches(search, () => {
    clearTimeout(timer);
    run();
  });
  const searchRow = h('div', { class: 'search' }, search, button(t('search.submit'), { class: 'btn', id: 'prabhari-person-find', onclick: () => run() }));
  form.append(
    h('p', { class: 'prabhari-form-unit', id: 'prabhari-form-unit' }, t('level.' + unit.level, null, unit.level), ': ', h('strong', null, unitName(unit))),
    field('purpose', t('prabhari.purpose'), purpose),
    field('public_office', t('prabhari.office_filter'), office),
    field('person_id', t('prabhari.person'), search, { control: h('div', { class: 'picker' }, chosen, searchRow, results), hint: t('prabhari.person_hint') }),
    field('starts_on', t('prabhari.starts_on'), starts),
    field('ends_on', t('prabhari.ends_on'), ends, { hint: t('prabhari.ends_on_hint') }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary', id: 'prabhari-save' }, t('prabhari.save')),
      h('a', { class: 'btn', href: '#/prabhari?' + new URLSearchParams({ level: LEVELS.includes(unit.level) ? unit.level : board.level, purpose: q.purpose || '' }).toString() }, t('common.cancel'))));
  root.append(form);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const body = { unit_id: unit.id, person_id: person ? person.id : null, purpose: purpose.value, starts_on: starts.value, ends_on: ends.value || null };
    try {
      await api.post('/assignments', body);
    } catch (e) {
      showErrors(form, e, t('prabhari.save_failed'));
      return;
    }
    board.purpose = purpose.value.trim();
    if (LEVELS.includes(unit.level)) board.level = unit.level;
    window.location.hash = '#/prabhari?' + new URLSearchParams({ level: board.level, purpose: board.purpose }).toString();
  });
}
