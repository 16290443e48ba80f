// views/incidents.js: incidents (घटना) inside the user's scope, newest first, with their status
// as a chip and overdue investigations marked, filtered by status chips, kind, community, dates and
// overdue (the filters kept in the hash), and exported as CSV; the form that logs one
// (#/incidents/new); the summary per district (#/incidents/summary); and one incident's case page:
// the facts, and the investigation's timeline step by step (committee, report, forwarding,
// closing), each dated and naming who took it, with the next step as one button. The statuses,
// kinds and communities come from the server's OpenAPI document, never a copy here.
// Every text of the record is set with textContent (h does), never as markup.

import * as api from '../api.js';
import { t, unitName, date, dateTime, num, current as currentLang } from '../i18n.js';
import { h, put, msg, field, moreButton, errorText, dl, button, formError, showErrors, unitPicker, enterSearches } from '../ui.js';
import { name as personName, other as otherName, pickFacts, tags, nearOf } from '../person.js';
import { programsAbout } from './programs.js';

const PAGE = 50;

// FILTERS are the list's filters: kept in the hash (#/incidents?status=…&kind=…), so that a reload
// or a link (from the summary) keeps them.
const FILTERS = ['under', 'status', 'kind', 'affected_group', 'from', 'to', 'overdue'];

// reset: the filters live in the hash, so there is nothing to forget at logout.
export function reset() {}

export async function render(root, ctx) {
  if (ctx.params.page === 'new') return newPage(root, ctx);
  if (ctx.params.page === 'summary') return summaryPage(root, ctx);
  if (ctx.params.id !== undefined) return casePage(root, ctx, ctx.params.id);
  return listPage(root, ctx);
}

// mayLog: the roles that log incidents (coordinators in their district, the state office, admin).
const mayLog = (ctx) => ['admin', 'state_office', 'district_coordinator'].includes(ctx.user && ctx.user.role);

// listHash is the list's hash with the filters f (empty ones left out).
export function listHash(f) {
  const q = new URLSearchParams();
  for (const k of FILTERS) if (f[k]) q.set(k, f[k]);
  const qs = q.toString();
  return '#/incidents' + (qs ? '?' + qs : '');
}

// day formats a date (YYYY-MM-DD): read at noon UTC, it is the same calendar day in every time
// zone a reader may be in.
const day = (d) => (d ? date(d + 'T12:00:00Z') : '');

// enumOf reads an enum the API publishes in its OpenAPI document (once per name).
const enumCache = {};
async function enumOf(name) {
  if (enumCache[name]) return enumCache[name];
  const doc = await api.openapi();
  const s = (doc && doc.components && doc.components.schemas && doc.components.schemas[name]) || {};
  enumCache[name] = (s.enum || []).filter((v) => typeof v === 'string');
  return enumCache[name];
}

// statuses are the incident statuses as the API publishes them, in order.
const statuses = () => enumOf('IncidentStatus');

function statusChip(inc) {
  const done = inc.status === 'forwarded' || inc.status === 'closed';
  return h('span', { class: 'badge ' + (done ? 'badge-ok' : 'badge-off') + ' incident-status', 'data-status': inc.status },
    t('incident_status.' + inc.status, null, inc.status));
}

function overdueChip(inc) {
  return inc.overdue ? h('span', { class: 'status status-warn incident-overdue' }, t('incidents.overdue')) : null;
}

// toggle is a button that is on or off (aria-pressed), for chips and big choice buttons.
function toggle(label, on, attrs = {}) {
  const b = button(label, { 'aria-pressed': on ? 'true' : 'false', ...attrs });
  b.addEventListener('click', () => b.setAttribute('aria-pressed', b.getAttribute('aria-pressed') === 'true' ? 'false' : 'true'));
  return b;
}

// oneOf makes the toggles of a group exclusive: pressing one releases the others.
function oneOf(buttons) {
  for (const b of buttons) {
    b.addEventListener('click', () => {
      for (const o of buttons) if (o !== b) o.setAttribute('aria-pressed', 'false');
    });
  }
  return buttons;
}

const pressed = (buttons) => buttons.filter((b) => b.getAttribute('aria-pressed') === 'true').map((b) => b.value);

// download fetches a CSV with the bearer token (never a token in a URL) and saves it from a blob.
async function download(path, query, name) {
  // A byte-order mark lets Excel read the Devanagari as UTF-8.
  const blob = new Blob(['\ufeff', await api.file(path, query)], { type: 'text/csv' });
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

async function listPage(root, ctx) {
  ctx.setTitle(t('incidents.title'));
  const f = {};
  for (const k of FILTERS) f[k] = (ctx.params.query || {})[k] || '';
  root.append(h('h1', null, t('incidents.title')));
  const actions = h('div', { class: 'actions incident-actions' },
    mayLog(ctx) ? h('a', { class: 'btn btn-primary', href: '#/incidents/new', id: 'incidents-new' }, t('incidents.new')) : null,
    h('a', { class: 'btn', href: '#/incidents/summary', id: 'incidents-summary-link' }, t('incidents.summary')));
  root.append(actions);

  // Status chips: one pressed at most; none is every status.
  const chips = oneOf((await statuses()).map((st) => toggle(t('incident_status.' + st, null, st), f.status === st,
    { class: 'btn chip-toggle incident-status-chip', value: st, 'data-status': st })));
  const kind = h('select', { id: 'incidents-kind' }, h('option', { value: '' }, t('incidents.all')),
    ...(await enumOf('IncidentKind')).map((k) => h('option', { value: k, selected: k === f.kind }, t('incident_kind.' + k, null, k))));
  const group = h('select', { id: 'incidents-group' }, h('option', { value: '' }, t('incidents.all')),
    ...(await enumOf('AffectedGroup')).map((g) => h('option', { value: g, selected: g === f.affected_group }, t('affected_group.' + g, null, g))));
  const from = h('input', { type: 'date', id: 'incidents-from', value: f.from });
  const to = h('input', { type: 'date', id: 'incidents-to', value: f.to });
  const overdue = h('input', { type: 'checkbox', id: 'incidents-overdue', checked: f.overdue === 'true' });
  let underNote = null;
  if (f.under) {
    let unit = null;
    try {
      unit = await api.get('/units/' + encodeURIComponent(f.under));
    } catch (e) {
      // the list below says what is wrong with under=
    }
    underNote = h('p', { class: 'incidents-under', id: 'incidents-under' }, t('incidents.under', { unit: unit ? unitName(unit) : f.under }), ' ',
      h('a', { href: listHash({ ...f, under: '' }), id: 'incidents-under-clear' }, t('incidents.everywhere')));
  }
  const form = h('form', { class: 'form filters', id: 'incidents-filters' },
    underNote,
    h('div', { class: 'field' }, h('p', null, t('incidents.status_filter')), h('div', { class: 'chip-row', id: 'incidents-status-chips' }, ...chips)),
    h('div', { class: 'pair' }, field('kind', t('incident.kind'), kind), field('affected_group', t('incident.groups'), group)),
    h('div', { class: 'pair' }, field('from', t('incidents.from'), from), field('to', t('incidents.to'), to)),
    h('label', { class: 'check' }, overdue, ' ', t('incidents.only_overdue')),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary', id: 'incidents-apply' }, t('incidents.apply'))));
  const list = h('ul', { class: 'item-list', id: 'incidents-list' });
  const status = h('div', { class: 'list-status' });
  const exportStatus = h('div', { class: 'list-status', id: 'incidents-export-status', 'aria-live': 'polite' });
  const query = () => {
    const q = {};
    for (const k of FILTERS) if (f[k]) q[k] = f[k];
    return q;
  };
  const exportBtn = button(t('export.download'), { class: 'btn', id: 'incidents-export', onclick: async () => {
    exportBtn.disabled = true;
    put(exportStatus, msg(t('common.loading')));
    try {
      await download('/exports/incidents.csv', query(), `incidents-${new Date().toISOString().slice(0, 10)}.csv`);
      put(exportStatus, msg(t('export.done'), 'ok', { id: 'incidents-export-ok' }));
    } catch (err) {
      put(exportStatus, msg(errorText(err), 'error'));
    } finally {
      exportBtn.disabled = false;
    }
  } });
  root.append(h('section', { class: 'card' }, form),
    h('section', { class: 'card' }, list, status),
    h('section', { class: 'card', id: 'incidents-export-part' }, h('h2', null, t('export.title')), h('p', { class: 'hint' }, t('incidents.export_hint')), exportBtn, exportStatus));

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    ctx.go(listHash({ under: f.under, status: pressed(chips)[0] || '', kind: kind.value, affected_group: group.value,
      from: from.value, to: to.value, overdue: overdue.checked ? 'true' : '' }));
  });
  const load = async (cursor) => {
    let page;
    try {
      page = await api.get('/incidents', { limit: PAGE, cursor, ...query() });
    } catch (e) {
      put(status, msg(errorText(e), 'error', { id: 'incidents-error' }));
      return false;
    }
    for (const inc of page.items) list.append(item(inc));
    if (!list.children.length) list.append(h('li', { class: 'msg', id: 'incidents-empty' }, t('incidents.none')));
    put(status, page.next_cursor ? moreButton(() => load(page.next_cursor), { id: 'incidents-more' }) : '');
    return true;
  };
  await load();
}

function item(inc) {
  return h('li', { class: 'item incident-item', 'data-id': inc.id },
    h('div', { class: 'item-head' },
      h('a', { class: 'item-title incident-title', href: '#/incidents/' + encodeURIComponent(inc.id) }, inc.title),
      statusChip(inc)),
    h('p', { class: 'item-meta' }, day(inc.occurred_on), ' · ', inc.place, ' · ', unitName(inc.unit), ' ', overdueChip(inc)));
}

// LEVELS are the levels an incident is logged at: a district or below.
const LEVELS = ['district', 'assembly', 'sector', 'booth'];

// newPage is the form that logs an incident: where (a unit of the caller's scope, a district or
// below), when, the place, what happened, its kind (big buttons), the communities affected
// (toggle chips) and the victims' count. 201 opens the case page.
async function newPage(root, ctx) {
  ctx.setTitle(t('incident_new.title'));
  root.append(h('p', null, h('a', { href: '#/incidents', id: 'incidents-back' }, t('incidents.back'))), h('h1', null, t('incident_new.title')));
  if (!mayLog(ctx)) {
    root.append(msg(t('error.forbidden'), 'error', { id: 'forbidden' }));
    return;
  }
  let unit = null;
  const picker = unitPicker({
    id: 'incident-unit',
    search: async (q) => (await api.get('/units', { q, limit: 20 })).items.filter((u) => LEVELS.includes(u.level)),
    label: (u) => unitName(u) + ' · ' + t('level.' + u.level, null, u.level),
    onPick: (u) => { unit = u; },
  });
  const today = new Date().toLocaleDateString('en-CA', { timeZone: 'Asia/Kolkata' });
  const occurred = h('input', { type: 'date', id: 'incident-occurred-on', max: today, value: today });
  const place = h('input', { type: 'text', id: 'incident-place', maxlength: 200, autocomplete: 'off' });
  const title = h('input', { type: 'text', id: 'incident-title-input', maxlength: 200, autocomplete: 'off' });
  const description = h('textarea', { id: 'incident-description-input', rows: 5, maxlength: 20000 });
  const kinds = oneOf((await enumOf('IncidentKind')).map((k) => toggle(t('incident_kind.' + k, null, k), false,
    { class: 'btn btn-big incident-kind', value: k, id: 'incident-kind-' + k })));
  const groups = (await enumOf('AffectedGroup')).map((g) => toggle(t('affected_group.' + g, null, g), false,
    { class: 'btn chip-toggle incident-group', value: g, id: 'incident-group-' + g }));
  const victims = h('input', { type: 'number', id: 'incident-victims', min: 0, inputmode: 'numeric' });
  const kindBox = h('div', { class: 'big-choices', id: 'incident-kinds', role: 'group' }, ...kinds);
  const groupBox = h('div', { class: 'chip-row', id: 'incident-groups', role: 'group' }, ...groups);
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'incident-save' }, t('incident_new.save'));
  const form = h('form', { class: 'form', id: 'incident-form', novalidate: true }, formError(),
    field('unit_id', t('incident_new.unit'), picker.input, { control: picker.el, hint: t('incident_new.unit_hint') }),
    field('occurred_on', t('incident.occurred_on'), occurred),
    field('place', t('incident.place'), place),
    field('title', t('incident_new.what'), title),
    field('description', t('incident_new.description'), description),
    field('kind', t('incident.kind'), h('input', { type: 'hidden', id: 'incident-kind' }), { control: kindBox }),
    field('affected_groups', t('incident.groups'), h('input', { type: 'hidden', id: 'incident-groups-input' }), { control: groupBox }),
    field('victims', t('incident.victims'), victims),
    h('div', { class: 'actions' }, submit));
  root.append(h('section', { class: 'card' }, form));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    const body = { unit_id: unit ? unit.id : null, occurred_on: occurred.value, place: place.value, title: title.value,
      description: description.value, kind: pressed(kinds)[0] || '', affected_groups: pressed(groups),
      victims: victims.value === '' ? null : Number(victims.value) };
    let inc;
    try {
      inc = await api.post('/incidents', body);
    } catch (err) {
      submit.disabled = false;
      showErrors(form, err, t('incident_new.failed'));
      return;
    }
    ctx.go('#/incidents/' + encodeURIComponent(inc.id));
  });
}

// summaryPage is the table of districts: open, overdue and forwarded-this-month incidents of
// each, the district linking to its list and the overdue count to its overdue cases.
async function summaryPage(root, ctx) {
  ctx.setTitle(t('summary.title'));
  root.append(h('p', null, h('a', { href: '#/incidents', id: 'incidents-back' }, t('incidents.back'))), h('h1', null, t('summary.title')));
  const under = (ctx.params.query || {}).under;
  let page;
  try {
    page = await api.get('/incidents/summary', under ? { under } : {});
  } catch (e) {
    root.append(msg(errorText(e), 'error', { id: 'summary-error' }));
    return;
  }
  if (!page.items.length) {
    root.append(msg(t('summary.none'), '', { id: 'summary-none' }));
    return;
  }
  const total = (k) => page.items.reduce((n, d) => n + d[k], 0);
  const cell = (n, href, cls) => h('td', { class: 'num ' + cls }, n && href ? h('a', { href }, num(n)) : num(n));
  const rows = page.items.map((d) => h('tr', { class: 'summary-row', 'data-unit': d.unit_id, 'data-code': d.code },
    h('th', { scope: 'row' }, h('a', { class: 'summary-district', href: listHash({ under: d.unit_id }) }, unitName(d)),
      h('span', { class: 'summary-statuses hint' }, [
        [t('incident_status.reported'), d.reported], [t('incident_status.committee_formed'), d.committee_formed],
        [t('incident_status.report_submitted'), d.report_submitted], [t('incident_status.forwarded'), d.forwarded],
        [t('incident_status.closed'), d.closed]].filter(([, n]) => n).map(([l, n]) => l + ' ' + num(n)).join(' · '))),
    cell(d.open, listHash({ under: d.unit_id }), 'summary-open'),
    cell(d.overdue, listHash({ under: d.unit_id, overdue: 'true' }), 'summary-overdue' + (d.overdue ? ' is-overdue' : '')),
    cell(d.forwarded_this_month, '', 'summary-forwarded')));
  root.append(h('section', { class: 'card' },
    h('p', { class: 'hint' }, t('summary.hint')),
    h('table', { class: 'summary-table', id: 'summary-table' },
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('summary.district')), h('th', { scope: 'col', class: 'num' }, t('summary.open')),
        h('th', { scope: 'col', class: 'num' }, t('summary.overdue')), h('th', { scope: 'col', class: 'num' }, t('summary.forwarded_this_month')))),
      h('tbody', null, ...rows),
      page.items.length > 1 ? h('tfoot', null, h('tr', { id: 'summary-total' }, h('th', { scope: 'row' }, t('summary.total')),
        h('td', { class: 'num' }, num(total('open'))), h('td', { class: 'num' }, num(total('overdue'))), h('td', { class: 'num' }, num(total('forwarded_this_month'))))) : null)));
}

async function casePage(root, ctx, id) {
  let inc;
  try {
    inc = await api.get('/incidents/' + encodeURIComponent(id));
  } catch (e) {
    root.append(msg(e.status === 404 ? t('incidents.not_found') : errorText(e), 'error', { id: 'incident-error' }));
    return;
  }
  ctx.setTitle(inc.title);
  root.append(
    h('p', null, h('a', { href: '#/incidents', id: 'incidents-back' }, t('incidents.back'))),
    h('h1', { id: 'incident-title' }, inc.title),
    h('p', { class: 'committee-status' }, statusChip(inc), overdueChip(inc)),
    h('section', { class: 'card', id: 'incident-facts' },
      dl([
        [t('incident.occurred_on'), day(inc.occurred_on)],
        [t('incident.place'), inc.place],
        [t('incident.unit'), unitName(inc.unit)],
        [t('incident.kind'), t('incident_kind.' + inc.kind, null, inc.kind)],
        [t('incident.groups'), inc.affected_groups.map((g) => t('affected_group.' + g, null, g)).join(', ') || '—'],
        [t('incident.victims'), inc.victims === null ? '—' : num(inc.victims)],
      ]),
      inc.description ? h('p', { class: 'incident-text', id: 'incident-description' }, inc.description) : null),
    h('section', { class: 'card' }, h('h2', null, t('incident.timeline')), timeline(inc)),
    memorandum(inc));
  const role = ctx.user && ctx.user.role;
  if ((role === 'admin' || role === 'state_office') && inc.status !== 'closed') {
    root.append(await nextStep(inc, ctx));
  }
  root.append(programsAbout(inc.id, ctx));
}

// memorandum offers, once the committee has reported, the memorandum (ज्ञापन) to the Governor and
// to the District Magistrate in the current language. It is fetched with the bearer token (never
// a token in a URL) and opened from a blob: URL in a new tab, to be printed or saved as PDF there;
// that page inherits the app's CSP, which allows the memorandum's one stylesheet by its hash.
function memorandum(inc) {
  if (!inc.report) return null;
  const status = h('div', { class: 'memo-status', id: 'memo-status' });
  const open = async (to, btn) => {
    btn.disabled = true;
    put(status);
    try {
      const blob = await api.file('/incidents/' + encodeURIComponent(inc.id) + '/memorandum', { lang: currentLang(), to });
      const url = URL.createObjectURL(new Blob([blob], { type: 'text/html;charset=utf-8' }));
      const w = window.open(url, '_blank');
      // A blocked pop-up: the same page behind a link the user opens.
      put(status, w ? null : h('a', { href: url, target: '_blank', id: 'memo-link' }, t('memo.open')));
      setTimeout(() => URL.revokeObjectURL(url), 5 * 60 * 1000);
    } catch (e) {
      put(status, msg(errorText(e), 'error', { id: 'memo-error' }));
    } finally {
      btn.disabled = false;
    }
  };
  const governor = button(t('memo.governor'), { class: 'btn', id: 'memo-governor', onclick: () => open('governor', governor) });
  const dm = button(t('memo.dm'), { class: 'btn', id: 'memo-dm', onclick: () => open('dm', dm) });
  return h('section', { class: 'card', id: 'incident-memo' }, h('h2', null, t('memo.title')),
    h('p', { class: 'hint' }, t('memo.hint')), h('div', { class: 'actions' }, governor, dm), status);
}

// NEXT names, for each status, the step that follows it and the path it is posted to.
const NEXT = { reported: 'committee', committee_formed: 'report', report_submitted: 'forward', forwarded: 'close' };

// nextStep is the button that opens the form of the investigation's next step (the state
// office's), and the form. The step is sent with the version the page shows, so a step someone
// else took meanwhile is refused (412) rather than taken twice.
async function nextStep(inc, ctx) {
  const step = NEXT[inc.status];
  const box = h('section', { class: 'card', id: 'incident-next-step' });
  const form = h('form', { class: 'form', id: 'incident-step-form', hidden: true, 'data-step': step }, formError());
  const open = button(t('incident_next.' + step), { class: 'btn btn-primary', id: 'incident-next', onclick: () => {
    open.hidden = true;
    form.hidden = false;
  } });
  const dateInput = (id) => h('input', { type: 'date', id });
  const area = (id) => h('textarea', { id, rows: 4 });
  let read;
  if (step === 'committee') {
    const chosen = [];
    const list = h('ul', { class: 'item-list', id: 'incident-members-chosen' });
    const results = h('ul', { class: 'picker-results', id: 'incident-member-results' });
    const search = h('input', { type: 'search', id: 'incident-member-search', autocomplete: 'off', enterkeyhint: 'search', maxlength: 100 });
    const drawChosen = () => {
      put(list, ...chosen.map((p, i) => h('li', { class: 'item', 'data-person': p.id },
        h('label', null, h('input', { type: 'radio', name: 'convener', value: p.id, checked: i === 0, class: 'incident-convener' }), ' ',
          personName(p), otherName(p) ? ' · ' + otherName(p) : '', ' ', ...pickFacts(p).filter(Boolean).slice(0, 2)),
        button(t('incident.remove'), { class: 'btn btn-link', onclick: () => {
          chosen.splice(chosen.indexOf(p), 1);
          drawChosen();
        } }))));
    };
    let seq = 0;
    const run = async () => {
      const q = search.value.trim();
      const mine = ++seq;
      if (!q) return put(results);
      put(results, h('li', { class: 'msg' }, t('common.loading')));
      let page;
      try {
        // near: the people of the incident's own booth, sector or assembly first.
        page = await api.get('/people', { q, near: nearOf(inc.unit), limit: 10 });
      } catch (e) {
        if (mine === seq) put(results, h('li', { class: 'msg msg-error' }, errorText(e)));
        return;
      }
      if (mine !== seq) return;
      // Each result names the facts that tell namesakes apart: home unit, age, phone, seats.
      put(results, ...page.items.map((p) => {
        const taken = chosen.some((c) => c.id === p.id);
        return h('li', null, button([h('span', { class: 'pick-name' }, personName(p), otherName(p) ? ' · ' + otherName(p) : ''),
          ...pickFacts(p), tags(p)], { class: 'btn btn-pick person-pick', 'data-person-id': p.id, disabled: taken, onclick: () => {
          chosen.push(p);
          put(results);
          search.value = '';
          drawChosen();
        } }));
      }));
      if (!page.items.length) results.append(h('li', { class: 'msg', id: 'incident-member-none' }, t('search.none')));
    };
    let timer;
    search.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(run, 300);
    });
    // Enter searches; it never sends the committee form.
    enterSearches(search, () => {
      clearTimeout(timer);
      run();
    });
    const searchRow = h('div', { class: 'search' }, search, button(t('search.submit'), { class: 'btn', id: 'incident-member-find', onclick: () => run() }));
    const formed = dateInput('incident-formed-on');
    form.append(field('member_ids', t('incident.members'), search, { control: h('div', { class: 'picker' }, searchRow, results), hint: t('incident.members_hint') }),
      list, field('formed_on', t('incident.formed_on'), formed));
    read = () => {
      const convener = form.querySelector('.incident-convener:checked');
      return { member_ids: chosen.map((p) => p.id), convener_id: convener ? convener.value : null, formed_on: formed.value || undefined };
    };
  } else if (step === 'report') {
    const visited = dateInput('incident-visited-on');
    const findings = area('incident-findings-input');
    const recs = area('incident-recommendations-input');
    const att = area('incident-attachments-input');
    form.append(field('visited_on', t('incident.visited_on'), visited), field('findings', t('incident.findings'), findings),
      field('recommendations', t('incident.recommendations'), recs), field('attachments', t('incident.attachments'), att));
    read = () => ({ visited_on: visited.value, findings: findings.value, recommendations: recs.value, attachments: att.value });
  } else if (step === 'forward') {
    const targets = await forwardTargets();
    const boxes = targets.map((x) => h('label', { class: 'check' }, h('input', { type: 'checkbox', value: x, class: 'incident-forward-to', id: 'incident-forward-' + x }), ' ', t('forward_to.' + x, null, x)));
    const on = dateInput('incident-forwarded-on');
    const ref = h('input', { type: 'text', id: 'incident-letter-ref', maxlength: 100 });
    form.append(h('div', { class: 'field' }, h('p', null, t('incident.forward_to')), ...boxes,
      h('p', { class: 'field-error', 'data-field': 'to', role: 'alert' })),
    field('forwarded_on', t('incident.forwarded_on'), on), field('letter_ref', t('incident.letter_ref'), ref));
    read = () => ({ to: Array.from(form.querySelectorAll('.incident-forward-to:checked')).map((c) => c.value), forwarded_on: on.value, letter_ref: ref.value });
  } else {
    const outcome = area('incident-outcome');
    const on = dateInput('incident-closed-on');
    form.append(field('outcome', t('incident.outcome'), outcome), field('closed_on', t('incident.closed_on'), on));
    read = () => ({ outcome: outcome.value, closed_on: on.value || undefined });
  }
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'incident-step-submit' }, t('incident_next.' + step));
  form.append(h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    try {
      await api.postIf('/incidents/' + encodeURIComponent(inc.id) + '/' + step, read(), inc.version);
    } catch (err) {
      submit.disabled = false;
      showErrors(form, err, t('incident.step_failed'));
      return;
    }
    ctx.go('#/incidents/' + encodeURIComponent(inc.id));
  });
  box.append(open, form);
  return box;
}

// forwardTargets are whom a report may go to, as the API publishes them.
const forwardTargets = () => enumOf('ForwardTarget');

// timeline lists the steps taken, oldest first.
function timeline(inc) {
  const by = (s) => h('p', { class: 'item-meta' }, t('incident.by', { by: s.by, at: dateTime(s.at) }));
  const steps = [h('li', { class: 'item incident-step', 'data-step': 'reported' },
    h('p', { class: 'item-title' }, t('incident_status.reported')),
    h('p', { class: 'item-meta' }, t('incident.by', { by: inc.created_by, at: dateTime(inc.created_at) })))];
  const c = inc.committee;
  if (c) {
    steps.push(h('li', { class: 'item incident-step', 'data-step': 'committee_formed' },
      h('p', { class: 'item-title' }, t('incident.step_committee', { date: day(c.formed_on) })),
      h('ul', { class: 'incident-members' }, ...c.members.map((m) => h('li', { 'data-person': m.person_id },
        [m.name_hi, m.name].filter(Boolean).join(' · '), m.convener ? ' — ' + t('incident.convener') : ''))),
      by(c)));
  }
  const r = inc.report;
  if (r) {
    steps.push(h('li', { class: 'item incident-step', 'data-step': 'report_submitted' },
      h('p', { class: 'item-title' }, t('incident.step_report', { date: day(r.submitted_on), visited: day(r.visited_on) })),
      h('h3', null, t('incident.findings')), h('p', { class: 'incident-text', id: 'incident-findings' }, r.findings),
      r.recommendations ? h('h3', null, t('incident.recommendations')) : null,
      r.recommendations ? h('p', { class: 'incident-text', id: 'incident-recommendations' }, r.recommendations) : null,
      r.attachments ? h('p', { class: 'incident-text' }, t('incident.attachments'), ': ', r.attachments) : null,
      by(r)));
  }
  const f = inc.forward;
  if (f) {
    steps.push(h('li', { class: 'item incident-step', 'data-step': 'forwarded' },
      h('p', { class: 'item-title' }, t('incident.step_forward', { date: day(f.forwarded_on), to: f.to.map((x) => t('forward_to.' + x, null, x)).join(', ') })),
      f.letter_ref ? h('p', null, t('incident.letter_ref'), ': ', f.letter_ref) : null,
      by(f)));
  }
  const cl = inc.closure;
  if (cl) {
    steps.push(h('li', { class: 'item incident-step', 'data-step': 'closed' },
      h('p', { class: 'item-title' }, t('incident.step_close', { date: day(cl.closed_on) })),
      h('p', { class: 'incident-text' }, cl.outcome),
      by(cl)));
  }
  return h('ol', { class: 'item-list', id: 'incident-timeline' }, ...steps);
}
