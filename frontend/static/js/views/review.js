// views/review.js: the review queue of reports from the public (#/incident-reports), for the
// state office and admins. A report's text is shown as text (links and markup stay characters),
// with district, date and contact; a pending report is accepted as an incident or dismissed.

import * as api from '../api.js';
import { t, unitName, date } from '../i18n.js';
import { h, field, formError, showErrors, msg, errorText, button, moreButton, unitPicker } from '../ui.js';
import { href } from '../router.js';

const day = (d) => (d ? date(d + 'T12:00:00Z') : '');
let en = null;
let status = 'pending';

// reset forgets the filter at logout.
export function reset() {
  status = 'pending';
}

export async function render(root, ctx) {
  ctx.setTitle(t('review.title'));
  if (!en) {
    // The lists as the API publishes them.
    const sc = (await api.openapi()).components.schemas;
    en = Object.fromEntries(['PublicReportStatus', 'IncidentKind', 'AffectedGroup'].map((n) => [n, sc[n].enum]));
  }
  const select = h('select', { id: 'review-status' },
    ...en.PublicReportStatus.map((s) => h('option', { value: s, selected: s === status }, t('review_status.' + s, null, s))));
  const list = h('ul', { class: 'item-list', id: 'review-list' });
  const foot = h('div', { class: 'list-status' });
  let cursor = null;
  async function load(more) {
    const page = await api.get('/incident-reports', { status, cursor: more ? cursor : undefined });
    if (!more) list.replaceChildren();
    list.append(...page.items.map(item));
    cursor = page.next_cursor;
    foot.replaceChildren(list.children.length ? '' : msg(t('review.none'), '', { id: 'review-empty' }),
      cursor ? moreButton(() => load(true), { id: 'review-more' }) : '');
  }
  const filters = h('form', { class: 'form filters', id: 'review-filters' }, field('status', t('incidents.status_filter'), select),
    h('button', { type: 'submit', class: 'btn', id: 'review-apply' }, t('incidents.apply')));
  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    status = select.value;
    load(false).catch((err) => foot.replaceChildren(msg(errorText(err), 'error')));
  });
  root.append(h('h1', null, t('review.title')), filters, list, foot);
  await load(false);
}

// item is one report: its text as text, where and when, the contact, and the decision.
function item(r) {
  const li = h('li', { class: 'item review-item', 'data-id': r.id, 'data-status': r.status },
    h('div', { class: 'item-head' }, h('span', { class: 'item-title review-district' }, unitName(r.district)),
      h('span', { class: 'badge badge-off' }, t('review_status.' + r.status, null, r.status))),
    h('p', { class: 'item-meta' }, day(r.occurred_on), ' · ', r.place),
    h('p', { class: 'review-text' }, r.description),
    h('p', { class: 'review-contact' }, t('review.contact'), ': ', r.contact || t('review.no_contact')),
    h('p', { class: 'item-meta' }, t('track.code'), ': ', r.tracking_code),
    r.dismiss_reason ? h('p', { class: 'item-meta' }, t('review.reason_shown', { reason: r.dismiss_reason })) : '',
    r.incident_id ? h('a', { href: href('incidents', { id: r.incident_id }) }, t('review.open_incident')) : '');
  if (r.status !== 'pending') return li;
  const actions = h('div', { class: 'actions' });
  const decide = (action, fields, body) => {
    const form = h('form', { class: 'form review-' + action + '-form', novalidate: true }, formError(), ...fields,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary review-save' }, t('review.' + action)),
        button(t('common.cancel'), { onclick: () => form.replaceWith(actions) })));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        const out = await api.postIf(`/incident-reports/${encodeURIComponent(r.id)}/${action}`, body(), r.version);
        li.replaceChildren(msg(t(action === 'accept' ? 'review.accepted' : 'review.dismissed_msg'), 'ok', { class: 'msg msg-ok review-done' }),
          action === 'accept' ? h('a', { class: 'btn', href: href('incidents', { id: out.id }), id: 'review-incident-' + r.id }, t('review.open_incident')) : '');
      } catch (err) {
        showErrors(form, err);
      }
    });
    actions.replaceWith(form);
    form.querySelector('input, textarea').focus();
  };
  actions.append(
    button(t('review.accept'), { class: 'btn btn-primary review-accept', onclick: () => {
      const title = h('input', { class: 'review-title', maxlength: 200 });
      const kind = h('select', { class: 'review-kind' }, ...en.IncidentKind.map((k) => h('option', { value: k }, t('incident_kind.' + k, null, k))));
      const groups = en.AffectedGroup.map((g) => h('input', { type: 'checkbox', value: g, class: 'review-group' }));
      let unit = null;
      const picker = unitPicker({ id: 'review-unit-' + r.id, search: async (q) => (await api.get('/units', { q, under: r.district.id })).items,
        label: unitName, onPick: (u) => { unit = u; } });
      decide('accept', [field('title', t('review.title_field'), title), field('kind', t('incident.kind'), kind),
        field('affected_groups', t('incident.groups'), h('div', { class: 'checks' },
          ...groups.map((c) => h('label', { class: 'check' }, c, ' ', t('affected_group.' + c.value, null, c.value))))),
        field('unit_id', t('review.unit'), picker.input, { control: picker.el })],
      () => ({ title: title.value, kind: kind.value, affected_groups: groups.filter((c) => c.checked).map((c) => c.value), unit_id: unit ? unit.id : undefined }));
    } }),
    button(t('review.dismiss'), { class: 'btn review-dismiss', onclick: () => {
      const reason = h('textarea', { class: 'review-reason', rows: 2, maxlength: 1000 });
      decide('dismiss', [field('reason', t('review.reason'), reason)], () => ({ reason: reason.value }));
    } }));
  li.append(actions);
  return li;
}
