// views/people.js: the register of people (व्यक्ति) inside the user's scope: a list filtered by
// name (either script), category and gender, fifty at a time, each person linked to their page
// (person_page.js); and the CSV import (row errors as
// a table) and export, both through api.js so the token never goes into a URL.

import * as api from '../api.js';
import { t, num, tn, unitName } from '../i18n.js';
import { h, put, msg, field, button, moreButton, errorText, formError, showErrors, clearErrors, unitPicker } from '../ui.js';
import { name, other, tags, select, phoneText, personFields } from '../person.js';
import * as enums from '../enums.js';

const PAGE = 50;
const MAX_FILE = 64 << 20; // the server's import limit
const COLUMNS = 'name,name_hi,gender,birth_year,phone,voter_id,category,religion,caste,home_unit_code,committee_unit_code,position';

// filter outlives one drawing of the screen, so switching the language keeps it.
const filter = { q: '', category: '', gender: '' };

// reset forgets the filter (at logout: the next user has another scope).
export function reset() {
  Object.assign(filter, { q: '', category: '', gender: '' });
}

export async function render(root, ctx) {
  ctx.setTitle(t('people.title'));
  await enums.load();
  const scope = ctx.user.scope_unit_id || '';
  const list = h('ul', { class: 'item-list', id: 'people-list' });
  const status = h('div', { class: 'list-status' });

  const q = h('input', { type: 'search', id: 'people-q', autocomplete: 'off', enterkeyhint: 'search', maxlength: 100, value: filter.q, placeholder: t('units.search_placeholder') });
  const category = select('people-category', enums.categories(), 'community.', { empty: t('people.all'), selected: filter.category });
  const gender = select('people-gender', enums.genders(), 'gender.', { empty: t('people.all'), selected: filter.gender });
  const form = h('form', { class: 'form filters', id: 'people-filters', role: 'search' },
    field('q', t('people.q'), q),
    h('div', { class: 'pair' }, field('category', t('person.category'), category), field('gender', t('person.gender'), gender)),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary', id: 'people-apply' }, t('search.submit'))));

  root.append(h('h1', null, t('people.title')),
    h('section', { class: 'card', id: 'people-filter-card' }, form),
    addSection(scope, ctx),
    csvSection(scope, () => reload()),
    h('section', { class: 'card', id: 'people' }, list, status));

  let seq = 0;
  const load = async (cursor) => {
    const mine = cursor ? seq : ++seq;
    let page;
    try {
      page = await api.get('/people', { q: filter.q, category: filter.category, gender: filter.gender, under: scope, limit: PAGE, cursor });
    } catch (e) {
      if (mine === seq) put(status, e.status === 404 && !cursor ? msg(t('common.unavailable'), 'warn') : msg(errorText(e), 'error', { id: 'people-error' }));
      return;
    }
    if (mine !== seq) return;
    for (const p of page.items) list.append(personItem(p));
    if (!list.children.length) list.append(h('li', { class: 'msg', id: 'people-empty' }, t('people.none')));
    put(status, page.next_cursor ? moreButton(() => load(page.next_cursor), { id: 'people-more' }) : '');
  };
  function reload() {
    put(list);
    put(status, msg(t('common.loading')));
    return load('');
  }
  const apply = () => {
    Object.assign(filter, { q: q.value.trim(), category: category.value, gender: gender.value });
    reload();
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    apply();
  });
  category.addEventListener('change', apply);
  gender.addEventListener('change', apply);
  await reload();
}

function personItem(p) {
  const o = other(p);
  const meta = [];
  if (p.phone) meta.push(h('a', { class: 'person-phone', href: 'tel:' + p.phone, lang: 'en' }, phoneText(p.phone)));
  if (p.voter_id) meta.push(h('span', { class: 'person-voter-id', lang: 'en' }, p.voter_id));
  if (p.birth_year) meta.push(h('span', null, t('people.born', { year: p.birth_year })));
  return h('li', { class: 'person-item', 'data-person-id': p.id },
    h('div', { class: 'item-head' },
      h('a', { class: 'item-title person-name person-link', href: '#/people/' + encodeURIComponent(p.id), id: 'person-link-' + p.id }, name(p)),
      tags(p)),
    o ? h('p', { class: 'item-meta person-other' }, o) : null,
    meta.length ? h('p', { class: 'item-meta person-meta' }, meta.flatMap((m, i) => (i ? [' · ', m] : [m]))) : null);
}

// addSection is a folded form that adds a person to the register: their details (a name in the
// wrong script is flagged under its field before saving) and the unit that looks after them,
// found by name inside the user's scope; without one the person is placed in the user's scope
// unit. Once saved, the new person's page opens.
function addSection(scope, ctx) {
  const pf = personFields('new-p');
  let home = null;
  const picker = unitPicker({
    id: 'new-p-home',
    search: async (q) => (await api.get('/units', { q, under: scope, limit: 10 })).items,
    label: (u) => `${unitName(u)} · ${t('level.' + u.level, null, u.level)}`,
    onPick: (u) => { home = u; },
  });
  const top = formError();
  top.id = 'new-p-error';
  const save = h('button', { type: 'submit', class: 'btn btn-primary', id: 'new-p-save' }, t('people.add_save'));
  const form = h('form', { class: 'form', id: 'people-add-form', novalidate: true },
    top, ...pf.nodes,
    field('home_unit_id', t('person.home_unit'), picker.input, { control: picker.el, hint: t('people.add_home_hint') }),
    h('div', { class: 'actions' }, save));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const { body, errors } = pf.read();
    if (errors.length) {
      showErrors(form, { status: 422, fields: errors });
      form.querySelector('[aria-invalid="true"]')?.focus();
      return;
    }
    if (home) body.home_unit_id = home.id;
    save.disabled = true;
    let p;
    try {
      p = await api.post('/people', body);
    } catch (err) {
      showErrors(form, err);
      form.querySelector('[aria-invalid="true"]')?.focus();
      return;
    } finally {
      save.disabled = false;
    }
    ctx.go('#/people/' + encodeURIComponent(p.id));
  });
  return h('details', { class: 'card', id: 'people-add' }, h('summary', { id: 'people-add-toggle' }, t('people.add')), form);
}

// csvSection downloads the register as CSV and uploads a people CSV.
function csvSection(scope, onImported) {
  // The browser words its own file button in its own language; this label speaks the UI's.
  const fileInput = h('input', { type: 'file', id: 'people-file', class: 'file-input', accept: '.csv,text/csv' });
  const fileName = h('span', { class: 'file-name', id: 'people-file-name' }, t('import.no_file'));
  fileInput.addEventListener('change', () => {
    const f = fileInput.files && fileInput.files[0];
    fileName.textContent = f ? f.name : t('import.no_file');
  });
  const picker = h('div', { class: 'file-picker' }, fileInput, h('label', { for: 'people-file', class: 'btn' }, t('import.choose')), fileName);
  const mode = h('select', { id: 'people-mode' },
    h('option', { value: 'all_or_nothing' }, t('import.all_or_nothing')),
    h('option', { value: 'valid_rows' }, t('import.valid_rows')));
  const result = h('div', { class: 'import-result', id: 'people-import-result', 'aria-live': 'polite' });
  const upload = h('button', { type: 'submit', class: 'btn btn-primary', id: 'people-upload' }, t('import.upload'));
  const form = h('form', { class: 'form', id: 'people-import', novalidate: true },
    field('file', t('import.file'), fileInput, { control: picker, hint: t('import.columns') }),
    h('p', { class: 'columns-hint' }, h('code', { lang: 'en' }, COLUMNS)),
    field('mode', t('import.mode'), mode),
    h('div', { class: 'actions' }, upload),
    result);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = fileInput.files && fileInput.files[0];
    if (!f) {
      put(result, msg(t('import.err_no_file'), 'error', { id: 'people-import-error' }));
      return;
    }
    if (f.size > MAX_FILE) {
      put(result, msg(t('import.err_too_big'), 'error', { id: 'people-import-error' }));
      return;
    }
    upload.disabled = true;
    put(result, msg(t('import.sending')));
    try {
      const res = await api.postCSV('/imports/people', await f.text(), { mode: mode.value });
      put(result,
        msg(t('import.done', { inserted: num(res.inserted || 0), updated: num(res.updated || 0), seated: num(res.seated || 0) }), 'ok', { id: 'people-import-ok' }),
        res.errors && res.errors.length ? [msg(tn('import.skipped', res.errors.length), 'warn'), errorTable(res.errors)] : null);
      onImported();
    } catch (err) {
      if (err.status === 404) put(result, msg(t('common.unavailable'), 'warn', { id: 'people-import-unavailable' }));
      else if (err.fields && err.fields.length) {
        put(result, msg(tn('import.failed', err.fields.length), 'error', { id: 'people-import-error' }), errorTable(err.fields));
      } else put(result, msg(errorText(err), 'error', { id: 'people-import-error' }));
    } finally {
      upload.disabled = false;
    }
  });

  const exportStatus = h('div', { class: 'list-status', id: 'people-export-status', 'aria-live': 'polite' });
  const exportBtn = button(t('export.download'), { class: 'btn', id: 'people-export', onclick: async () => {
    exportBtn.disabled = true;
    put(exportStatus, msg(t('common.loading')));
    try {
      // A byte-order mark lets Excel read the Devanagari as UTF-8; the import skips it.
      const blob = new Blob(['\ufeff', await api.file('/exports/people.csv', { under: scope })], { type: 'text/csv' });
      const url = URL.createObjectURL(blob);
      const a = h('a', { href: url, download: `people-${new Date().toISOString().slice(0, 10)}.csv`, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      put(exportStatus, msg(t('export.done'), 'ok', { id: 'people-export-ok' }));
    } catch (err) {
      put(exportStatus, err.status === 404 ? msg(t('common.unavailable'), 'warn', { id: 'people-export-unavailable' }) : msg(errorText(err), 'error'));
    } finally {
      exportBtn.disabled = false;
    }
  } });

  // Folded by default: on a phone the list below is what the screen is for.
  return h('details', { class: 'card csv', id: 'people-csv' },
    h('summary', { id: 'people-csv-toggle' }, t('people.csv')),
    h('section', { id: 'people-export-part' }, h('h2', null, t('export.title')), h('p', { class: 'hint' }, t('export.hint')), exportBtn, exportStatus),
    h('section', { id: 'people-import-part' }, h('h2', null, t('import.title')), form));
}

// errorTable lists a file's row errors: line (the header is line 1), column and the server's
// message (in English).
function errorTable(errors) {
  const shown = errors.slice(0, 200);
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'errors', id: 'people-import-errors' },
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('import.line')), h('th', { scope: 'col' }, t('import.column')), h('th', { scope: 'col' }, t('import.problem')))),
      h('tbody', null, shown.map((e) => h('tr', { 'data-line': e.line === undefined ? '' : e.line },
        h('td', { class: 'num' }, e.line === undefined || e.line === null ? '—' : num(e.line)),
        h('td', { lang: 'en' }, e.field || '—'),
        h('td', { lang: 'en' }, e.message || ''))))),
    errors.length > shown.length ? h('p', { class: 'hint' }, t('import.more_errors', { n: num(errors.length - shown.length) })) : null);
}
