// views/audit.js: the audit log inside the user's scope, newest first, with filters by date,
// unit and actor; a row opens to show the record before and after the change.

import * as api from '../api.js';
import { t, unitName, dateTime } from '../i18n.js';
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
  const body = h('div', { class: 'audit-body', id: 'audit-body-' + it.id, hidden: true },
    h('div', { class: 'diff' },
      h('div', null, h('h3', null, t('audit.before')), h('pre', { class: 'audit-before' }, json(it.before))),
      h('div', null, h('h3', null, t('audit.after')), h('pre', { class: 'audit-after' }, json(it.after)))),
    h('p', { class: 'item-meta' }, t('audit.request_id'), ': ', h('code', null, it.request_id || '—')),
    h('div', { class: 'actions' },
      it.unit_id ? h('a', { class: 'btn', href: '#/units/' + encodeURIComponent(it.unit_id) }, t('audit.open_unit')) : null,
      it.actor_id ? button(t('audit.only_actor', { username: it.actor_username }), { class: 'btn audit-filter-actor', onclick: () => setActor({ id: it.actor_id, username: it.actor_username }) }) : null));
  const toggle = h('button', { type: 'button', class: 'audit-row', 'aria-expanded': 'false', 'aria-controls': 'audit-body-' + it.id },
    h('span', { class: 'audit-time' }, dateTime(it.at)),
    h('span', { class: 'audit-what' },
      h('span', { class: 'audit-actor' }, it.actor_username || '—'), ' · ',
      h('span', { class: 'audit-action' }, t('action.' + it.action, null, it.action)), ' · ',
      h('span', { class: 'audit-entity' }, t('entity.' + it.entity, null, it.entity) + (it.entity_id ? ' #' + it.entity_id : ''))));
  toggle.addEventListener('click', () => {
    const open = body.hidden;
    body.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
  });
  return h('li', { class: 'audit-item', 'data-audit-id': it.id }, toggle, body);
}
