// views/incidents.js: incidents (घटना) inside the user's scope, newest first, with their status
// as a chip and overdue investigations marked; and one incident's case page: the facts, and the
// investigation's timeline step by step (committee, report, forwarding, closing), each dated and
// naming who took it. The statuses come from the server's OpenAPI document, never a copy here.
// Every text of the record is set with textContent (h does), never as markup.

import * as api from '../api.js';
import { t, unitName, date, dateTime, num, current as currentLang } from '../i18n.js';
import { h, put, msg, field, moreButton, errorText, dl, button, formError, showErrors } from '../ui.js';
import { name as personName, other as otherName, pickFacts } from '../person.js';

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
    h('section', { class: 'card' }, h('h2', null, t('incident.timeline')), timeline(inc)),
    memorandum(inc));
  const role = ctx.user && ctx.user.role;
  if ((role === 'admin' || role === 'state_office') && inc.status !== 'closed') {
    root.append(await nextStep(inc, ctx));
  }
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
    // form: a name of no form, so that Enter in the search box searches and never submits the step.
    const search = h('input', { type: 'search', id: 'incident-member-search', autocomplete: 'off', enterkeyhint: 'search', form: 'incident-member-search-only' });
    const drawChosen = () => {
      put(list, ...chosen.map((p, i) => h('li', { class: 'item', 'data-person': p.id },
        h('label', null, h('input', { type: 'radio', name: 'convener', value: p.id, checked: i === 0, class: 'incident-convener' }), ' ',
          personName(p), otherName(p) ? ' · ' + otherName(p) : ''),
        button(t('incident.remove'), { class: 'btn btn-link', onclick: () => {
          chosen.splice(chosen.indexOf(p), 1);
          drawChosen();
        } }))));
    };
    const run = async () => {
      const q = search.value.trim();
      if (!q) return put(results);
      let page;
      try {
        page = await api.get('/people', { q, limit: 10 });
      } catch (e) {
        return put(results, h('li', { class: 'msg msg-error' }, errorText(e)));
      }
      put(results, ...page.items.map((p) => h('li', null, button('', { class: 'btn btn-pick', 'data-person-id': p.id, onclick: () => {
        if (!chosen.some((c) => c.id === p.id)) chosen.push(p);
        put(results);
        search.value = '';
        drawChosen();
      } }))));
      page.items.forEach((p, i) => results.children[i].firstChild.append(
        h('span', { class: 'pick-name' }, personName(p), otherName(p) ? ' · ' + otherName(p) : ''), ...pickFacts(p).filter(Boolean)));
      if (!page.items.length) results.append(h('li', { class: 'msg' }, t('search.none')));
    };
    search.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        run();
      }
    });
    const formed = dateInput('incident-formed-on');
    form.append(field('member_ids', t('incident.members'), search, { control: h('div', { class: 'picker' }, search, results), hint: t('incident.members_hint') }),
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

let targetList = null;

// forwardTargets are whom a report may go to, as the API publishes them (read once).
async function forwardTargets() {
  if (targetList) return targetList;
  const doc = await api.openapi();
  const s = (doc && doc.components && doc.components.schemas && doc.components.schemas.ForwardTarget) || {};
  targetList = (s.enum || []).filter((v) => typeof v === 'string');
  return targetList;
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
