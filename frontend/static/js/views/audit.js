// views/audit.js: the audit log inside the user's scope, newest first, with filters by date,
// unit and actor. Each row reads as a sentence in the reader's language — who did what to whom,
// and when — from the row's actor, target and action; the changed fields follow as
// before → after, and the stored record is shown as JSON only on request.

import * as api from '../api.js';
import { t, tn, unitName, dateTime, num } from '../i18n.js';
import { h, put, msg, field, button, moreButton, errorText, unitPicker } from '../ui.js';

const PAGE = 50;

// filter outlives one drawing of the screen, so switching the language keeps it.
const filter = { since: '', under: null, actor: null };

// reset forgets the filter (at logout: the next user has another scope).
export function reset() {
  Object.assign(filter, { since: '', under: null, actor: null });
}

export async function render(root, ctx) {
  ctx.setTitle(t('audit.title'));
  const list = h('ul', { class: 'item-list', id: 'audit-list' });
  const status = h('div', { class: 'list-status' });
  const actorChip = h('div', { class: 'chips', id: 'audit-actor-chip' });
  root.append(h('h1', null, t('audit.title')));

  const since = h('input', { type: 'date', id: 'audit-since', value: filter.since });
  const under = unitPicker({
    id: 'audit-under',
    search: async (q) => (await api.get('/units', { q, limit: 10 })).items,
    label: (u) => `${unitName(u)} · ${t('level.' + u.level, null, u.level)}`,
    onPick: (u) => { filter.under = u; },
  });
  const form = h('form', { class: 'form filters', id: 'audit-filters' },
    field('since', t('audit.since'), since),
    field('under', t('audit.under'), under.input, { control: under.el }),
    actorChip,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary', id: 'audit-apply' }, t('audit.apply'))));
  const details = h('details', { class: 'card', open: !!(filter.since || filter.under || filter.actor) }, h('summary', null, t('audit.filters')), form);
  root.append(details, h('section', { class: 'card' }, list, status));

  let seq = 0;
  const load = async (cursor) => {
    const mine = cursor ? seq : ++seq;
    const q = { limit: PAGE, cursor, since: filter.since, under: filter.under && filter.under.id, actor: filter.actor && filter.actor.id };
    let page;
    try {
      page = await api.get('/audit', q);
    } catch (e) {
      if (mine !== seq) return false;
      put(status, e.status === 404 && !cursor && !filter.under ? msg(t('common.unavailable'), 'warn', { id: 'audit-unavailable' }) : msg(errorText(e), 'error'));
      return false;
    }
    if (mine !== seq) return false;
    for (const it of page.items) list.append(entry(it, setActor));
    if (!list.children.length) list.append(h('li', { class: 'msg', id: 'audit-empty' }, t('audit.none')));
    put(status, page.next_cursor ? moreButton(() => load(page.next_cursor), { id: 'audit-more' }) : '');
    return true;
  };
  const reload = () => {
    put(list);
    put(status, msg(t('common.loading')));
    return load('');
  };
  function setActor(a, quiet) {
    filter.actor = a;
    put(actorChip, a ? h('span', { class: 'chip' }, t('audit.actor_filter', { username: a.username }),
      button('×', { class: 'btn btn-chip', 'aria-label': t('audit.actor_clear'), id: 'audit-actor-clear', onclick: () => setActor(null) })) : '');
    if (a) details.open = true;
    if (!quiet) reload();
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    filter.since = since.value;
    reload();
  });
  if (filter.under) under.pick(filter.under);
  if (filter.actor) setActor(filter.actor, true);
  await reload();
}

// --- Words for the records a row names -------------------------------------------------------

const isRef = (v) => v !== null && typeof v === 'object' && typeof v.kind === 'string' && 'hidden' in v;

// unitWords names a unit: "booth 12 (Gudamba), Lucknow East" — its level, number and name,
// and the assembly constituency it lies in.
function unitWords(u, withinToo = true) {
  if (!u) return t('audit.everywhere');
  if (u.hidden) return t('audit.hidden.unit');
  const level = t('audit_level.' + u.level, null, u.level || '');
  const name = unitName(u) || '';
  let s;
  if (u.number !== undefined && u.number !== null) {
    s = name ? t('audit.unit_numbered', { level, number: u.number, name }) : t('audit.unit_number', { level, number: u.number });
  } else {
    s = t('audit.unit_named', { level, name });
  }
  if (withinToo && u.within && !u.within.hidden) s = t('audit.unit_within', { unit: s, within: unitName(u.within) });
  return s;
}

function personWords(p) {
  if (!p || p.hidden || !p.name) return t('audit.hidden.person');
  return unitName(p);
}

function userWords(u) {
  if (!u || u.hidden || !u.username) return t('audit.hidden.user');
  return u.role ? t('audit.user_role', { username: u.username, role: t('role.' + u.role, null, u.role) }) : u.username;
}

// actorWords names who acted: "Rakesh (District coordinator)", their username when no person
// is linked, "the system" for the installation itself.
function actorWords(it) {
  const a = it.actor || { username: it.actor_username };
  if (!it.actor_id && (!a.username || a.username === 'system')) return t('audit.system');
  const who = unitName({ name: a.name || a.username, name_hi: a.name_hi });
  return a.role ? t('audit.actor_role', { name: who, role: t('role.' + a.role, null, a.role) }) : who;
}

function refWords(r) {
  if (r.kind === 'unit') return unitWords(r, false);
  if (r.kind === 'person') return personWords(r);
  if (r.kind === 'user') return userWords(r);
  return r.hidden ? t('audit.hidden.other') : unitName(r) || '—';
}

// snapshot is a row's stored record as an object ({} when there is none).
function snapshot(v) {
  try {
    return (typeof v === 'string' ? JSON.parse(v) : v) || {};
  } catch (e) {
    return {};
  }
}

// sentence says the row in the reader's language.
function sentence(it) {
  const tg = it.target || { kind: it.entity };
  const p = {
    actor: actorWords(it),
    unit: unitWords(tg.unit),
    person: personWords(tg.person),
    position: tg.position ? t('position.' + tg.position, null, tg.position) : '',
    name: tg.name || '',
    user: userWords(tg),
    created: num(tg.created || 0),
    updated: num(tg.updated || 0),
    rows: num(tg.rows || 0),
  };
  const key = `${it.entity}.${it.action}`;
  if (key === 'user.update' && snapshot(it.after).password_changed) return t('audit_sentence.user.password', p);
  switch (key) {
    case 'unit.create': case 'unit.update': case 'unit.delete':
      return t('audit_sentence.' + key, { ...p, unit: unitWords(tg) });
    case 'person.create': case 'person.update': case 'person.delete':
    case 'person.erase': case 'person.data_export':
      return t('audit_sentence.' + key, { ...p, person: personWords(tg) });
    case 'seat.create': case 'seat.end':
    case 'user.create': case 'user.update': case 'user.deactivate':
    case 'api_token.create': case 'api_token.revoke':
    case 'people.export': case 'incidents.export': case 'representation_targets.update': case 'rollups.verify_fix':
    case 'unit.import': case 'person.import':
      return t('audit_sentence.' + key, p);
    case 'seat.import':
      return tn('audit_sentence.seat.import', tg.created || 0, p);
    case 'assignment.create': case 'assignment.end': case 'assignments.export':
      return t('audit_sentence.' + key, p);
    case 'program.create': case 'program.update': case 'program.delete':
      return t('audit_sentence.' + key, p);
    case 'committee.reconstitute':
      return tn('audit_sentence.committee.reconstitute', tg.rows || 0, { ...p, date: tg.name || '' });
    case 'committee_norm.update':
      return t('audit_sentence.committee_norm.update', { ...p, level: t('level.' + tg.name, null, tg.name || '') });
    case 'program.report':
      return t('audit_sentence.program.report', { ...p, status: t('program_status.' + snapshot(it.after).status, null, '') });
    case 'party.create': case 'party.update': case 'party.delete':
      return t('audit_sentence.' + key, p);
    case 'seat_share.create': case 'seat_share.update': case 'seat_share.delete': {
      const before = snapshot(it.before), after = snapshot(it.after);
      return t('audit_sentence.' + key, { ...p, election: tg.name || after.election || before.election || '',
        party: (key === 'seat_share.delete' ? before.party : after.party) || '', from: before.party || '' });
    }
    case 'seat_shares.export':
      return t('audit_sentence.seat_shares.export', { ...p, election: snapshot(it.after).election || '' });
    // Security events (issue 13): the account they concern is the row's user_id.
    case 'session.login': case 'session.logout': case 'session.revoke': case 'session.reuse': case 'session.sign_out_everywhere': {
      const ref = (it.changes || []).find((c) => c.field === 'user_id');
      const owner = ref && (ref.after || ref.before);
      return t('audit_sentence.' + key, { ...p, name: tg.name || t('audit.unknown_device'),
        owner: owner && typeof owner === 'object' ? userWords(owner) : t('audit.hidden.user'),
        rows: num(snapshot(it.after).sessions || 0) });
    }
    case 'login.login_failed': case 'login.lockout': {
      const reason = snapshot(it.after).reason || '';
      return t('audit_sentence.' + key, { ...p, username: tg.username || it.actor_username || '?',
        reason: t('audit_login_reason.' + reason, null, reason) });
    }
  }
  if (it.action === 'seed') return t('audit_sentence.seed', p);
  return t('audit_sentence.other', { ...p, action: t('action.' + it.action, null, it.action), entity: t('entity.' + it.entity, null, it.entity) });
}

// --- Changed fields ----------------------------------------------------------------------------

const ENUM_FIELDS = { gender: 'gender.', category: 'community.', reserved: 'community.', position: 'position.', level: 'level.', role: 'role.', religion: 'religion.' };

// fieldWords names a field: "population.sc" reads "Population · SC".
function fieldWords(f) {
  if (t('audit_field.' + f, null, '')) return t('audit_field.' + f);
  return f.split('.').map((part) => t('audit_field.' + part, null, '') || t('level.' + part, null, '') || t('group_short.' + part, null, '') || part).join(' · ');
}

function valueWords(f, v) {
  if (v === null || v === undefined || v === '') return '—';
  if (isRef(v)) return refWords(v);
  if (typeof v === 'boolean') return t(v ? 'audit.yes' : 'audit.no');
  if (typeof v === 'number') return f === 'number' || f.endsWith('_year') ? String(v) : num(v);
  const top = f.split('.').pop();
  if (typeof v === 'string' && ENUM_FIELDS[top]) return t(ENUM_FIELDS[top] + v, null, v);
  if (typeof v === 'string' && f === 'expires_at') return dateTime(v);
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

// changes lists the changed fields; a seat's sentence already says all of its fields.
function changes(it) {
  const cs = it.changes || [];
  if (!cs.length || it.entity === 'seat' || it.entity === 'committee') return null;
  return h('ul', { class: 'audit-changes' }, cs.map((c) => h('li', { class: 'audit-change', 'data-field': c.field },
    h('span', { class: 'audit-field' }, fieldWords(c.field) + ':'), ' ',
    c.before === null || c.before === undefined ? null : h('span', { class: 'audit-old' }, valueWords(c.field, c.before)),
    c.before === null || c.before === undefined ? null : h('span', { class: 'audit-arrow', 'aria-label': t('audit.became') }, ' → '),
    h('span', { class: 'audit-new' }, valueWords(c.field, c.after)))));
}

// --- A row -------------------------------------------------------------------------------------

function json(v) {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'string') {
    try {
      return JSON.stringify(JSON.parse(v), null, 2);
    } catch (e) {
      return v;
    }
  }
  return JSON.stringify(v, null, 2);
}

function entry(it, setActor) {
  const raw = h('details', { class: 'audit-raw', id: 'audit-raw-' + it.id },
    h('summary', null, t('audit.show_raw')),
    h('div', { class: 'audit-body' },
      h('div', { class: 'diff' },
        h('div', null, h('h3', null, t('audit.before')), h('pre', { class: 'audit-before' }, json(it.before))),
        h('div', null, h('h3', null, t('audit.after')), h('pre', { class: 'audit-after' }, json(it.after)))),
      h('p', { class: 'item-meta' }, t('audit.request_id'), ': ', h('code', null, it.request_id || '—'))));
  const actions = h('div', { class: 'actions audit-actions' },
    it.unit_id ? h('a', { class: 'btn', href: '#/units/' + encodeURIComponent(it.unit_id) }, t('audit.open_unit')) : null,
    it.actor_id ? button(t('audit.only_actor', { username: it.actor_username }), { class: 'btn audit-filter-actor', onclick: () => setActor({ id: it.actor_id, username: it.actor_username }) }) : null);
  return h('li', { class: 'audit-item', 'data-audit-id': it.id, 'data-action': it.action, 'data-entity': it.entity, 'data-actor': it.actor_username },
    h('p', { class: 'audit-sentence' }, sentence(it), ' ', h('time', { class: 'audit-time', datetime: it.at }, '· ' + dateTime(it.at))),
    changes(it),
    actions.children.length ? actions : null,
    raw);
}
