// views/programs.js: programs (कार्यक्रम / अभियान) inside the user's scope — the coming ones as a
// calendar grouped by day, the earlier ones latest first, with filters by kind, status and month,
// and the monthly counts by kind for the user's area; the form that plans or edits one; and a
// program's page, where it is reported held (attendance, outcome) or cancelled. The kinds and
// statuses come from the server's OpenAPI document, never a copy here. Every text of a record is
// set with textContent (h does), never as markup.

import * as api from '../api.js';
import { t, unitName, date, dateTime, num } from '../i18n.js';
import { h, put, msg, field, moreButton, errorText, dl, button, formError, showErrors, clearErrors, unitPicker } from '../ui.js';

const PAGE = 50;

// filter outlives one drawing of the list, so switching the language keeps it.
const filter = { kind: '', status: '', month: '' };

// reset forgets the filter (at logout).
export function reset() {
  Object.assign(filter, { kind: '', status: '', month: '' });
}

// Who may do what; the server enforces the same.
const mayPlan = (role) => !!role && role !== 'viewer';
const mayManage = (role) => role === 'admin' || role === 'state_office' || role === 'district_coordinator';
const readsIncidents = mayManage;

let enumCache = null;

// lists are the program kinds and statuses as the API publishes them (read once).
async function lists() {
  if (enumCache) return enumCache;
  const doc = await api.openapi();
  const s = (doc && doc.components && doc.components.schemas) || {};
  const of = (name) => ((s[name] && s[name].enum) || []).filter((v) => typeof v === 'string');
  enumCache = { kinds: of('ProgramKind'), statuses: of('ProgramStatus') };
  return enumCache;
}

export async function render(root, ctx) {
  const id = ctx.params.id;
  if (id === 'new') return formPage(root, ctx, null, new URLSearchParams(ctx.params.query || {}));
  if (id !== undefined && ctx.params.edit) return editPage(root, ctx, id);
  if (id !== undefined) return programPage(root, ctx, id);
  return listPage(root, ctx);
}

const kindName = (k) => t('program_kind.' + k, null, k);

function statusChip(p) {
  const cls = { held: 'badge-ok', cancelled: 'badge-off', planned: 'badge-plan' }[p.status] || 'badge-off';
  return h('span', { class: 'badge ' + cls + ' program-status', 'data-status': p.status }, t('program_status.' + p.status, null, p.status));
}

// when says when a program runs: its start, and its end when given.
function when(p) {
  if (!p.ends_at) return dateTime(p.starts_at);
  return t('program.from_to', { from: dateTime(p.starts_at), to: dateTime(p.ends_at) });
}

// localDay is the reader's calendar day of an RFC 3339 time, for grouping.
function localDay(s) {
  const d = new Date(s);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function item(p) {
  const awaiting = p.status === 'planned' && new Date(p.starts_at) < new Date();
  return h('li', { class: 'item program-item', 'data-id': p.id, 'data-status': p.status },
    h('div', { class: 'item-head' },
      h('a', { class: 'item-title program-title', href: '#/programs/' + encodeURIComponent(p.id) }, p.title),
      statusChip(p)),
    h('p', { class: 'item-meta' }, kindName(p.kind), ' · ', dateTime(p.starts_at), ' · ', unitName(p.unit), p.place ? ' · ' + p.place : ''),
    p.status === 'held' && p.attendance !== null ? h('p', { class: 'item-meta program-attendance' }, t('program.attendance_n', { n: num(p.attendance) })) : null,
    awaiting ? h('p', { class: 'status status-warn program-awaiting' }, t('programs.awaiting_report')) : null);
}

// monthRange is [first day, last day] of a month "YYYY-MM".
function monthRange(m) {
  const [y, mo] = m.split('-').map(Number);
  const last = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return [`${m}-01`, `${m}-${String(last).padStart(2, '0')}`];
}

async function listPage(root, ctx) {
  ctx.setTitle(t('programs.title'));
  const role = ctx.user && ctx.user.role;
  const { kinds, statuses } = await lists();
  root.append(h('h1', null, t('programs.title')));
  if (mayPlan(role)) root.append(h('p', null, h('a', { class: 'btn btn-primary', href: '#/programs/new', id: 'programs-new' }, t('programs.new'))));

  const kindSel = h('select', { id: 'programs-kind' }, h('option', { value: '' }, t('programs.all')),
    kinds.map((k) => h('option', { value: k, selected: k === filter.kind }, kindName(k))));
  const statusSel = h('select', { id: 'programs-status' }, h('option', { value: '' }, t('programs.all')),
    statuses.map((s) => h('option', { value: s, selected: s === filter.status }, t('program_status.' + s, null, s))));
  const month = h('input', { type: 'month', id: 'programs-month', value: filter.month });
  const form = h('form', { class: 'form filters', id: 'programs-filters' },
    field('kind', t('program.kind'), kindSel),
    field('status', t('program.status'), statusSel),
    field('month', t('programs.month'), month),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary', id: 'programs-apply' }, t('programs.apply'))));
  const coming = h('div', { id: 'programs-calendar' });
  const earlier = h('ul', { class: 'item-list', id: 'programs-list' });
  const status = h('div', { class: 'list-status' });
  const counts = h('section', { class: 'card', id: 'programs-counts' });
  root.append(h('details', { class: 'card', open: !!(filter.kind || filter.status || filter.month) }, h('summary', null, t('programs.filters')), form),
    h('section', { class: 'card' }, h('h2', null, t('programs.coming')), coming),
    h('section', { class: 'card' }, h('h2', null, t('programs.earlier')), earlier, status),
    counts);

  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    const now = new Date().toISOString();
    const base = { kind: filter.kind, limit: PAGE };
    let lo = '';
    let hi = '';
    if (filter.month) [lo, hi] = monthRange(filter.month);
    put(coming, msg(t('common.loading')));
    put(earlier);
    put(status);
    // The coming planned programs, soonest first, grouped by day.
    if (!filter.status || filter.status === 'planned') {
      try {
        const from = lo && lo + 'T00:00:00' > now.slice(0, 19) ? lo : now;
        const page = await api.get('/programs', { ...base, status: 'planned', from, to: hi });
        if (mine !== seq) return;
        drawCalendar(coming, page.items);
      } catch (e) {
        if (mine === seq) put(coming, msg(errorText(e), 'error'));
      }
    } else {
      put(coming, h('p', { class: 'msg', id: 'programs-calendar-empty' }, t('programs.none_coming')));
    }
    // The earlier ones (and every program of a past month), latest first.
    const more = async (cursor) => {
      let page;
      try {
        page = await api.get('/programs', { ...base, status: filter.status, from: lo, to: hi && hi < now.slice(0, 10) ? hi : now, sort: '-starts_at', cursor });
      } catch (e) {
        if (mine === seq) put(status, msg(errorText(e), 'error'));
        return;
      }
      if (mine !== seq) return;
      for (const p of page.items) earlier.append(item(p));
      if (!earlier.children.length) earlier.append(h('li', { class: 'msg', id: 'programs-empty' }, t('programs.none')));
      put(status, page.next_cursor ? moreButton(() => more(page.next_cursor), { id: 'programs-more' }) : '');
    };
    await more('');
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    filter.kind = kindSel.value;
    filter.status = statusSel.value;
    filter.month = month.value;
    load();
    drawCounts(counts, ctx, kinds);
  });
  await Promise.all([load(), drawCounts(counts, ctx, kinds)]);
}

function drawCalendar(el, items) {
  if (!items.length) {
    put(el, h('p', { class: 'msg', id: 'programs-calendar-empty' }, t('programs.none_coming')));
    return;
  }
  const days = [];
  for (const p of items) {
    const d = localDay(p.starts_at);
    if (!days.length || days[days.length - 1].day !== d) days.push({ day: d, items: [] });
    days[days.length - 1].items.push(p);
  }
  put(el, ...days.map((d) => h('div', { class: 'program-day', 'data-day': d.day },
    h('h3', { class: 'program-day-head' }, date(d.items[0].starts_at)),
    h('ul', { class: 'item-list' }, d.items.map(item)))));
}

// drawCounts is the table of the programs by month and kind in the user's area: the month of
// the filter, or the twelve months up to the next two.
async function drawCounts(el, ctx, kinds) {
  let from;
  let to;
  if (filter.month) {
    from = filter.month;
    to = filter.month;
  } else {
    const d = new Date();
    const m = (k) => {
      const x = new Date(d.getFullYear(), d.getMonth() + k, 1);
      return `${x.getFullYear()}-${String(x.getMonth() + 1).padStart(2, '0')}`;
    };
    from = m(-11);
    to = m(2);
  }
  const scope = ctx.user && ctx.user.scope;
  const title = h('h2', null, t('programs.counts_title', { unit: scope ? unitName(scope) : t('scope.everywhere') }));
  put(el, title, msg(t('common.loading')));
  let rows;
  try {
    rows = (await api.get('/programs/counts', { from, to })).items;
  } catch (e) {
    put(el, title, msg(errorText(e), 'error'));
    return;
  }
  if (!rows.length) {
    put(el, title, h('p', { class: 'msg', id: 'programs-counts-empty' }, t('programs.counts_none')));
    return;
  }
  const order = (k) => kinds.indexOf(k);
  rows.sort((a, b) => (a.month === b.month ? order(a.kind) - order(b.kind) : a.month < b.month ? 1 : -1));
  const monthName = (m) => new Intl.DateTimeFormat(document.documentElement.lang === 'hi' ? 'hi-IN' : 'en-IN', { month: 'long', year: 'numeric', timeZone: 'UTC' })
    .format(new Date(m + '-15T00:00:00Z'));
  const body = [];
  let last = '';
  for (const r of rows) {
    if (r.month !== last) {
      last = r.month;
      body.push(h('tr', { class: 'program-count-month' }, h('th', { colspan: 5, scope: 'colgroup' }, monthName(r.month))));
    }
    body.push(h('tr', { class: 'program-count', 'data-month': r.month, 'data-kind': r.kind },
      h('th', { scope: 'row' }, kindName(r.kind)),
      h('td', { class: 'num count-planned' }, num(r.planned)),
      h('td', { class: 'num count-held' }, num(r.held)),
      h('td', { class: 'num count-cancelled' }, num(r.cancelled)),
      h('td', { class: 'num count-attendance' }, num(r.attendance))));
  }
  put(el, title, h('div', { class: 'table-wrap' }, h('table', { class: 'program-counts', id: 'programs-counts-table' },
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('program.kind')), h('th', { scope: 'col' }, t('program_status.planned')),
      h('th', { scope: 'col' }, t('program_status.held')), h('th', { scope: 'col' }, t('program_status.cancelled')),
      h('th', { scope: 'col' }, t('program.attendance')))),
    h('tbody', null, body))));
}

// localInput is an RFC 3339 time as a datetime-local value in the reader's time zone.
function localInput(s) {
  if (!s) return '';
  const d = new Date(s);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

// isoOf is a datetime-local value as an RFC 3339 time ('' for none).
function isoOf(v) {
  if (!v) return '';
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? v : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// kindButtons are the kinds as big buttons; value() is the pressed one.
function kindButtons(kinds, current) {
  let value = current || '';
  const btns = kinds.map((k) => button(kindName(k), { class: 'btn seg program-kind', 'data-kind': k, 'aria-pressed': String(k === value),
    onclick: () => {
      value = k;
      for (const b of btns) b.setAttribute('aria-pressed', String(b.dataset.kind === k));
    } }));
  const el = h('div', { class: 'program-kinds', id: 'program-kind', role: 'group' }, btns);
  return { el, value: () => value };
}

// formPage plans a program, or edits one (p) while it is planned. query may name the incident
// it answers (?incident=<id>).
async function formPage(root, ctx, p, query) {
  const role = ctx.user && ctx.user.role;
  ctx.setTitle(t(p ? 'program.edit_title' : 'program.new_title'));
  root.append(h('p', null, h('a', { href: p ? '#/programs/' + encodeURIComponent(p.id) : '#/programs', id: 'program-back' }, t(p ? 'program.back' : 'programs.back'))),
    h('h1', null, t(p ? 'program.edit_title' : 'program.new_title')));
  if (!mayPlan(role) || (p && !mayManage(role))) {
    root.append(msg(t('error.forbidden'), 'error', { id: 'forbidden' }));
    return;
  }
  const { kinds } = await lists();
  const kind = kindButtons(kinds, p ? p.kind : '');
  const scope = ctx.user.scope;
  let unit = p ? p.unit : null;
  let unitCtl;
  if (p) {
    unitCtl = h('p', { class: 'program-unit-fixed', id: 'program-unit' }, unitName(p.unit));
  } else if (role === 'booth_worker') {
    unit = scope;
    unitCtl = h('p', { class: 'program-unit-fixed', id: 'program-unit' }, scope ? unitName(scope) : '');
  } else {
    const picker = unitPicker({
      id: 'program-unit',
      search: async (q) => (await api.get('/units', { q, limit: 10 })).items,
      label: (u) => `${unitName(u)} · ${t('level.' + u.level, null, u.level)}`,
      onPick: (u) => { unit = u; },
    });
    if (scope) picker.pick(scope);
    unitCtl = picker;
  }
  const title = h('input', { type: 'text', id: 'program-title', maxlength: 200, value: p ? p.title : '', required: true });
  const starts = h('input', { type: 'datetime-local', id: 'program-starts', value: p ? localInput(p.starts_at) : '', required: true });
  const ends = h('input', { type: 'datetime-local', id: 'program-ends', value: p ? localInput(p.ends_at) : '' });
  const place = h('input', { type: 'text', id: 'program-place', maxlength: 200, value: p ? p.place : '' });
  const organiser = h('input', { type: 'text', id: 'program-organiser', maxlength: 200, value: p ? p.organiser : '' });
  const description = h('textarea', { id: 'program-description', rows: 3, maxlength: 5000 });
  description.value = p ? p.description : '';
  let incident = null;
  if (readsIncidents(role)) {
    incident = h('select', { id: 'program-incident' }, h('option', { value: '' }, t('program.no_incident')));
    const want = p ? p.incident_id : query && query.get('incident');
    try {
      const page = await api.get('/incidents', { limit: 50 });
      const items = page.items;
      if (want && !items.some((i) => i.id === want)) {
        try {
          items.unshift(await api.get('/incidents/' + encodeURIComponent(want)));
        } catch (e) {
          // not readable: not offered
        }
      }
      for (const i of items) incident.append(h('option', { value: i.id, selected: i.id === want }, i.title));
    } catch (e) {
      incident = null;
    }
  }
  const save = h('button', { type: 'submit', class: 'btn btn-primary', id: 'program-save' }, t(p ? 'program.save' : 'program.create'));
  const form = h('form', { class: 'form', id: 'program-form', novalidate: true }, formError(),
    field('unit_id', t('program.unit'), unitCtl.input || unitCtl, { control: unitCtl.el || unitCtl }),
    field('kind', t('program.kind'), kind.el),
    field('title', t('program.title_field'), title),
    field('starts_at', t('program.starts_at'), starts),
    field('ends_at', t('program.ends_at'), ends, { hint: t('program.ends_hint') }),
    field('place', t('program.place'), place),
    field('organiser', t('program.organiser'), organiser),
    incident ? field('incident_id', t('program.incident'), incident) : null,
    field('description', t('program.description'), description),
    h('div', { class: 'actions' }, save));
  root.append(h('section', { class: 'card' }, form));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = {
      kind: kind.value(), title: title.value.trim(), starts_at: isoOf(starts.value), ends_at: isoOf(ends.value) || null,
      place: place.value.trim(), organiser: organiser.value.trim(), description: description.value.trim(),
    };
    if (incident) body.incident_id = incident.value || null;
    const local = [];
    if (!p && !unit) local.push({ field: 'unit_id', message: t('program.need_unit'), local: true });
    if (!body.kind) local.push({ field: 'kind', message: t('program.need_kind'), local: true });
    if (!body.title) local.push({ field: 'title', message: t('program.need_title'), local: true });
    if (!body.starts_at) local.push({ field: 'starts_at', message: t('program.need_start'), local: true });
    if (local.length) {
      showErrors(form, { status: 422, fields: local });
      return;
    }
    save.disabled = true;
    try {
      let out;
      if (p) {
        // Only what changed is sent: a change made by someone else to another field stays.
        const patch = {};
        for (const [k, v] of Object.entries(body)) {
          const old = k === 'starts_at' || k === 'ends_at' ? isoOf(localInput(p[k])) || null : p[k];
          if ((v || null) !== (old || null)) patch[k] = v;
        }
        out = Object.keys(patch).length ? await api.patch('/programs/' + encodeURIComponent(p.id), patch, p.version) : p;
      } else {
        if (!body.ends_at) delete body.ends_at;
        if (!body.incident_id) delete body.incident_id;
        out = await api.post('/programs', { unit_id: unit.id, ...body });
      }
      ctx.go('#/programs/' + encodeURIComponent(out.id));
    } catch (err) {
      showErrors(form, err);
    } finally {
      save.disabled = false;
    }
  });
}

async function load(root, id) {
  try {
    return await api.get('/programs/' + encodeURIComponent(id));
  } catch (e) {
    root.append(msg(e.status === 404 ? t('programs.not_found') : errorText(e), 'error', { id: 'program-error' }),
      h('p', null, h('a', { href: '#/programs', id: 'programs-back' }, t('programs.back'))));
    return null;
  }
}

async function editPage(root, ctx, id) {
  const p = await load(root, id);
  if (!p) return;
  if (p.status !== 'planned') {
    root.append(msg(t('program.edit_closed'), 'warn', { id: 'program-edit-closed' }));
    return;
  }
  await formPage(root, ctx, p, null);
}

async function programPage(root, ctx, id) {
  const p = await load(root, id);
  if (!p) return;
  const role = ctx.user && ctx.user.role;
  ctx.setTitle(p.title);
  const incident = p.incident
    ? h('a', { href: '#/incidents/' + encodeURIComponent(p.incident.id), id: 'program-incident-link' }, p.incident.title)
    : p.incident_id ? t('program.incident_hidden') : '';
  root.append(
    h('p', null, h('a', { href: '#/programs', id: 'programs-back' }, t('programs.back'))),
    h('h1', { id: 'program-title' }, p.title),
    h('p', { class: 'committee-status' }, statusChip(p)),
    h('section', { class: 'card', id: 'program-facts' },
      dl([
        [t('program.kind'), kindName(p.kind), 'kind'],
        [t('program.when'), when(p), 'when'],
        [t('program.unit'), unitName(p.unit), 'unit'],
        [t('program.place'), p.place, 'place'],
        [t('program.organiser'), p.organiser, 'organiser'],
        [t('program.incident'), incident, 'incident'],
        [t('program.attendance'), p.attendance === null ? '' : num(p.attendance), 'attendance'],
        [t('program.outcome'), p.outcome, 'outcome'],
        [t('program.created_by'), t('program.by', { by: p.created_by, at: dateTime(p.created_at) }), 'created'],
      ], { id: 'program-dl' }),
      p.description ? h('p', { class: 'incident-text', id: 'program-description' }, p.description) : null));
  const actions = h('div', { class: 'actions', id: 'program-actions' });
  if (mayPlan(role) && p.status !== 'cancelled') {
    const report = reportForm(p, ctx);
    const open = button(t(p.status === 'held' ? 'program.correct' : 'program.report'), { class: 'btn btn-primary', id: 'program-report', onclick: () => {
      open.hidden = true;
      report.hidden = false;
    } });
    actions.append(open);
    root.append(actions, report);
  } else {
    root.append(actions);
  }
  if (mayManage(role) && p.status === 'planned') {
    actions.append(h('a', { class: 'btn', href: '#/programs/' + encodeURIComponent(p.id) + '/edit', id: 'program-edit' }, t('program.edit')));
  }
  if (mayManage(role)) {
    const del = button(t('program.delete'), { class: 'btn', id: 'program-delete', onclick: async () => {
      if (del.dataset.armed !== 'true') {
        del.dataset.armed = 'true';
        del.textContent = t('program.delete_confirm');
        return;
      }
      del.disabled = true;
      try {
        await api.del('/programs/' + encodeURIComponent(p.id), p.version);
        ctx.go('#/programs');
      } catch (e) {
        actions.after(msg(errorText(e), 'error', { id: 'program-delete-error' }));
        del.disabled = false;
      }
    } });
    actions.append(del);
  }
}

// reportForm reports a planned program held (attendance, outcome) or cancelled (the reason, as
// its outcome), or corrects a held one's attendance and outcome; sent with the version the page
// shows, so a report someone else made meanwhile is refused (412) rather than overwritten.
function reportForm(p, ctx) {
  let status = p.status === 'held' ? 'held' : '';
  const attendance = h('input', { type: 'number', id: 'program-attendance', min: 0, max: 1000000, inputmode: 'numeric', value: p.attendance === null ? '' : String(p.attendance) });
  const outcome = h('textarea', { id: 'program-outcome', rows: 3, maxlength: 5000 });
  outcome.value = p.outcome || '';
  const attField = field('attendance', t('program.attendance'), attendance);
  const choose = (s) => {
    status = s;
    for (const b of seg.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.status === s));
    attField.hidden = s !== 'held';
  };
  const seg = h('div', { class: 'segmented', id: 'program-report-status', role: 'group' },
    ['held', 'cancelled'].map((s) => button(t('program_status.' + s), { class: 'btn seg', 'data-status': s, 'aria-pressed': String(s === status), onclick: () => choose(s) })));
  const save = h('button', { type: 'submit', class: 'btn btn-primary', id: 'program-report-save' }, t('program.report_save'));
  const form = h('form', { class: 'form card', id: 'program-report-form', hidden: true, novalidate: true }, formError(),
    p.status === 'held' ? null : field('status', t('program.report_status'), seg),
    attField, field('outcome', t('program.outcome'), outcome),
    h('div', { class: 'actions' }, save));
  attField.hidden = status !== 'held';
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    if (!status) {
      showErrors(form, { status: 422, fields: [{ field: 'status', message: t('program.need_status'), local: true }] });
      return;
    }
    const body = { outcome: outcome.value.trim() };
    if (p.status !== status) body.status = status;
    if (status === 'held') body.attendance = attendance.value === '' ? null : Number(attendance.value);
    save.disabled = true;
    try {
      await api.patch('/programs/' + encodeURIComponent(p.id), body, p.version);
      ctx.go('#/programs/' + encodeURIComponent(p.id), { replace: true });
    } catch (err) {
      showErrors(form, err);
    } finally {
      save.disabled = false;
    }
  });
  return form;
}

// programsAbout is the section of an incident's case page that lists the programs about the
// incident, soonest first, with a link to plan one more.
export function programsAbout(incidentId, ctx) {
  const role = ctx && ctx.user && ctx.user.role;
  const list = h('ul', { class: 'item-list', id: 'incident-programs-list' }, h('li', { class: 'msg' }, t('common.loading')));
  const el = h('section', { class: 'card', id: 'incident-programs' }, h('h2', null, t('programs.about_incident')), list,
    mayPlan(role) ? h('p', null, h('a', { class: 'btn', id: 'incident-plan-program', href: '#/programs/new?incident=' + encodeURIComponent(incidentId) }, t('programs.plan_for_incident'))) : null);
  api.get('/programs', { incident_id: incidentId, limit: PAGE }).then((page) => {
    put(list, ...page.items.map(item));
    if (!page.items.length) list.append(h('li', { class: 'msg', id: 'incident-programs-empty' }, t('programs.none_about_incident')));
  }, (e) => put(list, h('li', { class: 'msg msg-error' }, errorText(e))));
  return el;
}
