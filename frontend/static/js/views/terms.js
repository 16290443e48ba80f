// views/terms.js: #/committees/due — the committees inside the user's area whose term (कार्यकाल)
// has ended or ends within 90 days, most overdue first: the unit, the day the term ended or ends,
// the days left (or past) and the seats. Managers reconstitute one (पुनर्गठन) from its row: a day
// (today unless changed) and a confirmation that every current seat ends on it; the committee then
// leaves the list and its old seats stay in its history. Every text of a record is set with
// textContent (h does), never as markup.

import * as api from '../api.js';
import { t, tn, unitName, num, current } from '../i18n.js';
import { canManagePeople } from '../roles.js';
import { h, put, msg, button, moreButton, errorText } from '../ui.js';

const PAGE = 50;

// todayIndia is today's date in India (the server checks the day in India time), YYYY-MM-DD.
function todayIndia() {
  return new Date(Date.now() + 330 * 60000).toISOString().slice(0, 10);
}

// day formats a calendar date (YYYY-MM-DD) without moving it by the reader's time zone.
export function day(d) {
  const [y, m, dd] = String(d || '').split('-').map(Number);
  if (!y || !m || !dd) return d || '';
  const loc = current() === 'hi' ? 'hi-IN' : 'en-IN';
  return new Intl.DateTimeFormat(loc, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, dd)));
}

export async function render(root, ctx) {
  ctx.setTitle(t('terms.title'));
  const writable = canManagePeople(ctx.user && ctx.user.role);
  const list = h('ul', { class: 'item-list', id: 'terms-list' });
  const status = h('div', { class: 'list-status' });
  root.append(h('h1', null, t('terms.title')), h('p', { class: 'hint' }, t('terms.intro')),
    h('section', { class: 'card' }, list, status));

  const more = async (cursor) => {
    let page;
    try {
      page = await api.get('/committees/due', { within_days: 90, limit: PAGE, cursor });
    } catch (e) {
      put(status, msg(errorText(e), 'error', { id: 'terms-error' }));
      return;
    }
    for (const it of page.items) list.append(row(it, writable));
    if (!list.children.length) list.append(h('li', { class: 'msg', id: 'terms-empty' }, t('terms.none')));
    put(status, page.next_cursor ? moreButton(() => more(page.next_cursor), { id: 'terms-more' }) : '');
  };
  put(status, msg(t('common.loading')));
  await more('');
}

// row is one due committee with its one action.
function row(it, writable) {
  const ended = it.days_left < 0;
  const li = h('li', { class: 'item term-item', 'data-unit-id': it.unit_id, 'data-days-left': String(it.days_left) });
  const when = ended ? t('terms.ended_on', { date: day(it.term_ends_on) }) : t('terms.ends_on', { date: day(it.term_ends_on) });
  const left = ended ? tn('terms.days_past', -it.days_left) : tn('terms.days_left', it.days_left);
  const actions = h('div', { class: 'actions term-actions' });
  put(li,
    h('div', { class: 'item-head' },
      h('a', { class: 'item-title term-unit', href: '#/units/' + encodeURIComponent(it.unit_id) }, unitName(it.unit)),
      h('span', { class: 'badge ' + (ended ? 'badge-off' : 'badge-plan') + ' term-left' }, left)),
    h('p', { class: 'item-meta' }, t('level.' + it.unit.level, null, it.unit.level), ' · ', when, ' · ', tn('terms.seats', it.seats, { n: num(it.seats) })),
    writable ? actions : null);
  if (!writable) return li;

  const open = () => {
    const on = h('input', { type: 'date', class: 'term-on', max: todayIndia(), min: it.term_started_on, value: todayIndia(), required: true,
      'aria-label': t('terms.on') });
    const err = h('div', { class: 'term-error', role: 'alert' });
    const box = h('div', { class: 'confirm term-confirm', role: 'alertdialog', 'aria-label': t('terms.reconstitute') },
      h('label', { class: 'field' }, h('span', { class: 'label' }, t('terms.on')), on),
      h('p', null, tn('terms.confirm', it.seats, { n: num(it.seats), unit: unitName(it.unit) })),
      err,
      h('div', { class: 'actions' },
        button(t('terms.reconstitute_yes'), { class: 'btn btn-danger term-yes', onclick: async (e) => {
          const yes = e.currentTarget;
          yes.disabled = true;
          put(err);
          try {
            await api.postIf(`/units/${encodeURIComponent(it.unit_id)}/committee/reconstitute`, { on: on.value }, it.version);
          } catch (ex) {
            put(err, msg(errorText(ex), 'error'));
            yes.disabled = false;
            return;
          }
          // Reconstituted: the committee leaves the list.
          const parent = li.parentElement;
          li.remove();
          if (parent && !parent.children.length) parent.append(h('li', { class: 'msg', id: 'terms-empty' }, t('terms.none')));
          const done = document.getElementById('terms-done');
          if (done) done.remove();
          if (parent) parent.before(msg(t('terms.done', { unit: unitName(it.unit) }), 'ok', { id: 'terms-done', role: 'status' }));
        } }),
        button(t('common.cancel'), { class: 'btn btn-quiet term-no', onclick: () => { box.remove(); put(actions, start); } })));
    put(actions, box);
    on.focus();
  };
  const start = button(t('terms.reconstitute'), { class: 'btn term-reconstitute', onclick: open });
  put(actions, start);
  return li;
}
