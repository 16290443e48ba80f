// views/person_page.js: one person (#/people/{id}): their details — the personal fields only where
// the API gives them to this reader —, the unit that looks after them, the seats they hold (each
// linked to its committee) and held, with dates; and, for the roles that manage people, an edit
// form. The edit sends only the fields changed, with the version read (If-Match): when someone
// else saved first (412) the page says so and reloads the record into the form.
// The state office and admin also answer the person's requests under the DPDP Act 2023
// (docs/PRIVACY.md): a JSON file of everything held about them, and erasure after a warning and
// a reason.

import * as api from '../api.js';
import { t, tn, date, unitName } from '../i18n.js';
import { h, put, msg, dl, button, field, formError, showErrors, clearErrors, errorText } from '../ui.js';
import { name, other, tags, phoneText, personFields } from '../person.js';
import { canManagePeople, canAnswerDataRequests } from '../roles.js';
import * as enums from '../enums.js';

// FIELDS are the fields the edit form offers, in the API's names.
const FIELDS = ['name', 'name_hi', 'gender', 'birth_year', 'category', 'phone', 'voter_id', 'religion', 'caste'];

const positionName = (p) => t('position.' + p, null, p);
const unitHref = (u) => '#/units/' + encodeURIComponent(u.id);
const blank = (v) => (v === undefined || v === null || v === '' ? null : v);

export async function render(root, ctx) {
  const id = ctx.params.id;
  const path = '/people/' + encodeURIComponent(id);
  const load = () => Promise.all([api.get(path), api.get(path + '/seats')]);
  let [person, seats] = await Promise.all([load(), enums.load()]).then(([loaded]) => loaded);
  ctx.setTitle(name(person));

  const head = h('div', { class: 'person-head' });
  const details = h('section', { class: 'card', id: 'person-details', 'aria-labelledby': 'person-details-title' });
  const seatsCard = h('section', { class: 'card', id: 'person-seats', 'aria-labelledby': 'person-seats-title' });
  const status = h('div', { class: 'list-status', id: 'person-status', 'aria-live': 'polite' });
  const editor = canManagePeople(ctx.user.role) ? editForm() : null;
  const privacy = canAnswerDataRequests(ctx.user.role) ? privacyCard() : null;
  root.append(
    h('p', { class: 'crumbs' }, h('a', { href: '#/people', id: 'person-back' }, t('person.back'))),
    head, status, details, editor ? editor.form : null, seatsCard, privacy ? privacy.card : null);
  if (ctx.user.role !== 'booth_worker') root.append(assignmentsCard(person));
  draw();

  function draw() {
    put(head,
      h('h1', { id: 'person-name', 'data-person-id': person.id }, name(person)),
      other(person) ? h('p', { class: 'other-name', id: 'person-other' }, other(person)) : null,
      tags(person));
    put(details, h('h2', { id: 'person-details-title' }, t('person.details')), facts(person),
      person.erased_at ? msg(t('privacy.erased_on', { date: date(person.erased_at) }), 'warn', { id: 'person-erased' }) : null,
      editor && !person.erased_at ? h('div', { class: 'actions' }, button(t('common.edit'), { class: 'btn btn-primary', id: 'person-edit', onclick: () => editor.open() })) : null);
    drawSeats();
    if (privacy) privacy.draw();
  }

  function drawSeats() {
    const now = seats.items.filter((s) => !s.until);
    const past = seats.items.filter((s) => s.until);
    put(seatsCard,
      h('h2', { id: 'person-seats-title' }, t('person.seats_current')),
      now.length ? h('ul', { class: 'item-list', id: 'person-current-seats' }, now.map(seatItem))
        : h('p', { class: 'hint', id: 'person-no-current' }, t('person.no_current_seats')),
      h('h2', null, t('person.seats_past')),
      past.length ? h('ul', { class: 'item-list', id: 'person-past-seats' }, past.map(seatItem))
        : h('p', { class: 'hint', id: 'person-no-past' }, t('person.no_past_seats')));
  }

  // reload reads the person and their seats again, as stored now.
  async function reload() {
    [person, seats] = await load();
    ctx.setTitle(name(person));
    draw();
  }

  function editForm() {
    const pf = personFields('person-e');
    const top = formError();
    top.id = 'person-form-error';
    const stale = h('p', { class: 'msg msg-warn', id: 'person-stale', role: 'alert', hidden: true }, t('person.stale'));
    const save = h('button', { type: 'submit', class: 'btn btn-primary', id: 'person-save' }, t('common.save'));
    const form = h('form', { class: 'card form', id: 'person-form', novalidate: true, hidden: true, 'aria-labelledby': 'person-form-title' },
      h('h2', { id: 'person-form-title' }, t('person.edit_title')),
      stale, top, ...pf.nodes,
      h('div', { class: 'actions' }, save, button(t('common.cancel'), { class: 'btn btn-quiet', id: 'person-cancel', onclick: () => close() })));

    // fill shows the person as read in the form; the fields this reader is not given stay hidden
    // and are never sent.
    const fill = () => {
      pf.fill(person);
      for (const k of FIELDS) pf.inputs[k].closest('.field').hidden = !(k in person);
    };
    const close = () => {
      form.hidden = true;
      clearErrors(form);
      document.getElementById('person-edit')?.focus();
    };
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      stale.hidden = true;
      put(status);
      const { body, errors } = pf.read();
      if (errors.length) {
        showErrors(form, { status: 422, fields: errors });
        return;
      }
      // Only what changed goes out: an emptied field is sent as null (the Hindi name as ''), so
      // that it is cleared rather than left as it was.
      const patch = {};
      for (const k of FIELDS) {
        if (!(k in person)) continue;
        const now = blank(body[k]);
        if (now !== blank(person[k])) patch[k] = now === null && k === 'name_hi' ? '' : now;
      }
      if (!Object.keys(patch).length) {
        close();
        return;
      }
      save.disabled = true;
      try {
        await api.patch(path, patch, person.version);
      } catch (err) {
        if (err.status === 412) {
          // Someone else's change came first: show theirs, and let the user make theirs again.
          try {
            await reload();
            fill();
          } catch (e2) {
            put(status, msg(errorText(e2), 'error'));
          }
          stale.hidden = false;
          stale.scrollIntoView({ block: 'nearest' });
          return;
        }
        showErrors(form, err);
        form.querySelector('[aria-invalid="true"]')?.focus();
        return;
      } finally {
        save.disabled = false;
      }
      await reload();
      close();
      put(status, msg(t('person.saved'), 'ok', { id: 'person-saved' }));
    });
    return {
      form,
      open: () => {
        stale.hidden = true;
        fill();
        clearErrors(form);
        put(status);
        form.hidden = false;
        pf.focus();
      },
    };
  }

  // privacyCard offers the export of everything held about the person (downloaded from a blob:
  // the token never goes into a URL) and, until done, the erasure: a warning that it cannot be
  // undone and a reason to type before the button that does it.
  function privacyCard() {
    const card = h('section', { class: 'card', id: 'person-privacy', 'aria-labelledby': 'person-privacy-title' });
    const reason = h('textarea', { rows: 3, maxlength: 500, id: 'person-erase-reason' });
    const top = formError();
    const confirm = h('button', { type: 'submit', class: 'btn btn-danger', id: 'person-erase-confirm' }, t('privacy.confirm'));
    const warning = h('p', { class: 'msg msg-warn', id: 'person-erase-warning' });
    const form = h('form', { class: 'form', id: 'person-erase-form', novalidate: true, hidden: true },
      warning, top, field('reason', t('privacy.reason'), reason, { hint: t('privacy.reason_hint') }),
      h('div', { class: 'actions' }, confirm, button(t('common.cancel'), { class: 'btn btn-quiet', id: 'person-erase-cancel', onclick: () => { form.hidden = true; } })));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      const text = reason.value.trim();
      if (!text) {
        showErrors(form, { status: 422, fields: [{ field: 'reason', message: t('privacy.err_reason'), local: true }] });
        reason.focus();
        return;
      }
      confirm.disabled = true;
      try {
        await api.postIf(path + '/erase', { reason: text }, person.version);
      } catch (err) {
        if (err.status === 412) await reload().catch(() => {});
        showErrors(form, err);
        return;
      } finally {
        confirm.disabled = false;
      }
      form.hidden = true;
      reason.value = '';
      await reload();
      put(status, msg(t('privacy.erased'), 'ok', { id: 'person-erase-done' }));
    });
    const exportData = async (btn) => {
      btn.disabled = true;
      put(status);
      try {
        const data = await api.get(path + '/data-export');
        const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
        const url = URL.createObjectURL(blob);
        const a = h('a', { href: url, download: `person-${person.id}-data.json`, hidden: true });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 60000);
        put(status, msg(t('privacy.exported'), 'ok', { id: 'person-exported' }));
      } catch (err) {
        put(status, msg(errorText(err), 'error'));
      } finally {
        btn.disabled = false;
      }
    };
    return {
      card,
      draw() {
        warning.textContent = t('privacy.erase_warning', { id: person.id });
        const exportBtn = button(t('privacy.export'), { class: 'btn', id: 'person-export', onclick: () => exportData(exportBtn) });
        const eraseBtn = person.erased_at ? null : button(t('privacy.erase'), { class: 'btn btn-danger-quiet', id: 'person-erase',
          onclick: () => { clearErrors(form); form.hidden = false; reason.focus(); } });
        put(card, h('h2', { id: 'person-privacy-title' }, t('privacy.title')), h('p', { class: 'hint' }, t('privacy.hint')),
          h('div', { class: 'actions' }, exportBtn, eraseBtn), person.erased_at ? null : form);
      },
    };
  }
}

// facts lists the person's details that the answer carries.
function facts(p) {
  const has = (k) => p[k] !== undefined && p[k] !== null && p[k] !== '';
  const home = p.home_unit
    ? h('a', { href: unitHref(p.home_unit), id: 'person-home', 'data-unit-id': p.home_unit.id }, unitName(p.home_unit), ' · ', t('level.' + p.home_unit.level, null, p.home_unit.level))
    : null;
  return dl([
    [t('person.gender'), has('gender') ? t('gender.' + p.gender, null, p.gender) : null, 'gender'],
    [t('person.birth_year'), has('birth_year') ? String(p.birth_year) : null, 'birth_year'],
    [t('person.category'), has('category') ? t('community.' + p.category, null, p.category) : null, 'category'],
    [t('person.religion'), has('religion') ? t('religion.' + p.religion, null, p.religion) : null, 'religion'],
    [t('person.caste'), has('caste') ? p.caste : null, 'caste'],
    [t('person.phone'), has('phone') ? h('a', { href: 'tel:' + p.phone, lang: 'en', id: 'person-phone' }, phoneText(p.phone)) : null, 'phone'],
    [t('person.voter_id'), has('voter_id') ? h('span', { lang: 'en', id: 'person-voter-id' }, p.voter_id) : null, 'voter_id'],
    [t('person.membership_no'), has('membership_no') ? p.membership_no : null, 'membership_no'],
    [t('person.home_unit'), home, 'home_unit'],
  ], { id: 'person-facts' });
}

// seatItem is one seat: the position, the committee's unit (linked to its page, where the
// committee is) and the term.
function seatItem(s) {
  const term = s.until
    ? t('person.seat_term', { since: date(s.since), until: date(s.until) })
    : t('person.seat_since', { since: date(s.since) });
  return h('li', { class: 'history-item person-seat' + (s.until ? ' ended' : ''), 'data-seat-id': s.id, 'data-unit-id': s.unit.id },
    h('span', { class: 'item-title seat-position' }, positionName(s.position)),
    h('a', { class: 'seat-unit', href: unitHref(s.unit) }, unitName(s.unit)),
    h('p', { class: 'item-meta' }, t('level.' + s.unit.level, null, s.unit.level), ' · ', term));
}

// assignmentsCard shows the person's active in-charge (प्रभारी) assignments and their load.
function assignmentsCard(person) {
  const card = h('section', { class: 'card', id: 'person-assignments' },
    h('h2', null, t('prabhari.person_title')),
    h('p', { class: 'hint', id: 'person-load' }, tn('prabhari.load', person.assignments_active || 0)));
  api.get('/assignments', { person_id: person.id, active: 'true', limit: 100 }).then((page) => {
    if (page.items.length) {
      card.append(h('ul', { class: 'item-list', id: 'person-assignment-list' }, page.items.map((a) => h('li', { class: 'item', 'data-assignment-id': a.id },
        h('a', { href: unitHref(a.unit) }, unitName(a.unit)), ' · ', a.purpose, ' · ', t('prabhari.since', { date: date(a.starts_on) })))));
    }
  }).catch((e) => card.append(msg(errorText(e), 'error')));
  return card;
}
