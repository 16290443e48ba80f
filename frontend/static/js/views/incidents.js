// views/incidents.js: incidents (घटना) inside the user's scope, newest first, with their status
// as a chip and overdue investigations marked; and one incident's case page: the facts, and the
// investigation's timeline step by step (committee, report, forwarding, closing), each dated and
// naming who took it. The statuses come from the server's OpenAPI document, never a copy here.
// Every text of the record is set with textContent (h does), never as markup.

import * as api from '../api.js';
import { t, unitName, date, dateTime, num } from '../i18n.js';
import { h, put, msg, field, moreButton, errorText, dl } from '../ui.js';

const PAGE = 50;

// filter outlives one drawing of the list, so switching the language keeps it.
const filter = { status: '', overdue: false };

// reset forgets the filter (at logout).
export function reset() {
  Object.assign(filter, { status: '', overdue: false });
}

export async function render(root, ctx) {
  if (ctx.params.id !== undefined) return casePage(root, ctx, ctx.params.id);
  return listPage(root, ctx);
}

// day formats a date (YYYY-MM-DD): read at noon UTC, it is the same calendar day in every time
// zone a reader may be in.
const day = (d) => (d ? date(d + 'T12:00:00Z') : '');

let statusList = null;

// statuses are the incident statuses as the API publishes them, in order (read once).
async function statuses() {
  if (statusList) return statusList;
  const doc = await api.openapi();
  const s = (doc && doc.components && doc.components.schemas && doc.components.schemas.IncidentStatus) || {};
  statusList = (s.enum || []).filter((v) => typeof v === 'string');
  return statusList;
}

function statusChip(inc) {
  const done = inc.status === 'forwarded' || inc.status === 'closed';
  return h('span', { class: 'badge ' + (done ? 'badge-ok' : 'badge-off') + ' incident-status', 'data-status': inc.status },
    t('incident_status.' + inc.status, null, inc.status));
}

function overdueChip(inc) {
  return inc.overdue ? h('span', { class: 'status status-warn incident-overdue' }, t('incidents.overdue')) : null;
}

async function listPage(root, ctx) {
  ctx.setTitle(t('incidents.title'));
  root.append(h('h1', null, t('incidents.title')));
  const list = h('ul', { class: 'item-list', id: 'incidents-list' });
  const status = h('div', { class: 'list-status' });
  const select = h('select', { id: 'incidents-status' }, h('option', { value: '' }, t('incidents.all')));
  for (const s of await statuses()) select.append(h('option', { value: s, selected: s === filter.status }, t('incident_status.' + s, null, s)));
  const overdue = h('input', { type: 'checkbox', id: 'incidents-overdue', checked: filter.overdue });
  const form = h('form', { class: 'form filters', id: 'incidents-filters' },
    field('status', t('incidents.status_filter'), select),
    h('label', { class: 'check' }, overdue, ' ', t('incidents.only_overdue')),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary', id: 'incidents-apply' }, t('incidents.apply'))));
  root.append(h('section', { class: 'card' }, form), h('section', { class: 'card' }, list, status));

  let seq = 0;
  const load = async (cursor) => {
    const mine = cursor ? seq : ++seq;
    const q = { limit: PAGE, cursor, status: filter.status, overdue: filter.overdue ? 'true' : '' };
    let page;
    try {
      page = await api.get('/incidents', q);
    } catch (e) {
      if (mine !== seq) return false;
      put(status, msg(errorText(e), 'error'));
      return false;
    }
    if (mine !== seq) return false;
    for (const inc of page.items) list.append(item(inc));
    if (!list.children.length) list.append(h('li', { class: 'msg', id: 'incidents-empty' }, t('incidents.none')));
    put(status, page.next_cursor ? moreButton(() => load(page.next_cursor), { id: 'incidents-more' }) : '');
    return true;
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    filter.status = select.value;
    filter.overdue = overdue.checked;
    put(list);
    put(status);
    load();
  });
  await load();
}

function item(inc) {
  return h('li', { class: 'item incident-item', 'data-id': inc.id },
    h('div', { class: 'item-head' },
      h('a', { class: 'item-title incident-title', href: '#/incidents/' + encodeURIComponent(inc.id) }, inc.title),
      statusChip(inc)),
    h('p', { class: 'item-meta' }, day(inc.occurred_on), ' · ', inc.place, ' · ', unitName(inc.unit), ' ', overdueChip(inc)));
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
    h('section', { class: 'card' }, h('h2', null, t('incident.timeline')), timeline(inc)));
}

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
